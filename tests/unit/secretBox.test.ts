import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "../../core/crypto/secretBox.js";

describe("SecretBox", () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it("round-trips and never stores the plaintext", () => {
    const box = new SecretBox([oldKey]);
    const sealed = box.seal("pat-abc123", "tenant-1/conn-1");
    expect(JSON.stringify(sealed)).not.toContain("pat-abc123");
    expect(box.open(sealed, "tenant-1/conn-1")).toBe("pat-abc123");
  });

  it("does not open a secret moved to another record", () => {
    const box = new SecretBox([oldKey]);
    const sealed = box.seal("pat-abc123", "tenant-1/conn-1");
    expect(() => box.open(sealed, "tenant-2/conn-1")).toThrow();
  });

  it("detects tampering", () => {
    const box = new SecretBox([oldKey]);
    const sealed = box.seal("pat-abc123", "ctx");
    const data = Buffer.from(sealed.data, "base64");
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => box.open({ ...sealed, data: data.toString("base64") }, "ctx")).toThrow();
  });

  it("rotates: the new key seals, old secrets still open and are flagged for resealing", () => {
    const before = new SecretBox([oldKey]).seal("s3cret", "ctx");
    const rotated = new SecretBox([newKey, oldKey]);
    expect(rotated.open(before, "ctx")).toBe("s3cret");
    expect(rotated.needsResealing(before)).toBe(true);
    const after = rotated.seal("s3cret", "ctx");
    expect(rotated.needsResealing(after)).toBe(false);
    expect(() => new SecretBox([newKey]).open(before, "ctx")).toThrow(/no longer in PACER_SECRET_KEY/);
  });

  it("names its keys in PACER_SECRET_KEY order and tells which secrets it can no longer open", () => {
    const before = new SecretBox([oldKey]).seal("s3cret", "ctx");
    const rotated = new SecretBox([newKey, oldKey]);
    expect(rotated.keyIds).toHaveLength(2);
    expect(rotated.keyIds[1]).toBe(before.kid);
    expect(rotated.seal("x", "ctx").kid).toBe(rotated.keyIds[0]);
    expect(rotated.canOpen(before)).toBe(true);
    expect(new SecretBox([newKey]).canOpen(before)).toBe(false);
  });
});
