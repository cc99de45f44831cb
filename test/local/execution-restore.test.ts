/**
 * The local Step Functions engine with a data directory: its executions survive a stop and a new
 * engine on the same directory, as Standard executions survive anything on AWS. A callback task waits
 * again on the same token until the same deadline on the simulated clock, a Wait state sleeps until
 * the same instant, and a step that was running when the engine stopped runs again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalStepFunctions, performOperation } from "../../lib/local/stepfunctions/endpoint";
import { SimulatedClock } from "../../lib/local/time/simulated-clock";

const fnArn = (name: string) => `arn:aws:lambda:eu-north-1:000000000000:function:${name}`;
const invoke = (name: string) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: fnArn(name), Payload: { "referralId.$": "$.referralId" } },
});
const definition = {
  StartAt: "Plan",
  States: {
    Plan: {
      ...invoke("Plan"),
      ResultSelector: { "seconds.$": "$.Payload.seconds" },
      ResultPath: "$.plan",
      Next: "Await",
    },
    Await: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: fnArn("Notify"),
        Payload: { "referralId.$": "$.referralId", "taskToken.$": "$$.Task.Token" },
      },
      TimeoutSecondsPath: "$.plan.seconds",
      ResultPath: "$.assessment",
      Catch: [{ ErrorEquals: ["States.Timeout"], ResultPath: null, Next: "Remind" }],
      Next: "Pause",
    },
    Remind: { ...invoke("Remind"), ResultPath: null, Next: "Await" },
    Pause: { Type: "Wait", Seconds: 3600, Next: "Letters" },
    Letters: { ...invoke("Letters"), ResultPath: null, End: true },
  },
};
const ARN = "arn:aws:states:eu-north-1:000000000000:stateMachine:Restore";
const START = "2026-03-02T08:00:00.000Z";
const HOUR = 3_600_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const stop = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

/** An engine on the data directory whose functions record their calls (Notify keeps the token). */
function engineOn(dataDir: string, clock: SimulatedClock) {
  const calls: Array<{ fn: string; at: number; payload: Record<string, unknown> }> = [];
  const engine = new LocalStepFunctions(
    [{ arn: ARN, name: "Restore", definition }],
    async (functionName, payload) => {
      const p = payload as Record<string, unknown>;
      calls.push({ fn: functionName, at: clock.nowMs(), payload: p });
      if (functionName === "Plan") return { seconds: 8 * 3600 };
      return {};
    },
    "eu-north-1",
    { clock, dataDir },
  );
  return { engine, calls };
}

let dataDir: string | undefined;
const engines: LocalStepFunctions[] = [];
afterEach(() => {
  for (const engine of engines.splice(0)) engine.suspendAll();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the local engine with a data directory", () => {
  it("resumes a callback task after a restart on the same token, and times it out at the same deadline", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "frist-restore-"));
    const first = engineOn(dataDir, new SimulatedClock({ start: START }));
    engines.push(first.engine);
    const started = first.engine.startExecution({
      stateMachineArn: ARN,
      name: "r-1",
      input: '{"referralId":"r-1"}',
    });
    const notify = await until(() => first.calls.find((call) => call.fn === "Notify"), "the first Notify");
    const token = String(notify.payload.taskToken);
    await until(
      () => first.engine.tokens.list(started.executionArn).find((t) => t.status === "waiting"),
      "the waiting token",
    );
    await pause(20); // the task is submitted once Notify returned: let the engine write that down
    first.engine.suspendAll();

    // A new engine (a restarted stack) on the same directory, two hours later on the clock.
    const clock = new SimulatedClock({ start: Date.parse(START) + 2 * HOUR });
    const second = engineOn(dataDir, clock);
    engines.push(second.engine);
    const restored = second.engine.restore();
    expect(restored.resumed).toEqual(["r-1"]);
    expect(second.engine.describeExecution(started.executionArn).status).toBe("RUNNING");
    await until(
      () =>
        second.engine.tokens
          .list(started.executionArn)
          .find((t) => t.token === token && t.status === "waiting"),
      "the same token waiting again",
    );
    // Notify did not run again: nobody is told twice, the stored token is the one that waits.
    expect(second.calls.filter((call) => call.fn === "Notify")).toEqual([]);

    // The deadline stays eight hours after the first Notify: six more hours, not eight.
    clock.advance(6 * HOUR - 60_000);
    await pause(50);
    expect(second.calls.filter((call) => call.fn === "Remind")).toEqual([]);
    clock.advance(120_000);
    const remind = await until(() => second.calls.find((call) => call.fn === "Remind"), "the reminder");
    expect(remind.at).toBeGreaterThanOrEqual(Date.parse(START) + 8 * HOUR);
    // The old token answers as a task that no longer waits; the re-armed wait has a fresh one.
    expect(() =>
      performOperation(second.engine, "SendTaskSuccess", { taskToken: token, output: "{}" }),
    ).toThrow(/Task Timed Out|does not exist/);
  });

  it("goes on after a restart with the decision sent just before it, sleeps out a Wait state's instant, and records the end", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "frist-restore-"));
    const first = engineOn(dataDir, new SimulatedClock({ start: START }));
    engines.push(first.engine);
    const started = first.engine.startExecution({
      stateMachineArn: ARN,
      name: "r-2",
      input: '{"referralId":"r-2"}',
    });
    const notify = await until(() => first.calls.find((call) => call.fn === "Notify"), "Notify");
    await pause(20);
    performOperation(first.engine, "SendTaskSuccess", {
      taskToken: String(notify.payload.taskToken),
      output: '{"taskId":"t","outcome":"granted"}',
    });
    // Stopped at once: the engine wrote the decision down before answering.
    first.engine.suspendAll();

    let clock = new SimulatedClock({ start: START });
    let second = engineOn(dataDir, clock);
    engines.push(second.engine);
    expect(second.engine.restore().resumed).toEqual(["r-2"]);
    await until(
      () =>
        second.engine.history(started.executionArn).some((e) => e.type === "WaitStateEntered")
          ? true
          : undefined,
      "the Wait state",
    );
    await pause(20);
    second.engine.suspendAll();

    // And again: the Wait state keeps its instant (an hour after it was entered).
    clock = new SimulatedClock({ start: Date.parse(START) + 30 * 60_000 });
    second = engineOn(dataDir, clock);
    engines.push(second.engine);
    expect(second.engine.restore().resumed).toEqual(["r-2"]);
    await pause(50);
    expect(second.calls).toEqual([]);
    clock.advance(31 * 60_000);
    const done = await second.engine.waitForExecution(started.executionArn, 5_000);
    expect(done.status).toBe("SUCCEEDED");
    expect(second.calls.map((call) => call.fn)).toEqual(["Letters"]);
    const types = second.engine.history(started.executionArn).map((event) => event.type);
    expect(types.filter((type) => type === "ExecutionStarted")).toHaveLength(1);
    expect(types.at(-1)).toBe("ExecutionSucceeded");

    // A third engine finds it finished and resumes nothing.
    const third = engineOn(dataDir, new SimulatedClock({ start: START }));
    engines.push(third.engine);
    await pause(20);
    second.engine.flush();
    const again = third.engine.restore();
    expect(again.resumed).toEqual([]);
    expect(third.engine.describeExecution(started.executionArn).status).toBe("SUCCEEDED");
  });

  it("runs a step again that was running when the engine stopped", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "frist-restore-"));
    const clock = new SimulatedClock({ start: START });
    let release: () => void = () => undefined;
    const planCalls: number[] = [];
    const engine = new LocalStepFunctions(
      [{ arn: ARN, name: "Restore", definition }],
      async (functionName) => {
        if (functionName === "Plan") {
          planCalls.push(clock.nowMs());
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { seconds: 60 };
        }
        return {};
      },
      "eu-north-1",
      { clock, dataDir },
    );
    engines.push(engine);
    engine.startExecution({ stateMachineArn: ARN, name: "r-3", input: '{"referralId":"r-3"}' });
    await until(() => (planCalls.length === 1 ? true : undefined), "Plan running");
    await pause(20);
    engine.suspendAll();
    release();

    const second = engineOn(dataDir, clock);
    engines.push(second.engine);
    expect(second.engine.restore().resumed).toEqual(["r-3"]);
    await until(() => second.calls.find((call) => call.fn === "Notify"), "Plan again, then Notify");
    expect(second.calls.map((call) => call.fn)).toEqual(["Plan", "Notify"]);
  });
});
