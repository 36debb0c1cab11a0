import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestSlot } from "../../../bot/reminders/schedule.js";
import { DEFAULT_REMINDER_SETTINGS } from "../../../bot/store/botStore.js";
import { type FakeBotConnector, type FakeMember, startFakeBotConnector } from "../../support/fakeBotConnector.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient } from "../okr/support.js";
import { BOT_ID, BOT_PASSWORD, cardOf, cardText, newPerson, type Person, postActivity, teamsActivity } from "./support.js";

/**
 * Reminders reach Pacer users of a team Pacer is installed in who never opened a personal chat with
 * it: the pass reads the team's roster (paged), starts 1:1 chats through the Bot Connector, sends,
 * and reuses those chats afterwards. The Bot Connector is the loopback fake (tests/support/fakeBotConnector.ts).
 */
let fake: FakeBotConnector;
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const signal = new AbortController().signal;
const mri = (p: Person) => `29:${p.oid}`;
const member = (p: Person): FakeMember => ({ id: mri(p), aadObjectId: p.oid, name: p.name, email: `${p.name.split(" ")[0]!.toLowerCase()}@example.com`, tenantId: p.tenantId, userRole: "user" });
const proactive = (conversationId: string) => fake.calls.filter((c) => c.conversationId === conversationId && c.status === 201 && c.replyToId === undefined);
const createsFor = (p: Person) => fake.creates.filter((c) => c.body?.members?.[0]?.id === mri(p));
// Default rhythm (weekly, Monday 09:00); people who never wrote to Pacer have no known time zone: UTC.
const slot = latestSlot(DEFAULT_REMINDER_SETTINGS, "UTC", new Date(Date.now() + 7 * 86_400_000))!;
const pass = async (at: Date) => {
  await pacer.bot!.jobs({ now: () => at })[0]!.run(signal);
  await pacer.bot!.idle();
};

/** A Pacer user with one key result of their own that needs a check-in. */
async function pacerUserWithDueKr(p: Person, krTitle: string) {
  const periodId = (await api(p, "GET", "/periods/current")).body.id;
  const created = await api(p, "POST", "/objectives", { title: `${p.name}'s objective`, periodId, keyResults: [{ title: krTitle, measurement: { kind: "percent" } }] });
  expect(created.status).toBe(201);
}

/** Pacer added to a team, as Teams tells the bot (conversationUpdate on the team's General channel). */
async function installInTeam(teamId: string, by: Person) {
  const conversation = { id: teamId, conversationType: "channel", tenantId: by.tenantId, isGroup: true };
  const added = teamsActivity(fake, by, { type: "conversationUpdate", membersAdded: [{ id: `28:${BOT_ID}` }], conversation, channelData: { tenant: { id: by.tenantId }, team: { id: teamId } } });
  expect((await postActivity(pacer, fake, added)).status).toBe(200);
}

beforeAll(async () => {
  fake = await startFakeBotConnector();
  pacer = await startTestPacer({ ...fake.env(BOT_ID, BOT_PASSWORD), TAB_ENDPOINT: "https://pacer.example.com" });
  api = apiClient(pacer);
});

afterAll(async () => {
  await pacer?.close();
  await fake?.close();
});

describe("reminders to members of a team where Pacer is installed", () => {
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const ann = newPerson(tenantA, "Ann Archer");
  const bob = newPerson(tenantA, "Bob Baker");
  const carl = newPerson(tenantA, "Carl Cole"); // in the team, not a Pacer user
  const bea = { ...newPerson(tenantB, "Bea Brandt"), oid: carl.oid }; // tenant B's Pacer user with the Entra id of tenant A's Carl
  const teamId = `19:team-${randomUUID()}@thread.tacv2`;
  const chats = new Map<string, string>();

  it("starts a 1:1 chat with each Pacer user of the team's roster (read page by page) and sends each their reminder", async () => {
    await pacerUserWithDueKr(ann, "Ann's signups");
    await pacerUserWithDueKr(bob, "Bob's churn");
    await pacerUserWithDueKr(bea, "Bea's pipeline");
    fake.setRoster(teamId, [member(ann), member(bob), member(carl)], { maxPage: 2 });
    await installInTeam(teamId, ann);
    expect(fake.creates).toHaveLength(0);

    await pass(new Date(slot.getTime() + 5 * 60_000));

    expect(fake.rosterReads.map(({ conversationId, pageSize, continuationToken, status }) => ({ conversationId, pageSize, continuationToken, status }))).toEqual([
      { conversationId: teamId, pageSize: "500", continuationToken: undefined, status: 200 },
      { conversationId: teamId, pageSize: "500", continuationToken: "page-2", status: 200 },
    ]);
    expect(fake.creates).toHaveLength(2);
    for (const person of [ann, bob]) {
      const [create] = createsFor(person);
      expect(create!.status).toBe(201);
      expect(create!.body).toEqual({ isGroup: false, bot: { id: `28:${BOT_ID}` }, members: [{ id: mri(person) }], tenantId: tenantA, channelData: { tenant: { id: tenantA } } });
      chats.set(person.oid, create!.id!);
    }
    const annCards = proactive(chats.get(ann.oid)!);
    const bobCards = proactive(chats.get(bob.oid)!);
    expect(annCards).toHaveLength(1);
    expect(bobCards).toHaveLength(1);
    expect(cardText(cardOf(annCards[0]!.body))).toContain("Time to check in");
    expect(cardText(cardOf(annCards[0]!.body))).toContain("Ann's signups");
    expect(cardText(cardOf(annCards[0]!.body))).not.toContain("Bob's churn");
    expect(cardText(cardOf(bobCards[0]!.body))).toContain("Bob's churn");
    expect(cardOf(bobCards[0]!.body).refresh.userIds).toEqual([mri(bob)]);
  });

  it("keeps a roster of one tenant to that tenant: the same Entra id in another organisation gets nothing", () => {
    expect(createsFor(carl)).toHaveLength(0);
    expect(fake.creates.every((c) => c.body.tenantId === tenantA)).toBe(true);
    expect(fake.calls.filter((c) => cardText(cardOf(c.body)).includes("Bea's pipeline"))).toHaveLength(0);
  });

  it("reuses the chats it started: the next reminder goes to the same conversation, no new one is created", async () => {
    await pass(new Date(slot.getTime() + 20 * 60_000)); // same slot, later: nothing new
    expect(proactive(chats.get(ann.oid)!)).toHaveLength(1);

    await pass(new Date(slot.getTime() + 7 * 86_400_000 + 5 * 60_000)); // next week's slot
    expect(fake.creates).toHaveLength(2);
    expect(proactive(chats.get(ann.oid)!)).toHaveLength(2);
    expect(proactive(chats.get(bob.oid)!)).toHaveLength(2);
    // The roster is read again once it is a day old.
    expect(fake.rosterReads).toHaveLength(4);
  });

  it("answers the person's messages in the chat it started like any personal chat", async () => {
    const conversation = { id: chats.get(ann.oid)!, conversationType: "personal", tenantId: tenantA };
    const before = proactive(conversation.id).length;
    await postActivity(pacer, fake, teamsActivity(fake, ann, { text: "help", conversation, localTimezone: "Europe/Berlin" }));
    expect(fake.calls.filter((c) => c.conversationId === conversation.id).length).toBeGreaterThan(before);
    await pass(new Date(slot.getTime() + 7 * 86_400_000 + 30 * 60_000));
    expect(fake.creates).toHaveLength(2);
  });
});

describe("a person Teams refuses a chat with", () => {
  const tenantC = randomUUID();
  const cara = newPerson(tenantC, "Cara Cruz");
  const cole = newPerson(tenantC, "Cole Crane");
  const teamId = `19:team-${randomUUID()}@thread.tacv2`;

  it("is recorded and not asked again every pass, while the others still get theirs", async () => {
    await pacerUserWithDueKr(cara, "Cara's revenue");
    await pacerUserWithDueKr(cole, "Cole's uptime");
    fake.setRoster(teamId, [member(cara), member(cole)]);
    fake.refuseChatWith(mri(cole));
    await installInTeam(teamId, cara);

    await pass(new Date(slot.getTime() + 5 * 60_000));
    expect(createsFor(cole).map((c) => c.status)).toEqual([403]);
    expect(createsFor(cara).map((c) => c.status)).toEqual([201]);
    const caraChat = createsFor(cara)[0]!.id!;
    expect(proactive(caraChat)).toHaveLength(1);
    expect(cardText(cardOf(proactive(caraChat)[0]!.body))).toContain("Cara's revenue");

    await pass(new Date(slot.getTime() + 20 * 60_000));
    await pass(new Date(slot.getTime() + 7 * 86_400_000 + 5 * 60_000));
    expect(createsFor(cole)).toHaveLength(1);
    expect(createsFor(cara)).toHaveLength(1);
    expect(proactive(caraChat)).toHaveLength(2);

    // Four weeks after Teams refused, Pacer asks once more (the person may have unblocked it).
    await pass(new Date(slot.getTime() + 21 * 86_400_000 + 5 * 60_000));
    expect(createsFor(cole)).toHaveLength(1);
    await pass(new Date(slot.getTime() + 28 * 86_400_000 + 5 * 60_000));
    expect(createsFor(cole).map((c) => c.status)).toEqual([403, 403]);
  });
});
