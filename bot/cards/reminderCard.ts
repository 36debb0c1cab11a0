import type { Measurement } from "../../core/okr/model.js";
import { CHECK_IN_VERB } from "./checkInCard.js";
import { CARD_VERSION, MILESTONE_CHOICES, type Card, clip, expand, finishActions, fixNumberInputs, valueHint, valueText } from "./template.js";

/**
 * The check-in reminder: one card per person listing their key results that need a check-in,
 * each with its own inputs (`value_<n>`, `note_<n>`) and `Action.Execute` (verb `checkIn`, data
 * `field: "<n>"`). Every action also carries `reminder` (the listed key result ids) and `since`
 * (when the reminder was made), so the bot answers a check-in with this card again: checked-in
 * rows show their new value, the others keep their inputs. Inputs are not `isRequired`: Teams
 * validates every input of the card on any action, and the other rows may stay empty.
 */
export interface ReminderItem {
  keyResult: { id: string; title: string; version: number; measurement: Measurement; current: number | null };
  objectiveTitle: string;
  /** Set once checked in since the reminder: the row shows the value instead of the inputs. */
  done?: { valueText: string } | undefined;
  error?: string | undefined;
  inputs?: { value?: string | undefined; note?: string | undefined } | undefined;
}

export interface ReminderCardData {
  items: ReminderItem[];
  /** When the reminder was made (ms since epoch). */
  since: number;
  /** Teams id of the person, for automatic refresh. */
  userIds?: readonly string[] | undefined;
  tabUrl?: string | undefined;
}

/** Cards stay far under Teams' message size with this many rows. */
export const MAX_REMINDER_ITEMS = 15;

const template: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "Time to check in", weight: "Bolder", size: "Medium", wrap: true },
    { type: "TextBlock", text: "${intro}", wrap: true },
    {
      type: "Container",
      $data: "${items}",
      separator: true,
      items: [
        { type: "TextBlock", text: "${title}", weight: "Bolder", wrap: true },
        { type: "TextBlock", text: "${objectiveTitle} · now ${currentText}", isSubtle: true, wrap: true, spacing: "None" },
        { type: "TextBlock", text: "✓ Checked in: ${doneText}", color: "Good", wrap: true, $when: "${done}" },
        { type: "TextBlock", text: "${error}", color: "Attention", wrap: true, $when: "${error != ''}" },
        {
          type: "Input.ChoiceSet",
          id: "value_${field}",
          label: "Done?",
          value: "${value}",
          choices: MILESTONE_CHOICES,
          $when: "${!done && milestone}",
        },
        { type: "Input.Number", id: "value_${field}", label: "New value", placeholder: "${hint}", value: "${value}", $when: "${!done && !milestone}" },
        { type: "Input.Text", id: "note_${field}", placeholder: "Note (optional)", maxLength: 1000, value: "${note}", $when: "${!done}" },
        {
          type: "ActionSet",
          actions: [{ type: "Action.Execute", title: "Check in", verb: CHECK_IN_VERB, data: { keyResultId: "${id}", version: "${version}", field: "${field}" } }],
          $when: "${!done}",
        },
      ],
    },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Open in Pacer", url: "${tabUrl}", $when: "${tabUrl != ''}" }],
};

export function reminderCard(data: ReminderCardData): Card {
  const items = data.items.slice(0, MAX_REMINDER_ITEMS);
  const open = items.filter((item) => !item.done).length;
  const card = expand(template, {
    intro:
      open === 0
        ? "All done, thank you."
        : `${open === 1 ? "This key result has" : `These ${open} key results have`} no recent check-in.${data.items.length > items.length ? ` (${data.items.length - items.length} more in Pacer.)` : ""}`,
    tabUrl: data.tabUrl ?? "",
    items: items.map((item, index) => {
      const { keyResult } = item;
      const typed = item.inputs?.value ?? (keyResult.current === null ? "" : String(keyResult.current));
      return {
        field: String(index),
        id: keyResult.id,
        version: keyResult.version,
        title: clip(keyResult.title),
        objectiveTitle: clip(item.objectiveTitle, 120),
        currentText: valueText(keyResult.measurement, keyResult.current),
        done: Boolean(item.done),
        doneText: item.done?.valueText ?? "",
        error: item.error ?? "",
        milestone: keyResult.measurement.kind === "milestone",
        hint: valueHint(keyResult.measurement),
        value: typed,
        note: item.inputs?.note ?? "",
      };
    }),
  });
  fixNumberInputs(card.body);
  const reminder = items.map((item) => item.keyResult.id);
  return finishActions(card, { extraData: { reminder, since: data.since }, refresh: { data: { reminder, since: data.since }, userIds: data.userIds } });
}
