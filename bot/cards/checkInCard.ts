import type { Measurement, OkrStatus } from "../../core/okr/model.js";
import { CARD_VERSION, MILESTONE_CHOICES, type Card, clip, expand, finishActions, fixNumberInputs, valueHint, valueText } from "./template.js";

/**
 * The check-in form. Its `Action.Execute` (verb `checkIn`) sends `keyResultId` and `version` with
 * the inputs `value`, `status`, `note`; the bot answers with the updated card, or this card again
 * with `error` and the person's inputs kept.
 */
export interface CheckInCardData {
  keyResult: { id: string; title: string; version: number; measurement: Measurement; current: number | null };
  objectiveTitle: string;
  error?: string | undefined;
  /** What the person typed, kept when the card comes back with an error. */
  inputs?: { value?: string | undefined; status?: string | undefined; note?: string | undefined } | undefined;
}

export const CHECK_IN_VERB = "checkIn";
export const OPEN_CHECK_IN_VERB = "openCheckIn";

const statusChoices = [
  { title: "Work it out from progress", value: "auto" },
  { title: "On track", value: "on_track" },
  { title: "Behind", value: "behind" },
  { title: "At risk", value: "at_risk" },
];

const template: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "Check in", weight: "Bolder", size: "Medium" },
    { type: "TextBlock", text: "${title}", weight: "Bolder", wrap: true },
    { type: "TextBlock", text: "${objectiveTitle}", isSubtle: true, wrap: true, spacing: "None" },
    { type: "TextBlock", text: "Now: ${currentText}", wrap: true },
    { type: "TextBlock", text: "${error}", color: "Attention", wrap: true, $when: "${error != ''}" },
    {
      type: "Input.ChoiceSet",
      id: "value",
      label: "Done?",
      isRequired: true,
      errorMessage: "Choose done or not done",
      value: "${value}",
      choices: MILESTONE_CHOICES,
      $when: "${milestone}",
    },
    {
      type: "Input.Number",
      id: "value",
      label: "New value",
      placeholder: "${hint}",
      isRequired: true,
      errorMessage: "${hint}",
      value: "${numberValue}",
      $when: "${!milestone}",
    },
    { type: "Input.ChoiceSet", id: "status", label: "Status", value: "${status}", choices: statusChoices },
    { type: "Input.Text", id: "note", label: "Note", isMultiline: true, maxLength: 1000, value: "${note}" },
  ],
  actions: [{ type: "Action.Execute", title: "Check in", verb: CHECK_IN_VERB, data: { keyResultId: "${id}", version: "${version}" } }],
};

export function checkInCard(data: CheckInCardData): Card {
  const { keyResult } = data;
  const milestone = keyResult.measurement.kind === "milestone";
  const typed = data.inputs?.value ?? (keyResult.current === null ? "" : String(keyResult.current));
  const card = expand(template, {
    id: keyResult.id,
    version: keyResult.version,
    title: clip(keyResult.title),
    objectiveTitle: clip(data.objectiveTitle),
    currentText: valueText(keyResult.measurement, keyResult.current),
    error: data.error ?? "",
    milestone,
    hint: valueHint(keyResult.measurement),
    value: typed === "" ? "0" : typed,
    numberValue: typed,
    status: data.inputs?.status ?? "auto",
    note: data.inputs?.note ?? "",
  });
  // Templating turns every bound value into a string; the schema wants numbers for Input.Number and a number version.
  fixNumberInputs(card.body);
  return finishActions(card);
}

export interface PickKeyResultCardData {
  prompt: string;
  choices: Array<{ id: string; title: string }>;
}

const pickTemplate: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "${prompt}", wrap: true },
    { type: "Input.ChoiceSet", id: "keyResultId", label: "Key result", isRequired: true, errorMessage: "Pick a key result", choices: [{ $data: "${choices}", title: "${title}", value: "${id}" }] },
  ],
  actions: [{ type: "Action.Execute", title: "Check in", verb: OPEN_CHECK_IN_VERB }],
};

export function pickKeyResultCard(data: PickKeyResultCardData): Card {
  return finishActions(expand(pickTemplate, { prompt: data.prompt, choices: data.choices.slice(0, 50).map((c) => ({ id: c.id, title: clip(c.title, 120) })) }));
}
