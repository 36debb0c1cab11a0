import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { DevIdentity, TestPacer } from "../../support/testPacer.js";

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** Calls /api/v1 as someone; JSON bodies parsed, text otherwise. */
export function apiClient(pacer: TestPacer) {
  return async (as: DevIdentity | undefined, method: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await pacer.request(`/api/v1${path}`, { method, ...(as ? { as } : {}), ...(json === undefined ? {} : { json }), headers });
    const text = await res.text();
    const body = res.headers.get("content-type")?.includes("json") && text ? JSON.parse(text) : text;
    return { status: res.status, body, headers: res.headers };
  };
}

export const person = (tenantId: string, name: string): DevIdentity => ({ tenantId, oid: randomUUID(), name });

/** The reply's body, after checking its status (the body is printed when the status differs). */
export const ok = (reply: Reply, status = 200) => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply.body;
};
