import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { askQuestionForm, questionCard } from "../../../bot/cards/askQuestionCard.js";
import { checkInCard, pickKeyResultCard } from "../../../bot/cards/checkInCard.js";
import { helpCard } from "../../../bot/cards/helpCard.js";
import { okrListCard } from "../../../bot/cards/okrListCard.js";
import { noticeCard, objectiveCard, progressCard, progressDigestCard } from "../../../bot/cards/progressCard.js";
import { reminderCard } from "../../../bot/cards/reminderCard.js";
import { subscribeCard } from "../../../bot/cards/subscribeCard.js";
import type { Card } from "../../../bot/cards/template.js";

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const schema = JSON.parse(readFileSync(new URL("../../../bot/cards/schema/adaptive-card-1.5.json", import.meta.url), "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
addFormats(ajv);
// The upstream file names itself with draft-04's `id` under a draft-06 `$schema`; ajv 8 only accepts `$id`.
const { id: schemaId, ...schemaBody } = schema;
const validate = ajv.compile({ ...schemaBody, $id: schemaId });

/** The official schema does not know Teams' own `msteams` property. */
function withoutTeamsExtensions(card: Card): Card {
  const { msteams: _msteams, ...rest } = card;
  return rest;
}

function expectValid(card: Card) {
  const ok = validate(withoutTeamsExtensions(card));
  expect(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
  expect(card.version).toBe("1.5");
  expect(JSON.stringify(card)).not.toContain("${");
}

const metric = { kind: "metric" as const, start: 0, target: 2_000_000, unit: "EUR", decimals: 0 };

describe("card builders produce valid Adaptive Cards 1.5", () => {
  const cases: Array<[string, Card]> = [
    ["help (welcome, group)", helpCard({ welcome: true, group: true, tabUrl: "https://pacer.example.com/tab/#/my" })],
    ["help (not understood, no link)", helpCard({ welcome: false, group: false, notUnderstood: "make me a sandwich" })],
    ["my okrs", okrListCard({ periodName: "2027 Q1", tabUrl: "https://pacer.example.com/tab/#/my", objectives: [{ title: "Grow", progress: 42.4, status: "behind", keyResults: [{ title: "Revenue", progress: 42.4, status: "behind", valueText: "848,000 EUR" }] }] })],
    ["my okrs (empty)", okrListCard({ periodName: "2027 Q1", objectives: [] })],
    ["check-in form (metric, with error)", checkInCard({ keyResult: { id: "kr1", title: "Revenue", version: 3, measurement: metric, current: 5 }, objectiveTitle: "Grow", error: "“lots” is not a number.", inputs: { value: "lots", status: "behind", note: "x" } })],
    ["check-in form (milestone)", checkInCard({ keyResult: { id: "kr2", title: "Ship", version: 1, measurement: { kind: "milestone" }, current: null }, objectiveTitle: "Grow" })],
    ["pick a key result", pickKeyResultCard({ prompt: "Which one?", choices: [{ id: "a", title: "A" }, { id: "b", title: "B" }] })],
    ["progress (channel)", progressCard({ heading: "Dana checked in", keyResultTitle: "Revenue", objectiveTitle: "Grow", valueText: "1,000,000 EUR", previousValueText: "500,000 EUR", progress: 50, status: "on_track", note: "Halfway", late: true, url: "https://pacer.example.com/tab/#/kr/kr1", repliesBecomeComments: true })],
    ["progress (minimal)", progressCard({ heading: "Key result", keyResultTitle: "Revenue", objectiveTitle: "Grow", valueText: "not measured yet", progress: 0, status: "at_risk" })],
    ["objective", objectiveCard({ title: "Grow", periodName: "2027 Q1", ownerName: "Dana", progress: 10, status: "at_risk", keyResults: [{ title: "Revenue", progress: 10 }], url: "https://pacer.example.com/tab/#/my" })],
    ["notice", noticeCard("Key result not found", "It may have been deleted.")],
    ["ask form", askQuestionForm({ objectives: [{ id: "o1", title: "Grow" }], question: "When?", selectedId: "o1", error: "Write your question." })],
    ["progress (posted, with actions and refresh)", progressCard({ heading: "Dana checked in", keyResultId: "kr1", keyResultTitle: "Revenue", objectiveTitle: "Grow", valueText: "1", progress: 50, status: "on_track", refreshUserIds: ["29:a", "29:b"] })],
    ["progress digest", progressDigestCard({ heading: "2 key results changed", refreshUserIds: ["29:a"], repliesBecomeComments: true, items: [
      { keyResultId: "kr1", keyResultTitle: "Revenue", objectiveTitle: "Grow", valueText: "1,000 EUR", previousValueText: "500 EUR", progress: 50, status: "on_track", sourceText: "from bigquery", url: "https://pacer.example.com/tab/#/kr/kr1" },
      { keyResultId: "kr2", keyResultTitle: "Ship", objectiveTitle: "Grow", valueText: "Done", progress: 100, status: "on_track", sourceText: "by Dana" },
    ] })],
    ["reminder", reminderCard({ since: 1, userIds: ["29:a"], tabUrl: "https://pacer.example.com/tab/#/my", items: [
      { keyResult: { id: "kr1", title: "Revenue", version: 2, measurement: metric, current: 5 }, objectiveTitle: "Grow", error: "“x” is not a number.", inputs: { value: "x" } },
      { keyResult: { id: "kr2", title: "Ship", version: 1, measurement: { kind: "milestone" }, current: null }, objectiveTitle: "Grow" },
      { keyResult: { id: "kr3", title: "NPS", version: 4, measurement: { kind: "percent" }, current: 40 }, objectiveTitle: "Grow", done: { valueText: "45%" } },
    ] })],
    ["subscribe pick", subscribeCard({ prompt: "Which?", choices: [{ value: "organization", title: "Everything" }, { value: "team:t1", title: "Team: Sales" }] })],
    ["question", questionCard({ askerName: "Max", objectiveTitle: "Grow", question: "When?", url: "https://pacer.example.com/tab/#/my" })],
  ];
  it.each(cases)("%s", (_name, card) => expectValid(card));

  it("keeps inputs typed: a number value for Input.Number, the version as a number", () => {
    const card = checkInCard({ keyResult: { id: "kr1", title: "Revenue", version: 3, measurement: metric, current: 1250 }, objectiveTitle: "Grow" });
    const input = (card.body as Array<Record<string, unknown>>).find((e) => e.type === "Input.Number");
    expect(input?.value).toBe(1250);
    expect((card.actions as Array<{ data: unknown }>)[0]!.data).toEqual({ keyResultId: "kr1", version: 3 });
  });

  it("inserts people's text as text, never as template expressions", () => {
    const card = progressCard({ heading: "${evil}", keyResultTitle: "${$root.url}", objectiveTitle: "Grow", valueText: "1", progress: 1, status: "on_track" });
    expect(JSON.stringify(card)).toContain("${evil}");
  });

  it("rejects what the schema forbids (the validator is live)", () => {
    expect(validate({ type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock" }] })).toBe(false);
    expect(validate({ type: "AdaptiveCard", version: "1.5", body: [], msteams: { width: "Full" } })).toBe(false);
  });

  it("gives every Action.Execute an Action.Submit fallback with its verb, and refresh to at most 60 people", () => {
    const executes = (node: unknown): Array<Record<string, any>> => {
      if (Array.isArray(node)) return node.flatMap(executes);
      if (!node || typeof node !== "object") return [];
      const element = node as Record<string, any>;
      return [...(element.type === "Action.Execute" ? [element] : []), ...Object.entries(element).filter(([k]) => k !== "refresh").flatMap(([, v]) => executes(v))];
    };
    const many = Array.from({ length: 80 }, (_, i) => `29:user-${i}`);
    const cards = [
      checkInCard({ keyResult: { id: "kr1", title: "Revenue", version: 3, measurement: metric, current: 1 }, objectiveTitle: "Grow" }),
      pickKeyResultCard({ prompt: "?", choices: [{ id: "a", title: "A" }] }),
      progressCard({ heading: "h", keyResultId: "kr1", keyResultTitle: "R", objectiveTitle: "G", valueText: "1", progress: 1, status: "behind", refreshUserIds: many }),
      reminderCard({ since: 5, userIds: many, items: [{ keyResult: { id: "kr1", title: "R", version: 3, measurement: metric, current: 1 }, objectiveTitle: "G" }] }),
      subscribeCard({ prompt: "?", choices: [{ value: "organization", title: "All" }] }),
    ];
    for (const card of cards) {
      const actions = executes(card);
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) expect(action.fallback).toEqual({ type: "Action.Submit", title: action.title, data: { ...(action.data ?? {}), verb: action.verb } });
    }
    const progress = cards[2] as Record<string, any>;
    expect(progress.refresh.action).toMatchObject({ type: "Action.Execute", verb: "refresh", data: { keyResultIds: ["kr1"] } });
    expect(progress.refresh.userIds).toHaveLength(60);
    expect(progress.refresh.userIds.at(-1)).toBe("29:user-79");
    const reminder = cards[3] as Record<string, any>;
    expect(reminder.refresh.action.data).toEqual({ reminder: ["kr1"], since: 5 });
    expect(executes(reminder)[0]!.data).toEqual({ keyResultId: "kr1", version: 3, field: "0", reminder: ["kr1"], since: 5 });
    // Without known viewers there is no automatic refresh (the Refresh button stays).
    expect(progressCard({ heading: "h", keyResultId: "kr1", keyResultTitle: "R", objectiveTitle: "G", valueText: "1", progress: 1, status: "behind" }).refresh).toBeUndefined();
  });

  it("keeps a full reminder and a full digest far under Teams' 28 KB", () => {
    const long = "x".repeat(400);
    const reminder = reminderCard({ since: 1, items: Array.from({ length: 40 }, (_, i) => ({ keyResult: { id: `kr${i}`, title: long, version: 1, measurement: metric, current: 1 }, objectiveTitle: long })) });
    expect(Buffer.byteLength(JSON.stringify(reminder))).toBeLessThan(28_000);
    const digest = progressDigestCard({ heading: "h", items: Array.from({ length: 40 }, (_, i) => ({ keyResultId: `kr${i}`, keyResultTitle: long, objectiveTitle: long, valueText: "1", progress: 1, status: "on_track" as const, sourceText: "by x", url: "https://pacer.example.com/tab/#/kr/x" })) });
    expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThan(28_000);
  });
});
