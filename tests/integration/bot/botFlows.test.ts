import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../../core/okr/actor.js";
import { latestSlot } from "../../../bot/reminders/schedule.js";
import { startFakeBotConnector, type FakeBotConnector } from "../../support/fakeBotConnector.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient } from "../okr/support.js";
import { BOT_ID, BOT_PASSWORD, cardOf, cardText, newPerson, postActivity, teamsActivity } from "./support.js";

/** Reminders on a fake clock, scoped subscriptions, batched progress cards, thread edits/deletions/reactions, refresh and Submit fallbacks. */
let fake: FakeBotConnector;
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenantId = randomUUID();
const owner = newPerson(tenantId, "Olivia Owner");
const member = newPerson(tenantId, "Max Member");
let periodId: string;
const mri = (p: typeof owner) => `29:${p.oid}`;
const callsTo = (conversationId: string) => fake.calls.filter((c) => c.conversationId === conversationId);
const proactive = (conversationId: string) => callsTo(conversationId).filter((c) => c.status === 201 && c.replyToId === undefined);
const cardInvoke = (from: typeof owner, conversation: object, verb: string, data: object, id = `act-${randomUUID()}`) =>
  teamsActivity(fake, from, { type: "invoke", name: "adaptiveCard/action", id, conversation, value: { action: { type: "Action.Execute", verb, data } } });

beforeAll(async () => {
  fake = await startFakeBotConnector();
  pacer = await startTestPacer({ ...fake.env(BOT_ID, BOT_PASSWORD), TAB_ENDPOINT: "https://pacer.example.com", PACER_BOT_BATCH_MS: "400" });
  api = apiClient(pacer);
  periodId = (await api(owner, "GET", "/periods/current")).body.id;
  await api(member, "GET", "/periods/current");
});

afterAll(async () => {
  await pacer?.close();
  await fake?.close();
});

describe("check-in reminders", () => {
  const chat = { id: `a:reminders-${randomUUID()}`, conversationType: "personal", tenantId };
  const settings = { rhythm: "weekly", weekday: 1, time: "09:00", skipCheckedInWithinDays: 7 } as const;
  let dueId: string;

  it("lets only org admins set the rhythm, validated", async () => {
    expect((await api(owner, "GET", "/bot/reminders")).body).toEqual({ rhythm: "weekly", weekday: 1, time: "09:00", skipCheckedInWithinDays: 3 });
    expect((await api(member, "PUT", "/bot/reminders", settings)).status).toBe(403);
    const bad = await api(owner, "PUT", "/bot/reminders", { ...settings, time: "9am", rhythm: "daily" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["rhythm", "time"]);
    expect((await api(owner, "PUT", "/bot/reminders", settings)).body).toEqual(settings);
  });

  it("sends each owner one card at their local Monday 09:00, once across processes, listing only KRs that need a check-in", async () => {
    const memberId = (await api(member, "GET", "/me")).body.user.id;
    const created = await api(owner, "POST", "/objectives", {
      title: "Ship reminders",
      periodId,
      keyResults: [
        { title: "Weekly signups", measurement: { kind: "percent" } },
        { title: "Churn below 2", measurement: { kind: "percent" } },
        { title: "Pipeline from the warehouse", measurement: { kind: "percent" } },
        { title: "Max's own KR", measurement: { kind: "percent" }, ownerUserId: memberId },
      ],
    });
    expect(created.status).toBe(201);
    const [due, recent, synced] = created.body.keyResults.map((k: { id: string }) => k.id);
    dueId = due;
    expect((await api(owner, "POST", `/key-results/${recent}/check-ins`, { value: 10 })).status).toBe(201);
    const orgTenant = (await api(owner, "GET", "/me")).body.organization?.tenantId ?? tenantId;
    await pacer.okr.checkIns.checkIn(systemActor(orgTenant), synced, { value: 30, source: { kind: "integration", integrationId: "webjson", connectionId: "c1", sourceFingerprint: "f1", fetchedAt: new Date(), durationMs: 1 } });

    // The person talks to Pacer once from Berlin: the chat and its time zone are remembered.
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "help", conversation: chat, localTimezone: "Europe/Berlin" }));
    const slot = latestSlot(settings, "Europe/Berlin", new Date(Date.now() + 7 * 86_400_000))!;
    expect(slot.getTime()).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "long", hour: "2-digit", minute: "2-digit" }).format(slot)).toBe("Monday 09:00");

    let clock = new Date(slot.getTime() - 60_000);
    const processA = pacer.bot!.jobs({ now: () => clock })[0]!;
    const processB = pacer.bot!.jobs({ now: () => clock })[0]!;
    const signal = new AbortController().signal;
    const before = callsTo(chat.id).length;
    await processA.run(signal);
    expect(callsTo(chat.id).length).toBe(before);

    clock = new Date(slot.getTime() + 5 * 60_000);
    await Promise.all([processA.run(signal), processB.run(signal)]);
    clock = new Date(slot.getTime() + 20 * 60_000);
    await processB.run(signal);
    const reminders = callsTo(chat.id).slice(before);
    expect(reminders).toHaveLength(1);
    const card = cardOf(reminders[0]!.body);
    const text = cardText(card);
    expect(text).toContain("Time to check in");
    expect(text).toContain("Weekly signups");
    expect(text).not.toContain("Churn below 2");
    expect(text).not.toContain("Pipeline from the warehouse");
    expect(text).not.toContain("Max's own KR");
    expect(card.refresh).toMatchObject({ action: { verb: "refresh" }, userIds: [mri(owner)] });
  });

  it("checks in inline from the reminder and answers with the updated reminder", async () => {
    const reminder = cardOf(callsTo(chat.id).at(-1)!.body);
    const row = reminder.body.find((e: any) => e.type === "Container");
    const execute = row.items.find((e: any) => e.type === "ActionSet").actions[0];
    expect(execute.fallback).toMatchObject({ type: "Action.Submit", data: { verb: "checkIn" } });
    const bad = await postActivity(pacer, fake, cardInvoke(owner, chat, "checkIn", { ...execute.data, value_0: "" }));
    expect(cardText(bad.body.value)).toContain("Enter the new value.");
    const done = await postActivity(pacer, fake, cardInvoke(owner, chat, "checkIn", { ...execute.data, value_0: "40", note_0: "on it" }));
    expect(done.body.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(cardText(done.body.value)).toContain("✓ Checked in: 40%");
    expect(cardText(done.body.value)).toContain("All done");
    expect((await api(owner, "GET", `/key-results/${dueId}`)).body.current).toBe(40);
    // (The fake clock's reminder lies in the future, so "checked in since" shows as the current value here.)
    const refreshed = await postActivity(pacer, fake, cardInvoke(owner, chat, "refresh", reminder.refresh.action.data));
    expect(cardText(refreshed.body.value)).toContain("Ship reminders · now 40%");
    expect(refreshed.body.value.refresh.userIds).toEqual([mri(owner)]);
  });
});

describe("subscriptions scoped to a team or an objective, batched cards", () => {
  const teamChannel = { id: `19:sales-${randomUUID()}@thread.tacv2`, conversationType: "channel", tenantId };
  const objectiveChannel = { id: `19:grow-${randomUUID()}@thread.tacv2`, conversationType: "channel", tenantId };
  const everything = { id: `19:all-${randomUUID()}@thread.tacv2`, conversationType: "channel", tenantId };
  let emea: string[];
  let growKr: string;
  let growId: string;

  it("subscribes by team name, by REST for an objective, and through the pick card for the organisation", async () => {
    const team = await api(owner, "POST", "/teams", { name: "Sales" });
    expect(team.status).toBe(201);
    const emeaObjective = await api(owner, "POST", "/objectives", { title: "Win EMEA", periodId, owner: { type: "team", id: team.body.id }, keyResults: [{ title: "EMEA deals", measurement: { kind: "percent" } }, { title: "EMEA pipeline", measurement: { kind: "percent" } }] });
    emea = emeaObjective.body.keyResults.map((k: { id: string }) => k.id);
    const grow = await api(owner, "POST", "/objectives", { title: "Grow revenue", periodId, keyResults: [{ title: "Revenue", measurement: { kind: "percent" } }] });
    growId = grow.body.id;
    growKr = grow.body.keyResults[0].id;

    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "<at>Pacer</at> subscribe sales", conversation: teamChannel }));
    expect(callsTo(teamChannel.id).at(-1)!.body.text).toContain("team Sales's OKRs");

    const body = { conversationId: objectiveChannel.id, objectiveId: growId };
    expect((await api(member, "POST", "/bot/subscriptions", body)).status).toBe(404); // the bot does not know that channel yet
    await postActivity(pacer, fake, teamsActivity(fake, owner, { type: "conversationUpdate", membersAdded: [{ id: `28:${BOT_ID}` }], conversation: objectiveChannel }));
    const created = await api(member, "POST", "/bot/subscriptions", body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ conversationId: objectiveChannel.id, target: { kind: "objective", objectiveId: growId }, created: true });
    expect((await api(member, "POST", "/bot/subscriptions", body)).status).toBe(200);
    expect((await api(member, "POST", "/bot/subscriptions", { ...body, teamId: team.body.id })).status).toBe(400);
    expect((await api(member, "POST", "/bot/subscriptions", { conversationId: objectiveChannel.id, objectiveId: "nope" })).status).toBe(404);
    const stranger = newPerson(randomUUID(), "Eve Elsewhere");
    expect((await api(stranger, "POST", "/bot/subscriptions", { conversationId: objectiveChannel.id, organization: true })).status).toBe(404);
    expect((await api(member, "GET", `/bot/subscriptions?conversationId=${encodeURIComponent(objectiveChannel.id)}`)).body.items).toHaveLength(1);

    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "<at>Pacer</at> subscribe", conversation: everything }));
    const pick = cardOf(callsTo(everything.id).at(-1)!.body);
    const choices = pick.body.find((e: any) => e.id === "target").choices.map((c: any) => c.value);
    expect(choices).toEqual(expect.arrayContaining(["organization", `team:${team.body.id}`, `objective:${growId}`]));
    const chosen = await postActivity(pacer, fake, cardInvoke(owner, everything, "subscribe", { target: "organization" }));
    expect(cardText(chosen.body.value)).toContain("every check-in of the organisation");
  });

  it("posts one card per conversation for changes made together, only where subscribed", async () => {
    await pacer.bot!.idle();
    const counts = () => [teamChannel, objectiveChannel, everything].map((c) => proactive(c.id).length);
    const before = counts();
    await Promise.all(emea.map((id, i) => api(owner, "POST", `/key-results/${id}/check-ins`, { value: 20 + i })));
    await pacer.bot!.idle();
    expect(counts()).toEqual([before[0]! + 1, before[1]!, before[2]! + 1]);
    const digest = cardOf(proactive(teamChannel.id).at(-1)!.body);
    expect(cardText(digest)).toContain("2 key results changed in “Win EMEA”");
    expect(cardText(digest)).toContain("EMEA deals");
    expect(cardText(digest)).toContain("EMEA pipeline");
    expect(digest.refresh.userIds).toContain(mri(owner));

    await api(owner, "POST", `/key-results/${growKr}/check-ins`, { value: 55 });
    await pacer.bot!.idle();
    expect(counts()).toEqual([before[0]! + 1, before[1]! + 1, before[2]! + 2]);
    const single = cardOf(proactive(objectiveChannel.id).at(-1)!.body);
    expect(cardText(single)).toContain("Olivia Owner checked in");
    expect(single.actions.map((a: any) => a.verb ?? a.type)).toEqual(["openCheckIn", "refresh", "Action.OpenUrl"]);
  });

  it("answers Refresh with current values, and the Submit fallback with a new message", async () => {
    const digest = cardOf(proactive(teamChannel.id).at(-1)!.body);
    await api(owner, "POST", `/key-results/${emea[0]}/check-ins`, { value: 77 });
    const refreshed = await postActivity(pacer, fake, cardInvoke(owner, teamChannel, "refresh", digest.refresh.action.data));
    expect(refreshed.body.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(cardText(refreshed.body.value)).toContain("77%");
    expect(refreshed.body.value.refresh.userIds).toContain(mri(owner));

    const before = callsTo(teamChannel.id).length;
    await postActivity(pacer, fake, teamsActivity(fake, owner, { conversation: teamChannel, value: { verb: "refresh", keyResultIds: [emea[0]] } }));
    const reply = callsTo(teamChannel.id).slice(before);
    expect(reply).toHaveLength(1);
    expect(cardText(cardOf(reply[0]!.body))).toContain("77%");
    await pacer.bot!.idle();
  });

  it("unsubscribes one target by name", async () => {
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "<at>Pacer</at> unsubscribe sales", conversation: teamChannel }));
    expect(callsTo(teamChannel.id).at(-1)!.body.text).toContain("Unsubscribed from team Sales's OKRs");
    const before = proactive(teamChannel.id).length;
    await api(owner, "POST", `/key-results/${emea[1]}/check-ins`, { value: 90 });
    await pacer.bot!.idle();
    expect(proactive(teamChannel.id).length).toBe(before);
  });

  it("follows edits, deletions and reactions of thread replies to the comment, once per activity", async () => {
    await pacer.bot!.idle();
    const root = proactive(everything.id).filter((c) => cardText(cardOf(c.body)).includes("Revenue")).at(-1)!;
    const thread = { ...everything, id: `${everything.id};messageid=${root.id}` };
    const replyId = `reply-${randomUUID()}`;
    await postActivity(pacer, fake, teamsActivity(fake, member, { id: replyId, text: "Nice", conversation: thread }));
    const comments = async () => (await api(owner, "GET", `/objectives/${growId}/activity`)).body.items.filter((a: { kind: string }) => a.kind === "comment");
    expect((await comments()).map((c: { text: string }) => c.text)).toEqual(["Nice"]);

    const edit = teamsActivity(fake, member, { type: "messageUpdate", id: replyId, text: "Nice work", conversation: thread, channelData: { tenant: { id: tenantId }, eventType: "editMessage" } });
    await postActivity(pacer, fake, edit);
    await postActivity(pacer, fake, edit);
    const edited = await comments();
    expect(edited).toHaveLength(1);
    expect(edited[0]).toMatchObject({ text: "Nice work", version: 2 });
    // Someone else's edit event for it changes nothing (only authors edit).
    await postActivity(pacer, fake, { ...edit, id: replyId, from: { id: mri(owner), name: owner.name, aadObjectId: owner.oid }, text: "hijacked" });
    expect((await comments())[0].text).toBe("Nice work");

    const react = (from: typeof owner, id: string, change: object) => postActivity(pacer, fake, teamsActivity(fake, from, { type: "messageReaction", id, replyToId: replyId, conversation: thread, ...change }));
    await react(owner, "rx-1", { reactionsAdded: [{ type: "like" }] });
    await react(owner, "rx-1", { reactionsAdded: [{ type: "like" }] });
    await react(member, "rx-2", { reactionsAdded: [{ type: "like" }, { type: "heart" }] });
    expect((await comments())[0].data.reactions).toEqual({ like: 2, heart: 1 });
    await react(owner, "rx-3", { reactionsRemoved: [{ type: "like" }] });
    expect((await comments())[0].data.reactions).toEqual({ like: 1, heart: 1 });

    const remove = teamsActivity(fake, member, { type: "messageDelete", id: replyId, conversation: thread, channelData: { tenant: { id: tenantId }, eventType: "softDeleteMessage" } });
    expect((await postActivity(pacer, fake, remove)).status).toBe(200);
    expect((await postActivity(pacer, fake, remove)).status).toBe(200);
    expect(await comments()).toEqual([]);
  });
});
