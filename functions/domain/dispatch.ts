/**
 * DispatchLetters: the decision letter to the referrer, with copies to the patient and the GP, one
 * letter per person (a GP who is the referrer gets one). Each letter is claimed in the store before
 * it is sent, keyed on referral, letter kind and recipient, so a retried or overlapping workflow step
 * never sends the same letter twice, and an interrupted one resumes with the letters not yet sent.
 */

import { type IsoDate, osloDate, osloStartOfDay } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { DecisionMissing, LetterInFlight, ReferralNotFound } from "./errors";
import { letterLinkOf, newLetterLinkId } from "./letter-reading";
import { validateNationalId } from "./national-id";
import type { Clock, Mailer, OutboxRecords, ReferralRecords, ReferralStore } from "./ports";
import type { Actor, LetterRecord, RecipientRole, ReferralRecord } from "./records";
import type { ReferralSubmission } from "./referral";
import type {
  DecisionLetterInput,
  LetterAssessment,
  LetterPatient,
  LetterRenderer,
  StaffEmailRenderer,
} from "./rendering";
import {
  CLAIM_LEASE_MS,
  type ClaimSlots,
  claimSend,
  recordSend,
  sendClaimed,
  withNewClaim,
} from "./send-once";
import { aboutReferral, sendStaffEmails } from "./staff-mail";
import { type Tally, tallyOfPatientInformed } from "./statistics";

const actor: Actor = { kind: "system", id: "workflow:DispatchLetters" };

/**
 * Whether the GP is the referrer (the common case): the same HPR number, or the same email address.
 * Then the GP is one person with one letter, the referrer's.
 */
export function gpIsReferrer(submission: {
  referrer: { hprNumber: string; email?: string | undefined };
  gp: { name?: string; hprNumber?: string | undefined; email?: string | undefined };
}): boolean {
  const { referrer, gp } = submission;
  if (gp.hprNumber) return gp.hprNumber === referrer.hprNumber;
  return gp.email !== undefined && gp.email.toLowerCase() === referrer.email?.toLowerCase();
}

/**
 * Who gets the answer, and where: the referrer, the patient and the GP, one letter per person (a GP
 * who is also the referrer gets the referrer's letter only). The email is a notice with a link; the
 * letter opens after sign-in as its recipient (the patient by national ID, health personnel by HPR
 * number). So a letter goes by email when there is an address and someone to sign in as, else by
 * post: a GP named without an HPR number could never prove to be that GP, so their copy is posted.
 * A patient under 16 on the day of the decision: the parents or others with parental responsibility
 * are informed too (pbrl § 3-4 første ledd); the referral names no guardian (no one to sign in as),
 * so their copy is posted to the patient's address.
 */
export function letterRecipients(referral: ReferralRecord): { role: RecipientRole; email?: string }[] {
  const { referrer, patient, gp } = referral.submission;
  const gpEmail = gp.hprNumber ? gp.email : undefined;
  return [
    { role: "referrer", email: referrer.email },
    { role: "patient", email: patient.email },
    ...(guardiansInformed(referral) ? [{ role: "guardian" as const }] : []),
    ...(gpIsReferrer(referral.submission) ? [] : [{ role: "gp" as const, email: gpEmail }]),
  ];
}

/** Whether someone born on `birthDate` is younger than `years` on `date` (YYYY-MM-DD; the birthday counts). */
export function isYoungerThan(birthDate: IsoDate, years: number, date: IsoDate): boolean {
  const anniversary = `${String(Number(birthDate.slice(0, 4)) + years).padStart(4, "0")}${birthDate.slice(4)}`;
  return date < anniversary;
}

/**
 * Whether the parents or others with parental responsibility get the answer too: the patient is
 * under 16 on the Oslo date of the decision (pbrl § 3-4 første ledd). From 16 the patient consents
 * alone (§ 4-3); what the law still gives parents of a 16- or 17-year-old (§ 3-4 tredje ledd: what
 * they need for their parental responsibility) is a clinician's judgment, not a copy of every letter.
 */
export function guardiansInformed(referral: Pick<ReferralRecord, "submission" | "decision">): boolean {
  const { birthDate } = letterPatientOf(referral.submission);
  if (!birthDate || !referral.decision) return false;
  return isYoungerThan(birthDate, 16, osloDate(new Date(referral.decision.decidedAt)));
}

/** The patient as letters name them: name and birth date (from the national ID, never the ID itself). */
export function letterPatientOf(submission: ReferralSubmission): LetterPatient {
  // The number passed validation at receipt; accept the relaxed check digit it may have been taken with.
  const id = validateNationalId(submission.patient.nationalId, { relaxedFirstCheckDigit: true });
  return {
    name: submission.patient.name,
    ...(id.ok ? { birthDate: id.birthDate } : {}),
    ...(submission.patient.postalAddress ? { postalAddress: submission.patient.postalAddress } : {}),
    ...(submission.patient.interpreterLanguage
      ? { interpreterLanguage: submission.patient.interpreterLanguage }
      : {}),
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
    assessmentDueDate: referral.assessmentDueDate,
    ...(guardiansInformed(referral) ? { guardianCopy: true } : {}),
    clinic: config.clinic,
  };
}

/**
 * What DispatchLetters tells the workflow: how many emails went out, and whether the patient's copy
 * waits for post. The law's test is that the patient is informed within the 10 working days, so a
 * copy waiting for post is followed up: `escalateAt` is the start of the due date in Oslo (or now,
 * when that has passed), when a copy still waiting is escalated to the clerk and the lead.
 */
export interface DispatchResult {
  sent: number;
  patientAwaitingPostal: boolean;
  escalateAt: string;
}

/** Sends (or marks for post) every letter of the decision; returns how many emails went out now. */
export async function dispatchDecisionLetters(
  deps: LetterSendingDeps & { store: ReferralRecords },
  referralId: string,
): Promise<DispatchResult> {
  const referral = await deps.store.getReferral(referralId);
  if (!referral) throw new ReferralNotFound();
  if (!referral.decision) throw new DecisionMissing();
  const { submission } = referral;
  let sent = 0;
  let firstError: { error: unknown } | undefined;

  for (const recipient of letterRecipients(referral)) {
    const rendered = deps.render.decisionLetter(decisionLetterInputOf(referral, recipient.role, deps.config));
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
      // (A minor's guardians' copy goes to the patient's address as well.)
      ...(!recipient.email &&
      (recipient.role === "patient" || recipient.role === "guardian") &&
      submission.patient.postalAddress
        ? { postalAddress: submission.patient.postalAddress }
        : {}),
    };

    // The patient's letter out by the due date is what the statistics call "informed within the deadline".
    const counted =
      recipient.role === "patient" ? (sentAt: string) => tallyOfPatientInformed(referral, sentAt) : undefined;
    // One recipient's trouble does not hold up the others; the step fails afterwards (and is
    // retried) so the set is completed, never left partial.
    try {
      if (await deliverLetter(deps, letter, actor, counted)) sent += 1;
    } catch (error) {
      firstError ??= { error };
    }
  }
  if (firstError) throw firstError.error;
  const now = deps.clock.now();
  const dueMorning = osloStartOfDay(referral.assessmentDueDate);
  return {
    sent,
    // The parents' copy of a minor's answer is always posted: it is escalated on the due date too.
    patientAwaitingPostal: !submission.patient.email || guardiansInformed(referral),
    escalateAt: new Date(Math.max(dueMorning.getTime(), now.getTime())).toISOString(),
  };
}

/** What sending a letter needs: the store, the clock, the mailer, the clinic, and where links point. */
export interface LetterDeps {
  store: ReferralStore;
  clock: Clock;
  mailer: Mailer;
  render: LetterRenderer;
  config: ClinicConfig;
  /** PUBLIC_BASE_URL: the notice's link is `<publicBaseUrl>/inbox/<referralId>.<linkId>`. */
  publicBaseUrl: string;
}

/** What sending one letter needs: {@link LetterDeps} with the store's letter claims only. */
export type LetterSendingDeps = Omit<LetterDeps, "store"> & { store: OutboxRecords };

/** The letter page a notice links to. */
export function letterUrl(
  publicBaseUrl: string,
  letter: Pick<LetterRecord, "referralId" | "linkId">,
): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/inbox/${letterLinkOf(letter)}`;
}

/** How long a letter's `sending` claim keeps other attempts off it (see send-once.ts). */
export const LETTER_CLAIM_LEASE_MS = CLAIM_LEASE_MS;

/** The letter store's claims, as the claim protocol (send-once.ts) uses them. */
const letterSlots = (store: OutboxRecords): ClaimSlots<LetterRecord> => ({
  claim: (letter) => store.claimLetter(letter),
  takeOver: (letter, from) => store.takeOverLetter(letter, from),
});

/**
 * Sends one letter exactly once per referral, letter kind (and request) and recipient, as far as a
 * mail service without idempotency keys allows (the claim protocol of send-once.ts):
 *
 * 1. Claim the letter's slot in the store. A slot that is `sent` or `awaiting-postal` is done:
 *    nothing to do. A `sending` slot of another attempt younger than {@link LETTER_CLAIM_LEASE_MS}
 *    is someone else's send in progress: throw LetterInFlight (the workflow retries; a
 *    double-clicked form sends nothing more). An older one is taken over, conditionally.
 * 2. Send. When the mail service answers that it did not send, the claim is dropped so the next
 *    attempt sends at once; when it gives no answer, the claim stays until its lease runs out.
 * 3. Record `sent` at once, retrying for a few seconds: the window in which a crash repeats a send
 *    is from SES accepting the message to this write landing (see the README).
 *
 * Returns true when an email went out in this call. Every letter kind goes through here.
 */
export async function deliverLetter(
  deps: LetterSendingDeps,
  letter: LetterRecord,
  actor: Actor,
  /** What statistics count when this letter goes out by email at `sentAt` (in the same write). */
  tallyWhenSent?: (sentAt: string) => Tally | undefined,
): Promise<boolean> {
  const details = { letterKind: letter.letterKind, recipientRole: letter.recipientRole };
  let claim = withNewClaim({ ...letter, linkId: newLetterLinkId() });
  // A letter claimed before keeps the link of its first claim: that attempt may have emailed it.
  let earlierLink: string | undefined;
  const slots = letterSlots(deps.store);
  const remembering: ClaimSlots<LetterRecord> = {
    ...slots,
    claim: async (record) => {
      const earlier = await slots.claim(record);
      earlierLink = earlier?.linkId;
      return earlier;
    },
  };
  if ((await claimSend(remembering, claim, () => new LetterInFlight())) === "done") return false;
  if (earlierLink) claim = { ...claim, linkId: earlierLink };
  if (!claim.to) {
    await deps.store.completeLetter(
      claim,
      { status: "awaiting-postal" },
      { type: "letter-awaiting-postal", at: deps.clock.now().toISOString(), actor, details },
    );
    return false;
  }
  // The email is a neutral notice with the letter's link; the letter itself stays in the store.
  const notice = deps.render.letterNotice({
    letterKind: claim.letterKind,
    recipientRole: claim.recipientRole,
    referralId: claim.referralId,
    link: letterUrl(deps.publicBaseUrl, claim),
    clinic: deps.config.clinic,
  });
  const messageId = await sendClaimed(deps.mailer, { to: claim.to, ...notice }, () =>
    deps.store.releaseLetter(claim),
  );
  const sentAt = deps.clock.now().toISOString();
  await recordSend(() =>
    deps.store.completeLetter(
      claim,
      { status: "sent", sentAt, messageId },
      { type: "letter-sent", at: sentAt, actor, details },
      tallyWhenSent?.(sentAt),
    ),
  );
  return true;
}

/**
 * EscalatePostalLetter, on the morning of the due date: the patient's copy (or the parents' copy of a
 * patient under 16) still waits for post, so they are not yet informed. The clerk (who posts letters) and the clinic lead are told,
 * neutrally, once. Returns whether it was still waiting.
 */
export async function escalateWaitingPatientLetter(
  deps: {
    store: ReferralRecords & OutboxRecords;
    clock: Clock;
    mailer: Mailer;
    render: StaffEmailRenderer;
    config: ClinicConfig;
  },
  referralId: string,
): Promise<{ waiting: boolean }> {
  const file = await deps.store.getReferralFile(referralId);
  if (!file) throw new Error(`referral ${referralId} not found`);
  // The patient's copy, or the parents' copy of a patient under 16: both must reach them in time.
  const waitingFor = file.letters.flatMap((letter) =>
    letter.letterKind === "decision" &&
    (letter.recipientRole === "patient" || letter.recipientRole === "guardian") &&
    letter.status === "awaiting-postal"
      ? [letter.recipientRole]
      : [],
  );
  const waiting = waitingFor.length > 0;
  if (!waiting || file.events.some((event) => event.type === "postal-letter-escalated")) return { waiting };
  const email = deps.render.postalLetterEscalationEmail({
    referralId,
    assessmentDueDate: file.referral.assessmentDueDate,
    clinicName: deps.config.clinic.name,
    waiting: waitingFor,
  });
  // The clinic lead, as assessment's leadOf finds it (not imported: assessment depends on this module).
  const lead = deps.config.intakeTeam.find((member) => member.lead) ?? deps.config.intakeTeam[0];
  const clerk = deps.config.clinic.clerkEmail;
  const to = [...new Set([...(clerk ? [clerk] : []), ...(lead ? [lead.email] : [])])];
  // Tell first (once per address, by its claim), record after: a retry tells no one twice.
  await sendStaffEmails(
    deps,
    aboutReferral(referralId, "postal-escalation", file.referral.assessmentDueDate),
    to,
    email,
  );
  await deps.store.appendEvent(referralId, {
    type: "postal-letter-escalated",
    at: deps.clock.now().toISOString(),
    actor: { kind: "system", id: "workflow:EscalatePostalLetter" },
    details: { assessmentDueDate: file.referral.assessmentDueDate, recipients: to.length },
  });
  return { waiting };
}
