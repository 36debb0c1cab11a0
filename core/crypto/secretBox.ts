import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** An encrypted secret as stored in MongoDB: AES-256-GCM, tagged with the id of the key that sealed it. */
export interface SealedSecret {
  alg: "A256GCM";
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

const keyId = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 12);

/**
 * Encrypts connection secrets at rest. The first key seals; every key opens, so rotating means
 * putting the new key first in PACER_SECRET_KEY, re-sealing (`needsResealing`; the sync role and
 * `npm run reseal` do it for every stored secret), then dropping the old one. `context` (e.g.
 * tenant and connection id) is bound as additional data, so a sealed value copied onto another
 * record does not open.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current: { kid: string; key: Buffer };
  /** The key ids in PACER_SECRET_KEY order: `keyIds[0]` seals. */
  readonly keyIds: string[];

  constructor(keys: Buffer[]) {
    const [first] = keys;
    if (!first) throw new Error("SecretBox needs at least one key");
    for (const key of keys) if (key.length !== 32) throw new Error("SecretBox keys are 32 bytes");
    this.keys = new Map(keys.map((key) => [keyId(key), key]));
    this.current = { kid: keyId(first), key: first };
    this.keyIds = keys.map(keyId);
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { alg: "A256GCM", kid: this.current.kid, iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
  }

  open(sealed: SealedSecret, context: string): string {
    const key = this.keys.get(sealed.kid);
    if (!key) throw new Error(`secret was sealed with key ${sealed.kid}, which is no longer in PACER_SECRET_KEY`);
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
  }

  needsResealing(sealed: SealedSecret): boolean {
    return sealed.kid !== this.current.kid;
  }

  /** False when the sealing key is no longer configured: the secret is lost unless that key comes back. */
  canOpen(sealed: SealedSecret): boolean {
    return this.keys.has(sealed.kid);
  }
}

/** The box for PACER_SECRET_KEY's keys, or for the development key when it is unset (see below). */
export async function secretBoxFor(keys: Buffer[] | undefined, dataDir: string): Promise<SecretBox> {
  return new SecretBox(keys ?? [await devSecretKey(dataDir)]);
}

/**
 * Outside production a missing PACER_SECRET_KEY is replaced by a key generated once and kept in
 * the data folder (mode 0600), so local secrets survive restarts. Production refuses to start instead.
 */
export async function devSecretKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, "dev-secret.key");
  if (existsSync(file)) return Buffer.from((await readFile(file, "utf8")).trim(), "base64");
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString("base64"), { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  return Buffer.from((await readFile(file, "utf8")).trim(), "base64");
}
