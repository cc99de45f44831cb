import { readFileSync } from "node:fs";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type StepFunctionsLocalServer,
  startStepFunctionsLocal,
} from "../../lib/local/stepfunctions/endpoint";
import { type CfnTemplate, readStateMachine } from "../../lib/local/template";

// The fixture is a synthesized CDK template: PlanIntake -> AwaitAssessment (waitForTaskToken,
// TimeoutSecondsPath $.plan.awaitSeconds) -> RouteDecision -> RecordDecision -> Done, every Task
// retrying ThrottlingException and catching States.ALL into MarkFailed -> Failed.
const template = JSON.parse(
  readFileSync(new URL("./fixtures/frist-template.json", import.meta.url), "utf8"),
) as CfnTemplate;
const machine = readStateMachine(template, { region: "eu-north-1" });

interface Behaviour {
  awaitSeconds: number;
  planFailuresBeforeSuccess: number;
}
let behaviour: Behaviour;
const calls: Array<{ fn: string; payload: Record<string, unknown> }> = [];
const tokens = new Map<string, string>();

let server: StepFunctionsLocalServer;
let sfn: SFNClient;

beforeAll(async () => {
  server = await startStepFunctionsLocal({
    stateMachines: [machine],
    region: "eu-north-1",
    invoke: async (fn, payload) => {
      const input = payload as Record<string, unknown>;
      calls.push({ fn, payload: input });
      if (fn.startsWith("FnPlanIntake")) {
        if (behaviour.planFailuresBeforeSuccess > 0) {
          behaviour.planFailuresBeforeSuccess--;
          const error = new Error("Rate exceeded");
          error.name = "ThrottlingException";
          throw error;
        }
        return { referralId: input.referralId, awaitSeconds: behaviour.awaitSeconds };
      }
      if (fn.startsWith("FnNotifyAssessors")) {
        tokens.set(String(input.referralId), String(input.taskToken));
        return { taskId: `task-${input.referralId}` };
      }
      return {};
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

beforeEach(() => {
  behaviour = { awaitSeconds: 60, planFailuresBeforeSuccess: 0 };
});

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function start(referralId: string, input: unknown = { referralId }) {
  return sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine.arn,
      name: referralId,
      input: JSON.stringify(input),
    }),
  );
}

const tokenOf = (referralId: string) =>
  eventually(() => tokens.get(referralId), `the task token of ${referralId}`);
const callsTo = (prefix: string, referralId: string) =>
  calls.filter((call) => call.fn.startsWith(prefix) && call.payload.referralId === referralId);

describe("the local Step Functions endpoint, driven by the real SFN client", () => {
  it("waits at the human task and resumes with the SendTaskSuccess output", async () => {
    // Prepare
    const { executionArn } = await start("ref-success");
    const token = await tokenOf("ref-success");
    const waiting = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Act
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ taskId: "t1", outcome: "granted" }),
      }),
    );
    await server.engine.waitForExecution(String(executionArn));
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(waiting.status).toBe("RUNNING");
    expect(done.status).toBe("SUCCEEDED");
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(String(done.output))).toEqual({
      referralId: "ref-success",
      plan: { awaitSeconds: 60 },
      assessment: { taskId: "t1", outcome: "granted" },
    });
    expect(callsTo("FnRecordDecision", "ref-success")).toEqual([
      {
        fn: expect.stringMatching(/^FnRecordDecision/),
        payload: { referralId: "ref-success", taskId: "t1" },
      },
    ]);
  });

  it("refuses a second SendTaskSuccess with the same token as TaskTimedOut, like AWS", async () => {
    // Prepare
    const { executionArn } = await start("ref-twice");
    const token = await tokenOf("ref-twice");
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: "refused" }) }),
    );
    await server.engine.waitForExecution(String(executionArn));

    // Act
    const second = sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" }));

    // Assess
    await expect(second).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(second).rejects.toMatchObject({ name: "TaskTimedOut" });
  });

  it("answers a token it never issued with InvalidToken", async () => {
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: "forged", output: "{}" })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it("is idempotent for the same name and input while running, and refuses any other reuse of the name", async () => {
    // Prepare
    const first = await start("ref-idem");
    await tokenOf("ref-idem");

    // Act
    const again = await start("ref-idem");
    const otherInput = start("ref-idem", { referralId: "ref-idem", extra: true });

    // Assess
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    await expect(otherInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(callsTo("FnPlanIntake", "ref-idem")).toHaveLength(1);

    // And once the execution has ended, even the same input is refused.
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenOf("ref-idem"), output: '{"outcome":"granted"}' }),
    );
    await server.engine.waitForExecution(String(first.executionArn));
    await expect(start("ref-idem")).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it("fails the human task on SendTaskFailure and lets the Catch mark the referral failed", async () => {
    // Prepare
    const { executionArn } = await start("ref-failure");
    const token = await tokenOf("ref-failure");

    // Act
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: "Frist.Withdrawn", cause: "withdrawn" }),
    );
    await server.engine.waitForExecution(String(executionArn));
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(done.status).toBe("FAILED");
    expect(callsTo("FnMarkFailed", "ref-failure")[0]?.payload).toEqual({
      referralId: "ref-failure",
      error: { Error: "Frist.Withdrawn", Cause: "withdrawn" },
    });
  });

  it("times the human task out after the seconds the plan gave (TimeoutSecondsPath) and closes its token", async () => {
    // Prepare
    behaviour.awaitSeconds = 1;

    // Act
    const { executionArn } = await start("ref-timeout");
    const token = await tokenOf("ref-timeout");
    await server.engine.waitForExecution(String(executionArn), 5_000);

    // Assess
    expect(callsTo("FnMarkFailed", "ref-timeout")[0]?.payload).toMatchObject({
      error: { Error: "States.Timeout" },
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(history.events?.map((event) => event.type)).toContain("TaskTimedOut");
  });

  it("retries a function error by its name and records each attempt in the history", async () => {
    // Prepare
    behaviour.planFailuresBeforeSuccess = 1;

    // Act
    const { executionArn } = await start("ref-retry");
    const token = await tokenOf("ref-retry");
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: '{"outcome":"granted","taskId":"t"}' }),
    );
    await server.engine.waitForExecution(String(executionArn));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));

    // Assess
    expect(callsTo("FnPlanIntake", "ref-retry")).toHaveLength(2);
    const types = history.events?.map((event) => event.type) ?? [];
    expect(types.slice(0, 9)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
    ]);
    expect(types).toContain("TaskSubmitted");
    expect(types.at(-1)).toBe("ExecutionSucceeded");
    expect(history.events?.[4]?.taskFailedEventDetails?.error).toBe("ThrottlingException");
    expect(history.events?.map((event) => event.id)).toEqual(types.map((_, index) => index + 1));
  });

  it("aborts a waiting execution on StopExecution and closes its token", async () => {
    // Prepare
    const { executionArn } = await start("ref-stop");
    const token = await tokenOf("ref-stop");

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn, error: "Frist.Withdrawn" }));
    await server.engine.waitForExecution(String(executionArn));
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(stopped.status).toBe("ABORTED");
    expect(callsTo("FnMarkFailed", "ref-stop")).toEqual([]);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("lists executions newest first and names what does not exist", async () => {
    // Act
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.arn }));
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine.arn, statusFilter: "SUCCEEDED", maxResults: 1 }),
    );

    // Assess
    expect(listed.executions?.length).toBeGreaterThanOrEqual(5);
    expect(running.executions).toHaveLength(1);
    expect(running.nextToken).toBeDefined();
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${machine.arn.replace("stateMachine", "execution")}:nope`,
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${machine.arn}Other`, name: "x", input: "{}" })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});
