/**
 * Sending once through a mail service that has no idempotency key: the claim protocol every email
 * of Frist goes through, letters (dispatch.ts `deliverLetter`) and staff emails (staff-mail.ts)
 * alike. A send is claimed in the store first (a conditional write with a random claim id), sent,
 * and recorded at once; a crash can repeat it only between the mail service accepting it and that
 * record landing (the README's window).
 */
import { randomBytes } from "node:crypto";
import { isUnavailable, MailRejected, MailUnavailable } from "./errors";
import { type Mailer, type OutgoingEmail, StaleStateError } from "./ports";

/**
 * How long a `sending` claim keeps every other attempt off its email: longer than any one attempt
 * can take between claiming and recording (a Lambda's 60 s timeout), so only a claim whose holder
 * died is taken over. Wall-clock time, even under the local simulated clock: it bounds how long a
 * process may hold the claim, and processes run in real time.
 */
export const CLAIM_LEASE_MS = 2 * 60_000;

/** What a claimed send records: its state, and who claimed it when. */
export interface ClaimedSend {
  status: string;
  createdAt: string;
  claimId?: string;
  claimedAt?: string;
}

/** The store's side of one kind of claimed send. */
export interface ClaimSlots<R extends ClaimedSend> {
  /** Claims the slot; returns the record already there when it was claimed before. */
  claim(record: R): Promise<R | undefined>;
  /** Takes over a stale claim, only while it is still `fromClaimId`'s; false when another was first. */
  takeOver(record: R, fromClaimId: string | undefined): Promise<boolean>;
}

/** A claim's random id: tells this attempt's claim from another's (and from its own SDK retry's). */
function newClaimId(): string {
  return randomBytes(12).toString("base64url");
}

/** The record with a fresh claim of this attempt. */
export function withNewClaim<R extends ClaimedSend>(record: R): R & { claimId: string; claimedAt: string } {
  return { ...record, claimId: newClaimId(), claimedAt: new Date().toISOString() };
}

/**
 * Claims a send. `done`: an earlier attempt completed it (anything but `sending`): nothing to do.
 * `ours`: this attempt holds the claim and sends. Another attempt's `sending` claim younger than
 * {@link CLAIM_LEASE_MS} is a send in progress: `inFlight()` is thrown (a passing error: the retry
 * finds it done). An older one is taken over, conditionally, so of two late attempts one proceeds.
 */
export async function claimSend<R extends ClaimedSend>(
  slots: ClaimSlots<R>,
  claim: R & { claimId: string },
  inFlight: () => Error,
): Promise<"ours" | "done"> {
  const earlier = await slots.claim(claim);
  if (earlier && earlier.status !== "sending") return "done";
  if (earlier && earlier.claimId !== claim.claimId) {
    // An SDK retry of our own put finds our own claim; anything else is another attempt's.
    const heldFor = Date.now() - Date.parse(earlier.claimedAt ?? earlier.createdAt);
    if (heldFor < CLAIM_LEASE_MS) throw inFlight();
    if (!(await slots.takeOver(claim, earlier.claimId))) throw inFlight();
  }
  return "ours";
}

/**
 * Sends a claimed email. When the mail service answers that it did not send (MailUnavailable,
 * MailRejected), `release` frees the claim so the next attempt sends at once (if that write fails
 * too, the lease frees it later). When it gives no answer (MailUnanswered) the claim stays: the
 * email may have gone, so it is sent again only after the lease. Returns the message id.
 */
export async function sendClaimed(
  mailer: Mailer,
  email: OutgoingEmail,
  release: () => Promise<void>,
): Promise<string> {
  try {
    return await mailer.send(email);
  } catch (error) {
    if (error instanceof MailUnavailable || error instanceof MailRejected) {
      await release().catch(() => undefined);
    }
    throw error;
  }
}

/** Waits between attempts to record a send (the send cannot be taken back; the record must land). */
const RECORD_RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records a send at once, retrying passing faults for about 8 s: the window in which a crash repeats
 * a send ends when this lands. StaleStateError means an earlier attempt of this write landed.
 */
export async function recordSend(write: () => Promise<void>): Promise<void> {
  for (const delay of [...RECORD_RETRY_DELAYS_MS, undefined]) {
    try {
      await write();
      return;
    } catch (error) {
      if (error instanceof StaleStateError) return;
      if (delay === undefined || !isUnavailable(error)) throw error;
      await sleep(delay);
    }
  }
}
