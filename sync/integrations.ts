import os from "node:os";
import type { SecretBox } from "../core/crypto/secretBox.js";
import { IntegrationService } from "../core/integrations/integrationService.js";
import { IntegrationStore } from "../core/integrations/integrationStore.js";
import type { Logger } from "../core/log/logger.js";
import type { OkrServices } from "../core/okr/okrService.js";
import type { Store } from "../core/store/store.js";
import { loadConnectorRegistry, type Registry } from "./connectors/registry.js";
import { ConnectorRunner } from "./engine/connectorRunner.js";
import { SyncEngine, type SyncEngineOptions } from "./engine/syncEngine.js";
import { EntraOAuth } from "./oauth/entraOAuth.js";
import { PushService } from "./push/pushService.js";

export interface Integrations {
  registry: Registry;
  service: IntegrationService;
  runner: ConnectorRunner;
  engine: SyncEngine;
  push: PushService;
  /** Microsoft Entra ID sign-in for connectors that declare `entraSignIn`, when PACER_ADO_CLIENT_ID is set. */
  oauth: EntraOAuth | undefined;
}

/** Builds the integrations stack: registry (from the connector folders), services, engine, push. */
export async function createIntegrations(options: {
  store: Store;
  secrets: SecretBox;
  okr: OkrServices;
  log: Logger;
  defaultIntervalMinutes?: number;
  owner?: string;
  engine?: Partial<SyncEngineOptions>;
  registry?: Registry;
  /** The Entra app for Entra sign-in (PACER_ADO_*; Azure DevOps, Microsoft Excel). */
  ado?: { clientId?: string | undefined; clientSecret?: string | undefined; authority: string; fetchFn?: (url: string, init: RequestInit) => Promise<Response> };
}): Promise<Integrations> {
  const log = options.log.child({ component: "integrations" });
  const registry = options.registry ?? (await loadConnectorRegistry(log));
  const service = new IntegrationService(new IntegrationStore(options.store), registry, options.secrets, options.okr, {
    ...(options.defaultIntervalMinutes ? { defaultIntervalMinutes: options.defaultIntervalMinutes } : {}),
  });
  const owner = options.owner ?? `${os.hostname()}:${process.pid}`;
  const oauth = options.ado?.clientId
    ? new EntraOAuth({
        store: options.store,
        service,
        registry,
        log: log.child({ component: "entra-oauth" }),
        clientId: options.ado.clientId,
        clientSecret: options.ado.clientSecret,
        authority: options.ado.authority,
        owner,
        ...(options.ado.fetchFn ? { fetchFn: options.ado.fetchFn } : {}),
      })
    : undefined;
  service.prepareSecrets = oauth?.prepareSecrets;
  const engine = new SyncEngine({
    store: options.store,
    integrations: service,
    okr: options.okr,
    log: log.child({ component: "sync" }),
    owner,
    ...(oauth ? { prepareSecrets: oauth.prepareSecrets } : {}),
    ...options.engine,
  });
  return { registry, service, runner: new ConnectorRunner(log), engine, push: new PushService(options.store, service, options.okr), oauth };
}
