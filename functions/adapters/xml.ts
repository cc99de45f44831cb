/**
 * Reads an incoming message with libxml2 (libxml2-wasm: the same parser and XSD validator as
 * xmllint, compiled to WebAssembly, so a bundle needs no native code and no files beside it):
 * well-formedness, then validation against the official schema of what the root element says it is,
 * then the document as plain data (domain/xml-tree.ts).
 *
 * The schemas are the official XSDs, inlined into xml-schemas.generated.ts; their imports (relative
 * names, or the publishers' URLs) are served from there by file name, never fetched.
 */
import {
  closeBuffer,
  openBuffer,
  ParseOption,
  readBuffer,
  XmlCData,
  XmlDocument,
  XmlElement,
  XmlText,
  XsdValidator,
  xmlRegisterInputProvider,
} from "libxml2-wasm";
import type { MessageSchema, ReadXml, XmlTree } from "../domain/xml-tree";
import { XSD_FILES } from "./xml-schemas.generated";

/** The namespaces of the messages Frist reads, by what they are. */
export const NAMESPACES = {
  msgHead: "http://www.kith.no/xmlstds/msghead/2006-05-24",
  henvisning20: "http://ehelse.no/xmlstds/henvisning/2017-11-30",
  henvisning11: "http://www.kith.no/xmlstds/henvisning/2012-02-15",
  henvisning10: "http://www.kith.no/xmlstds/henvisning/2005-07-08",
  appRec11: "http://www.kith.no/xmlstds/apprec/2012-02-15",
  dialog11: "http://www.kith.no/xmlstds/dialog/2013-01-23",
  base64Container: "http://www.kith.no/xmlstds/base64container",
} as const;

const SCHEMA_BASE = "/frist-xsd/";
/** The publishers' own addresses that the official schemas import from. */
const PUBLISHED = ["http://www.kith.no/xmlstds/", "http://www.w3.org/TR/xmldsig-core/"];

/**
 * The inlined schema a name refers to, when it is one of ours: by file name, under a local path (our
 * base, or where a schema's relative import such as `../../felleskomponenter/kith.xsd` leads from it)
 * or the publishers' addresses.
 */
function schemaFileOf(filename: string): Uint8Array | undefined {
  if (!filename.startsWith("/") && !PUBLISHED.some((base) => filename.startsWith(base))) {
    return undefined;
  }
  const name = filename.slice(filename.lastIndexOf("/") + 1);
  const file = XSD_FILES[name];
  return file === undefined ? undefined : Buffer.from(file, "base64");
}

let providerRegistered = false;
function registerSchemaProvider(): void {
  if (providerRegistered) return;
  providerRegistered = xmlRegisterInputProvider({
    match: (filename) => schemaFileOf(filename) !== undefined,
    open: (filename) => {
      const file = schemaFileOf(filename);
      return file === undefined ? undefined : openBuffer(file);
    },
    read: readBuffer,
    close: (fd) => {
      closeBuffer(fd);
      return true;
    },
  });
}

/**
 * The schema documents to build a validator from. MsgHead's `Content` is validated strictly, so the
 * envelope's schema brings the payloads it may carry: Henvisning 2.0, Dialogmelding 1.1 (Status på
 * henvisning, going out) and attachments' base64 container.
 */
const SCHEMA_SOURCES: Record<MessageSchema, string> = {
  msghead: `<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema">
  <import namespace="${NAMESPACES.msgHead}" schemaLocation="MsgHead-v1_2.xsd"/>
  <import namespace="${NAMESPACES.henvisning20}" schemaLocation="Henvisning-v2.0.xsd"/>
  <import namespace="${NAMESPACES.dialog11}" schemaLocation="dialogmelding-v1.1.xsd"/>
  <import namespace="${NAMESPACES.base64Container}" schemaLocation="kith-base64.xsd"/>
</schema>`,
  "henvisning-1.1": "Henvisning-v1.1.xsd",
  "henvisning-1.0": "Henvisning-v1.0.xsd",
  "apprec-1.1": "AppRec-v1.1.xsd",
};

const validators = new Map<MessageSchema, XsdValidator>();

/** The validator of a schema, built once per execution environment (a few hundred ms the first time). */
function validatorOf(schema: MessageSchema): XsdValidator {
  const built = validators.get(schema);
  if (built) return built;
  registerSchemaProvider();
  const source = SCHEMA_SOURCES[schema];
  const url = `${SCHEMA_BASE}${source.endsWith(".xsd") ? source : `${schema}.xsd`}`;
  const text = source.endsWith(".xsd") ? Buffer.from(XSD_FILES[source] ?? "", "base64") : Buffer.from(source);
  const doc = XmlDocument.fromBuffer(text, { url, option: ParseOption.XML_PARSE_NONET });
  try {
    const validator = XsdValidator.fromDoc(doc);
    validators.set(schema, validator);
    return validator;
  } finally {
    doc.dispose();
  }
}

/** The schema for a root element's namespace, or undefined for a document Frist does not take. */
export function schemaForRoot(ns: string): MessageSchema | undefined {
  switch (ns) {
    case NAMESPACES.msgHead:
      return "msghead";
    case NAMESPACES.henvisning11:
      return "henvisning-1.1";
    case NAMESPACES.henvisning10:
      return "henvisning-1.0";
    case NAMESPACES.appRec11:
      return "apprec-1.1";
    default:
      return undefined;
  }
}

/**
 * How incoming text is parsed: no network, no external entities or DTDs loaded, no entity
 * substitution (an entity bomb or an external reference stays unexpanded), errors collected rather
 * than printed.
 */
const UNTRUSTED =
  ParseOption.XML_PARSE_NONET |
  ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_NOERROR |
  ParseOption.XML_PARSE_NOWARNING;

/**
 * Reads `text` (the body as received, already decoded to text): see {@link ReadXml}. The text is
 * parsed as the Unicode it already is, whatever encoding its declaration names (a message declared
 * ISO-8859-1 arrives decoded like any other).
 */
export function readXml(text: string): ReadXml {
  if (markupCount(text) > MAX_MARKUP) return { kind: "too-complex", limit: MAX_MARKUP };
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(text, {
      option: UNTRUSTED | ParseOption.XML_PARSE_IGNORE_ENC,
      encoding: "utf-8",
    });
  } catch {
    return { kind: "not-xml" };
  }
  try {
    const root = doc.root;
    const schema = schemaForRoot(root.namespaceUri ?? "");
    const problems = schema ? validationProblems(validatorOf(schema), doc) : [];
    return { kind: "xml", root: treeOf(root), schema, problems };
  } finally {
    doc.dispose();
  }
}

/**
 * The most tags (and comments, declarations) a message may hold: a referral has hundreds, and
 * 50 000 is read and validated in well under a second, where a few megabytes of empty elements
 * would take the function past its timeout.
 */
export const MAX_MARKUP = 50_000;

/** How many `<` the text holds, stopping once past the limit. */
function markupCount(text: string): number {
  let count = 0;
  for (let at = text.indexOf("<"); at >= 0 && count <= MAX_MARKUP; at = text.indexOf("<", at + 1)) count += 1;
  return count;
}

/** At most this many problems are reported: a sender needs the first few to find what is wrong. */
const MAX_PROBLEMS = 5;

/**
 * What the validator found, as "line N: element X" only: libxml2's messages quote the values they
 * reject, and a value may be a patient's name or national ID.
 */
function validationProblems(validator: XsdValidator, doc: XmlDocument): string[] {
  try {
    validator.validate(doc);
    return [];
  } catch (error) {
    const details = (error as { details?: { message?: string; line?: number }[] }).details ?? [];
    const problems = details.slice(0, MAX_PROBLEMS).map((detail) => {
      const element = /^Element '(?:\{[^}]*\})?([\w.-]+)'/.exec(detail.message ?? "")?.[1];
      return `line ${detail.line ?? "?"}${element ? `: element ${element}` : ""}`;
    });
    return problems.length > 0 ? problems : ["the document does not validate"];
  }
}

/** The element as plain data. */
function treeOf(element: XmlElement): XmlTree {
  const attrs: Record<string, string> = {};
  for (const attr of element.attrs) attrs[attr.name] = attr.value;
  const kids: XmlTree[] = [];
  let text = "";
  for (let node = element.firstChild; node; node = node.next) {
    if (node instanceof XmlElement) kids.push(treeOf(node));
    else if (node instanceof XmlText || node instanceof XmlCData) text += node.content;
  }
  return { name: element.name, ns: element.namespaceUri ?? "", attrs, children: kids, text };
}

/** Whether `xml` validates against `schema`, and the problems found (for tests and outgoing messages). */
export function validateXml(xml: string, schema: MessageSchema): string[] {
  const read = readXml(xml);
  if (read.kind !== "xml") return [read.kind];
  if (read.schema !== schema) return [`the root is not of ${schema}`];
  return read.problems;
}
