import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseSimulatedClock, SIMULATED_CLOCK_ENV, systemClock } from "../../functions/adapters/clock";
import {
  ClockInputError,
  MAX_TIMER_DELAY_MS,
  parseAdvanceRequest,
  parseClockStart,
  parseIsoDuration,
  parseTimeScale,
  SimulatedClock,
} from "../../lib/local/time/simulated-clock";

const MONDAY_0900_OSLO = "2026-03-02T08:00:00.000Z";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("the simulated clock", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-11-22T07:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
    delete process.env[SIMULATED_CLOCK_ENV];
  });

  it("starts where --clock says and runs --time-scale times faster than real time", () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 43_200 });

    // Act
    vi.advanceTimersByTime(1_000);

    // Assess: one real second is twelve simulated hours.
    expect(clock.now().toISOString()).toBe("2026-03-02T20:00:00.000Z");
  });

  it("is real time without --clock and --time-scale", () => {
    const clock = new SimulatedClock();
    vi.advanceTimersByTime(1_234);
    expect(clock.nowMs()).toBe(Date.now());
  });

  it("moves only forward, by a duration or to an instant", () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO });

    // Act
    const advanced = clock.advance(36 * HOUR);
    const moved = clock.advanceTo("2026-03-05T08:00:00Z");

    // Assess
    expect(advanced.toISOString()).toBe("2026-03-03T20:00:00.000Z");
    expect(moved.toISOString()).toBe("2026-03-05T08:00:00.000Z");
    expect(() => clock.advanceTo(MONDAY_0900_OSLO)).toThrow(/only moves forward/);
    expect(() => clock.advance(-1)).toThrow(ClockInputError);
  });

  it("fires a sleep after (instant - now) / scale real milliseconds", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 3_600 });
    const fired = vi.fn();

    // Act
    void clock.sleepUntil(new Date(Date.parse(MONDAY_0900_OSLO) + 2 * HOUR)).then(fired);
    await vi.advanceTimersByTimeAsync(1_999);
    const before = fired.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1);

    // Assess: two simulated hours at 3600x are two real seconds.
    expect(before).toBe(0);
    expect(fired).toHaveBeenCalledOnce();
    expect(clock.pendingSleeps).toBe(0);
  });

  it("fires at once, in order, the sleeps whose instants an advance skips, and re-times the rest", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO });
    const start = Date.parse(MONDAY_0900_OSLO);
    const fired: string[] = [];
    void clock.sleepUntil(start + 2 * DAY).then(() => fired.push("second"));
    void clock.sleepUntil(start + DAY).then(() => fired.push("first"));
    void clock.sleepUntil(start + 10 * DAY).then(() => fired.push("later"));

    // Act
    clock.advance(3 * DAY);
    await vi.advanceTimersByTimeAsync(0);

    // Assess
    expect(fired).toEqual(["first", "second"]);
    expect(clock.pendingSleeps).toBe(1);
    await vi.advanceTimersByTimeAsync(7 * DAY - 1);
    expect(fired).toEqual(["first", "second"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(["first", "second", "later"]);
  });

  it("never asks setTimeout for more than 2^31-1 ms, so a 40-day sleep does not fire at once", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO });
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const fired = vi.fn();

    // Act
    void clock.sleepUntil(Date.parse(MONDAY_0900_OSLO) + 40 * DAY).then(fired);
    await vi.advanceTimersByTimeAsync(39 * DAY);
    const after39Days = fired.mock.calls.length;
    await vi.advanceTimersByTimeAsync(DAY);

    // Assess
    expect(after39Days).toBe(0);
    expect(fired).toHaveBeenCalledOnce();
    const delays = setTimeoutSpy.mock.calls.map((call) => Number(call[1]));
    expect(Math.max(...delays)).toBe(MAX_TIMER_DELAY_MS);
    expect(delays.length).toBeLessThanOrEqual(3);
  });

  it("gives up a sleep when its signal aborts, and holds no timer for it", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO });
    const controller = new AbortController();
    const sleeping = clock.sleepUntil(Date.parse(MONDAY_0900_OSLO) + DAY, controller.signal);

    // Act
    controller.abort(new Error("stopped"));

    // Assess
    await expect(sleeping).rejects.toThrow("stopped");
    expect(clock.pendingSleeps).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stands still while paused and runs from where it stands on resume", async () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 43_200, paused: true });
    const fired = vi.fn();
    void clock.sleepUntil(Date.parse(MONDAY_0900_OSLO) + HOUR).then(fired);

    // Act
    await vi.advanceTimersByTimeAsync(10_000);
    const whilePaused = clock.now().toISOString();
    clock.resume();
    await vi.advanceTimersByTimeAsync(100);

    // Assess
    expect(whilePaused).toBe(MONDAY_0900_OSLO);
    expect(fired).toHaveBeenCalledOnce();
  });

  it("stands still while held, for the handlers too, and runs on from where it stood once every hold is released", async () => {
    // Prepare: twelve simulated hours a real second.
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 43_200 });
    clock.onChange(() => {
      process.env[SIMULATED_CLOCK_ENV] = clock.envValue();
    });
    const fired = vi.fn();
    void clock.sleepUntil(Date.parse(MONDAY_0900_OSLO) + HOUR).then(fired);

    // Act: two holds over two real seconds (two cold starts side by side), released one by one.
    const releaseFirst = clock.hold();
    const releaseSecond = clock.hold();
    await vi.advanceTimersByTimeAsync(2_000);
    const held = [clock.now().toISOString(), systemClock.now().toISOString(), fired.mock.calls.length];
    releaseFirst();
    releaseFirst(); // a second call of one release releases nothing more
    await vi.advanceTimersByTimeAsync(1_000);
    const stillHeld = clock.now().toISOString();
    releaseSecond();
    await vi.advanceTimersByTimeAsync(100);

    // Assess
    expect(held).toEqual([MONDAY_0900_OSLO, MONDAY_0900_OSLO, 0]);
    expect(stillHeld).toBe(MONDAY_0900_OSLO);
    expect(fired).toHaveBeenCalledOnce();
    expect(clock.nowMs()).toBe(Date.parse(MONDAY_0900_OSLO) + 100 * 43_200);
    expect(systemClock.now().getTime()).toBe(clock.nowMs());
  });

  it("stays paused when holds taken before it ran are released", () => {
    // Prepare: paused until the stack is ready.
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 43_200, paused: true });

    // Act
    clock.hold()();
    vi.advanceTimersByTime(1_000);

    // Assess
    expect(clock.paused).toBe(true);
    expect(clock.now().toISOString()).toBe(MONDAY_0900_OSLO);
  });

  it("hands the handlers the same time through FRIST_SIMULATED_CLOCK, rewritten on every advance", () => {
    // Prepare
    const clock = new SimulatedClock({ start: MONDAY_0900_OSLO, scale: 60 });
    process.env[SIMULATED_CLOCK_ENV] = clock.envValue();
    clock.onChange(() => {
      process.env[SIMULATED_CLOCK_ENV] = clock.envValue();
    });

    // Act
    vi.advanceTimersByTime(1_000);
    const afterASecond = systemClock.now().toISOString();
    clock.advance(DAY);
    const afterAdvance = systemClock.now().toISOString();

    // Assess
    expect(afterASecond).toBe("2026-03-02T08:01:00.000Z");
    expect(afterAdvance).toBe("2026-03-03T08:01:00.000Z");
    expect(systemClock.now().getTime()).toBe(clock.nowMs());
    expect(parseSimulatedClock(clock.envValue())).toEqual(clock.anchor);
  });
});

describe("reading the clock's inputs", () => {
  it("takes --clock as an ISO timestamp with a time zone, and says what is wrong otherwise", () => {
    expect(parseClockStart("2026-03-02T08:00:00Z").toISOString()).toBe(MONDAY_0900_OSLO);
    expect(parseClockStart("2026-03-02T09:00+01:00").toISOString()).toBe(MONDAY_0900_OSLO);
    expect(parseClockStart("2026-03-02T08:00:00.5Z").toISOString()).toBe("2026-03-02T08:00:00.500Z");
    for (const bad of ["tomorrow", "2026-03-02", "2026-03-02T09:00:00", "2026-02-30T08:00:00Z", ""]) {
      expect(() => parseClockStart(bad)).toThrow(/^--clock: not an ISO timestamp with a time zone/);
    }
  });

  it("takes --time-scale as a positive number", () => {
    expect(parseTimeScale("43200")).toBe(43_200);
    expect(parseTimeScale("0.5")).toBe(0.5);
    for (const bad of ["0", "-2", "fast", "", "Infinity"]) {
      expect(() => parseTimeScale(bad)).toThrow(/^--time-scale: not a positive number/);
    }
  });

  it("reads ISO 8601 durations of weeks, days, hours, minutes and seconds", () => {
    expect(parseIsoDuration("PT36H")).toBe(36 * HOUR);
    expect(parseIsoDuration("P2DT4H30M")).toBe(2 * DAY + 4.5 * HOUR);
    expect(parseIsoDuration("P1W")).toBe(7 * DAY);
    expect(parseIsoDuration("PT0.5S")).toBe(500);
    for (const bad of ["P1M", "P1Y", "P", "PT", "36h", "PT-1H"]) {
      expect(() => parseIsoDuration(bad)).toThrow(ClockInputError);
    }
  });

  it("reads an advance request as a target instant, forward only", () => {
    const now = Date.parse(MONDAY_0900_OSLO);
    expect(parseAdvanceRequest({ by: "PT36H" }, now)).toBe(now + 36 * HOUR);
    expect(parseAdvanceRequest({ by: 90_000 }, now)).toBe(now + 90_000);
    expect(parseAdvanceRequest({ to: "2026-03-12T00:00:00+01:00" }, now)).toBe(
      Date.parse("2026-03-11T23:00:00Z"),
    );
    expect(() => parseAdvanceRequest({ to: "2026-03-01T00:00:00Z" }, now)).toThrow(/only moves forward/);
    expect(() => parseAdvanceRequest({ by: -5 }, now)).toThrow(/only moves forward/);
    expect(() => parseAdvanceRequest({ by: "PT1H", to: MONDAY_0900_OSLO }, now)).toThrow(/exactly one/);
    expect(() => parseAdvanceRequest({}, now)).toThrow(/exactly one/);
    expect(() => parseAdvanceRequest([], now)).toThrow(/JSON object/);
  });
});

describe("the clock port of the handlers", () => {
  afterEach(() => {
    delete process.env[SIMULATED_CLOCK_ENV];
  });

  it("is the system clock when FRIST_SIMULATED_CLOCK is absent, as on Lambda", () => {
    delete process.env[SIMULATED_CLOCK_ENV];
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("follows the variable's anchor and scale, and a rewrite of it", () => {
    const real = Date.now();
    process.env[SIMULATED_CLOCK_ENV] = `${Date.parse(MONDAY_0900_OSLO)}:${real}:1`;
    const first = systemClock.now().getTime();
    process.env[SIMULATED_CLOCK_ENV] = `${Date.parse("2030-01-01T00:00:00Z")}:${real}:1`;
    const second = systemClock.now().getTime();
    expect(first - Date.parse(MONDAY_0900_OSLO)).toBeGreaterThanOrEqual(0);
    expect(first - Date.parse(MONDAY_0900_OSLO)).toBeLessThan(1_000);
    expect(second - Date.parse("2030-01-01T00:00:00Z")).toBeLessThan(1_000);
  });

  it("refuses a malformed value, naming the variable", () => {
    for (const bad of ["yesterday", "1:2", "1:2:-1", "a:b:c"]) {
      process.env[SIMULATED_CLOCK_ENV] = bad;
      expect(() => systemClock.now()).toThrow(/FRIST_SIMULATED_CLOCK/);
    }
  });
});
