/**
 * Scheduled rules on the local default: read from the synthesized template, run on real time scaled
 * by the time scale, never overlapping themselves, and on demand with runNow().
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFristApp } from "../../lib/app";
import {
  MIN_INTERVAL_MS,
  rateToMs,
  readSchedules,
  type SchedulesOptions,
  startSchedules,
} from "../../lib/local/stepfunctions/schedules";
import type { CfnTemplate } from "../../lib/local/template";
import { SimulatedClock } from "../../lib/local/time/simulated-clock";

// Only the tables are read here: the template tests validate the template.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const fristTemplate = app.synth().getStackByName(stack.stackName).template as CfnTemplate;

/** A template with one rule every `rate` targeting function Fn, plus a cron rule and a disabled rule. */
function templateWith(rate: string): CfnTemplate {
  return {
    Resources: {
      Fn: { Type: "AWS::Lambda::Function", Metadata: { "frist:entry": "functions/handlers/x.ts" } },
      Every: {
        Type: "AWS::Events::Rule",
        Properties: {
          ScheduleExpression: rate,
          State: "ENABLED",
          Targets: [{ Arn: { "Fn::GetAtt": ["Fn", "Arn"] }, Id: "T" }],
        },
      },
      Cron: {
        Type: "AWS::Events::Rule",
        Properties: {
          ScheduleExpression: "cron(0 12 * * ? *)",
          Targets: [{ Arn: { "Fn::GetAtt": ["Fn", "Arn"] } }],
        },
      },
      Off: {
        Type: "AWS::Events::Rule",
        Properties: {
          ScheduleExpression: "rate(1 minute)",
          State: "DISABLED",
          Targets: [{ Arn: { "Fn::GetAtt": ["Fn", "Arn"] } }],
        },
      },
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("local schedules", () => {
  it("reads rate expressions in minutes, hours and days, and nothing else", () => {
    expect(rateToMs("rate(15 minutes)")).toBe(900_000);
    expect(rateToMs("rate(1 minute)")).toBe(60_000);
    expect(rateToMs("rate(2 hours)")).toBe(7_200_000);
    expect(rateToMs("rate(1 day)")).toBe(86_400_000);
    expect(rateToMs("rate(0 minutes)")).toBeUndefined();
    expect(rateToMs("cron(0 12 * * ? *)")).toBeUndefined();
  });

  it("finds the agenda and reconciler rules of the synthesized template every 15 minutes, the EDI mailbox's every minute, and leaves out an excluded one", () => {
    // Act
    const rules = readSchedules(fristTemplate);

    // Assess
    const entryOf = (rule: (typeof rules)[number] | undefined) =>
      fristTemplate.Resources?.[rule?.targets[0]?.functionLogicalId ?? ""]?.Metadata?.["frist:entry"];
    expect(rules.map(entryOf).sort()).toEqual([
      "functions/handlers/poll-edi-mailbox.ts",
      "functions/handlers/reconcile-workflows.ts",
      "functions/handlers/send-agendas.ts",
    ]);
    for (const rule of rules) {
      expect(rule.periodMs).toBe(
        entryOf(rule) === "functions/handlers/poll-edi-mailbox.ts" ? 60_000 : 900_000,
      );
    }
    const reconciler = rules.find((rule) => entryOf(rule) === "functions/handlers/reconcile-workflows.ts");
    const running = startSchedules({
      template: fristTemplate,
      region: "eu-north-1",
      invoke: async () => ({}),
      manual: true,
      exclude: [reconciler?.targets[0]?.functionLogicalId ?? ""],
    });
    expect(running.rules.map(entryOf).sort()).toEqual([
      "functions/handlers/poll-edi-mailbox.ts",
      "functions/handlers/send-agendas.ts",
    ]);
  });

  it("invokes the target with a Scheduled Event on the scaled interval, skipping cron and disabled rules", async () => {
    // Prepare: rate(1 minute) at 60 times real speed runs every second.
    vi.useFakeTimers();
    const calls: { id: string; event: Record<string, unknown> }[] = [];
    const schedules = startSchedules({
      template: templateWith("rate(1 minute)"),
      region: "eu-north-1",
      timeScale: 60,
      now: () => new Date("2026-03-02T08:00:00Z"),
      invoke: async (id, event) => {
        calls.push({ id, event: event as Record<string, unknown> });
        return { ok: true };
      },
    });

    // Act
    await vi.advanceTimersByTimeAsync(3_500);
    await schedules.stop();
    await vi.advanceTimersByTimeAsync(5_000);

    // Assess
    expect(schedules.rules.map((rule) => rule.ruleLogicalId)).toEqual(["Every"]);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      id: "Fn",
      event: {
        "detail-type": "Scheduled Event",
        source: "aws.events",
        time: "2026-03-02T08:00:00Z",
        region: "eu-north-1",
        resources: ["arn:aws:events:eu-north-1:000000000000:rule/Every"],
      },
    });
  });

  it("never overlaps a rule with itself, and runNow waits for the run in flight", async () => {
    // Prepare: every 15 minutes at 3600 times real speed is every 250 ms; the function takes 1 s.
    vi.useFakeTimers();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const schedules = startSchedules({
      template: templateWith("rate(15 minutes)"),
      region: "eu-north-1",
      timeScale: 3600,
      invoke: async () => {
        calls += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        running -= 1;
        return calls;
      },
    });

    // Act
    await vi.advanceTimersByTimeAsync(1_100);
    const now = schedules.runNow();
    await vi.advanceTimersByTimeAsync(2_000);
    const runs = await now;
    const stopping = schedules.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;

    // Assess
    expect(maxRunning).toBe(1);
    expect(runs).toEqual([
      { ruleLogicalId: "Every", functionLogicalId: "Fn", ok: true, result: expect.any(Number) },
    ]);
    expect(runs[0]?.result).toBeGreaterThanOrEqual(2);
  });

  it("keeps going after a failing run and reports only the error's name", async () => {
    // Prepare
    const logged: string[] = [];
    const schedules = startSchedules({
      template: templateWith("rate(1 hour)"),
      region: "eu-north-1",
      manual: true,
      log: (line) => logged.push(line),
      invoke: async () => {
        const error = new Error("Kari Nordmann 15038512282");
        error.name = "ThrottlingException";
        throw error;
      },
    });

    // Act
    const first = await schedules.runNow();
    const second = await schedules.runNow();
    await schedules.stop();

    // Assess
    expect(first).toEqual([
      { ruleLogicalId: "Every", functionLogicalId: "Fn", ok: false, errorName: "ThrottlingException" },
    ]);
    expect(second).toHaveLength(1);
    expect(logged.join("\n")).not.toContain("Kari");
  });

  /** Schedules on a simulated clock, wired as the local stack wires them. */
  const onClock = (clock: SimulatedClock, rate: string, invoke: SchedulesOptions["invoke"]) =>
    startSchedules({
      template: templateWith(rate),
      region: "eu-north-1",
      timeScale: clock.scale,
      now: () => clock.now(),
      sleepUntil: (instant, signal) => clock.sleepUntil(instant, signal),
      invoke,
    });

  it("on a clock 43200 times faster than real time, runs a one-minute rule once per 250 ms of real time, not back to back", async () => {
    // Prepare: 43200x is 720 simulated minutes per real second; each run takes 10 real ms.
    vi.useFakeTimers();
    const clock = new SimulatedClock({ start: "2026-03-02T08:00:00Z", scale: 43_200 });
    const eventTimes: number[] = [];
    const schedules = onClock(clock, "rate(1 minute)", async (_id, event) => {
      eventTimes.push(Date.parse(String((event as { time: string }).time)));
      await new Promise((resolve) => setTimeout(resolve, 10));
      return {};
    });

    // Act: two real seconds, 1,440 simulated minutes.
    await vi.advanceTimersByTimeAsync(2_000);
    await schedules.stop();
    clock.close();

    // Assess: eight runs (one per MIN_INTERVAL_MS), each carrying the clock's time as it ran.
    expect(eventTimes).toHaveLength(2_000 / MIN_INTERVAL_MS);
    const gaps = eventTimes.slice(1).map((time, i) => time - (eventTimes[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MIN_INTERVAL_MS * 43_200);
  });

  it("on a clock moved by jumps, runs a rule as soon as the clock passes its next run", async () => {
    // Prepare: simulated time at real speed; a rule every 15 minutes.
    vi.useFakeTimers();
    const clock = new SimulatedClock({ start: "2026-03-02T08:00:00Z" });
    let runs = 0;
    const schedules = onClock(clock, "rate(15 minutes)", async () => {
      runs += 1;
      return {};
    });

    // Act: two jumps past a run, 1 ms of real time apart.
    clock.advance(16 * 60_000);
    await vi.advanceTimersByTimeAsync(1);
    const afterFirstJump = runs;
    clock.advance(15 * 60_000);
    await vi.advanceTimersByTimeAsync(1);
    await schedules.stop();
    clock.close();

    // Assess
    expect(afterFirstJump).toBe(1);
    expect(runs).toBe(2);
  });
});
