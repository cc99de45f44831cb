/**
 * The workflow steps of the legal clock, over in-memory ports: intake planning by kind and priority,
 * the task that keeps its link through every wait, the reminder, the breach and its escalations, the
 * secondary short path, and decisions that arrive late.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { markFailed, submitDecision, viewTask } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { recordBreach, remindAssessors } from "../../functions/domain/deadline-timer";
import { acknowledgeSecondary } from "../../functions/domain/secondary";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const BASE_URL = "https://api.example/prod";
const LEAD = "ingrid.lie@smerteklinikk.example";
const TEAM = [LEAD, "ola.haugen@smerteklinikk.example", "sara.nilsen@smerteklinikk.example"];
/** What the sample referral holds that no staff email or log line may carry. */
const PATIENT_DATA = ["Kari", "Nordmann", "15038512282", "L18", "Muskelsmerter", "skjelettsmerter", "nakke"];

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let metrics: RecordingMetrics;
let clock: FakeClock;
let workflow: FakeWorkflow;
const config = testClinicConfig();

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  metrics = new RecordingMetrics();
  // Monday 3 March 2025, 10:00 in Oslo: due Monday 17 March, reminder at the start of Thursday 13 March.
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
  calendar: calendarRulesOf(config.legalClock),
});

function expectNoPatientData(...texts: string[]) {
  const everything = texts.join("\n");
  for (const datum of PATIENT_DATA) expect(everything).not.toContain(datum);
}

/** A referral planned and waiting on its task, as after PlanIntake and AwaitAssessment. */
async function waitingReferral(overrides: Parameters<typeof testReferral>[0] = {}) {
  store.seed(testReferral(overrides));
  await planIntake(deps(), "ref-1");
  const { taskId } = await notifyAssessors(deps(), {
    referralId: "ref-1",
    taskToken: "token-1",
    phase: "initial",
  });
  workflow.waiting.add("token-1");
  mailer.sent.length = 0;
  return taskId;
}

describe("PlanIntake", () => {
  it("assigns a new referral and waits until the reminder point, telling no one yet", async () => {
    // Prepare
    store.seed(testReferral());

    // Act
    const plan = await planIntake(deps(), "ref-1");

    // Assess
    expect(plan).toEqual({
      referralId: "ref-1",
      track: "assessment",
      untilReminderSeconds: (Date.parse("2025-03-12T23:00:00Z") - Date.parse("2025-03-03T09:00:00Z")) / 1000,
      // Secondary referrals only: until the start of working day 2 (Wednesday 5 March).
      untilConfirmationSeconds:
        (Date.parse("2025-03-04T23:00:00Z") - Date.parse("2025-03-03T09:00:00Z")) / 1000,
    });
    expect((await store.getReferral("ref-1"))?.status).toBe("awaiting-assessment");
    expect(store.eventTypesOf("ref-1")).toEqual(["intake-planned"]);
    expect(mailer.sent).toEqual([]);
  });

  it("sends a secondary referral down the short path, unassigned", async () => {
    // Prepare
    store.seed(
      testReferral({
        submission: testSubmission({ kind: "secondary", previousDecisionRef: "SAK-2024-117" }),
      }),
    );

    // Act
    const plan = await planIntake(deps(), "ref-1");

    // Assess
    expect(plan.track).toBe("secondary");
    expect(plan.untilReminderSeconds).toBeGreaterThanOrEqual(1);
    expect((await store.getReferral("ref-1"))?.status).toBe("received");
    expect(mailer.sent).toEqual([]);
  });

  it("flags a forward whose reminder point has passed, tells the lead at once (neutrally) and lets the timers fire", async () => {
    // Prepare: first received 3 March, reaches us on Friday 14 March (working day 9).
    clock.set("2025-03-14T08:00:00Z");
    store.seed(
      testReferral({
        receivedAt: "2025-03-14T08:00:00.000Z",
        submission: testSubmission({
          kind: "forwarded",
          originalReceivedDate: "2025-03-03",
          previousInstitution: "Sykehuset Innlandet",
        }),
      }),
    );

    // Act
    const plan = await planIntake(deps(), "ref-1");
    const retried = await planIntake(deps(), "ref-1");

    // Assess
    expect(plan.untilReminderSeconds).toBe(1);
    expect(retried.untilReminderSeconds).toBe(1);
    expect((await store.getReferral("ref-1"))?.atRisk).toBe(true);
    expect(store.eventTypesOf("ref-1")).toEqual(["intake-planned", "deadline-at-risk"]);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    const [alert] = mailer.sent;
    expect(alert?.text).toContain("17. mars 2025");
    expectNoPatientData(alert?.subject ?? "", alert?.text ?? "", alert?.html ?? "");
  });

  it("moves the due date when the clinic's closures push it back", async () => {
    // Prepare
    const closing = testClinicConfig({ legalClock: { closures: ["2025-03-10"] } });
    store.seed(testReferral());

    // Act
    await planIntake({ ...deps(), config: closing }, "ref-1");

    // Assess
    expect((await store.getReferral("ref-1"))?.assessmentDueDate).toBe("2025-03-18");
  });
});

describe("the assessment task across the waits", () => {
  it("creates one task and emails its link to every assessor, without patient data", async () => {
    // Prepare
    store.seed(testReferral());
    await planIntake(deps(), "ref-1");

    // Act
    const { taskId } = await notifyAssessors(deps(), {
      referralId: "ref-1",
      taskToken: "token-1",
      phase: "initial",
    });

    // Assess
    expect(mailer.sent.map((email) => email.to)).toEqual(TEAM);
    for (const email of mailer.sent) {
      expect(email.text).toContain(`${BASE_URL}/tasks/${taskId}`);
      expect(email.subject).not.toContain("Haster");
      expectNoPatientData(email.subject, email.text, email.html);
    }
    expect(await store.listTasks("ref-1")).toHaveLength(1);
  });

  it("says Haster in the subject and text of an urgent referral's emails, with its internal target, and nothing more", async () => {
    // Prepare
    store.seed(testReferral({ priority: "urgent", submission: testSubmission({ priority: "urgent" }) }));
    await planIntake(deps(), "ref-1");

    // Act
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1", phase: "initial" });

    // Assess
    for (const email of mailer.sent) {
      expect(email.subject).toMatch(/^Haster: /);
      expect(email.text).toContain("haster");
      expect(email.text).toContain("10. mars 2025");
      expectNoPatientData(email.subject, email.text, email.html);
    }
  });

  it("re-arms the same task with the new token, so the link stays the same, and emails no one", async () => {
    // Prepare
    const taskId = await waitingReferral();

    // Act
    const rearmed = await notifyAssessors(deps(), {
      referralId: "ref-1",
      taskToken: "token-2",
      phase: "rearm",
    });

    // Assess
    expect(rearmed.taskId).toBe(taskId);
    expect((await store.findTask(taskId))?.taskToken).toBe("token-2");
    expect(await store.listTasks("ref-1")).toHaveLength(1);
    expect(mailer.sent).toEqual([]);
    expect(store.eventTypesOf("ref-1")).toContain("assessment-task-rearmed");
  });

  it("keeps the task open past the deadline: the page still opens after a breach", async () => {
    // Prepare
    const taskId = await waitingReferral();
    clock.set("2025-03-20T09:00:00Z");

    // Act
    const view = await viewTask(deps(), taskId);

    // Assess
    expect(view.kind).toBe("open");
  });
});

describe("RemindAssessors", () => {
  it("reminds every assessor with the same link and waits until the end of the due date", async () => {
    // Prepare
    const taskId = await waitingReferral();
    clock.set("2025-03-12T23:00:00Z");

    // Act
    const { seconds } = await remindAssessors(deps(), { referralId: "ref-1" });

    // Assess
    expect(seconds).toBe(
      Math.ceil((Date.parse("2025-03-17T22:59:59.999Z") - Date.parse("2025-03-12T23:00:00Z")) / 1000),
    );
    expect(mailer.sent.map((email) => email.to)).toEqual(TEAM);
    for (const email of mailer.sent) {
      expect(email.subject).toContain("Påminnelse");
      expect(email.text).toContain(`${BASE_URL}/tasks/${taskId}`);
      expectNoPatientData(email.subject, email.text, email.html);
    }
    expect(store.eventTypesOf("ref-1").at(-1)).toBe("assessors-reminded");
  });
});

describe("RecordBreach", () => {
  it("records the breach once with one metric, escalates to the lead every time, and waits until the end of the next working day", async () => {
    // Prepare: due Monday 17 March; woken just after midnight.
    const taskId = await waitingReferral();
    clock.set("2025-03-17T23:00:01Z");

    // Act
    const first = await recordBreach(deps(), { referralId: "ref-1" });
    clock.set("2025-03-18T23:00:00Z");
    const second = await recordBreach(deps(), { referralId: "ref-1" });

    // Assess
    expect((await store.getReferral("ref-1"))?.deadlineBreached).toBe(true);
    expect(first.seconds).toBe(
      Math.ceil((Date.parse("2025-03-18T22:59:59.999Z") - Date.parse("2025-03-17T23:00:01Z")) / 1000),
    );
    expect(second.seconds).toBe(86_400);
    const types = store.eventTypesOf("ref-1");
    expect(types.filter((type) => type === "deadline-breached")).toHaveLength(1);
    expect(types.filter((type) => type === "escalated")).toHaveLength(2);
    expect(metrics.records).toHaveLength(1);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD, LEAD]);
    for (const email of mailer.sent) {
      expect(email.subject).toContain("passert");
      expect(email.text).toContain(`${BASE_URL}/tasks/${taskId}`);
      expectNoPatientData(email.subject, email.text, email.html);
    }
  });

  it("records nothing when woken before the deadline, and waits for it", async () => {
    // Prepare
    await waitingReferral();
    clock.set("2025-03-17T20:00:00Z");

    // Act
    const { seconds } = await recordBreach(deps(), { referralId: "ref-1" });

    // Assess
    expect(seconds).toBe(3 * 3600);
    expect((await store.getReferral("ref-1"))?.deadlineBreached).toBe(false);
    expect(mailer.sent).toEqual([]);
    expect(metrics.records).toEqual([]);
  });

  it("puts that metric, and no health data, out when a deadline is breached", async () => {
    // Prepare
    await waitingReferral();
    clock.set("2025-03-18T06:00:00Z");

    // Act
    await recordBreach(deps(), { referralId: "ref-1" });

    // Assess
    expect(metrics.records).toEqual([{ name: "DeadlineBreaches", ids: { referralId: "ref-1" } }]);
    expectNoPatientData(JSON.stringify(metrics.records));
  });
});

describe("a decision after the deadline", () => {
  it("is taken through the same link with the token of the current wait", async () => {
    // Prepare: the reminder and the breach re-armed the task twice.
    const taskId = await waitingReferral();
    workflow.waiting.clear();
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2", phase: "rearm" });
    clock.set("2025-03-18T06:00:00Z");
    await recordBreach(deps(), { referralId: "ref-1" });
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-3", phase: "rearm" });
    workflow.waiting.add("token-3");

    // Act
    const result = await submitDecision(deps(), taskId, {
      outcome: "refused",
      justification: "Kan følges opp i primærhelsetjenesten.",
      advice: "Fysioterapi med gradert aktivitet, oppfølging hos fastlege.",
      assessedBy: "1234567",
    });

    // Assess
    expect(result.kind).toBe("recorded");
    expect(workflow.resumed).toEqual([{ taskToken: "token-3", output: { taskId, outcome: "refused" } }]);
    expect((await viewTask(deps(), taskId)).kind).toBe("gone");
  });

  it("caught between two waits, is handed to the re-armed token, or put back for another try", async () => {
    // Prepare: the workflow stopped waiting on token-1 and has not re-armed yet.
    const taskId = await waitingReferral();
    workflow.waiting.clear();
    const decision = {
      outcome: "refused",
      justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
      advice: "Fysioterapi med gradert aktivitet, oppfølging hos fastlege.",
      assessedBy: "1234567",
    };

    // Act
    const busy = await submitDecision(deps(), taskId, decision);
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2", phase: "rearm" });
    workflow.waiting.add("token-2");
    const retried = await submitDecision(deps(), taskId, decision);

    // Assess
    expect(busy.kind).toBe("busy");
    expect(retried.kind).toBe("recorded");
    expect(workflow.resumed.map((call) => call.taskToken)).toEqual(["token-2"]);
  });

  it("answers 410 (expired) once the workflow failed and MarkFailed expired the open task", async () => {
    // Prepare
    const taskId = await waitingReferral();
    workflow.waiting.clear();

    // Act
    await markFailed(deps(), { referralId: "ref-1", error: { Error: "States.TaskFailed" } });

    // Assess
    expect(await viewTask(deps(), taskId)).toEqual({ kind: "gone", reason: "expired" });
    const result = await submitDecision(deps(), taskId, {
      outcome: "refused",
      justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
      advice: "Fysioterapi med gradert aktivitet, oppfølging hos fastlege.",
      assessedBy: "1",
    });
    expect(result).toEqual({ kind: "gone", reason: "expired" });
  });
});

describe("AcknowledgeSecondary", () => {
  beforeEach(() => {
    store.seed(
      testReferral({
        submission: testSubmission({ kind: "secondary", previousDecisionRef: "SAK-2024-117" }),
      }),
    );
  });

  it("sends the referrer an acknowledgement naming the earlier assessment, closes the referral and tells no staff", async () => {
    // Act
    const result = await acknowledgeSecondary(deps(), "ref-1");

    // Assess
    expect(result).toEqual({ referralId: "ref-1", sent: 1 });
    expect(mailer.sent.map((email) => email.to)).toEqual(["per.hansen@legesenter.example"]);
    const [notice] = mailer.sent;
    expect(notice?.subject).toBe("Bekreftelse på mottatt henvisning (ref. ref-1)");
    expect(notice?.text).toMatch(/\/inbox\/ref-1\.[\w-]+/);
    expect(notice?.text).not.toContain("Kari Nordmann");
    // The letter itself waits behind the link.
    const [letter] = [...store.letters.values()];
    expect(letter?.text).toContain("SAK-2024-117");
    expect(letter?.text).toContain("ikke rettighetsvurdert på nytt");
    expect(letter?.text).toContain("23 00 00 00");
    expect(letter?.text).not.toContain("15038512282");
    expect((await store.getReferral("ref-1"))?.status).toBe("closed");
    expect(store.eventTypesOf("ref-1")).toEqual(["letter-sent", "secondary-acknowledged"]);
    expect([...store.letters.values()].map((l) => [l.letterKind, l.recipientRole, l.status])).toEqual([
      ["acknowledgement", "referrer", "sent"],
    ]);
    expect(await store.listTasks("ref-1")).toEqual([]);
  });

  it("sends nothing twice when the step is retried", async () => {
    // Prepare: the first attempt sent the letter, then failed before closing.
    await acknowledgeSecondary(deps(), "ref-1");

    // Act
    const retried = await acknowledgeSecondary(deps(), "ref-1");

    // Assess
    expect(retried.sent).toBe(0);
    expect(mailer.sent).toHaveLength(1);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "secondary-acknowledged")).toHaveLength(1);
  });
});
