/**
 * The OutboxRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import { type OutboxRecords, type StaffEmailSent, StaleStateError } from "../../../functions/domain/ports";
import type {
  AuditEvent,
  LetterRecord,
  OutgoingMessageRecord,
  StaffEmailRecord,
} from "../../../functions/domain/records";
import type { Tally } from "../../../functions/domain/statistics";
import { copy, letterKeyOf, type MemoryTable, staffEmailKeyOf } from "./table";

export class InMemoryOutbox implements OutboxRecords {
  constructor(private readonly table: MemoryTable) {}

  async claimLetter(letter: LetterRecord) {
    const key = letterKeyOf(letter);
    const earlier = this.table.letters.get(key);
    if (earlier) return copy(earlier);
    this.table.letters.set(key, copy(letter));
    return undefined;
  }

  async takeOverLetter(letter: LetterRecord, fromClaimId: string | undefined) {
    const stored = this.table.letters.get(letterKeyOf(letter));
    if (stored?.status !== "sending" || stored.claimId !== fromClaimId) return false;
    stored.claimId = letter.claimId;
    stored.claimedAt = letter.claimedAt;
    stored.linkId ??= letter.linkId;
    return true;
  }

  async releaseLetter(letter: LetterRecord) {
    const key = letterKeyOf(letter);
    const stored = this.table.letters.get(key);
    if (stored?.status === "sending" && stored.claimId === letter.claimId) this.table.letters.delete(key);
  }

  async completeLetter(
    letter: LetterRecord,
    outcome: { status: LetterRecord["status"]; sentAt?: string; messageId?: string },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const stored = this.table.letters.get(letterKeyOf(letter));
    // Counted once: a letter already sent is not completed again with a tally.
    if (tally && stored?.status === outcome.status) throw new StaleStateError("letter already completed");
    if (stored) Object.assign(stored, outcome);
    this.table.event(letter.referralId, event);
    this.table.count(tally);
  }

  async markLetterPosted(
    letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
    posted: { sentAt: string; postedBy: string },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const stored = this.table.letters.get(letterKeyOf(letter));
    if (stored?.status !== "awaiting-postal") throw new StaleStateError("letter is not awaiting post");
    Object.assign(stored, { status: "sent", ...posted });
    this.table.event(letter.referralId, event);
    this.table.count(tally);
  }

  async claimStaffEmails(emails: readonly StaffEmailRecord[]) {
    return emails.map((email) => {
      const key = staffEmailKeyOf(email);
      const earlier = this.table.staffEmails.get(key);
      if (earlier) return copy(earlier);
      this.table.staffEmails.set(key, copy(email));
      return undefined;
    });
  }

  async takeOverStaffEmail(email: StaffEmailRecord, fromClaimId: string | undefined) {
    const stored = this.table.staffEmails.get(staffEmailKeyOf(email));
    if (stored?.status !== "sending" || stored.claimId !== fromClaimId) return false;
    stored.claimId = email.claimId;
    stored.claimedAt = email.claimedAt;
    return true;
  }

  async releaseStaffEmail(email: StaffEmailRecord) {
    const key = staffEmailKeyOf(email);
    const stored = this.table.staffEmails.get(key);
    if (stored?.status === "sending" && stored.claimId === email.claimId) this.table.staffEmails.delete(key);
  }

  async completeStaffEmails(sends: readonly StaffEmailSent[]) {
    for (const { email, sentAt, messageId } of sends) {
      const stored = this.table.staffEmails.get(staffEmailKeyOf(email));
      if (stored) Object.assign(stored, { status: "sent", sentAt, messageId });
    }
  }

  async claimOutgoingMessage(message: OutgoingMessageRecord) {
    const key = `${message.referralId}#${message.msgId}`;
    const earlier = this.table.outgoingMessages.get(key);
    if (earlier) return copy(earlier);
    this.table.outgoingMessages.set(key, copy(message));
    return undefined;
  }

  async takeOverOutgoingMessage(message: OutgoingMessageRecord, fromClaimId: string | undefined) {
    const stored = this.table.outgoingMessages.get(`${message.referralId}#${message.msgId}`);
    if (stored?.status !== "sending" || stored.claimId !== fromClaimId) return false;
    stored.claimId = message.claimId;
    stored.claimedAt = message.claimedAt;
    return true;
  }

  async completeOutgoingMessage(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    sent: { sentAt: string; transportId: string },
    event: AuditEvent,
  ) {
    const stored = this.table.outgoingMessages.get(`${message.referralId}#${message.msgId}`);
    if (stored?.status !== "sending") throw new StaleStateError("outgoing message already recorded sent");
    Object.assign(stored, { status: "sent", ...sent });
    this.table.event(message.referralId, event);
  }
}
