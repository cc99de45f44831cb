/**
 * The MessageReceiptRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB
 * store's conditions: a sent message waits until its receipt is recorded, oldest first.
 */

import { type MessageReceiptRecords, StaleStateError } from "../../../functions/domain/ports";
import type { AuditEvent, MessageReceipt, OutgoingMessageRecord } from "../../../functions/domain/records";
import { copy, type MemoryTable } from "./table";

export class InMemoryMessageReceipts implements MessageReceiptRecords {
  constructor(private readonly table: MemoryTable) {}

  async listAwaitingReceipt(limit: number) {
    return [...this.table.outgoingMessages.values()]
      .filter((message) => message.status === "sent" && message.sentAt && !message.receipt)
      .sort((a, b) =>
        `${a.sentAt}#${a.referralId}#${a.msgId}`.localeCompare(`${b.sentAt}#${b.referralId}#${b.msgId}`),
      )
      .slice(0, limit)
      .map(copy);
  }

  async recordMessageReceipt(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    receipt: MessageReceipt,
    event: AuditEvent,
  ) {
    const stored = this.table.outgoingMessages.get(`${message.referralId}#${message.msgId}`);
    if (stored?.status !== "sent" || stored.receipt) {
      throw new StaleStateError("outgoing message not sent or its receipt already recorded");
    }
    stored.receipt = copy(receipt);
    this.table.event(message.referralId, event);
  }

  async flagReceiptOverdue(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    at: string,
    event: AuditEvent,
  ) {
    const stored = this.table.outgoingMessages.get(`${message.referralId}#${message.msgId}`);
    if (stored?.status !== "sent" || stored.receipt || stored.receiptOverdueAt) return false;
    stored.receiptOverdueAt = at;
    this.table.event(message.referralId, event);
    return true;
  }
}
