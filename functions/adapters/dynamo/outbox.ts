/**
 * The outbox on the table: the once-only claims on letters (in the referral's partition) and on
 * staff emails (in the partition of what they are about, kept for their TTL), and their outcomes.
 */

import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { OutboxRecords, StaffEmailSent } from "../../domain/ports";
import type { AuditEvent, LetterRecord, OutgoingMessageRecord, StaffEmailRecord } from "../../domain/records";
import type { Tally } from "../../domain/statistics";
import { TTL_ATTRIBUTE } from "../dynamo-sessions";
import {
  awaitingPostalKeys,
  awaitingReceiptKeys,
  letterKey,
  outgoingMessageKey,
  recordFrom,
  staffEmailExpiry,
  staffEmailKey,
  TableStore,
} from "../dynamo-table";

/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/** The conditional put that claims a staff email's slot. */
function staffEmailClaim(email: StaffEmailRecord) {
  return {
    Item: {
      ...staffEmailKey(email),
      recordType: "staff-email",
      ...email,
      // From the wall-clock claim time (the simulated clock's createdAt may run far ahead locally).
      [TTL_ATTRIBUTE]: staffEmailExpiry(email.claimedAt ?? new Date().toISOString()),
    },
    ConditionExpression: "attribute_not_exists(pk)",
  };
}

/** The update that records a staff email sent, only over a claim (a released one is not brought back). */
function staffEmailSent({ email, sentAt, messageId }: StaffEmailSent) {
  return {
    Key: staffEmailKey(email),
    UpdateExpression: "SET #status = :sent, sentAt = :sentAt, messageId = :messageId",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":sent": "sent", ":sentAt": sentAt, ":messageId": messageId },
  };
}

/** The OutboxRecords port on DynamoDB. */
export class DynamoOutbox extends TableStore implements OutboxRecords {
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

  async completeLetter(
    letter: LetterRecord,
    outcome: Parameters<OutboxRecords["completeLetter"]>[1],
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

  async claimStaffEmails(emails: readonly StaffEmailRecord[]): Promise<(StaffEmailRecord | undefined)[]> {
    if (emails.length > 1 && emails.length <= MAX_TRANSACTION_ITEMS) {
      // A team's email in one transaction: all claimed, or (one was claimed before, or another attempt
      // is at it) none, and then each is claimed on its own below.
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: emails.map((email) => ({
              Put: { TableName: this.tableName, ...staffEmailClaim(email) },
            })),
          }),
        );
        return emails.map(() => undefined);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    return Promise.all(emails.map((email) => this.claimStaffEmail(email)));
  }

  private async claimStaffEmail(email: StaffEmailRecord): Promise<StaffEmailRecord | undefined> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, ...staffEmailClaim(email) }));
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

  async completeStaffEmails(sends: readonly StaffEmailSent[]): Promise<void> {
    if (sends.length > 1 && sends.length <= MAX_TRANSACTION_ITEMS) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: sends.map((sent) => ({
              Update: { TableName: this.tableName, ...staffEmailSent(sent) },
            })),
          }),
        );
        return;
      } catch (error) {
        // One claim released meanwhile: the others are recorded one by one.
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    await Promise.all(sends.map((sent) => this.completeStaffEmail(sent)));
  }

  private async completeStaffEmail(sent: StaffEmailSent): Promise<void> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...staffEmailSent(sent) }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
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
      return Item ? recordFrom("outgoingMessage", Item) : undefined;
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
    const awaiting = awaitingReceiptKeys(message, sent.sentAt);
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: outgoingMessageKey(message),
          // Sent, it waits for its receipt: listed on the worklist index until one is recorded.
          UpdateExpression:
            "SET #status = :sent, sentAt = :sentAt, transportId = :transportId, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk",
          ConditionExpression: "#status = :sending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sent": "sent",
            ":sending": "sending",
            ":sentAt": sent.sentAt,
            ":transportId": sent.transportId,
            ":gsi1pk": awaiting.gsi1pk,
            ":gsi1sk": awaiting.gsi1sk,
          },
        },
      },
      referralId: message.referralId,
      event,
      staleMessage: "outgoing message already recorded sent",
    });
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
}
