import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../core/config/config.js";

const validKey = Buffer.alloc(32, 7).toString("base64");

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration", () => {
  it("has working defaults for local use", () => {
    const config = parseConfig({}, "/srv/pacer");
    expect(config.PORT).toBe(3978);
    expect(config.PACER_ROLE).toBe("all");
    expect(config.MONGODB_URI).toBeUndefined();
    expect(config.dataDir).toBe("/srv/pacer/.data");
    expect(config.PACER_DEV_AUTH).toBe(false);
    expect(config.PACER_SYNC_INTERVAL_MINUTES).toBe(60);
  });

  it("lists every bad variable at once, not just the first", () => {
    const problems = problemsOf({
      PORT: "eighty",
      PACER_ROLE: "worker",
      MONGODB_URI: "postgres://localhost/x",
      PACER_SECRET_KEY: "short",
      LOG_LEVEL: "loud",
    });
    expect(problems).toHaveLength(5);
    expect(problems.join("\n")).toMatch(/^PORT: /m);
    expect(problems.join("\n")).toMatch(/^PACER_ROLE: /m);
    expect(problems.join("\n")).toMatch(/^MONGODB_URI: must start with mongodb/m);
    expect(problems.join("\n")).toMatch(/^PACER_SECRET_KEY: key 1 must be 32 random bytes/m);
    expect(problems.join("\n")).toMatch(/^LOG_LEVEL: /m);
  });

  it("refuses unsafe settings in production, naming each", () => {
    const problems = problemsOf({ NODE_ENV: "production", PACER_DEV_AUTH: "1", TAB_ENDPOINT: "http://pacer.example.com" });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^BOT_ID: required in production/),
        expect.stringMatching(/^PACER_DEV_AUTH: dev sign-in is refused in production/),
        expect.stringMatching(/^PACER_SECRET_KEY: required in production/),
        expect.stringMatching(/^AAD_APP_CLIENT_ID: required in production/),
        expect.stringMatching(/^TAB_ENDPOINT: must be https/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it("accepts a complete production configuration and several keys for rotation", () => {
    const other = Buffer.alloc(32, 9).toString("base64");
    const config = parseConfig({
      NODE_ENV: "production",
      BOT_ID: "11111111-1111-1111-1111-111111111111",
      AAD_APP_CLIENT_ID: "22222222-2222-2222-2222-222222222222",
      TAB_ENDPOINT: "https://pacer.example.com",
      PACER_SECRET_KEY: `${validKey}, ${other}`,
      MONGODB_URI: "mongodb+srv://user:pw@cluster0.example.mongodb.net/?retryWrites=true",
      PACER_ALLOWED_TENANTS: "AAAAAAAA-1111-1111-1111-111111111111",
    });
    expect(config.PACER_SECRET_KEY).toHaveLength(2);
    expect(config.PACER_ALLOWED_TENANTS).toEqual(["aaaaaaaa-1111-1111-1111-111111111111"]);
  });

  it("treats empty variables as unset", () => {
    const config = parseConfig({ MONGODB_URI: "", BOT_ID: " ", PACER_SECRET_KEY: "" });
    expect(config.MONGODB_URI).toBeUndefined();
    expect(config.BOT_ID).toBeUndefined();
    expect(config.PACER_SECRET_KEY).toBeUndefined();
  });
});
