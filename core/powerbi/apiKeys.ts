import { createHash, randomBytes } from "node:crypto";

/** Keys look like `pacer_<43 base64url characters>` (32 random bytes). */
export const API_KEY_PREFIX = "pacer_";
const KEY_SHAPE = /^pacer_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashApiKey(key) };
}

/** Only this hash is stored; a 256-bit random key needs no slow hash. */
export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export const looksLikeApiKey = (value: string) => KEY_SHAPE.test(value);
