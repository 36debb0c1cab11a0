import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeBotConnector, type FakeBotConnector } from "../../support/fakeBotConnector.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient } from "../okr/support.js";
import { BOT_ID, BOT_PASSWORD, cardOf, cardText, newPerson, postActivity, teamsActivity } from "./support.js";

let fake: FakeBotConnector;
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenantId = randomUUID();
const owner = newPerson(tenantId, "Olivia Owner");
const member = newPerson(tenantId, "Max Member");
let periodId: string;
let objectiveId: string;
let revenueKrId: string;

beforeAll(async () => {
  fake = await startFakeBotConnector();
  pacer = await startTestPacer({ ...fake.env(BOT_ID, BOT_PASSWORD), TAB_ENDPOINT: "https://pacer.example.com", PACER_BOT_BATCH_MS: "50" });
  api = apiClient(pacer);
  // The first person of the tenant becomes org owner; Olivia signs in to the tab first.
  periodId = (await api(owner, "GET", "/periods/current")).body.id;
  await api(member, "GET", "/periods/current");
  const created = await api(owner, "POST", "/objectives", {
    title: "Grow the business",
    periodId,
    keyResults: [
      { title: "Revenue to 2M", measurement: { kind: "metric", start: 0, target: 2_000_000, unit: "EUR", decimals: 0 } },
      { title: "Launch the partner portal", measurement: { kind: "milestone" } },
    ],
  });
  expect(created.status).toBe(201);
  objectiveId = created.body.id;
  revenueKrId = created.body.keyResults[0].id;
});

afterAll(async () => {
  await pacer?.close();
  await fake?.close();
});

const callsTo = (conversationId: string) => fake.calls.filter((c) => c.conversationId === conversationId);

describe("inbound authentication", () => {
  it("refuses requests without a valid Bot Framework token and never answers them", async () => {
    const activity = teamsActivity(fake, owner, { text: "help" });
    const before = fake.calls.length;
    expect((await postActivity(pacer, fake, activity, null)).status).toBe(401);
    expect((await postActivity(pacer, fake, activity, await fake.signToken({ aud: BOT_ID, key: "forged" }))).status).toBe(401);
    expect((await postActivity(pacer, fake, activity, await fake.signToken({ aud: BOT_ID, expiresInSeconds: -3600 }))).status).toBe(401);
    expect((await postActivity(pacer, fake, activity, await fake.signToken({ aud: "another-bot" }))).status).toBe(401);
    expect((await postActivity(pacer, fake, activity, await fake.signToken({ aud: BOT_ID, issuer: "https://evil.example.com" }))).status).toBe(401);
    expect((await postActivity(pacer, fake, activity, await fake.signToken({ aud: BOT_ID, serviceUrl: "https://elsewhere.example.com/" }))).status).toBe(401);
    expect(fake.calls.length).toBe(before);
  });

  it("rejects a body that is not an activity", async () => {
    const res = await fetch(`${pacer.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ hello: 1 }) });
    expect(res.status).toBe(400);
  });
});

describe("install and commands", () => {
  it("welcomes once on install, answering with the bot's outbound token", async () => {
    const conversation = { id: `a:install-${randomUUID()}`, conversationType: "personal", tenantId };
    const install = teamsActivity(fake, owner, { type: "installationUpdate", action: "add", conversation });
    expect((await postActivity(pacer, fake, install)).status).toBe(200);
    const added = teamsActivity(fake, owner, { type: "conversationUpdate", membersAdded: [{ id: `28:${BOT_ID}` }], conversation });
    expect((await postActivity(pacer, fake, added)).status).toBe(200);
    const calls = callsTo(conversation.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(201);
    expect(cardText(cardOf(calls[0]!.body))).toContain("Welcome to Pacer");
    expect(fake.tokenRequests[0]).toMatchObject({ grant_type: "client_credentials", client_id: BOT_ID, client_secret: BOT_PASSWORD, scope: "https://api.botframework.com/.default" });
  });

  it("answers help, and help for what it does not understand", async () => {
    const conversation = { id: `a:help-${randomUUID()}`, conversationType: "personal", tenantId };
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "help", conversation }));
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "make me a sandwich", conversation }));
    const [help, unknown] = callsTo(conversation.id);
    expect(cardText(cardOf(help!.body))).toContain("my okrs");
    expect(cardText(cardOf(unknown!.body))).toContain("did not understand “make me a sandwich”");
    expect(help!.replyToId).toBeDefined();
  });

  it("lists my OKRs, with mentions stripped in channels", async () => {
    const conversation = { id: `19:chan-${randomUUID()}@thread.tacv2`, conversationType: "channel", tenantId };
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "<at>Pacer</at> my okrs", conversation }));
    const [reply] = callsTo(conversation.id);
    const text = cardText(cardOf(reply!.body));
    expect(text).toContain("Grow the business");
    expect(text).toContain("Revenue to 2M");
    expect(text).toContain("Launch the partner portal");
  });

  it("maps a new Teams user to the organisation, creating them on first sight", async () => {
    const newcomer = newPerson(tenantId, "Nina New");
    const conversation = { id: `a:new-${randomUUID()}`, conversationType: "personal", tenantId };
    await postActivity(pacer, fake, teamsActivity(fake, newcomer, { text: "my okrs", conversation }));
    expect(cardText(cardOf(callsTo(conversation.id)[0]!.body))).toContain("You own no objectives");
    const me = await api(newcomer, "GET", "/me");
    expect(me.body.user).toMatchObject({ name: "Nina New", orgRole: "member" });
  });
});

describe("check in from a card", () => {
  const invoke = (from: typeof owner, data: Record<string, unknown>, id = `act-${randomUUID()}`) =>
    teamsActivity(fake, from, { type: "invoke", name: "adaptiveCard/action", id, value: { action: { type: "Action.Execute", verb: "checkIn", data } } });

  it("offers the form of the matching key result", async () => {
    const conversation = { id: `a:ci-${randomUUID()}`, conversationType: "personal", tenantId };
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "check in revenue", conversation }));
    const card = cardOf(callsTo(conversation.id)[0]!.body);
    expect(card.actions[0]).toMatchObject({ type: "Action.Execute", verb: "checkIn", data: { keyResultId: revenueKrId } });
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "check in", conversation }));
    const pick = cardOf(callsTo(conversation.id)[1]!.body);
    expect(pick.actions[0]).toMatchObject({ verb: "openCheckIn" });
    expect(pick.body[1].choices).toHaveLength(2);
  });

  it("validates the value, then checks in once even when Teams retries the invoke", async () => {
    const bad = await postActivity(pacer, fake, invoke(owner, { keyResultId: revenueKrId, value: "lots" }));
    expect(bad.status).toBe(200);
    expect(bad.body.statusCode).toBe(200);
    expect(cardText(bad.body.value)).toContain("“lots” is not a number");

    const kr = (await api(owner, "GET", `/key-results/${revenueKrId}`)).body;
    const good = invoke(owner, { keyResultId: revenueKrId, version: kr.version, value: "500000", status: "auto", note: "Big deal signed" });
    const first = await postActivity(pacer, fake, good);
    expect(first.body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });
    expect(cardText(first.body.value)).toContain("25%");
    const again = await postActivity(pacer, fake, good);
    expect(again.body.statusCode).toBe(200);
    const history = (await api(owner, "GET", `/key-results/${revenueKrId}/check-ins`)).body;
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ value: 500000, note: "Big deal signed", origin: "teams" });
  });

  it("brings the form back when the card is stale or the person may not check in", async () => {
    const stale = await postActivity(pacer, fake, invoke(owner, { keyResultId: revenueKrId, version: 1, value: "600000" }));
    expect(cardText(stale.body.value)).toContain("Someone checked in meanwhile");
    const refused = await postActivity(pacer, fake, invoke(member, { keyResultId: revenueKrId, value: "700000" }));
    expect(cardText(refused.body.value)).toContain("Only the key result's owner");
    expect((await api(owner, "GET", `/key-results/${revenueKrId}`)).body.current).toBe(500000);
  });

  it("answers an unknown verb with a typed 400", async () => {
    const reply = await postActivity(pacer, fake, teamsActivity(fake, owner, { type: "invoke", name: "adaptiveCard/action", value: { action: { type: "Action.Execute", verb: "launchRockets", data: {} } } }));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ statusCode: 400, type: "application/vnd.microsoft.error", value: { code: "BadRequest" } });
  });
});

describe("subscriptions and threads", () => {
  const channel = { id: `19:okrs-${randomUUID()}@thread.tacv2`, conversationType: "channel", tenantId };

  it("posts a progress card to subscribed conversations, retrying when throttled", async () => {
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "<at>Pacer</at> subscribe all", conversation: channel }));
    expect(callsTo(channel.id)[0]!.body.text).toContain("Subscribed");

    fake.failNext(429, 1, 0);
    fake.failNext(502, 1);
    const checkIn = await api(owner, "POST", `/key-results/${revenueKrId}/check-ins`, { value: 1_000_000, note: "Halfway" });
    expect(checkIn.status).toBe(201);
    const calls = await fake.waitFor(() => callsTo(channel.id).some((c) => c.status === 201 && c.replyToId === undefined));
    const proactive = calls.filter((c) => c.conversationId === channel.id && c.replyToId === undefined);
    expect(proactive.map((c) => c.status)).toEqual([429, 502, 201]);
    expect(proactive[2]!.authorization).toMatch(/^Bearer fake-bot-token-/);
    const text = cardText(cardOf(proactive[2]!.body));
    expect(text).toContain("Olivia Owner checked in");
    expect(text).toContain("50%");
    expect(text).toContain("“Halfway”");
  });

  it("turns thread replies into comments once, and mirrors tab comments on that key result into the thread", async () => {
    await pacer.bot!.idle();
    const root = callsTo(channel.id).filter((c) => c.status === 201 && c.replyToId === undefined).at(-1)!;
    const rootId = root.id!;
    const reply = teamsActivity(fake, member, { text: "Great work, which deal?", conversation: { ...channel, id: `${channel.id};messageid=${rootId}` } });
    await postActivity(pacer, fake, reply);
    await postActivity(pacer, fake, reply);
    const feed = (await api(owner, "GET", `/objectives/${objectiveId}/activity`)).body.items.filter((a: { kind: string }) => a.kind === "comment");
    expect(feed.map((c: { text: string }) => c.text)).toEqual(["Great work, which deal?"]);
    expect(feed[0]).toMatchObject({ origin: "teams", subjectId: revenueKrId });

    const before = fake.calls.length;
    expect((await api(owner, "POST", `/key-results/${revenueKrId}/comments`, { text: "The ACME one" }, { "x-pacer-client": "tab" })).status).toBe(201);
    expect((await api(owner, "POST", `/objectives/${objectiveId}/comments`, { text: "Not about this KR" })).status).toBe(201);
    await pacer.bot!.idle();
    const mirrored = fake.calls.slice(before);
    expect(mirrored).toHaveLength(1);
    expect(mirrored[0]).toMatchObject({ conversationId: channel.id, replyToId: rootId, status: 201 });
    expect(mirrored[0]!.body.text).toBe("**Olivia Owner** commented in Pacer: The ACME one");
  });

  it("stops after unsubscribe", async () => {
    await postActivity(pacer, fake, teamsActivity(fake, owner, { text: "<at>Pacer</at> unsubscribe", conversation: channel }));
    const before = callsTo(channel.id).length;
    await api(owner, "POST", `/key-results/${revenueKrId}/check-ins`, { value: 1_200_000 });
    await pacer.bot!.idle();
    expect(callsTo(channel.id).length).toBe(before);
  });
});

describe("channels of a team the bot is installed in", () => {
  // Installing the app in a team: Teams tells the bot about the General channel, whose id is the team's.
  const general = { id: `19:general-${randomUUID()}@thread.tacv2`, conversationType: "channel", isGroup: true, tenantId };
  const planning = `19:planning-${randomUUID()}@thread.tacv2`;
  const subscriptionsOf = (person: typeof owner, conversationId: string, teamConversationId?: string) =>
    api(person, "GET", `/bot/subscriptions?conversationId=${encodeURIComponent(conversationId)}${teamConversationId ? `&teamConversationId=${encodeURIComponent(teamConversationId)}` : ""}`);

  it("subscribes another channel of that team through the team's installation and posts its progress cards there", async () => {
    const install = teamsActivity(fake, owner, { type: "installationUpdate", action: "add", conversation: general, channelData: { tenant: { id: tenantId }, team: { id: general.id }, channel: { id: general.id } } });
    expect((await postActivity(pacer, fake, install)).status).toBe(200);

    const body = { conversationId: planning, organization: true };
    expect((await api(owner, "POST", "/bot/subscriptions", body)).status).toBe(404); // without its team, the channel is unknown
    expect((await subscriptionsOf(owner, planning)).status).toBe(404);
    expect((await subscriptionsOf(owner, planning, general.id)).body).toEqual({ items: [] });
    const created = await api(owner, "POST", "/bot/subscriptions", { ...body, teamConversationId: general.id });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ conversationId: planning, target: { kind: "organization" }, created: true });
    expect((await api(owner, "POST", "/bot/subscriptions", { ...body, teamConversationId: general.id })).status).toBe(200);
    expect((await subscriptionsOf(owner, planning)).body.items).toHaveLength(1);

    const before = callsTo(general.id).length;
    expect((await api(owner, "POST", `/key-results/${revenueKrId}/check-ins`, { value: 1_400_000, note: "Planning heard" })).status).toBe(201);
    const [card] = (await fake.waitFor(() => callsTo(planning).some((c) => c.status === 201))).filter((c) => c.conversationId === planning);
    expect(card).toMatchObject({ conversationId: planning, replyToId: undefined, status: 201 });
    expect(card!.authorization).toMatch(/^Bearer fake-bot-token-/);
    expect(card!.body).toMatchObject({ from: { id: `28:${BOT_ID}` }, conversation: { id: planning } });
    expect(cardText(cardOf(card!.body))).toContain("“Planning heard”");
    await pacer.bot!.idle();
    expect(callsTo(general.id).length).toBe(before); // General itself is not subscribed
  });

  it("is 404 for a team unknown in the caller's tenant, and 400 for ids that are not Teams channel ids", async () => {
    const stranger = newPerson(randomUUID(), "Eve Elsewhere");
    const foreign = { conversationId: `19:eve-${randomUUID()}@thread.tacv2`, teamConversationId: general.id, organization: true };
    expect((await api(stranger, "POST", "/bot/subscriptions", foreign)).status).toBe(404);
    expect((await subscriptionsOf(stranger, foreign.conversationId, general.id)).status).toBe(404);
    const unknownTeam = { conversationId: `19:lost-${randomUUID()}@thread.tacv2`, teamConversationId: `19:no-bot-${randomUUID()}@thread.tacv2`, organization: true };
    expect((await api(owner, "POST", "/bot/subscriptions", unknownTeam)).status).toBe(404);
    expect((await subscriptionsOf(owner, unknownTeam.conversationId)).status).toBe(404); // nothing was saved
    // A chat is no team: its id does not have the shape of one.
    const chat = { id: `a:team-${randomUUID()}`, conversationType: "personal", tenantId };
    await postActivity(pacer, fake, teamsActivity(fake, owner, { type: "installationUpdate", action: "add", conversation: chat }));
    expect((await api(owner, "POST", "/bot/subscriptions", { ...unknownTeam, teamConversationId: chat.id })).status).toBe(400);

    expect((await api(owner, "POST", "/bot/subscriptions", { conversationId: planning, teamConversationId: "team-1", organization: true })).status).toBe(400);
    expect((await api(owner, "POST", "/bot/subscriptions", { conversationId: `a:chat-${randomUUID()}`, teamConversationId: general.id, organization: true })).status).toBe(400);
    expect((await api(owner, "POST", "/bot/subscriptions", { conversationId: `${planning};messageid=1`, organization: true })).status).toBe(400);
  });

  it("forgets the team's adopted channels when the app is removed from the team", async () => {
    const remove = teamsActivity(fake, owner, { type: "installationUpdate", action: "remove", conversation: general, channelData: { tenant: { id: tenantId }, team: { id: general.id } } });
    expect((await postActivity(pacer, fake, remove)).status).toBe(200);
    expect((await subscriptionsOf(owner, planning)).status).toBe(404);
    expect((await subscriptionsOf(owner, planning, general.id)).status).toBe(404);
  });
});

describe("message extension", () => {
  const invoke = (name: string, value: unknown) => teamsActivity(fake, owner, { type: "invoke", name, value, conversation: { id: `19:compose-${randomUUID()}@thread.v2`, conversationType: "groupChat", tenantId } });

  it("finds goals by title words and opens with my own", async () => {
    const found = await postActivity(pacer, fake, invoke("composeExtension/query", { commandId: "searchGoals", parameters: [{ name: "query", value: "partner portal" }] }));
    expect(found.status).toBe(200);
    const attachments = found.body.composeExtension.attachments;
    expect(attachments).toHaveLength(1);
    expect(attachments[0].preview.content.title).toBe("Launch the partner portal");
    expect(Buffer.byteLength(JSON.stringify(found.body))).toBeLessThan(28_000);
    const initial = await postActivity(pacer, fake, invoke("composeExtension/query", { commandId: "searchGoals", parameters: [{ name: "initialRun", value: "true" }] }));
    expect(initial.body.composeExtension.attachments.map((a: any) => a.preview.content.title)).toEqual(["Grow the business"]);
  });

  it("unfurls Pacer key-result links and ignores other links", async () => {
    const link = await postActivity(pacer, fake, invoke("composeExtension/queryLink", { url: `https://pacer.example.com/tab/#/kr/${revenueKrId}` }));
    expect(cardText(link.body.composeExtension.attachments[0].content)).toContain("Revenue to 2M");
    const other = await postActivity(pacer, fake, invoke("composeExtension/queryLink", { url: `https://elsewhere.example.com/tab/#/kr/${revenueKrId}` }));
    expect(other.body.composeExtension.attachments).toEqual([]);
  });

  it("asks a question about a goal: a comment on the objective, recorded once", async () => {
    const fetched = await postActivity(pacer, fake, invoke("composeExtension/fetchTask", { commandId: "askAboutGoal", commandContext: "message", messagePayload: { body: { content: "<p>When does the portal ship?</p>" } } }));
    const form = fetched.body.task.value.card.content;
    expect(form.body.find((e: any) => e.id === "question").value).toBe("When does the portal ship?");
    const empty = await postActivity(pacer, fake, invoke("composeExtension/submitAction", { commandId: "askAboutGoal", data: { objectiveId, question: " " } }));
    expect(cardText(empty.body.task.value.card.content)).toContain("Write your question.");
    const submit = invoke("composeExtension/submitAction", { commandId: "askAboutGoal", data: { objectiveId, question: "When does the portal ship?" } });
    const asked = await postActivity(pacer, fake, submit);
    expect(cardText(asked.body.composeExtension.attachments[0].content)).toContain("Olivia Owner asks about");
    await postActivity(pacer, fake, submit);
    const comments = (await api(owner, "GET", `/objectives/${objectiveId}/activity`)).body.items.filter((a: { text: string }) => a.text === "When does the portal ship?");
    expect(comments).toHaveLength(1);
  });
});
