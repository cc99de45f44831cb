/**
 * The synthesized state machine, run on the local Step Functions engine with stub functions and
 * one-second timers: the deadline timer's path through the graph (reminder, breach, escalation
 * loop; an urgent referral's internal target; a wait ended by a priority change), a decision after
 * the breach, and the secondary short path. The stubs stand in for the
 * handlers, so this checks the graph and its timeouts, not the domain.
 */
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFristApp } from "../../lib/app";
import {
  type StepFunctionsLocalServer,
  startStepFunctionsLocal,
} from "../../lib/local/stepfunctions/endpoint";
import { type CfnTemplate, readStateMachine } from "../../lib/local/template";
import { eventually } from "../support/http";

const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
const machine = readStateMachine(template, { region: "eu-north-1" });

/** Which step a function's logical id belongs to. */
const STEPS = [
  "PlanIntake",
  "AcknowledgeSecondary",
  "NotifyAssessors",
  "RemindAssessors",
  "RecordBreach",
  "RecordDecision",
  "DispatchLetters",
  "SendStatusOnReferral",
  "CompleteReferral",
  "StartOfCare",
  "MarkFailed",
] as const;
type Step = (typeof STEPS)[number];

/** A handler call the fake Lambdas received. */
type Call = { step: Step; payload: Record<string, unknown> };
const calls: Call[] = [];
const tracks = new Map<string, string>();
/** Referrals whose stub timer has an urgent target between the reminder and the deadline. */
const urgent = new Set<string>();
let server: StepFunctionsLocalServer;
let sfn: SFNClient;

beforeAll(async () => {
  server = await startStepFunctionsLocal({
    stateMachines: [machine],
    region: "eu-north-1",
    invoke: async (functionLogicalId, payload) => {
      const step = STEPS.find((name) => functionLogicalId.includes(name));
      if (!step) throw new Error(`unexpected function ${functionLogicalId}`);
      const input = payload as Record<string, unknown>;
      calls.push({ step, payload: input });
      const referralId = String(input.referralId);
      switch (step) {
        case "PlanIntake":
          return {
            referralId,
            track: tracks.get(referralId) ?? "assessment",
            untilReminderSeconds: referralId === "ref-retime" ? 600 : 1,
            // A secondary referral's confirmation waits long (the test answers it), unless it is the
            // one left unanswered.
            untilConfirmationSeconds: referralId === "ref-secondary-unconfirmed" ? 1 : 600,
          };
        case "NotifyAssessors":
          return { taskId: `task-${referralId}` };
        case "RemindAssessors":
          return { seconds: 1, next: urgent.has(referralId) ? "urgent-target" : "breach" };
        case "RecordBreach":
          // One function runs three steps: the urgent target, the retime, and the breach.
          if (input.step === "urgent-target") return { seconds: 600, next: "breach" };
          if (input.step === "retime") return { seconds: 1, next: "urgent-target" };
          // Escalate once more after a second, then wait long enough for the test to decide.
          return { seconds: callsOf(referralId, "RecordBreach").length < 2 ? 1 : 600, next: "breach" };
        case "DispatchLetters":
          // Every copy emailed: nothing waits for post.
          return { sent: 2, patientAwaitingPostal: false, escalateAt: new Date().toISOString() };
        case "StartOfCare": {
          // The start-of-care timer's every point, a second apart; care never starts, nobody answers.
          const soon = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
          const next: Record<string, string> = {
            plan: "remind",
            remind: "confirm-start",
            "confirm-start": "deadline",
            check: "grace",
            grace: "done",
          };
          return { referralId, next: next[String(input.step)] ?? "done", at: soon(1) };
        }
        default:
          return {};
      }
    },
  });
  sfn = new SFNClient({
    endpoint: server.endpoint,
    region: "eu-north-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterAll(async () => {
  sfn?.destroy();
  await server?.stop();
});

function callsOf(referralId: string, step?: Step) {
  return calls.filter((call) => call.payload.referralId === referralId && (!step || call.step === step));
}

/** Answers a waiting task as the task page does: the wait's token, with the answer as its output. */
async function answerWait(waiting: Call, answer: Record<string, unknown>) {
  await sfn.send(
    new SendTaskSuccessCommand({
      taskToken: String(waiting.payload.taskToken),
      output: JSON.stringify(answer),
    }),
  );
}

async function start(referralId: string) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine.arn,
      name: referralId,
      input: JSON.stringify({ referralId }),
    }),
  );
  return String(executionArn);
}

// Each test drives referrals of its own through one-second timers, so the tests wait side by side.
describe.concurrent("the deadline timer on the local engine", () => {
  it("reminds, records the breach, escalates again, and still takes a decision to the letters", async () => {
    // Prepare: no decision comes until RecordBreach has run twice.
    const executionArn = await start("ref-timer");
    await eventually(
      async () => (callsOf("ref-timer", "RecordBreach").length >= 2 ? true : undefined),
      "the second escalation",
    );
    const rearm = await eventually(
      async () => callsOf("ref-timer", "NotifyAssessors")[3],
      "the wait after the second escalation",
    );

    // Act
    await answerWait(rearm, { taskId: "task-ref-timer", outcome: "granted" });
    const done = await server.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("ref-timer").map((call) => call.step)).toEqual([
      "PlanIntake",
      "NotifyAssessors",
      "RemindAssessors",
      "NotifyAssessors",
      "RecordBreach",
      "NotifyAssessors",
      "RecordBreach",
      "NotifyAssessors",
      "RecordDecision",
      "DispatchLetters",
      "SendStatusOnReferral",
      "CompleteReferral",
      "StartOfCare",
      "StartOfCare",
      "StartOfCare",
      "StartOfCare",
      "StartOfCare",
    ]);
    // A granted right: the start-of-care timer plans, reminds, asks to confirm the planned start,
    // checks at the deadline and takes the law's default at the end of the grace.
    expect(callsOf("ref-timer", "StartOfCare").map((call) => call.payload.step)).toEqual([
      "plan",
      "remind",
      "confirm-start",
      "check",
      "grace",
    ]);
    expect(callsOf("ref-timer", "NotifyAssessors").map((call) => call.payload.phase)).toEqual([
      "initial",
      "rearm",
      "rearm",
      "rearm",
    ]);
    const tokens = callsOf("ref-timer", "NotifyAssessors").map((call) => call.payload.taskToken);
    expect(new Set(tokens).size).toBe(4);
    expect(callsOf("ref-timer", "RecordDecision")[0]?.payload).toEqual({
      referralId: "ref-timer",
      taskId: "task-ref-timer",
    });
  });

  it("escalates an urgent referral's internal target after the reminder, then waits for the deadline", async () => {
    // Prepare
    urgent.add("ref-urgent");
    const executionArn = await start("ref-urgent");

    // Act: the reminder's next point is the internal target.
    const rearm = await eventually(
      async () => callsOf("ref-urgent", "NotifyAssessors")[2],
      "the wait after the urgent target",
    );
    await answerWait(rearm, { taskId: "task-ref-urgent", outcome: "refused" });
    const done = await server.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("ref-urgent").map((call) => [call.step, call.payload.step ?? call.payload.phase])).toEqual(
      [
        ["PlanIntake", undefined],
        ["NotifyAssessors", "initial"],
        ["RemindAssessors", undefined],
        ["NotifyAssessors", "rearm"],
        ["RecordBreach", "urgent-target"],
        ["NotifyAssessors", "rearm"],
        ["RecordDecision", undefined],
        ["DispatchLetters", undefined],
        ["SendStatusOnReferral", undefined],
        ["CompleteReferral", undefined],
      ],
    );
  });

  it("sets the timer anew when a priority change ends the wait, and routes to the step it names", async () => {
    // Prepare: the first wait (until the reminder) is long, so only the retime can end it early.
    const executionArn = await start("ref-retime");
    const first = await eventually(async () => callsOf("ref-retime", "NotifyAssessors")[0], "the first wait");

    // Act: the priority changed (changePriority ends the wait with Frist.Retime).
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: String(first.payload.taskToken),
        error: "Frist.Retime",
        cause: "The priority was changed.",
      }),
    );
    const afterTarget = await eventually(
      async () => callsOf("ref-retime", "NotifyAssessors")[2],
      "the wait after the urgent target",
    );
    await answerWait(afterTarget, { taskId: "task-ref-retime", outcome: "refused" });
    const done = await server.engine.waitForExecution(executionArn);

    // Assess: retimed (not failed), then the urgent target the retime named, then the decision.
    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("ref-retime").map((call) => [call.step, call.payload.step ?? call.payload.phase])).toEqual(
      [
        ["PlanIntake", undefined],
        ["NotifyAssessors", "initial"],
        ["RecordBreach", "retime"],
        ["NotifyAssessors", "rearm"],
        ["RecordBreach", "urgent-target"],
        ["NotifyAssessors", "rearm"],
        ["RecordDecision", undefined],
        ["DispatchLetters", undefined],
        ["SendStatusOnReferral", undefined],
        ["CompleteReferral", undefined],
      ],
    );
  });

  it("acknowledges a secondary referral once staff confirm it concerns the same condition", async () => {
    // Prepare
    tracks.set("ref-secondary", "secondary");
    const executionArn = await start("ref-secondary");
    const wait = await eventually(
      async () => callsOf("ref-secondary", "NotifyAssessors")[0],
      "the confirmation wait",
    );

    // Act
    await answerWait(wait, {
      taskId: "t",
      outcome: "same-condition",
      confirmedBy: "Ola Haugen, psychologist",
    });
    const done = await server.engine.waitForExecution(executionArn);

    // Assess
    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("ref-secondary").map((call) => call.step)).toEqual([
      "PlanIntake",
      "NotifyAssessors",
      "AcknowledgeSecondary",
    ]);
    expect(callsOf("ref-secondary", "AcknowledgeSecondary")[0]?.payload).toEqual({
      referralId: "ref-secondary",
    });
  });

  it("assesses a secondary referral as new when staff say it is another condition", async () => {
    tracks.set("ref-secondary-other", "secondary");
    const executionArn = await start("ref-secondary-other");
    const wait = await eventually(
      async () => callsOf("ref-secondary-other", "NotifyAssessors")[0],
      "the confirmation wait",
    );

    await answerWait(wait, {
      taskId: "t",
      outcome: "new-condition",
      confirmedBy: "Ola Haugen, psychologist",
    });
    const assessment = await eventually(
      async () => callsOf("ref-secondary-other", "NotifyAssessors")[1],
      "the assessment wait",
    );
    await answerWait(assessment, { taskId: "t", outcome: "refused" });
    const done = await server.engine.waitForExecution(executionArn);

    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("ref-secondary-other").map((call) => call.step)).toEqual([
      "PlanIntake",
      "NotifyAssessors",
      "PlanIntake",
      "NotifyAssessors",
      "RecordDecision",
      "DispatchLetters",
      "SendStatusOnReferral",
      "CompleteReferral",
    ]);
    expect(callsOf("ref-secondary-other", "PlanIntake")[1]?.payload).toEqual({
      referralId: "ref-secondary-other",
      assessAsNew: true,
    });
  });

  it("assesses a secondary referral as new when no one confirms it by the confirmation day", async () => {
    tracks.set("ref-secondary-unconfirmed", "secondary");
    await start("ref-secondary-unconfirmed");

    const assessment = await eventually(
      async () => callsOf("ref-secondary-unconfirmed", "NotifyAssessors")[1],
      "the assessment wait",
    );

    expect(assessment.payload.phase).toBe("initial");
    expect(callsOf("ref-secondary-unconfirmed", "PlanIntake")[1]?.payload).toEqual({
      referralId: "ref-secondary-unconfirmed",
      assessAsNew: true,
    });
  });
});

describe.concurrent("an execution the reconciler starts for a referral whose decision is known", () => {
  it("goes straight to RecordDecision with the task's decision, then the letters, with no new task", async () => {
    // Act: the input recovery gives a decided referral's new execution.
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.arn,
        name: "ref-decided-r1",
        input: JSON.stringify({
          referralId: "ref-decided",
          assessment: { taskId: "task-9", outcome: "refused" },
        }),
      }),
    );
    const done = await server.engine.waitForExecution(String(executionArn));

    // Assess
    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("ref-decided").map((call) => call.step)).toEqual([
      "RecordDecision",
      "DispatchLetters",
      "SendStatusOnReferral",
      "CompleteReferral",
    ]);
    expect(callsOf("ref-decided", "RecordDecision")[0]?.payload).toEqual({
      referralId: "ref-decided",
      taskId: "task-9",
    });
  });

  it("without a decision starts at PlanIntake, which sets the timer from the legal clock again", async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.arn,
        name: "ref-stranded-r1",
        input: JSON.stringify({ referralId: "ref-stranded" }),
      }),
    );
    const notify = await eventually(async () => callsOf("ref-stranded", "NotifyAssessors")[0], "the await");
    expect(callsOf("ref-stranded").map((call) => call.step)).toEqual(["PlanIntake", "NotifyAssessors"]);
    await answerWait(notify, { taskId: "task-ref-stranded", outcome: "granted" });
    expect((await server.engine.waitForExecution(String(executionArn))).status).toBe("SUCCEEDED");
  });
});
