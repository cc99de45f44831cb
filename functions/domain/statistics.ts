/**
 * Statistics like the 2018 survey's Table 1 (referrals per period, the share granted a right and the
 * share refused) plus what the guideline adds: the share of patients informed within the deadline,
 * the working days to a decision, the breaches, granted by care form and by referrer type.
 *
 * Computed from a maintained aggregate, never by reading every referral: each state change that
 * matters adds a {@link Tally} (counter increments for the Oslo month of receipt) in the same store
 * write as the change itself, so a change and its count happen together or not at all. A report
 * reads one counter set per month and sums them here.
 */

import * as z from "zod";
import { type CalendarRules, type IsoDate, osloDate, workingDaysBetween } from "./calendar";
import type { Decision } from "./decision";
import { CARE_FORMS, type CareForm } from "./decision-labels";
import type { BreachBasis, ReferralRecord } from "./records";
import { KIND_LABELS, REFERRER_TYPES } from "./referral-labels";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

/** Referrals whose portal did not say (the field is optional). */
export const UNSPECIFIED_REFERRER = "unspecified";

const KINDS = Object.keys(KIND_LABELS) as (keyof typeof KIND_LABELS)[];
const CARE_FORM_KEYS = CARE_FORMS.map((form) => form.key);
const REFERRER_KEYS = [...REFERRER_TYPES, UNSPECIFIED_REFERRER] as const;

/** A month as `YYYY-MM`: the aggregate's unit. */
export type Month = string;

/** Counter increments for one month of receipt. */
export interface Tally {
  month: Month;
  add: Record<string, number>;
}

/** The counters of one month, as stored (absent counters are 0). */
export type MonthCounters = Record<string, number>;

/** The counter names: flat, so a store can ADD each one atomically. */
export const COUNTERS = {
  referrals: "referrals",
  kind: (kind: string) => `kind.${kind}`,
  granted: "granted",
  refused: "refused",
  forwarded: "forwarded",
  /** Secondary referrals confirmed as the condition already assessed: acknowledged and closed. */
  acknowledged: "acknowledged",
  grantedCareForm: (form: string) => `granted.${form}`,
  referrer: (type: string) => `referrer.${type}`,
  referrerGranted: (type: string) => `referrer.${type}.granted`,
  /** The histogram of working days to decision: one counter per number of days. */
  days: (days: number) => `days.${days}`,
  breaches: "breaches",
  informedWithinDeadline: "informedWithinDeadline",
  /** Start-of-care breaches recorded as expected before their deadline (Helfo notice filed early). */
  startOfCareExpected: "startOfCare.expected",
  /** Start-of-care breaches on record after the deadline (confirmed, expected and past, or by default). */
  startOfCareBreached: "startOfCare.breached",
  /** Start-of-care breach notices marked reported to Helfo. */
  startOfCareReported: "startOfCare.reported",
  /** Start-of-care breaches on record by how they were established ({@link BreachBasis}). */
  startOfCareBreachedBasis: (basis: BreachBasis) => `startOfCare.breached.${basis}`,
  /** Granted rights with a recorded start of care (in time or late). */
  startOfCareStarted: "startOfCare.started",
  /** Of those, started on or before the deadline with no breach on record. */
  startOfCareStartedInTime: "startOfCare.startedInTime",
  /** The histogram of calendar days from the decision (Oslo date) to the recorded start. */
  startOfCareWaitDays: (days: number) => `startOfCare.waitDays.${days}`,
  /**
   * Decisions made with a condition of the priority guide picked (priority-guide.ts), by condition:
   * how many, by outcome, the deadline set (calendar days from the decision to the start-of-care
   * deadline, a histogram) and how many departed from the guide's suggestion.
   */
  condition: (id: string) => `condition.${id}.decided`,
  conditionOutcome: (id: string, outcome: string) => `condition.${id}.${outcome}`,
  conditionDeadlineDays: (id: string, days: number) => `condition.${id}.deadlineDays.${days}`,
  conditionDeviated: (id: string) => `condition.${id}.deviated`,
} as const;

/** How a start-of-care breach was established, in the order the report lists them. */
export const BREACH_BASES: readonly BreachBasis[] = ["expected", "confirmed", "default"];

/** The Oslo month a referral is counted in: the month of its Oslo date of receipt. */
export function receiptMonth(referral: Pick<ReferralRecord, "receivedAt">): Month {
  return osloDate(new Date(referral.receivedAt)).slice(0, 7);
}

function referrerTypeOf(referral: Pick<ReferralRecord, "submission">): string {
  return referral.submission.referrer.type ?? UNSPECIFIED_REFERRER;
}

/** A referral received: one referral of its kind and referrer type (pending until decided). */
export function tallyOfReceipt(referral: Pick<ReferralRecord, "receivedAt" | "kind" | "submission">): Tally {
  return {
    month: receiptMonth(referral),
    add: {
      [COUNTERS.referrals]: 1,
      [COUNTERS.kind(referral.kind)]: 1,
      [COUNTERS.referrer(referrerTypeOf(referral))]: 1,
    },
  };
}

/**
 * A decision recorded: its outcome, the care form and referrer type of a grant, and the working
 * days from the start of the legal clock to the Oslo date of the decision (the histogram's bucket).
 */
export function tallyOfDecision(
  referral: Pick<ReferralRecord, "receivedAt" | "clockStartDate" | "submission">,
  decision: Decision,
  decidedAt: string,
  rules: CalendarRules,
): Tally {
  const days = Math.max(0, workingDaysBetween(referral.clockStartDate, osloDate(new Date(decidedAt)), rules));
  const add: Record<string, number> = { [decision.outcome]: 1, [COUNTERS.days(days)]: 1 };
  if (decision.outcome === "granted") {
    add[COUNTERS.grantedCareForm(decision.careForm)] = 1;
    add[COUNTERS.referrerGranted(referrerTypeOf(referral))] = 1;
  }
  const guide = decision.guide;
  if (guide) {
    const id = guide.conditionId;
    add[COUNTERS.condition(id)] = 1;
    add[COUNTERS.conditionOutcome(id, decision.outcome)] = 1;
    if (guide.deviates) add[COUNTERS.conditionDeviated(id)] = 1;
    if (decision.outcome === "granted") {
      const decidedOn = osloDate(new Date(decidedAt));
      const days = Math.max(0, calendarDaysBetween(decidedOn, decision.startOfCareDeadline));
      add[COUNTERS.conditionDeadlineDays(id, days)] = 1;
    }
  }
  return { month: receiptMonth(referral), add };
}

/**
 * A secondary referral staff confirmed as the condition already rights-assessed: acknowledged and
 * closed without a new assessment, so no longer pending (and not a decision either).
 */
export function tallyOfSecondaryAcknowledged(referral: Pick<ReferralRecord, "receivedAt">): Tally {
  return { month: receiptMonth(referral), add: { [COUNTERS.acknowledged]: 1 } };
}

/** A deadline breached (recorded once per referral). */
export function tallyOfBreach(referral: Pick<ReferralRecord, "receivedAt">): Tally {
  return { month: receiptMonth(referral), add: { [COUNTERS.breaches]: 1 } };
}

/** A start-of-care breach recorded as expected, before its deadline (once per referral). */
export function tallyOfExpectedBreach(referral: Pick<ReferralRecord, "receivedAt">): Tally {
  return { month: receiptMonth(referral), add: { [COUNTERS.startOfCareExpected]: 1 } };
}

/** A start-of-care breach on record after its deadline (once per referral), with how it was established. */
export function tallyOfStartOfCareBreach(
  referral: Pick<ReferralRecord, "receivedAt">,
  basis: BreachBasis,
): Tally {
  return {
    month: receiptMonth(referral),
    add: { [COUNTERS.startOfCareBreached]: 1, [COUNTERS.startOfCareBreachedBasis(basis)]: 1 },
  };
}

/** What one referral's recorded start adds to the counters (nothing without a start). */
function startContribution(
  decidedOn: IsoDate,
  deadline: IsoDate,
  startedOn: IsoDate | null,
  breached: boolean,
): Record<string, number> {
  if (startedOn === null) return {};
  const days = Math.max(0, calendarDaysBetween(decidedOn, startedOn));
  return {
    [COUNTERS.startOfCareStarted]: 1,
    [COUNTERS.startOfCareWaitDays(days)]: 1,
    ...(startedOn <= deadline && !breached ? { [COUNTERS.startOfCareStartedInTime]: 1 } : {}),
  };
}

function calendarDaysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The day care started recorded (or corrected) on a granted right whose record, before the change,
 * had `before.startedOn` and `before.breached`: the counters move from what the old start added to
 * what the new one adds (a correction takes its old day out of the histogram), so each referral
 * counts once, at its current start. A start counts as in time when it is on or before the deadline
 * and no breach is on record (a breach stays on record even if a start in time is keyed in after).
 * Undefined when nothing changes.
 */
export function tallyOfStartRecorded(
  referral: Pick<ReferralRecord, "receivedAt">,
  right: { decidedOn: IsoDate; startOfCareDeadline: IsoDate },
  before: { startedOn: IsoDate | null; breached: boolean },
  startedOn: IsoDate,
): Tally | undefined {
  const { decidedOn, startOfCareDeadline } = right;
  const old = startContribution(decidedOn, startOfCareDeadline, before.startedOn, before.breached);
  const now = startContribution(decidedOn, startOfCareDeadline, startedOn, before.breached);
  const add: Record<string, number> = {};
  for (const name of new Set([...Object.keys(old), ...Object.keys(now)])) {
    const delta = (now[name] ?? 0) - (old[name] ?? 0);
    if (delta !== 0) add[name] = delta;
  }
  return Object.keys(add).length === 0 ? undefined : { month: receiptMonth(referral), add };
}

/** A start-of-care breach notice marked reported to Helfo (once per referral). */
export function tallyOfHelfoReported(referral: Pick<ReferralRecord, "receivedAt">): Tally {
  return { month: receiptMonth(referral), add: { [COUNTERS.startOfCareReported]: 1 } };
}

/**
 * The patient's decision letter went out (emailed, or posted by hand) at `sentAt`: counted when
 * that was on or before the assessment due date (Oslo), otherwise nothing to count.
 */
export function tallyOfPatientInformed(
  referral: Pick<ReferralRecord, "receivedAt" | "assessmentDueDate">,
  sentAt: string,
): Tally | undefined {
  if (osloDate(new Date(sentAt)) > referral.assessmentDueDate) return undefined;
  return { month: receiptMonth(referral), add: { [COUNTERS.informedWithinDeadline]: 1 } };
}

// ---------------------------------------------------------------------------------------------
// The report

export const STATISTICS_PERIODS = ["year", "month"] as const;
export type StatisticsPeriod = (typeof STATISTICS_PERIODS)[number];

/** GET /statistics's query. */
export interface StatisticsQuery {
  from: IsoDate;
  to: IsoDate;
  by: StatisticsPeriod;
  /** Counts from 1 to this minus 1 are suppressed (null): for sharing outside the clinic. */
  suppressBelow?: number;
}

// Built on the first query: most functions import this module for the tallies only.
const statisticsQuerySchema = /* @__PURE__ */ builtOnFirstUse(() => {
  const isoDate = z.iso.date("must be a date (YYYY-MM-DD)");
  const validDates = (query: { from: unknown; to: unknown }) =>
    isoDate.safeParse(query.from).success && isoDate.safeParse(query.to).success;
  return (
    z
      .object({
        from: isoDate,
        to: isoDate,
        by: z.enum(STATISTICS_PERIODS, { error: 'must be "year" or "month"' }).default("year"),
        suppressBelow: z.coerce
          .number({ error: "must be a whole number from 1 to 100" })
          .int("must be a whole number from 1 to 100")
          .min(1, "must be a whole number from 1 to 100")
          .max(100, "must be a whole number from 1 to 100")
          .optional(),
      })
      // Only between two valid dates: a malformed one is reported on its own field alone.
      .refine((query) => !validDates(query) || query.from <= query.to, {
        path: ["to"],
        message: "must not be before from",
      })
      .refine((query) => !validDates(query) || monthsBetween(query.from, query.to).length <= 12 * 50, {
        path: ["to"],
        message: "must be at most 50 years after from",
      })
  );
});

/** Validates the query string; `issues` are ready for the 400 answer. */
export function parseStatisticsQuery(
  params: Record<string, string | undefined>,
): { ok: true; value: StatisticsQuery } | { ok: false; issues: Issue[] } {
  const result = statisticsQuerySchema().safeParse(params);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

/** Every month touched by [from, to], in order. */
export function monthsBetween(from: IsoDate, to: IsoDate): Month[] {
  const months: Month[] = [];
  let [year, month] = from.split("-").map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const current = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
    if (current > last) return months;
    months.push(current);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/** A count, or null where it is suppressed. */
type Cell = number | null;

/** One period's figures. */
export interface StatisticsRow {
  /** "2016" or "2016-03". */
  period: string;
  referrals: Cell;
  referralsByKind: Record<string, Cell>;
  granted: Cell;
  refused: Cell;
  forwarded: Cell;
  /** Secondary referrals confirmed as the condition already assessed, acknowledged and closed. */
  acknowledged: Cell;
  /** Received and not yet granted, refused, forwarded or acknowledged. */
  pending: Cell;
  /** Of granted + refused, whole percent; with refusedPercent it makes 100, as in the survey. */
  grantedPercent: Cell;
  refusedPercent: Cell;
  /** Of the decided (granted, refused, forwarded): the patient's letter out by the due date. */
  withinDeadlinePercent: Cell;
  /** Working days from the start of the legal clock to the decision; the middle of the histogram. */
  medianWorkingDaysToDecision: Cell;
  breaches: Cell;
  grantedByCareForm: Record<string, Cell>;
  byReferrerType: Record<string, { referrals: Cell; granted: Cell }>;
  /** Start-of-care breaches recorded as expected before their deadline (the Helfo notice filed early). */
  startOfCareBreachesExpected: Cell;
  /** Start-of-care breaches on record after the deadline, however established. */
  startOfCareBreaches: Cell;
  /** The same by how each was established: expected (and past), confirmed by the lead, or by default. */
  startOfCareBreachesByBasis: Record<BreachBasis, Cell>;
  /** Breach notices the clinic marked reported to Helfo (the patient's letter goes out then). */
  startOfCareBreachesReported: Cell;
  /** Granted rights with a recorded start of care, in time or late. */
  startsOfCare: Cell;
  /**
   * Of the granted rights whose start of care is settled (a start in time, or a breach on record):
   * the share started on or before the deadline, whole percent.
   */
  startedWithinDeadlinePercent: Cell;
  /** Calendar days from the decision to the recorded start: the middle of the histogram. */
  medianDaysDecisionToStart: Cell;
  /**
   * Decisions with a condition of the priority guide, by condition id (those with any in the
   * period): so the lead sees whether the clinic decides alike for the same condition.
   */
  byCondition: Record<string, ConditionFigures>;
}

/** One condition's figures in a period. */
export interface ConditionFigures {
  /** Referrals decided with this condition picked (granted, refused or forwarded). */
  referrals: Cell;
  granted: Cell;
  refused: Cell;
  /** Of granted + refused, whole percent, as the survey's shares. */
  grantedPercent: Cell;
  refusedPercent: Cell;
  /** Calendar days from the decision to the start-of-care deadline set, over the granted: the middle. */
  medianDeadlineDays: Cell;
  /** Of the decided with this condition, whole percent: another right or date than the guide's suggestion. */
  deviationPercent: Cell;
}

/** GET /statistics's answer. */
export interface StatisticsReport {
  /** The first and last day of the whole months counted (the aggregate's resolution is a month). */
  from: IsoDate;
  to: IsoDate;
  by: StatisticsPeriod;
  suppressBelow?: number;
  periods: StatisticsRow[];
  total: StatisticsRow;
}

/** A share in whole percent, rounded half up; null without a denominator. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((100 * part) / whole);
}

/** The median of a histogram (value → count): the middle value, or the mean of the two middle ones. */
export function histogramMedian(histogram: ReadonlyMap<number, number>): number | null {
  const buckets = [...histogram].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const n = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (n === 0) return null;
  const nth = (index: number) => {
    let seen = 0;
    for (const [value, count] of buckets) {
      seen += count;
      if (index < seen) return value;
    }
    throw new Error("unreachable: index within the histogram");
  };
  return n % 2 === 1 ? nth((n - 1) / 2) : (nth(n / 2 - 1) + nth(n / 2)) / 2;
}

function sum(counters: MonthCounters[]): MonthCounters {
  const total: MonthCounters = {};
  for (const month of counters) {
    for (const [name, value] of Object.entries(month)) total[name] = (total[name] ?? 0) + value;
  }
  return total;
}

function row(period: string, c: MonthCounters, suppressBelow: number): StatisticsRow {
  const n = (name: string) => c[name] ?? 0;
  const cell = (value: number): Cell => (value > 0 && value < suppressBelow ? null : value);
  /** A derived figure shown only when what it is computed from is not itself too small. */
  const over = (base: number, value: number | null): Cell => (base < suppressBelow ? null : value);
  const granted = n(COUNTERS.granted);
  const refused = n(COUNTERS.refused);
  const forwarded = n(COUNTERS.forwarded);
  const decided = granted + refused + forwarded;
  const histogram = new Map<number, number>();
  for (const [name, value] of Object.entries(c)) {
    const match = /^days\.(\d+)$/.exec(name);
    if (match) histogram.set(Number(match[1]), value);
  }
  const grantedPercent = percent(granted, granted + refused);
  const waitDays = new Map<number, number>();
  for (const [name, value] of Object.entries(c)) {
    const match = /^startOfCare\.waitDays\.(\d+)$/.exec(name);
    if (match) waitDays.set(Number(match[1]), value);
  }
  const started = n(COUNTERS.startOfCareStarted);
  const inTime = n(COUNTERS.startOfCareStartedInTime);
  const settled = inTime + n(COUNTERS.startOfCareBreached);
  const conditionIds = [
    ...new Set(Object.keys(c).flatMap((name) => /^condition\.([a-z0-9-]+)\.decided$/.exec(name)?.[1] ?? [])),
  ].sort();
  const byCondition = Object.fromEntries(
    conditionIds.map((id): [string, ConditionFigures] => {
      const decided = n(COUNTERS.condition(id));
      const conditionGranted = n(COUNTERS.conditionOutcome(id, "granted"));
      const conditionRefused = n(COUNTERS.conditionOutcome(id, "refused"));
      const share = percent(conditionGranted, conditionGranted + conditionRefused);
      const deadlineDays = new Map<number, number>();
      const prefix = `condition.${id}.deadlineDays.`;
      for (const [name, value] of Object.entries(c)) {
        if (name.startsWith(prefix)) deadlineDays.set(Number(name.slice(prefix.length)), value);
      }
      return [
        id,
        {
          referrals: cell(decided),
          granted: cell(conditionGranted),
          refused: cell(conditionRefused),
          grantedPercent: over(conditionGranted + conditionRefused, share),
          refusedPercent: over(conditionGranted + conditionRefused, share === null ? null : 100 - share),
          medianDeadlineDays: over(conditionGranted, histogramMedian(deadlineDays)),
          deviationPercent: over(decided, percent(n(COUNTERS.conditionDeviated(id)), decided)),
        },
      ];
    }),
  );
  return {
    period,
    referrals: cell(n(COUNTERS.referrals)),
    referralsByKind: Object.fromEntries(KINDS.map((kind) => [kind, cell(n(COUNTERS.kind(kind)))])),
    granted: cell(granted),
    refused: cell(refused),
    forwarded: cell(forwarded),
    acknowledged: cell(n(COUNTERS.acknowledged)),
    pending: cell(Math.max(0, n(COUNTERS.referrals) - decided - n(COUNTERS.acknowledged))),
    grantedPercent: over(granted + refused, grantedPercent),
    refusedPercent: over(granted + refused, grantedPercent === null ? null : 100 - grantedPercent),
    withinDeadlinePercent: over(decided, percent(n(COUNTERS.informedWithinDeadline), decided)),
    medianWorkingDaysToDecision: over(decided, histogramMedian(histogram)),
    breaches: cell(n(COUNTERS.breaches)),
    grantedByCareForm: Object.fromEntries(
      CARE_FORM_KEYS.map((form: CareForm) => [form, cell(n(COUNTERS.grantedCareForm(form)))]),
    ),
    byReferrerType: Object.fromEntries(
      REFERRER_KEYS.map((type) => [
        type,
        { referrals: cell(n(COUNTERS.referrer(type))), granted: cell(n(COUNTERS.referrerGranted(type))) },
      ]),
    ),
    startOfCareBreachesExpected: cell(n(COUNTERS.startOfCareExpected)),
    startOfCareBreaches: cell(n(COUNTERS.startOfCareBreached)),
    startOfCareBreachesByBasis: Object.fromEntries(
      BREACH_BASES.map((basis) => [basis, cell(n(COUNTERS.startOfCareBreachedBasis(basis)))]),
    ) as Record<BreachBasis, Cell>,
    startOfCareBreachesReported: cell(n(COUNTERS.startOfCareReported)),
    startsOfCare: cell(started),
    startedWithinDeadlinePercent: over(settled, percent(inTime, settled)),
    medianDaysDecisionToStart: over(started, histogramMedian(waitDays)),
    byCondition,
  };
}

/** The report for a query from the counters of the months it covers (missing months count 0). */
export function statisticsReport(
  query: StatisticsQuery,
  counters: ReadonlyMap<Month, MonthCounters>,
): StatisticsReport {
  const months = monthsBetween(query.from, query.to);
  const suppressBelow = query.suppressBelow ?? 0;
  const periodOf = (month: Month) => (query.by === "year" ? month.slice(0, 4) : month);
  const grouped = new Map<string, MonthCounters[]>();
  for (const month of months) {
    const group = grouped.get(periodOf(month)) ?? [];
    group.push(counters.get(month) ?? {});
    grouped.set(periodOf(month), group);
  }
  const first = months[0] ?? query.from.slice(0, 7);
  const last = months.at(-1) ?? query.to.slice(0, 7);
  return {
    from: `${first}-01`,
    to: lastDayOf(last),
    by: query.by,
    ...(query.suppressBelow ? { suppressBelow: query.suppressBelow } : {}),
    periods: [...grouped].map(([period, group]) => row(period, sum(group), suppressBelow)),
    total: row("total", sum(months.map((month) => counters.get(month) ?? {})), suppressBelow),
  };
}

function lastDayOf(month: Month): IsoDate {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10);
}

/** The CSV columns, in order: one row per period and a last row `total`. Suppressed cells are empty. */
export const CSV_COLUMNS: readonly { header: string; value: (row: StatisticsRow) => Cell | string }[] = [
  { header: "period", value: (r) => r.period },
  { header: "referrals", value: (r) => r.referrals },
  ...KINDS.map((kind) => ({
    header: `referrals_${kind}`,
    value: (r: StatisticsRow) => r.referralsByKind[kind] ?? 0,
  })),
  { header: "granted", value: (r) => r.granted },
  { header: "refused", value: (r) => r.refused },
  { header: "forwarded", value: (r) => r.forwarded },
  { header: "acknowledged", value: (r) => r.acknowledged },
  { header: "pending", value: (r) => r.pending },
  { header: "granted_percent", value: (r) => r.grantedPercent },
  { header: "refused_percent", value: (r) => r.refusedPercent },
  { header: "within_deadline_percent", value: (r) => r.withinDeadlinePercent },
  { header: "median_working_days_to_decision", value: (r) => r.medianWorkingDaysToDecision },
  { header: "breaches", value: (r) => r.breaches },
  ...CARE_FORM_KEYS.map((form) => ({
    header: `granted_${form}`,
    value: (r: StatisticsRow) => r.grantedByCareForm[form] ?? 0,
  })),
  ...REFERRER_KEYS.flatMap((type) => [
    { header: `referrals_${type}`, value: (r: StatisticsRow) => r.byReferrerType[type]?.referrals ?? 0 },
    { header: `granted_${type}`, value: (r: StatisticsRow) => r.byReferrerType[type]?.granted ?? 0 },
  ]),
  // Added after the survey's columns, so a script reading by position keeps its columns.
  { header: "start_of_care_breaches_expected", value: (r) => r.startOfCareBreachesExpected },
  { header: "start_of_care_breaches", value: (r) => r.startOfCareBreaches },
  ...BREACH_BASES.map((basis) => ({
    header: `start_of_care_breaches_${basis}`,
    value: (r: StatisticsRow) => r.startOfCareBreachesByBasis[basis],
  })),
  { header: "start_of_care_breaches_reported", value: (r) => r.startOfCareBreachesReported },
  { header: "starts_of_care", value: (r) => r.startsOfCare },
  { header: "started_within_deadline_percent", value: (r) => r.startedWithinDeadlinePercent },
  { header: "median_days_decision_to_start", value: (r) => r.medianDaysDecisionToStart },
];

/** The figures of each condition, as CSV columns `condition_<id>_<figure>` after the fixed ones. */
const CONDITION_CSV_FIGURES: readonly { suffix: string; value: (figures: ConditionFigures) => Cell }[] = [
  { suffix: "referrals", value: (f) => f.referrals },
  { suffix: "granted", value: (f) => f.granted },
  { suffix: "refused", value: (f) => f.refused },
  { suffix: "granted_percent", value: (f) => f.grantedPercent },
  { suffix: "refused_percent", value: (f) => f.refusedPercent },
  { suffix: "median_deadline_days", value: (f) => f.medianDeadlineDays },
  { suffix: "deviation_percent", value: (f) => f.deviationPercent },
];

/**
 * The report as CSV (RFC 4180, CRLF line ends): a header, the periods, then the total. The fixed
 * columns come first, in their order; then, for each condition of the priority guide decided in the
 * report's range (by id), its figures (a condition absent from a period has 0 there).
 */
export function statisticsCsv(report: StatisticsReport): string {
  const conditions = Object.keys(report.total.byCondition).sort();
  const columns = [
    ...CSV_COLUMNS,
    ...conditions.flatMap((id) =>
      CONDITION_CSV_FIGURES.map((figure) => ({
        header: `condition_${id.replaceAll("-", "_")}_${figure.suffix}`,
        value: (r: StatisticsRow) => {
          const figures = r.byCondition[id];
          return figures
            ? figure.value(figures)
            : figure.suffix.endsWith("percent") || figure.suffix.startsWith("median")
              ? null
              : 0;
        },
      })),
    ),
  ];
  const lines = [columns.map((column) => column.header).join(",")];
  for (const r of [...report.periods, report.total]) {
    lines.push(columns.map((column) => String(column.value(r) ?? "")).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
