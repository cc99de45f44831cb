import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EdiRejected } from "../../functions/domain/errors";
import {
  followUpReceipts,
  RECEIPT_OVERDUE_METRIC,
  RECEIPT_REJECTED_METRIC,
  receiptOf,
} from "../../functions/domain/message-receipts";
import type { ReceiverReceipt, SentMessageReceipts } from "../../functions/domain/ports";
import type { AuditEvent } from "../../functions/domain/records";
import { FakeClock, InMemoryReferralStore, RecordingMetrics, testReferral } from "../support/fakes";

const SENT_AT = "2026-03-05T10:00:00.000Z";
const HOUR = 60 * 60_000;

/** What the receivers have answered so far, by the transport's message id. */
class Receivers implements SentMessageReceipts {
  readonly answers = new Map<string, ReceiverReceipt[]>();
  async receipts(transportId: string) {
    return this.answers.get(transportId) ?? [{ receiverHerId: "8140", errors: [] }];
  }
}

async function setUp() {
  const store = new InMemoryReferralStore();
  const referral = testReferral();
  store.seed(referral);
  const message = {
    referralId: referral.referralId,
    msgId: "0b8c7c1e-9f1a-4d55-8d0e-2f6b1c3a4d5e",
    kind: "status-on-referral" as const,
    theme: "2",
    status: "sending" as const,
    xml: "<MsgHead/>",
    createdAt: SENT_AT,
    claimId: "claim-a",
    claimedAt: SENT_AT,
  };
  const sent: AuditEvent = {
    type: "status-on-referral-sent",
    at: SENT_AT,
    actor: { kind: "system", id: "test" },
  };
  await store.claimOutgoingMessage(message);
  await store.completeOutgoingMessage(message, { sentAt: SENT_AT, transportId: "edi-1" }, sent);
  const receivers = new Receivers();
  const clock = new FakeClock(new Date(SENT_AT));
  const metrics = new RecordingMetrics();
  const deps = { store, receipts: receivers, clock, metrics };
  const events = async (type: AuditEvent["type"]) =>
    ((await store.getReferralFile(referral.referralId))?.events ?? []).filter((event) => event.type === type);
  return { store, receivers, clock, metrics, deps, events, referralId: referral.referralId };
}

describe("the receipts of what Frist sends", () => {
  it("records an OK receipt once with its event, and stops following the message up", async () => {
    // Prepare
    const { store, receivers, clock, metrics, deps, events } = await setUp();
    clock.set(new Date(Date.parse(SENT_AT) + HOUR));
    receivers.answers.set("edi-1", [{ receiverHerId: "8140", status: "ok", errors: [] }]);

    // Act
    const first = await followUpReceipts(deps);
    const second = await followUpReceipts(deps);

    // Assess
    expect(first).toEqual({ checked: 1, received: 1, rejected: 0, overdue: 0 });
    expect(second.checked).toBe(0);
    expect(await store.listAwaitingReceipt(10)).toEqual([]);
    expect(await events("message-receipt-received")).toEqual([
      expect.objectContaining({ details: { msgId: expect.any(String), status: "ok", errorCodes: "" } }),
    ]);
    expect(metrics.records).toEqual([]);
  });

  it("counts a rejection for operations' alarm, with the receipt's error codes on the file and no text of the message", async () => {
    // Prepare
    const { receivers, metrics, deps, events, referralId } = await setUp();
    receivers.answers.set("edi-1", [
      {
        receiverHerId: "8140",
        status: "rejected",
        errors: [{ code: "E21", detail: "Mottaker finnes ikke" }],
      },
    ]);

    // Act
    const result = await followUpReceipts(deps);

    // Assess
    expect(result).toMatchObject({ received: 1, rejected: 1 });
    expect(metrics.records).toEqual([
      { name: RECEIPT_REJECTED_METRIC, ids: { referralId, msgId: expect.any(String) } },
    ]);
    const [received] = await events("message-receipt-received");
    expect(received?.details).toMatchObject({ status: "rejected", errorCodes: "E21" });
    expect(JSON.stringify(received)).not.toContain("MsgHead");
  });

  it("follows a message copied to the GP until the GP answers too, and alerts operations when the GP rejects it", async () => {
    // Prepare: the referrer (8140) has answered OK; the GP, the copy receiver (258521), has not.
    const { store, receivers, metrics, deps, events, referralId } = await setUp();
    receivers.answers.set("edi-1", [
      { receiverHerId: "8140", status: "ok", errors: [] },
      { receiverHerId: "258521", errors: [] },
    ]);

    // Act: a run before the GP's receipt, then one after the GP rejected the copy.
    const before = await followUpReceipts(deps);
    receivers.answers.set("edi-1", [
      { receiverHerId: "8140", status: "ok", errors: [] },
      { receiverHerId: "258521", status: "rejected", errors: [{ code: "E35" }] },
    ]);
    const after = await followUpReceipts(deps);

    // Assess
    expect(before).toEqual({ checked: 1, received: 0, rejected: 0, overdue: 0 });
    expect(after).toEqual({ checked: 1, received: 1, rejected: 1, overdue: 0 });
    expect(await store.listAwaitingReceipt(10)).toEqual([]);
    expect(metrics.records).toEqual([
      { name: RECEIPT_REJECTED_METRIC, ids: { referralId, msgId: expect.any(String) } },
    ]);
    expect((await events("message-receipt-received"))[0]?.details).toMatchObject({
      status: "rejected",
      errorCodes: "E35",
    });
  });

  it("waits 96 hours for a receipt, then alerts operations once, and still records a receipt that comes late", async () => {
    // Prepare
    const { store, clock, metrics, receivers, deps, events } = await setUp();

    // Act: just before 96 hours, at 96 hours, a day later, then the receipt
    clock.set(new Date(Date.parse(SENT_AT) + 96 * HOUR - 1));
    const early = await followUpReceipts(deps);
    clock.set(new Date(Date.parse(SENT_AT) + 96 * HOUR));
    const due = await followUpReceipts(deps);
    clock.set(new Date(Date.parse(SENT_AT) + 120 * HOUR));
    const later = await followUpReceipts(deps);
    receivers.answers.set("edi-1", [{ receiverHerId: "8140", status: "ok", errors: [] }]);
    const late = await followUpReceipts(deps);

    // Assess
    expect([early.overdue, due.overdue, later.overdue]).toEqual([0, 1, 0]);
    expect(metrics.records.map((record) => record.name)).toEqual([RECEIPT_OVERDUE_METRIC]);
    expect(await events("message-receipt-overdue")).toHaveLength(1);
    expect(late.received).toBe(1);
    expect(await store.listAwaitingReceipt(10)).toEqual([]);
  });
});

describe("a message the EDI API refuses to show", () => {
  it("does not stop the follow-up, and becomes overdue after 96 hours like one without a receipt", async () => {
    // Prepare
    const { clock, metrics, deps } = await setUp();
    const refusing: SentMessageReceipts = {
      receipts: async () => {
        throw new EdiRejected();
      },
    };

    // Act
    const early = await followUpReceipts({ ...deps, receipts: refusing });
    clock.set(new Date(Date.parse(SENT_AT) + 96 * HOUR));
    const due = await followUpReceipts({ ...deps, receipts: refusing });

    // Assess
    expect(early).toEqual({ checked: 1, received: 0, rejected: 0, overdue: 0 });
    expect(due.overdue).toBe(1);
    expect(metrics.records.map((record) => record.name)).toEqual([RECEIPT_OVERDUE_METRIC]);
  });
});

describe("a message's receipt from its receivers' answers", () => {
  const answer = fc.record({
    receiverHerId: fc.constantFrom("8140", "8141", "8142"),
    status: fc.constantFrom("ok", "rejected", "ok-error-in-part", undefined),
    errors: fc.array(fc.record({ code: fc.constantFrom("E10", "E21", "X99") }), { maxLength: 2 }),
  }) as fc.Arbitrary<ReceiverReceipt>;

  it("waits for every receiver, and is as bad as the worst answer", () => {
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 4 }), (answers) => {
        const receipt = receiptOf(answers, SENT_AT);
        const statuses = answers.map((a) => a.status);
        if (answers.length === 0 || statuses.includes(undefined)) {
          expect(receipt).toBeUndefined();
          return;
        }
        const worst = statuses.includes("rejected")
          ? "rejected"
          : statuses.includes("ok-error-in-part")
            ? "ok-error-in-part"
            : "ok";
        expect(receipt?.status).toBe(worst);
        expect(receipt?.errors).toHaveLength(answers.reduce((n, a) => n + a.errors.length, 0));
      }),
    );
  });
});
