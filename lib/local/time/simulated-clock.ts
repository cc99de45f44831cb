/**
 * The local runtime's clock: simulated time that starts where `--clock` says and runs `--time-scale`
 * times faster than real time, and that tests and demos can move forward. Without either flag it is
 * real time (start now, scale 1), and the local default behaves as before.
 *
 * One clock drives everything time-dependent in the local default: the handlers read it through
 * FRIST_SIMULATED_CLOCK (see functions/adapters/clock.ts, the contract lives there), and the local
 * workflow engine's task timeouts, Wait states and execution timeouts sleep on it through
 * {@link SimulatedClock.sleepUntil} (see ../stepfunctions/asl.ts). Local only: nothing here is deployed.
 */
import {
  formatSimulatedClock,
  type SimulatedClockAnchor,
  simulatedEpochMsAt,
} from "../../../functions/adapters/clock";

/** The longest delay Node's setTimeout honours (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A point in time as the clock accepts it: a Date, epoch milliseconds, or an ISO timestamp. */
export type Instant = Date | number | string;

/** Options of {@link SimulatedClock}. */
export interface SimulatedClockOptions {
  /** Start of simulated time; default: now (real time). */
  start?: Instant;
  /** Simulated milliseconds per real millisecond; default 1. */
  scale?: number;
  /**
   * Hold the clock at `start` until {@link SimulatedClock.resume} (the local stack starts time when it
   * is ready, so that seconds of start-up are not days of simulated time). Sleeps wait for the resume.
   */
  paused?: boolean;
}

interface Sleeper {
  at: number;
  resolve: () => void;
  timer?: ReturnType<typeof setTimeout>;
  release: () => void;
}

/** A value the clock or its HTTP endpoint refuses; the message says what is expected. */
export class ClockInputError extends Error {
  override readonly name = "ClockInputError";
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * Parses an ISO 8601 timestamp with a time zone (`2026-03-02T08:00:00Z`, `2026-03-02T09:00+01:00`).
 * Stricter than Date.parse: no local-time guesses, no 30 February. Throws {@link ClockInputError}.
 */
export function parseIsoTimestamp(value: string): Date {
  const match = ISO_TIMESTAMP.exec(value.trim());
  const invalid = () =>
    new ClockInputError(
      `not an ISO timestamp with a time zone (e.g. 2026-03-02T08:00:00Z or 2026-03-02T09:00:00+01:00): ${value}`,
    );
  if (!match) throw invalid();
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((group) => Number(match[group] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  utc.setUTCFullYear(y);
  if (
    utc.getUTCFullYear() !== y ||
    utc.getUTCMonth() !== mo - 1 ||
    utc.getUTCDate() !== d ||
    utc.getUTCHours() !== h ||
    utc.getUTCMinutes() !== mi ||
    utc.getUTCSeconds() !== s
  ) {
    throw invalid();
  }
  const zone = match[8] as string;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== "Z") {
    const zoneHours = Number(match[9]);
    const zoneMinutes = Number(match[10]);
    if (zoneHours > 23 || zoneMinutes > 59) throw invalid();
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const millis = Math.floor(Number(`0.${match[7] ?? "0"}`) * 1000);
  return new Date(utc.getTime() + millis - offsetMinutes * 60_000);
}

/** Parses `--clock`: the start of simulated time. Throws {@link ClockInputError} with the flag's name. */
export function parseClockStart(value: string): Date {
  try {
    return parseIsoTimestamp(value);
  } catch (error) {
    throw new ClockInputError(`--clock: ${(error as Error).message}`);
  }
}

/** Parses `--time-scale`: a finite number > 0. Throws {@link ClockInputError} with the flag's name. */
export function parseTimeScale(value: string | number): number {
  const scale = typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new ClockInputError(`--time-scale: not a positive number: ${value}`);
  }
  return scale;
}

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/**
 * Parses an ISO 8601 duration of weeks, days, hours, minutes and seconds (`PT36H`, `P2DT4H`, `P1W`,
 * `PT0.5S`) into milliseconds. Years and months have no fixed length and are refused.
 */
export function parseIsoDuration(value: string): number {
  const text = value.trim();
  const match = DURATION.exec(text);
  if (!match || text.toUpperCase() === "P" || text.toUpperCase().endsWith("T")) {
    throw new ClockInputError(
      `not an ISO 8601 duration of weeks, days, hours, minutes and seconds (e.g. PT36H, P2DT4H): ${value}`,
    );
  }
  const [weeks, days, hours, minutes, seconds] = match.slice(1, 6).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return Math.round(((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
}

function toEpochMs(instant: Instant): number {
  if (instant instanceof Date) return instant.getTime();
  if (typeof instant === "number") return instant;
  return parseIsoTimestamp(instant).getTime();
}

/**
 * Reads a request to move the clock: `{"by": "PT36H"}` or `{"by": <milliseconds>}` moves it forward
 * by that much, `{"to": "<ISO timestamp>"}` to that instant. Returns the target instant in epoch
 * milliseconds; throws {@link ClockInputError} for anything else, including a target in the past.
 */
export function parseAdvanceRequest(body: unknown, nowMs: number): number {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ClockInputError('expected a JSON object: {"by": "PT36H" | milliseconds} or {"to": "<ISO>"}');
  }
  const { by, to, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || (by === undefined) === (to === undefined)) {
    throw new ClockInputError('expected exactly one of "by" (ISO duration or milliseconds) and "to" (ISO)');
  }
  if (to !== undefined) {
    if (typeof to !== "string") throw new ClockInputError('"to" must be an ISO timestamp');
    const target = parseIsoTimestamp(to).getTime();
    if (target < nowMs) {
      throw new ClockInputError(
        `the clock only moves forward: ${to} is before the simulated now, ${new Date(nowMs).toISOString()}`,
      );
    }
    return target;
  }
  let ms: number;
  if (typeof by === "number") ms = by;
  else if (typeof by === "string" && /^\d+(\.\d+)?$/.test(by.trim())) ms = Number(by);
  else if (typeof by === "string") ms = parseIsoDuration(by);
  else throw new ClockInputError('"by" must be an ISO duration (e.g. PT36H) or a number of milliseconds');
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ClockInputError(`the clock only moves forward: "by" must be >= 0, got ${String(by)}`);
  }
  return nowMs + ms;
}

/**
 * Simulated time: `now = simulatedEpochMs + (Date.now() - realEpochMs) * scale` for the current
 * anchor. Moving the clock forward sets a new anchor, tells the listeners (the local stack rewrites
 * FRIST_SIMULATED_CLOCK), and re-evaluates every pending {@link sleepUntil}, so a timer whose instant
 * was skipped fires at once.
 */
export class SimulatedClock {
  /** Simulated milliseconds per real millisecond. */
  readonly scale: number;
  #anchor: SimulatedClockAnchor;
  readonly #sleepers = new Set<Sleeper>();
  readonly #listeners = new Set<(anchor: SimulatedClockAnchor) => void>();
  #closed = false;
  #paused: boolean;
  /** Unreleased {@link hold}s, and whether they stopped a running clock. */
  #holds = 0;
  #heldRunning = false;

  constructor(options: SimulatedClockOptions = {}) {
    this.scale = options.scale === undefined ? 1 : parseTimeScale(options.scale);
    const realNow = Date.now();
    const start = options.start === undefined ? realNow : toEpochMs(options.start);
    if (!Number.isFinite(start)) throw new ClockInputError(`not a start instant: ${String(options.start)}`);
    this.#anchor = { simulatedEpochMs: Math.floor(start), realEpochMs: realNow, scale: this.scale };
    this.#paused = options.paused ?? false;
  }

  /** Whether the clock is held (see {@link SimulatedClockOptions.paused}). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Lets a paused clock run from where it stands; a running clock is left alone. Returns now. */
  resume(): Date {
    if (!this.#paused) return this.now();
    this.#paused = false;
    return this.#reanchor(this.#anchor.simulatedEpochMs);
  }

  /**
   * Stops simulated time until the returned release is called (once; holds nest), and lets a clock
   * that was running run on from where it stood. For what takes real time that simulated time should
   * not see: at 43 200 times, a second of a function's cold start would be twelve hours. A clock paused
   * otherwise (before the stack is ready) stays paused when its holds are released.
   */
  hold(): () => void {
    if (this.#holds++ === 0 && !this.#paused) {
      this.#reanchor(this.nowMs(), true);
      this.#heldRunning = true;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0 && this.#heldRunning) {
        this.#heldRunning = false;
        this.resume();
      }
    };
  }

  /** The current anchor (what FRIST_SIMULATED_CLOCK carries): scale 0 while paused or held. */
  get anchor(): SimulatedClockAnchor {
    return { ...this.#anchor, scale: this.#paused ? 0 : this.#anchor.scale };
  }

  /** The value of FRIST_SIMULATED_CLOCK for the current anchor. */
  envValue(): string {
    return formatSimulatedClock(this.anchor);
  }

  /** Simulated now, in epoch milliseconds. */
  nowMs(): number {
    if (this.#paused) return this.#anchor.simulatedEpochMs;
    return simulatedEpochMsAt(this.#anchor, Date.now());
  }

  /** Simulated now. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves simulated time forward by `ms` (>= 0) and returns the new now (a paused clock stays paused). */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new ClockInputError(`the clock only moves forward: cannot advance by ${ms} ms`);
    }
    return this.#reanchor(this.nowMs() + ms);
  }

  /** Moves simulated time forward to `instant` (not before now) and returns the new now. */
  advanceTo(instant: Instant): Date {
    const target = toEpochMs(instant);
    const now = this.nowMs();
    if (!Number.isFinite(target) || target < now) {
      throw new ClockInputError(
        `the clock only moves forward: ${new Date(target).toISOString()} is before ${new Date(now).toISOString()}`,
      );
    }
    return this.#reanchor(target);
  }

  /** Real milliseconds until simulated `instant` at the current anchor and scale (0 when passed). */
  realDelayMs(instant: Instant): number {
    return Math.max(0, (toEpochMs(instant) - this.nowMs()) / this.scale);
  }

  /**
   * Resolves once simulated time reaches `instant`: after (instant - now) / scale real milliseconds,
   * re-evaluated whenever the clock moves, in chunks no longer than setTimeout can hold. Rejects with
   * the signal's reason when `signal` aborts first (and then holds no timer). After {@link close}
   * pending sleeps never settle.
   */
  sleepUntil(instant: Instant, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const at = toEpochMs(instant);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    if (this.#closed) return promise;
    const onAbort = (): void => {
      this.#drop(sleeper);
      reject(signal?.reason);
    };
    const sleeper: Sleeper = {
      at,
      resolve,
      release: () => signal?.removeEventListener("abort", onAbort),
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#sleepers.add(sleeper);
    this.#schedule(sleeper);
    return promise;
  }

  /** Calls `listener` with the new anchor whenever the clock moves; returns the unsubscribe. */
  onChange(listener: (anchor: SimulatedClockAnchor) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many sleeps are pending (for tests and the operations page). */
  get pendingSleeps(): number {
    return this.#sleepers.size;
  }

  /** Clears every timer; the clock still tells the time, but sleeps no more. */
  close(): void {
    this.#closed = true;
    for (const sleeper of [...this.#sleepers]) this.#drop(sleeper);
    this.#listeners.clear();
  }

  #reanchor(simulatedEpochMs: number, pause = this.#paused): Date {
    this.#paused = pause;
    this.#anchor = {
      simulatedEpochMs: Math.floor(simulatedEpochMs),
      realEpochMs: Date.now(),
      scale: this.scale,
    };
    for (const listener of this.#listeners) listener(this.anchor);
    // Earliest first, so timers skipped over fire in the order of their instants.
    for (const sleeper of [...this.#sleepers].sort((a, b) => a.at - b.at)) this.#schedule(sleeper);
    return this.now();
  }

  #drop(sleeper: Sleeper): void {
    if (sleeper.timer !== undefined) clearTimeout(sleeper.timer);
    sleeper.timer = undefined;
    sleeper.release();
    this.#sleepers.delete(sleeper);
  }

  #schedule(sleeper: Sleeper): void {
    if (sleeper.timer !== undefined) clearTimeout(sleeper.timer);
    sleeper.timer = undefined;
    const remaining = sleeper.at - this.nowMs();
    if (remaining <= 0) {
      this.#drop(sleeper);
      sleeper.resolve();
      return;
    }
    if (this.#paused) return; // resume() or advance() schedules it again
    const delay = Math.min(Math.max(1, Math.ceil(remaining / this.scale)), MAX_TIMER_DELAY_MS);
    sleeper.timer = setTimeout(() => {
      sleeper.timer = undefined;
      this.#schedule(sleeper);
    }, delay);
  }
}
