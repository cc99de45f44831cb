/**
 * The referrals on the table: a referral with its idempotency record and audit trail, its status
 * (which moves its worklist and portal index keys with it), its once-only flags and its priority.
 */

import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  GetCommand,
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
  type ReferralRecords,
  StaleStateError,
} from "../../domain/ports";
import { documentLookupOf } from "../../domain/receive-referral";
import type { AuditEvent, PriorityChange, ReferralRecord } from "../../domain/records";
import type { Tally } from "../../domain/statistics";
import { patientIndexKeys } from "../dynamo-patient-index";
import {
  idempotencyKey,
  landed,
  meetingMemberKey,
  portalIndexKeys,
  portalOwnerOf,
  recordFrom,
  referralKey,
  referralPartition,
  TableStore,
  type TransactItem,
  worklistKeys,
} from "../dynamo-table";

/** The ReferralRecords port on DynamoDB. */
export class DynamoReferrals extends TableStore implements ReferralRecords {
  async createReferral(
    referral: ReferralRecord,
    idempotency: IdempotencyRecord,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void> {
    const lookup = documentLookupOf(referral);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.idempotencyPut(idempotency),
            // Unconditional (over an earlier referral's under the same id): see documentLookupOf.
            ...(lookup
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: {
                        ...idempotencyKey(lookup.scope, lookup.key),
                        recordType: "idempotency",
                        ...lookup,
                      },
                    },
                  },
                ]
              : []),
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
                  // Staff find it again by the patient's national ID (dynamo-patient-index.ts).
                  ...patientIndexKeys(
                    referral.submission.patient.nationalId,
                    referral.receivedAt,
                    referral.referralId,
                  ),
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

  async applyReferralMessage(
    referralId: string,
    change: Parameters<ReferralRecords["applyReferralMessage"]>[1],
    idempotency: IdempotencyRecord,
    event: AuditEvent,
  ): Promise<void> {
    const applied = {
      kind: change.kind === "amend" ? "amended" : "withdrawn",
      msgId: idempotency.key,
      at: event.at,
    };
    const values: Record<string, unknown> = {
      ":received": "received",
      ":awaiting": "awaiting-assessment",
      ":applied": [applied],
      ":none": [],
    };
    const sets = ["messageChanges = list_append(if_not_exists(messageChanges, :none), :applied)"];
    let condition = "#status IN (:received, :awaiting)";
    if (change.attachments) {
      // Appended only to as many as the message numbered its own after: another message's, added
      // meanwhile, would share their numbers (the caller reads again and renumbers).
      sets.push("attachments = list_append(if_not_exists(attachments, :none), :attachments)");
      values[":attachments"] = change.attachments.added;
      values[":before"] = change.attachments.before;
      condition +=
        change.attachments.before === 0
          ? " AND (attribute_not_exists(attachments) OR size(attachments) = :before)"
          : " AND size(attachments) = :before";
    }
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
            this.idempotencyPut(idempotency),
            {
              Update: {
                TableName: this.tableName,
                Key: referralKey(referralId),
                UpdateExpression: `SET ${sets.join(", ")}`,
                ConditionExpression: condition,
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: values,
              },
            },
            this.table.eventPut(referralId, event),
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
          throw new StaleStateError(
            "referral no longer waits for its assessment, or its attachments changed",
          );
        }
      }
      throw error;
    }
  }

  /** The Put of an idempotency record, never over another: the first write of a receipt or a message. */
  private idempotencyPut(idempotency: IdempotencyRecord): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...idempotencyKey(idempotency.scope, idempotency.key),
          recordType: "idempotency",
          ...idempotency,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
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
    return portalOwnerOf(Item ?? {});
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
    change: Parameters<ReferralRecords["changeStatus"]>[1],
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
    const owner = change.read ? portalOwnerOf(change.read) : await this.portalOf(referralId);
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
}
