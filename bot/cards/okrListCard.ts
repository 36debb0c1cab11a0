import type { OkrStatus } from "../../core/okr/model.js";
import { CARD_VERSION, type Card, clip, expand, percentText, statusColor, statusText } from "./template.js";

export interface OkrListCardData {
  periodName: string;
  objectives: Array<{
    title: string;
    progress: number;
    status: OkrStatus;
    keyResults: Array<{ title: string; progress: number; status: OkrStatus; valueText: string }>;
  }>;
  tabUrl?: string | undefined;
}

const template: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "Your OKRs, ${periodName}", weight: "Bolder", size: "Medium", wrap: true },
    { type: "TextBlock", text: "You own no objectives or key results in this period yet.", wrap: true, $when: "${count(objectives) == 0}" },
    {
      type: "Container",
      $data: "${objectives}",
      separator: true,
      items: [
        {
          type: "ColumnSet",
          columns: [
            { type: "Column", width: "stretch", items: [{ type: "TextBlock", text: "${title}", weight: "Bolder", wrap: true }] },
            { type: "Column", width: "auto", items: [{ type: "TextBlock", text: "${progressText} · ${statusText}", color: "${statusColor}" }] },
          ],
        },
        {
          type: "FactSet",
          facts: [{ $data: "${keyResults}", title: "${progressText}", value: "${title} (${valueText}, ${statusText})" }],
        },
      ],
    },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Open in Pacer", url: "${tabUrl}", $when: "${tabUrl != ''}" }],
  msteams: { width: "Full" },
};

export function okrListCard(data: OkrListCardData): Card {
  return expand(template, {
    periodName: data.periodName,
    tabUrl: data.tabUrl ?? "",
    objectives: data.objectives.slice(0, 20).map((o) => ({
      title: clip(o.title),
      progressText: percentText(o.progress),
      statusText: statusText(o.status),
      statusColor: statusColor[o.status],
      keyResults: o.keyResults.map((kr) => ({ title: clip(kr.title), progressText: percentText(kr.progress), statusText: statusText(kr.status), valueText: kr.valueText })),
    })),
  });
}
