import { existsSync } from "node:fs";
import path from "node:path";
import express, { type Express } from "express";
import type { PacerBot } from "../bot/pacerBot.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import type { CallerResolver } from "../core/auth/callerResolver.js";
import type { SecretKeyUsage } from "../core/integrations/secretResealer.js";
import type { Logger } from "../core/log/logger.js";
import type { OkrServices } from "../core/okr/okrService.js";
import type { PowerBiService } from "../core/powerbi/powerBiService.js";
import type { UserRepository } from "../core/store/repositories/users.js";
import type { Integrations } from "../sync/integrations.js";
import type { Store } from "../core/store/store.js";
import { authConfigRoutes, identityRoutes } from "./api/v1/identityRoutes.js";
import { integrationRoutes } from "./api/v1/integrationRoutes.js";
import { objectiveRoutes } from "./api/v1/objectiveRoutes.js";
import { openApiRoutes } from "./api/v1/openapi.js";
import { organizationRoutes } from "./api/v1/organizationRoutes.js";
import { powerBiRoutes } from "./api/v1/powerBiRoutes.js";
import { projectRoutes } from "./api/v1/projectRoutes.js";
import { pushRoutes } from "./api/v1/pushRoutes.js";
import { entraOAuthCallbackRoutes, entraOAuthRoutes } from "./api/v1/entraOAuthRoutes.js";
import { ApiDescription } from "./http/apiRoute.js";
import { authenticate } from "./http/authenticate.js";
import { errorHandler, notFoundHandler } from "./http/errorHandler.js";
import { requestLogging } from "./http/requestLogging.js";
import { odataRoutes } from "./odata/odataRoutes.js";

export interface AppDeps {
  log: Logger;
  store: Store;
  /** Serve the REST API, the tab and the bot endpoint; false for a sync-only process (health only). */
  web: boolean;
  authenticator: Authenticator;
  resolver: CallerResolver;
  users: UserRepository;
  /** The OKR service layer (core/okr) the REST API calls. */
  okr: OkrServices;
  /** The Power BI feed (core/powerbi): /odata and its admin endpoints. */
  powerbi: PowerBiService;
  /** Integrations (sync/integrations.ts): catalogue, connections, KR links, push endpoint. */
  integrations?: Integrations | undefined;
  clientId: string | undefined;
  /** The built tab (Vite output); served under /tab/ when present. */
  tabDir: string;
  /** The Teams bot (POST /api/messages); absent on a sync-only process. */
  bot?: PacerBot | undefined;
  /** Secrets still under old or missing keys, as of the last re-seal pass (processes that run sync). */
  secretKeys?: (() => SecretKeyUsage | undefined) | undefined;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", true);
  app.use(requestLogging(deps.log));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const readiness = await deps.store.readiness();
    const keys = deps.secretKeys?.();
    const secrets = keys && { underOldKeys: keys.underOldKeys, unopenable: keys.unopenable, checkedAt: keys.checkedAt };
    if (readiness.ready) res.json({ status: "ready", ...(secrets ? { secrets } : {}) });
    else res.status(503).json({ status: "unavailable", reason: readiness.reason });
  });

  if (deps.web) {
    // Bot Framework activities carry their own authentication (a Bot Framework JWT), checked by the bot adapter.
    if (deps.bot) app.post("/api/messages", express.json({ limit: "1mb" }), deps.bot.handler);

    const api = express.Router();
    api.use(express.json({ limit: "1mb" }));
    // API ETags are document versions for If-Match, not validators of the whole answer (an
    // objective's body carries its KRs and computed progress, which change without its version):
    // never answer 304 from them, and keep private data out of caches.
    api.use((req, res, next) => {
      res.setHeader("Cache-Control", "no-store");
      delete req.headers["if-none-match"];
      delete req.headers["if-modified-since"];
      next();
    });
    const described = new ApiDescription();
    api.use(authConfigRoutes({ dev: deps.authenticator.dev, clientId: deps.clientId }));
    api.use(openApiRoutes(described));
    if (deps.integrations) api.use(pushRoutes(deps.integrations.push)); // authenticated by its secret URL token
    if (deps.integrations) api.use(entraOAuthCallbackRoutes(deps.integrations.oauth, deps.integrations.registry)); // the browser returning from Entra: checked by its state
    api.use(authenticate(deps.authenticator, deps.resolver));
    api.use(identityRoutes(deps.users));
    api.use(organizationRoutes(deps.okr, described));
    api.use(objectiveRoutes(deps.okr, described));
    api.use(projectRoutes(deps.okr, described));
    api.use(powerBiRoutes(deps.powerbi, described));
    if (deps.integrations) api.use(integrationRoutes(deps.integrations, described));
    if (deps.integrations) api.use(entraOAuthRoutes(deps.integrations.oauth, deps.integrations.registry, described));
    if (deps.bot) api.use(deps.bot.routes(described));
    app.use("/api/v1", api);
    // Power BI OData feed: its own auth (API key), not behind the tab's sign-in.
    app.use("/odata", odataRoutes(deps.powerbi));

    if (existsSync(path.join(deps.tabDir, "index.html"))) {
      // Built assets have hashed names and may be cached; index.html and auth-end.js (a fixed name the
      // Entra callback page loads) must not be, or updates would not show.
      const fixedNames = new Set(["index.html", "auth-end.js"]);
      app.use(
        "/tab",
        express.static(deps.tabDir, {
          index: "index.html",
          setHeaders: (res, file) =>
            res.setHeader("Cache-Control", fixedNames.has(path.basename(file)) ? "no-cache" : "public, max-age=31536000, immutable"),
        }),
      );
      // Client-side routes (/tab/admin, /tab/okrs/…) all load the same page.
      app.get(/^\/tab(\/.*)?$/, (_req, res) => res.sendFile(path.join(deps.tabDir, "index.html")));
      app.get("/", (_req, res) => res.redirect("/tab/"));
    } else {
      deps.log.warn({ tabDir: deps.tabDir }, "the tab is not built (npm run build:tab); /tab/ is not served");
    }
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
