import type { OkrStatus } from "../../core/okr/model.js";
import { CARD_VERSION, type Card, clip, expand, percentText, statusColor, statusText } from "./template.js";

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
}

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
    { type: "TextBlock", text: "“${note}”", wrap: true, $when: "${note != ''}" },
    { type: "TextBlock", text: "Checked in after the period ended.", isSubtle: true, wrap: true, $when: "${late}" },
    { type: "TextBlock", text: "Reply to this message to comment on the key result in Pacer.", isSubtle: true, wrap: true, size: "Small", $when: "${replies}" },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Open in Pacer", url: "${url}", $when: "${url != ''}" }],
};

export function progressCard(data: ProgressCardData): Card {
  return expand(template, {
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
