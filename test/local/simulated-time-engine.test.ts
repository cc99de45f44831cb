import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createActivity } from "../../lib/local/lambda/activity";
import { type OperationsServer, startOperationsServer } from "../../lib/local/operations/server";
import {
  type StepFunctionsLocalServer,
  startStepFunctionsLocal,
} from "../../lib/local/stepfunctions/endpoint";
import { SimulatedClock } from "../../lib/local/time/simulated-clock";

// The deadline timer's shape, as the synthesized workflow has it: a callback task waits until a
// timeout the step before computed, and its Catch on States.Timeout leads to the next timer step.
const fnArn = (name: string) => `arn:aws:lambda:eu-north-1:000000000000:function:${name}`;
const invoke = (name: string, payload: Record<string, unknown>) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: fnArn(name), Payload: payload },
});
const awaitDecision = (timeoutPath: string, next: string) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
  Parameters: {
    FunctionName: fnArn("Notify"),
    Payload: { "referralId.$": "$.referralId", "taskToken.$": "$$.Task.Token" },
  },
  TimeoutSecondsPath: timeoutPath,
  ResultPath: "$.assessment",
  Catch: [
    { ErrorEquals: ["States.Timeout"], ResultPath: null, Next: next },
    { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Failed" },
  ],
  Next: "Done",
});
const timerDefinition = {
  StartAt: "Plan",
  States: {
    Plan: {
      ...invoke("Plan", { "referralId.$": "$.referralId" }),
      ResultSelector: { "seconds.$": "$.Payload.seconds" },
      ResultPath: "$.plan",
      Next: "AwaitAssessment",
    },
    AwaitAssessment: awaitDecision("$.plan.seconds", "Remind"),
    Remind: {
      ...invoke("Remind", { "referralId.$": "$.referralId" }),
      ResultSelector: { "seconds.$": "$.Payload.seconds" },
      ResultPath: "$.timer",
      Next: "AwaitAfterReminder",
    },
    AwaitAfterReminder: awaitDecision("$.timer.seconds", "Failed"),
    Done: { Type: "Succeed" },
    Failed: { Type: "Fail", Error: "Frist.Failed" },
  },
};
const waitDefinition = {
  StartAt: "Pause",
  TimeoutSeconds: 10 * 86_400,
  States: {
    Pause: { Type: "Wait", SecondsPath: "$.pauseSeconds", Next: "Record" },
    Record: { ...invoke("Record", { "referralId.$": "$.referralId" }), ResultPath: null, End: true },
  },
};
const arnOf = (name: string) => `arn:aws:states:eu-north-1:000000000000:stateMachine:${name}`;

const MONDAY_0900_OSLO = "2026-03-02T08:00:00.000Z";
const DAY = 86_400_000;

let clock: SimulatedClock;
let server: StepFunctionsLocalServer;
/** The clock and the operations page, on a server of their own beside the Step Functions API. */
let operations: OperationsServer;
let sfn: SFNClient;
const calls: Array<{ fn: string; at: string; payload: Record<string, unknown> }> = [];
const tokens = new Map<string, string[]>();
const secondsToReminder = 7 * 86_400;

beforeAll(async () => {
  clock = new SimulatedClock({ start: MONDAY_0900_OSLO });
  server = await startStepFunctionsLocal({
    stateMachines: [
      { arn: arnOf("Timer"), name: "Timer", definition: timerDefinition },
      { arn: arnOf("Waiting"), name: "Waiting", definition: waitDefinition },
    ],
    region: "eu-north-1",
    clock,
    invoke: async (fn, payload) => {
      const input = payload as Record<string, unknown>;
      calls.push({ fn, at: clock.now().toISOString(), payload: input });
      if (fn === "Plan") return { seconds: secondsToReminder };
      if (fn === "Remind") return { seconds: 3 * 86_400 };
      if (fn === "Notify") {
        const id = String(input.referralId);
        tokens.set(id, [...(tokens.get(id) ?? []), String(input.taskToken)]);
      }
      return {};
    },
  });
  operations = await startOperationsServer({ engine: server.engine });
  sfn = new SFNClient({
    endpoint: server.endpoint,
    region: "eu-north-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterAll(async () => {
  sfn?.destroy();
  await operations?.stop();
  await server?.stop();
  clock?.close();
});

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const tokensOf = (id: string, count: number) =>
  eventually(() => {
    const issued = tokens.get(id) ?? [];
    return issued.length >= count ? issued : undefined;
  }, `${count} task token(s) of ${id}`);
const callsTo = (fn: string, id: string) =>
  calls.filter((call) => call.fn === fn && call.payload.referralId === id);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function advance(body: unknown) {
  const response = await fetch(`${operations.clockUrl}/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the local engine on simulated time", () => {
  it("routes a callback task's timeout on the clock to its Catch on States.Timeout, and its token answers TaskTimedOut", async () => {
    // Prepare
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arnOf("Timer"),
        name: "timer-1",
        input: JSON.stringify({ referralId: "timer-1" }),
      }),
    );
    const [first] = await tokensOf("timer-1", 1);

    // Act: not yet at the timeout, then past it.
    clock.advance(7 * DAY - 60_000);
    await pause(50);
    const remindedEarly = callsTo("Remind", "timer-1").length;
    clock.advance(120_000);
    const [, second] = await tokensOf("timer-1", 2);

    // Assess
    expect(remindedEarly).toBe(0);
    expect(callsTo("Remind", "timer-1")).toEqual([
      expect.objectContaining({ at: expect.stringMatching(/^2026-03-09T08:0/) }),
    ]);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: String(first), output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: String(second),
        output: JSON.stringify({ outcome: "granted" }),
      }),
    );
    await server.engine.waitForExecution(String(executionArn));
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(String(done.output))).toMatchObject({ assessment: { outcome: "granted" } });
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = history.events?.map((event) => event.type) ?? [];
    expect(types).toContain("TaskTimedOut");
    expect(types.filter((type) => type === "TaskStateEntered")).toHaveLength(4);
    // The history, start and stop tell simulated time.
    expect(done.startDate?.toISOString().slice(0, 10)).toBe("2026-03-02");
    expect(done.stopDate?.toISOString().slice(0, 10)).toBe("2026-03-09");
  });

  it("sleeps a Wait state on the clock, shows it as a Wait state, and times the execution out on the clock", async () => {
    // Prepare
    const start = (name: string, pauseSeconds: number) =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: arnOf("Waiting"),
          name,
          input: JSON.stringify({ referralId: name, pauseSeconds }),
        }),
      );
    const short = await start("wait-short", 86_400);
    const long = await start("wait-long", 30 * 86_400);
    await pause(50);
    const recordedBefore = callsTo("Record", "wait-short").length;

    // Act
    const moved = await advance({ by: "P1D" });
    await server.engine.waitForExecution(String(short.executionArn));
    const longBeforeTimeout = server.engine.describeExecution(String(long.executionArn)).status;
    await advance({ by: "P9D" });
    await server.engine.waitForExecution(String(long.executionArn));

    // Assess
    expect(moved.status).toBe(200);
    expect(recordedBefore).toBe(0);
    expect(server.engine.describeExecution(String(short.executionArn)).status).toBe("SUCCEEDED");
    expect(longBeforeTimeout).toBe("RUNNING");
    expect(server.engine.describeExecution(String(long.executionArn)).status).toBe("TIMED_OUT");
    expect(callsTo("Record", "wait-long")).toEqual([]);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: short.executionArn }));
    const types = history.events?.map((event) => event.type) ?? [];
    expect(types.slice(0, 3)).toEqual(["ExecutionStarted", "WaitStateEntered", "WaitStateExited"]);
    const longHistory = await sfn.send(new GetExecutionHistoryCommand({ executionArn: long.executionArn }));
    expect(longHistory.events?.at(-1)?.type).toBe("ExecutionTimedOut");
  });

  it("tells and moves the clock over HTTP, forward only, and shows it on the operations page", async () => {
    // Prepare
    const before = (await (await fetch(operations.clockUrl)).json()) as { now: string; scale: number };

    // Act
    const byDuration = await advance({ by: "PT36H" });
    const byMillis = await advance({ by: 60_000 });
    const target = new Date(Date.parse(String(byMillis.body.now)) + DAY).toISOString();
    const to = await advance({ to: target });
    const backwards = await advance({ to: MONDAY_0900_OSLO });
    const badDuration = await advance({ by: "three days" });
    const notJson = await fetch(`${operations.clockUrl}/advance`, { method: "POST", body: "soon" });
    // The operations page's own form: a browser sends the page's Origin with it.
    const fromForm = await fetch(`${operations.clockUrl}/advance`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(operations.operationsUrl).origin,
      },
      body: "by=PT1H",
      redirect: "manual",
    });
    const page = await (await fetch(operations.operationsUrl)).text();

    // Assess
    expect(before.scale).toBe(1);
    expect(Date.parse(String(byDuration.body.now)) - Date.parse(before.now)).toBeGreaterThanOrEqual(
      36 * 3_600_000,
    );
    expect(byDuration.body.advancedByMs).toBeGreaterThanOrEqual(36 * 3_600_000);
    expect(to).toMatchObject({ status: 200, body: { now: target, scale: 1 } });
    expect(backwards.status).toBe(400);
    expect(String(backwards.body.message)).toMatch(/only moves forward/);
    expect(badDuration.status).toBe(400);
    expect(notJson.status).toBe(415);
    expect(fromForm.status).toBe(303);
    expect(page).toContain("Simulated time:");
    expect(page).toContain(clock.now().toISOString().slice(0, 13));
  });

  it("refuses to move the clock for a web page: text/plain, a foreign or null Origin, Sec-Fetch-Site cross-site, a form without Origin", async () => {
    // Prepare
    const before = clock.nowMs();
    const post = (headers: Record<string, string>, body = JSON.stringify({ by: "PT1H" })) =>
      fetch(`${operations.clockUrl}/advance`, { method: "POST", headers, body, redirect: "manual" });
    const json = { "content-type": "application/json" };

    // Act
    const answers = {
      textPlain: (await post({ "content-type": "text/plain" })).status,
      noType: (
        await fetch(`${operations.clockUrl}/advance`, { method: "POST", body: new Uint8Array([123, 125]) })
      ).status,
      foreignOrigin: (await post({ ...json, origin: "https://evil.example" })).status,
      nullOrigin: (await post({ ...json, origin: "null" })).status,
      crossSite: (await post({ ...json, "sec-fetch-site": "cross-site" })).status,
      foreignForm: (
        await post(
          { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
          "by=PT1H",
        )
      ).status,
      formWithoutOrigin: (await post({ "content-type": "application/x-www-form-urlencoded" }, "by=PT1H"))
        .status,
    };

    // Assess
    expect(answers).toEqual({
      textPlain: 415,
      noType: 415,
      foreignOrigin: 403,
      nullOrigin: 403,
      crossSite: 403,
      foreignForm: 403,
      formWithoutOrigin: 403,
    });
    expect(clock.nowMs() - before).toBeLessThan(60_000);
  });

  it("refuses Step Functions API calls that no SDK sends: another content type, or any Origin", async () => {
    const call = (headers: Record<string, string>) =>
      fetch(server.endpoint, {
        method: "POST",
        headers: { "x-amz-target": "AWSStepFunctions.ListStateMachines", ...headers },
        body: "{}",
      });

    const textPlain = await call({ "content-type": "text/plain" });
    const fromPage = await call({
      "content-type": "application/x-amz-json-1.0",
      origin: "https://evil.example",
    });
    const sameHostPage = await call({
      "content-type": "application/x-amz-json-1.0",
      origin: new URL(server.endpoint).origin,
    });
    const asSdk = await call({ "content-type": "application/x-amz-json-1.0" });

    expect([textPlain.status, fromPage.status, sameHostPage.status, asSdk.status]).toEqual([
      415, 403, 403, 200,
    ]);
    expect(textPlain.headers.get("x-amzn-errortype")).toBe("UnsupportedMediaTypeException");
    expect(fromPage.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
  });

  it("serves the Step Functions API alone: no operations page, no clock, nothing moved through it", async () => {
    // Prepare
    const before = clock.nowMs();

    // Act
    const page = await fetch(`${server.endpoint}/`);
    const clockReading = await fetch(`${server.endpoint}/clock`);
    const advanceThroughApi = await fetch(`${server.endpoint}/clock/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "P30D" }),
    });
    const resume = await fetch(`${server.endpoint}/recovery/resume`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ referralId: "timer-1" }),
    });

    // Assess
    expect([page.status, clockReading.status, advanceThroughApi.status, resume.status]).toEqual([
      404, 404, 404, 404,
    ]);
    expect(clock.nowMs() - before).toBeLessThan(86_400_000);
    expect(new URL(operations.clockUrl).port).not.toBe(new URL(server.endpoint).port);
  });

  it("at --time-scale 43200, lets a twelve-hour callback timeout pass in about a real second", async () => {
    // Prepare
    const fast = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 43_200 });
    const fastServer = await startStepFunctionsLocal({
      stateMachines: [{ arn: arnOf("Timer"), name: "Timer", definition: timerDefinition }],
      region: "eu-north-1",
      clock: fast,
      invoke: async (fn) => (fn === "Plan" ? { seconds: 43_200 } : { seconds: 43_200 }),
    });
    try {
      const started = Date.now();

      // Act
      const execution = fastServer.engine.startExecution({
        stateMachineArn: arnOf("Timer"),
        name: "fast",
        input: JSON.stringify({ referralId: "fast" }),
      });
      await fastServer.engine.waitForExecution(execution.executionArn, 20_000);

      // Assess: two twelve-hour waits time out (the second into Failed) in about two real seconds:
      // not before, and in seconds rather than the day unscaled waits would take. The upper bound
      // leaves a busy machine (two cores, other suites' JVMs) room for late timers and slow ticks.
      const elapsed = Date.now() - started;
      expect(execution.status).toBe("FAILED");
      expect(elapsed).toBeGreaterThan(1_500);
      expect(elapsed).toBeLessThan(10_000);
    } finally {
      await fastServer.stop();
      fast.close();
    }
  });
});

describe("the clock moved over HTTP while a timer step runs", () => {
  it("moves only once the step has handed its wait to the next state, so the wait ends at its instant", async () => {
    // Prepare: Plan reads the clock, computes the seconds until the reminder point and is held there
    // (a slow cold start on a busy machine), as the clock is asked to jump past that point.
    const reminderAt = Date.parse("2026-03-05T00:00:00.000Z");
    const slowClock = new SimulatedClock({ start: MONDAY_0900_OSLO });
    const activity = createActivity();
    const held = Promise.withResolvers<void>();
    const planStarted = Promise.withResolvers<void>();
    const reminded: string[] = [];
    const slowServer = await startStepFunctionsLocal({
      stateMachines: [{ arn: arnOf("Timer"), name: "Timer", definition: timerDefinition }],
      region: "eu-north-1",
      clock: slowClock,
      invoke: (fn) =>
        activity.track(async () => {
          if (fn === "Plan") {
            const seconds = Math.ceil((reminderAt - slowClock.nowMs()) / 1_000);
            planStarted.resolve();
            await held.promise;
            return { seconds };
          }
          if (fn === "Remind") reminded.push(slowClock.now().toISOString());
          return { seconds: 3 * 86_400 };
        }),
    });
    const slowOperations = await startOperationsServer({
      engine: slowServer.engine,
      settleBeforeClockMoves: () => activity.settled(0, AbortSignal.timeout(10_000)),
    });
    try {
      slowServer.engine.startExecution({
        stateMachineArn: arnOf("Timer"),
        name: "slow-plan",
        input: JSON.stringify({ referralId: "slow-plan" }),
      });
      await planStarted.promise;

      // Act: ask for a minute past the reminder point while Plan runs, then let Plan answer.
      const jump = fetch(`${slowOperations.clockUrl}/advance`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ to: new Date(reminderAt + 60_000).toISOString() }),
      });
      await pause(200);
      const movedWhilePlanRan = slowClock.nowMs() >= reminderAt;
      held.resolve();
      const answer = await jump;

      // Assess: the jump waited for Plan, and the reminder came at the jump, not days after it.
      expect(movedWhilePlanRan).toBe(false);
      expect(answer.status).toBe(200);
      await eventually(() => (reminded.length > 0 ? reminded : undefined), "the reminder step");
      expect(reminded[0]?.slice(0, 16)).toBe("2026-03-05T00:01");
    } finally {
      held.resolve();
      await slowOperations.stop();
      await slowServer.stop();
      slowClock.close();
    }
  });
});
