#!/usr/bin/env node
// Entry point of `npm start`, `npm test` and `npm run bench` on a fresh clone: installs the npm
// dependencies when they are missing or older than package-lock.json, then runs the command.
// Plain Node with no dependencies, because it runs before `npm ci`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function mtime(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

function runOrExit(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function ensureDependencies() {
  const installed = path.join(root, "node_modules", ".package-lock.json");
  const lock = path.join(root, "package-lock.json");
  if (existsSync(installed) && mtime(installed) >= mtime(lock) && existsSync(bin("tsx"))) return;
  console.log("Installing npm dependencies (npm ci)…");
  runOrExit("npm", ["ci", "--no-audit", "--no-fund"]);
}

function buildTab() {
  runOrExit(bin("vite"), ["build", "--config", "tab/vite.config.ts", "--logLevel", "warn"]);
}

/** Runs a long-lived child, forwarding Ctrl-C/termination so the embedded store stops cleanly. */
function runForwardingSignals(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const [command, ...rest] = process.argv.slice(2);
ensureDependencies();
switch (command) {
  case "start":
    buildTab();
    runForwardingSignals(process.execPath, ["--import", "tsx", "server/main.ts", ...rest]);
    break;
  case "test": {
    runOrExit(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
    buildTab();
    // The JSON report feeds the plain summary line CI reads ("N passed, N failed, N skipped").
    const report = path.join(mkdtempSync(path.join(os.tmpdir(), "pacer-vitest-")), "report.json");
    const result = spawnSync(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...rest], {
      cwd: root,
      stdio: "inherit",
    });
    if (existsSync(report)) {
      const r = JSON.parse(readFileSync(report, "utf8"));
      const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
    }
    process.exit(result.status ?? 1);
  }
  case "bench":
    runForwardingSignals(process.execPath, ["--import", "tsx", "bench/run.ts", ...rest]);
    break;
  default:
    console.error(`usage: node scripts/run.mjs start|test|bench [args]`);
    process.exit(2);
}
