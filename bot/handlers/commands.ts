/** The bot's commands (they match `commandLists` in appPackage/manifest.json). */
export type Command =
  | { name: "help" }
  | { name: "myOkrs" }
  | { name: "checkIn"; query: string }
  | { name: "subscribe"; query: string }
  | { name: "unsubscribe"; query: string }
  | { name: "unknown"; text: string };

/** Message text without `<at>…</at>` mentions, HTML entities and extra spaces (Teams sends mentions inline). */
export function plainText(text: string | undefined): string {
  return (text ?? "")
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/gi, " ")
    .replace(/&amp;/gi, "&")
    .replace(/&lt;/gi, "<")
    .replace(/&gt;/gi, ">")
    .replace(/\s+/g, " ")
    .trim();
}

export function parseCommand(text: string | undefined): Command {
  const plain = plainText(text);
  const lower = plain.toLowerCase().replace(/[.!?]+$/, "");
  if (lower === "" || lower === "help" || lower === "?" || lower === "hi" || lower === "hello") return { name: "help" };
  if (/^my (okrs?|goals)$/.test(lower)) return { name: "myOkrs" };
  const checkIn = /^check[ -]?in\b\s*(.*)$/i.exec(plain);
  if (checkIn) return { name: "checkIn", query: (checkIn[1] ?? "").trim() };
  const subscription = /^(un)?subscribe\b\s*(?:to\s+)?(.*)$/i.exec(plain.replace(/[.!?]+$/, ""));
  if (subscription) return { name: subscription[1] ? "unsubscribe" : "subscribe", query: (subscription[2] ?? "").trim() };
  return { name: "unknown", text: plain.slice(0, 100) };
}

export const isCommandText = (text: string | undefined) => parseCommand(text).name !== "unknown";
