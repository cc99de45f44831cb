import type { Clock } from "../domain/ports";

/** The system clock. Every handler reads the time here, so simulated time has one place to go. */
export const systemClock: Clock = { now: () => new Date() };
