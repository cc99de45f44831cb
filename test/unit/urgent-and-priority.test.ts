/**
 * An urgent referral's internal target (day 5 by default) escalates like the legal deadline, and
 * staff change the priority with a reason: the timer points, the EscalateUrgentTarget and
 * RetimeAssessment steps over in-memory ports, and the priority change from the task page.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { addWorkingDays, osloDate, osloEndOfDay } from "../../functions/domain/calendar";
import { calendarRulesOf } from "../../functions/domain/clinic";
import {
  escalateUrgentTarget,
  recordBreach,
  remindAssessors,
  retimeAssessment,
  URGENT_TARGET_METRIC,
} from "../../functions/domain/deadline-timer";
import { legalClockFor, nextTimerPoint } from "../../functions/domain/legal-clock";
import { changePriority } from "../../functions/domain/priority";
import { renderer } from "../../functions/views/renderer";
import { renderTaskPage, type TaskPageInput } from "../../functions/views/staff-pages";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
} from "../support/fakes";

const BASE_URL = "https://api.example/prod";
const LEAD = "ingrid.lie@smerteklinikk.example";
const PATIENT_DATA = ["Kari", "Nordmann", "15038512282", "L18", "Muskelsmerter"];
const config = testClinicConfig();
const rules = calendarRulesOf(config.legalClock);

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let metrics: RecordingMetrics;
let clock: FakeClock;
let workflow: FakeWorkflow;

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  metrics = new RecordingMetrics();
  // Monday 3 March 2025, 10:00 in Oslo. Urgent: reminder at the start of Thursday 6 March (day 3),
  // internal target Monday 10 March (day 5), legal due date Monday 17 March (day 10).
  clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
  workflow = new FakeWorkflow();
});

const deps = () => ({
  store,
  mailer,
  render: renderer,
  metrics,
  clock,
  workflow,
  config,
  publicBaseUrl: BASE_URL,
  calendar: rules,
});

/** A referral planned and waiting on its task (token-1), as after PlanIntake and AwaitAssessment. */
async function waitingReferral(priority: "ordinary" | "urgent") {
  store.seed(testReferral({ priority }));
  await planIntake(deps(), "ref-1");
  const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
  workflow.waiting.add("token-1");
  mailer.sent.length = 0;
  return taskId;
}

const secondsTo = (iso: string) => Math.ceil((Date.parse(iso) - clock.now().getTime()) / 1000);

describe("the deadline timer's next point", () => {
  const arbitraryCase = fc.record({
    start: fc.date({
      min: new Date("2024-01-01T00:00:00Z"),
      max: new Date("2027-12-31T00:00:00Z"),
      noInvalidDate: true,
    }),
    priority: fc.constantFrom("ordinary" as const, "urgent" as const),
    offsetHours: fc.integer({ min: 0, max: 24 * 30 }),
    reminded: fc.boolean(),
    urgentTargetEscalated: fc.boolean(),
  });

  it("is never in the past, never skips an urgent target not yet escalated, and never lies past the deadline before it", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ start, priority, offsetHours, reminded, urgentTargetEscalated }) => {
        const clockStartDate = start.toISOString().slice(0, 10);
        const legal = legalClockFor({ clockStartDate, priority }, config.legalClock);
        const now = new Date(start.getTime() + offsetHours * 3_600_000);
        const point = nextTimerPoint(legal, now, rules, { reminded, urgentTargetEscalated });

        expect(point.at.getTime()).toBeGreaterThanOrEqual(now.getTime());
        if (priority === "ordinary") expect(point.step).not.toBe("urgent-target");
        if (now.getTime() <= legal.deadline.getTime()) {
          expect(point.at.getTime()).toBeLessThanOrEqual(legal.deadline.getTime() + 1);
          if (priority === "urgent" && !urgentTargetEscalated) expect(point.step).not.toBe("breach");
        } else {
          expect(point.step).toBe("breach");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("past the deadline, calls for the breach at once until it is recorded, then at the next working day's end", () => {
    fc.assert(
      fc.property(
        arbitraryCase,
        fc.boolean(),
        ({ start, priority, offsetHours, reminded }, breachRecorded) => {
          const clockStartDate = start.toISOString().slice(0, 10);
          const legal = legalClockFor({ clockStartDate, priority }, config.legalClock);
          // Anywhere from just after the deadline to a month past it (a forward that arrives late).
          const now = new Date(legal.deadline.getTime() + 1 + offsetHours * 3_600_000);
          const point = nextTimerPoint(legal, now, rules, {
            reminded,
            urgentTargetEscalated: false,
            breachRecorded,
          });

          expect(point.step).toBe("breach");
          if (breachRecorded) {
            expect(point.at.getTime()).toBeGreaterThan(now.getTime());
            expect(point.at).toEqual(osloEndOfDay(osloDate(point.at)));
          } else {
            expect(point.at).toEqual(now);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("puts an urgent referral's internal target at the first instant after the end of working day 5", () => {
    const legal = legalClockFor({ clockStartDate: "2025-03-03", priority: "urgent" }, config.legalClock);
    const point = nextTimerPoint(legal, new Date("2025-03-06T12:00:00Z"), rules, { reminded: true });
    expect(legal.internalTargetDate).toBe(addWorkingDays("2025-03-03", 5, rules));
    expect(point).toEqual({ step: "urgent-target", at: new Date(osloEndOfDay("2025-03-10").getTime() + 1) });
  });
});

describe("a deadline already passed at the reminder (an old forward)", () => {
  it("has the breach recorded at once, and only then waits for the end of the next working day", async () => {
    await waitingReferral("ordinary");
    clock.set("2025-03-20T08:00:00Z"); // Thursday, three working days after the due date

    const afterReminder = await remindAssessors(deps(), { referralId: "ref-1" });
    const afterBreach = await recordBreach(deps(), { referralId: "ref-1" });

    expect(afterReminder).toEqual({ seconds: 1, next: "breach" });
    expect(afterBreach).toEqual({ seconds: secondsTo("2025-03-20T22:59:59.999Z"), next: "breach" });
  });
});

describe("EscalateUrgentTarget", () => {
  it("after the reminder of an urgent referral, waits for its internal target rather than the deadline", async () => {
    // Prepare
    await waitingReferral("urgent");
    clock.set("2025-03-05T23:00:00Z"); // the start of Thursday 6 March, day 3

    // Act
    const wait = await remindAssessors(deps(), { referralId: "ref-1" });

    // Assess
    expect(wait).toEqual({ seconds: secondsTo("2025-03-10T23:00:00.000Z"), next: "urgent-target" });
  });

  it("at the missed day-5 target records one event, flag and metric, and tells the lead once with the link only, however often it runs", async () => {
    // Prepare
    const taskId = await waitingReferral("urgent");
    clock.set("2025-03-10T23:00:01Z"); // just after Monday 10 March in Oslo

    // Act: the step, then a retry of it.
    const first = await escalateUrgentTarget(deps(), { referralId: "ref-1" });
    const retried = await escalateUrgentTarget(deps(), { referralId: "ref-1" });

    // Assess
    expect((await store.getReferral("ref-1"))?.urgentTargetEscalated).toBe(true);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "urgent-target-missed")).toHaveLength(1);
    expect(metrics.records.map((record) => record.name)).toEqual([URGENT_TARGET_METRIC.name]);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    const [email] = mailer.sent;
    expect(email?.subject).toBe(
      "Haster: Fristen for raskere vurdering av en henvisning som haster er passert",
    );
    expect(email?.text).toContain(`${BASE_URL}/tasks/${taskId}`);
    expect(email?.text).toContain("10. mars 2025");
    expect(email?.text).toContain("17. mars 2025");
    for (const datum of PATIENT_DATA)
      expect(`${email?.subject}${email?.text}${email?.html}`).not.toContain(datum);
    // Then the legal deadline is the next point.
    expect(first).toEqual({ seconds: secondsTo("2025-03-17T22:59:59.999Z"), next: "breach" });
    expect(retried).toEqual(first);
  });

  it("sends the escalation once when a retry follows a crash after the email and before the record", async () => {
    await waitingReferral("urgent");
    clock.set("2025-03-10T23:00:01Z");
    const flag = store.flagReferral.bind(store);
    store.flagReferral = async () => {
      throw new Error("the process died");
    };
    await expect(escalateUrgentTarget(deps(), { referralId: "ref-1" })).rejects.toThrow("died");
    store.flagReferral = flag;

    await escalateUrgentTarget(deps(), { referralId: "ref-1" });

    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "urgent-target-missed")).toHaveLength(1);
  });

  it("records and sends nothing when woken before the target, for a referral made ordinary, or once decided", async () => {
    await waitingReferral("urgent");
    clock.set("2025-03-10T12:00:00Z");
    expect(await escalateUrgentTarget(deps(), { referralId: "ref-1" })).toEqual({
      seconds: secondsTo("2025-03-10T23:00:00.000Z"),
      next: "urgent-target",
    });

    const referral = store.mustGet("ref-1");
    referral.priority = "ordinary";
    clock.set("2025-03-11T08:00:00Z");
    expect((await escalateUrgentTarget(deps(), { referralId: "ref-1" })).next).toBe("remind");

    referral.priority = "urgent";
    referral.status = "decided";
    await escalateUrgentTarget(deps(), { referralId: "ref-1" });

    expect(mailer.sent).toEqual([]);
    expect(metrics.records).toEqual([]);
    expect(store.eventTypesOf("ref-1")).not.toContain("urgent-target-missed");
  });

  it("leaves the legal deadline's breach and escalation as they were for an urgent referral", async () => {
    await waitingReferral("urgent");
    clock.set("2025-03-10T23:00:01Z");
    await escalateUrgentTarget(deps(), { referralId: "ref-1" });
    clock.set("2025-03-17T23:00:01Z");

    const wait = await recordBreach(deps(), { referralId: "ref-1" });

    expect((await store.getReferral("ref-1"))?.deadlineBreached).toBe(true);
    expect(store.eventTypesOf("ref-1")).toContain("deadline-breached");
    expect(wait).toEqual({ seconds: secondsTo("2025-03-18T22:59:59.999Z"), next: "breach" });
    expect(mailer.sent.map((email) => email.subject)).toEqual([
      "Haster: Fristen for raskere vurdering av en henvisning som haster er passert",
      "Haster: Fristen for vurdering av en henvisning er passert",
    ]);
  });
});

describe("changing the priority", () => {
  const author = "Ola Haugen, psykolog";

  it("makes an ordinary referral urgent with the reason and its author recorded, ends the wait, and the timer then waits for the urgent reminder", async () => {
    // Prepare
    const taskId = await waitingReferral("ordinary");
    const dueBefore = (await store.getReferral("ref-1"))?.assessmentDueDate;

    // Act
    const result = await changePriority(
      deps(),
      taskId,
      { priority: "urgent", reason: "Mistanke om alvorlig tilstand" },
      author,
    );
    const wait = await retimeAssessment(deps(), { referralId: "ref-1" });

    // Assess
    expect(result).toMatchObject({ kind: "changed", referralId: "ref-1", retimed: true });
    const referral = await store.getReferral("ref-1");
    expect(referral?.priority).toBe("urgent");
    expect(referral?.submission.priority).toBe("ordinary");
    expect(referral?.assessmentDueDate).toBe(dueBefore);
    expect(referral?.priorityChanges).toEqual([
      {
        from: "ordinary",
        to: "urgent",
        reason: "Mistanke om alvorlig tilstand",
        by: author,
        at: "2025-03-03T09:00:00.000Z",
      },
    ]);
    const event = store.eventsOf("ref-1").at(-1);
    expect(event).toMatchObject({
      type: "priority-changed",
      actor: { kind: "staff", id: author },
      details: { from: "ordinary", to: "urgent", taskId },
    });
    // The reason may be clinical: it stays with the referral, not in the audit trail.
    expect(JSON.stringify(event)).not.toContain("alvorlig");
    expect(workflow.retimed).toEqual(["token-1"]);
    expect(wait).toEqual({ seconds: secondsTo("2025-03-05T23:00:00.000Z"), next: "remind" });
  });

  it("made urgent after its day-5 target, escalates the missed target at once", async () => {
    const taskId = await waitingReferral("ordinary");
    clock.set("2025-03-12T08:00:00Z"); // day 7

    await changePriority(
      deps(),
      taskId,
      { priority: "urgent", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
    );
    const wait = await retimeAssessment(deps(), { referralId: "ref-1" });

    expect(wait).toEqual({ seconds: 1, next: "urgent-target" });
    await escalateUrgentTarget(deps(), { referralId: "ref-1" });
    expect(store.eventTypesOf("ref-1")).toContain("urgent-target-missed");
  });

  it("makes an urgent referral ordinary: the internal target is dropped and the legal deadline stays", async () => {
    const taskId = await waitingReferral("urgent");
    clock.set("2025-03-07T08:00:00Z"); // after the urgent reminder, before the target

    await changePriority(deps(), taskId, { priority: "ordinary", reason: "Avklart med henviser" }, author);
    const wait = await retimeAssessment(deps(), { referralId: "ref-1" });

    // The ordinary reminder (start of day 8, Thursday 13 March) lies ahead again.
    expect(wait).toEqual({ seconds: secondsTo("2025-03-12T23:00:00.000Z"), next: "remind" });
    expect(legalClockFor(store.mustGet("ref-1"), config.legalClock).assessmentDueDate).toBe("2025-03-17");
  });

  it("refuses the same priority, a missing or empty reason, and a form without the task's token, changing nothing", async () => {
    const taskId = await waitingReferral("ordinary");

    const same = await changePriority(
      deps(),
      taskId,
      { priority: "ordinary", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
    );
    const noReason = await changePriority(deps(), taskId, { priority: "urgent", reason: "  ... " }, author);
    const badPriority = await changePriority(
      deps(),
      taskId,
      { priority: "asap", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
    );
    const forged = await changePriority(
      deps(),
      taskId,
      { priority: "urgent", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
      {
        form: { csrfToken: "not-the-token" },
      },
    );

    expect(same).toMatchObject({ kind: "invalid", issues: [{ path: "priority" }] });
    expect(noReason).toMatchObject({ kind: "invalid", issues: [{ path: "reason" }] });
    expect(badPriority).toMatchObject({ kind: "invalid", issues: [{ path: "priority" }] });
    expect(forged).toEqual({ kind: "forbidden" });
    expect(store.mustGet("ref-1").priority).toBe("ordinary");
    expect(store.eventTypesOf("ref-1")).not.toContain("priority-changed");
    expect(workflow.retimed).toEqual([]);
  });

  it("caught between two waits, retimes the task's new token once the workflow re-armed it", async () => {
    const taskId = await waitingReferral("ordinary");
    // The first wait is over (a reminder is going out) and the task already holds the next token.
    workflow.waiting.delete("token-1");
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2", phase: "rearm" });
    workflow.waiting.add("token-2");

    const result = await changePriority(
      deps(),
      taskId,
      { priority: "urgent", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
    );

    expect(result).toMatchObject({ kind: "changed", retimed: true });
    expect(workflow.retimed).toEqual(["token-2"]);
  });

  it("answers gone for a task already answered, and changes nothing", async () => {
    const taskId = await waitingReferral("ordinary");
    store.mustGet("ref-1").status = "decided";
    const task = await store.findTask(taskId);
    if (task) await store.expireTask(task);

    const result = await changePriority(
      deps(),
      taskId,
      { priority: "urgent", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
    );

    expect(result).toEqual({ kind: "gone", reason: "expired" });
    expect(store.mustGet("ref-1").priority).toBe("ordinary");
  });
});

describe("the task page's priority section", () => {
  const input = (referral: Partial<TaskPageInput["referral"]>, extra: Partial<TaskPageInput> = {}) =>
    renderTaskPage({
      taskId: "t-1",
      formAction: "t-1/decision",
      priorityAction: "t-1/priority",
      csrfToken: "tok-123",
      referral: {
        referralId: "ref-1",
        kind: "new",
        priority: "ordinary",
        receivedAt: "2025-03-03T09:00:00.000Z",
        assessmentDueDate: "2025-03-17",
        workingDaysLeft: 8,
        patient: { name: "Kari Nordmann" },
        referrer: { name: "Per Hansen", organisation: "Legesenteret" },
        diagnoses: [{ system: "ICPC-2", code: "L18" }],
        reason: "Smerter",
        content: {},
        flags: [],
        missingContent: [],
        ...referral,
      },
      ...extra,
    });

  it("offers the other priority with a required reason and the task's token, and lists earlier changes escaped", () => {
    const html = input({
      priority: "urgent",
      internalTargetDate: "2025-03-10",
      priorityChanges: [
        {
          from: "ordinary",
          to: "urgent",
          reason: "<b>Forverring</b>",
          by: "Ola Haugen, psykolog",
          at: "2025-03-04T08:00:00Z",
        },
      ],
    });
    const form = /<form method="post" action="t-1\/priority" id="priority-form">([\s\S]*?)<\/form>/.exec(
      html,
    )?.[1];
    expect(form).toContain('<input type="hidden" name="priority" value="ordinary">');
    expect(form).toContain('<input type="hidden" name="csrfToken" value="tok-123">');
    expect(form).toContain('name="reason"');
    expect(html).toContain("Klinikkens frist for raskere vurdering: 10. mars 2025.");
    expect(html).toContain("pasient- og brukerrettighetsloven § 2-2 første ledd tredje punktum");
    expect(html).not.toContain("samme for begge prioriteter");
    expect(html).toContain(
      "<li>4. mars 2025: endret fra ordinær til haster av Ola Haugen, psykolog. Begrunnelse: &lt;b&gt;Forverring&lt;/b&gt;</li>",
    );
  });

  it("shows a rejected reason at the priority form, not in the decision's error summary", () => {
    const html = input(
      {},
      { errors: [{ path: "priority.reason", message: "must say why the priority changes" }] },
    );
    expect(html).toContain(
      '<p class="field-error" id="priority-reason-error">must say why the priority changes</p>',
    );
    expect(html).not.toContain("Vurderingen ble ikke registrert");
    expect(html).toContain('value="urgent"');
  });
});
