/**
 * The referral store on one DynamoDB table. A referral's partition holds the referral, its audit
 * events, its letters and its tasks, so one Query reads the whole file. Two indexes serve the other
 * reads: `worklist` (status, then due date) and `byTaskId` (the opaque id in a staff link).
 */

import { randomBytes, randomInt } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  IdempotencyKeyTaken,
  type IdempotencyRecord,
  type ReferralFile,
  type ReferralFlag,
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
  OutgoingMessageRecord,
  PendingDecision,
  PriorityChange,
  ReferralRecord,
  StaffEmailRecord,
  TaskRecord,
} from "../domain/records";
import type { Month, MonthCounters, Tally } from "../domain/statistics";
import { TTL_ATTRIBUTE } from "./dynamo-sessions";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const referralKey = (referralId: string) => ({ pk: `REFERRAL#${referralId}`, sk: "REFERRAL" });
const taskKey = (referralId: string, taskId: string) => ({
  pk: `REFERRAL#${referralId}`,
  sk: `TASK#${taskId}`,
});
/** A letter's key: referral, kind, the request it answers (information requests) and recipient. */
export const letterKey = (
  letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
) => ({
  pk: `REFERRAL#${letter.referralId}`,
  sk: `LETTER#${letter.letterKind}${letter.requestId ? `#${letter.requestId}` : ""}#${letter.recipientRole}`,
});

/** A referral's pending decision (at most one: one live task per referral). */
const pendingDecisionKey = (referralId: string) => ({ pk: `REFERRAL#${referralId}`, sk: "PENDING_DECISION" });
/**
 * The partition of the `worklist` index that lists pending decisions (sparse), sorted
 * "<answeredAt>#<referralId>", so "answered before t" is one key condition.
 */
export const PENDING_DECISION_PARTITION = "PENDING_DECISION";

/** The partition of the `worklist` index that lists the letters waiting to be posted. */
export const AWAITING_POSTAL_PARTITION = "LETTER#awaiting-postal";

/**
 * The `worklist` index keys of a letter waiting to be posted (sparse: removed once it is posted, and
 * never on an emailed letter), oldest first.
 */
export const awaitingPostalKeys = (
  letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "createdAt">,
) => ({
  gsi1pk: AWAITING_POSTAL_PARTITION,
  gsi1sk: `${letter.createdAt}#${letter.referralId}#${letter.letterKind}#${letter.recipientRole}`,
});
const idempotencyKey = (scope: string, key: string) => ({
  pk: `IDEMPOTENCY#${scope}#${key}`,
  sk: "IDEMPOTENCY",
});

/** An intake meeting's counter item; its referrals are filed beside it under `REFERRAL#<id>`. */
const meetingKey = (meetingId: string) => ({ pk: `MEETING#${meetingId}`, sk: "MEETING" });
const meetingMemberKey = (meetingId: string, referralId: string) => ({
  pk: `MEETING#${meetingId}`,
  sk: `REFERRAL#${referralId}`,
});
/**
 * A staff email's key: in the partition of what it is about (the referral, or the meeting of an
 * agenda), by kind, occurrence and recipient.
 */
const staffEmailKey = (
  email: Pick<StaffEmailRecord, "about" | "aboutId" | "kind" | "occurrence" | "to">,
) => ({
  pk: `${email.about === "meeting" ? "MEETING" : "REFERRAL"}#${email.aboutId}`,
  sk: `STAFF_EMAIL#${email.kind}#${email.occurrence}#${email.to.toLowerCase()}`,
});
/**
 * How long a staff email claim is kept after it was first claimed, as the table's TTL. The claim is
 * what stops a retry from sending the email again, so it must outlive every attempt that could
 * re-send the same occurrence: a step's own retries last minutes; a Standard execution, with every
 * retry and timer leg in it, ends at the latest one year (365 days) after it started, so after the
 * claim; the reconciler's resume starts a new execution from the referral's state, which re-attempts
 * only the current stage's emails, keyed on that stage's task id or dates. 400 days covers the
 * longest execution with a month to spare for a late resume; an occurrence re-attempted later than
 * that (a referral resumed by hand more than a year on) is emailed again, once.
 */
export const STAFF_EMAIL_RETENTION_DAYS = 400;

/** The TTL (epoch seconds) of a staff email claimed at `claimedAt` (wall clock). */
export const staffEmailExpiry = (claimedAt: string): number =>
  Math.ceil(Date.parse(claimedAt) / 1000) + STAFF_EMAIL_RETENTION_DAYS * 86_400;

const agendaKey = (agendaId: string) => ({ pk: `AGENDA#${agendaId}`, sk: "AGENDA" });
/** Helfo notifications share one partition, sorted by breach: few, and read all at once for export. */
const HELFO_PARTITION = "HELFO";
const helfoKey = (notification: { breachedAt: string; referralId: string }) => ({
  pk: HELFO_PARTITION,
  sk: `${notification.breachedAt}#${notification.referralId}`,
});
/**
 * Meetings reuse the worklist index sparsely: partition "MEETING" (no referral status is called
 * that), sort "<startsAt ISO>#<meetingId>", so "meetings starting between" is one key condition.
 */
export const MEETING_PARTITION = "MEETING";
const meetingSortKey = (startsAt: string, meetingId: string) => `${startsAt}#${meetingId}`;
/** The attributes of a meeting item (aliased where DynamoDB reserves the word). */
const MEETING_ATTRIBUTES = [
  "meetingId",
  "startsAt",
  "capacity",
  "seats",
  "holders",
  "agendaId",
  "agendaSentAt",
  "agendaDeliveredAt",
];

/**
 * How many items a month's statistics counters are spread over. Every receipt, decision and letter
 * adds to its month inside the transaction that makes the change, and DynamoDB cancels a transaction
 * that touches an item another transaction holds (TransactionConflict): with one item per month,
 * referrals arriving together would conflict on it and be answered 503. Each change adds to one
 * shard at random; a read sums them.
 */
export const STATISTICS_SHARDS = 8;

/**
 * A month's statistics counters, shard `shard`: a flat map of numbers per Oslo month of receipt.
 * Shard 0 is the key the counters had before they were sharded, so a table's earlier counts stay
 * counted.
 */
const statisticsKey = (month: Month, shard: number) => ({
  pk: `STATISTICS#${month}`,
  sk: shard === 0 ? "STATISTICS" : `STATISTICS#${shard}`,
});

/** The worklist index keys: only referrals carry them, so events and letters stay out of the index. */
const worklistKeys = (status: string, dueDate: string, referralId: string) => ({
  gsi1pk: status,
  gsi1sk: `${dueDate}#${referralId}`,
});

/**
 * The portal index keys (`byPortal`): a portal's referrals of one status, soonest deadline first.
 * Only referrals with a portal carry them (a referral stored before portals were told apart belongs
 * to no portal, and stays out).
 */
export const portalIndexKeys = (portal: string, status: string, dueDate: string, referralId: string) => ({
  gsi2pk: `${portal}#${status}`,
  gsi2sk: `${dueDate}#${referralId}`,
});

function stripKeys<T>(item: Record<string, unknown>): T {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g1,
    gsi1sk: _g2,
    gsi2pk: _g3,
    gsi2sk: _g4,
    recordType: _t,
    ...rest
  } = item;
  return rest as T;
}

function toMeeting(item: Record<string, unknown>): MeetingRecord {
  return {
    meetingId: String(item.meetingId),
    startsAt: String(item.startsAt),
    capacity: Number(item.capacity),
    seats: Number(item.seats),
    ...(item.holders instanceof Set ? { holders: [...(item.holders as Set<string>)].sort() } : {}),
    agendaId: String(item.agendaId),
    ...(typeof item.agendaSentAt === "string" ? { agendaSentAt: item.agendaSentAt } : {}),
    ...(typeof item.agendaDeliveredAt === "string" ? { agendaDeliveredAt: item.agendaDeliveredAt } : {}),
  };
}

/** An outgoing message's item: under its referral, by its MsgId. */
function outgoingMessageKey(message: Pick<OutgoingMessageRecord, "referralId" | "msgId">) {
  return { pk: `REFERRAL#${message.referralId}`, sk: `OUTMSG#${message.msgId}` };
}

/** DynamoDB implementation of the ReferralStore port, and the statistics counters it maintains. */
export class DynamoReferralStore implements ReferralStore, StatisticsSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The counters' ADD, as one more item of the transaction that makes the change: both happen or
   * neither does, so a retried step whose condition now fails adds nothing.
   */
  private tallyUpdate(tally: Tally | undefined): TransactItem[] {
    const entries = Object.entries(tally?.add ?? {});
    if (!tally || entries.length === 0) return [];
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: statisticsKey(tally.month, randomInt(STATISTICS_SHARDS)),
          UpdateExpression: `SET recordType = :type, #month = :month ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(", ")}`,
          ExpressionAttributeNames: {
            "#month": "month",
            ...Object.fromEntries(entries.map(([name], i) => [`#c${i}`, `c.${name}`])),
          },
          ExpressionAttributeValues: {
            ":type": "statistics",
            ":month": tally.month,
            ...Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value])),
          },
        },
      },
    ];
  }

  async monthCounters(months: Month[]): Promise<Map<Month, MonthCounters>> {
    const counters = new Map<Month, MonthCounters>();
    const allKeys = months.flatMap((month) =>
      Array.from({ length: STATISTICS_SHARDS }, (_, shard) => statisticsKey(month, shard)),
    );
    for (let start = 0; start < allKeys.length; start += 100) {
      let keys: Record<string, unknown>[] = allKeys.slice(start, start + 100);
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error("BatchGetItem left keys unprocessed");
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const month = counters.get(String(item.month)) ?? {};
          for (const [name, value] of Object.entries(item)) {
            if (name.startsWith("c.") && typeof value === "number") {
              month[name.slice(2)] = (month[name.slice(2)] ?? 0) + value;
            }
          }
          counters.set(String(item.month), month);
        }
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return counters;
  }

  private eventPut(referralId: string, event: AuditEvent): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          pk: `REFERRAL#${referralId}`,
          // Time first so a Query returns the trail in order; the random tail keeps same-millisecond events apart.
          sk: `EVENT#${event.at}#${randomBytes(4).toString("hex")}`,
          recordType: "event",
          ...event,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
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
            this.eventPut(referral.referralId, event),
            ...this.tallyUpdate(tally),
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

  async applyReferralMessage(
    referralId: string,
    change: Parameters<ReferralStore["applyReferralMessage"]>[1],
    idempotency: IdempotencyRecord,
    event: AuditEvent,
  ): Promise<void> {
    const applied = {
      kind: change.kind === "amend" ? "amended" : "withdrawn",
      msgId: idempotency.key,
      at: event.at,
    };
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = {
      ":received": "received",
      ":awaiting": "awaiting-assessment",
      ":applied": [applied],
      ":none": [],
    };
    const sets = ["messageChanges = list_append(if_not_exists(messageChanges, :none), :applied)"];
    if (change.kind === "amend") {
      sets.push("submission = :submission", "missingContent = :missing");
      values[":submission"] = change.submission;
      values[":missing"] = change.missingContent;
    } else {
      // Closed like any other status change: the worklist and portal index keys move with it.
      const owner = await this.portalOf(referralId);
      sets.push("#status = :closed", "gsi1pk = :closed", "withdrawnAt = :at");
      values[":closed"] = "closed";
      values[":at"] = event.at;
      if (owner) {
        const keys = portalIndexKeys(owner.portal, "closed", owner.assessmentDueDate, referralId);
        sets.push("gsi2pk = :portalPk", "gsi2sk = :portalSk");
        values[":portalPk"] = keys.gsi2pk;
        values[":portalSk"] = keys.gsi2sk;
      }
    }
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
              Update: {
                TableName: this.tableName,
                Key: referralKey(referralId),
                UpdateExpression: `SET ${sets.join(", ")}`,
                ConditionExpression: "#status IN (:received, :awaiting)",
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            this.eventPut(referralId, event),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [key, referral] = error.CancellationReasons ?? [];
        if (key?.Code === "ConditionalCheckFailed") {
          throw new IdempotencyKeyTaken("the message was received before");
        }
        if (referral?.Code === "ConditionalCheckFailed") {
          throw new StaleStateError("referral no longer waits for its assessment");
        }
      }
      throw error;
    }
  }

  async getIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyKey(scope, key), ConsistentRead: true }),
    );
    return Item ? stripKeys<IdempotencyRecord>(Item) : undefined;
  }

  async getReferral(referralId: string): Promise<ReferralRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: referralKey(referralId), ConsistentRead: true }),
    );
    return Item ? stripKeys<ReferralRecord>(Item) : undefined;
  }

  async getReferralFile(referralId: string): Promise<ReferralFile | undefined> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `REFERRAL#${referralId}` },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const referralItem = items.find((item) => item.recordType === "referral");
    if (!referralItem) return undefined;
    const ofType = <T>(type: string) =>
      items.filter((item) => item.recordType === type).map((i) => stripKeys<T>(i));
    return {
      referral: stripKeys<ReferralRecord>(referralItem),
      events: ofType<AuditEvent>("event"),
      letters: ofType<LetterRecord>("letter"),
      tasks: ofType<TaskRecord>("task"),
    };
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
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: referralKey(referralId),
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: `#status IN (${change.from.map((_, index) => `:from${index}`).join(", ")})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...filing,
        this.eventPut(referralId, event),
        ...this.tallyUpdate(tally),
      ],
      "referral is not in the expected status",
    );
  }

  async flagReferral(
    referralId: string,
    flag: ReferralFlag,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean> {
    try {
      await this.transact(
        [
          {
            Update: {
              TableName: this.tableName,
              Key: referralKey(referralId),
              UpdateExpression: "SET #flag = :true",
              ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(#flag) OR #flag = :false)",
              ExpressionAttributeNames: { "#flag": flag },
              ExpressionAttributeValues: { ":true": true, ":false": false },
            },
          },
          this.eventPut(referralId, event),
          ...this.tallyUpdate(tally),
        ],
        "referral is already flagged",
      );
      return true;
    } catch (error) {
      if (error instanceof StaleStateError) return false;
      throw error;
    }
  }

  async changePriority(referralId: string, change: PriorityChange, event: AuditEvent): Promise<void> {
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        this.eventPut(referralId, event),
      ],
      "referral does not wait for assessment at that priority",
    );
  }

  async appendEvent(referralId: string, event: AuditEvent): Promise<void> {
    await this.transact([this.eventPut(referralId, event)], "event already exists");
  }

  async createTask(task: TaskRecord, event: AuditEvent, options: { ordinal?: number } = {}): Promise<void> {
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...taskKey(task.referralId, task.taskId), recordType: "task", ...task },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        // The task's place among the referral's tasks: one task per place.
        ...(options.ordinal === undefined
          ? []
          : [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    pk: `REFERRAL#${task.referralId}`,
                    sk: `TASK_PLACE#${options.ordinal}`,
                    recordType: "task-place",
                    // Not `taskId`: that attribute keys the byTaskId index, which must find the task only.
                    heldBy: task.taskId,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ]),
        this.eventPut(task.referralId, event),
      ],
      "task already exists",
    );
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
    return Item ? stripKeys<TaskRecord>(Item) : undefined;
  }

  async listTasks(referralId: string): Promise<TaskRecord[]> {
    const tasks: TaskRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :task)",
          ExpressionAttributeValues: { ":pk": `REFERRAL#${referralId}`, ":task": "TASK#" },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      tasks.push(...(page.Items ?? []).map((item) => stripKeys<TaskRecord>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return tasks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async rearmTask(
    task: TaskRecord,
    rearm: Parameters<ReferralStore["rearmTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        this.eventPut(task.referralId, event),
      ],
      "task can no longer be re-armed",
    );
  }

  async answerTask(
    task: TaskRecord,
    answer: Parameters<ReferralStore["answerTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        this.eventPut(task.referralId, event),
      ],
      "task is no longer open",
    );
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
    const pending: PendingDecision[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "worklist",
          KeyConditionExpression: "gsi1pk = :partition AND gsi1sk < :before",
          ExpressionAttributeValues: {
            ":partition": PENDING_DECISION_PARTITION,
            ":before": answeredBefore.toISOString(),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        pending.push({
          referralId: String(item.referralId),
          taskId: String(item.taskId),
          outcome: item.outcome as PendingDecision["outcome"],
          answeredAt: String(item.answeredAt),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return pending;
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
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        this.eventPut(task.referralId, event),
      ],
      "task cannot be revived",
    );
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
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        { Delete: { TableName: this.tableName, Key: pendingDecisionKey(referralId) } },
        this.eventPut(referralId, event),
        ...this.tallyUpdate(tally),
      ],
      "referral is not awaiting assessment",
    );
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
    return Item ? toMeeting(Item) : undefined;
  }

  async meetingsStartingBetween(from: Date, until: Date): Promise<MeetingRecord[]> {
    const meetings: MeetingRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
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
          ExclusiveStartKey: startKey,
        }),
      );
      meetings.push(...(page.Items ?? []).map(toMeeting));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return meetings;
  }

  async claimAgenda(meeting: MeetingRecord, sentAt: string): Promise<boolean> {
    try {
      await this.transact(
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
      );
      return true;
    } catch (error) {
      if (error instanceof StaleStateError) return false;
      throw error;
    }
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
    const referralIds: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :referral)",
          ExpressionAttributeValues: { ":pk": `MEETING#${meetingId}`, ":referral": "REFERRAL#" },
          ProjectionExpression: "referralId",
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) referralIds.push(String(item.referralId));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const referrals: ReferralRecord[] = [];
    for (let start = 0; start < referralIds.length; start += 100) {
      let keys: Record<string, unknown>[] = referralIds.slice(start, start + 100).map(referralKey);
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error("BatchGetItem left keys unprocessed");
        if (attempt > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        }
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        referrals.push(...(Responses?.[this.tableName] ?? []).map((item) => stripKeys<ReferralRecord>(item)));
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return referrals;
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
      return Item ? stripKeys<LetterRecord>(Item) : undefined;
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
      return stripKeys<StaffEmailRecord>(record);
    }
  }

  async claimOutgoingMessage(message: OutgoingMessageRecord): Promise<OutgoingMessageRecord | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...outgoingMessageKey(message), recordType: "outgoing-message", ...message },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: outgoingMessageKey(message), ConsistentRead: true }),
      );
      return Item ? stripKeys<OutgoingMessageRecord>(Item) : undefined;
    }
  }

  async takeOverOutgoingMessage(
    message: OutgoingMessageRecord,
    fromClaimId: string | undefined,
  ): Promise<boolean> {
    return this.takeOverSendClaim(outgoingMessageKey(message), message, fromClaimId);
  }

  async completeOutgoingMessage(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    sent: { sentAt: string; transportId: string },
    event: AuditEvent,
  ): Promise<void> {
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: outgoingMessageKey(message),
            UpdateExpression: "SET #status = :sent, sentAt = :sentAt, transportId = :transportId",
            ConditionExpression: "#status = :sending",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":sent": "sent",
              ":sending": "sending",
              ":sentAt": sent.sentAt,
              ":transportId": sent.transportId,
            },
          },
        },
        this.eventPut(message.referralId, event),
      ],
      "outgoing message already recorded sent",
    );
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
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: letterKey(letter),
            UpdateExpression: `SET ${sets.join(", ")}`,
            // Counted once: with a tally, a letter already in this status is not completed again.
            ...(tally ? { ConditionExpression: "#status <> :status" } : {}),
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: values,
          },
        },
        this.eventPut(letter.referralId, event),
        ...this.tallyUpdate(tally),
      ],
      "letter could not be completed",
    );
  }

  async markLetterPosted(
    letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
    posted: { sentAt: string; postedBy: string },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        this.eventPut(letter.referralId, event),
        ...this.tallyUpdate(tally),
      ],
      "letter is not awaiting postal dispatch",
    );
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
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: referralKey(referralId),
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: conditions.join(" AND "),
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: values,
          },
        },
        this.eventPut(referralId, event),
        ...this.tallyUpdate(counted?.tally),
      ],
      `referral ${referralId} is not decided, or its start changed meanwhile`,
    );
  }

  async recordStartOfCareBreach(
    referralId: string,
    breach: { basis: BreachBasis; notification?: HelfoNotificationRecord },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean> {
    const { notification } = breach;
    try {
      await this.transact(
        [
          {
            Update: {
              TableName: this.tableName,
              Key: referralKey(referralId),
              UpdateExpression: "SET startOfCareBreached = :true, startOfCareBreachBasis = :basis",
              ConditionExpression:
                "attribute_exists(pk) AND (attribute_not_exists(startOfCareBreached) OR startOfCareBreached = :false)",
              ExpressionAttributeValues: { ":true": true, ":false": false, ":basis": breach.basis },
            },
          },
          ...(notification
            ? [
                {
                  Put: {
                    TableName: this.tableName,
                    Item: { ...helfoKey(notification), recordType: "helfo-notification", ...notification },
                    ConditionExpression: "attribute_not_exists(pk)",
                  },
                },
              ]
            : []),
          this.eventPut(referralId, event),
          ...this.tallyUpdate(tally),
        ],
        `referral ${referralId} has its start-of-care breach recorded`,
      );
      return true;
    } catch (error) {
      if (error instanceof StaleStateError) return false;
      throw error;
    }
  }

  async recordExpectedBreach(
    referralId: string,
    expected: NonNullable<ReferralRecord["startOfCareExpectedBreach"]>,
    notification: HelfoNotificationRecord,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean> {
    try {
      await this.transact(
        [
          {
            Update: {
              TableName: this.tableName,
              Key: referralKey(referralId),
              UpdateExpression: "SET startOfCareExpectedBreach = :expected",
              ConditionExpression:
                "attribute_exists(pk) AND #status = :decided AND attribute_not_exists(startOfCareExpectedBreach) AND attribute_not_exists(careStartedOn) AND (attribute_not_exists(startOfCareBreached) OR startOfCareBreached = :false)",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":expected": expected, ":decided": "decided", ":false": false },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...helfoKey(notification), recordType: "helfo-notification", ...notification },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          this.eventPut(referralId, event),
          ...this.tallyUpdate(tally),
        ],
        `referral ${referralId} has its expected breach recorded, a start, or a breach`,
      );
      return true;
    } catch (error) {
      if (error instanceof StaleStateError) return false;
      throw error;
    }
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
    await this.transact(
      [
        {
          Update: {
            TableName: this.tableName,
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
        this.eventPut(notification.referralId, event),
        ...this.tallyUpdate(tally),
      ],
      "no Helfo notification to report",
    );
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
      notifications.push(...(page.Items ?? []).map((item) => stripKeys<HelfoNotificationRecord>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return notifications;
  }

  /** Runs a transaction; a failed condition becomes StaleStateError with a message free of data. */
  private async transact(items: TransactItem[], staleMessage: string): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((reason) => reason.Code === "ConditionalCheckFailed")
      ) {
        throw new StaleStateError(staleMessage);
      }
      throw error;
    }
  }
}
