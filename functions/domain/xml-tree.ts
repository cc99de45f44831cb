/**
 * A read XML document as plain data: what the message mappers (henvisning.ts) work on, so they can
 * be tested without an XML library, and no node of a parser's own memory outlives the read.
 */

/** The schemas a message is validated against, by its root element's namespace. */
export type MessageSchema = "msghead" | "henvisning-1.1" | "henvisning-1.0" | "apprec-1.1";

/** What reading a message's text came to (functions/adapters/xml.ts `readXml`). */
export type ReadXml =
  /** Not XML, not well-formed, or not readable as text (AppRec T01). */
  | { kind: "not-xml" }
  /**
   * More markup than any referral has (a referral has hundreds of elements; its attachments are
   * base64 text): not parsed, so a hostile document cannot keep the function busy past its timeout.
   */
  | { kind: "too-complex"; limit: number }
  /**
   * A well-formed document: its tree, the schema it was validated against (none for a root Frist
   * does not take) and what the validation found, as line and element, never a value.
   */
  | { kind: "xml"; root: XmlTree; schema: MessageSchema | undefined; problems: string[] };

/** An element: its local name, namespace, attributes by local name, child elements and own text. */
export interface XmlTree {
  name: string;
  /** The namespace URI ("" for none). */
  ns: string;
  attrs: Readonly<Record<string, string>>;
  children: readonly XmlTree[];
  /** The element's own text and CDATA, concatenated (not its children's). */
  text: string;
}

/** The first child named `name` (any namespace), following the path of names given. */
export function child(node: XmlTree | undefined, ...path: string[]): XmlTree | undefined {
  let current = node;
  for (const name of path) {
    current = current?.children.find((c) => c.name === name);
    if (!current) return undefined;
  }
  return current;
}

/** Every child named `name` at the end of `path` (any namespace). */
export function children(node: XmlTree | undefined, ...path: string[]): XmlTree[] {
  const last = path.at(-1);
  if (!node || last === undefined) return [];
  const parent = path.length > 1 ? child(node, ...path.slice(0, -1)) : node;
  return parent ? parent.children.filter((c) => c.name === last) : [];
}

/**
 * The text of the element at `path`, each line trimmed (the indentation of the XML around it is not
 * the sender's text), or undefined when it is absent or empty.
 */
export function textAt(node: XmlTree | undefined, ...path: string[]): string | undefined {
  const found = path.length > 0 ? child(node, ...path) : node;
  const value = found?.text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .join("\n")
    .trim();
  return value ? value : undefined;
}

/** The attribute `attr` of the element at `path` (a code's `V`, say), trimmed, or undefined. */
export function attrAt(node: XmlTree | undefined, attr: string, ...path: string[]): string | undefined {
  const found = path.length > 0 ? child(node, ...path) : node;
  const value = found?.attrs[attr]?.trim();
  return value ? value : undefined;
}
