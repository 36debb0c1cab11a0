import { z } from "zod";
import { type ConnectorDefinition, defaultRateLimit } from "../../../core/integrations/contract.js";

/**
 * Zapier / webhook: a push connector. Nothing is fetched; each linked key result gets a secret
 * URL (`POST /api/v1/push/<token>`, see sync/push/pushService.ts) that Zapier, Power Automate,
 * a CI job or curl calls with `{ "value": 42, "note": "…" }`. Only a SHA-256 hash of the token is
 * stored; the URL is shown once when the link is saved (and can be regenerated).
 */
const zapier: ConnectorDefinition<Record<string, never>, Record<string, never>, Record<string, never>> = {
  id: "zapier",
  displayName: "Zapier / webhook",
  description: "Push values from Zapier, Power Automate or any script to a key result's secret URL.",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#ff4f00"/><path d="M9 16h14M16 9v14M11 11l10 10M21 11 11 21" stroke="#fff" stroke-width="2.5" stroke-linecap="round"/></svg>',
    ).toString("base64"),
  type: "data",
  category: "third-party",
  termsUrl: "https://zapier.com/legal",
  docsUrl: "https://zapier.com/apps/webhook/integrations",
  mode: "push",
  schemas: {
    connectionConfig: z.object({}).strict(),
    secrets: z.object({}).strict(),
    sourceConfig: z.object({}).strict(),
  },
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 1, maxAttempts: 1 },
  async testConnection() {
    return { message: "Nothing to test: values are pushed to each key result's secret URL." };
  },
};

export default zapier;
