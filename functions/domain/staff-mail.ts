/**
 * Staff emails exactly once: the assessors' task link, the reminder, the escalation, the at-risk
 * alerts, the start-of-care reminder and breach notice, the postal escalation and the agenda all go
 * through {@link sendStaffEmail}, one claim per (what it is about, kind, occurrence, recipient) with
 * the letters' claim protocol (send-once.ts): a retried or overlapping step sends nothing twice, and
 * one that stopped half way sends only what is missing.
 */
import { EmailInFlight } from "./errors";
import type { Clock, Mailer, OutboxRecords } from "./ports";
import type { StaffEmailKind, StaffEmailRecord } from "./records";
import { type ClaimSlots, claimSend, recordSend, sendClaimed, withNewClaim } from "./send-once";

/** Which staff email: what it is about, its kind and which occurrence of that kind. */
export interface StaffEmailSlot {
  about: StaffEmailRecord["about"];
  aboutId: string;
  kind: StaffEmailKind;
  occurrence: string;
}

/** A staff email's rendered content (neutral text and a link: see functions/views/staff-email.ts). */
export interface StaffEmailContent {
  subject: string;
  text: string;
  html: string;
}

/** A slot about a referral. */
export const aboutReferral = (
  referralId: string,
  kind: StaffEmailKind,
  occurrence: string,
): StaffEmailSlot => ({
  about: "referral",
  aboutId: referralId,
  kind,
  occurrence,
});

const staffSlots = (store: OutboxRecords): ClaimSlots<StaffEmailRecord> => ({
  claim: (email) => store.claimStaffEmail(email),
  takeOver: (email, from) => store.takeOverStaffEmail(email, from),
});

/**
 * Sends one staff email once per slot and recipient: claim, send, record `sent` at once (the same
 * crash window as a letter's). Another attempt's fresh claim throws EmailInFlight (passing: the
 * workflow retries and then finds it sent). Returns true when it went out in this call.
 */
export async function sendStaffEmail(
  deps: { store: OutboxRecords; clock: Clock; mailer: Mailer },
  slot: StaffEmailSlot,
  to: string,
  content: StaffEmailContent,
): Promise<boolean> {
  const claim = withNewClaim<StaffEmailRecord>({
    ...slot,
    to,
    status: "sending",
    createdAt: deps.clock.now().toISOString(),
  });
  if ((await claimSend(staffSlots(deps.store), claim, () => new EmailInFlight())) === "done") return false;
  const messageId = await sendClaimed(deps.mailer, { to, ...content }, () =>
    deps.store.releaseStaffEmail(claim),
  );
  const sentAt = deps.clock.now().toISOString();
  await recordSend(() => deps.store.completeStaffEmail(claim, { sentAt, messageId }));
  return true;
}

/**
 * Sends the same staff email to each address (each once; an address named twice gets one), side by
 * side: each address has its own claim, so the sends are independent, and a step that mails a team
 * waits for the slowest one instead of the sum. One recipient's trouble does not hold up the others:
 * the first error (in the order given) is thrown after every address had its turn, so the step's
 * retry completes the set. Returns how many went out in this call.
 */
export async function sendStaffEmails(
  deps: { store: OutboxRecords; clock: Clock; mailer: Mailer },
  slot: StaffEmailSlot,
  recipients: readonly string[],
  content: StaffEmailContent,
): Promise<number> {
  const seen = new Set<string>();
  const distinct = recipients.filter((to) => {
    const key = to.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const outcomes = await Promise.allSettled(distinct.map((to) => sendStaffEmail(deps, slot, to, content)));
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return outcomes.filter((outcome) => outcome.status === "fulfilled" && outcome.value).length;
}
