/**
 * Sent messages waiting for their receipts, on the table: each sent outgoing message carries the
 * `worklist` index keys of the awaiting-receipt partition (set when it is recorded sent) until its
 * receipt is recorded, so the follow-up reads one index partition, oldest first, and never scans.
 */

import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { MessageReceiptRecords } from "../../domain/ports";
import type { AuditEvent, MessageReceipt, OutgoingMessageRecord } from "../../domain/records";
import {
  AWAITING_RECEIPT_PARTITION,
  landed,
  outgoingMessageKey,
  recordFrom,
  TableStore,
} from "../dynamo-table";
import { WORKLIST_INDEX } from "../dynamo-worklist";

/** The MessageReceiptRecords port on DynamoDB. */
export class DynamoMessageReceipts extends TableStore implements MessageReceiptRecords {
  async listAwaitingReceipt(limit: number): Promise<OutgoingMessageRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: WORKLIST_INDEX,
        KeyConditionExpression: "gsi1pk = :partition",
        ExpressionAttributeValues: { ":partition": AWAITING_RECEIPT_PARTITION },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => recordFrom("outgoingMessage", item));
  }

  async recordMessageReceipt(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    receipt: MessageReceipt,
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: outgoingMessageKey(message),
          UpdateExpression: "SET receipt = :receipt REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "#status = :sent AND attribute_not_exists(receipt)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":sent": "sent", ":receipt": receipt },
        },
      },
      referralId: message.referralId,
      event,
      staleMessage: "outgoing message not sent or its receipt already recorded",
    });
  }

  async flagReceiptOverdue(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    at: string,
    event: AuditEvent,
  ): Promise<boolean> {
    return landed(
      this.table.writeWithEvent({
        write: {
          Update: {
            Key: outgoingMessageKey(message),
            UpdateExpression: "SET receiptOverdueAt = :at",
            ConditionExpression:
              "#status = :sent AND attribute_not_exists(receipt) AND attribute_not_exists(receiptOverdueAt)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":sent": "sent", ":at": at },
          },
        },
        referralId: message.referralId,
        event,
        staleMessage: "outgoing message not waiting for its receipt, or already overdue",
      }),
    );
  }
}
