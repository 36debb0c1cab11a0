import type { ConnectorContext, ConnectorHttp } from "../../core/integrations/contract.js";
import type { Logger } from "../../core/log/logger.js";

/** Default deadline of one connector call (test, preview, fetch). */
export const DEFAULT_DEADLINE_MS = 30_000;

/** fetch bound to a deadline signal, with an optional shorter per-request timeout. */
export function httpWithDeadline(signal: AbortSignal): ConnectorHttp {
  return (url, init = {}) => {
    const { timeoutMs, ...rest } = init;
    const signals = [signal, ...(rest.signal ? [rest.signal] : []), ...(timeoutMs ? [AbortSignal.timeout(timeoutMs)] : [])];
    return fetch(url, { ...rest, redirect: rest.redirect ?? "follow", signal: AbortSignal.any(signals) });
  };
}

/** A context for one call. `parent` (e.g. a shutdown signal) aborts it early too. */
export function connectorContext<C, S>(
  options: { config: C; secrets: S; log: Logger; deadlineMs?: number; parent?: AbortSignal },
): ConnectorContext<C, S> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = AbortSignal.timeout(deadlineMs);
  const signal = options.parent ? AbortSignal.any([deadline, options.parent]) : deadline;
  return { signal, deadlineAt: Date.now() + deadlineMs, config: options.config, secrets: options.secrets, log: options.log, http: httpWithDeadline(signal) };
}
