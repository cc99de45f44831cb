/**
 * DispatchLetters: the decision letter to the referrer, with copies to the patient and the GP, one
 * email per recipient. Each letter is claimed in the store before it is sent, keyed on referral,
 * letter kind and recipient, so a retried workflow step never sends the same letter twice.
 */

import { renderDecisionLetter } from "../views/letters";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import type { Clock, Mailer, ReferralStore } from "./ports";
import type { Actor, LetterRecord, RecipientRole, ReferralRecord } from "./records";

const actor: Actor = { kind: "system", id: "workflow:DispatchLetters" };

/** Who gets the decision letter, and where: email when we have an address, else post. */
export function letterRecipients(referral: ReferralRecord): { role: RecipientRole; email?: string }[] {
  const { referrer, patient, gp } = referral.submission;
  return [
    { role: "referrer", email: referrer.email },
    { role: "patient", email: patient.email },
    { role: "gp", email: gp.email },
  ];
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
    const rendered = renderDecisionLetter({
      referralId,
      recipientRole: recipient.role,
      receivedDate: referral.clockStartDate,
      patient: { name: submission.patient.name },
      referrer: { name: submission.referrer.name, organisation: submission.referrer.organisation },
      gp: { name: submission.gp.name },
      decision: referral.decision.decision,
      decidedDate: osloDate(new Date(referral.decision.decidedAt)),
      clinic: deps.config.clinic,
    });
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

    if (await deliverLetter(deps, letter, actor)) sent += 1;
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
  );
  return true;
}
