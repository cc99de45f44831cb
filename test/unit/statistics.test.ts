/**
 * The statistics core: tallies as referrals change state, the report from monthly counters, the
 * survey's rounding, the median from a histogram, suppression of small cells, CSV. Property-based
 * where the rule is general: every figure is checked against a count made here, from the facts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addWorkingDays, defaultCalendarRules, osloInstant } from "../../functions/domain/calendar";
import type { Decision } from "../../functions/domain/decision";
import { addDays } from "../../functions/domain/decision-labels";
import {
  histogramMedian,
  type Month,
  type MonthCounters,
  monthsBetween,
  parseStatisticsQuery,
  percent,
  type StatisticsRow,
  statisticsCsv,
  statisticsReport,
  type Tally,
  tallyOfBreach,
  tallyOfDecision,
  tallyOfExpectedBreach,
  tallyOfHelfoReported,
  tallyOfPatientInformed,
  tallyOfReceipt,
  tallyOfSecondaryAcknowledged,
  tallyOfStartOfCareBreach,
  tallyOfStartRecorded,
} from "../../functions/domain/statistics";
import { testReferral } from "../support/fakes";

/** Adds tallies up as a store does. */
function apply(tallies: (Tally | undefined)[]): Map<Month, MonthCounters> {
  const counters = new Map<Month, MonthCounters>();
  for (const tally of tallies) {
    if (!tally) continue;
    const month = counters.get(tally.month) ?? {};
    for (const [name, value] of Object.entries(tally.add)) month[name] = (month[name] ?? 0) + value;
    counters.set(tally.month, month);
  }
  return counters;
}

/** The textbook median of a list of numbers. */
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const outcomeArb = fc.constantFrom("granted", "refused", "forwarded", "pending", "acknowledged");
const careFormArb = fc.constantFrom("team", "single-discipline", "mapping-consultation");
const referrerArb = fc.constantFrom("primary-care", "specialist", undefined);
const kindArb = fc.constantFrom("new", "forwarded");

/** One referral's life, as facts: when it came, what it was, what became of it. */
const factArb = fc.record({
  receivedDay: fc.integer({ min: 0, max: 729 }),
  receivedHour: fc.integer({ min: 0, max: 23 }),
  kind: kindArb,
  referrerType: referrerArb,
  outcome: outcomeArb,
  careForm: careFormArb,
  workingDays: fc.integer({ min: 0, max: 25 }),
  breached: fc.boolean(),
  informedAfterDays: fc.integer({ min: 0, max: 4 }),
  // A granted right's start of care: none yet, started (in time or after a confirmed breach), or a
  // breach expected, confirmed or taken by default; the start perhaps corrected; the notice reported.
  start: fc.constantFrom("none", "in-time", "late", "expected", "confirmed", "default"),
  deadlineDays: fc.integer({ min: 20, max: 90 }),
  waitDays: fc.integer({ min: 0, max: 120 }),
  correctedWaitDays: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  reported: fc.boolean(),
  // The priority guide's condition picked with the decision, if any, and whether the decision departed.
  condition: fc.option(
    fc.record({ id: fc.constantFrom("ansiktssmerter", "langvarig-ikke-rett"), deviates: fc.boolean() }),
    { nil: undefined },
  ),
});
type Fact = typeof factArb extends fc.Arbitrary<infer T> ? T : never;

const START = Date.UTC(2025, 0, 1);

function referralOf(fact: Fact, index: number) {
  const receivedAt = new Date(START + fact.receivedDay * 86_400_000 + fact.receivedHour * 3_600_000);
  const referral = testReferral({ referralId: `ref-${index}`, receivedAt: receivedAt.toISOString() });
  const osloDay = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Oslo" }).format(receivedAt);
  referral.kind = fact.kind as "new";
  referral.clockStartDate = osloDay;
  referral.assessmentDueDate = addWorkingDays(osloDay, 10);
  if (fact.referrerType) referral.submission.referrer.type = fact.referrerType as "specialist";
  else delete referral.submission.referrer.type;
  return { referral, osloDay };
}

function decisionOf(fact: Fact): Decision {
  const guide = fact.condition
    ? {
        guide: {
          conditionId: fact.condition.id,
          conditionName: fact.condition.id,
          guideVersion: "2015-11-01",
          suggestion: { advisedRight: "granted" as const, latestStart: "2030-01-01" },
          deviates: fact.condition.deviates,
        },
      }
    : {};
  if (fact.outcome === "granted") {
    return {
      outcome: "granted",
      careForm: fact.careForm as "team",
      startOfCareDeadline: "2030-01-01",
      assessedBy: "123",
      ...guide,
    };
  }
  if (fact.outcome === "refused")
    return { outcome: "refused", justification: "j", advice: "a", assessedBy: "1", ...guide };
  return { outcome: "forwarded", forwardTo: "x", justification: "j", assessedBy: "1", ...guide };
}

/** The Oslo day a decision was made on, as talliesOf makes it. */
function decisionDayOf(fact: Fact): string {
  const receivedAt = new Date(START + fact.receivedDay * 86_400_000 + fact.receivedHour * 3_600_000);
  const osloDay = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Oslo" }).format(receivedAt);
  return addWorkingDays(osloDay, fact.workingDays);
}

/** The figures by condition, counted here from the decided facts. */
function expectedByCondition(decided: Fact[]) {
  const ids = [...new Set(decided.flatMap((f) => (f.condition ? [f.condition.id] : [])))].sort();
  return Object.fromEntries(
    ids.map((id) => {
      const of = decided.filter((f) => f.condition?.id === id);
      const granted = of.filter((f) => f.outcome === "granted");
      const refused = of.filter((f) => f.outcome === "refused").length;
      const share =
        granted.length + refused === 0
          ? null
          : Math.round((100 * granted.length) / (granted.length + refused));
      return [
        id,
        {
          referrals: of.length,
          granted: granted.length,
          refused,
          grantedPercent: share,
          refusedPercent: share === null ? null : 100 - share,
          medianDeadlineDays: median(
            granted.map((f) => (Date.parse("2030-01-01") - Date.parse(decisionDayOf(f))) / 86_400_000),
          ),
          deviationPercent: Math.round((100 * of.filter((f) => f.condition?.deviates).length) / of.length),
        },
      ];
    }),
  );
}

/** A granted right's start of care as the facts tell it: the day care started, and the breach. */
function startOfCareOutcome(fact: Fact, decidedOn: string) {
  const deadline = addDays(decidedOn, fact.deadlineDays);
  const startedOn =
    fact.start === "in-time"
      ? addDays(decidedOn, fact.correctedWaitDays ?? Math.min(fact.waitDays, fact.deadlineDays))
      : fact.start === "late"
        ? addDays(deadline, 1 + (fact.correctedWaitDays ?? fact.waitDays))
        : undefined;
  const breached = ["late", "expected", "confirmed", "default"].includes(fact.start);
  return { deadline, startedOn, breached };
}

/** The start-of-care tallies of a granted right, in the order the use cases write them. */
function startOfCareTallies(
  fact: Fact,
  referral: ReturnType<typeof referralOf>["referral"],
  decidedOn: string,
) {
  const deadline = addDays(decidedOn, fact.deadlineDays);
  const right = { decidedOn, startOfCareDeadline: deadline };
  const tallies: (Tally | undefined)[] = [];
  if (fact.start === "in-time") {
    const first = addDays(decidedOn, Math.min(fact.waitDays, fact.deadlineDays));
    tallies.push(tallyOfStartRecorded(referral, right, { startedOn: null, breached: false }, first));
    if (fact.correctedWaitDays !== undefined) {
      const corrected = addDays(decidedOn, fact.correctedWaitDays);
      tallies.push(tallyOfStartRecorded(referral, right, { startedOn: first, breached: false }, corrected));
    }
  } else if (fact.start === "late") {
    tallies.push(tallyOfStartOfCareBreach(referral, "confirmed"));
    const first = addDays(deadline, 1 + fact.waitDays);
    tallies.push(tallyOfStartRecorded(referral, right, { startedOn: null, breached: true }, first));
    if (fact.correctedWaitDays !== undefined) {
      const corrected = addDays(deadline, 1 + fact.correctedWaitDays);
      tallies.push(tallyOfStartRecorded(referral, right, { startedOn: first, breached: true }, corrected));
    }
  } else if (fact.start !== "none") {
    if (fact.start === "expected") tallies.push(tallyOfExpectedBreach(referral));
    tallies.push(tallyOfStartOfCareBreach(referral, fact.start));
  }
  if (fact.reported && ["late", "expected", "confirmed", "default"].includes(fact.start)) {
    tallies.push(tallyOfHelfoReported(referral));
  }
  return tallies;
}

/** Every tally the facts produce, as the use cases would have written them. */
function talliesOf(facts: Fact[]): (Tally | undefined)[] {
  return facts.flatMap((fact, index) => {
    const { referral, osloDay } = referralOf(fact, index);
    const tallies: (Tally | undefined)[] = [tallyOfReceipt(referral)];
    if (fact.breached) tallies.push(tallyOfBreach(referral));
    if (fact.outcome === "acknowledged") tallies.push(tallyOfSecondaryAcknowledged(referral));
    else if (fact.outcome !== "pending") {
      const decisionDay = addWorkingDays(osloDay, fact.workingDays);
      const decidedAt = osloInstant(decisionDay, 14, 0).toISOString();
      tallies.push(tallyOfDecision(referral, decisionOf(fact), decidedAt, defaultCalendarRules));
      const sentAt = osloInstant(addWorkingDays(decisionDay, fact.informedAfterDays), 15, 0).toISOString();
      tallies.push(tallyOfPatientInformed(referral, sentAt));
      if (fact.outcome === "granted") tallies.push(...startOfCareTallies(fact, referral, decisionDay));
    }
    return tallies;
  });
}

/** The row for a set of facts, counted here directly. */
function expectedRow(facts: Fact[]) {
  const count = (pick: (fact: Fact) => boolean) => facts.filter(pick).length;
  const decided = facts.filter((fact) => fact.outcome !== "pending" && fact.outcome !== "acknowledged");
  const granted = count((f) => f.outcome === "granted");
  const refused = count((f) => f.outcome === "refused");
  const grantedPercent = granted + refused === 0 ? null : Math.round((100 * granted) / (granted + refused));
  const informedInTime = decided.filter((f) => f.workingDays + f.informedAfterDays <= 10).length;
  const rights = facts
    .filter((f) => f.outcome === "granted")
    .map((f) => ({ fact: f, ...startOfCareOutcome(f, "2025-01-01") }));
  const started = rights.filter((r) => r.startedOn !== undefined);
  const inTime = started.filter((r) => !r.breached && (r.startedOn as string) <= r.deadline).length;
  const breaches = rights.filter((r) => r.breached);
  const settled = inTime + breaches.length;
  const waits = started.map(
    (r) => (Date.parse(r.startedOn as string) - Date.parse("2025-01-01")) / 86_400_000,
  );
  return {
    referrals: facts.length,
    referralsByKind: {
      new: count((f) => f.kind === "new"),
      forwarded: count((f) => f.kind === "forwarded"),
      secondary: 0,
    },
    granted,
    refused,
    forwarded: count((f) => f.outcome === "forwarded"),
    acknowledged: count((f) => f.outcome === "acknowledged"),
    pending: count((f) => f.outcome === "pending"),
    grantedPercent,
    refusedPercent: grantedPercent === null ? null : 100 - grantedPercent,
    withinDeadlinePercent: decided.length === 0 ? null : Math.round((100 * informedInTime) / decided.length),
    medianWorkingDaysToDecision: median(decided.map((f) => f.workingDays)),
    breaches: count((f) => f.breached),
    grantedByCareForm: Object.fromEntries(
      ["team", "single-discipline", "mapping-consultation"].map((form) => [
        form,
        count((f) => f.outcome === "granted" && f.careForm === form),
      ]),
    ),
    byReferrerType: Object.fromEntries(
      (["primary-care", "specialist", "unspecified"] as const).map((type) => {
        const of = (f: Fact) => (f.referrerType ?? "unspecified") === type;
        return [type, { referrals: count(of), granted: count((f) => of(f) && f.outcome === "granted") }];
      }),
    ),
    startOfCareBreachesExpected: rights.filter((r) => r.fact.start === "expected").length,
    startOfCareBreaches: breaches.length,
    startOfCareBreachesByBasis: {
      expected: breaches.filter((r) => r.fact.start === "expected").length,
      confirmed: breaches.filter((r) => r.fact.start === "confirmed" || r.fact.start === "late").length,
      default: breaches.filter((r) => r.fact.start === "default").length,
    },
    startOfCareBreachesReported: breaches.filter((r) => r.fact.reported).length,
    startsOfCare: started.length,
    startedWithinDeadlinePercent: settled === 0 ? null : Math.round((100 * inTime) / settled),
    medianDaysDecisionToStart: median(waits),
    byCondition: expectedByCondition(decided),
  };
}

const yearOf = (fact: Fact) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Oslo", year: "numeric" }).format(
    new Date(START + fact.receivedDay * 86_400_000 + fact.receivedHour * 3_600_000),
  );

describe("the statistics report", () => {
  it("gives every figure of every year as counted directly from the referrals' facts", () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 60 }), (facts) => {
        const report = statisticsReport(
          { from: "2025-01-01", to: "2026-12-31", by: "year" },
          apply(talliesOf(facts)),
        );

        // Assess: a referral received on 31 December at 23:30 UTC is an Oslo January one.
        for (const row of report.periods) {
          expect(row).toEqual({
            period: row.period,
            ...expectedRow(facts.filter((f) => yearOf(f) === row.period)),
          });
        }
        const within = facts.filter((f) => ["2025", "2026"].includes(yearOf(f)));
        expect(report.total).toEqual({ period: "total", ...expectedRow(within) });
      }),
      { numRuns: 60 },
    );
  });

  it("adds up the months of a year to the same figures as the year", () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 40 }), (facts) => {
        const counters = apply(talliesOf(facts));
        const byMonth = statisticsReport({ from: "2025-01-01", to: "2025-12-31", by: "month" }, counters);
        const byYear = statisticsReport({ from: "2025-01-01", to: "2025-12-31", by: "year" }, counters);

        expect(byMonth.periods.map((row) => row.period)).toEqual(monthsBetween("2025-01-01", "2025-12-31"));
        const summed = byMonth.periods.reduce((total, row) => total + (row.referrals ?? 0), 0);
        expect(summed).toBe(byYear.periods[0]?.referrals);
        expect(byMonth.total).toEqual(byYear.total);
      }),
      { numRuns: 40 },
    );
  });

  it("rounds granted and refused to whole percents that make 100, as the survey's Table 1", () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.nat(5000), (granted, refused) => {
        fc.pre(granted + refused > 0);
        const grantedPercent = percent(granted, granted + refused) as number;
        expect(Math.abs(grantedPercent - (100 * granted) / (granted + refused))).toBeLessThanOrEqual(0.5);
      }),
    );
    // OUS 2014 in the survey: 1675 referrals, 64 % granted and 36 % refused.
    expect(percent(1072, 1675)).toBe(64);
  });

  it("finds the median of the working days from the histogram as from the list itself", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 200 }), (days) => {
        const histogram = new Map<number, number>();
        for (const d of days) histogram.set(d, (histogram.get(d) ?? 0) + 1);
        expect(histogramMedian(histogram)).toBe(median(days));
      }),
    );
  });

  it("suppresses every count from 1 to below the cell size, and the shares computed from them", () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 50 }), fc.integer({ min: 2, max: 10 }), (facts, k) => {
        const counters = apply(talliesOf(facts));
        const query = { from: "2025-01-01", to: "2026-12-31", by: "month" as const };
        const open = statisticsReport(query, counters);
        const shared = statisticsReport({ ...query, suppressBelow: k }, counters);

        const cells = (row: StatisticsRow) => [
          row.referrals,
          ...Object.values(row.referralsByKind),
          row.granted,
          row.refused,
          row.forwarded,
          row.acknowledged,
          row.pending,
          row.breaches,
          ...Object.values(row.grantedByCareForm),
          ...Object.values(row.byReferrerType).flatMap((cell) => [cell.referrals, cell.granted]),
          row.startOfCareBreachesExpected,
          row.startOfCareBreaches,
          ...Object.values(row.startOfCareBreachesByBasis),
          row.startOfCareBreachesReported,
          row.startsOfCare,
        ];
        for (const [index, row] of [...shared.periods, shared.total].entries()) {
          const before = [...open.periods, open.total][index] as StatisticsRow;
          const pairs = cells(row).map((cell, i) => [cell, cells(before)[i]] as const);
          for (const [after, original] of pairs) {
            if (original != null && original > 0 && original < k) expect(after).toBeNull();
            else expect(after).toBe(original);
          }
          const decided = (before.granted ?? 0) + (before.refused ?? 0) + (before.forwarded ?? 0);
          if (decided < k) expect(row.medianWorkingDaysToDecision).toBeNull();
          if ((before.granted ?? 0) + (before.refused ?? 0) < k) expect(row.grantedPercent).toBeNull();
          if ((before.startsOfCare ?? 0) < k) expect(row.medianDaysDecisionToStart).toBeNull();
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("the statistics query", () => {
  it("takes from, to, by and a cell size, and names the field it refuses", () => {
    expect(
      parseStatisticsQuery({ from: "2025-01-01", to: "2025-12-31", by: "month", suppressBelow: "5" }),
    ).toEqual({
      ok: true,
      value: { from: "2025-01-01", to: "2025-12-31", by: "month", suppressBelow: 5 },
    });
    expect(parseStatisticsQuery({ from: "2025-01-01", to: "2025-12-31" })).toMatchObject({
      ok: true,
      value: { by: "year" },
    });
    expect(parseStatisticsQuery({ from: "2025-13-01", to: "2025-12-31" })).toMatchObject({
      ok: false,
      issues: [{ path: "from" }],
    });
    expect(parseStatisticsQuery({ from: "2025-02-01", to: "2025-01-31" })).toMatchObject({
      ok: false,
      issues: [{ path: "to" }],
    });
    expect(parseStatisticsQuery({ from: "2025-01-01", to: "2025-01-31", by: "week" })).toMatchObject({
      ok: false,
      issues: [{ path: "by" }],
    });
    expect(parseStatisticsQuery({ from: "2025-01-01", to: "2025-01-31", suppressBelow: "0" })).toMatchObject({
      ok: false,
      issues: [{ path: "suppressBelow" }],
    });
  });
});

describe("the CSV", () => {
  it("has a header, one line per period and the total, with suppressed cells empty", () => {
    const counters = apply(talliesOf([]));
    counters.set("2025-03", { referrals: 3, granted: 2, refused: 1, "days.4": 3 });
    const csv = statisticsCsv(
      statisticsReport({ from: "2025-03-01", to: "2025-04-30", by: "month", suppressBelow: 2 }, counters),
    );

    const lines = csv.split("\r\n").filter(Boolean);
    const header = (lines[0] ?? "").split(",");
    const march = (lines[1] ?? "").split(",");
    expect(lines.map((line) => line.split(",")[0])).toEqual(["period", "2025-03", "2025-04", "total"]);
    expect(march[header.indexOf("referrals")]).toBe("3");
    expect(march[header.indexOf("refused")]).toBe("");
    expect(march[header.indexOf("granted_percent")]).toBe("67");
    expect(march[header.indexOf("median_working_days_to_decision")]).toBe("4");
  });

  it("adds each condition's figures after the fixed columns, 0 where a period has none of it", () => {
    const march = { conditionId: "ansiktssmerter", deadline: "2025-09-01", deviates: true };
    const referral = testReferral({ receivedAt: "2025-03-03T08:00:00Z" });
    const decision = (startOfCareDeadline: string, deviates: boolean): Decision => ({
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline,
      assessedBy: "1",
      guide: {
        conditionId: march.conditionId,
        conditionName: "Ansiktssmerter",
        guideVersion: "2015-11-01",
        suggestion: { advisedRight: "granted", latestStart: "2025-09-01" },
        deviates,
      },
    });
    const counters = apply([
      tallyOfReceipt(referral),
      tallyOfReceipt(referral),
      tallyOfDecision(referral, decision("2025-09-01", false), "2025-03-03T13:00:00Z", defaultCalendarRules),
      tallyOfDecision(referral, decision("2025-04-14", true), "2025-03-03T13:00:00Z", defaultCalendarRules),
    ]);
    const report = statisticsReport({ from: "2025-03-01", to: "2025-04-30", by: "month" }, counters);
    const lines = statisticsCsv(report).split("\r\n").filter(Boolean);
    const header = (lines[0] ?? "").split(",");
    const row = (period: string) => (lines.find((line) => line.startsWith(`${period},`)) ?? "").split(",");

    expect(header.slice(-7)).toEqual([
      "condition_ansiktssmerter_referrals",
      "condition_ansiktssmerter_granted",
      "condition_ansiktssmerter_refused",
      "condition_ansiktssmerter_granted_percent",
      "condition_ansiktssmerter_refused_percent",
      "condition_ansiktssmerter_median_deadline_days",
      "condition_ansiktssmerter_deviation_percent",
    ]);
    // 182 and 42 days from Monday 3 March: the median is their mean.
    expect(row("2025-03").slice(-7)).toEqual(["2", "2", "0", "100", "0", "112", "50"]);
    expect(row("2025-04").slice(-7)).toEqual(["0", "0", "0", "", "", "", ""]);
    expect(report.total.byCondition.ansiktssmerter?.deviationPercent).toBe(50);
  });
});
