import { CARD_VERSION, type Card, clip, expand } from "./template.js";

/** The task-module form of "Ask a question about this goal": pick an objective, write the question. */
export interface AskQuestionFormData {
  objectives: Array<{ id: string; title: string }>;
  question: string;
  selectedId?: string | undefined;
  error?: string | undefined;
}

const formTemplate: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "${error}", color: "Attention", wrap: true, $when: "${error != ''}" },
    {
      type: "Input.ChoiceSet",
      id: "objectiveId",
      label: "Goal",
      style: "filtered",
      isRequired: true,
      errorMessage: "Pick a goal",
      value: "${selectedId}",
      choices: [{ $data: "${objectives}", title: "${title}", value: "${id}" }],
    },
    { type: "Input.Text", id: "question", label: "Question", isMultiline: true, isRequired: true, maxLength: 2000, errorMessage: "Write your question", value: "${question}" },
  ],
  actions: [{ type: "Action.Submit", title: "Ask" }],
};

export function askQuestionForm(data: AskQuestionFormData): Card {
  return expand(formTemplate, {
    error: data.error ?? "",
    selectedId: data.selectedId ?? "",
    question: data.question,
    objectives: data.objectives.slice(0, 100).map((o) => ({ id: o.id, title: clip(o.title, 120) })),
  });
}

/** The question as posted into the conversation; it is also a comment on the objective in Pacer. */
export interface QuestionCardData {
  askerName: string;
  objectiveTitle: string;
  question: string;
  url?: string | undefined;
}

const questionTemplate: Card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: CARD_VERSION,
  body: [
    { type: "TextBlock", text: "${askerName} asks about", isSubtle: true, wrap: true },
    { type: "TextBlock", text: "${objectiveTitle}", weight: "Bolder", wrap: true, spacing: "None" },
    { type: "TextBlock", text: "${question}", wrap: true },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Answer in Pacer", url: "${url}", $when: "${url != ''}" }],
};

export function questionCard(data: QuestionCardData): Card {
  return expand(questionTemplate, { askerName: data.askerName, objectiveTitle: clip(data.objectiveTitle), question: clip(data.question, 2000), url: data.url ?? "" });
}
