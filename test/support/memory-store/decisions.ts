/**
 * The DecisionRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import { type DecisionRecords, StaleStateError } from "../../../functions/domain/ports";
import type { AuditEvent, RecordedDecision } from "../../../functions/domain/records";
import type { Tally } from "../../../functions/domain/statistics";
import { copy, type MemoryTable } from "./table";

export class InMemoryDecisions implements DecisionRecords {
  constructor(private readonly table: MemoryTable) {}

  async recordDecision(referralId: string, decision: RecordedDecision, event: AuditEvent, tally?: Tally) {
    const referral = this.table.mustReferral(referralId);
    if (referral.decision?.taskId === decision.taskId) return;
    if (referral.status !== "awaiting-assessment") throw new StaleStateError("not awaiting assessment");
    referral.status = "decided";
    referral.decision = copy(decision);
    this.table.pendingDecisions.delete(referralId);
    this.table.event(referralId, event);
    this.table.count(tally);
  }

  async listPendingDecisions(answeredBefore: Date) {
    return [...this.table.pendingDecisions.values()]
      .filter((pending) => `${pending.answeredAt}#${pending.referralId}` < answeredBefore.toISOString())
      .sort((a, b) => a.answeredAt.localeCompare(b.answeredAt) || a.referralId.localeCompare(b.referralId))
      .map(copy);
  }

  async clearPendingDecision(referralId: string) {
    this.table.pendingDecisions.delete(referralId);
  }
}
