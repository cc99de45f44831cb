/**
 * DispatchLetters: the decision letter to the referrer, with copies to the patient and the GP, one
 * letter per person (a GP who is the referrer gets one). Each letter is claimed in the store before
 * it is sent, keyed on referral, letter kind and recipient, so a retried workflow step never sends
 * the same letter twice.
 */
import {
  type DecisionLetterInput,
  type LetterAssessment,
  type LetterPatient,
  renderDecisionLetter,
} from "../views/letters";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { validateNationalId } from "./national-id";
import type { Clock, Mailer, ReferralStore } from "./ports";
import type { Actor, LetterRecord, RecipientRole, ReferralRecord } from "./records";
import type { ReferralSubmission } from "./referral";
import { type Tally, tallyOfPatientInformed } from "./statistics";

const actor: Actor = { kind: "system", id: "workflow:DispatchLetters" };

/**
 * Whether the GP is the referrer (the common case): the same HPR number, or the same email address.
 * Then the GP is one person with one letter, the referrer's.
 */
export function gpIsReferrer(submission: {
  referrer: { hprNumber: string; email: string };
  gp: { name?: string; hprNumber?: string | undefined; email?: string | undefined };
}): boolean {
  const { referrer, gp } = submission;
  if (gp.hprNumber) return gp.hprNumber === referrer.hprNumber;
  return gp.email !== undefined && gp.email.toLowerCase() === referrer.email.toLowerCase();
}

/**
 * Who gets the answer, and where: the referrer, the patient and the GP, one letter per person (a GP
 * who is also the referrer gets the referrer's letter only). Email when there is an address, else post.
 */
export function letterRecipients(referral: ReferralRecord): { role: RecipientRole; email?: string }[] {
  const { referrer, patient, gp } = referral.submission;
  return [
    { role: "referrer", email: referrer.email },
    { role: "patient", email: patient.email },
    ...(gpIsReferrer(referral.submission) ? [] : [{ role: "gp" as const, email: gp.email }]),
  ];
}

/** The patient as letters name them: name and birth date (from the national ID, never the ID itself). */
export function letterPatientOf(submission: ReferralSubmission): LetterPatient {
  // The number passed validation at receipt; accept the relaxed check digit it may have been taken with.
  const id = validateNationalId(submission.patient.nationalId, { relaxedFirstCheckDigit: true });
  return {
    name: submission.patient.name,
    ...(id.ok ? { birthDate: id.birthDate } : {}),
    ...(submission.patient.postalAddress ? { postalAddress: submission.patient.postalAddress } : {}),
  };
}

/**
 * Who assessed the referral and who answers for it. The responsible clinician is the team member
 * who signed the decision (by email, HPR number or name); failing that, the single assessor, or the
 * meeting's lead. Those who took part are the assignment's assessors (the one clinician on the
 * single-assessor track, the team in the intake meeting).
 */
export function letterAssessmentOf(referral: ReferralRecord, config: ClinicConfig): LetterAssessment {
  const team = config.intakeTeam;
  const track = referral.assignment?.track ?? "intake-meeting";
  const signedBy = referral.decision?.decision.assessedBy.trim().toLowerCase() ?? "";
  const byName = (name: string | undefined) => team.find((member) => member.name === name);
  const responsible =
    team.find(
      (member) =>
        member.email.toLowerCase() === signedBy ||
        member.hprNumber === signedBy ||
        member.name.toLowerCase() === signedBy,
    ) ??
    (track === "single-assessor" ? byName(referral.assignment?.assessors[0]?.name) : undefined) ??
    byName(referral.assignment?.lead) ??
    team.find((member) => member.lead) ??
    team[0];
  const participantRoles =
    track === "single-assessor"
      ? [responsible?.role ?? "physician"]
      : (referral.assignment?.assessors ?? team).map((assessor) => assessor.role);
  return {
    track,
    participantRoles,
    responsible: responsible
      ? { name: responsible.name, role: responsible.role }
      : { name: config.clinic.name, role: "" },
  };
}

/** One recipient's answer to the referral, as the letter template needs it. */
export function decisionLetterInputOf(
  referral: ReferralRecord,
  recipientRole: RecipientRole,
  config: ClinicConfig,
): DecisionLetterInput {
  const { submission } = referral;
  if (!referral.decision) throw new Error(`referral ${referral.referralId} has no recorded decision`);
  return {
    referralId: referral.referralId,
    recipientRole,
    receivedDate: referral.clockStartDate,
    patient: letterPatientOf(submission),
    referrer: { name: submission.referrer.name, organisation: submission.referrer.organisation },
    ...(gpIsReferrer(submission) ? {} : { gp: { name: submission.gp.name } }),
    decision: referral.decision.decision,
    decidedDate: osloDate(new Date(referral.decision.decidedAt)),
    assessment: letterAssessmentOf(referral, config),
    // A forward keeps the ansiennitetsdato, so the receiving clinic answers by the same due date.
    answerByDate: referral.assessmentDueDate,
    clinic: config.clinic,
  };
}

/** Sends (or marks for post) every letter of the decision; returns how many emails went out now. */
export async function dispatchDecisionLetters(
  deps: { store: ReferralStore; clock: Clock; mailer: Mailer; config: ClinicConfig },
  referralId: string,
): Promise<{ sent: number }> {
  const referral = await deps.store.getReferral(referralId);
  if (!referral?.decision) throw new Error(`referral ${referralId} has no recorded decision`);
  const { submission } = referral;
  let sent = 0;

  for (const recipient of letterRecipients(referral)) {
    const rendered = renderDecisionLetter(decisionLetterInputOf(referral, recipient.role, deps.config));
    const letter: LetterRecord = {
      referralId,
      letterKind: "decision",
      recipientRole: recipient.role,
      channel: recipient.email ? "email" : "postal",
      ...(recipient.email ? { to: recipient.email } : {}),
      status: recipient.email ? "sending" : "awaiting-postal",
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      createdAt: deps.clock.now().toISOString(),
      // Someone must post the patient's copy: the address travels with the letter to the postal list.
      ...(!recipient.email && recipient.role === "patient" && submission.patient.postalAddress
        ? { postalAddress: submission.patient.postalAddress }
        : {}),
    };

    // The patient's letter out by the due date is what the statistics call "informed within the deadline".
    const counted =
      recipient.role === "patient" ? (sentAt: string) => tallyOfPatientInformed(referral, sentAt) : undefined;
    if (await deliverLetter(deps, letter, actor, counted)) sent += 1;
  }
  return { sent };
}

/**
 * Sends one letter at most once per referral, letter kind and recipient: claims its slot in the
 * store first, then emails it (or marks it for post when there is no address) and records that with
 * an audit event. Returns true when an email went out in this call. Every letter kind goes through
 * here, so a retried workflow step never sends the same letter twice.
 */
export async function deliverLetter(
  deps: { store: ReferralStore; clock: Clock; mailer: Mailer },
  letter: LetterRecord,
  actor: Actor,
  /** What statistics count when this letter goes out by email at `sentAt` (in the same write). */
  tallyWhenSent?: (sentAt: string) => Tally | undefined,
): Promise<boolean> {
  const details = { letterKind: letter.letterKind, recipientRole: letter.recipientRole };
  const earlier = await deps.store.claimLetter(letter);
  if (earlier && earlier.status !== "sending") return false; // sent, or already queued for post
  if (!letter.to) {
    await deps.store.completeLetter(
      letter,
      { status: "awaiting-postal" },
      { type: "letter-awaiting-postal", at: deps.clock.now().toISOString(), actor, details },
    );
    return false;
  }
  // A claim left in `sending` means an earlier attempt may have sent it before failing: SES gives no
  // way to ask, so the letter is sent again (at least once, never silently lost).
  const messageId = await deps.mailer.send({
    to: letter.to,
    subject: letter.subject,
    text: letter.text,
    html: letter.html,
  });
  const sentAt = deps.clock.now().toISOString();
  await deps.store.completeLetter(
    letter,
    { status: "sent", sentAt, messageId },
    { type: "letter-sent", at: sentAt, actor, details },
    tallyWhenSent?.(sentAt),
  );
  return true;
}
