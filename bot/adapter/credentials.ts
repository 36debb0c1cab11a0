import { ConfigurationServiceClientCredentialFactory } from "botbuilder";

/** Something that can put the bot's bearer token on an outgoing request (botbuilder's ServiceClientCredentials). */
interface RequestSigner {
  signRequest(webResource: { headers: { set(name: string, value: string): void } }): Promise<unknown>;
}

export interface BotCredentialOptions {
  appId: string | undefined;
  password: string | undefined;
  tenantId: string | undefined;
}

/**
 * botbuilder's credential factory, plus one case it cannot do: MSAL refuses `http://` authorities,
 * so a loopback `ToChannelFromBotLoginUrl` (a local test double of the Entra token endpoint) gets
 * a plain client-credentials request to `<login url>/oauth2/v2.0/token`. Every `https://` login
 * URL (public, government and sovereign clouds) goes through botbuilder and MSAL unchanged.
 */
export class PacerCredentialFactory extends ConfigurationServiceClientCredentialFactory {
  private readonly options: BotCredentialOptions;

  constructor(options: BotCredentialOptions) {
    super({
      MicrosoftAppId: options.appId ?? "",
      MicrosoftAppPassword: options.password ?? "",
      MicrosoftAppType: options.tenantId ? "SingleTenant" : "MultiTenant",
      ...(options.tenantId ? { MicrosoftAppTenantId: options.tenantId } : {}),
    });
    this.options = options;
  }

  override async createCredentials(appId: string, audience: string, loginEndpoint: string, validateAuthority: boolean) {
    if (appId && (await this.isValidAppId(appId)) && isLoopbackHttp(loginEndpoint)) {
      return new LoopbackClientCredentials(appId, this.options.password ?? "", loginEndpoint, audience) as unknown as Awaited<ReturnType<ConfigurationServiceClientCredentialFactory["createCredentials"]>>;
    }
    return super.createCredentials(appId, audience, loginEndpoint, validateAuthority);
  }
}

export function isLoopbackHttp(url: string | undefined): boolean {
  if (!url?.toLowerCase().startsWith("http://")) return false;
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

class LoopbackClientCredentials implements RequestSigner {
  private cached: { token: string; expiresAt: number } | undefined;

  constructor(
    private readonly appId: string,
    private readonly password: string,
    private readonly loginUrl: string,
    private readonly audience: string,
  ) {}

  async getToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.token;
    const scope = this.audience.endsWith("/.default") ? this.audience : `${this.audience}/.default`;
    const res = await fetch(`${this.loginUrl.replace(/\/$/, "")}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: this.appId, client_secret: this.password, scope }),
    });
    if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error("the token endpoint returned no access_token");
    this.cached = { token: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 3600) - 300) * 1000 };
    return body.access_token;
  }

  async signRequest<T extends { headers: { set(name: string, value: string): void } }>(webResource: T): Promise<T> {
    webResource.headers.set("authorization", `Bearer ${await this.getToken()}`);
    return webResource;
  }
}

/** The bearer header botbuilder would send with `credentials`, or none when authentication is off. */
export async function authorizationHeader(credentials: unknown): Promise<string | undefined> {
  let header: string | undefined;
  await (credentials as RequestSigner).signRequest({
    headers: {
      set(name: string, value: string) {
        if (name.toLowerCase() === "authorization") header = value;
      },
    },
  });
  return header;
}
