import { X509Certificate, createPrivateKey } from "node:crypto";
import { z } from "zod";

/**
 * What an Azure Data Explorer connection form holds: the cluster (Azure Data Explorer, or a
 * Fabric Real-Time Intelligence eventhouse's query URI), a database, and a Microsoft Entra app
 * that signs in with a client secret or a certificate (both sealed, never returned).
 */
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// http:// only to this machine: the Kusto emulator (https://learn.microsoft.com/azure/data-explorer/kusto-emulator-overview) or a local proxy.
const loopback = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\/?$/i;

export const kustoConfig = z
  .object({
    clusterUrl: z
      .string()
      .trim()
      .url()
      .refine((url) => /^https:\/\/[^/]+\/?$/i.test(url) || loopback.test(url), "the cluster's https:// query URI without a path, e.g. https://mycluster.westeurope.kusto.windows.net")
      .describe("the cluster URI, e.g. https://mycluster.westeurope.kusto.windows.net, or a Fabric eventhouse's https://….kusto.fabric.microsoft.com"),
    database: z.string().trim().min(1).max(260).describe("the database the queries run in"),
    tenantId: z
      .string()
      .trim()
      .refine((t) => guid.test(t) || /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(t), "the Entra tenant id (a GUID) or its domain, e.g. contoso.onmicrosoft.com")
      .describe("the Microsoft Entra tenant of the app registration"),
    clientId: z.string().trim().regex(guid, "the app registration's application (client) id, a GUID").describe("the app registration's application (client) id"),
    authentication: z.enum(["clientSecret", "certificate"]).default("clientSecret").describe("sign in with a client secret, or with a certificate (recommended)"),
    sendCertificateChain: z.boolean().default(false).describe("send the certificate chain (subject name + issuer authentication)"),
    statementTimeoutSeconds: z.number().int().min(1).max(300).default(30).describe("how long one query may run before Kusto cancels it (servertimeout)"),
  })
  .strict();
export type KustoConfig = z.infer<typeof kustoConfig>;

export const kustoSecrets = z
  .object({
    clientSecret: z.string().min(1).max(1_024).optional().describe("the app's client secret value (not its id); stored encrypted"),
    certificate: z
      .string()
      .trim()
      .max(64_000)
      .optional()
      .describe("the app's certificate and its private key in one PEM (-----BEGIN CERTIFICATE----- … -----BEGIN PRIVATE KEY----- …); stored encrypted"),
  })
  .strict()
  .superRefine((secrets, check) => {
    if (!secrets.certificate) return;
    const problem = certificateProblem(secrets.certificate);
    if (problem) check.addIssue({ code: "custom", path: ["certificate"], message: problem });
  });
export type KustoSecrets = z.infer<typeof kustoSecrets>;

/** Why a PEM cannot sign Entra's client assertion, or null: it needs the certificate and its unencrypted private key. */
export function certificateProblem(pem: string): string | null {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!cert) return "the PEM holds no certificate (-----BEGIN CERTIFICATE-----)";
  if (!key) return /ENCRYPTED PRIVATE KEY/.test(pem) ? "the private key is encrypted: export it without a passphrase" : "the PEM holds no private key (-----BEGIN PRIVATE KEY-----)";
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) return "the private key does not belong to the certificate";
  } catch {
    return "the certificate or the private key cannot be read";
  }
  return null;
}

export function signInProblem(config: KustoConfig, secrets: KustoSecrets): string | null {
  if (config.authentication === "clientSecret" && !secrets.clientSecret) return "This connection signs in with a client secret, but none is stored: enter it.";
  if (config.authentication === "certificate" && !secrets.certificate) return "This connection signs in with a certificate, but none is stored: paste it with its private key.";
  return null;
}
