/**
 * Status på henvisning (HIS 1206:2018, a profile of Dialogmelding 1.1, message type
 * DIALOG_STATUS_HENVISNING): the answer to a referral that came as a Henvisning message, made from
 * its recorded decision. Its theme is coded in code system 9148, its free text states the outcome
 * (a refusal always with its reason), it names the responsible clinician, and its ConversationRef
 * points to the referral's MsgId (RefToParent and RefToConversation both, HIS 1206).
 *
 * The patient's GP, when other than the referrer and addressable (the HER-id the referral gives, or
 * the one Fastlegeregisteret has for the patient), is a copy receiver of the same message (MsgHead `OtherReceiver`, role COP, as HIS 1206 §4.1.1 and
 * its worked example do): one message, which the EDI 2.0 meldingstjener delivers to every receiver
 * it names, each answering with its own AppRec. The referrer's letter goes along as a PDF
 * attachment (HIS 1206 §4.1.1: "Vedlegg skal alltid være på format PDF", a further
 * MsgHead/Document per HIS 1036).
 *
 * This module makes the message; send-status-on-referral.ts sends it, and message-receipts.ts reads
 * the receipts of every receiver.
 */
import type { AppRecParty } from "./apprec";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { gpIsReferrer, letterAssessmentOf } from "./dispatch";
import { validateNationalId } from "./national-id";
import type { RegisteredGp } from "./ports";
import type { ReferralRecord } from "./records";

/** Code system 9148, "Status for henvisning": the themes Frist answers with. */
export const STATUS_THEMES = {
  "1": "Innkalles til helsehjelp",
  "2": "Rett til helsehjelp, tidspunkt kommer",
  "3": "Henvisningen er videresendt",
  "4": "Henvisningen er avvist",
  "11": "Råd til henviser",
} as const;

export type StatusTheme = keyof typeof STATUS_THEMES;

/** A Status på henvisning, ready to render (views/status-pa-henvisning.ts). */
export interface StatusOnReferral {
  msgId: string;
  /** When it was made (an ISO instant). */
  genDate: string;
  /** The referral's MsgId: both RefToParent and RefToConversation. */
  conversationRef: string;
  /** The clinic. */
  sender: AppRecParty;
  /** Who sent the referral. */
  receiver: AppRecParty;
  patient: { givenName: string; familyName: string; nationalId: string; idType: "FNR" | "DNR" | "HNR" };
  theme: StatusTheme;
  /** The outcome in words, in Norwegian (bokmål). */
  text: string;
  responsible: { name: string; hprNumber?: string };
  /** The patient's GP as a copy receiver (OtherReceiver, COP), addressed by the GP's own HER-id. */
  copyReceiver?: CopyReceiver;
  /** The referrer's letter as a PDF (a further MsgHead/Document, MsgType A). */
  attachment?: StatusAttachment;
}

/** A GP who gets a copy of the status: a person communication party in Adresseregisteret. */
export interface CopyReceiver {
  name: string;
  herId: string;
}

/** A PDF that goes with the status (HIS 1206: attachments are PDF only). */
export interface StatusAttachment {
  /** What it is, in words ("Svar på henvisning, brev til henviser"). */
  description: string;
  /** When the document was made (an ISO instant): the decision's. */
  issueDate: string;
  /** The PDF, base64. */
  pdfBase64: string;
}

/**
 * Whether the copy to the GP needs the GP looked up in Fastlegeregisteret: a referral that came as a
 * message names a GP other than the referrer, without the HER-id the GP is addressed by.
 */
export function needsGpLookup(referral: ReferralRecord): boolean {
  const { submission } = referral;
  return referral.message !== undefined && !submission.gp.herId && !gpIsReferrer(submission);
}

/**
 * The GP who gets a copy of the status: the GP the referral names, when that is someone other than
 * the referrer (then the referrer's copy is the message itself: one message per person), by the
 * HER-id the referral gives or else the one Fastlegeregisteret has (`registered`), without which the
 * GP cannot be addressed over Norsk Helsenett. None when that HER-id is the sender's or the
 * referrer's (the register's GP may be the referrer after all).
 */
export function gpCopyReceiverOf(
  referral: ReferralRecord,
  registered?: RegisteredGp,
): CopyReceiver | undefined {
  const { submission } = referral;
  if (gpIsReferrer(submission)) return undefined;
  const herId = submission.gp.herId ?? registered?.herId;
  if (!herId) return undefined;
  const sender = referral.message?.sender;
  if (herId === sender?.herId || herId === sender?.unit?.herId || herId === submission.referrer.herId) {
    return undefined;
  }
  return { name: submission.gp.name, herId };
}

/** dd.mm.yyyy, as the free text says dates. */
const norwegianDate = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

/**
 * The status of a decided referral that came as a message; undefined for one that came otherwise or
 * has no decision. Granted with a planned start is "called in" (1), granted without one "right to
 * care, the time comes later" (2); refused 4; forwarded 3.
 */
export function statusOnReferral(
  referral: ReferralRecord,
  config: ClinicConfig,
  made: { msgId: string; at: Date },
  registeredGp?: RegisteredGp,
): StatusOnReferral | undefined {
  const origin = referral.message;
  const recorded = referral.decision;
  if (!origin || !recorded) return undefined;
  const { decision } = recorded;
  const { submission } = referral;
  const received = `Henvisningen ble mottatt ${norwegianDate(osloDate(new Date(referral.receivedAt)))}.`;
  let theme: StatusTheme;
  let text: string;
  switch (decision.outcome) {
    case "granted":
      theme = decision.plannedStart ? "1" : "2";
      text = [
        received,
        "Pasienten har rett til nødvendig helsehjelp i spesialisthelsetjenesten.",
        `Frist for oppstart av helsehjelp: ${norwegianDate(decision.startOfCareDeadline)}.`,
        decision.plannedStart
          ? `Planlagt oppstart: ${norwegianDate(decision.plannedStart)}.`
          : decision.startNoticeBy
            ? `Pasienten får vite tidspunktet innen ${norwegianDate(decision.startNoticeBy)}.`
            : "Pasienten får vite tidspunktet senere.",
        `Pasienten får brev om vedtaket fra ${config.clinic.name}.`,
      ].join("\n");
      break;
    case "refused":
      theme = "4";
      text = [
        received,
        "Henvisningen er avvist: pasienten har ikke rett til nødvendig helsehjelp i spesialisthelsetjenesten.",
        `Begrunnelse: ${decision.justification}`,
        `Råd om videre oppfølging: ${decision.advice}`,
      ].join("\n");
      break;
    case "forwarded":
      theme = "3";
      text = [
        received,
        `Henvisningen er videresendt til ${decision.forwardTo}. Ansiennitetsdatoen beholdes.`,
        `Begrunnelse: ${decision.justification}`,
      ].join("\n");
      break;
  }
  const responsible = letterAssessmentOf(referral, config).responsible;
  const copyReceiver = gpCopyReceiverOf(referral, registeredGp);
  const member = config.intakeTeam.find((m) => m.name === responsible.name);
  const nationalId = validateNationalId(submission.patient.nationalId);
  const kind = nationalId.ok ? nationalId.kind : "fodselsnummer";
  const idType = kind === "d-nummer" ? "DNR" : kind === "h-nummer" ? "HNR" : "FNR";
  // The referral keeps the name as one text: the last word is taken as the family name.
  const words = submission.patient.name.split(/\s+/);
  return {
    msgId: made.msgId,
    genDate: made.at.toISOString(),
    conversationRef: origin.msgId,
    sender: {
      name: config.clinic.name,
      ...(config.clinic.organisationHerId ? { herId: config.clinic.organisationHerId } : {}),
      unit: {
        kind: "department",
        name: config.clinic.department,
        ...(config.clinic.serviceHerId ? { herId: config.clinic.serviceHerId } : {}),
      },
    },
    receiver: origin.sender,
    patient: {
      givenName: words.slice(0, -1).join(" ") || (words[0] ?? ""),
      familyName: words.length > 1 ? (words.at(-1) ?? "") : "",
      nationalId: submission.patient.nationalId,
      idType,
    },
    theme,
    text,
    responsible: { name: responsible.name, ...(member?.hprNumber ? { hprNumber: member.hprNumber } : {}) },
    ...(copyReceiver ? { copyReceiver } : {}),
  };
}
