import { describe, expect, it } from "vitest";
import {
  type AslDefinition,
  adaptDefinitionForLocal,
  buildTaskHandlers,
  LOCAL_TIMEOUT_FIELD,
  MAX_LOCAL_TIMEOUT_SECONDS,
  replaceTaskTokenPlaceholder,
  SIMULATED_WAIT_RESOURCE,
  TASK_TOKEN_PLACEHOLDER,
  TaskTokenError,
  TaskTokenRegistry,
  toLambdaFunctionError,
} from "../../lib/local/stepfunctions/asl";
import { SimulatedClock } from "../../lib/local/time/simulated-clock";

const fnArn = (name: string) => `arn:aws:lambda:eu-north-1:000000000000:function:${name}`;

function workflow(): AslDefinition {
  return {
    QueryLanguage: "JSONPath",
    StartAt: "PlanIntake",
    States: {
      PlanIntake: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: fnArn("Plan"), "Payload.$": "$" },
        ResultSelector: { "awaitSeconds.$": "$.Payload.awaitSeconds" },
        ResultPath: "$.plan",
        Next: "AwaitAssessment",
      },
      AwaitAssessment: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: {
          FunctionName: fnArn("Notify"),
          Payload: { "referralId.$": "$.referralId", "taskToken.$": "$$.Task.Token" },
        },
        TimeoutSecondsPath: "$.plan.awaitSeconds",
        ResultPath: "$.assessment",
        Next: "Done",
      },
      Done: { Type: "Succeed" },
    },
  };
}

describe("adapting the synthesized definition for aws-local-stepfunctions", () => {
  it("takes a callback task's TimeoutSecondsPath out of the library's hands, to enforce it on the simulated clock", () => {
    // Act
    const { definition, notes } = adaptDefinitionForLocal(workflow());

    // Assess: the value travels through Parameters; the library's own timer is at its longest.
    expect(definition.States.AwaitAssessment).toMatchObject({
      TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS,
      Parameters: {
        FunctionName: fnArn("Notify"),
        [`${LOCAL_TIMEOUT_FIELD}.$`]: "$.plan.awaitSeconds",
      },
    });
    expect(definition.States.AwaitAssessment?.TimeoutSecondsPath).toBeUndefined();
    expect(notes.some((note) => note.includes("AwaitAssessment") && note.includes("simulated clock"))).toBe(
      true,
    );
  });

  it("carries a callback task's fixed TimeoutSeconds the same way", () => {
    // Prepare
    const original = workflow();
    delete original.States.AwaitAssessment?.TimeoutSecondsPath;
    (original.States.AwaitAssessment as Record<string, unknown>).TimeoutSeconds = 40 * 86_400;

    // Act
    const { definition } = adaptDefinitionForLocal(original);

    // Assess: 40 days would overflow setTimeout; the clock's timers do not.
    expect(definition.States.AwaitAssessment).toMatchObject({
      TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS,
      Parameters: { [LOCAL_TIMEOUT_FIELD]: 40 * 86_400 },
    });
  });

  it("keeps a plain invoke's TimeoutSecondsPath with the library (real compute time), carried through Parameters", () => {
    // Prepare
    const original = workflow();
    (original.States.PlanIntake as Record<string, unknown>).TimeoutSecondsPath = "$.budget";

    // Act
    const { definition } = adaptDefinitionForLocal(original);

    // Assess
    expect(definition.States.PlanIntake).toMatchObject({
      TimeoutSecondsPath: `$.${LOCAL_TIMEOUT_FIELD}`,
      Parameters: { [`${LOCAL_TIMEOUT_FIELD}.$`]: "$.budget" },
    });
  });

  it("rewrites a Wait state into a local Task that sleeps on the clock, with the same name, paths and transitions", () => {
    // Prepare
    const original = workflow();
    (original.States.PlanIntake as Record<string, unknown>).Next = "Pause";
    original.States.Pause = {
      Type: "Wait",
      SecondsPath: "$.pause",
      InputPath: "$.inner",
      OutputPath: "$.kept",
      Next: "AwaitAssessment",
    };

    // Act
    const { definition, simulatedWaits, notes } = adaptDefinitionForLocal(original);

    // Assess
    expect(definition.States.Pause).toEqual({
      Type: "Task",
      Resource: SIMULATED_WAIT_RESOURCE,
      Parameters: { "input.$": "$", "seconds.$": "$.pause" },
      TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS,
      InputPath: "$.inner",
      OutputPath: "$.kept",
      Next: "AwaitAssessment",
    });
    expect(simulatedWaits).toEqual(["Pause"]);
    expect(notes.some((note) => note.startsWith("State Pause: Wait (SecondsPath $.pause)"))).toBe(true);
  });

  it("takes the execution's TimeoutSeconds out for the engine to enforce on the clock", () => {
    const { definition, executionTimeoutSeconds } = adaptDefinitionForLocal({
      ...workflow(),
      TimeoutSeconds: 30 * 86_400,
    });
    expect(executionTimeoutSeconds).toBe(30 * 86_400);
    expect(definition.TimeoutSeconds).toBeUndefined();
  });

  it("refuses a timed callback task that retries or catches States.TaskFailed, which would also match its local timeout", () => {
    const original = workflow();
    (original.States.AwaitAssessment as Record<string, unknown>).Catch = [
      { ErrorEquals: ["States.TaskFailed"], Next: "Done" },
    ];
    expect(() => adaptDefinitionForLocal(original)).toThrow(/States.TaskFailed/);
  });

  it("keeps the graph: same states, transitions, paths; the original is untouched", () => {
    // Prepare
    const original = workflow();
    const before = structuredClone(original);

    // Act
    const { definition } = adaptDefinitionForLocal(original);

    // Assess
    expect(original).toEqual(before);
    expect(Object.keys(definition.States)).toEqual(Object.keys(original.States));
    for (const [name, state] of Object.entries(original.States)) {
      expect(definition.States[name]?.Next).toBe(state.Next);
      expect(definition.States[name]?.ResultPath).toBe(state.ResultPath);
    }
    expect(definition.QueryLanguage).toBeUndefined();
  });

  it("gives a Task without a timeout no 60 s limit, and clamps timeouts Node's setTimeout cannot hold", () => {
    // Prepare
    const original = workflow();
    delete original.States.AwaitAssessment?.TimeoutSecondsPath;
    (original.States.AwaitAssessment as Record<string, unknown>).TimeoutSeconds = 40 * 86_400;

    // Act
    const { definition } = adaptDefinitionForLocal(original);

    // Assess
    expect(definition.States.PlanIntake?.TimeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
    expect(definition.States.AwaitAssessment?.TimeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
    expect(MAX_LOCAL_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it("refuses JSONata and Assign, which the library would silently ignore", () => {
    const jsonata = { ...workflow(), QueryLanguage: "JSONata" } as AslDefinition;
    expect(() => adaptDefinitionForLocal(jsonata)).toThrow(/JSONata/);

    const assign = workflow();
    (assign.States.PlanIntake as Record<string, unknown>).Assign = { x: 1 };
    expect(() => adaptDefinitionForLocal(assign)).toThrow(/Assign/);
  });
});

describe("the local Task handlers", () => {
  it("calls the function with the Payload and wraps its result as lambda:invoke does", async () => {
    // Prepare
    const calls: Array<[string, unknown]> = [];
    const { definition } = adaptDefinitionForLocal(workflow());
    const handlers = buildTaskHandlers({
      definition,
      tokens: new TaskTokenRegistry(),
      executionArn: "arn:exec",
      region: "eu-north-1",
      invoke: async (fn, payload) => {
        calls.push([fn, payload]);
        return { awaitSeconds: 10 };
      },
    });

    // Act
    const result = await handlers.PlanIntake?.({
      FunctionName: fnArn("Plan"),
      Payload: { referralId: "r1" },
    });

    // Assess
    expect(calls).toEqual([["Plan", { referralId: "r1" }]]);
    expect(result).toMatchObject({
      Payload: { awaitSeconds: 10 },
      StatusCode: 200,
      ExecutedVersion: "$LATEST",
    });
  });

  it("gives each callback attempt a fresh token in place of the placeholder, strips the timeout field, and waits for SendTaskSuccess", async () => {
    // Prepare
    const tokens = new TaskTokenRegistry();
    const received: unknown[] = [];
    const { definition } = adaptDefinitionForLocal(workflow());
    const handlers = buildTaskHandlers({
      definition,
      tokens,
      executionArn: "arn:exec",
      region: "eu-north-1",
      invoke: async (_fn, payload) => {
        received.push(payload);
        return { taskId: "t1" };
      },
    });
    const input = () => ({
      FunctionName: fnArn("Notify"),
      Payload: { referralId: "r1", taskToken: TASK_TOKEN_PLACEHOLDER },
      [LOCAL_TIMEOUT_FIELD]: 60,
    });

    // Act
    const first = handlers.AwaitAssessment?.(input());
    const second = handlers.AwaitAssessment?.(input());
    await new Promise((resolve) => setTimeout(resolve, 10));
    const [firstToken, secondToken] = received.map((p) => (p as { taskToken: string }).taskToken);
    tokens.succeed(String(firstToken), { taskId: "t1", outcome: "granted" });
    tokens.fail(String(secondToken), "Frist.Refused", "no");

    // Assess
    expect(firstToken).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(secondToken).not.toBe(firstToken);
    expect(received[0]).toEqual({ referralId: "r1", taskToken: firstToken });
    await expect(first).resolves.toEqual({ taskId: "t1", outcome: "granted" });
    await expect(second).rejects.toMatchObject({ name: "Frist.Refused", message: "no" });
  });

  it("raises a function's error under its name with Lambda's JSON cause, so Retry and Catch match", async () => {
    // Prepare
    const { definition } = adaptDefinitionForLocal(workflow());
    const handlers = buildTaskHandlers({
      definition,
      tokens: new TaskTokenRegistry(),
      executionArn: "arn:exec",
      region: "eu-north-1",
      invoke: async () => {
        const error = new Error("slow down");
        error.name = "ThrottlingException";
        throw error;
      },
    });

    // Act
    const raised = (await handlers
      .PlanIntake?.({ FunctionName: fnArn("Plan"), Payload: {} })
      .catch((error: Error) => error)) as Error;

    // Assess
    expect(raised.name).toBe("ThrottlingException");
    const cause = JSON.parse(raised.message);
    expect(cause).toMatchObject({ errorType: "ThrottlingException", errorMessage: "slow down" });
    expect(toLambdaFunctionError("plain").name).toBe("Error");
  });

  it("fails a callback task with States.Timeout once the simulated deadline passes, and closes its token", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: "2026-03-02T08:00:00Z" });
    const tokens = new TaskTokenRegistry();
    const events: string[] = [];
    let token = "";
    const { definition } = adaptDefinitionForLocal(workflow());
    const handlers = buildTaskHandlers({
      definition,
      tokens,
      clock,
      executionArn: "arn:exec",
      region: "eu-north-1",
      onTaskAttempt: () => (event) => events.push(event.type),
      invoke: async (_fn, payload) => {
        token = (payload as { taskToken: string }).taskToken;
        return { taskId: "t1" };
      },
    });
    const waiting = handlers.AwaitAssessment?.({
      FunctionName: fnArn("Notify"),
      Payload: { referralId: "r1", taskToken: TASK_TOKEN_PLACEHOLDER },
      [LOCAL_TIMEOUT_FIELD]: 7 * 86_400,
    });
    const outcome = waiting?.then(
      () => "answered",
      (error: Error) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));

    // Act: a week of simulated time, less a second, then the last second.
    clock.advance(7 * 86_400_000 - 1_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const stillWaiting = clock.pendingSleeps;
    clock.advance(1_000);

    // Assess
    expect(stillWaiting).toBe(1);
    const error = (await outcome) as Error;
    expect(error.name).toBe("States.Timeout");
    expect(events).toEqual(["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskTimedOut"]);
    expect(() => tokens.succeed(token, {})).toThrow(expect.objectContaining({ code: "TaskTimedOut" }));
    expect(clock.pendingSleeps).toBe(0);
  });

  it("resumes a callback task answered before its deadline and drops its timer", async () => {
    // Prepare
    const clock = new SimulatedClock();
    const tokens = new TaskTokenRegistry();
    let token = "";
    const { definition } = adaptDefinitionForLocal(workflow());
    const handlers = buildTaskHandlers({
      definition,
      tokens,
      clock,
      executionArn: "arn:exec",
      region: "eu-north-1",
      invoke: async (_fn, payload) => {
        token = (payload as { taskToken: string }).taskToken;
        return {};
      },
    });
    const waiting = handlers.AwaitAssessment?.({
      FunctionName: fnArn("Notify"),
      Payload: { taskToken: TASK_TOKEN_PLACEHOLDER },
      [LOCAL_TIMEOUT_FIELD]: 3_600,
    });
    await new Promise((resolve) => setTimeout(resolve, 10));

    // Act
    tokens.succeed(token, { outcome: "granted" });

    // Assess
    await expect(waiting).resolves.toEqual({ outcome: "granted" });
    expect(clock.pendingSleeps).toBe(0);
  });

  it("fails with an uncatchable States.Runtime when the timeout is not a positive integer", async () => {
    const { definition } = adaptDefinitionForLocal(workflow());
    const handlers = buildTaskHandlers({
      definition,
      tokens: new TaskTokenRegistry(),
      executionArn: "arn:exec",
      region: "eu-north-1",
      invoke: async () => ({}),
    });
    const raised = (await handlers
      .AwaitAssessment?.({ FunctionName: fnArn("Notify"), Payload: {}, [LOCAL_TIMEOUT_FIELD]: 0 })
      .catch((error: unknown) => error)) as Error & { isCatchable?: boolean };
    expect(raised.name).toBe("States.Runtime");
    expect(raised.isCatchable).toBe(false);
  });

  it("sleeps a rewritten Wait state on the clock until its seconds or timestamp, and passes its input on", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: "2026-03-02T08:00:00Z" });
    const original = workflow();
    original.States.PauseFor = { Type: "Wait", SecondsPath: "$.seconds", Next: "Done" };
    original.States.PauseUntil = { Type: "Wait", Timestamp: "2026-03-05T08:00:00Z", Next: "Done" };
    const { definition } = adaptDefinitionForLocal(original);
    const handlers = buildTaskHandlers({
      definition,
      tokens: new TaskTokenRegistry(),
      clock,
      executionArn: "arn:exec",
      region: "eu-north-1",
      invoke: async () => ({}),
    });
    const settled: string[] = [];

    // Act
    const pauseFor = handlers.PauseFor?.({ input: { a: 1 }, seconds: 86_400 }).then((output) => {
      settled.push("for");
      return output;
    });
    const pauseUntil = handlers
      .PauseUntil?.({ input: { b: 2 }, timestamp: "2026-03-05T08:00:00Z" })
      .then((output) => {
        settled.push("until");
        return output;
      });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const beforeAdvance = [...settled];
    clock.advance(2 * 86_400_000);
    await pauseFor;
    const afterTwoDays = [...settled];
    clock.advanceTo("2026-03-05T08:00:00Z");

    // Assess
    expect(beforeAdvance).toEqual([]);
    expect(afterTwoDays).toEqual(["for"]);
    await expect(pauseFor).resolves.toEqual({ a: 1 });
    await expect(pauseUntil).resolves.toEqual({ b: 2 });
    await expect(handlers.PauseFor?.({ input: {}, seconds: -1 })).rejects.toMatchObject({
      name: "States.Runtime",
    });
  });

  it("refuses Task resources it cannot run locally", () => {
    const definition = workflow();
    (definition.States.PlanIntake as Record<string, unknown>).Resource = "arn:aws:states:::sns:publish";
    expect(() =>
      buildTaskHandlers({
        definition,
        tokens: new TaskTokenRegistry(),
        executionArn: "arn:exec",
        region: "eu-north-1",
        invoke: async () => ({}),
      }),
    ).toThrow(/sns:publish/);
  });
});

describe("task tokens", () => {
  it("replaces the placeholder wherever it occurs in the payload", () => {
    expect(
      replaceTaskTokenPlaceholder(
        { a: TASK_TOKEN_PLACEHOLDER, b: [`x-${TASK_TOKEN_PLACEHOLDER}`], c: 1, d: null },
        "TOKEN",
      ),
    ).toEqual({ a: "TOKEN", b: ["x-TOKEN"], c: 1, d: null });
  });

  it("answers a used token with TaskTimedOut and a foreign one with InvalidToken, as AWS does", () => {
    // Prepare
    const tokens = new TaskTokenRegistry();
    const { token } = tokens.issue("arn:exec", "AwaitAssessment");
    tokens.succeed(token, {});

    // Act / Assess
    expect(() => tokens.succeed(token, {})).toThrow(expect.objectContaining({ code: "TaskTimedOut" }));
    expect(() => tokens.succeed("not-a-token", {})).toThrow(
      expect.objectContaining({ code: "InvalidToken" }),
    );
    expect(() => tokens.succeed("A".repeat(64), {})).toThrow(TaskTokenError);
  });

  it("closes the waiting tokens of an execution that timed out or ended", () => {
    // Prepare
    const tokens = new TaskTokenRegistry();
    const timedOut = tokens.issue("arn:exec", "AwaitAssessment").token;
    const ended = tokens.issue("arn:other", "AwaitAssessment").token;

    // Act
    tokens.expire("arn:exec", "AwaitAssessment");
    tokens.closeExecution("arn:other");

    // Assess
    expect(() => tokens.succeed(timedOut, {})).toThrow(expect.objectContaining({ code: "TaskTimedOut" }));
    expect(() => tokens.succeed(ended, {})).toThrow(expect.objectContaining({ code: "TaskTimedOut" }));
  });
});
