/**
 * Statistics over two years, end to end on the local default: referrals arrive, are decided (or not)
 * on a simulated clock, breach their deadline, get their letters emailed or posted; then every figure
 * of GET /statistics, by year and by month, is checked against counts this test keeps itself.
 *
 * A few referrals go the whole way over HTTP (portal POST, the task link's decision, the workflow's
 * letters). The rest (two years of them) are driven through the same use cases directly against the
 * same DynamoDB Local table, which keeps the wall time moderate; the report is read over HTTP.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../bin/cli";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { recordDecision } from "../../functions/domain/assessment-answer";
import { addWorkingDays, type IsoDate, osloDate, osloInstant } from "../../functions/domain/calendar";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { recordBreach } from "../../functions/domain/deadline-timer";
import { addDays } from "../../functions/domain/decision-labels";
import { dispatchDecisionLetters } from "../../functions/domain/dispatch";
import { markHelfoReported } from "../../functions/domain/helfo-notification";
import { letterIdOf, markLetterPosted } from "../../functions/domain/postal";
import { receiveReferral } from "../../functions/domain/receive-referral";
import { acknowledgeSecondary } from "../../functions/domain/secondary";
import { checkStartOfCare, confirmBreachByDefault } from "../../functions/domain/start-of-care";
import {
  confirmStartOfCareBreach,
  recordExpectedBreach,
  recordStartOfCare,
} from "../../functions/domain/start-of-care-records";
import type { StatisticsReport, StatisticsRow } from "../../functions/domain/statistics";
import { renderer } from "../../functions/views/renderer";
import type { LocalStack } from "../../lib/local/local-stack";
import { fetchAs, type SignedIn, signIn } from "../../lib/local/simulation/sign-in-client";
import { awaitFile, signInAsAssessor, submitAndAwaitTask } from "../support/e2e";
import {
  FakeClock,
  FakeWorkflow,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
} from "../support/fakes";
import { postDecisionJson, sampleReferral } from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

/** cdk.json's operations member and a clerk (who may not read statistics). */
const OPERATIONS = "per.berg@smerteklinikk.example";
const CLERK = "kari.dahl@smerteklinikk.example";

/** Monday 6 January 2025, 09:00 in Oslo: the local stack's simulated time at start. */
const STACK_START = "2025-01-06T08:00:00Z";
const config = testClinicConfig();
const rules = calendarRulesOf(config.legalClock);

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = "granted" | "refused" | "forwarded" | "pending" | "acknowledged";
type Kind = "new" | "forwarded" | "secondary";
type ReferrerType = "primary-care" | "specialist" | undefined;

/** What the test did to one referral, from which it counts the expected figures itself. */
interface Fact {
  month: string;
  kind: Kind;
  referrerType: ReferrerType;
  outcome: Outcome;
  careForm?: string;
  workingDays?: number;
  breached: boolean;
  informedInTime: boolean;
  /** A granted right's start of care, as the test drove it. */
  startOfCare?: {
    startedOn?: IsoDate;
    waitDays?: number;
    inTime: boolean;
    breach?: "expected" | "confirmed" | "default";
    reported: boolean;
  };
  /** The priority guide's condition picked with the decision, whether it departed, and the days set. */
  condition?: { id: string; deviates: boolean; deadlineDays?: number };
}

/** The expected figures by condition of the priority guide, counted from the facts. */
function expectedByCondition(facts: Fact[]): StatisticsRow["byCondition"] {
  const ids = [...new Set(facts.flatMap((f) => (f.condition ? [f.condition.id] : [])))].sort();
  return Object.fromEntries(
    ids.map((id) => {
      const of = facts.filter((f) => f.condition?.id === id);
      const granted = of.filter((f) => f.outcome === "granted").length;
      const refused = of.filter((f) => f.outcome === "refused").length;
      const share = granted + refused === 0 ? null : Math.round((granted * 100) / (granted + refused));
      return [
        id,
        {
          referrals: of.length,
          granted,
          refused,
          grantedPercent: share,
          refusedPercent: share === null ? null : 100 - share,
          medianDeadlineDays: medianOf(
            of.flatMap((f) => (f.condition?.deadlineDays === undefined ? [] : [f.condition.deadlineDays])),
          ),
          deviationPercent: Math.round((100 * of.filter((f) => f.condition?.deviates).length) / of.length),
        },
      ];
    }),
  );
}

/** The median of a list of numbers. */
function medianOf(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return null;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function expectedRow(period: string, facts: Fact[]): StatisticsRow {
  const count = (pick: (fact: Fact) => boolean) => facts.filter(pick).length;
  const granted = count((f) => f.outcome === "granted");
  const refused = count((f) => f.outcome === "refused");
  const forwarded = count((f) => f.outcome === "forwarded");
  const decided = facts.filter((f) => f.outcome !== "pending" && f.outcome !== "acknowledged");
  const days = decided.map((f) => f.workingDays as number).sort((a, b) => a - b);
  const mid = Math.floor(days.length / 2);
  const median =
    days.length === 0
      ? null
      : days.length % 2 === 1
        ? (days[mid] as number)
        : ((days[mid - 1] as number) + (days[mid] as number)) / 2;
  const grantedPercent = granted + refused === 0 ? null : Math.round((granted * 100) / (granted + refused));
  return {
    period,
    referrals: facts.length,
    referralsByKind: {
      new: count((f) => f.kind === "new"),
      forwarded: count((f) => f.kind === "forwarded"),
      secondary: count((f) => f.kind === "secondary"),
    },
    granted,
    refused,
    forwarded,
    acknowledged: count((f) => f.outcome === "acknowledged"),
    pending: count((f) => f.outcome === "pending"),
    grantedPercent,
    refusedPercent: grantedPercent === null ? null : 100 - grantedPercent,
    withinDeadlinePercent:
      decided.length === 0 ? null : Math.round((100 * count((f) => f.informedInTime)) / decided.length),
    medianWorkingDaysToDecision: median,
    breaches: count((f) => f.breached),
    grantedByCareForm: Object.fromEntries(
      ["team", "single-discipline", "mapping-consultation"].map((form) => [
        form,
        count((f) => f.outcome === "granted" && f.careForm === form),
      ]),
    ),
    byReferrerType: Object.fromEntries(
      ["primary-care", "specialist", "unspecified"].map((type) => {
        const of = (f: Fact) => (f.referrerType ?? "unspecified") === type;
        return [type, { referrals: count(of), granted: count((f) => of(f) && f.outcome === "granted") }];
      }),
    ),
    startOfCareBreachesExpected: count((f) => f.startOfCare?.breach === "expected"),
    startOfCareBreaches: count((f) => f.startOfCare?.breach !== undefined),
    startOfCareBreachesByBasis: {
      expected: count((f) => f.startOfCare?.breach === "expected"),
      confirmed: count((f) => f.startOfCare?.breach === "confirmed"),
      default: count((f) => f.startOfCare?.breach === "default"),
    },
    startOfCareBreachesReported: count((f) => f.startOfCare?.reported === true),
    startsOfCare: count((f) => f.startOfCare?.startedOn !== undefined),
    startedWithinDeadlinePercent: ((inTime, settled) =>
      settled === 0 ? null : Math.round((100 * inTime) / settled))(
      count((f) => f.startOfCare?.inTime === true),
      count((f) => f.startOfCare?.inTime === true || f.startOfCare?.breach !== undefined),
    ),
    medianDaysDecisionToStart: medianOf(
      facts.flatMap((f) => (f.startOfCare?.waitDays === undefined ? [] : [f.startOfCare.waitDays])),
    ),
    byCondition: expectedByCondition(facts),
  };
}

describe("GET /statistics over two years of referrals on the simulated clock", () => {
  let stack: LocalStack;
  let store: DynamoReferralStore;
  let operations: SignedIn;
  const facts: Fact[] = [];
  /** GET as the signed-in operations member, as JSON. */
  const getJson = async (url: string) => {
    const response = await fetchAs(operations, url, { headers: { accept: "application/json" } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stack = await startTestStack({
      clock: STACK_START,
      timeScale: 1,
    });
    // Most referrals here are driven through the use cases, with no workflow execution: the
    // reconciler, which the local runtime runs every minute of real time, would take them for
    // stranded and start executions that write to them (and to the tallies) while the test does.
    await stack.recovery?.stop();
    store = new DynamoReferralStore(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: stack.region }),
        {
          marshallOptions: { removeUndefinedValues: true },
        },
      ),
      stack.tableNames[0] as string,
    );
    operations = await signIn(stack, OPERATIONS);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("counts referrals sent and decided over HTTP: a granted one with its letters, and one still pending", async () => {
    // Prepare: a specialist's referral and a referral that does not say who referred.
    const specialist = sampleReferral();
    (specialist.referrer as Record<string, unknown>).type = "specialist";
    const { referralId, taskLink } = await submitAndAwaitTask(stack, specialist, "stats-http-1");
    await submitAndAwaitTask(stack, sampleReferral(), "stats-http-2");

    // Act: granted the same day (0 working days), with team care.
    const decided = await postDecisionJson(
      taskLink,
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2025-03-31",
        plannedStart: "2025-03-03",
        assessedBy: "1234567",
      },
      await signInAsAssessor(stack),
    );
    expect(decided.status, await decided.clone().text()).toBeLessThan(300);
    await awaitFile(
      stack,
      referralId,
      (file) =>
        (file.letters as { recipientRole: string; status: string }[]).some(
          (l) => l.recipientRole === "patient" && l.status === "sent",
        ),
      "the patient's letter sent",
    );

    // Assess: what the test did, by its own count.
    facts.push(
      {
        month: "2025-01",
        kind: "new",
        referrerType: "specialist",
        outcome: "granted",
        careForm: "team",
        workingDays: 0,
        breached: false,
        informedInTime: true,
      },
      {
        month: "2025-01",
        kind: "new",
        referrerType: undefined,
        outcome: "pending",
        breached: false,
        informedInTime: false,
      },
    );
    const { status, body } = await getJson(
      `${stack.apiUrl}/statistics?from=2025-01-01&to=2025-01-31&by=month`,
    );
    expect(status).toBe(200);
    expect((body as unknown as StatisticsReport).periods).toEqual([expectedRow("2025-01", facts)]);
  });

  it("gives every figure of every year and month of two years as counted by the test, and the same as CSV", async () => {
    // Prepare: referrals across 2025 and 2026 through the use cases, on a clock the test moves.
    const next = random(20251106);
    const clock = new FakeClock(new Date(STACK_START));
    const mailer = new RecordingMailer();
    const actor = { kind: "portal" as const, id: "stats-test" };
    const deps = {
      store,
      clock,
      mailer,
      render: renderer,
      workflow: new FakeWorkflow(),
      metrics: new RecordingMetrics(),
      config,
      calendar: rules,
      legalClock: config.legalClock,
      publicBaseUrl: "http://frist.test",
      newReferralId: () => `stats-${facts.length}-${Math.floor(next() * 1e9)}`,
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
    const staff = { kind: "staff" as const, id: "lead@smerteklinikk.example" };
    const REASON = "Behandleren er sykmeldt i hele perioden og ingen andre kan overta";
    const ok = (result: { kind: string }) => expect(result.kind).toBe("recorded");
    const afterDeadline = (deadline: IsoDate, days: number) => osloInstant(addDays(deadline, days), 10, 0);
    /**
     * A granted right's start of care through the use cases, each step twice where a retry or a
     * second click can repeat it: nothing yet; started in time (sometimes corrected to another day);
     * a breach expected, confirmed by the lead, or by default (the lead not answering); a start keyed
     * in after a confirmed breach; the notice reported to Helfo or not. Returns what the test counts.
     */
    const driveStartOfCare = async (
      referralId: string,
      decidedOn: IsoDate,
      deadline: IsoDate,
    ): Promise<NonNullable<Fact["startOfCare"]>> => {
      const path = pick(["none", "in-time", "in-time", "late", "expected", "confirmed", "default"] as const);
      const total = Math.round((Date.parse(deadline) - Date.parse(decidedOn)) / 86_400_000);
      const start = async (on: IsoDate) => {
        clock.set(osloInstant(on, 16, 0));
        ok(await recordStartOfCare(deps, referralId, { startedOn: on }, staff));
        return Math.round((Date.parse(on) - Date.parse(decidedOn)) / 86_400_000);
      };
      let fact: NonNullable<Fact["startOfCare"]> = { inTime: false, reported: false };
      if (path === "none") return fact;
      if (path === "in-time") {
        let waitDays = await start(addDays(decidedOn, Math.floor(next() * (total + 1))));
        if (next() < 0.4) waitDays = await start(addDays(decidedOn, Math.floor(next() * (total + 1))));
        return { startedOn: addDays(decidedOn, waitDays), waitDays, inTime: true, reported: false };
      }
      if (path === "expected") {
        clock.set(osloInstant(addDays(decidedOn, Math.floor(next() * total)), 11, 0));
        ok(await recordExpectedBreach(deps, referralId, { breach: "expected", reason: REASON }, staff));
        expect(
          (await recordExpectedBreach(deps, referralId, { breach: "expected", reason: REASON }, staff)).kind,
        ).toBe("already");
        clock.set(afterDeadline(deadline, 1));
        await checkStartOfCare(deps, referralId);
        await checkStartOfCare(deps, referralId);
        fact = { breach: "expected", inTime: false, reported: false };
      } else if (path === "default") {
        clock.set(afterDeadline(deadline, 1));
        await checkStartOfCare(deps, referralId);
        clock.set(afterDeadline(deadline, 10));
        await confirmBreachByDefault(deps, referralId);
        await confirmBreachByDefault(deps, referralId);
        fact = { breach: "default", inTime: false, reported: false };
      } else {
        clock.set(afterDeadline(deadline, 1));
        ok(await confirmStartOfCareBreach(deps, referralId, { breach: "confirmed" }, staff, true));
        fact = { breach: "confirmed", inTime: false, reported: false };
        if (path === "late") {
          const waitDays = await start(addDays(deadline, 1 + Math.floor(next() * 20)));
          fact = { ...fact, startedOn: addDays(decidedOn, waitDays), waitDays };
        }
      }
      if (next() < 0.6) {
        clock.set(afterDeadline(deadline, 12));
        expect((await markHelfoReported(deps, referralId, {}, staff.id)).kind).toBe("reported");
        expect((await markHelfoReported(deps, referralId, {}, staff.id)).kind).toBe("already");
        fact.reported = true;
      }
      return fact;
    };
    // Receipt instants: spread over two years, plus New Year's Eve 23:30 UTC (already 2026 in Oslo).
    const instants = Array.from(
      { length: 70 },
      () => new Date(Date.UTC(2025, 0, 1) + next() * 729 * 86_400_000),
    );
    instants.push(new Date("2025-12-31T23:30:00Z"), new Date("2026-06-30T22:30:00Z"));

    for (const [index, receivedAt] of instants.entries()) {
      const kind = pick<Kind>(["new", "new", "forwarded", "secondary"]);
      const referrerType = pick<ReferrerType>(["primary-care", "primary-care", "specialist", undefined]);
      const outcome = pick<Outcome>(["granted", "granted", "refused", "forwarded", "pending"]);
      const patientByPost = next() < 0.3;
      const receivedOn: IsoDate = osloDate(receivedAt);
      const body = sampleReferral() as Record<string, Record<string, unknown>>;
      (body as Record<string, unknown>).kind = kind;
      if (kind === "forwarded")
        Object.assign(body, { originalReceivedDate: receivedOn, previousInstitution: "Sykehuset" });
      if (kind === "secondary") Object.assign(body, { previousDecisionRef: "earlier-1" });
      if (referrerType) (body.referrer as Record<string, unknown>).type = referrerType;
      if (patientByPost) delete (body.patient as Record<string, unknown>).email;

      clock.set(receivedAt);
      const received = await receiveReferral(deps, {
        idempotencyKey: `stats-${index}`,
        portal: "arn:aws:iam::000000000000:user/stats",
        body,
      });
      if (received.outcome !== "accepted") throw new Error(`referral ${index} was not accepted`);
      const { referralId, assessmentDueDate } = received.receipt;
      // Every third secondary referral is confirmed as the condition already assessed: acknowledged
      // and closed (twice: a retried step), so counted as acknowledged, neither pending nor decided.
      if (kind === "secondary" && index % 3 === 0) {
        await acknowledgeSecondary(deps, referralId);
        await acknowledgeSecondary(deps, referralId);
        const month = receivedOn.slice(0, 7);
        facts.push({
          month,
          kind,
          referrerType,
          outcome: "acknowledged",
          breached: false,
          informedInTime: false,
        });
        continue;
      }
      await store.changeStatus(
        referralId,
        { from: ["received"], to: "awaiting-assessment" },
        { type: "intake-planned", at: receivedAt.toISOString(), actor },
      );
      const taskId = `task-${referralId}`;
      await store.createTask(
        {
          taskId,
          referralId,
          taskToken: `token-${taskId}`,
          state: "open",
          createdAt: receivedAt.toISOString(),
        },
        { type: "assessment-task-created", at: receivedAt.toISOString(), actor },
      );

      const workingDays = outcome === "pending" ? undefined : Math.floor(next() * 16);
      const breached = workingDays === undefined ? next() < 0.3 : workingDays > 10;
      const fact: Fact = {
        month: receivedOn.slice(0, 7),
        kind,
        referrerType,
        outcome,
        breached,
        informedInTime: false,
        ...(workingDays !== undefined ? { workingDays } : {}),
      };

      if (breached) {
        // Woken the morning after the due date, twice (a retried step): counted once.
        clock.set(osloInstant(addWorkingDays(assessmentDueDate, 1, rules), 7, 0));
        await recordBreach(deps, { referralId });
        await recordBreach(deps, { referralId });
      }
      if (workingDays !== undefined) {
        const decisionDay = addWorkingDays(receivedOn, workingDays, rules);
        const decidedAt = osloInstant(decisionDay, 14, 0);
        const careForm = pick(["team", "single-discipline", "mapping-consultation"]);
        const startOfCareDeadline = addDays(decisionDay, 30 + Math.floor(next() * 60));
        const decision =
          outcome === "granted"
            ? { outcome, careForm, startOfCareDeadline, assessedBy: "1234567" }
            : outcome === "refused"
              ? { outcome, justification: "Begrunnelse.", advice: "Råd.", assessedBy: "1234567" }
              : { outcome, forwardTo: "Annen klinikk", justification: "Begrunnelse.", assessedBy: "1234567" };
        if (outcome === "granted") fact.careForm = careForm;
        // Half the decisions name a condition of the priority guide; some of those depart from it.
        const conditionId = next() < 0.5 ? pick(["ansiktssmerter", "langvarig-ikke-rett"]) : undefined;
        const deviates = next() < 0.3;
        const guide = conditionId
          ? {
              conditionId,
              conditionName: conditionId,
              guideVersion: "2015-11-01",
              suggestion: { advisedRight: "granted" },
              deviates,
              ...(deviates ? { deviationReason: "Individuell vurdering av pasientens situasjon." } : {}),
            }
          : undefined;
        if (conditionId) {
          const deadlineDays =
            outcome === "granted"
              ? Math.round((Date.parse(startOfCareDeadline) - Date.parse(decisionDay)) / 86_400_000)
              : undefined;
          fact.condition = {
            id: conditionId,
            deviates,
            ...(deadlineDays !== undefined ? { deadlineDays } : {}),
          };
        }
        const task = await store.getTask(referralId, taskId);
        if (!task) throw new Error("task missing");
        await store.answerTask(
          task,
          {
            decision: (guide ? { ...decision, guide } : decision) as never,
            answeredBy: "1234567",
            answeredAt: decidedAt.toISOString(),
          },
          { type: "decision-submitted", at: decidedAt.toISOString(), actor },
        );
        clock.set(decidedAt);
        await recordDecision(deps, { referralId, taskId });
        await recordDecision(deps, { referralId, taskId }); // a retried step: counted once

        // The letters go out an hour later, the step retried once.
        const sentAt = new Date(decidedAt.getTime() + 3_600_000);
        clock.set(sentAt);
        await dispatchDecisionLetters(deps, referralId);
        await dispatchDecisionLetters(deps, referralId);
        if (!patientByPost) {
          fact.informedInTime = osloDate(sentAt) <= assessmentDueDate;
        } else if (next() < 0.8) {
          // Posted by hand 0 to 3 working days later (and once more by mistake: refused, not counted).
          const postedAt = osloInstant(addWorkingDays(decisionDay, Math.floor(next() * 4), rules), 15, 0);
          clock.set(postedAt);
          const letterId = letterIdOf({ referralId, letterKind: "decision", recipientRole: "patient" });
          expect((await markLetterPosted(deps, letterId, actor)).kind).toBe("posted");
          expect((await markLetterPosted(deps, letterId, actor)).kind).toBe("not-awaiting");
          fact.informedInTime = osloDate(postedAt) <= assessmentDueDate;
        }
        if (outcome === "granted") {
          fact.startOfCare = await driveStartOfCare(referralId, decisionDay, startOfCareDeadline);
        }
      }
      facts.push(fact);
    }

    // Act: the report over HTTP, by year and by month, and the CSV.
    const byYear = await getJson(`${stack.apiUrl}/statistics?from=2025-01-01&to=2026-12-31&by=year`);
    const byMonth = await getJson(`${stack.apiUrl}/statistics?from=2025-01-01&to=2026-12-31&by=month`);
    const csv = await fetchAs(
      operations,
      `${stack.apiUrl}/statistics?from=2025-01-01&to=2026-12-31&by=year`,
      {
        headers: { accept: "text/csv" },
      },
    );

    // Assess: every figure, against the test's own counts.
    expect(byYear.status).toBe(200);
    const years = byYear.body as unknown as StatisticsReport;
    expect(years.periods).toEqual(
      ["2025", "2026"].map((year) =>
        expectedRow(
          year,
          facts.filter((f) => f.month.startsWith(year)),
        ),
      ),
    );
    expect(years.total).toEqual(expectedRow("total", facts));
    expect(facts.filter((f) => f.month === "2026-01").length).toBeGreaterThan(0);

    const months = byMonth.body as unknown as StatisticsReport;
    expect(months.periods).toHaveLength(24);
    for (const row of months.periods) {
      expect(row, row.period).toEqual(
        expectedRow(
          row.period,
          facts.filter((f) => f.month === row.period),
        ),
      );
    }

    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    const header = (lines[0] ?? "").split(",");
    const total = (lines.at(-1) ?? "").split(",");
    expect(total[0]).toBe("total");
    expect(Number(total[header.indexOf("referrals")])).toBe(facts.length);
    expect(Number(total[header.indexOf("breaches")])).toBe(facts.filter((f) => f.breached).length);
    for (const id of ["ansiktssmerter", "langvarig-ikke-rett"]) {
      const column = `condition_${id.replaceAll("-", "_")}_referrals`;
      expect(Number(total[header.indexOf(column)]), column).toBe(
        facts.filter((f) => f.condition?.id === id).length,
      );
    }
    expect(Object.keys(years.total.byCondition)).toEqual(["ansiktssmerter", "langvarig-ikke-rett"]);
  });

  it("answers only signed-in operations staff or the lead: no session goes to sign-in, a clerk 403", async () => {
    const url = `${stack.apiUrl}/statistics?from=2025-01-01&to=2025-12-31`;
    const anonymous = await fetchAs(undefined, url, { headers: { accept: "application/json" } });
    const clerk = await fetchAs(await signIn(stack, CLERK), url, { headers: { accept: "application/json" } });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toContain("/auth/login");
    expect(clerk.status).toBe(403);
  });

  it("lets frist stats read the period with an operations session, and tells a script without one to sign in", async () => {
    const session = (await signIn(stack, OPERATIONS)).cookie.match(/frist_session=([^;]+)/)?.[1] ?? "";
    const run = async (extra: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const args = ["stats", "--from", "2025-01-01", "--to", "2026-12-31", "--api", stack.apiUrl, ...extra];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };

    // With "=": a session id is base64url, and 1 in 64 begin with "-", which would read as an option.
    const signedIn = await run([`--session=${session}`]);
    const anonymous = await run([]);

    expect(signedIn.code).toBe(0);
    const lines = signedIn.out.split("\n");
    const header = (lines[0] ?? "").split(",");
    expect(Number((lines.at(-1) ?? "").split(",")[header.indexOf("referrals")])).toBe(facts.length);
    expect(anonymous.code).toBe(1);
    expect(anonymous.out).toBe("");
    expect(anonymous.err).toContain("/auth/login");
  });

  it("answers a bad query with 400 naming the field", async () => {
    const { status, body } = await getJson(`${stack.apiUrl}/statistics?from=2025-01-01&to=2024-12-31`);
    expect(status).toBe(400);
    expect(body).toEqual({
      error: "validation_failed",
      issues: [{ path: "to", message: "must not be before from" }],
    });
  });
});
