import type { ConnectionOptions } from "node:tls";
import { z } from "zod";

/**
 * The connection fields the SQL-server connectors share (PostgreSQL, MySQL/MariaDB, MS SQL,
 * Redshift): what people type in the connection form. The password is a secret (sealed, never
 * returned); everything else is plain config.
 */
export const tlsModes = ["verify-full", "verify-ca", "require", "disable"] as const;
export type TlsMode = (typeof tlsModes)[number];

const pem = z
  .string()
  .trim()
  .max(64_000)
  .refine((text) => /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text), "a PEM certificate (-----BEGIN CERTIFICATE----- …)");

export function sqlServerFields(defaults: { port: number; tls?: TlsMode }) {
  return {
    host: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:]+\]?$/, "a host name or IP address, without a scheme or port")
      .describe("the database server's host name or IP address"),
    port: z.number().int().min(1).max(65_535).default(defaults.port).describe("the server's port"),
    database: z.string().trim().min(1).max(128).describe("the database to query"),
    user: z.string().trim().min(1).max(128).describe("a login that may only read what the queries need"),
    tls: z
      .enum(tlsModes)
      .default(defaults.tls ?? "verify-full")
      .describe("verify-full checks the certificate and host name; verify-ca only the certificate; require encrypts without checking; disable sends in clear"),
    caCertificate: pem.optional().describe("the CA certificate (PEM) that signed the server's certificate, when it is not a public CA"),
    connectTimeoutSeconds: z.number().int().min(1).max(120).default(10).describe("how long to wait for the server to accept a connection"),
    statementTimeoutSeconds: z.number().int().min(1).max(300).default(30).describe("how long one query may run before the server cancels it"),
  };
}

export const sqlServerConfig = (defaults: { port: number; tls?: TlsMode }) => z.object(sqlServerFields(defaults)).strict();
export type SqlServerConfig = z.infer<ReturnType<typeof sqlServerConfig>>;

export const passwordSecrets = z
  .object({ password: z.string().min(1).max(1_024).describe("the login's password; stored encrypted") })
  .strict();
export type PasswordSecrets = z.infer<typeof passwordSecrets>;

/** The KR source of every SQL connector: one query returning one number. */
export const sqlQuerySource = z
  .object({
    query: z.string().trim().min(1).max(100_000).describe("one read-only SELECT that returns one row with one numeric column, e.g. SELECT COUNT(*) FROM orders"),
  })
  .strict();
export type SqlQuerySource = z.infer<typeof sqlQuerySource>;

/** Node TLS options for a mode, or false for `disable`. */
export function tlsOptions(config: Pick<SqlServerConfig, "host" | "tls" | "caCertificate">): ConnectionOptions | false {
  const ca = config.caCertificate ? { ca: config.caCertificate } : {};
  switch (config.tls) {
    case "disable":
      return false;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { ...ca, rejectUnauthorized: true, servername: isIp(config.host) ? undefined : config.host };
  }
}

const isIp = (host: string) => /^[\d.]+$|:/.test(host);
