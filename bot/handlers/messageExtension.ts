import type { KeyResult, Objective } from "../../core/okr/model.js";
import { ADAPTIVE_CARD, type Attachment, type InvokeResponse } from "../activity.js";
import { askQuestionForm, questionCard } from "../cards/askQuestionCard.js";
import { objectiveCard, progressCard } from "../cards/progressCard.js";
import type { Card } from "../cards/template.js";
import { appErrorOf, type BotDeps, type Turn, type TurnUser, tabLink } from "./context.js";
import { keyResultCardData, myObjectives } from "./okrData.js";
import { plainText } from "./commands.js";

/** Message-extension results must stay under 28 KB; keep this much headroom for Teams' envelope. */
const MAX_RESULT_BYTES = 27_000;
const MAX_RESULTS = 10;

const result = (attachments: Attachment[]): InvokeResponse => ({ status: 200, body: { composeExtension: { type: "result", attachmentLayout: "list", attachments } } });

const preview = (title: string, text: string): Attachment => ({ contentType: "application/vnd.microsoft.card.thumbnail", content: { title, text } });

/** Drops results from the end until the answer fits Teams' size limit. */
export function fitResults(attachments: Attachment[], maxBytes = MAX_RESULT_BYTES): Attachment[] {
  const kept = attachments.slice(0, MAX_RESULTS);
  while (kept.length > 0 && Buffer.byteLength(JSON.stringify(kept)) > maxBytes) kept.pop();
  return kept;
}

async function objectiveAttachment(deps: BotDeps, user: TurnUser, objective: Objective): Promise<Attachment> {
  const { tenantId } = user.caller;
  const [evaluation, period] = await Promise.all([deps.okr.objectives.evaluateOne(tenantId, objective), deps.okr.objectives.periodOf(tenantId, objective)]);
  const owner =
    objective.ownerType === "user" ? (await deps.okr.objectives.users.findById(tenantId, objective.ownerId))?.name : (await deps.okr.store.teams.findById(tenantId, objective.ownerId))?.name;
  const card = objectiveCard({
    title: objective.title,
    periodName: period.name,
    ownerName: owner ?? "unknown owner",
    progress: evaluation.progress,
    status: evaluation.status,
    keyResults: evaluation.keyResults.map(({ keyResult, evaluation: e }) => ({ title: keyResult.title, progress: e.progress })),
    url: tabLink(deps, "/my"),
  });
  return { contentType: ADAPTIVE_CARD, content: card, preview: preview(objective.title, `Objective · ${Math.round(evaluation.progress)}% · ${period.name}`) };
}

async function keyResultAttachment(deps: BotDeps, user: TurnUser, keyResult: KeyResult, objective: Objective): Promise<Attachment> {
  const view = await keyResultCardData(deps.okr, user.caller.tenantId, keyResult, objective);
  const card: Card = progressCard({ ...view, heading: "Key result", url: tabLink(deps, `/kr/${encodeURIComponent(keyResult._id)}`) });
  return { contentType: ADAPTIVE_CARD, content: card, preview: preview(keyResult.title, `Key result · ${Math.round(view.progress)}% · ${objective.title}`) };
}

/** `searchGoals`: objectives and key results whose title has the words; on open (no words) the person's own objectives. */
export async function searchGoals(deps: BotDeps, user: TurnUser, value: Record<string, unknown>): Promise<InvokeResponse> {
  const parameters = Array.isArray(value.parameters) ? (value.parameters as Array<{ name?: string; value?: unknown }>) : [];
  const query = String(parameters.find((p) => p.name === "query")?.value ?? "").trim().slice(0, 200);
  if (!query) {
    const { objectives } = await myObjectives(deps.okr, user.actor);
    return result(fitResults(await Promise.all(objectives.slice(0, MAX_RESULTS).map((o) => objectiveAttachment(deps, user, o)))));
  }
  const [objectives, keyResults] = await Promise.all([
    deps.okr.objectives.list(user.actor, { limit: MAX_RESULTS, q: query, state: "active" }),
    deps.okr.objectives.listKeyResults(user.actor, { limit: MAX_RESULTS, q: query }),
  ]);
  const attachments: Attachment[] = [];
  for (const objective of objectives.items) attachments.push(await objectiveAttachment(deps, user, objective));
  for (const keyResult of keyResults.items) {
    const objective = await deps.okr.objectives.get(user.actor, keyResult.objectiveId).catch(() => null);
    if (objective) attachments.push(await keyResultAttachment(deps, user, keyResult, objective));
  }
  return result(fitResults(attachments));
}

/** Pacer links (`<TAB_ENDPOINT>/tab/#/kr/<id>`) unfold into the key result's card. */
export function keyResultIdFromUrl(url: string, tabEndpoint: string | undefined): string | undefined {
  if (!tabEndpoint) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.host.toLowerCase() !== new URL(tabEndpoint).host.toLowerCase()) return undefined;
  const match = /^#\/kr\/([^/?#]+)/.exec(parsed.hash);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

export async function unfurlLink(deps: BotDeps, user: TurnUser, value: Record<string, unknown>): Promise<InvokeResponse> {
  const id = keyResultIdFromUrl(String(value.url ?? ""), deps.tabEndpoint);
  const found = id ? await deps.okr.objectives.getKeyResult(user.actor, id).catch(() => null) : null;
  if (!found) return result([]);
  return result([await keyResultAttachment(deps, user, found.keyResult, found.objective)]);
}

const taskContinue = (card: Card): InvokeResponse => ({
  status: 200,
  body: { task: { type: "continue", value: { title: "Ask a question about a goal", height: "medium", width: "medium", card: { contentType: ADAPTIVE_CARD, content: card } } } },
});

async function goalChoices(deps: BotDeps, user: TurnUser): Promise<Array<{ id: string; title: string }>> {
  const period = await deps.okr.periods.current(user.actor);
  const page = await deps.okr.objectives.list(user.actor, { limit: 100, periodId: period._id, state: "active" });
  return page.items.map((o) => ({ id: o._id, title: o.title }));
}

/** `askAboutGoal` opens: the form, with the message it was started from as the question. */
export async function askQuestionFetch(deps: BotDeps, user: TurnUser, value: Record<string, unknown>): Promise<InvokeResponse> {
  const payload = value.messagePayload as { body?: { content?: string } } | undefined;
  return taskContinue(askQuestionForm({ objectives: await goalChoices(deps, user), question: plainText(payload?.body?.content).slice(0, 2000) }));
}

/**
 * `askAboutGoal` submitted: the question becomes a comment on the objective (the owner sees it in
 * Pacer) and a card inserted into the compose box. A repeated invoke records the comment once.
 */
export async function askQuestionSubmit(deps: BotDeps, turn: Turn, user: TurnUser, value: Record<string, unknown>): Promise<InvokeResponse> {
  const data = (value.data ?? {}) as { objectiveId?: unknown; question?: unknown };
  const objectiveId = typeof data.objectiveId === "string" ? data.objectiveId : "";
  const question = typeof data.question === "string" ? data.question.trim().slice(0, 2000) : "";
  if (!objectiveId || !question) {
    return taskContinue(askQuestionForm({ objectives: await goalChoices(deps, user), question, selectedId: objectiveId, error: !objectiveId ? "Pick a goal." : "Write your question." }));
  }
  const objective = await deps.okr.objectives.get(user.actor, objectiveId).catch(() => null);
  if (!objective) return taskContinue(askQuestionForm({ objectives: await goalChoices(deps, user), question, error: "That goal no longer exists." }));
  const { tenantId } = user.caller;
  const key = `ask:${turn.activity.id ?? crypto.randomUUID()}`;
  if ((await deps.bots.claim(tenantId, key)) === "claimed") {
    try {
      const comment = await deps.okr.activity.comment(user.actor, "objective", objectiveId, { text: question });
      await deps.bots.finish(tenantId, key, { commentId: comment._id });
    } catch (error) {
      await deps.bots.release(tenantId, key).catch(() => undefined);
      const appError = appErrorOf(error);
      if (!appError || appError.status >= 500) throw error;
      return taskContinue(askQuestionForm({ objectives: await goalChoices(deps, user), question, selectedId: objectiveId, error: appError.message }));
    }
  }
  const card = questionCard({ askerName: user.caller.user.name, objectiveTitle: objective.title, question, url: tabLink(deps, "/my") });
  return result([{ contentType: ADAPTIVE_CARD, content: card, preview: preview(`Question: ${objective.title}`, question.slice(0, 100)) }]);
}
