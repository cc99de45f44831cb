/**
 * The TaskRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import type { Decision } from "../../../functions/domain/decision";
import { StaleStateError, type TaskRecords } from "../../../functions/domain/ports";
import type { AuditEvent, TaskRecord } from "../../../functions/domain/records";
import { copy, type MemoryTable } from "./table";

export class InMemoryTasks implements TaskRecords {
  constructor(private readonly table: MemoryTable) {}

  async createTask(task: TaskRecord, event: AuditEvent, options: { ordinal?: number } = {}) {
    if (this.table.tasks.has(task.taskId)) throw new StaleStateError("task already exists");
    const place = options.ordinal === undefined ? undefined : `${task.referralId}#${options.ordinal}`;
    if (place !== undefined) {
      if (this.table.taskPlaces.has(place)) throw new StaleStateError("task place taken");
      this.table.taskPlaces.add(place);
    }
    this.table.tasks.set(task.taskId, copy(task));
    this.table.event(task.referralId, event);
  }

  async findTask(taskId: string) {
    const found = this.table.tasks.get(taskId);
    return found ? copy(found) : undefined;
  }

  async getTask(referralId: string, taskId: string) {
    const found = this.table.tasks.get(taskId);
    return found?.referralId === referralId ? copy(found) : undefined;
  }

  async listTasks(referralId: string) {
    return this.table.tasksOf(referralId);
  }

  async rearmTask(task: TaskRecord, rearm: { taskToken: string; rearmedAt: string }, event: AuditEvent) {
    const stored = this.table.tasks.get(task.taskId);
    if (!stored || (stored.state !== "open" && stored.state !== "answered")) {
      throw new StaleStateError("task can no longer be re-armed");
    }
    stored.taskToken = rearm.taskToken;
    stored.rearmedAt = rearm.rearmedAt;
    this.table.event(task.referralId, event);
  }

  async answerTask(
    task: TaskRecord,
    answer: { decision: Decision; answeredBy: string; answeredAt: string; answerStoredAt?: string },
    event: AuditEvent,
  ) {
    const stored = this.table.tasks.get(task.taskId);
    if (stored?.state !== "open") throw new StaleStateError("task is no longer open");
    Object.assign(stored, { state: "answered", ...copy(answer) });
    this.table.pendingDecisions.set(task.referralId, {
      referralId: task.referralId,
      taskId: task.taskId,
      outcome: answer.decision.outcome,
      answeredAt: answer.answeredAt,
    });
    this.table.event(task.referralId, event);
  }

  async reopenTask(task: TaskRecord) {
    const stored = this.table.tasks.get(task.taskId);
    if (stored?.state !== "answered") throw new StaleStateError("task is not answered");
    stored.state = "open";
    delete stored.decision;
    delete stored.answeredBy;
    delete stored.answeredAt;
    delete stored.answerStoredAt;
    if (this.table.pendingDecisions.get(task.referralId)?.taskId === task.taskId) {
      this.table.pendingDecisions.delete(task.referralId);
    }
  }

  async expireTask(task: TaskRecord) {
    const stored = this.table.tasks.get(task.taskId);
    if (stored) stored.state = "expired";
  }

  async reviveTask(task: TaskRecord, rearm: { taskToken: string; rearmedAt: string }, event: AuditEvent) {
    const stored = this.table.tasks.get(task.taskId);
    if (stored?.referralId !== task.referralId || stored.state !== "expired" || stored.decision) {
      throw new StaleStateError("task cannot be revived");
    }
    stored.state = "open";
    stored.taskToken = rearm.taskToken;
    stored.rearmedAt = rearm.rearmedAt;
    this.table.event(task.referralId, event);
  }
}
