import { createPrivateKey } from "node:crypto";
import { z } from "zod";

/**
 * What a Snowflake connection form holds. Snowflake is reached over HTTPS at
 * `https://<account>.snowflakecomputing.com`; PrivateLink or a local proxy can replace that address.
 * A user signs in with a password or a key pair (RSA private key, optionally encrypted); both are
 * secrets, sealed and never returned.
 */
const identifier = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"]+")$/, `${what} name: letters, digits, _ and $ (or a "quoted name")`);

const loopback = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\/?$/i;

export const snowflakeConfig = z
  .object({
    account: z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){0,3}$/,
        "an account identifier such as myorg-myaccount (or a locator such as xy12345.east-us-2.azure), without https:// or .snowflakecomputing.com",
      )
      .describe("the account identifier: orgname-accountname, or the account locator with its region"),
    accessUrl: z
      .string()
      .trim()
      .url()
      .refine((url) => /^https:\/\/[^/]+\/?$/i.test(url) || loopback.test(url), "an https:// address without a path (http:// only to a proxy on this machine)")
      .optional()
      .describe("PrivateLink or proxy address, e.g. https://myorg-myaccount.privatelink.snowflakecomputing.com; leave empty for the public address"),
    warehouse: identifier("a warehouse").describe("the warehouse that runs the queries (an X-Small one is plenty)"),
    role: identifier("a role").describe("a role with only USAGE on the warehouse, database and schema and SELECT on what the queries read"),
    database: identifier("a database").describe("the database the queries use by default"),
    schema: identifier("a schema").optional().describe("the schema the queries use by default"),
    user: z.string().trim().min(1).max(255).describe("the Snowflake user Pacer signs in as"),
    authentication: z.enum(["password", "keyPair"]).default("password").describe("sign in with a password, or with a key pair (recommended for service users)"),
    connectTimeoutSeconds: z.number().int().min(1).max(120).default(15).describe("how long to wait for Snowflake to accept the sign-in"),
    statementTimeoutSeconds: z.number().int().min(1).max(300).default(30).describe("how long one query may run before Snowflake cancels it"),
  })
  .strict();
export type SnowflakeConfig = z.infer<typeof snowflakeConfig>;

export const snowflakeSecrets = z
  .object({
    password: z.string().min(1).max(1_024).optional().describe("the user's password; stored encrypted"),
    privateKey: z
      .string()
      .trim()
      .max(20_000)
      .regex(/^-----BEGIN (?:ENCRYPTED |RSA )?PRIVATE KEY-----[\s\S]+-----END (?:ENCRYPTED |RSA )?PRIVATE KEY-----$/, "a PEM private key (-----BEGIN PRIVATE KEY----- …)")
      .optional()
      .describe("the key pair's private key (PEM, PKCS#8); stored encrypted"),
    privateKeyPassphrase: z.string().min(1).max(1_024).optional().describe("the passphrase of an encrypted private key; stored encrypted"),
  })
  .strict()
  .superRefine((secrets, check) => {
    if (!secrets.privateKey) return;
    const problem = privateKeyProblem(secrets.privateKey, secrets.privateKeyPassphrase);
    if (problem) check.addIssue({ code: "custom", path: ["privateKey"], message: problem });
  });
export type SnowflakeSecrets = z.infer<typeof snowflakeSecrets>;

/** Why the key cannot sign Snowflake's JWT (RS256), or null. */
export function privateKeyProblem(pem: string, passphrase: string | undefined): string | null {
  try {
    const key = createPrivateKey({ key: pem, format: "pem", passphrase: passphrase ?? "" });
    return key.asymmetricKeyType === "rsa" ? null : `the key is ${key.asymmetricKeyType}; Snowflake key-pair sign-in needs an RSA key`;
  } catch {
    return /ENCRYPTED/.test(pem) && !passphrase ? "the key is encrypted: enter its passphrase" : "the key cannot be read (a wrong passphrase, or not a PEM private key)";
  }
}

/** Which sign-in the secrets allow for the chosen method, or why none. */
export function signInProblem(config: SnowflakeConfig, secrets: SnowflakeSecrets): string | null {
  if (config.authentication === "password" && !secrets.password) return "This Snowflake connection signs in with a password, but none is stored: enter it.";
  if (config.authentication === "keyPair" && !secrets.privateKey) return "This Snowflake connection signs in with a key pair, but no private key is stored: paste it.";
  return null;
}
