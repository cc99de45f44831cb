/**
 * After the decision, on the table: the start of care on the referral, the Helfo notifications of
 * a missed start (one shared partition, read all at once), and a task's one open information request.
 */

import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { IsoDate } from "../../domain/calendar";
import { CURSOR_PATTERN } from "../../domain/paging";
import {
  type CareRecords,
  type OpenInformationRequestPage,
  StaleStateError,
  type StartOfCareToConfirmPage,
} from "../../domain/ports";
import type {
  AuditEvent,
  BreachBasis,
  HelfoNotificationRecord,
  ReferralRecord,
  TaskRecord,
} from "../../domain/records";
import type { Tally } from "../../domain/statistics";
import { InvalidCursor } from "../../domain/worklist";
import { type CursorKey, decodeCursor, encodeCursor } from "../dynamo-cursor";
import {
  HELFO_PARTITION,
  helfoKey,
  INFORMATION_REQUEST_PARTITION,
  informationRequestKeys,
  landed,
  recordFrom,
  referralKey,
  START_OF_CARE_PARTITION,
  startOfCareDueItem,
  TableStore,
  taskKey,
} from "../dynamo-table";

/** The CareRecords port on DynamoDB. */
export class DynamoCare extends TableStore implements CareRecords {
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
    // The start-of-care item as the referral will stand: in the lead's list until a start is on record.
    const referral = await this.table.getRecord("referral", referralKey(referralId));
    const dueItem =
      referral &&
      startOfCareDueItem({
        ...referral,
        ...(change.plannedStart ? { carePlannedStart: change.plannedStart } : {}),
        ...(change.startedOn ? { careStartedOn: change.startedOn } : {}),
      });
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
      alongside: dueItem ? [{ Put: { TableName: this.tableName, Item: dueItem } }] : [],
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
    // Out of the lead's list of starts to confirm: the breach is on record (the Helfo list shows it).
    const referral = await this.table.getRecord("referral", referralKey(referralId));
    const dueItem = referral && startOfCareDueItem({ ...referral, startOfCareBreached: true });
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
        alongside: [
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
          ...(dueItem ? [{ Put: { TableName: this.tableName, Item: dueItem } }] : []),
        ],
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

  async holdInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    request: { requestId: string; at: string },
  ): Promise<{ held: true } | { held: false; task?: TaskRecord }> {
    const keys = informationRequestKeys(task, request.at);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(task.referralId, task.taskId),
          // The index keys make the request one line of the lead's "awaiting an answer" list.
          UpdateExpression:
            "SET openRequestId = :id, openRequestAt = if_not_exists(openRequestAt, :at), gsi1pk = :partition, gsi1sk = if_not_exists(gsi1sk, :sortKey)",
          ConditionExpression:
            "attribute_exists(pk) AND #state = :open AND (attribute_not_exists(openRequestId) OR openRequestId = :id)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":id": request.requestId,
            ":at": request.at,
            ":open": "open",
            ":partition": keys.gsi1pk,
            ":sortKey": keys.gsi1sk,
          },
        }),
      );
      return { held: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.table.getRecord("task", taskKey(task.referralId, task.taskId));
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
          UpdateExpression: "REMOVE openRequestId, openRequestAt, gsi1pk, gsi1sk",
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

  /**
   * Gives the granted referrals decided before the start-of-care item existed their item, so the
   * lead's home lists their starts to confirm. A one-off migration (`npx frist backfill-portal-index`,
   * or the local runtime at start) over the `decided` partition of the worklist index (no scan),
   * reading only the decision's outcome and dates; idempotent: a referral that has its item is left
   * alone. Returns how many items it wrote.
   */
  async backfillStartsOfCare(): Promise<number> {
    let written = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "worklist",
          KeyConditionExpression: "gsi1pk = :decided",
          ExpressionAttributeValues: { ":decided": "decided" },
          ExpressionAttributeNames: { "#d": "decision" },
          ProjectionExpression:
            "referralId, #d.#d.outcome, #d.#d.startOfCareDeadline, #d.#d.plannedStart, carePlannedStart, careStartedOn, startOfCareBreached",
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const dueItem = startOfCareDueItem(item as Parameters<typeof startOfCareDueItem>[0]);
        if (!dueItem) continue;
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: dueItem,
              // A decision, start or breach written meanwhile wrote its own item: keep it.
              ConditionExpression: "attribute_not_exists(pk)",
            }),
          );
          written += 1;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return written;
  }

  async startsOfCareToConfirm(query: {
    dueBefore: IsoDate;
    limit: number;
    cursor?: string;
  }): Promise<StartOfCareToConfirmPage> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "worklist",
        // "<due>#<id>" < "<dueBefore>": due before that day.
        KeyConditionExpression: "gsi1pk = :partition AND gsi1sk < :dueBefore",
        ExpressionAttributeValues: { ":partition": START_OF_CARE_PARTITION, ":dueBefore": query.dueBefore },
        ProjectionExpression: "referralId, startOfCareDeadline, plannedStart",
        ScanIndexForward: true,
        Limit: query.limit,
        ...(query.cursor ? { ExclusiveStartKey: decodeStartOfCareCursor(query.cursor) } : {}),
      }),
    );
    return {
      rows: (Items ?? []).map((item) => ({
        referralId: String(item.referralId),
        startOfCareDeadline: String(item.startOfCareDeadline),
        ...(typeof item.plannedStart === "string" ? { plannedStart: item.plannedStart } : {}),
      })),
      ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }

  async openInformationRequests(query: {
    limit: number;
    cursor?: string;
  }): Promise<OpenInformationRequestPage> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "worklist",
        KeyConditionExpression: "gsi1pk = :partition",
        ExpressionAttributeValues: { ":partition": INFORMATION_REQUEST_PARTITION },
        // The task carries the referral's id and its own; nothing else of it is read.
        ProjectionExpression: "referralId, taskId, openRequestAt",
        ScanIndexForward: true,
        Limit: query.limit,
        ...(query.cursor ? { ExclusiveStartKey: decodeInformationRequestCursor(query.cursor) } : {}),
      }),
    );
    return {
      rows: (Items ?? []).map((item) => ({
        referralId: String(item.referralId),
        taskId: String(item.taskId),
        requestedAt: String(item.openRequestAt),
      })),
      ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }
}

/**
 * A cursor of the starts of care to confirm back into an ExclusiveStartKey: exactly the four key
 * attributes of a referral's start-of-care item. Anything else throws InvalidCursor before DynamoDB
 * is asked.
 */
export function decodeStartOfCareCursor(cursor: string): CursorKey {
  const invalid = () => new InvalidCursor("must be a cursor from a previous page of this list");
  const key = CURSOR_PATTERN.test(cursor) ? decodeCursor(cursor) : undefined;
  if (key === undefined) throw invalid();
  const referralId = /^REFERRAL#(.+)$/.exec(key.pk)?.[1];
  if (
    key.gsi1pk !== START_OF_CARE_PARTITION ||
    key.sk !== "START_OF_CARE" ||
    referralId === undefined ||
    !/^\d{4}-\d{2}-\d{2}$/.test(key.gsi1sk.slice(0, 10)) ||
    key.gsi1sk !== `${key.gsi1sk.slice(0, 10)}#${referralId}`
  ) {
    throw invalid();
  }
  return key;
}

/**
 * A cursor of the open information requests back into an ExclusiveStartKey: exactly the four key
 * attributes of a task's item in that partition. Anything else throws InvalidCursor before DynamoDB
 * is asked, so a forged cursor cannot steer the Query to another partition.
 */
export function decodeInformationRequestCursor(cursor: string): CursorKey {
  const invalid = () => new InvalidCursor("must be a cursor from a previous page of this list");
  const key = CURSOR_PATTERN.test(cursor) ? decodeCursor(cursor) : undefined;
  if (key === undefined) throw invalid();
  const referralId = /^REFERRAL#(.+)$/.exec(key.pk)?.[1];
  const taskId = /^TASK#(.+)$/.exec(key.sk)?.[1];
  if (
    key.gsi1pk !== INFORMATION_REQUEST_PARTITION ||
    referralId === undefined ||
    taskId === undefined ||
    !key.gsi1sk.endsWith(`#${referralId}#${taskId}`)
  ) {
    throw invalid();
  }
  return key;
}
