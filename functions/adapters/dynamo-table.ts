/**
 * The one DynamoDB table the record stores share: how each record is keyed, how a stored item is read
 * back as its record (parsed, so an item that is not what its record says fails here, at the edge,
 * and not deep in a use case), and the one guarded write every change takes: the record's
 * conditional write, its audit event and its statistics count in one transaction.
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
import * as z from "zod";
import type { Decision } from "../domain/decision";
import { type IdempotencyRecord, StaleStateError } from "../domain/ports";
import type {
  AuditEvent,
  AuditEventType,
  HelfoNotificationRecord,
  LetterRecord,
  MeetingRecord,
  PendingDecision,
  ReferralRecord,
  StaffEmailKind,
  StaffEmailRecord,
  TaskRecord,
} from "../domain/records";
import type { ReferralSubmission } from "../domain/referral";
import { CONTENT_ITEMS, type ContentItem, REFERRAL_STATUSES } from "../domain/referral-labels";
import type { Month, Tally } from "../domain/statistics";
import { builtOnFirstUse } from "../domain/validation";

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
export const worklistKeys = (status: string, dueDate: string, referralId: string) => ({
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

// ---------------------------------------------------------------------------------------------
// Items back to records

/**
 * Every value of a string union as a zod enum's values. The record lists them all, so a value added
 * to the union in the domain and not here fails `tsc` instead of failing a read in production.
 */
const everyValue = <U extends string>(values: Record<U, true>) => Object.keys(values) as [U, ...U[]];

const AUDIT_EVENT_TYPES = everyValue<AuditEventType>({
  "referral-received": true,
  "intake-planned": true,
  "deadline-at-risk": true,
  "meeting-at-risk": true,
  "assessment-task-created": true,
  "assessment-task-rearmed": true,
  "assessors-notified": true,
  "assessors-reminded": true,
  "deadline-breached": true,
  escalated: true,
  "urgent-target-missed": true,
  "priority-changed": true,
  "secondary-acknowledged": true,
  "secondary-confirmed": true,
  "decision-submitted": true,
  "decision-recorded": true,
  "letter-sent": true,
  "letter-awaiting-postal": true,
  "letter-posted": true,
  "information-requested": true,
  "information-received": true,
  "workflow-completed": true,
  "postal-letter-escalated": true,
  "patient-informed-late": true,
  "start-of-care-recorded": true,
  "start-of-care-reminded": true,
  "start-of-care-kept": true,
  "start-of-care-breached": true,
  "start-of-care-breach-expected": true,
  "start-confirmation-requested": true,
  "start-of-care-probable-breach": true,
  "helfo-reported": true,
  "workflow-failed": true,
  "workflow-resumed": true,
});

const STAFF_EMAIL_KINDS = everyValue<StaffEmailKind>({
  task: true,
  reminder: true,
  escalation: true,
  "urgent-target": true,
  "at-risk": true,
  "meeting-at-risk": true,
  "start-of-care-reminder": true,
  "start-of-care-breach": true,
  "start-confirmation": true,
  "start-of-care-probable-breach": true,
  "postal-escalation": true,
  agenda: true,
});

const DECISION_OUTCOMES = everyValue<Decision["outcome"]>({ granted: true, refused: true, forwarded: true });
const SUBMISSION_KINDS = everyValue<ReferralSubmission["kind"]>({
  new: true,
  forwarded: true,
  secondary: true,
});

/** An object whose `field` is one of `values`: the part of a nested domain value a store relies on. */
const objectWith =
  (field: string, values: readonly string[]) =>
  (value: unknown): boolean =>
    typeof value === "object" &&
    value !== null &&
    values.includes(String((value as Record<string, unknown>)[field]));

// The schemas are built on first read: a function that never reads a record never builds them. Loose
// objects keep attributes the schema does not name, as the store kept them before it parsed.
const schemas = builtOnFirstUse(() => {
  const optionalString = z.string().optional();
  const priority = z.enum(["ordinary", "urgent"]);
  const breachBasis = z.enum(["expected", "confirmed", "default"]);
  const actor = z.looseObject({ kind: z.enum(["portal", "staff", "system"]), id: z.string() });
  // The submission and the decision were validated by their own schemas when they were taken in; a
  // read checks what the store and the views branch on (their kind), not every rule of the form.
  const submission = z.custom<ReferralSubmission>(objectWith("kind", SUBMISSION_KINDS));
  const decision = z.custom<Decision>(objectWith("outcome", DECISION_OUTCOMES));
  const party = z.looseObject({
    name: optionalString,
    herId: optionalString,
    unit: z
      .looseObject({ name: optionalString, herId: optionalString, kind: z.enum(["department", "person"]) })
      .optional(),
  });

  const referral: z.ZodType<ReferralRecord> = z.looseObject({
    referralId: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    kind: z.enum(SUBMISSION_KINDS),
    priority,
    receivedAt: z.string(),
    clockStartDate: z.string(),
    assessmentDueDate: z.string(),
    missingContent: z.array(z.enum(CONTENT_ITEMS.map((item) => item.key) as [ContentItem, ...ContentItem[]])),
    deadlineBreached: z.boolean(),
    atRisk: z.boolean().optional(),
    submission,
    submittedBy: actor,
    portal: optionalString,
    message: z.looseObject({ msgId: z.string(), type: z.string(), sender: party }).optional(),
    assignment: z
      .looseObject({
        track: z.enum(["intake-meeting", "single-assessor"]),
        assessors: z.array(z.looseObject({ name: z.string(), role: z.string() })),
        lead: optionalString,
        meetingId: optionalString,
        startsAt: optionalString,
      })
      .optional(),
    decision: z.looseObject({ decision, taskId: z.string(), decidedAt: z.string() }).optional(),
    failure: z.looseObject({ error: z.string(), at: z.string() }).optional(),
    carePlannedStart: optionalString,
    careStartedOn: optionalString,
    urgentTargetEscalated: z.boolean().optional(),
    priorityChanges: z
      .array(
        z.looseObject({ from: priority, to: priority, reason: z.string(), by: z.string(), at: z.string() }),
      )
      .optional(),
    startOfCareReminded: z.boolean().optional(),
    startOfCareBreached: z.boolean().optional(),
    startOfCareBreachBasis: breachBasis.optional(),
    startOfCareExpectedBreach: z
      .looseObject({ reason: z.string(), by: z.string(), at: z.string() })
      .optional(),
    startOfCareProbableBreach: z.boolean().optional(),
  });

  const event: z.ZodType<AuditEvent> = z.looseObject({
    type: z.enum(AUDIT_EVENT_TYPES),
    at: z.string(),
    actor,
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  });

  const task: z.ZodType<TaskRecord> = z.looseObject({
    taskId: z.string(),
    referralId: z.string(),
    taskToken: z.string(),
    state: z.enum(["open", "answered", "expired"]),
    createdAt: z.string(),
    rearmedAt: optionalString,
    answeredAt: optionalString,
    answerStoredAt: optionalString,
    answeredBy: optionalString,
    decision: decision.optional(),
    csrfToken: optionalString,
    openRequestId: optionalString,
    openRequestAt: optionalString,
  });

  const letter: z.ZodType<LetterRecord> = z.looseObject({
    referralId: z.string(),
    letterKind: z.enum(["decision", "acknowledgement", "information-request", "start-of-care-breach"]),
    requestId: optionalString,
    recipientRole: z.enum(["referrer", "patient", "gp", "guardian"]),
    channel: z.enum(["email", "postal"]),
    to: optionalString,
    status: z.enum(["sending", "sent", "awaiting-postal"]),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    createdAt: z.string(),
    sentAt: optionalString,
    messageId: optionalString,
    postalAddress: z.looseObject({ line1: z.string(), postalCode: z.string(), city: z.string() }).optional(),
    postedBy: optionalString,
    linkId: optionalString,
    claimId: optionalString,
    claimedAt: optionalString,
  });

  const staffEmail: z.ZodType<StaffEmailRecord> = z.looseObject({
    about: z.enum(["referral", "meeting"]),
    aboutId: z.string(),
    kind: z.enum(STAFF_EMAIL_KINDS),
    occurrence: z.string(),
    to: z.string(),
    status: z.enum(["sending", "sent"]),
    createdAt: z.string(),
    claimId: optionalString,
    claimedAt: optionalString,
    sentAt: optionalString,
    messageId: optionalString,
  });

  const helfoNotification: z.ZodType<HelfoNotificationRecord> = z.looseObject({
    referralId: z.string(),
    breachedAt: z.string(),
    expected: z.boolean().optional(),
    basis: breachBasis.optional(),
    startOfCareDeadline: z.string(),
    decidedOn: z.string(),
    careForm: z.string(),
    patient: z.looseObject({
      nationalId: z.string(),
      name: z.string(),
      birthDate: optionalString,
      phone: optionalString,
    }),
    clinic: z.looseObject({ name: z.string(), department: z.string() }),
    status: z.enum(["to-report", "reported"]),
    reportedOn: optionalString,
    reportedBy: optionalString,
    reportedAt: optionalString,
    patientInformedAt: optionalString,
  });

  const idempotency: z.ZodType<IdempotencyRecord> = z.looseObject({
    scope: z.string(),
    key: z.string(),
    bodyHash: z.string(),
    referralId: z.string(),
    response: z.unknown(),
    createdAt: z.string(),
  });

  // The two below name every attribute of their record (an index query may project more).
  const pendingDecision: z.ZodType<PendingDecision> = z.object({
    referralId: z.string(),
    taskId: z.string(),
    outcome: z.enum(DECISION_OUTCOMES),
    answeredAt: z.string(),
  });

  const meeting: z.ZodType<MeetingRecord> = z.object({
    meetingId: z.string(),
    startsAt: z.string(),
    capacity: z.number(),
    seats: z.number(),
    // A string set in DynamoDB; the record lists its holders in order.
    holders: z
      .set(z.string())
      .transform((holders) => [...holders].sort())
      .optional(),
    agendaId: z.string(),
    agendaSentAt: optionalString,
    agendaDeliveredAt: optionalString,
  });

  return {
    referral,
    event,
    task,
    letter,
    staffEmail,
    helfoNotification,
    idempotency,
    pendingDecision,
    meeting,
  };
});

type RecordName = keyof ReturnType<typeof schemas>;
type RecordOf<N extends RecordName> = z.output<ReturnType<typeof schemas>[N]>;

/** The table's own attributes: keys, index keys and the record type, none part of a record. */
const TABLE_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "recordType"];

/**
 * Reads a stored item back as the record `name`, without the table's own attributes. An item that
 * does not parse throws an error that names the record and the attributes at fault, never a value
 * (an item may hold health data).
 */
export function recordFrom<N extends RecordName>(name: N, item: Record<string, unknown>): RecordOf<N> {
  const attributes = Object.fromEntries(
    Object.entries(item).filter(([attribute]) => !TABLE_ATTRIBUTES.includes(attribute)),
  );
  const result = schemas()[name].safeParse(attributes);
  if (result.success) return result.data as RecordOf<N>;
  const paths = [...new Set(result.error.issues.map((issue) => issue.path.join(".") || "(item)"))];
  throw new Error(`a stored ${name} item does not match its record: ${paths.join(", ")}`);
}

// ---------------------------------------------------------------------------------------------
// The table and its guarded write

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
