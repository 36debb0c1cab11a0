import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the Teams web client: a page that frames the tab and answers the teams-js 2.x
 * postMessage protocol (`initialize`, `getContext`, `authentication.getAuthToken`, the
 * configuration page's `settings.*` messages). Every other path is proxied to Pacer, so the host
 * page and the framed tab share one origin: teams-js accepts messages from its own origin, and
 * a loopback http origin would otherwise be refused (it trusts only https Microsoft hosts).
 *
 * Messages from the app look like `{ id, uuidAsString, func, args, … }`; replies are
 * `{ id, uuidAsString, args }`. The host sends `{ func: "settings.save", args: [...] }` to ask a
 * configuration page to save.
 */
export interface FakeHostOptions {
  pacerUrl: string;
  /** What `authentication.getAuthToken` answers (a dev token stands in for the Entra token). */
  token: string;
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
window.hostState = { valid: null, settings: null, saved: false, failed: null };
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
window.addEventListener("message", (event) => {
  const msg = event.data;
  if (event.source !== frame.contentWindow || !msg || typeof msg.func !== "string") return;
  window.hostLog.push(msg.func);
  const reply = (args) => event.source.postMessage({ id: msg.id, uuidAsString: msg.uuidAsString, args }, event.origin);
  switch (msg.func) {
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
  const server = http.createServer((req, res) => {
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
      { hostname: pacer.hostname, port: pacer.port, path: req.url, method: req.method, headers: { ...req.headers, host: pacer.host } },
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
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
