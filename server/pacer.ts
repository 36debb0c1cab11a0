import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPacerBot, type PacerBot } from "../bot/pacerBot.js";
import { Authenticator } from "../core/auth/authenticator.js";
import { CallerResolver } from "../core/auth/callerResolver.js";
import { DevTokenIssuer } from "../core/auth/devTokens.js";
import { EntraTokenVerifier } from "../core/auth/entraTokenVerifier.js";
import type { Config } from "../core/config/config.js";
import { secretBoxFor, type SecretBox } from "../core/crypto/secretBox.js";
import { EventBus } from "../core/events.js";
import type { Logger } from "../core/log/logger.js";
import { ensureDemoOrganization } from "../core/okr/demo/demoOrganization.js";
import { createOkrServices, type OkrServices } from "../core/okr/okrService.js";
import { createPowerBiService } from "../core/powerbi/powerBiService.js";
import { resealAndReport } from "../core/integrations/secretResealer.js";
import { connectStore } from "../core/store/connectStore.js";
import { OrganizationRepository } from "../core/store/repositories/organizations.js";
import { UserRepository } from "../core/store/repositories/users.js";
import type { Store } from "../core/store/store.js";
import { createIntegrations, type Integrations } from "../sync/integrations.js";
import { Scheduler } from "../sync/scheduler.js";
import { closeAllSqlPools } from "../sync/sql/idlePools.js";
import { createApp } from "./app.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface RunningPacer {
  url: string;
  port: number;
  store: Store;
  secrets: SecretBox;
  scheduler: Scheduler | undefined;
  authenticator: Authenticator;
  /** The OKR service layer; the bot and the sync engine call it and subscribe to `okr.events`. */
  okr: OkrServices;
  /** Connector registry, integration services, sync engine, push endpoint. */
  integrations: Integrations;
  /** The Teams bot: /api/messages on processes that serve HTTP, proactive cards and reminders everywhere. */
  bot: PacerBot | undefined;
  close(): Promise<void>;
}

/**
 * Starts one Pacer process for `config.PACER_ROLE`: `web` serves HTTP (API, tab, bot), `sync`
 * runs the scheduler (and answers /healthz, /readyz), `all` does both. Several processes may
 * share one MongoDB; the scheduler's leases keep each job run single.
 */
export async function startPacer(config: Config, log: Logger): Promise<RunningPacer> {
  const connected = await connectStore(config, log);
  const { store } = connected;
  const abortPrepare = new AbortController();
  // Collections and indexes are created in the background, retrying while the store is down:
  // the process serves /readyz (503 with the reason) meanwhile instead of crashing.
  const prepared = store
    .prepare({ signal: abortPrepare.signal, onRetry: (reason) => log.warn({ reason }, "store not reachable yet; retrying") })
    .then(() => (config.PACER_DEV_AUTH && config.NODE_ENV === "development" && config.PACER_ROLE !== "sync" ? loadDemoOnFirstStart(store, log) : undefined))
    .catch((error: unknown) => {
      if (!abortPrepare.signal.aborted) log.error({ err: error }, "could not create collections and indexes");
    });

  if (!config.PACER_SECRET_KEY) log.warn("PACER_SECRET_KEY is unset: using a generated development key from the data folder");
  const secrets = await secretBoxFor(config.PACER_SECRET_KEY, config.dataDir);

  const web = config.PACER_ROLE !== "sync";
  const runsSync = config.PACER_ROLE !== "web";
  const entra = config.AAD_APP_CLIENT_ID
    ? new EntraTokenVerifier({
        metadataUrl: config.PACER_AUTH_OPENID_METADATA_URL,
        v1IssuerTemplate: config.PACER_AUTH_V1_ISSUER,
        clientId: config.AAD_APP_CLIENT_ID,
        appIdUriHost: config.TAB_ENDPOINT ? new URL(config.TAB_ENDPOINT).host : undefined,
        requiredScope: config.PACER_AUTH_REQUIRED_SCOPE,
        allowedTenants: config.PACER_ALLOWED_TENANTS,
      })
    : undefined;
  if (config.PACER_DEV_AUTH) log.warn("dev sign-in is ON (PACER_DEV_AUTH): anyone reaching this server can sign in as a demo user");
  const authenticator = new Authenticator(entra, config.PACER_DEV_AUTH ? new DevTokenIssuer() : undefined);
  const users = new UserRepository(store);
  const resolver = new CallerResolver(new OrganizationRepository(store), users, config.PACER_TENANT_ADMIN_ROLES);
  const okr = createOkrServices(store, { events: new EventBus((err, event) => log.error({ err, event }, "an event subscriber failed")) });

  const integrations = await createIntegrations({
    store,
    secrets,
    okr,
    log,
    defaultIntervalMinutes: config.PACER_SYNC_INTERVAL_MINUTES,
    ado: { clientId: config.PACER_ADO_CLIENT_ID, clientSecret: config.PACER_ADO_CLIENT_SECRET, authority: config.PACER_ADO_AUTHORITY },
  });

  // Every role: web processes answer /api/messages; each process posts the progress cards of the
  // check-ins it makes (tab and API on web, integrations on sync); sync processes send reminders.
  const bot = createPacerBot({ config, log, store, okr, resolver });

  const app = createApp({
    log,
    store,
    web,
    authenticator,
    resolver,
    users,
    okr,
    integrations,
    powerbi: createPowerBiService(store, okr),
    secretKeys: runsSync ? () => integrations.service.resealer.lastUsage : undefined,
    clientId: config.AAD_APP_CLIENT_ID,
    tabDir: path.join(repoRoot, "tab", "dist"),
    bot: web ? bot : undefined,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;

  let scheduler: Scheduler | undefined;
  let resealing: Promise<unknown> | undefined;
  if (runsSync) {
    // After a key rotation, secrets under old keys move to the first key, so the old one can go.
    resealing = prepared
      .then(() => resealAndReport(integrations.service.resealer, log.child({ component: "reseal" }), { signal: abortPrepare.signal }))
      .catch((error: unknown) => {
        if (!abortPrepare.signal.aborted) log.error({ err: error }, "the re-seal pass failed; it runs again at the next start (or: npm run reseal)");
      });
    scheduler = new Scheduler(store, log.child({ component: "scheduler" }));
    scheduler.register(integrations.engine.job());
    for (const job of bot.jobs()) scheduler.register(job);
    void prepared.then(() => scheduler?.start());
  }
  log.info({ port, role: config.PACER_ROLE }, `Pacer is listening on http://localhost:${port}`);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    secrets,
    scheduler,
    authenticator,
    okr,
    integrations,
    bot,
    async close() {
      abortPrepare.abort();
      await resealing;
      bot?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await scheduler?.stop();
      // Database sessions opened for SQL connectors end with the process, not at their idle timeout.
      await closeAllSqlPools();
      await connected.close();
    },
  };
}

/** Dev mode: an empty demo organisation gets the demo data once (`npm run demo` does the same by hand). */
async function loadDemoOnFirstStart(store: Store, log: Logger): Promise<void> {
  try {
    const loaded = await ensureDemoOrganization(store);
    if (loaded) log.info({ inserted: loaded.inserted }, "loaded the demo organisation");
  } catch (error) {
    log.warn({ err: error }, "could not load the demo organisation");
  }
}
