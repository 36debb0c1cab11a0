import { teamsToken, type Host } from "./host.js";

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
}

interface AuthConfig {
  devAuth: boolean;
  teamsSso: boolean;
}

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
    const response = await fetch("/api/v1/auth/dev-token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    return ((await response.json()) as { token: string }).token;
  }

  async get<T>(path: string): Promise<T> {
    this.token ??= this.signIn();
    const response = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${await this.token}` } });
    const body = (await response.json()) as T | { error: ApiError };
    if (!response.ok) throw new ApiRequestError(response.status, (body as { error: ApiError }).error);
    return body as T;
  }
}
