import type { ConnectorDefinition, FetchedValue, ItemNode } from "../../core/integrations/contract.js";
import type { Logger } from "../../core/log/logger.js";
import { connectorContext } from "../connectors/context.js";
import { asConnectorError, type ConnectorError } from "../connectors/errors.js";

export type TestOutcome = { ok: true; message: string } | { ok: false; message: string; errorType: ConnectorError["type"] };

/** Runs connector functions with a fresh context and turns whatever they throw into typed errors. */
export class ConnectorRunner {
  constructor(
    private readonly log: Logger,
    private readonly deadlineMs?: number,
  ) {}

  private context(definition: ConnectorDefinition, config: unknown, secrets: unknown, parent?: AbortSignal) {
    // A connection whose own timeout outlasts the default deadline gets that long, plus slack.
    const deadlineMs = definition.callDeadlineMs?.(config) ?? this.deadlineMs;
    return connectorContext({
      config,
      secrets,
      log: this.log.child({ connector: definition.id }),
      ...(deadlineMs ? { deadlineMs } : {}),
      ...(parent ? { parent } : {}),
    });
  }

  async test(definition: ConnectorDefinition, config: unknown, secrets: unknown): Promise<TestOutcome> {
    try {
      const result = await definition.testConnection(this.context(definition, config, secrets));
      return { ok: true, message: result.message };
    } catch (error) {
      const typed = asConnectorError(error);
      return { ok: false, message: typed.message, errorType: typed.type };
    }
  }

  /** One attempt; throws a ConnectorError. */
  async fetchValue(definition: ConnectorDefinition, config: unknown, secrets: unknown, source: unknown, parent?: AbortSignal): Promise<FetchedValue> {
    if (!definition.fetchValue) throw asConnectorError(new Error(`${definition.displayName} has nothing to fetch`));
    try {
      const fetched = await definition.fetchValue(this.context(definition, config, secrets, parent), source);
      if (typeof fetched?.value !== "number" || !Number.isFinite(fetched.value)) throw new Error("the connector returned no number");
      return { value: fetched.value, details: fetched.details ?? null, asOf: fetched.asOf instanceof Date ? fetched.asOf : new Date() };
    } catch (error) {
      throw asConnectorError(error);
    }
  }

  /** One attempt at a project's items; throws a ConnectorError. */
  async fetchItems(definition: ConnectorDefinition, config: unknown, secrets: unknown, source: unknown, parent?: AbortSignal): Promise<ItemNode[]> {
    if (!definition.fetchItems) throw asConnectorError(new Error(`${definition.displayName} cannot fill a project's tasks`));
    try {
      const items = await definition.fetchItems(this.context(definition, config, secrets, parent), source);
      if (!Array.isArray(items)) throw new Error("the connector returned no items");
      return items;
    } catch (error) {
      throw asConnectorError(error);
    }
  }

  async listResources(definition: ConnectorDefinition, config: unknown, secrets: unknown, search?: string) {
    if (!definition.listResources) return [];
    try {
      return await definition.listResources(this.context(definition, config, secrets), { search });
    } catch (error) {
      throw asConnectorError(error);
    }
  }
}
