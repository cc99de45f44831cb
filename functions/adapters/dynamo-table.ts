/**
 * The one DynamoDB table the record stores share: how each record is keyed, how a stored item is read
 * back as its record (parsed: dynamo-records.ts), and the one guarded write every change takes: the
 * record's conditional write, its audit event and its statistics count in one transaction.
 *
 * A referral's partition holds the referral, its audit events, its letters and its tasks, so one
 * Query reads the whole file. Two indexes serve the other reads: `worklist` (status, then due date)
 * and `byTaskId` (the opaque id in a staff link).
 */

import { randomBytes, randomInt } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { StaleStateError } from "../domain/ports";
import type {
  AuditEvent,
  LetterRecord,
  OutgoingMessageRecord,
  ReferralRecord,
  StaffEmailRecord,
  TaskRecord,
} from "../domain/records";
import type { Month, Tally } from "../domain/statistics";
import { type RecordName, type RecordOf, recordFrom } from "./dynamo-records";

// The family stores read their records through this module too.
export { recordFrom };

/** One write of a TransactWriteItems call. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

// ---------------------------------------------------------------------------------------------
// Keys

/** The partition of a referral's file: the referral, its events, letters, tasks and claims. */
export const referralPartition = (referralId: string) => `REFERRAL#${referralId}`;
export const referralKey = (referralId: string) => ({ pk: referralPartition(referralId), sk: "REFERRAL" });
export const taskKey = (referralId: string, taskId: string) => ({
  pk: referralPartition(referralId),
  sk: `TASK#${taskId}`,
});
/** A task's place among its referral's tasks (createTask's `ordinal`): one task per place. */
export const taskPlaceKey = (referralId: string, ordinal: number) => ({
  pk: referralPartition(referralId),
  sk: `TASK_PLACE#${ordinal}`,
});
/** An audit event's key: time first so a Query returns the trail in order; the random tail keeps same-millisecond events apart. */
export const eventKey = (referralId: string, at: string) => ({
  pk: referralPartition(referralId),
  sk: `EVENT#${at}#${randomBytes(4).toString("hex")}`,
});
/** A letter's key: referral, kind, the request it answers (information requests) and recipient. */
export const letterKey = (
  letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
) => ({
  pk: referralPartition(letter.referralId),
  sk: `LETTER#${letter.letterKind}${letter.requestId ? `#${letter.requestId}` : ""}#${letter.recipientRole}`,
});

/** A referral's pending decision (at most one: one live task per referral). */
export const pendingDecisionKey = (referralId: string) => ({
  pk: referralPartition(referralId),
  sk: "PENDING_DECISION",
});
/**
 * The partition of the `worklist` index that lists pending decisions (sparse), sorted
 * "<answeredAt>#<referralId>", so "answered before t" is one key condition.
 */
export const PENDING_DECISION_PARTITION = "PENDING_DECISION";

/**
 * The partition of the `worklist` index that lists the information requests awaiting the referrer's
 * answer (sparse: on a task while its request is open, and only while the task is open), oldest
 * request first.
 */
export const INFORMATION_REQUEST_PARTITION = "INFORMATION_REQUEST";

/** The `worklist` index keys of a task's open information request (see the partition above). */
export const informationRequestKeys = (
  task: Pick<TaskRecord, "referralId" | "taskId">,
  requestedAt: string,
) => ({
  gsi1pk: INFORMATION_REQUEST_PARTITION,
  gsi1sk: `${requestedAt}#${task.referralId}#${task.taskId}`,
});

/**
 * The partition of the `worklist` index that lists the granted rights whose start of care is still
 * to be confirmed (sparse), sorted "<due>#<referralId>": the planned start when it comes before the
 * deadline, else the deadline, so "due by D" is one key condition.
 */
export const START_OF_CARE_PARTITION = "START_OF_CARE";

/** A granted right's start-of-care item: beside the referral, one per referral. */
export const startOfCareDueKey = (referralId: string) => ({
  pk: referralPartition(referralId),
  sk: "START_OF_CARE",
});

/**
 * The start-of-care item of a referral as it stands (undefined unless the right was granted): its
 * deadline and planned start, in the START_OF_CARE partition while no start and no breach is on
 * record, and out of it (no index keys) once either is. Always written whole (a Put), so a referral
 * decided before this item existed gets it at its next change.
 */
export function startOfCareDueItem(
  referral: Pick<
    ReferralRecord,
    "referralId" | "decision" | "carePlannedStart" | "careStartedOn" | "startOfCareBreached"
  >,
): Record<string, unknown> | undefined {
  const granted = referral.decision?.decision;
  if (granted?.outcome !== "granted") return undefined;
  const deadline = granted.startOfCareDeadline;
  const plannedStart = referral.carePlannedStart ?? granted.plannedStart;
  const due = plannedStart !== undefined && plannedStart < deadline ? plannedStart : deadline;
  const open = referral.careStartedOn === undefined && referral.startOfCareBreached !== true;
  return {
    ...startOfCareDueKey(referral.referralId),
    recordType: "start-of-care-due",
    referralId: referral.referralId,
    startOfCareDeadline: deadline,
    ...(plannedStart !== undefined ? { plannedStart } : {}),
    ...(open ? { gsi1pk: START_OF_CARE_PARTITION, gsi1sk: `${due}#${referral.referralId}` } : {}),
  };
}

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
/** The partition of the `worklist` index that lists sent messages waiting for their receipts. */
export const AWAITING_RECEIPT_PARTITION = "OUTMSG#awaiting-receipt";

/**
 * The `worklist` index keys of a sent message waiting for its receipt (sparse: removed once the
 * receipt is recorded), oldest first.
 */
export const awaitingReceiptKeys = (
  message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
  sentAt: string,
) => ({
  gsi1pk: AWAITING_RECEIPT_PARTITION,
  gsi1sk: `${sentAt}#${message.referralId}#${message.msgId}`,
});
export const idempotencyKey = (scope: string, key: string) => ({
  pk: `IDEMPOTENCY#${scope}#${key}`,
  sk: "IDEMPOTENCY",
});

/** The partition of an intake meeting: its counter item, and its referrals filed beside it. */
export const meetingPartition = (meetingId: string) => `MEETING#${meetingId}`;
/** An intake meeting's counter item; its referrals are filed beside it under `REFERRAL#<id>`. */
export const meetingKey = (meetingId: string) => ({ pk: meetingPartition(meetingId), sk: "MEETING" });
export const meetingMemberKey = (meetingId: string, referralId: string) => ({
  pk: meetingPartition(meetingId),
  sk: `REFERRAL#${referralId}`,
});
/**
 * A staff email's key: in the partition of what it is about (the referral, or the meeting of an
 * agenda), by kind, occurrence and recipient.
 */
export const staffEmailKey = (
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

export const agendaKey = (agendaId: string) => ({ pk: `AGENDA#${agendaId}`, sk: "AGENDA" });
/** Helfo notifications share one partition, sorted by breach: few, and read all at once for export. */
export const HELFO_PARTITION = "HELFO";
export const helfoKey = (notification: { breachedAt: string; referralId: string }) => ({
  pk: HELFO_PARTITION,
  sk: `${notification.breachedAt}#${notification.referralId}`,
});
/**
 * Meetings reuse the worklist index sparsely: partition "MEETING" (no referral status is called
 * that), sort "<startsAt ISO>#<meetingId>", so "meetings starting between" is one key condition.
 */
export const MEETING_PARTITION = "MEETING";
export const meetingSortKey = (startsAt: string, meetingId: string) => `${startsAt}#${meetingId}`;
/** The attributes of a meeting item (aliased where DynamoDB reserves the word). */
export const MEETING_ATTRIBUTES = [
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
export const statisticsKey = (month: Month, shard: number) => ({
  pk: `STATISTICS#${month}`,
  sk: shard === 0 ? "STATISTICS" : `STATISTICS#${shard}`,
});

/** The worklist index keys: only referrals carry them, so events and letters stay out of the index. */
export const worklistKeys = (status: string, assessmentDueDate: string, referralId: string) => ({
  gsi1pk: status,
  gsi1sk: `${assessmentDueDate}#${referralId}`,
});

/**
 * The portal index keys (`byPortal`): a portal's referrals of one status, soonest deadline first.
 * Only referrals with a portal carry them (a referral stored before portals were told apart belongs
 * to no portal, and stays out).
 */
export const portalIndexKeys = (
  portal: string,
  status: string,
  assessmentDueDate: string,
  referralId: string,
) => ({
  gsi2pk: `${portal}#${status}`,
  gsi2sk: `${assessmentDueDate}#${referralId}`,
});

/** What a referral's portal index keys are made of: its portal and due date (none without a portal). */
export function portalOwnerOf(referral: {
  portal?: unknown;
  assessmentDueDate?: unknown;
}): { portal: string; assessmentDueDate: string } | undefined {
  const { portal, assessmentDueDate } = referral;
  return typeof portal === "string" && typeof assessmentDueDate === "string"
    ? { portal, assessmentDueDate }
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// The table and its guarded write

/** An outgoing message's item (a Status på henvisning): under its referral, by its MsgId. */
export const outgoingMessageKey = (message: Pick<OutgoingMessageRecord, "referralId" | "msgId">) => ({
  pk: referralPartition(message.referralId),
  sk: `OUTMSG#${message.msgId}`,
});

/** A change of one record with its audit event: see {@link DynamoTable.writeWithEvent}. */
export interface GuardedWrite {
  /** The record's conditional write (the table's name is added). */
  write:
    | { Update: Omit<NonNullable<TransactItem["Update"]>, "TableName"> }
    | { Put: Omit<NonNullable<TransactItem["Put"]>, "TableName"> };
  /** The other writes of the same change, after the record's and before the event. */
  alongside?: TransactItem[];
  /** The referral whose audit trail the event joins. */
  referralId: string;
  event: AuditEvent;
  /** What the change adds to the statistics, counted in the same transaction. */
  tally?: Tally;
  /** The message of the StaleStateError a failed condition becomes: ids only, never data. */
  staleMessage: string;
}

/**
 * True when a guarded write landed, false when its condition refused it (StaleStateError): for the
 * once-only writes whose port answers whether this call made the change.
 */
export async function landed(write: Promise<void>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof StaleStateError) return false;
    throw error;
  }
}

/** The table, its client, and the writes and reads every record store shares. */
export class DynamoTable {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /**
   * A change of one record with its audit event, in one transaction: the record's conditional write,
   * `alongside`, the event and the statistics count land together or not at all. A failed condition
   * becomes StaleStateError (see {@link landed} for the once-only writes that answer false).
   */
  async writeWithEvent(change: GuardedWrite): Promise<void> {
    const write: TransactItem =
      "Update" in change.write
        ? { Update: { TableName: this.name, ...change.write.Update } }
        : { Put: { TableName: this.name, ...change.write.Put } };
    await this.transact(
      [
        write,
        ...(change.alongside ?? []),
        this.eventPut(change.referralId, change.event),
        ...this.tallyUpdate(change.tally),
      ],
      change.staleMessage,
    );
  }

  /** The Put of an audit event into the referral's trail (never over another). */
  eventPut(referralId: string, event: AuditEvent): TransactItem {
    return {
      Put: {
        TableName: this.name,
        Item: { ...eventKey(referralId, event.at), recordType: "event", ...event },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  /**
   * The counters' ADD, as one more item of the transaction that makes the change: both happen or
   * neither does, so a retried step whose condition now fails adds nothing.
   */
  tallyUpdate(tally: Tally | undefined): TransactItem[] {
    const entries = Object.entries(tally?.add ?? {});
    if (!tally || entries.length === 0) return [];
    return [
      {
        Update: {
          TableName: this.name,
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

  /** Runs a transaction; a failed condition becomes StaleStateError with a message free of data. */
  async transact(items: TransactItem[], staleMessage: string): Promise<void> {
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

  /** The record `name` stored under `key` (a consistent read), or undefined when there is none. */
  async getRecord<N extends RecordName>(
    name: N,
    key: Record<string, string>,
  ): Promise<RecordOf<N> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return Item ? recordFrom(name, Item) : undefined;
  }

  /** Every item a Query finds, page after page (the table's name is added). */
  async queryAll(query: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.name, ...query, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * The items of `keys` (consistent reads), in batches of 100, asking again with backoff for the keys
   * DynamoDB leaves unprocessed; in no particular order.
   */
  async batchGetAll(keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let start = 0; start < keys.length; start += 100) {
      let batch = keys.slice(start, start + 100);
      for (let attempt = 0; batch.length > 0; attempt++) {
        if (attempt > 8) throw new Error("BatchGetItem left keys unprocessed");
        if (attempt > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        }
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: batch, ConsistentRead: true } } }),
        );
        items.push(...(Responses?.[this.name] ?? []));
        batch = UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return items;
  }
}

/**
 * What each record store stands on: the shared table, and its client and name for the reads and
 * writes of its own.
 */
export abstract class TableStore {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;

  constructor(protected readonly table: DynamoTable) {
    this.client = table.client;
    this.tableName = table.name;
  }
}
