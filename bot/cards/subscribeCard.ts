import { CARD_VERSION, type Card, clip, expand, finishActions } from "./template.js";

/** Pick what a conversation follows: `Action.Execute` verb `subscribe` sends `target` (`organization`, `team:<id>`, `objective:<id>`). */
export const SUBSCRIBE_VERB = "subscribe";

export interface SubscribeCardData {
  prompt: string;
  choices: Array<{ value: string; title: string }>;
}

const template: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "${prompt}", wrap: true },
    { type: "Input.ChoiceSet", id: "target", label: "Progress cards for", isRequired: true, errorMessage: "Pick a team, an objective or the whole organisation", choices: [{ $data: "${choices}", title: "${title}", value: "${value}" }] },
  ],
  actions: [{ type: "Action.Execute", title: "Subscribe", verb: SUBSCRIBE_VERB }],
};

export function subscribeCard(data: SubscribeCardData): Card {
  return finishActions(expand(template, { prompt: data.prompt, choices: data.choices.slice(0, 100).map((c) => ({ value: c.value, title: clip(c.title, 120) })) }));
}
