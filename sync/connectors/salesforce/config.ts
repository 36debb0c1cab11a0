import { createPrivateKey } from "node:crypto";
import { z } from "zod";

/**
 * What a Salesforce connection form holds: the org's My Domain URL and how Pacer signs in without a
 * person present — the OAuth 2.0 JWT bearer flow (a connected app or External Client App with a
 * certificate, and the integration user it acts as) or the client credentials flow (consumer key
 * and secret, the app's "Run As" user). Secrets are sealed and never returned.
 */

/** The one REST API version Pacer speaks (query, analytics/reports, sobjects). */
export const API_VERSION = "62.0";

const myDomain = /^https:\/\/[a-z0-9][a-z0-9-]*(?:--[a-z0-9-]+)?\.(?:sandbox\.|develop\.|scratch\.|demo\.|patch\.|trailblaze\.)?my\.salesforce\.com\/?$/i;

export const salesforceConfig = z
  .object({
    myDomainUrl: z
      .string()
      .trim()
      .url()
      .refine((url) => myDomain.test(url), "the org's My Domain URL, e.g. https://acme.my.salesforce.com (sandbox: https://acme--uat.sandbox.my.salesforce.com)")
      .describe("the org's My Domain URL (Setup → My Domain), e.g. https://acme.my.salesforce.com or https://acme--uat.sandbox.my.salesforce.com"),
    authentication: z
      .enum(["jwtBearer", "clientCredentials"])
      .default("jwtBearer")
      .describe("JWT bearer (certificate on the connected app, recommended) or client credentials (consumer secret, runs as the app's Run As user)"),
    consumerKey: z.string().trim().min(10).max(256).describe("the connected app's (or External Client App's) consumer key"),
    username: z
      .string()
      .trim()
      .max(255)
      .regex(/^[^\s@]+@[^\s@]+$/, "a Salesforce username, e.g. pacer-integration@acme.com")
      .optional()
      .describe("JWT bearer only: the integration user's Salesforce username (pre-authorized on the app)"),
    jwtAudience: z
      .enum(["loginHost", "myDomain"])
      .default("loginHost")
      .describe("JWT bearer only: the assertion's audience, https://login.salesforce.com (https://test.salesforce.com for a sandbox) or the My Domain URL"),
  })
  .strict();
export type SalesforceConfig = z.infer<typeof salesforceConfig>;

export const salesforceSecrets = z
  .object({
    privateKey: z
      .string()
      .trim()
      .max(16_000)
      .optional()
      .describe("JWT bearer: the private key (PEM, -----BEGIN PRIVATE KEY-----) whose certificate is uploaded on the app; stored encrypted"),
    clientSecret: z.string().trim().min(1).max(512).optional().describe("client credentials: the app's consumer secret; stored encrypted"),
  })
  .strict()
  .superRefine((secrets, check) => {
    if (!secrets.privateKey) return;
    const problem = privateKeyProblem(secrets.privateKey);
    if (problem) check.addIssue({ code: "custom", path: ["privateKey"], message: problem });
  });
export type SalesforceSecrets = z.infer<typeof salesforceSecrets>;

/** Why a PEM cannot sign an RS256 assertion, or null. */
export function privateKeyProblem(pem: string): string | null {
  if (/ENCRYPTED PRIVATE KEY/.test(pem)) return "the private key is encrypted: export it without a passphrase (openssl pkcs8 -topk8 -nocrypt)";
  if (/BEGIN CERTIFICATE/.test(pem) && !/PRIVATE KEY/.test(pem)) return "this is the certificate: paste the private key (the certificate goes on the connected app)";
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") return `the key is ${key.asymmetricKeyType ?? "not RSA"}; Salesforce needs an RSA key (RS256)`;
  } catch {
    return "the private key cannot be read: paste the whole PEM, -----BEGIN PRIVATE KEY----- through -----END PRIVATE KEY-----";
  }
  return null;
}

/** What is missing for the chosen sign-in, or null. */
export function signInProblem(config: SalesforceConfig, secrets: SalesforceSecrets): string | null {
  if (config.authentication === "jwtBearer") {
    if (!config.username) return "The JWT bearer flow needs the integration user's username.";
    if (!secrets.privateKey) return "The JWT bearer flow needs the private key whose certificate is on the connected app: paste it.";
  } else if (!secrets.clientSecret) return "The client credentials flow needs the app's consumer secret: enter it.";
  return null;
}

export const myDomainOf = (config: SalesforceConfig) => config.myDomainUrl.replace(/\/+$/, "").toLowerCase();
export const isSandbox = (config: SalesforceConfig) => /\.sandbox\.my\.salesforce\.com$/.test(myDomainOf(config));

/** https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm: `aud` is login.salesforce.com, test.salesforce.com (sandboxes) or the My Domain login URL. */
export function jwtAudience(config: SalesforceConfig): string {
  if (config.jwtAudience === "myDomain") return myDomainOf(config);
  return isSandbox(config) ? "https://test.salesforce.com" : "https://login.salesforce.com";
}

/** The KR source: a SOQL query returning one number, or a report's grand-total aggregate. One plain object (the tab's form renders no unions). */
export const salesforceSource = z
  .object({
    kind: z.enum(["soql", "report"]).default("soql").describe("a SOQL query returning one number, or a report's grand total"),
    query: z
      .string()
      .trim()
      .max(10_000)
      .optional()
      .describe("SOQL: e.g. SELECT COUNT() FROM Opportunity WHERE IsWon = true AND CloseDate = THIS_QUARTER, or SELECT SUM(Amount) total FROM Opportunity WHERE IsWon = true"),
    reportId: z
      .string()
      .trim()
      .regex(/^00O[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, "a report id (15 or 18 characters starting with 00O), picked from the list")
      .optional()
      .describe("report: the report (pick it from the list)"),
    reportName: z.string().trim().max(255).optional().describe("report: the report's name, filled by the picker"),
    aggregate: z
      .string()
      .trim()
      .max(255)
      .regex(/^(?:RowCount|[a-z]![A-Za-z0-9_.]+|[A-Za-z0-9_]+)$/, "a report aggregate such as s!Amount or RowCount")
      .optional()
      .describe("report: which grand-total aggregate, e.g. s!Amount or RowCount; empty for the report's first"),
  })
  .strict()
  .superRefine((source, check) => {
    if (source.kind === "soql") {
      if (!source.query) check.addIssue({ code: "custom", path: ["query"], message: "enter a SOQL query returning one number" });
      if (source.reportId || source.reportName || source.aggregate) check.addIssue({ code: "custom", path: ["kind"], message: "a SOQL source takes no report: choose kind report, or clear the report fields" });
    } else {
      if (!source.reportId) check.addIssue({ code: "custom", path: ["reportId"], message: "pick a report" });
      if (source.query) check.addIssue({ code: "custom", path: ["kind"], message: "a report source takes no query: choose kind soql, or clear the query" });
    }
  });
export type SalesforceSource = z.infer<typeof salesforceSource>;
