/**
 * The ReferralRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import {
  IdempotencyKeyTaken,
  type IdempotencyRecord,
  type ReferralFile,
  type ReferralFlag,
  type ReferralHistory,
  type ReferralRecords,
  StaleStateError,
} from "../../../functions/domain/ports";
import { documentLookupOf } from "../../../functions/domain/receive-referral";
import type { AuditEvent, PriorityChange, ReferralRecord } from "../../../functions/domain/records";
import type { Tally } from "../../../functions/domain/statistics";
import { copy, type MemoryTable } from "./table";

export class InMemoryReferrals implements ReferralRecords {
  constructor(private readonly table: MemoryTable) {}

  async createReferral(
    referral: ReferralRecord,
    idempotency: IdempotencyRecord,
    event: AuditEvent,
    tally?: Tally,
  ) {
    const key = `${idempotency.scope}#${idempotency.key}`;
    if (this.table.idempotency.has(key)) throw new IdempotencyKeyTaken("taken");
    this.table.idempotency.set(key, copy(idempotency));
    const lookup = documentLookupOf(referral);
    if (lookup) this.table.idempotency.set(`${lookup.scope}#${lookup.key}`, lookup);
    this.table.seed(referral);
    this.table.event(referral.referralId, event);
    this.table.count(tally);
  }

  async getIdempotencyRecord(scope: string, key: string) {
    const found = this.table.idempotency.get(`${scope}#${key}`);
    return found ? copy(found) : undefined;
  }

  async applyReferralMessage(
    referralId: string,
    change: Parameters<ReferralRecords["applyReferralMessage"]>[1],
    idempotency: IdempotencyRecord,
    event: AuditEvent,
  ) {
    const referral = this.table.mustReferral(referralId);
    const key = `${idempotency.scope}#${idempotency.key}`;
    if (this.table.idempotency.has(key)) throw new IdempotencyKeyTaken("the message was received before");
    if (!["received", "awaiting-assessment"].includes(referral.status)) {
      throw new StaleStateError(`referral ${referralId} no longer waits for its assessment`);
    }
    if (change.attachments && (referral.attachments?.length ?? 0) !== change.attachments.before) {
      throw new StaleStateError(
        `referral ${referralId} has other attachments than the change numbered after`,
      );
    }
    this.table.idempotency.set(key, copy(idempotency));
    if (change.attachments) {
      referral.attachments = [...(referral.attachments ?? []), ...copy(change.attachments.added)];
    }
    if (change.kind === "amend") {
      referral.submission = copy(change.submission);
      referral.missingContent = [...change.missingContent];
    } else {
      referral.status = "closed";
      referral.withdrawnAt = event.at;
    }
    referral.messageChanges = [
      ...(referral.messageChanges ?? []),
      { kind: change.kind === "amend" ? "amended" : "withdrawn", msgId: idempotency.key, at: event.at },
    ];
    this.table.event(referralId, event);
  }

  async getReferral(referralId: string) {
    const found = this.table.referrals.get(referralId);
    return found ? copy(found) : undefined;
  }

  async getReferralFile(referralId: string): Promise<ReferralFile | undefined> {
    const referral = await this.getReferral(referralId);
    if (!referral) return undefined;
    return {
      referral,
      events: copy(this.table.eventsOf(referralId)),
      letters: [...this.table.letters.values()].filter((l) => l.referralId === referralId).map(copy),
      tasks: this.table.tasksOf(referralId),
    };
  }

  async getReferralHistory(referralId: string): Promise<ReferralHistory | undefined> {
    const referral = await this.getReferral(referralId);
    return referral ? { referral, events: copy(this.table.eventsOf(referralId)) } : undefined;
  }

  async changeStatus(
    referralId: string,
    change: Parameters<ReferralRecords["changeStatus"]>[1],
    event: AuditEvent,
    tally?: Tally,
  ) {
    const referral = this.table.mustReferral(referralId);
    if (!change.from.includes(referral.status)) {
      throw new StaleStateError(`referral ${referralId} is not in ${change.from.join("/")}`);
    }
    referral.status = change.to;
    if (change.assignment) referral.assignment = copy(change.assignment);
    if (change.failure) referral.failure = copy(change.failure);
    if (change.assessmentDueDate) referral.assessmentDueDate = change.assessmentDueDate;
    const meetingId = change.assignment?.meetingId;
    if (meetingId) {
      const filed = this.table.meetingReferrals.get(meetingId) ?? new Set<string>();
      this.table.meetingReferrals.set(meetingId, filed.add(referralId));
    }
    this.table.event(referralId, event);
    this.table.count(tally);
  }

  async flagReferral(referralId: string, flag: ReferralFlag, event: AuditEvent, tally?: Tally) {
    const referral = this.table.mustReferral(referralId);
    if (referral[flag] === true) return false;
    referral[flag] = true;
    this.table.event(referralId, event);
    this.table.count(tally);
    return true;
  }

  async appendEvent(referralId: string, event: AuditEvent) {
    this.table.event(referralId, event);
  }

  async changePriority(referralId: string, change: PriorityChange, event: AuditEvent) {
    const referral = this.table.referrals.get(referralId);
    if (
      !referral ||
      !["received", "awaiting-assessment"].includes(referral.status) ||
      referral.priority !== change.from
    ) {
      throw new StaleStateError("referral does not wait for assessment at that priority");
    }
    referral.priority = change.to;
    referral.priorityChanges = [...(referral.priorityChanges ?? []), copy(change)];
    this.table.event(referralId, event);
  }
}
