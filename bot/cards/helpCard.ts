import { CARD_VERSION, type Card, expand } from "./template.js";

export interface HelpCardData {
  /** Set on first install: a greeting instead of the plain help. */
  welcome: boolean;
  /** Set when the person typed something Pacer did not understand. */
  notUnderstood?: string | undefined;
  /** Channels and group chats: commands need an @mention there. */
  group: boolean;
  tabUrl?: string | undefined;
}

const commands = [
  { command: "my okrs", text: "your objectives and key results with their progress" },
  { command: "check in", text: "update a key result (add words from its title to pick one)" },
  { command: "subscribe [team, objective or all]", text: "post progress cards here for a team's or an objective's OKRs (or every check-in)" },
  { command: "unsubscribe [words]", text: "stop progress cards here (all, or the matching ones)" },
  { command: "help", text: "this list" },
];

const template: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "Welcome to Pacer", weight: "Bolder", size: "Medium", wrap: true, $when: "${welcome}" },
    { type: "TextBlock", text: "${notUnderstood}", wrap: true, $when: "${notUnderstood != ''}" },
    { type: "TextBlock", text: "Pacer keeps your OKRs in Teams. Here is what you can ask${groupHint}:", wrap: true },
    {
      type: "FactSet",
      facts: [{ $data: "${commands}", title: "${command}", value: "${text}" }],
    },
    { type: "TextBlock", text: "Reply in the thread of a progress card to comment on that key result.", wrap: true, isSubtle: true, $when: "${group}" },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Open Pacer", url: "${tabUrl}", $when: "${tabUrl != ''}" }],
};

export function helpCard(data: HelpCardData): Card {
  return expand(template, {
    welcome: data.welcome,
    notUnderstood: data.notUnderstood ? `Sorry, I did not understand “${data.notUnderstood}”.` : "",
    groupHint: data.group ? " (mention @Pacer first)" : "",
    group: data.group,
    commands,
    tabUrl: data.tabUrl ?? "",
  });
}
