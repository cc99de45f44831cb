/**
 * The state the in-memory record stores share, as the DynamoDB stores share one table: every record
 * by its key, and the helpers they write with (an event on the trail, a count in the month).
 */
import type { IdempotencyRecord } from "../../../functions/domain/ports";
import { StaleStateError } from "../../../functions/domain/ports";
import type {
  AuditEvent,
  HelfoNotificationRecord,
  LetterRecord,
  MeetingRecord,
  OutgoingMessageRecord,
  PendingDecision,
  ReferralRecord,
  StaffEmailRecord,
  TaskRecord,
} from "../../../functions/domain/records";
import type { Month, MonthCounters, Tally } from "../../../functions/domain/statistics";

export const copy = <T>(value: T): T => structuredClone(value);

/** A letter's identity, as the DynamoDB adapter keys it: referral, kind, request and recipient. */
export const letterKeyOf = (
  letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
) => [letter.referralId, letter.letterKind, letter.requestId ?? "", letter.recipientRole].join("#");

/** A staff email's identity, as the DynamoDB adapter keys it: about, kind, occurrence and recipient. */
export const staffEmailKeyOf = (email: StaffEmailRecord) =>
  [email.about, email.aboutId, email.kind, email.occurrence, email.to.toLowerCase()].join("#");

/** Every record the in-memory stores keep, and the helpers they write with. */
export class MemoryTable {
  /** The statistics aggregate: counters per month of receipt, added to with each counted change. */
  readonly counters = new Map<Month, MonthCounters>();
  readonly referrals = new Map<string, ReferralRecord>();
  readonly events = new Map<string, AuditEvent[]>();
  readonly tasks = new Map<string, TaskRecord>();
  /** `<referralId>#<ordinal>` of every task created with a place (see createTask). */
  readonly taskPlaces = new Set<string>();
  readonly letters = new Map<string, LetterRecord>();
  readonly staffEmails = new Map<string, StaffEmailRecord>();
  /** Outgoing messages (Status på henvisning) by `referralId#msgId`. */
  readonly outgoingMessages = new Map<string, OutgoingMessageRecord>();
  /** Referral id → its pending decision (answered, not yet recorded by the workflow). */
  readonly pendingDecisions = new Map<string, PendingDecision>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly meetings = new Map<string, MeetingRecord>();
  /** Referral ids filed under each meeting (changeStatus with an assignment's meetingId). */
  readonly meetingReferrals = new Map<string, Set<string>>();
  /** Agenda id → meeting id, once the agenda is claimed. */
  readonly agendas = new Map<string, string>();
  /** Helfo notifications by referral id (one per breach). */
  readonly helfo = new Map<string, HelfoNotificationRecord>();
  /** Every takeSeat call, in order, with its answer. */
  readonly seatAttempts: { meetingId: string; taken: boolean }[] = [];
  /** Meeting id → the holders of its seats (takeSeat with a holder). */
  readonly seatHolders = new Map<string, Set<string>>();

  /** Puts a referral in place as if it had been received. */
  seed(referral: ReferralRecord): this {
    this.referrals.set(referral.referralId, copy(referral));
    return this;
  }

  /** The audit trail of a referral, in the order written. */
  eventsOf(referralId: string): AuditEvent[] {
    return this.events.get(referralId) ?? [];
  }

  /** The stored referral itself (not a copy), for a test that sets a state up directly. */
  mustGet(referralId: string): ReferralRecord {
    return this.mustReferral(referralId);
  }

  eventTypesOf(referralId: string): string[] {
    return this.eventsOf(referralId).map((event) => event.type);
  }

  mustReferral(referralId: string): ReferralRecord {
    const referral = this.referrals.get(referralId);
    if (!referral) throw new StaleStateError(`referral ${referralId} not found`);
    return referral;
  }

  event(referralId: string, event: AuditEvent): void {
    this.events.set(referralId, [...this.eventsOf(referralId), copy(event)]);
  }

  count(tally: Tally | undefined): void {
    if (!tally) return;
    const month = this.counters.get(tally.month) ?? {};
    for (const [name, value] of Object.entries(tally.add)) month[name] = (month[name] ?? 0) + value;
    this.counters.set(tally.month, month);
  }

  /** A referral's tasks, oldest first (copies). */
  tasksOf(referralId: string): TaskRecord[] {
    return [...this.tasks.values()]
      .filter((task) => task.referralId === referralId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(copy);
  }
}
