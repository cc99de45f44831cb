/**
 * The application receipt (AppRec 1.1, HIS 80415:2012) Frist answers every received message with:
 * OK, or rejected with the standard's error codes. A positive receipt says only "received and
 * machine-readable": the referral is now the clinic's responsibility, not clinically accepted.
 */
import { createHash } from "node:crypto";

/** Code system 8258: the receipt's status. (3, OK with errors in a part, is for Helfo's claims only.) */
export const APPREC_STATUS = { ok: { V: "1", DN: "OK" }, rejected: { V: "2", DN: "Avvist" } } as const;

/** Code system 8221, the general AppRec errors (the ones Frist gives), with their standard texts. */
export const APPREC_ERRORS = {
  T01: "Ikke XML / ikke 'well formed' / uleselig",
  T02: "XML validerer ikke",
  T10: "Støtter ikke meldingsformatet",
  T99: "Annen feil på format",
  E10: "Ugyldig meldingsidentifikator",
  E21: "Mottaker finnes ikke",
  E30: "Pasientens fødselsnummer mangler",
  E31: "Pasientens fødselsnummer er feil",
  E32: "Pasientens navn mangler",
  E36: "Pasientopplysninger er utilstrekkelige",
  X99: "Annen feil",
} as const;

/** The OID of code system 8221. */
export const APPREC_ERROR_SYSTEM = "2.16.578.1.12.4.1.1.8221";

export type AppRecErrorCode = keyof typeof APPREC_ERRORS;

/** One error of a rejection: the code, and what exactly (in the `OT` text; never a value from the message). */
export interface AppRecError {
  code: AppRecErrorCode;
  detail?: string;
}

/** A party of the receipt: an organisation and, under it, a department (service) or a person, by HER-id. */
export interface AppRecParty {
  name?: string;
  herId?: string;
  unit?: { name?: string; herId?: string; kind: "department" | "person" };
}

/** The message a receipt answers, as its header named it. */
export interface OriginalMessage {
  /** The message type (`MsgInfo/Type` or `Type`), e.g. HENVISNING_NYTILSTAND. */
  type: { V: string; DN?: string };
  /** When the sender generated it (an xs:dateTime). */
  issueDate: string;
  /** Its MsgId. */
  id: string;
}

/** A receipt, ready to render (views/apprec.ts). */
export interface AppRec {
  id: string;
  /** When the receipt was made (an ISO instant); a duplicate's receipt repeats the first one's. */
  genDate: string;
  status: keyof typeof APPREC_STATUS;
  /** At least one when rejected, none when OK. */
  errors: AppRecError[];
  /** Frist's clinic. */
  sender: AppRecParty;
  /** Whoever sent the message. */
  receiver: AppRecParty;
  original: OriginalMessage;
}

/**
 * The receipt's own id: a UUID made from the id of the message it answers (or, for a message whose
 * id cannot be read, its text), so a message delivered twice gets the very same receipt.
 */
export function appRecIdFor(basis: string): string {
  const hash = createHash("sha256").update(`apprec:${basis}`).digest();
  // RFC 9562 version 8 (application-defined) with the RFC variant bits.
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
