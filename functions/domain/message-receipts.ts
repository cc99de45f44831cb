/**
 * The receipts for what Frist sends. A receiver answers each message with an application receipt
 * (AppRec), and a sender treats no receipt within 96 hours as a rejection. So each run of the
 * mailbox poller reads, for every Status på henvisning still waiting, what its receivers answered:
 * - a receipt is recorded on the message, with an audit event (codes only), and the message stops
 *   waiting;
 * - a rejection also counts {@link RECEIPT_REJECTED_METRIC}: operations' alarm, since the referrer
 *   has not received the answer;
 * - no receipt 96 hours after sending counts {@link RECEIPT_OVERDUE_METRIC} once (the alarm), and
 *   the message keeps waiting, since a late receipt is still read.
 */
import { workflowActor } from "./assessment";
import { EdiRejected } from "./errors";
import type { Clock, MessageReceiptRecords, Metrics, ReceiverReceipt, SentMessageReceipts } from "./ports";
import type { MessageReceipt, OutgoingMessageRecord } from "./records";

/** How long a sender waits for a receipt before it counts the message as not received. */
export const RECEIPT_DEADLINE_MS = 96 * 60 * 60_000;

/** The metric counted once for a message whose receiver rejected it (operations' alarm). */
export const RECEIPT_REJECTED_METRIC = "MessageReceiptRejected";

/** The metric counted once for a message with no receipt 96 hours after it was sent (operations' alarm). */
export const RECEIPT_OVERDUE_METRIC = "MessageReceiptOverdue";

/** How many waiting messages one run follows up (the rest wait for the next run, oldest first). */
export const RECEIPTS_PER_RUN = 50;

/** What one run did (counts only: for the log line). */
export interface ReceiptFollowUp {
  checked: number;
  received: number;
  rejected: number;
  overdue: number;
}

/** What the follow-up needs. */
export interface ReceiptFollowUpDeps {
  store: MessageReceiptRecords;
  receipts: SentMessageReceipts;
  clock: Clock;
  metrics: Metrics;
}

/**
 * The receipt a message has once every receiver answered: rejected when any receiver rejected it,
 * else ok with an error in part when any said so, else ok. Undefined while a receiver has not answered.
 */
export function receiptOf(answers: readonly ReceiverReceipt[], readAt: string): MessageReceipt | undefined {
  if (answers.length === 0 || answers.some((answer) => answer.status === undefined)) return undefined;
  const statuses = answers.map((answer) => answer.status);
  const status = statuses.includes("rejected")
    ? "rejected"
    : statuses.includes("ok-error-in-part")
      ? "ok-error-in-part"
      : "ok";
  return { status, errors: answers.flatMap((answer) => answer.errors), readAt };
}

/** See the file comment. */
export async function followUpReceipts(deps: ReceiptFollowUpDeps): Promise<ReceiptFollowUp> {
  const result: ReceiptFollowUp = { checked: 0, received: 0, rejected: 0, overdue: 0 };
  for (const message of await deps.store.listAwaitingReceipt(RECEIPTS_PER_RUN)) {
    if (!message.transportId || !message.sentAt) continue;
    result.checked++;
    const now = deps.clock.now();
    const receipt = receiptOf(await answersFor(deps.receipts, message.transportId), now.toISOString());
    if (receipt) {
      await recordReceipt(deps, message, receipt);
      result.received++;
      if (receipt.status === "rejected") result.rejected++;
    } else if (
      message.receiptOverdueAt === undefined &&
      now.getTime() - Date.parse(message.sentAt) >= RECEIPT_DEADLINE_MS
    ) {
      const first = await deps.store.flagReceiptOverdue(message, now.toISOString(), {
        type: "message-receipt-overdue",
        at: now.toISOString(),
        actor: workflowActor("PollEdiMailbox"),
        details: { msgId: message.msgId, sentAt: message.sentAt },
      });
      if (first) {
        deps.metrics.count(RECEIPT_OVERDUE_METRIC, { referralId: message.referralId, msgId: message.msgId });
        result.overdue++;
      }
    }
  }
  return result;
}

/**
 * What the receivers answered. A message the API refuses to show (EdiRejected, for example one it no
 * longer knows) has no answer to read: it does not hold up the others, and becomes overdue in time.
 * An unavailable API stops the run (EdiUnavailable): the next run tries again.
 */
async function answersFor(receipts: SentMessageReceipts, transportId: string): Promise<ReceiverReceipt[]> {
  try {
    return await receipts.receipts(transportId);
  } catch (error) {
    if (error instanceof EdiRejected) return [];
    throw error;
  }
}

async function recordReceipt(
  deps: ReceiptFollowUpDeps,
  message: OutgoingMessageRecord,
  receipt: MessageReceipt,
): Promise<void> {
  await deps.store.recordMessageReceipt(message, receipt, {
    type: "message-receipt-received",
    at: receipt.readAt,
    actor: workflowActor("PollEdiMailbox"),
    // The receipt's status and error codes: no text of the message, which is health data.
    details: {
      msgId: message.msgId,
      status: receipt.status,
      errorCodes: receipt.errors.map((e) => e.code).join(","),
    },
  });
  if (receipt.status === "rejected") {
    deps.metrics.count(RECEIPT_REJECTED_METRIC, { referralId: message.referralId, msgId: message.msgId });
  }
}
