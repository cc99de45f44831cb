/**
 * The CareRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import { startOfCareDueItem } from "../../../functions/adapters/dynamo-table";
import type { IsoDate } from "../../../functions/domain/calendar";
import {
  type CareRecords,
  type OpenInformationRequestPage,
  StaleStateError,
  type StartOfCareToConfirm,
  type StartOfCareToConfirmPage,
} from "../../../functions/domain/ports";
import type {
  AuditEvent,
  BreachBasis,
  HelfoNotificationRecord,
  ReferralRecord,
  TaskRecord,
} from "../../../functions/domain/records";
import type { Tally } from "../../../functions/domain/statistics";
import { InvalidCursor } from "../../../functions/domain/worklist";
import { copy, type MemoryTable } from "./table";

export class InMemoryCare implements CareRecords {
  constructor(private readonly table: MemoryTable) {}

  async recordStartOfCare(
    referralId: string,
    change: { plannedStart?: string; startedOn?: string },
    event: AuditEvent,
    counted?: { before: { startedOn: string | null; breached: boolean }; tally?: Tally },
  ) {
    const referral = this.table.referrals.get(referralId);
    if (referral?.status !== "decided") throw new StaleStateError("referral is not decided");
    if (
      counted &&
      ((referral.careStartedOn ?? null) !== counted.before.startedOn ||
        (referral.startOfCareBreached === true) !== counted.before.breached)
    ) {
      throw new StaleStateError("the start changed meanwhile");
    }
    if (change.plannedStart) referral.carePlannedStart = change.plannedStart;
    if (change.startedOn) referral.careStartedOn = change.startedOn;
    this.table.event(referralId, event);
    this.table.count(counted?.tally);
  }

  async recordStartOfCareBreach(
    referralId: string,
    breach: { basis: BreachBasis; notification?: HelfoNotificationRecord },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const referral = this.table.mustReferral(referralId);
    if (referral.startOfCareBreached === true) return false;
    referral.startOfCareBreached = true;
    referral.startOfCareBreachBasis = breach.basis;
    if (breach.notification) this.table.helfo.set(referralId, copy(breach.notification));
    this.table.event(referralId, event);
    this.table.count(tally);
    return true;
  }

  async recordExpectedBreach(
    referralId: string,
    expected: NonNullable<ReferralRecord["startOfCareExpectedBreach"]>,
    notification: HelfoNotificationRecord,
    event: AuditEvent,
    tally?: Tally,
  ) {
    const referral = this.table.mustReferral(referralId);
    if (
      referral.status !== "decided" ||
      referral.startOfCareExpectedBreach ||
      referral.startOfCareBreached === true ||
      referral.careStartedOn
    ) {
      return false;
    }
    referral.startOfCareExpectedBreach = copy(expected);
    this.table.helfo.set(referralId, copy(notification));
    this.table.event(referralId, event);
    this.table.count(tally);
    return true;
  }

  async listHelfoNotifications() {
    return [...this.table.helfo.values()]
      .map(copy)
      .sort((a, b) => a.breachedAt.localeCompare(b.breachedAt) || a.referralId.localeCompare(b.referralId));
  }

  async markHelfoReported(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    reported: { reportedOn: string; reportedBy: string; reportedAt: string },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const stored = this.table.helfo.get(notification.referralId);
    if (!stored || stored.breachedAt !== notification.breachedAt || stored.status !== "to-report") {
      throw new StaleStateError("no Helfo notification to report");
    }
    this.table.helfo.set(notification.referralId, { ...stored, status: "reported", ...reported });
    this.table.event(notification.referralId, event);
    this.table.count(tally);
  }

  async markHelfoPatientInformed(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    at: string,
  ) {
    const stored = this.table.helfo.get(notification.referralId);
    if (!stored || stored.breachedAt !== notification.breachedAt || stored.status !== "reported") {
      throw new StaleStateError("no reported Helfo notification");
    }
    this.table.helfo.set(notification.referralId, {
      ...stored,
      patientInformedAt: stored.patientInformedAt ?? at,
    });
  }

  async holdInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    request: { requestId: string; at: string },
  ): Promise<{ held: true } | { held: false; task?: TaskRecord }> {
    const stored = this.table.tasks.get(task.taskId);
    if (stored?.referralId !== task.referralId) return { held: false };
    const free = stored.openRequestId === undefined || stored.openRequestId === request.requestId;
    if (stored.state !== "open" || !free) return { held: false, task: copy(stored) };
    stored.openRequestId = request.requestId;
    stored.openRequestAt ??= request.at;
    return { held: true };
  }

  async closeInformationRequest(task: Pick<TaskRecord, "referralId" | "taskId">, requestId: string) {
    const stored = this.table.tasks.get(task.taskId);
    if (stored?.referralId !== task.referralId || stored.openRequestId !== requestId) return false;
    delete stored.openRequestId;
    delete stored.openRequestAt;
    return true;
  }

  /** As the index's sparse partition: open tasks with an open request, oldest request first. */
  async openInformationRequests(query: {
    limit: number;
    cursor?: string;
  }): Promise<OpenInformationRequestPage> {
    const rows = [...this.table.tasks.values()]
      .filter((task) => task.state === "open" && task.openRequestId !== undefined)
      .map((task) => ({
        sortKey: `${task.openRequestAt ?? ""}#${task.referralId}#${task.taskId}`,
        row: { referralId: task.referralId, taskId: task.taskId, requestedAt: task.openRequestAt ?? "" },
      }));
    return pageOf(rows, query);
  }

  /** As the index's sparse partition: the DynamoDB store's start-of-care items, from the referrals. */
  async startsOfCareToConfirm(query: {
    dueBefore: IsoDate;
    limit: number;
    cursor?: string;
  }): Promise<StartOfCareToConfirmPage> {
    const rows = [...this.table.referrals.values()]
      .filter((referral) => referral.status === "decided")
      .flatMap((referral) => {
        const item = startOfCareDueItem(referral);
        if (typeof item?.gsi1sk !== "string" || item.gsi1sk >= query.dueBefore) return [];
        const row: StartOfCareToConfirm = {
          referralId: referral.referralId,
          startOfCareDeadline: String(item.startOfCareDeadline),
          ...(typeof item.plannedStart === "string" ? { plannedStart: item.plannedStart } : {}),
        };
        return [{ sortKey: item.gsi1sk, row }];
      });
    return pageOf(rows, query);
  }
}

/**
 * One page of an index partition's lines by their sort key; the cursor is base64url of the last
 * line's sort key, and anything else is refused as the DynamoDB store refuses a forged cursor.
 */
function pageOf<T>(lines: { sortKey: string; row: T }[], query: { limit: number; cursor?: string }) {
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = /^[A-Za-z0-9_-]+$/.test(query.cursor)
      ? Buffer.from(query.cursor, "base64url").toString("utf8")
      : "";
    if (!/^\d{4}-\d{2}-\d{2}.*#.+$/.test(after)) {
      throw new InvalidCursor("must be a cursor from a previous page of this list");
    }
  }
  const rest = lines
    .sort((a, b) => a.sortKey.localeCompare(b.sortKey))
    .filter((line) => after === undefined || line.sortKey > after);
  const page = rest.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page.map((line) => line.row),
    ...(rest.length > query.limit && last
      ? { nextCursor: Buffer.from(last.sortKey, "utf8").toString("base64url") }
      : {}),
  };
}
