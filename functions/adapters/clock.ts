/**
 * The clock every handler reads the time from. On AWS it is the system clock. Locally it follows the
 * local runtime's simulated clock (`npm start -- --clock … --time-scale …`), so that a referral's ten
 * working days can pass in seconds and the handlers compute reminders, deadlines and breaches in the
 * same simulated time as the local workflow engine's timers.
 *
 * The contract is one environment variable, set and rewritten only by the local runtime (lib/local),
 * which runs the handlers in its own process:
 *
 *     FRIST_SIMULATED_CLOCK="<simulatedEpochMs>:<realEpochMs>:<scale>"
 *
 * meaning `now = simulatedEpochMs + (Date.now() - realEpochMs) * scale`; scale 0 while the runtime
 * holds the clock (time stands still). Advancing the simulated clock rewrites it (a new anchor). No
 * Lambda function is ever given this variable, so on AWS `now()` is `new Date()`. An environment
 * variable, rather than a module-level object the runtime swaps, because it does not depend on the
 * handlers importing the very same module instance as the runtime.
 */
import type { Clock } from "../domain/ports";

/** The environment variable the local runtime hands its simulated clock over in (never set on AWS). */
export const SIMULATED_CLOCK_ENV = "FRIST_SIMULATED_CLOCK";

/** A simulated clock as a point of reference: at real instant `realEpochMs` it read `simulatedEpochMs`. */
export interface SimulatedClockAnchor {
  simulatedEpochMs: number;
  realEpochMs: number;
  /** Simulated milliseconds per real millisecond (> 0), or 0 while the clock is held. */
  scale: number;
}

/** The value of {@link SIMULATED_CLOCK_ENV} for an anchor. */
export function formatSimulatedClock(anchor: SimulatedClockAnchor): string {
  return `${Math.floor(anchor.simulatedEpochMs)}:${Math.floor(anchor.realEpochMs)}:${anchor.scale}`;
}

/** Parses a {@link SIMULATED_CLOCK_ENV} value; throws an Error that names the variable when malformed. */
export function parseSimulatedClock(raw: string): SimulatedClockAnchor {
  const parts = raw.split(":");
  const [simulatedEpochMs, realEpochMs, scale] = parts.map(Number);
  if (
    parts.length !== 3 ||
    !Number.isSafeInteger(simulatedEpochMs) ||
    !Number.isSafeInteger(realEpochMs) ||
    scale === undefined ||
    !Number.isFinite(scale) ||
    scale < 0
  ) {
    throw new Error(
      `${SIMULATED_CLOCK_ENV} must be "<simulatedEpochMs>:<realEpochMs>:<scale>" (scale >= 0), got "${raw}"`,
    );
  }
  return { simulatedEpochMs: simulatedEpochMs as number, realEpochMs: realEpochMs as number, scale };
}

/** The simulated epoch milliseconds an anchor reads at real instant `realNowMs`. */
export function simulatedEpochMsAt(anchor: SimulatedClockAnchor, realNowMs: number): number {
  return Math.floor(anchor.simulatedEpochMs + (realNowMs - anchor.realEpochMs) * anchor.scale);
}

// now() runs on every timestamp a handler takes: parse the variable only when its value changed.
let cached: { raw: string; anchor: SimulatedClockAnchor } | undefined;

/**
 * The time: `new Date()` on AWS; locally, the local runtime's simulated time when it has set
 * {@link SIMULATED_CLOCK_ENV} (see the module comment). Every handler takes its time here.
 */
export const systemClock: Clock = {
  now: () => {
    const raw = process.env[SIMULATED_CLOCK_ENV];
    if (raw === undefined || raw === "") return new Date();
    if (cached?.raw !== raw) cached = { raw, anchor: parseSimulatedClock(raw) };
    return new Date(simulatedEpochMsAt(cached.anchor, Date.now()));
  },
};
