import { randomUUID } from "node:crypto";
import type { FakeBotConnector } from "../../support/fakeBotConnector.js";
import type { TestPacer } from "../../support/testPacer.js";

export const BOT_ID = "00000000-0000-4000-8000-00000000b07d";
export const BOT_PASSWORD = "bot-secret-for-tests";

export interface Person {
  tenantId: string;
  oid: string;
  name: string;
}

export const newPerson = (tenantId: string, name: string): Person => ({ tenantId, oid: randomUUID(), name });

/** A Teams activity as the Bot Connector posts it to the bot. */
export function teamsActivity(fake: FakeBotConnector, from: Person, overrides: Record<string, unknown> = {}) {
  const conversation = (overrides.conversation as Record<string, unknown> | undefined) ?? { id: `a:personal-${from.oid}`, conversationType: "personal", tenantId: from.tenantId };
  return {
    type: "message",
    id: `act-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    serviceUrl: fake.url,
    channelId: "msteams",
    from: { id: `29:${from.oid}`, name: from.name, aadObjectId: from.oid },
    recipient: { id: `28:${BOT_ID}`, name: "Pacer" },
    channelData: { tenant: { id: from.tenantId } },
    ...overrides,
    conversation,
  };
}

export async function postActivity(pacer: TestPacer, fake: FakeBotConnector, activity: object, token?: string | null): Promise<{ status: number; body: any }> {
  const authorization = token === null ? undefined : (token ?? (await fake.signToken({ aud: BOT_ID })));
  const res = await fetch(`${pacer.url}/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization: `Bearer ${authorization}` } : {}) },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The Adaptive Card of a recorded message, or undefined. */
export const cardOf = (body: any) => body?.attachments?.[0]?.content;

/** Every TextBlock / fact text of a card, joined (for readable assertions). */
export function cardText(card: any): string {
  const out: string[] = [];
  const walk = (node: any) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    if (typeof node.text === "string") out.push(node.text);
    if (typeof node.title === "string") out.push(node.title);
    if (typeof node.value === "string" && node.type === undefined) out.push(node.value);
    for (const value of Object.values(node)) if (typeof value === "object") walk(value);
  };
  walk(card);
  return out.join(" | ");
}
