/**
 * A Henvisning's attachments (vedlegg): the pdf, jpg and png documents a referral carries as base64
 * in its message (HIS 1036: extra `MsgHead/Document`s with `RefDoc/MsgType` A; in Henvisning 1.x
 * `ServReq/RefDoc`). HIS 1207 §5.1.2 says a receiving system must take pdf, jpg and png, and HITS 1168
 * that an attachment format it does not take is answered with a negative AppRec: so a message with
 * any other attachment is rejected as a whole (X99, naming the attachment by its number), never
 * received with the attachment dropped, which its sender would never learn of. The content is stored
 * beside the table (an AttachmentStore); the referral keeps only what describes it.
 */
import { createHash } from "node:crypto";
import type { AppRecError } from "./apprec";
import { child, textAt, type XmlTree } from "./xml-tree";

/** The MIME types Frist takes, each with the bytes its files start with. */
export const ATTACHMENT_TYPES = {
  "application/pdf": { label: "PDF", extension: "pdf", magic: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
  "image/jpeg": { label: "JPEG", extension: "jpg", magic: [[0xff, 0xd8, 0xff]] },
  "image/png": {
    label: "PNG",
    extension: "png",
    magic: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  },
} as const;

export type AttachmentMimeType = keyof typeof ATTACHMENT_TYPES;

/**
 * The largest attachment, decoded: 3 MiB. A message is 4 MiB at most (handlers/receive-message.ts:
 * it reaches the function base64-encoded, under Lambda's 6 MB request), and in it an attachment is
 * base64 too (4/3 larger); the download carries it base64-encoded in a 6 MB Lambda response.
 */
export const MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024;

/** More attachments than any referral has; the message's own size limit holds their bytes. */
export const MAX_ATTACHMENTS = 20;

/** What describes a stored attachment, as the referral records it (never its content). */
export interface AttachmentDescription {
  /** Its number in the message, from 1 (the `n` of `GET /tasks/{taskId}/attachments/{n}`). */
  n: number;
  /** The sender's description (`RefDoc/Description`), else "Vedlegg n". */
  name: string;
  mimeType: AttachmentMimeType;
  /** Bytes, decoded. */
  size: number;
  /** SHA-256 of the content, hex: the stored object is checked against it. */
  sha256: string;
}

/** An attachment as recorded on the referral: its description and where its content is stored. */
export interface AttachmentRecord extends AttachmentDescription {
  /** The object key in the attachment store ({@link attachmentKey}). */
  key: string;
}

/** An attachment read from a message: its description and its content. */
export interface ReceivedAttachment extends AttachmentDescription {
  content: Uint8Array;
}

/** Where attachment `n` of a referral is stored: one key per referral and number, so a retry overwrites nothing new. */
export function attachmentKey(referralId: string, n: number): string {
  return `referrals/${referralId}/attachments/${n}`;
}

/**
 * The referral's record of each attachment, keyed under its id. A later message's attachments
 * (a change's) are numbered after the `before` the referral has, so each keeps its own number and key.
 */
export function attachmentRecords(
  referralId: string,
  attachments: readonly AttachmentDescription[],
  before = 0,
): AttachmentRecord[] {
  return attachments.map(({ n, name, mimeType, size, sha256 }) => ({
    n: before + n,
    name,
    mimeType,
    size,
    sha256,
    key: attachmentKey(referralId, before + n),
  }));
}

/** What describes each attachment read from a message (its content left out). */
export function describedAttachments(attachments: readonly ReceivedAttachment[]): AttachmentDescription[] {
  return attachments.map(({ content: _content, ...description }) => description);
}

/**
 * Whether whitespace-free text is base64 (xs:base64Binary): its alphabet, whole quads, padding only
 * at the end. Checked without a regular expression over the whole text, which on megabytes of
 * base64 overflows the stack.
 */
function isBase64(text: string): boolean {
  if (text.length % 4 !== 0 || /[^A-Za-z0-9+/=]/.test(text)) return false;
  const padding = text.indexOf("=");
  return padding < 0 || (padding >= text.length - 2 && /^=+$/.test(text.slice(padding)));
}

/** The bytes base64 text decodes to, from its length. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

function startsWith(content: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((byte, i) => content[i] === byte);
}

/**
 * Reads the attachments of a message, each a `RefDoc` (in document order), into their content and
 * description, or the AppRec errors that reject the message: a type other than pdf, jpg or png, a
 * reference to a file elsewhere, compressed or missing content, content that is not base64 or not
 * what its type says, one over {@link MAX_ATTACHMENT_BYTES}, or more than {@link MAX_ATTACHMENTS}.
 * Errors name the attachment by its number, never by anything it says.
 */
export function readAttachments(
  refDocs: readonly (XmlTree | undefined)[],
): { ok: true; attachments: ReceivedAttachment[] } | { ok: false; errors: AppRecError[] } {
  if (refDocs.length > MAX_ATTACHMENTS) {
    return {
      ok: false,
      errors: [{ code: "X99", detail: `Meldingen har mer enn ${MAX_ATTACHMENTS} vedlegg` }],
    };
  }
  const attachments: ReceivedAttachment[] = [];
  const errors: AppRecError[] = [];
  refDocs.forEach((refDoc, i) => {
    const n = i + 1;
    const read = readAttachment(refDoc, n);
    if ("error" in read) errors.push(read.error);
    else attachments.push(read);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, attachments };
}

const ACCEPTED = "Frist tar imot vedlegg i PDF, JPEG og PNG";

function readAttachment(refDoc: XmlTree | undefined, n: number): ReceivedAttachment | { error: AppRecError } {
  const fail = (what: string, code: AppRecError["code"] = "X99") => ({
    error: { code, detail: `Vedlegg ${n}: ${what}` },
  });
  const mimeType = textAt(refDoc, "MimeType")?.toLowerCase();
  if (!mimeType || !(mimeType in ATTACHMENT_TYPES)) {
    return fail(`${mimeType ? "typen" : "MimeType mangler, og typen"} tas ikke imot; ${ACCEPTED}`);
  }
  const type = ATTACHMENT_TYPES[mimeType as AttachmentMimeType];
  if (child(refDoc, "FileReference")) return fail("en referanse til en fil utenfor meldingen tas ikke imot");
  if (child(refDoc, "Compression")) return fail("komprimert innhold tas ikke imot");
  const container = child(refDoc, "Content", "Base64Container");
  const base64 = container?.text.replace(/\s+/g, "") ?? "";
  if (!base64) return fail("innholdet mangler (Content/Base64Container)");
  if (!isBase64(base64)) return fail("innholdet er ikke gyldig base64", "T02");
  // Checked by length: no decoding of what is too large to take anyway.
  if (decodedLength(base64) > MAX_ATTACHMENT_BYTES) {
    return fail(`større enn ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MiB`);
  }
  const content = Buffer.from(base64, "base64");
  if (!type.magic.some((magic) => startsWith(content, magic))) {
    return fail(`innholdet er ikke ${type.label}, som MimeType sier`);
  }
  return {
    n,
    name: textAt(refDoc, "Description") ?? textAt(refDoc, "Id") ?? `Vedlegg ${n}`,
    mimeType: mimeType as AttachmentMimeType,
    size: content.length,
    sha256: createHash("sha256").update(content).digest("hex"),
    content: new Uint8Array(content.buffer, content.byteOffset, content.length),
  };
}

/**
 * A file name for the download's Content-Disposition: the description in ASCII letters, digits and
 * dashes (a header carries no quotes, line breaks or path), and the type's extension.
 */
export function attachmentFileName(
  attachment: Pick<AttachmentDescription, "n" | "name" | "mimeType">,
): string {
  const stem = attachment.name
    .replace(/[æÆ]/g, "ae")
    .replace(/[øØ]/g, "o")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${stem || `vedlegg-${attachment.n}`}.${ATTACHMENT_TYPES[attachment.mimeType].extension}`;
}
