/**
 * JSON.parse that keeps numbers a double cannot hold exactly: Kusto sends `long` values and
 * Salesforce sends currency aggregates as bare JSON numbers, and JSON.parse would round
 * 9007199254740993 to ...992. Number tokens with more
 * than 15 significant digits are turned into strings (same digits) before parsing; the result
 * checks (sync/connectors/exactNumber.ts) read such strings exactly.
 */
export function parseJsonKeepingDigits(text: string): unknown {
  let out = "";
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i += 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const start = i;
      i += 1;
      while (i < text.length && /[0-9eE+.-]/.test(text[i]!)) i += 1;
      const token = text.slice(start, i);
      if (token.replace(/[-+.]|[eE].*$/g, "").replace(/^0+/, "").length > 15) {
        out += `${text.slice(last, start)}"${token}"`;
        last = i;
      }
    } else i += 1;
  }
  return JSON.parse(out + text.slice(last));
}
