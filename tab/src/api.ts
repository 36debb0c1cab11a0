import { teamsToken, type Host } from "./host.js";
import type { Page } from "./types.js";

export interface ApiError {
  id: string;
  message: string;
  details?: unknown;
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }

  get isConflict(): boolean {
    return this.status === 409 && this.error.id === "conflict";
  }

  /** The 400 field errors (`details: [{ path, message }]`) by dotted path. */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.error.details)) {
      for (const d of this.error.details as Array<{ path?: unknown; message?: unknown }>) {
        if (typeof d.path === "string" && typeof d.message === "string") out[d.path] ??= d.message;
      }
    }
    return out;
  }
}

interface AuthConfig {
  devAuth: boolean;
  teamsSso: boolean;
}

/** Dev sign-in as someone else (standalone testing only): `?as=<oid>&name=<name>`. */
function devIdentity(): Record<string, string> {
  const params = new URLSearchParams(window.location.search);
  const identity: Record<string, string> = {};
  const oid = params.get("as");
  if (oid) identity.oid = oid;
  const name = params.get("name");
  if (oid && name) identity.name = name;
  return identity;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Calls Pacer's /api/v1 with a bearer token: Teams SSO inside Teams, dev sign-in in a browser. */
export class ApiClient {
  private token: Promise<string> | undefined;

  constructor(private readonly host: Host) {}

  private async signIn(): Promise<string> {
    if (this.host.kind === "teams") return teamsToken();
    const config = (await (await fetch("/api/v1/auth/config")).json()) as AuthConfig;
    if (!config.devAuth) {
      throw new ApiRequestError(401, {
        id: "unauthenticated",
        message: "Open Pacer inside Microsoft Teams to sign in, or start the server with PACER_DEV_AUTH=1 to try it in a browser.",
      });
    }
    const response = await fetch("/api/v1/auth/dev-token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(devIdentity()) });
    if (!response.ok) throw new ApiRequestError(response.status, { id: "unauthenticated", message: "Dev sign-in failed." });
    return ((await response.json()) as { token: string }).token;
  }

  private async send(method: Method, path: string, body: unknown, extraHeaders: Record<string, string> = {}, retried = false): Promise<Response> {
    this.token ??= this.signIn();
    let token: string;
    try {
      token = await this.token;
    } catch (error) {
      this.token = undefined;
      throw error instanceof ApiRequestError ? error : new ApiRequestError(401, { id: "unauthenticated", message: `Sign-in failed: ${(error as Error).message}` });
    }
    // x-pacer-client marks what the tab writes (check-ins, comments) with origin "tab" in the feed.
    const headers: Record<string, string> = { ...extraHeaders, authorization: `Bearer ${token}`, "x-pacer-client": "tab" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      // no-store: an objective's ETag is its own version, which a KR check-in does not change, so a
      // revalidated (304) cached copy would show stale progress.
      response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    } catch {
      throw new ApiRequestError(0, { id: "network", message: "Pacer cannot be reached. Check your connection and try again." });
    }
    // An expired token: sign in again once.
    if (response.status === 401 && !retried) {
      this.token = undefined;
      return this.send(method, path, body, extraHeaders, true);
    }
    return response;
  }

  /** `headers`: extra request headers, e.g. `If-Match` for a versioned DELETE. */
  async request<T>(method: Method, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const response = await this.send(method, path, body, headers);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: ApiError } | undefined)?.error ?? { id: "http_error", message: `Pacer answered ${response.status}.` };
      throw new ApiRequestError(response.status, error);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>("POST", path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }
  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  /** Every page of a list (at most `max` items). */
  async all<T>(path: string, max = 1000): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const page: Page<T> = await this.get<Page<T>>(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < max);
    return items;
  }
}

export const errorMessage = (error: unknown): string =>
  error instanceof ApiRequestError ? error.error.message : error instanceof Error ? error.message : String(error);
