/**
 * `frist simulate` end to end on a small period (in-memory local stack, simulated time): the
 * simulated team answers each secondary referral's "samme tilstand?" from its task email, and the
 * printed figures count the ones assessed as new with the assessed and the confirmed ones apart.
 */
import { describe, expect, it } from "vitest";
import { describeSimulation, simulate } from "../../lib/local/simulation/simulate";
import { workerDynamoDb } from "../support/worker-dynamodb";

describe("frist simulate", () => {
  it("has the team confirm every secondary referral: the same condition is closed unassessed, the rest are assessed as new and decided, and starts of care are recorded", async () => {
    // Prepare: half the referrals secondary, half of those not the same condition.
    const options = {
      referrals: 20,
      days: 14,
      secondaryShare: 0.5,
      secondarySameShare: 0.5,
      seed: 3,
      // Starts of care two days after each grant, so that the period sees the team record them.
      plannedStartDays: 2,
    };

    // Act
    const result = await simulate(options, { dynamodb: workerDynamoDb() });

    // Assess: every secondary was answered by staff (none left to the confirmation day's timeout).
    const s = result.statistics;
    const answered = result.secondaryConfirmations;
    const secondaries = s.byKind.secondary ?? 0;
    expect(secondaries).toBeGreaterThan(0);
    expect(answered.same + answered.notSame).toBe(secondaries);
    expect(answered.same).toBeGreaterThan(0);
    expect(answered.notSame).toBeGreaterThan(0);
    expect(s.secondaryAcknowledged).toBe(answered.same);
    expect(s.secondaryAssessedAsNew).toBe(answered.notSame);
    // Those assessed as new are decided like any other; the acknowledged ones are not in the figures.
    expect(s.pending).toBe(0);
    expect(s.granted + s.refused).toBe(s.referrals - s.secondaryAcknowledged);
    expect(s.failed).toBe(0);
    expect(describeSimulation(result).join("\n")).toContain(
      `Secondary:           ${answered.same} confirmed the same condition`,
    );
    // The team recorded the start of care of each grant whose planned start came within the run, and
    // GET /statistics counts them (the API took every record).
    expect(result.startsOfCareRecorded).toBeGreaterThan(0);
    expect(result.startsOfCareRecorded).toBeLessThanOrEqual(s.granted);
    expect(result.route).toMatchObject({ total: { startsOfCare: result.startsOfCareRecorded } });
  }, 240_000);

  it("closes every secondary referral unassessed when the team confirms them all as the same condition", async () => {
    // Prepare
    const options = { referrals: 12, days: 7, secondaryShare: 0.5, secondarySameShare: 1, seed: 5 };

    // Act
    const result = await simulate(options, { dynamodb: workerDynamoDb() });

    // Assess
    const s = result.statistics;
    expect(s.byKind.secondary ?? 0).toBeGreaterThan(0);
    expect(s.secondaryAcknowledged).toBe(s.byKind.secondary);
    expect(s.secondaryAssessedAsNew).toBe(0);
    expect(s.granted + s.refused).toBe(s.referrals - (s.byKind.secondary ?? 0));
  }, 240_000);
});
