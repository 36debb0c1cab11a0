/**
 * Builds the Teams app package: `npm run package -- --env dev` fills appPackage/manifest.json from
 * env/.env.dev (+ env/.env.dev.user), validates it and writes appPackage/build/appPackage.dev.zip.
 * Exits 1 listing every problem (unfilled placeholders, schema errors, icon and domain rules).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { AppPackageError, packageApp, REPO_ROOT } from "./lib/teamsAppPackage.js";

function envArg(argv: string[]): string {
  for (const [i, arg] of argv.entries()) {
    if (arg === "--env") return argv[i + 1] ?? "";
    if (arg.startsWith("--env=")) return arg.slice("--env=".length);
  }
  return "dev";
}

try {
  const env = envArg(process.argv.slice(2));
  const root = process.env.PACER_APP_PACKAGE_ROOT ?? REPO_ROOT;
  const { zipPath, zip } = packageApp(env, root);
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, zip);
  console.log(`Teams app package for "${env}" is valid: ${relative(process.cwd(), zipPath)}`);
} catch (err) {
  if (!(err instanceof AppPackageError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
