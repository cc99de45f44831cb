/**
 * Capacity under load, over HTTP on the local stack: 60 referrals arrive at once for meetings of 20.
 * The seat counter is one conditional DynamoDB update, so the first meeting ends up with exactly 20
 * and no meeting with more, however the 60 workflows interleave.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import { referralFile } from "../support/e2e";
import { eventually, sampleReferral, submitReferralRetrying } from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

const REFERRALS = 60;
const CAPACITY = 20;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({
    // Monday 2 March 2026, 09:00 in Oslo: the meetings are Tuesdays and Thursdays at 12:00.
    clock: "2026-03-02T09:00:00+01:00",
    context: { "frist:intakePlanning": { capacityPerMeeting: CAPACITY } },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("intake meetings under concurrent referrals", () => {
  it(`fills a meeting of ${CAPACITY} with exactly ${CAPACITY} of ${REFERRALS} referrals sent at once`, async () => {
    // Act: every referral at once, each with its own idempotency key. A burst this size can overload
    // DynamoDB Local on a busy machine: the API then answers 503 with Retry-After, and the portal
    // retries with the same key, as the contract says it may, for as long as a burst can last here
    // (what is tested is the seats, not how fast DynamoDB Local takes 60 transactions at once).
    const receipts = await Promise.all(
      Array.from({ length: REFERRALS }, (_, i) =>
        submitReferralRetrying(stack.apiUrl, sampleReferral(), `capacity-${i}`, 30),
      ),
    );
    expect(receipts.map((r) => r.status)).toEqual(Array(REFERRALS).fill(202));

    const meetings = await eventually(
      async () => {
        const assigned = await Promise.all(
          receipts.map(async ({ body }) => {
            const referral = await referralFile(stack, String(body.referralId));
            return (referral.assignment as { meetingId?: string } | undefined)?.meetingId;
          }),
        );
        return assigned.every(Boolean) ? (assigned as string[]) : undefined;
      },
      "every referral assigned to a meeting",
      // The workflows plan at once, and a busy machine takes a while: with three test files at a time
      // on two cores, 90 s ran out before every referral had its seat.
      170_000,
    );

    // Assess
    const seats = new Map<string, number>();
    for (const meetingId of meetings) seats.set(meetingId, (seats.get(meetingId) ?? 0) + 1);
    const inOrder = [...seats.entries()].sort(([a], [b]) => a.localeCompare(b));
    expect(inOrder[0]).toEqual(["2026-03-03T12:00", CAPACITY]);
    expect(Math.max(...seats.values())).toBe(CAPACITY);
    expect(inOrder.map(([, count]) => count)).toEqual(Array(REFERRALS / CAPACITY).fill(CAPACITY));
  }, 240_000);
});
