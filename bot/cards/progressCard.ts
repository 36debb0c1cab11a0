import type { OkrStatus } from "../../core/okr/model.js";
import { OPEN_CHECK_IN_VERB } from "./checkInCard.js";
import { CARD_VERSION, type Card, clip, expand, finishActions, percentText, REFRESH_VERB, statusColor, statusText } from "./template.js";

/** A key result's progress: posted to subscribed conversations, shared from search, unfurled from links. */
export interface ProgressCardData {
  /** Heading, e.g. "Dana checked in" or "Key result". */
  heading: string;
  keyResultTitle: string;
  objectiveTitle: string;
  valueText: string;
  previousValueText?: string | undefined;
  progress: number;
  status: OkrStatus;
  note?: string | undefined;
  late?: boolean | undefined;
  url?: string | undefined;
  /** Channel cards invite replies, which become comments on the key result. */
  repliesBecomeComments?: boolean | undefined;
  /** Set on cards posted by the bot: adds **Check in** and **Refresh** (`Action.Execute`, with `Action.Submit` fallbacks). */
  keyResultId?: string | undefined;
  /** Teams ids that get an automatic refresh (≤ 60; needs `keyResultId`). */
  refreshUserIds?: readonly string[] | undefined;
}

/** A bar of 20 cells (Adaptive Cards 1.5 has no progress element; text renders everywhere). */
export const progressBar = (progress: number) => {
  const filled = Math.max(0, Math.min(20, Math.round(progress / 5)));
  return `${"█".repeat(filled)}${"░".repeat(20 - filled)}`;
};

const template: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "${heading}", isSubtle: true, wrap: true },
    { type: "TextBlock", text: "${keyResultTitle}", weight: "Bolder", size: "Medium", wrap: true, spacing: "Small" },
    { type: "TextBlock", text: "${objectiveTitle}", isSubtle: true, wrap: true, spacing: "None" },
    {
      type: "ColumnSet",
      columns: [
        { type: "Column", width: "auto", items: [{ type: "TextBlock", text: "${progressText}", size: "ExtraLarge", weight: "Bolder" }] },
        {
          type: "Column",
          width: "stretch",
          verticalContentAlignment: "Center",
          items: [
            { type: "TextBlock", text: "${statusText}", color: "${statusColor}", weight: "Bolder" },
            { type: "TextBlock", text: "${valueLine}", wrap: true, spacing: "None" },
          ],
        },
      ],
    },
    { type: "TextBlock", text: "${bar}", color: "${statusColor}", fontType: "Monospace", spacing: "Small" },
    { type: "TextBlock", text: "“${note}”", wrap: true, $when: "${note != ''}" },
    { type: "TextBlock", text: "Checked in after the period ended.", isSubtle: true, wrap: true, $when: "${late}" },
    { type: "TextBlock", text: "Reply to this message to comment on the key result in Pacer.", isSubtle: true, wrap: true, size: "Small", $when: "${replies}" },
  ],
  actions: [
    { type: "Action.Execute", title: "Check in", verb: OPEN_CHECK_IN_VERB, data: { keyResultId: "${keyResultId}" }, $when: "${keyResultId != ''}" },
    { type: "Action.Execute", title: "Refresh", verb: REFRESH_VERB, data: { keyResultId: "${keyResultId}" }, $when: "${keyResultId != ''}" },
    { type: "Action.OpenUrl", title: "Open in Pacer", url: "${url}", $when: "${url != ''}" },
  ],
};

export function progressCard(data: ProgressCardData): Card {
  const card = expand(template, {
    keyResultId: data.keyResultId ?? "",
    bar: progressBar(data.progress),
    heading: data.heading,
    keyResultTitle: clip(data.keyResultTitle),
    objectiveTitle: clip(data.objectiveTitle),
    progressText: percentText(data.progress),
    statusText: statusText(data.status),
    statusColor: statusColor[data.status],
    valueLine: data.previousValueText && data.previousValueText !== data.valueText ? `${data.previousValueText} → ${data.valueText}` : data.valueText,
    note: clip(data.note ?? "", 500),
    late: Boolean(data.late),
    replies: Boolean(data.repliesBecomeComments),
    url: data.url ?? "",
  });
  return data.keyResultId ? finishActions(card, { refresh: { data: { keyResultIds: [data.keyResultId] }, userIds: data.refreshUserIds } }) : card;
}

/** Several key results changed together (one sync run): one card per conversation. */
export interface ProgressDigestData {
  heading: string;
  items: Array<Omit<ProgressCardData, "heading" | "repliesBecomeComments" | "refreshUserIds" | "late"> & { keyResultId: string; sourceText: string }>;
  refreshUserIds?: readonly string[] | undefined;
  repliesBecomeComments?: boolean | undefined;
}

/** Rows kept in one digest card (the rest is counted), far under Teams' message size. */
export const MAX_DIGEST_ITEMS = 20;

const digestTemplate: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "${heading}", weight: "Bolder", wrap: true },
    {
      type: "Container",
      $data: "${items}",
      separator: true,
      items: [
        {
          type: "ColumnSet",
          columns: [
            {
              type: "Column",
              width: "stretch",
              items: [
                { type: "TextBlock", text: "${keyResultTitle}", weight: "Bolder", wrap: true },
                { type: "TextBlock", text: "${objectiveTitle} · ${sourceText}", isSubtle: true, wrap: true, spacing: "None" },
              ],
            },
            {
              type: "Column",
              width: "auto",
              items: [
                { type: "TextBlock", text: "${progressText} · ${statusText}", color: "${statusColor}", weight: "Bolder", horizontalAlignment: "Right" },
                { type: "TextBlock", text: "${valueLine}", wrap: true, spacing: "None", horizontalAlignment: "Right" },
              ],
            },
          ],
        },
        { type: "TextBlock", text: "${bar}", color: "${statusColor}", fontType: "Monospace", spacing: "None" },
        {
          type: "ActionSet",
          actions: [
            { type: "Action.Execute", title: "Check in", verb: OPEN_CHECK_IN_VERB, data: { keyResultId: "${keyResultId}" } },
            { type: "Action.OpenUrl", title: "Open in Pacer", url: "${url}", $when: "${url != ''}" },
          ],
        },
      ],
    },
    { type: "TextBlock", text: "${more}", isSubtle: true, wrap: true, $when: "${more != ''}" },
    { type: "TextBlock", text: "Reply to this message to comment on the objective in Pacer.", isSubtle: true, wrap: true, size: "Small", $when: "${replies}" },
  ],
  actions: [{ type: "Action.Execute", title: "Refresh", verb: REFRESH_VERB, data: {} }],
};

export function progressDigestCard(data: ProgressDigestData): Card {
  const items = data.items.slice(0, MAX_DIGEST_ITEMS);
  const card = expand(digestTemplate, {
    heading: data.heading,
    more: data.items.length > items.length ? `…and ${data.items.length - items.length} more key results changed.` : "",
    replies: Boolean(data.repliesBecomeComments),
    items: items.map((item) => ({
      keyResultId: item.keyResultId,
      keyResultTitle: clip(item.keyResultTitle, 150),
      objectiveTitle: clip(item.objectiveTitle, 100),
      sourceText: item.sourceText,
      progressText: percentText(item.progress),
      statusText: statusText(item.status),
      statusColor: statusColor[item.status],
      bar: progressBar(item.progress),
      valueLine: item.previousValueText && item.previousValueText !== item.valueText ? `${item.previousValueText} → ${item.valueText}` : item.valueText,
      url: item.url ?? "",
    })),
  });
  const keyResultIds = items.map((item) => item.keyResultId);
  (card.actions as Array<{ data: Record<string, unknown> }>)[0]!.data = { keyResultIds };
  return finishActions(card, { refresh: { data: { keyResultIds }, userIds: data.refreshUserIds } });
}

/** An objective as a card (message-extension results). */
export interface ObjectiveCardData {
  title: string;
  periodName: string;
  ownerName: string;
  progress: number;
  status: OkrStatus;
  keyResults: Array<{ title: string; progress: number }>;
  url?: string | undefined;
}

const objectiveTemplate: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "Objective · ${periodName} · ${ownerName}", isSubtle: true, wrap: true },
    { type: "TextBlock", text: "${title}", weight: "Bolder", size: "Medium", wrap: true, spacing: "Small" },
    { type: "TextBlock", text: "${progressText} · ${statusText}", color: "${statusColor}", weight: "Bolder" },
    { type: "FactSet", facts: [{ $data: "${keyResults}", title: "${progressText}", value: "${title}" }] },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Open in Pacer", url: "${url}", $when: "${url != ''}" }],
};

export function objectiveCard(data: ObjectiveCardData): Card {
  return expand(objectiveTemplate, {
    title: clip(data.title),
    periodName: data.periodName,
    ownerName: data.ownerName,
    progressText: percentText(data.progress),
    statusText: statusText(data.status),
    statusColor: statusColor[data.status],
    keyResults: data.keyResults.slice(0, 10).map((kr) => ({ title: clip(kr.title, 120), progressText: percentText(kr.progress) })),
    url: data.url ?? "",
  });
}

/** A short notice card (errors and confirmations in place of a card the person acted on). */
export function noticeCard(title: string, text: string): Card {
  return expand(
    {
      type: "AdaptiveCard",
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      version: CARD_VERSION,
      body: [
        { type: "TextBlock", text: "${title}", weight: "Bolder", wrap: true },
        { type: "TextBlock", text: "${text}", wrap: true },
      ],
    },
    { title, text },
  );
}
