import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the Teams web client: a page that frames the tab and answers the teams-js 2.x
 * postMessage protocol (`initialize`, `getContext`, `authentication.getAuthToken`, the
 * configuration page's `settings.*` messages, `authentication.authenticate`). Every other path is
 * proxied to Pacer with the host's own Host header (as a reverse proxy keeping it would), so the
 * host page, the framed tab and any URL Pacer builds from the Host (the Entra redirect URI) share
 * one origin: teams-js accepts messages from its own origin, and a loopback http origin would
 * otherwise be refused (it trusts only https Microsoft hosts).
 *
 * Messages from the app look like `{ id, uuidAsString, func, args, … }`; replies are
 * `{ id, uuidAsString, args }`. The host sends `{ func: "settings.save", args: [...] }` to ask a
 * configuration page to save.
 *
 * `authentication.authenticate` (args `[url, width, height, isExternal]`) is answered as Teams does
 * (teams-js 2.x `authentication.authenticate` expects `[true, result]` or `[false, reason]`): the
 * host opens the URL in a window of its own (its opener is the host page, so the window's teams-js
 * talks to the host), answers that window's `initialize` with frame context "authentication", and
 * relays its `authentication.authenticate.success` / `.failure` to the tab; a window closed before
 * either answers "CancelledByUser".
 */
export interface FakeHostOptions {
  pacerUrl: string;
  /** What `authentication.getAuthToken` answers (a dev token stands in for the Entra token). */
  token: string;
  /**
   * Serve https (Teams is https; teams-js opens only https URLs in an auth window). Pacer is told
   * by `X-Forwarded-Proto`, as behind a TLS-terminating proxy; browsers need `ignoreHTTPSErrors`.
   */
  tls?: { cert: string; key: string };
}

export interface FramedTab {
  /** `frameContext` "content" for tabs, "settings" for the configuration page. */
  frameContext?: "content" | "settings";
  theme?: "default" | "dark" | "contrast";
  team?: { id: string; name: string; groupId: string; channelId: string; channelName: string };
}

export interface FakeTeamsHost {
  url: string;
  /** The host page framing `tabPath` (e.g. `/tab/#/my`). */
  pageUrl(tabPath: string, tab?: FramedTab): string;
  close(): Promise<void>;
}

const hostScript = (token: string, tab: FramedTab) => `
const token = ${JSON.stringify(token)};
const tab = ${JSON.stringify(tab)};
const frame = document.getElementById("tab");
window.hostLog = [];
window.hostState = { valid: null, settings: null, saved: false, failed: null, authAnswers: [] };
const runtime = { apiVersion: 4, supports: { app: {}, appEntity: {}, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teams: { fullTrust: {} }, dialog: {} } };
const context = {
  theme: tab.theme || "default",
  frameContext: tab.frameContext || "content",
  hostClientType: "web",
  locale: "en-us",
  entityId: "myOkrs",
  userObjectId: "00000000-0000-4000-8000-00000000e2e1",
  tid: "00000000-0000-4000-8000-0000000de000",
  ...(tab.team ? { teamId: tab.team.id, teamName: tab.team.name, groupId: tab.team.groupId, channelId: tab.team.channelId, channelName: tab.team.channelName } : {}),
};
/** The open authentication window and the tab's request it answers. */
let auth = null;
const settleAuth = (args) => {
  if (!auth) return;
  const { request, authWindow, watch } = auth;
  auth = null;
  clearInterval(watch);
  window.hostState.authAnswers.push(args);
  frame.contentWindow.postMessage({ id: request.id, uuidAsString: request.uuidAsString, args }, location.origin);
  if (!authWindow.closed) authWindow.close();
};
const fromAuthWindow = (event, msg) => {
  window.hostLog.push("auth-window:" + msg.func);
  switch (msg.func) {
    case "initialize": return event.source.postMessage({ id: msg.id, uuidAsString: msg.uuidAsString, args: ["authentication", "web", JSON.stringify(runtime), "2.58.0"] }, event.origin);
    case "authentication.authenticate.success": return settleAuth([true, msg.args[0]]);
    case "authentication.authenticate.failure": return settleAuth([false, msg.args[0]]);
    default: return;
  }
};
window.addEventListener("message", (event) => {
  const msg = event.data;
  if (!msg || typeof msg.func !== "string") return;
  if (auth && event.source === auth.authWindow) return fromAuthWindow(event, msg);
  if (event.source !== frame.contentWindow) return;
  window.hostLog.push(msg.func);
  const reply = (args) => event.source.postMessage({ id: msg.id, uuidAsString: msg.uuidAsString, args }, event.origin);
  switch (msg.func) {
    case "authentication.authenticate": {
      if (auth) return reply([false, "Another authentication is in progress"]);
      const [url, width, height] = msg.args;
      const authWindow = window.open(url, "_blank", "popup,width=" + (width || 600) + ",height=" + (height || 400));
      if (!authWindow) return reply([false, "FailedToOpenWindow"]);
      auth = { request: msg, authWindow, watch: setInterval(() => auth && auth.authWindow.closed && settleAuth([false, "CancelledByUser"]), 200) };
      return;
    }
    case "initialize": return reply([context.frameContext, "web", JSON.stringify(runtime), "2.58.0"]);
    case "getContext": return reply([context]);
    case "authentication.getAuthToken": return reply([true, token]);
    case "settings.setValidityState": window.hostState.valid = msg.args[0]; return;
    case "settings.setSettings": window.hostState.settings = msg.args[0]; return reply([true]);
    case "settings.save.success": window.hostState.saved = true; return;
    case "settings.save.failure": window.hostState.failed = msg.args[0] ?? "failed"; return;
    default: return;
  }
});
/** What Teams' Save button does. */
window.pressSave = () => frame.contentWindow.postMessage({ func: "settings.save", args: [{}] }, location.origin);
`;

export async function startFakeTeamsHost(options: FakeHostOptions): Promise<FakeTeamsHost> {
  const pacer = new URL(options.pacerUrl);
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? "/", "http://host");
    if (url.pathname === "/teams-host") {
      const tab = JSON.parse(url.searchParams.get("tab") ?? "{}") as FramedTab;
      const src = url.searchParams.get("src") ?? "/tab/";
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html><head><title>Fake Teams</title><style>body{margin:0;font-family:sans-serif}header{height:40px;background:#464775;color:#fff;padding:8px}iframe{border:0;width:100%;height:calc(100vh - 56px)}</style></head>
<body><header>Fake Teams host</header><iframe id="tab" title="Pacer tab" src="${src.replace(/"/g, "&quot;")}"></iframe><script>${hostScript(options.token, tab)}</script></body></html>`);
      return;
    }
    const forward = http.request(
      { hostname: pacer.hostname, port: pacer.port, path: req.url, method: req.method, headers: { ...req.headers, "x-forwarded-proto": options.tls ? "https" : "http" } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pageUrl: (tabPath, tab = {}) => `${url}/teams-host?src=${encodeURIComponent(tabPath)}&tab=${encodeURIComponent(JSON.stringify(tab))}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
