import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Microsoft Entra ID for browser tests of the Azure DevOps sign-in, on loopback: the authorize
 * endpoint answers at once with a 302 back to the redirect URI, with a code (consent given) or, after
 * `refuseNext()`, with `error=access_denied` and a description as Entra writes it (first line the
 * AADSTS reason, then trace lines), see
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response;
 * the token endpoint answers as
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response-2
 * documents (access token "entra-at").
 */
export interface FakeEntra {
  /** For PACER_ADO_AUTHORITY: `<base>/organizations`. */
  authority: string;
  /** Bodies of the token requests, in order. */
  tokenRequests: URLSearchParams[];
  /** The next sign-in is refused (the person declines consent). */
  refuseNext(): void;
  /** The next sign-in stays on Entra's sign-in page (the person has not answered yet). */
  holdNext(): void;
  close(): Promise<void>;
}

export const DECLINED = "AADSTS65004: User declined to consent to access the app.";

export async function startFakeEntra(): Promise<FakeEntra> {
  const tokenRequests: URLSearchParams[] = [];
  let next: "consent" | "refuse" | "hold" = "consent";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://entra.test");
    if (req.method === "GET" && url.pathname === "/organizations/oauth2/v2.0/authorize") {
      const answer = next;
      next = "consent";
      if (answer === "hold") return void res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Sign in to your account</title><h1>Pick an account</h1>");
      const back = new URL(url.searchParams.get("redirect_uri")!);
      const state = url.searchParams.get("state")!;
      back.search = new URLSearchParams(
        answer === "refuse"
          ? { error: "access_denied", error_description: `${DECLINED}\r\nTrace ID: 0c1f2e3d-0000-4000-8000-000000000001\r\nCorrelation ID: 0c1f2e3d-0000-4000-8000-000000000002\r\nTimestamp: 2025-01-01 00:00:00Z`, state }
          : { code: "consent-code", state },
      ).toString();
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      if (req.method !== "POST" || url.pathname !== "/organizations/oauth2/v2.0/token") return void res.writeHead(404).end();
      tokenRequests.push(new URLSearchParams(raw));
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ token_type: "Bearer", scope: "499b84ac-1321-427f-aa17-267ca6975798/user_impersonation", expires_in: 3600, access_token: "entra-at", refresh_token: "entra-rt" }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    authority: `http://127.0.0.1:${(server.address() as AddressInfo).port}/organizations`,
    tokenRequests,
    refuseNext: () => void (next = "refuse"),
    holdNext: () => void (next = "hold"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
