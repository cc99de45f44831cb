/**
 * A secondary referral waits for staff to confirm it concerns the condition already assessed: the
 * confirmation (who, which answer), the refusal to decide or re-prioritise before it, AssessAsNew
 * (planned like a new referral), and the task page's confirmation form.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { submitDecision } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { changePriority } from "../../functions/domain/priority";
import { acknowledgeSecondary, confirmSecondary } from "../../functions/domain/secondary";
import { renderer } from "../../functions/views/renderer";
import { renderTaskPage } from "../../functions/views/staff-pages";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const config = testClinicConfig();
const author = "Ola Haugen, psychologist";
let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let clock: FakeClock;
let workflow: FakeWorkflow;

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  // Monday 3 March 2025, 10:00 in Oslo: the confirmation waits until the start of Wednesday 5 March.
  clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
  workflow = new FakeWorkflow();
});

const deps = () => ({
  store,
  mailer,
  render: renderer,
  clock,
  workflow,
  config,
  publicBaseUrl: "https://api.example/prod",
  calendar: calendarRulesOf(config.legalClock),
});

/** A secondary referral waiting on its confirmation task (token-1), as after PlanIntake and the wait. */
async function awaitingConfirmation() {
  store.seed(
    testReferral({ submission: testSubmission({ kind: "secondary", previousDecisionRef: "SAK-1" }) }),
  );
  const plan = await planIntake(deps(), "ref-1");
  const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
  workflow.waiting.add("token-1");
  return { plan, taskId };
}

describe("the confirmation of a secondary referral", () => {
  it("waits, unassigned, until the start of working day 2 for staff to confirm", async () => {
    const { plan } = await awaitingConfirmation();

    expect(plan).toMatchObject({
      track: "secondary",
      untilConfirmationSeconds:
        (Date.parse("2025-03-04T23:00:00Z") - Date.parse("2025-03-03T09:00:00Z")) / 1000,
    });
    expect((await store.getReferral("ref-1"))?.status).toBe("received");
    expect((await store.getReferral("ref-1"))?.assignment).toBeUndefined();
  });

  it("resumes the workflow with the answer and records who gave it, once", async () => {
    const { taskId } = await awaitingConfirmation();

    const result = await confirmSecondary(deps(), taskId, { sameCondition: "yes" }, author);
    const again = await confirmSecondary(deps(), taskId, { sameCondition: "no" }, author);

    expect(result).toEqual({ kind: "confirmed", referralId: "ref-1", sameCondition: true });
    expect(again).toEqual({ kind: "not-awaiting" });
    expect(workflow.resumed).toEqual([
      { taskToken: "token-1", output: { taskId, outcome: "same-condition" } },
    ]);
    expect(store.eventsOf("ref-1").filter((event) => event.type === "secondary-confirmed")).toEqual([
      {
        type: "secondary-confirmed",
        at: "2025-03-03T09:00:00.000Z",
        actor: { kind: "staff", id: author },
        details: { taskId, sameCondition: true },
      },
    ]);
  });

  it("sends 'not the same condition' on as new-condition", async () => {
    const { taskId } = await awaitingConfirmation();

    await confirmSecondary(deps(), taskId, { sameCondition: "no" }, author);

    expect(workflow.resumed.map((resume) => resume.output.outcome)).toEqual(["new-condition"]);
  });

  it("refuses a missing answer and a form without the task's token, resuming nothing", async () => {
    const { taskId } = await awaitingConfirmation();

    expect(await confirmSecondary(deps(), taskId, {}, author)).toMatchObject({ kind: "invalid" });
    expect(await confirmSecondary(deps(), taskId, { sameCondition: "maybe" }, author)).toMatchObject({
      kind: "invalid",
    });
    expect(
      await confirmSecondary(deps(), taskId, { sameCondition: "yes" }, author, { form: { csrfToken: "x" } }),
    ).toEqual({ kind: "forbidden" });
    expect(workflow.resumed).toEqual([]);
  });

  it("takes no decision and no priority change before the confirmation", async () => {
    const { taskId } = await awaitingConfirmation();

    const decision = await submitDecision(deps(), taskId, {
      outcome: "refused",
      justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
      advice: "Fysioterapi med gradert aktivitet, oppfølging hos fastlege.",
      assessedBy: author,
    });
    const priority = await changePriority(
      deps(),
      taskId,
      { priority: "urgent", reason: "Forverring av smertene siste uke ifølge henviser." },
      author,
    );

    expect(decision).toMatchObject({ kind: "invalid", issues: [{ path: "outcome" }] });
    expect(priority).toMatchObject({ kind: "invalid", issues: [{ path: "priority" }] });
    expect((await store.listTasks("ref-1"))[0]?.state).toBe("open");
  });

  it("assessed as new: planned like a new referral, with the legal due date from receipt, same task", async () => {
    const { taskId } = await awaitingConfirmation();
    await confirmSecondary(deps(), taskId, { sameCondition: "no" }, author);

    const plan = await planIntake(deps(), "ref-1", { assessAsNew: true });
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2", phase: "initial" });

    const referral = await store.getReferral("ref-1");
    expect(plan.track).toBe("assessment");
    expect(referral?.status).toBe("awaiting-assessment");
    expect(referral?.assignment).toBeDefined();
    expect(referral?.assessmentDueDate).toBe("2025-03-17");
    expect(store.eventsOf("ref-1").find((event) => event.type === "intake-planned")?.details).toMatchObject({
      secondaryAssessedAsNew: true,
    });
    const tasks = await store.listTasks("ref-1");
    expect(tasks.map((task) => [task.taskId, task.taskToken, task.state])).toEqual([
      [taskId, "token-2", "open"],
    ]);
  });

  it("confirmed: the acknowledgement closes the referral and expires the confirmation task", async () => {
    const { taskId } = await awaitingConfirmation();

    await acknowledgeSecondary(deps(), "ref-1");

    expect((await store.getReferral("ref-1"))?.status).toBe("closed");
    expect((await store.findTask(taskId))?.state).toBe("expired");
  });
});

describe("the task page of a secondary referral waiting for confirmation", () => {
  it("asks whether it is the same condition, with the task's token, instead of the decision and priority forms", () => {
    const html = renderTaskPage({
      taskId: "t-1",
      formAction: "t-1/decision",
      priorityAction: "t-1/priority",
      csrfToken: "tok-1",
      secondaryConfirmation: {
        action: "t-1/secondary",
        previousDecisionRef: "SAK-<1>",
        confirmBy: "2025-03-04",
      },
      referral: {
        referralId: "ref-1",
        kind: "secondary",
        priority: "ordinary",
        receivedAt: "2025-03-03T09:00:00.000Z",
        assessmentDueDate: "2025-03-17",
        workingDaysLeft: 10,
        patient: { name: "Kari Nordmann" },
        referrer: { name: "Per Hansen", organisation: "Legesenteret" },
        diagnoses: [{ system: "ICPC-2", code: "L18" }],
        reason: "Smerter",
        content: {},
        flags: [],
        missingContent: [],
      },
    });
    const form = /<form method="post" action="t-1\/secondary" id="secondary-form">([\s\S]*?)<\/form>/.exec(
      html,
    )?.[1];
    expect(form).toContain('<input type="hidden" name="csrfToken" value="tok-1">');
    expect(form).toContain('name="sameCondition" id="secondary-yes" value="yes"');
    expect(form).toContain('name="sameCondition" id="secondary-no" value="no"');
    expect(html).toContain("<strong>SAK-&lt;1&gt;</strong>");
    expect(html).toContain("bekreftes den ikke innen 4. mars 2025");
    expect(html).not.toContain('id="granted-form"');
    expect(html).not.toContain('id="priority-form"');
  });
});
