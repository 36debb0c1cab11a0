import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AdmZip from "adm-zip";
import pngjs from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import {
  APP_PACKAGE_DIR,
  PACKAGE_FILES,
  REPO_ROOT,
  buildZip,
  domainCovers,
  fillPlaceholders,
  findPlaceholders,
  packageApp,
  parseEnvFile,
  validateAppPackage,
  validateSchema,
  validateZip,
  type Problem,
} from "../../scripts/lib/teamsAppPackage.js";

const { PNG } = pngjs;

type Manifest = Record<string, any>;

// A copy of appPackage/ and env/.env.dev only, so a developer's env/.env.dev.user cannot change the results.
const root = mkdtempSync(join(tmpdir(), "pacer-apppackage-"));
mkdirSync(join(root, "appPackage"));
mkdirSync(join(root, "env"));
for (const file of ["manifest.json", "color.png", "outline.png"]) {
  copyFileSync(join(APP_PACKAGE_DIR, file), join(root, "appPackage", file));
}
copyFileSync(join(REPO_ROOT, "env", ".env.dev"), join(root, "env", ".env.dev"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const built = packageApp("dev", root);
const goodManifest = (): Manifest => JSON.parse(built.manifestText) as Manifest;
const goodFiles = (): Map<string, Buffer> =>
  new Map(new AdmZip(built.zip).getEntries().map((e) => [e.entryName, e.getData()] as const));

function problemsFor(manifest: Manifest, files = goodFiles()): Problem[] {
  const text = JSON.stringify(manifest, null, 2);
  files.set("manifest.json", Buffer.from(text));
  return validateAppPackage(text, files);
}

function png(size: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) image.data.set(pixel(x, y), (y * size + x) * 4);
  }
  return PNG.sync.write(image);
}

const rules = (problems: Problem[]): string[] => problems.map((p) => p.rule);

describe("the generated manifest", () => {
  it("fills every placeholder from env/.env.dev", () => {
    expect(findPlaceholders(readFileSync(join(APP_PACKAGE_DIR, "manifest.json"), "utf8"))).toEqual(
      expect.arrayContaining(["TEAMS_APP_ID", "BOT_ID", "TAB_ENDPOINT", "TAB_DOMAIN", "AAD_APP_CLIENT_ID", "APP_NAME_SUFFIX"]),
    );
    expect(findPlaceholders(built.manifestText)).toEqual([]);
  });

  it("validates against the vendored v1.30 schema", () => {
    const manifest = goodManifest();
    expect(manifest.manifestVersion).toBe("1.30");
    expect(validateSchema(manifest)).toEqual([]);
  });

  it("passes every rule, zip included", () => {
    expect(validateZip(built.zip)).toEqual([]);
  });

  it("declares the bot, message extension, tabs, SSO and resource-specific consent", () => {
    const m = goodManifest();
    expect(m.bots[0].scopes).toEqual(["personal", "team", "groupChat"]);
    expect(m.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toEqual([
      "my okrs",
      "check in",
      "subscribe",
      "unsubscribe",
      "help",
    ]);
    const [search, ask] = m.composeExtensions[0].commands;
    expect(search).toMatchObject({ type: "query", title: "Search goals" });
    expect(ask).toMatchObject({ type: "action", title: "Ask a question about this goal", fetchTask: true, context: ["message", "compose"] });
    expect(m.composeExtensions[0].messageHandlers[0].value.domains).toEqual(["localhost:3978"]);
    expect(m.staticTabs.map((t: { name?: string }) => t.name)).toEqual(["My OKRs", "Admin", undefined]);
    expect(m.configurableTabs[0]).toMatchObject({ configurationUrl: "https://localhost:3978/tab/#/config", canUpdateConfiguration: true });
    expect(m.webApplicationInfo.resource).toBe(`api://localhost:3978/${m.webApplicationInfo.id}`);
    expect(m.authorization.permissions.resourceSpecific).toEqual([
      { name: "ChannelMessage.Read.Group", type: "Application" },
      { name: "ChatMessage.Read.Chat", type: "Application" },
    ]);
  });
});

describe("rules the schema cannot express", () => {
  it("rejects a colour icon of the wrong size", () => {
    const files = goodFiles();
    files.set("color.png", files.get("outline.png")!);
    const problems = problemsFor(goodManifest(), files);
    expect(rules(problems)).toEqual(["icon-size"]);
    expect(problems[0]!.message).toBe("icons.color color.png is 32×32, must be 192×192");
  });

  it("rejects an outline icon of the wrong size", () => {
    const files = goodFiles();
    files.set("outline.png", png(48, () => [0, 0, 0, 0]));
    expect(problemsFor(goodManifest(), files)).toEqual([
      { rule: "icon-size", message: "icons.outline outline.png is 48×48, must be 32×32" },
    ]);
  });

  it("rejects an outline icon that is not white on transparent", () => {
    const files = goodFiles();
    files.set("outline.png", png(32, (x, y) => (x === 3 && y === 5 ? [255, 0, 0, 255] : x < 2 ? [0, 0, 0, 128] : [0, 0, 0, 0])));
    const problems = problemsFor(goodManifest(), files);
    expect(rules(problems)).toEqual(["outline-transparency"]);
    expect(problems[0]!.message).toMatch(/has 65 pixel\(s\) that are neither transparent nor white \(first at x=0, y=0: rgba\(0,0,0,128\)\)/);
  });

  it("rejects an icon file that is missing or not a PNG", () => {
    const files = goodFiles();
    files.delete("outline.png");
    files.set("color.png", Buffer.from("not a png"));
    expect(rules(problemsFor(goodManifest(), files)).sort()).toEqual(["icon-format", "icon-missing"]);
  });

  it("rejects a message extension whose bot id differs from the bot's", () => {
    const m = goodManifest();
    m.composeExtensions[0].botId = "11111111-2222-4333-8444-555555555555";
    const problems = problemsFor(m);
    expect(rules(problems)).toEqual(["bot-id"]);
    expect(problems[0]!.message).toBe(
      `composeExtensions[0].botId (11111111-2222-4333-8444-555555555555) differs from bots[0].botId (${m.bots[0].botId})`,
    );
  });

  it("rejects tab and unfurl hosts missing from validDomains", () => {
    const m = goodManifest();
    m.validDomains = ["pacer.example.com"];
    const problems = problemsFor(m);
    expect(new Set(rules(problems))).toEqual(new Set(["valid-domains"]));
    const messages = problems.map((p) => p.message);
    expect(messages).toContain("staticTabs[0].contentUrl host localhost:3978 is not in validDomains [pacer.example.com]");
    expect(messages).toContain("configurableTabs[0].configurationUrl host localhost:3978 is not in validDomains [pacer.example.com]");
    expect(messages).toContain(
      "composeExtensions[0].messageHandlers[0] unfurl domain localhost:3978 is not in validDomains [pacer.example.com]",
    );
  });

  it("accepts wildcard validDomains", () => {
    expect(domainCovers("*.devtunnels.ms", "abc-3978.euw.devtunnels.ms")).toBe(true);
    expect(domainCovers("pacer.example.com", "pacer.example.com:443")).toBe(true);
    expect(domainCovers("pacer.example.com", "evil.example.com")).toBe(false);
    expect(domainCovers("*.example.com", "example.org")).toBe(false);
  });

  it("rejects a webApplicationInfo.resource that is not on the tab domain", () => {
    const m = goodManifest();
    m.webApplicationInfo.resource = `api://other.example.com/${m.webApplicationInfo.id}`;
    expect(problemsFor(m)).toEqual([
      { rule: "sso-resource", message: "webApplicationInfo.resource host other.example.com is not the tab domain localhost:3978" },
    ]);
  });

  it("rejects a manifest with an unfilled placeholder", () => {
    const m = goodManifest();
    m.developer.privacyUrl = "${{PRIVACY_URL}}";
    const problems = problemsFor(m);
    expect(problems).toContainEqual({ rule: "placeholder", message: "unfilled placeholder ${{PRIVACY_URL}}" });
  });
});

describe("the zip", () => {
  it("opens and holds exactly manifest.json, color.png and outline.png at its root", () => {
    const names = new AdmZip(built.zip).getEntries().map((e) => e.entryName);
    expect(names.sort()).toEqual([...PACKAGE_FILES].sort());
  });

  it("is rejected when it does not open", () => {
    expect(rules(validateZip(Buffer.from("PK\u0003\u0004 this is not a zip")))).toEqual(["zip"]);
  });

  it("is rejected when files are nested or extra", () => {
    const files = goodFiles();
    const nested = new Map([...files].map(([name, data]) => [name === "manifest.json" ? name : `icons/${name}`, data] as const));
    nested.set("README.md", Buffer.from("hi"));
    const messages = validateZip(buildZip(nested)).map((p) => p.message);
    expect(messages).toContain("color.png is missing from the zip root");
    expect(messages).toContain("unexpected entry icons/outline.png (only manifest.json, color.png, outline.png belong at the root)");
    expect(messages).toContain("unexpected entry README.md (only manifest.json, color.png, outline.png belong at the root)");
  });
});

describe("env files and placeholders", () => {
  it("parses dotenv lines with comments and quotes", () => {
    expect(parseEnvFile('# c\nA=1\n B = "two words" \nC=\'x\'\nD=\nnot a line\n')).toEqual({ A: "1", B: "two words", C: "x", D: "" });
  });

  it("lists every unfilled placeholder and JSON-escapes values", () => {
    const { text, unfilled } = fillPlaceholders('{"a":"${{A}}","b":"${{B}}","c":"${{ C }}","s":"x${{APP_NAME_SUFFIX}}"}', {
      A: 'say "hi"',
      C: "",
      APP_NAME_SUFFIX: "",
    });
    expect(unfilled).toEqual(["B", "C"]);
    expect(text).toBe('{"a":"say \\"hi\\"","b":"${{B}}","c":"${{ C }}","s":"x"}');
  });
});

describe("npm run package", () => {
  const run = (env: string) =>
    spawnSync(process.execPath, [join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO_ROOT, "scripts", "packageApp.ts"), "--env", env], {
      cwd: root,
      env: { ...process.env, PACER_APP_PACKAGE_ROOT: root },
      encoding: "utf8",
    });

  it("exits non-zero listing every unfilled placeholder", () => {
    writeFileSync(
      join(root, "env", ".env.broken"),
      "TEAMS_APP_ID=6f0c3b7e-5a2d-4c1e-9b8a-2d7e4f1a9c30\nTAB_ENDPOINT=https://pacer.example.com\nAAD_APP_CLIENT_ID=00000000-0000-4000-8000-0000000aad01\nBOT_ID=\n",
    );
    const result = run("broken");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("${{BOT_ID}} has no value in env/.env.broken or env/.env.broken.user");
    expect(result.stderr).toContain("${{TAB_DOMAIN}} has no value");
    expect(result.stderr).toContain("${{APP_NAME_SUFFIX}} has no value");
    expect(existsSync(join(root, "appPackage", "build", "appPackage.broken.zip"))).toBe(false);
  }, 30_000);

  it("writes appPackage/build/appPackage.<env>.zip, with .user values winning", () => {
    writeFileSync(join(root, "env", ".env.ok"), readFileSync(join(REPO_ROOT, "env", ".env.dev")));
    writeFileSync(join(root, "env", ".env.ok.user"), "TAB_ENDPOINT=https://pacer.example.com\nTAB_DOMAIN=pacer.example.com\n");
    const result = run("ok");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const zip = readFileSync(join(root, "appPackage", "build", "appPackage.ok.zip"));
    expect(validateZip(zip)).toEqual([]);
    const manifest = JSON.parse(new AdmZip(zip).getEntry("manifest.json")!.getData().toString("utf8")) as Manifest;
    expect(manifest.staticTabs[0].contentUrl).toBe("https://pacer.example.com/tab/#/my");
    expect(manifest.validDomains).toEqual(["pacer.example.com"]);
  }, 30_000);
});
