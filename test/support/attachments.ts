/**
 * Henvisning messages with attachments, for tests: a public sample with `Document`s added as HIS 1036
 * writes them, and small files of each type Frist takes.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The public Henvisning 2.0 sample (a new referral, no attachment). */
export const NY_20_SAMPLE = fileURLToPath(
  new URL(
    "../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml",
    import.meta.url,
  ),
);

/** One attachment as a message carries it. */
export interface MessageAttachment {
  mimeType?: string;
  description?: string;
  /** The base64 text as written (default: `content` encoded). */
  base64?: string;
  content?: Uint8Array;
  /** Extra RefDoc elements after Description (Compression, say). */
  extra?: string;
}

/** A small PDF (a real one: one empty page), with `marker` in it so two files differ. */
export function pdfBytes(marker = "Frist"): Uint8Array {
  const body = [
    "%PDF-1.4",
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj",
    `% ${marker}`,
    "trailer << /Root 1 0 R >>",
    "%%EOF",
  ].join("\n");
  return new Uint8Array(Buffer.from(body, "latin1"));
}

/** The first bytes of a JPEG and of a PNG, then `rest`: what the type check reads. */
export const jpegBytes = (rest: number[] = [0xe0, 0, 16]) => new Uint8Array([0xff, 0xd8, 0xff, ...rest]);
export const pngBytes = (rest: number[] = [0, 0, 0, 13]) =>
  new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...rest]);

/** The `Document` of one attachment (MsgHead 1.2, HIS 1036). */
export function attachmentDocument(attachment: MessageAttachment): string {
  const base64 = attachment.base64 ?? Buffer.from(attachment.content ?? pdfBytes()).toString("base64");
  return [
    "<Document>",
    "<RefDoc>",
    '<MsgType V="A" DN="Vedlegg"/>',
    attachment.mimeType === undefined ? "" : `<MimeType>${attachment.mimeType}</MimeType>`,
    attachment.description === undefined ? "" : `<Description>${attachment.description}</Description>`,
    attachment.extra ?? "",
    "<Content>",
    `<Base64Container xmlns="http://www.kith.no/xmlstds/base64container">${base64}</Base64Container>`,
    "</Content>",
    "</RefDoc>",
    "</Document>",
  ].join("");
}

/** The message with these attachments after its Henvisning. */
export function withAttachments(text: string, attachments: readonly MessageAttachment[]): string {
  const end = text.lastIndexOf("</MsgHead>");
  return `${text.slice(0, end)}${attachments.map(attachmentDocument).join("\n")}\n${text.slice(end)}`;
}

/** The Henvisning 2.0 sample with these attachments, a MsgId of choice, addressed as given. */
export function sampleWithAttachments(
  attachments: readonly MessageAttachment[],
  options: { msgId?: string; organisationHerId?: string; serviceHerId?: string } = {},
): string {
  let text = readFileSync(NY_20_SAMPLE, "utf8");
  if (options.msgId) text = text.replace("76665c90-3198-11e8-b566-0800200c9a66", options.msgId);
  // The sample's receiver: St Olavs (59), its service 90998.
  if (options.organisationHerId) text = text.replace("<Id>59</Id>", `<Id>${options.organisationHerId}</Id>`);
  if (options.serviceHerId) text = text.replace("<Id>90998</Id>", `<Id>${options.serviceHerId}</Id>`);
  return withAttachments(text, attachments);
}
