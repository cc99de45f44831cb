/**
 * The referral store on the one DynamoDB table (see dynamo-table.ts for its keys, the records it
 * reads back and the guarded write every change takes).
 */

import { randomBytes } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  IdempotencyKeyTaken,
  type IdempotencyRecord,
  type ReferralFile,
  type ReferralFlag,
  type ReferralHistory,
  type ReferralStore,
  StaleStateError,
  type StatisticsSource,
} from "../domain/ports";
import type {
  AuditEvent,
  BreachBasis,
  HelfoNotificationRecord,
  LetterRecord,
  MeetingRecord,
  PendingDecision,
  PriorityChange,
  ReferralRecord,
  StaffEmailRecord,
  TaskRecord,
} from "../domain/records";
import type { Month, MonthCounters, Tally } from "../domain/statistics";
import { TTL_ATTRIBUTE } from "./dynamo-sessions";
import {
  AWAITING_POSTAL_PARTITION,
  agendaKey,
  awaitingPostalKeys,
  DynamoTable,
  HELFO_PARTITION,
  helfoKey,
  idempotencyKey,
  landed,
  letterKey,
  MEETING_ATTRIBUTES,
  MEETING_PARTITION,
  meetingKey,
  meetingMemberKey,
  meetingPartition,
  meetingSortKey,
  PENDING_DECISION_PARTITION,
  pendingDecisionKey,
  portalIndexKeys,
  recordFrom,
  referralKey,
  referralPartition,
  STAFF_EMAIL_RETENTION_DAYS,
  STATISTICS_SHARDS,
  staffEmailExpiry,
  staffEmailKey,
  statisticsKey,
  type TransactItem,
  taskKey,
  taskPlaceKey,
  worklistKeys,
} from "./dynamo-table";

// Where other modules have always found them.
export {
  AWAITING_POSTAL_PARTITION,
  awaitingPostalKeys,
  letterKey,
  MEETING_PARTITION,
  PENDING_DECISION_PARTITION,
  portalIndexKeys,
  STAFF_EMAIL_RETENTION_DAYS,
  STATISTICS_SHARDS,
  staffEmailExpiry,
};

/** DynamoDB implementation of the ReferralStore port, and the statistics counters it maintains. */
export class DynamoReferralStore implements ReferralStore, StatisticsSource {
  private readonly table: DynamoTable;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.table = new DynamoTable(client, tableName);
  }

  async monthCounters(months: Month[]): Promise<Map<Month, MonthCounters>> {
    const counters = new Map<Month, MonthCounters>();
    const keys = months.flatMap((month) =>
      Array.from({ length: STATISTICS_SHARDS }, (_, shard) => statisticsKey(month, shard)),
    );
    for (const item of await this.table.batchGetAll(keys)) {
      const month = counters.get(String(item.month)) ?? {};
      for (const [name, value] of Object.entries(item)) {
        if (name.startsWith("c.") && typeof value === "number") {
          month[name.slice(2)] = (month[name.slice(2)] ?? 0) + value;
        }
      }
      counters.set(String(item.month), month);
    }
    return counters;
  }

  async createReferral(
    referral: ReferralRecord,
    idempotency: IdempotencyRecord,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...idempotencyKey(idempotency.scope, idempotency.key),
                  recordType: "idempotency",
                  ...idempotency,
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...referralKey(referral.referralId),
                  ...worklistKeys(referral.status, referral.assessmentDueDate, referral.referralId),
                  ...(referral.portal
                    ? portalIndexKeys(
                        referral.portal,
                        referral.status,
                        referral.assessmentDueDate,
                        referral.referralId,
                      )
                    : {}),
                  recordType: "referral",
                  ...referral,
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            this.table.eventPut(referral.referralId, event),
            ...this.table.tallyUpdate(tally),
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed"
      ) {
        throw new IdempotencyKeyTaken("the idempotency key was used by a concurrent request");
      }
      throw error;
    }
  }

  async getIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyKey(scope, key), ConsistentRead: true }),
    );
    return Item ? recordFrom("idempotency", Item) : undefined;
  }

  async getReferral(referralId: string): Promise<ReferralRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: referralKey(referralId), ConsistentRead: true }),
    );
    return Item ? recordFrom("referral", Item) : undefined;
  }

  async getReferralFile(referralId: string): Promise<ReferralFile | undefined> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": referralPartition(referralId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const referralItem = items.find((item) => item.recordType === "referral");
    if (!referralItem) return undefined;
    const ofType = <N extends "event" | "letter" | "task">(type: N) =>
      items.filter((item) => item.recordType === type).map((item) => recordFrom(type, item));
    return {
      referral: recordFrom("referral", referralItem),
      events: ofType("event"),
      letters: ofType("letter"),
      tasks: ofType("task"),
    };
  }

  async getReferralHistory(referralId: string): Promise<ReferralHistory | undefined> {
    const [referral, events] = await Promise.all([this.getReferral(referralId), this.listEvents(referralId)]);
    return referral ? { referral, events } : undefined;
  }

  /** A referral's audit events, oldest first (their sort keys begin with the time). */
  private async listEvents(referralId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :event)",
          ExpressionAttributeValues: { ":pk": referralPartition(referralId), ":event": "EVENT#" },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      events.push(...(page.Items ?? []).map((item) => recordFrom("event", item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  /** The portal that owns a referral and its due date: what its portal index keys are made of. */
  private async portalOf(
    referralId: string,
  ): Promise<{ portal: string; assessmentDueDate: string } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: referralKey(referralId),
        ProjectionExpression: "portal, assessmentDueDate",
        ConsistentRead: true,
      }),
    );
    const portal = Item?.portal;
    const due = Item?.assessmentDueDate;
    return typeof portal === "string" && typeof due === "string"
      ? { portal, assessmentDueDate: due }
      : undefined;
  }

  /**
   * Gives referrals stored before the portal index existed their portal index keys (those with a
   * portal and without the keys), so GET /referrals lists them. A one-off migration (a Scan, run by
   * `npx frist backfill-portal-index` or the local runtime at start), idempotent: a referral that has
   * its keys is left alone. Returns how many it keyed.
   */
  async backfillPortalIndex(): Promise<number> {
    let keyed = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression:
            "recordType = :referral AND attribute_exists(portal) AND attribute_not_exists(gsi2pk)",
          ExpressionAttributeValues: { ":referral": "referral" },
          ProjectionExpression: "referralId, portal, #status, assessmentDueDate",
          ExpressionAttributeNames: { "#status": "status" },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { referralId, portal, status, assessmentDueDate } = item as Record<string, string>;
        if (!referralId || !portal || !status || !assessmentDueDate) continue;
        const keys = portalIndexKeys(portal, status, assessmentDueDate, referralId);
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: referralKey(referralId),
              UpdateExpression: "SET gsi2pk = :pk, gsi2sk = :sk",
              // Only if nothing moved it meanwhile (a status change writes the keys itself).
              ConditionExpression: "attribute_not_exists(gsi2pk) AND #status = :status",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":pk": keys.gsi2pk, ":sk": keys.gsi2sk, ":status": status },
            }),
          );
          keyed += 1;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return keyed;
  }

  async changeStatus(
    referralId: string,
    change: Parameters<ReferralStore["changeStatus"]>[1],
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":to": change.to };
    // The status half of the worklist key moves with the status; the due-date half only when the
    // due date is recomputed under the clinic's calendar rules.
    const sets = ["#status = :to", "gsi1pk = :to"];
    change.from.forEach((status, index) => {
      values[`:from${index}`] = status;
    });
    // The portal index key moves with the status too (the portal never changes, so reading it first
    // is safe; a referral without a portal has no portal index keys).
    const owner = await this.portalOf(referralId);
    if (owner) {
      const keys = portalIndexKeys(
        owner.portal,
        change.to,
        change.assessmentDueDate ?? owner.assessmentDueDate,
        referralId,
      );
      sets.push("gsi2pk = :portalPk", "gsi2sk = :portalSk");
      values[":portalPk"] = keys.gsi2pk;
      values[":portalSk"] = keys.gsi2sk;
    }
    if (change.assignment) {
      sets.push("assignment = :assignment");
      values[":assignment"] = change.assignment;
    }
    if (change.failure) {
      sets.push("failure = :failure");
      values[":failure"] = change.failure;
    }
    if (change.assessmentDueDate) {
      sets.push("assessmentDueDate = :due", "gsi1sk = :dueKey");
      values[":due"] = change.assessmentDueDate;
      values[":dueKey"] = worklistKeys(change.to, change.assessmentDueDate, referralId).gsi1sk;
    }
    // A referral seated in a meeting is filed under it in the same write, for the meeting's agenda.
    const meetingId = change.assignment?.meetingId;
    const filing: TransactItem[] = meetingId
      ? [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...meetingMemberKey(meetingId, referralId),
                recordType: "meeting-referral",
                meetingId,
                referralId,
              },
            },
          },
        ]
      : [];
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: referralKey(referralId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: `#status IN (${change.from.map((_, index) => `:from${index}`).join(", ")})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      alongside: filing,
      referralId,
      event,
      tally,
      staleMessage: "referral is not in the expected status",
    });
  }

  async flagReferral(
    referralId: string,
    flag: ReferralFlag,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean> {
    return landed(
      this.table.writeWithEvent({
        write: {
          Update: {
            Key: referralKey(referralId),
            UpdateExpression: "SET #flag = :true",
            ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(#flag) OR #flag = :false)",
            ExpressionAttributeNames: { "#flag": flag },
            ExpressionAttributeValues: { ":true": true, ":false": false },
          },
        },
        referralId,
        event,
        tally,
        staleMessage: "referral is already flagged",
      }),
    );
  }

  async changePriority(referralId: string, change: PriorityChange, event: AuditEvent): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: referralKey(referralId),
          UpdateExpression:
            "SET #priority = :to, priorityChanges = list_append(if_not_exists(priorityChanges, :none), :change)",
          ConditionExpression: "#status IN (:received, :awaiting) AND #priority = :from",
          ExpressionAttributeNames: { "#status": "status", "#priority": "priority" },
          ExpressionAttributeValues: {
            ":to": change.to,
            ":from": change.from,
            ":none": [],
            ":change": [change],
            ":received": "received",
            ":awaiting": "awaiting-assessment",
          },
        },
      },
      referralId,
      event,
      staleMessage: "referral does not wait for assessment at that priority",
    });
  }

  async appendEvent(referralId: string, event: AuditEvent): Promise<void> {
    await this.table.transact([this.table.eventPut(referralId, event)], "event already exists");
  }

  async createTask(task: TaskRecord, event: AuditEvent, options: { ordinal?: number } = {}): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Put: {
          Item: { ...taskKey(task.referralId, task.taskId), recordType: "task", ...task },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      // The task's place among the referral's tasks: one task per place.
      alongside:
        options.ordinal === undefined
          ? []
          : [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...taskPlaceKey(task.referralId, options.ordinal),
                    recordType: "task-place",
                    // Not `taskId`: that attribute keys the byTaskId index, which must find the task only.
                    heldBy: task.taskId,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
      referralId: task.referralId,
      event,
      staleMessage: "task already exists",
    });
  }

  async findTask(taskId: string): Promise<TaskRecord | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byTaskId",
        KeyConditionExpression: "taskId = :taskId",
        ExpressionAttributeValues: { ":taskId": taskId },
        Limit: 1,
      }),
    );
    const found = Items?.[0];
    // The index is eventually consistent: read the task itself for its current state.
    return found ? this.getTask(String(found.referralId), taskId) : undefined;
  }

  async getTask(referralId: string, taskId: string): Promise<TaskRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: taskKey(referralId, taskId), ConsistentRead: true }),
    );
    return Item ? recordFrom("task", Item) : undefined;
  }

  async listTasks(referralId: string): Promise<TaskRecord[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :task)",
      ExpressionAttributeValues: { ":pk": referralPartition(referralId), ":task": "TASK#" },
      ConsistentRead: true,
    });
    return items
      .map((item) => recordFrom("task", item))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async rearmTask(
    task: TaskRecord,
    rearm: Parameters<ReferralStore["rearmTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET taskToken = :token, rearmedAt = :at",
          ConditionExpression: "#state IN (:open, :answered)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":token": rearm.taskToken,
            ":at": rearm.rearmedAt,
            ":open": "open",
            ":answered": "answered",
          },
        },
      },
      referralId: task.referralId,
      event,
      staleMessage: "task can no longer be re-armed",
    });
  }

  async answerTask(
    task: TaskRecord,
    answer: Parameters<ReferralStore["answerTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: `SET #state = :answered, decision = :decision, answeredBy = :by, answeredAt = :at${
            answer.answerStoredAt ? ", answerStoredAt = :storedAt" : ""
          }`,
          ConditionExpression: "#state = :open",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":answered": "answered",
            ":open": "open",
            ":decision": answer.decision,
            ":by": answer.answeredBy,
            ":at": answer.answeredAt,
            ...(answer.answerStoredAt ? { ":storedAt": answer.answerStoredAt } : {}),
          },
        },
      },
      alongside: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...pendingDecisionKey(task.referralId),
              recordType: "pending-decision",
              gsi1pk: PENDING_DECISION_PARTITION,
              gsi1sk: `${answer.answeredAt}#${task.referralId}`,
              referralId: task.referralId,
              taskId: task.taskId,
              outcome: answer.decision.outcome,
              answeredAt: answer.answeredAt,
            } satisfies PendingDecision & Record<string, unknown>,
          },
        },
      ],
      referralId: task.referralId,
      event,
      staleMessage: "task is no longer open",
    });
  }

  async reopenTask(task: TaskRecord): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: taskKey(task.referralId, task.taskId),
        UpdateExpression: "SET #state = :open REMOVE decision, answeredBy, answeredAt, answerStoredAt",
        ConditionExpression: "#state = :answered",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":open": "open", ":answered": "answered" },
      }),
    );
    await this.dropPendingDecision(task.referralId, task.taskId);
  }

  /** Deletes the referral's pending decision if it is this task's (a newer one stays). */
  private async dropPendingDecision(referralId: string, taskId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pendingDecisionKey(referralId),
          ConditionExpression: "taskId = :taskId",
          ExpressionAttributeValues: { ":taskId": taskId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async listPendingDecisions(answeredBefore: Date): Promise<PendingDecision[]> {
    const items = await this.table.queryAll({
      IndexName: "worklist",
      KeyConditionExpression: "gsi1pk = :partition AND gsi1sk < :before",
      ExpressionAttributeValues: {
        ":partition": PENDING_DECISION_PARTITION,
        ":before": answeredBefore.toISOString(),
      },
    });
    return items.map((item) => recordFrom("pendingDecision", item));
  }

  async clearPendingDecision(referralId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: pendingDecisionKey(referralId) }),
    );
  }

  async expireTask(task: TaskRecord): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET #state = :expired",
          // An update without a condition would create a bare item for a task that is not there.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":expired": "expired" },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async reviveTask(
    task: TaskRecord,
    rearm: Parameters<ReferralStore["reviveTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET #state = :open, taskToken = :token, rearmedAt = :at",
          ConditionExpression: "#state = :expired AND attribute_not_exists(decision)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":open": "open",
            ":expired": "expired",
            ":token": rearm.taskToken,
            ":at": rearm.rearmedAt,
          },
        },
      },
      referralId: task.referralId,
      event,
      staleMessage: "task cannot be revived",
    });
  }

  async recordDecision(
    referralId: string,
    decision: Parameters<ReferralStore["recordDecision"]>[1],
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    const referral = await this.getReferral(referralId);
    if (referral?.decision?.taskId === decision.taskId) {
      // A retried step: already recorded (and its pending decision dropped in that same write).
      return;
    }
    const owner = referral?.portal
      ? { portal: referral.portal, assessmentDueDate: referral.assessmentDueDate }
      : undefined;
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: referralKey(referralId),
          UpdateExpression: `SET #status = :decided, gsi1pk = :decided, decision = :decision${
            owner ? ", gsi2pk = :portalPk, gsi2sk = :portalSk" : ""
          }`,
          ConditionExpression: "#status = :awaiting",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":decided": "decided",
            ":awaiting": "awaiting-assessment",
            ":decision": decision,
            ...(owner
              ? (({ gsi2pk, gsi2sk }) => ({ ":portalPk": gsi2pk, ":portalSk": gsi2sk }))(
                  portalIndexKeys(owner.portal, "decided", owner.assessmentDueDate, referralId),
                )
              : {}),
          },
        },
      },
      alongside: [{ Delete: { TableName: this.tableName, Key: pendingDecisionKey(referralId) } }],
      referralId,
      event,
      tally,
      staleMessage: "referral is not awaiting assessment",
    });
  }

  async takeSeat(meetingId: string, startsAt: Date, capacity: number, holder?: string): Promise<boolean> {
    const startsAtIso = startsAt.toISOString();
    try {
      // One conditional UpdateItem: the counter and its check are atomic, so concurrent referrals
      // can never push `seats` past `capacity`. The first seat creates the item and its agenda id.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: meetingKey(meetingId),
          UpdateExpression:
            `ADD #seats :one${holder ? ", holders :holders" : ""} SET meetingId = :id, startsAt = :startsAt, #capacity = :capacity, ` +
            "recordType = :type, gsi1pk = :partition, gsi1sk = :sortKey, agendaId = if_not_exists(agendaId, :agendaId)",
          // A holder takes one seat however often it asks: a retry after an answer that was lost
          // (a timeout after the write landed) must not take a second seat.
          ConditionExpression: holder
            ? "(attribute_not_exists(#seats) OR #seats < :capacity) AND NOT contains(holders, :holder)"
            : "attribute_not_exists(#seats) OR #seats < :capacity",
          // CAPACITY is a DynamoDB reserved word; both counter names are aliased alike.
          ExpressionAttributeNames: { "#seats": "seats", "#capacity": "capacity" },
          ExpressionAttributeValues: {
            ...(holder ? { ":holders": new Set([holder]), ":holder": holder } : {}),
            ":one": 1,
            ":id": meetingId,
            ":startsAt": startsAtIso,
            ":capacity": capacity,
            ":type": "meeting",
            ":partition": MEETING_PARTITION,
            ":sortKey": meetingSortKey(startsAtIso, meetingId),
            ":agendaId": randomBytes(32).toString("base64url"),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!holder) return false;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: meetingKey(meetingId), ConsistentRead: true }),
      );
      return (Item?.holders as Set<string> | undefined)?.has(holder) ?? false;
    }
  }

  async getMeeting(meetingId: string): Promise<MeetingRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: meetingKey(meetingId), ConsistentRead: true }),
    );
    return Item ? recordFrom("meeting", Item) : undefined;
  }

  async meetingsStartingBetween(from: Date, until: Date): Promise<MeetingRecord[]> {
    const items = await this.table.queryAll({
      IndexName: "worklist",
      KeyConditionExpression: "gsi1pk = :partition AND gsi1sk BETWEEN :from AND :until",
      ExpressionAttributeValues: {
        ":partition": MEETING_PARTITION,
        ":from": from.toISOString(),
        // "<until>#…" sorts after "<until>" itself: "~" closes the range after every meeting id.
        ":until": `${until.toISOString()}~`,
      },
      ProjectionExpression: MEETING_ATTRIBUTES.map((_, index) => `#a${index}`).join(", "),
      ExpressionAttributeNames: Object.fromEntries(
        MEETING_ATTRIBUTES.map((name, index) => [`#a${index}`, name]),
      ),
    });
    return items.map((item) => recordFrom("meeting", item));
  }

  async claimAgenda(meeting: MeetingRecord, sentAt: string): Promise<boolean> {
    return landed(
      this.table.transact(
        [
          {
            Update: {
              TableName: this.tableName,
              Key: meetingKey(meeting.meetingId),
              UpdateExpression: "SET agendaSentAt = :sentAt",
              ConditionExpression: "agendaId = :agendaId AND attribute_not_exists(agendaSentAt)",
              ExpressionAttributeValues: { ":sentAt": sentAt, ":agendaId": meeting.agendaId },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...agendaKey(meeting.agendaId),
                recordType: "agenda",
                agendaId: meeting.agendaId,
                meetingId: meeting.meetingId,
              },
            },
          },
        ],
        "agenda already claimed",
      ),
    );
  }

  async releaseAgenda(meeting: MeetingRecord, sentAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: meetingKey(meeting.meetingId),
          UpdateExpression: "REMOVE agendaSentAt",
          ConditionExpression: "agendaSentAt = :sentAt",
          ExpressionAttributeValues: { ":sentAt": sentAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async completeAgenda(meeting: MeetingRecord, deliveredAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: meetingKey(meeting.meetingId),
          UpdateExpression: "SET agendaDeliveredAt = :at",
          ConditionExpression: "agendaId = :agendaId AND attribute_not_exists(agendaDeliveredAt)",
          ExpressionAttributeValues: { ":at": deliveredAt, ":agendaId": meeting.agendaId },
        }),
      );
    } catch (error) {
      // Already delivered (an overlapping run finished it): nothing to do.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async findMeetingByAgendaId(agendaId: string): Promise<MeetingRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: agendaKey(agendaId), ConsistentRead: true }),
    );
    if (typeof Item?.meetingId !== "string") return undefined;
    const meeting = await this.getMeeting(Item.meetingId);
    return meeting?.agendaId === agendaId ? meeting : undefined;
  }

  async listMeetingReferrals(meetingId: string): Promise<ReferralRecord[]> {
    const members = await this.table.queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :referral)",
      ExpressionAttributeValues: { ":pk": meetingPartition(meetingId), ":referral": "REFERRAL#" },
      ProjectionExpression: "referralId",
      ConsistentRead: true,
    });
    const keys = members.map((item) => referralKey(String(item.referralId)));
    return (await this.table.batchGetAll(keys)).map((item) => recordFrom("referral", item));
  }

  async claimLetter(letter: LetterRecord): Promise<LetterRecord | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...letterKey(letter),
            ...(letter.status === "awaiting-postal" ? awaitingPostalKeys(letter) : {}),
            recordType: "letter",
            ...letter,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: letterKey(letter), ConsistentRead: true }),
      );
      return Item ? recordFrom("letter", Item) : undefined;
    }
  }

  async takeOverLetter(letter: LetterRecord, fromClaimId: string | undefined): Promise<boolean> {
    // A claim made before letters had links gets one; a link once set is never changed.
    return this.takeOverSendClaim(letterKey(letter), letter, fromClaimId, letter.linkId);
  }

  async releaseLetter(letter: LetterRecord): Promise<void> {
    await this.releaseSendClaim(letterKey(letter), letter.claimId);
  }

  async claimStaffEmail(email: StaffEmailRecord): Promise<StaffEmailRecord | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...staffEmailKey(email),
            recordType: "staff-email",
            ...email,
            // From the wall-clock claim time (the simulated clock's createdAt may run far ahead locally).
            [TTL_ATTRIBUTE]: staffEmailExpiry(email.claimedAt ?? new Date().toISOString()),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: staffEmailKey(email), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { [TTL_ATTRIBUTE]: _expiry, ...record } = Item;
      return recordFrom("staffEmail", record);
    }
  }

  async takeOverStaffEmail(email: StaffEmailRecord, fromClaimId: string | undefined): Promise<boolean> {
    return this.takeOverSendClaim(staffEmailKey(email), email, fromClaimId);
  }

  async releaseStaffEmail(email: StaffEmailRecord): Promise<void> {
    await this.releaseSendClaim(staffEmailKey(email), email.claimId);
  }

  /**
   * Moves the claim on a send still in progress (a letter or a staff email) from `fromClaimId`, or
   * from no one, to `claim`; false when someone else holds it or it was sent. With `linkId`, a
   * letter claimed before letters had links gets that one.
   */
  private async takeOverSendClaim(
    key: Record<string, string>,
    claim: { claimId?: string; claimedAt?: string },
    fromClaimId: string | undefined,
    linkId?: string,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET claimId = :claimId, claimedAt = :claimedAt${
            linkId ? ", linkId = if_not_exists(linkId, :linkId)" : ""
          }`,
          ConditionExpression:
            fromClaimId === undefined
              ? "#status = :sending AND attribute_not_exists(claimId)"
              : "#status = :sending AND claimId = :from",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":claimId": claim.claimId,
            ":claimedAt": claim.claimedAt,
            ...(linkId ? { ":linkId": linkId } : {}),
            ...(fromClaimId === undefined ? {} : { ":from": fromClaimId }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives up a claim on a send still in progress, if `claimId` still holds it. */
  private async releaseSendClaim(key: Record<string, string>, claimId: string | undefined): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: "#status = :sending AND claimId = :claimId",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":sending": "sending", ":claimId": claimId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async completeStaffEmail(
    email: StaffEmailRecord,
    sent: { sentAt: string; messageId: string },
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: staffEmailKey(email),
          UpdateExpression: "SET #status = :sent, sentAt = :sentAt, messageId = :messageId",
          // Only over a claim: a record released meanwhile is not brought back as a bare item.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sent": "sent",
            ":sentAt": sent.sentAt,
            ":messageId": sent.messageId,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async completeLetter(
    letter: LetterRecord,
    outcome: Parameters<ReferralStore["completeLetter"]>[1],
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    const values: Record<string, unknown> = { ":status": outcome.status };
    const sets = ["#status = :status"];
    if (outcome.sentAt) {
      sets.push("sentAt = :sentAt");
      values[":sentAt"] = outcome.sentAt;
    }
    if (outcome.messageId) {
      sets.push("messageId = :messageId");
      values[":messageId"] = outcome.messageId;
    }
    if (outcome.status === "awaiting-postal") {
      // Listed at GET /letters?status=awaiting-postal until someone marks it posted.
      const keys = awaitingPostalKeys(letter);
      sets.push("gsi1pk = :postalPk", "gsi1sk = :postalSk");
      values[":postalPk"] = keys.gsi1pk;
      values[":postalSk"] = keys.gsi1sk;
    }
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: letterKey(letter),
          UpdateExpression: `SET ${sets.join(", ")}`,
          // Counted once: with a tally, a letter already in this status is not completed again.
          ...(tally ? { ConditionExpression: "#status <> :status" } : {}),
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
        },
      },
      referralId: letter.referralId,
      event,
      tally,
      staleMessage: "letter could not be completed",
    });
  }

  async markLetterPosted(
    letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
    posted: { sentAt: string; postedBy: string },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: letterKey(letter),
          // Off the postal list (the index entry goes with the keys) and sent.
          UpdateExpression: "SET #status = :sent, sentAt = :sentAt, postedBy = :by REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "attribute_exists(pk) AND #status = :awaiting",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sent": "sent",
            ":awaiting": "awaiting-postal",
            ":sentAt": posted.sentAt,
            ":by": posted.postedBy,
          },
        },
      },
      referralId: letter.referralId,
      event,
      tally,
      staleMessage: "letter is not awaiting postal dispatch",
    });
  }

  async recordStartOfCare(
    referralId: string,
    change: { plannedStart?: string; startedOn?: string },
    event: AuditEvent,
    counted?: { before: { startedOn: string | null; breached: boolean }; tally?: Tally },
  ): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = { ":decided": "decided" };
    const conditions = ["attribute_exists(pk)", "#status = :decided"];
    if (counted) {
      const { startedOn, breached } = counted.before;
      if (startedOn === null) conditions.push("attribute_not_exists(careStartedOn)");
      else {
        conditions.push("careStartedOn = :before");
        values[":before"] = startedOn;
      }
      conditions.push(
        breached
          ? "startOfCareBreached = :true"
          : "(attribute_not_exists(startOfCareBreached) OR startOfCareBreached = :false)",
      );
      if (breached) values[":true"] = true;
      else values[":false"] = false;
    }
    if (change.plannedStart) {
      sets.push("carePlannedStart = :planned");
      values[":planned"] = change.plannedStart;
    }
    if (change.startedOn) {
      sets.push("careStartedOn = :started");
      values[":started"] = change.startedOn;
    }
    if (sets.length === 0) return;
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: referralKey(referralId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
        },
      },
      referralId,
      event,
      tally: counted?.tally,
      staleMessage: `referral ${referralId} is not decided, or its start changed meanwhile`,
    });
  }

  async recordStartOfCareBreach(
    referralId: string,
    breach: { basis: BreachBasis; notification?: HelfoNotificationRecord },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean> {
    const { notification } = breach;
    return landed(
      this.table.writeWithEvent({
        write: {
          Update: {
            Key: referralKey(referralId),
            UpdateExpression: "SET startOfCareBreached = :true, startOfCareBreachBasis = :basis",
            ConditionExpression:
              "attribute_exists(pk) AND (attribute_not_exists(startOfCareBreached) OR startOfCareBreached = :false)",
            ExpressionAttributeValues: { ":true": true, ":false": false, ":basis": breach.basis },
          },
        },
        alongside: notification
          ? [
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...helfoKey(notification), recordType: "helfo-notification", ...notification },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ]
          : [],
        referralId,
        event,
        tally,
        staleMessage: `referral ${referralId} has its start-of-care breach recorded`,
      }),
    );
  }

  async recordExpectedBreach(
    referralId: string,
    expected: NonNullable<ReferralRecord["startOfCareExpectedBreach"]>,
    notification: HelfoNotificationRecord,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean> {
    return landed(
      this.table.writeWithEvent({
        write: {
          Update: {
            Key: referralKey(referralId),
            UpdateExpression: "SET startOfCareExpectedBreach = :expected",
            ConditionExpression:
              "attribute_exists(pk) AND #status = :decided AND attribute_not_exists(startOfCareExpectedBreach) AND attribute_not_exists(careStartedOn) AND (attribute_not_exists(startOfCareBreached) OR startOfCareBreached = :false)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":expected": expected, ":decided": "decided", ":false": false },
          },
        },
        alongside: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...helfoKey(notification), recordType: "helfo-notification", ...notification },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
        referralId,
        event,
        tally,
        staleMessage: `referral ${referralId} has its expected breach recorded, a start, or a breach`,
      }),
    );
  }

  async holdInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    request: { requestId: string; at: string },
  ): Promise<{ held: true } | { held: false; task?: TaskRecord }> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET openRequestId = :id, openRequestAt = if_not_exists(openRequestAt, :at)",
          ConditionExpression:
            "attribute_exists(pk) AND #state = :open AND (attribute_not_exists(openRequestId) OR openRequestId = :id)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":id": request.requestId, ":at": request.at, ":open": "open" },
        }),
      );
      return { held: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.getTask(task.referralId, task.taskId);
      return { held: false, ...(stored ? { task: stored } : {}) };
    }
  }

  async closeInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    requestId: string,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "REMOVE openRequestId, openRequestAt",
          ConditionExpression: "openRequestId = :id",
          ExpressionAttributeValues: { ":id": requestId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markHelfoReported(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    reported: { reportedOn: string; reportedBy: string; reportedAt: string },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: helfoKey(notification),
          UpdateExpression:
            "SET #status = :reported, reportedOn = :reportedOn, reportedBy = :reportedBy, reportedAt = :reportedAt",
          ConditionExpression: "attribute_exists(pk) AND #status = :toReport",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":reported": "reported",
            ":toReport": "to-report",
            ":reportedOn": reported.reportedOn,
            ":reportedBy": reported.reportedBy,
            ":reportedAt": reported.reportedAt,
          },
        },
      },
      referralId: notification.referralId,
      event,
      tally,
      staleMessage: "no Helfo notification to report",
    });
  }

  async markHelfoPatientInformed(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    at: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: helfoKey(notification),
          UpdateExpression: "SET patientInformedAt = if_not_exists(patientInformedAt, :at)",
          ConditionExpression: "attribute_exists(pk) AND #status = :reported",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":at": at, ":reported": "reported" },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new StaleStateError("no reported Helfo notification");
      }
      throw error;
    }
  }

  async listHelfoNotifications(): Promise<HelfoNotificationRecord[]> {
    const notifications: HelfoNotificationRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": HELFO_PARTITION },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      notifications.push(...(page.Items ?? []).map((item) => recordFrom("helfoNotification", item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return notifications;
  }
}
