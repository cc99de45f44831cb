/**
 * Staff emails exactly once: the assessors' task link, the reminder, the escalation, the at-risk
 * alerts, the start-of-care reminder and breach notice, the postal escalation and the agenda all go
 * through {@link sendStaffEmails}, one claim per (what it is about, kind, occurrence, recipient) with
 * the letters' claim protocol (send-once.ts): a retried or overlapping step sends nothing twice, and
 * one that stopped half way sends only what is missing.
 */
import { EmailInFlight } from "./errors";
import type { Clock, Mailer, OutboxRecords, StaffEmailSent } from "./ports";
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

/**
 * Sends one staff email once per slot and recipient (see {@link sendStaffEmails}). Returns true when
 * it went out in this call.
 */
export async function sendStaffEmail(
  deps: { store: OutboxRecords; clock: Clock; mailer: Mailer },
  slot: StaffEmailSlot,
  to: string,
  content: StaffEmailContent,
): Promise<boolean> {
  return (await sendStaffEmails(deps, slot, [to], content)) > 0;
}

/**
 * Sends the same staff email to each address (each once; an address named twice gets one), side by
 * side, with the claim protocol of send-once.ts per address: claim, send, record `sent`. The team's
 * claims are written in one round trip, and so are their records once the last send has answered:
 * the window in which a crash repeats a send (send-once.ts) runs to the team's slowest send instead
 * of each address's own, for two writes instead of one per address. Each address keeps its own
 * claim, so the sends are independent: another
 * attempt's fresh claim on one address throws EmailInFlight for it (passing: the workflow retries and
 * then finds it sent), and one recipient's trouble does not hold up the others. The first error (in
 * the order given) is thrown after every address had its turn and the sends that went out are
 * recorded, so the step's retry completes the set. Returns how many went out in this call.
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
  if (distinct.length === 0) return 0;
  const createdAt = deps.clock.now().toISOString();
  const claims = distinct.map((to) =>
    withNewClaim<StaffEmailRecord>({ ...slot, to, status: "sending", createdAt }),
  );
  const earlier = await deps.store.claimStaffEmails(claims);
  const outcomes = await Promise.allSettled(
    claims.map(async (claim, index): Promise<StaffEmailSent | undefined> => {
      // The claim is already written (or found): the protocol goes on from what the store answered.
      const slots: ClaimSlots<StaffEmailRecord> = {
        claim: async () => earlier[index],
        takeOver: (email, from) => deps.store.takeOverStaffEmail(email, from),
      };
      if ((await claimSend(slots, claim, () => new EmailInFlight())) === "done") return undefined;
      const messageId = await sendClaimed(deps.mailer, { to: claim.to, ...content }, () =>
        deps.store.releaseStaffEmail(claim),
      );
      return { email: claim, sentAt: deps.clock.now().toISOString(), messageId };
    }),
  );
  const sent = outcomes.flatMap((outcome) =>
    outcome.status === "fulfilled" && outcome.value ? [outcome.value] : [],
  );
  if (sent.length > 0) await recordSend(() => deps.store.completeStaffEmails(sent));
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return sent.length;
}
