/**
 * A small strict XML reader for tests (elements, attributes, text; no DTDs): enough to check a
 * CSDL document's structure without an XML dependency. Throws on anything malformed, including
 * mismatched tags, duplicate attributes and unescaped `<` or `&`.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  return text.replace(/&([^;]*);|&/g, (match, entity: string | undefined) => {
    if (entity === undefined || !(entity in ENTITIES)) throw new Error(`bad entity ${match} near ${at}`);
    return ENTITIES[entity]!;
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
  };
  if (text.startsWith("<?xml")) {
    const end = text.indexOf("?>");
    if (end < 0) throw new Error("unterminated XML declaration");
    i = end + 2;
  }
  const element = (): XmlElement => {
    if (text[i] !== "<") throw new Error(`expected '<' at ${i}`);
    i += 1;
    const name = NAME.exec(text.slice(i))?.[0];
    if (!name) throw new Error(`expected an element name at ${i}`);
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (text.startsWith("/>", i)) {
        i += 2;
        return { name, attributes, children: [] };
      }
      if (text[i] === ">") {
        i += 1;
        break;
      }
      const attribute = NAME.exec(text.slice(i))?.[0];
      if (!attribute) throw new Error(`expected an attribute at ${i}`);
      i += attribute.length;
      if (text[i] !== "=" || text[i + 1] !== '"') throw new Error(`expected ="…" after ${attribute} at ${i}`);
      const end = text.indexOf('"', i + 2);
      if (end < 0) throw new Error("unterminated attribute value");
      const raw = text.slice(i + 2, end);
      if (raw.includes("<")) throw new Error(`'<' in attribute ${attribute}`);
      if (attribute in attributes) throw new Error(`duplicate attribute ${attribute} on ${name}`);
      attributes[attribute] = decode(raw, i);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    for (;;) {
      const next = text.indexOf("<", i);
      if (next < 0) throw new Error(`unclosed <${name}>`);
      const between = text.slice(i, next);
      if (between.trim()) decode(between, i);
      i = next;
      if (text.startsWith("</", i)) {
        const close = `</${name}>`;
        if (!text.startsWith(close, i)) throw new Error(`mismatched closing tag at ${i}, expected ${close}`);
        i += close.length;
        return { name, attributes, children };
      }
      children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== text.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

export const childrenNamed = (element: XmlElement, name: string) => element.children.filter((c) => c.name === name);
