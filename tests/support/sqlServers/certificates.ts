import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { findBinary, runAs } from "./processes.js";

/**
 * A throw-away CA and a server certificate it signed for the name `localhost` only (no IP), so a
 * verify-full connection to `localhost` with the CA succeeds and one to `127.0.0.1` fails on the
 * host name while verify-ca to it succeeds.
 */
export interface TestCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  caPem: string;
}

export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const openssl = findBinary(["/usr/bin/openssl"], "openssl");
  const file = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await runAs(undefined, openssl, ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "3", "-subj", "/CN=Pacer test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  await runAs(undefined, openssl, ["req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=localhost"]);
  await runAs(undefined, openssl, ["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial",
    "-out", file("server.pem"), "-days", "3", "-extfile", await extFile(dir)]);
  return { caFile: file("ca.pem"), certFile: file("server.pem"), keyFile: file("server.key"), caPem: await readFile(file("ca.pem"), "utf8") };
}

async function extFile(dir: string): Promise<string> {
  const ext = path.join(dir, "server.ext");
  await writeFile(ext, "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  return ext;
}
