/**
 * What the local runtime's functions are doing: the Lambda invocations under way, and a gate that
 * holds the workflow's tasks (benchmarks, `frist simulate`), so that a caller can wait until the work
 * a request or a clock move started is done.
 */

/**
 * What the local runtime is doing: how many Lambda invocations are running, and a gate that holds the
 * workflow's Task invocations (the executions start and wait at their first task) so that a benchmark
 * can measure the API without the workflow's load, then let the workflow run.
 */
export interface LocalActivity {
  /** Lambda invocations running now (API, workflow and schedules), not counting held tasks. */
  inFlight(): number;
  /** Workflow tasks waiting at the closed gate. */
  held(): number;
  /** Closes the gate: workflow tasks wait from now on. */
  holdWorkflow(): void;
  /** Opens the gate: held tasks run. */
  releaseWorkflow(): void;
  /**
   * Resolves once nothing runs: no invocation running or held and no workflow execution between a
   * failed attempt and its Retry, seen between two turns of the event loop. A workflow moves from one
   * Lambda's result to its next task in the same turn, and a clock timer whose instant has passed fires
   * as the clock moves, so that is the moment the work a request or a clock move started is done.
   * With `quietMs`, nothing must run for that long too (work due a few real milliseconds later: a
   * timer at the running clock's next instants). With `signal`, it stops waiting when that aborts.
   */
  settled(quietMs?: number, signal?: AbortSignal): Promise<void>;
}

/** How often a wait for the work to run out looks again while it is not told (the engine's Retry waits). */
const BUSY_RECHECK_MS = 10;

/** A fresh {@link LocalActivity} with the hooks the local stack wires to the runtime and the engine. */
export function createActivity(): LocalActivity & {
  track<T>(work: () => Promise<T>): Promise<T>;
  gate(): Promise<void>;
  /** Counts more work in progress that runs no Lambda now (the workflow engine's Retry waits). */
  alsoBusy(pending: () => number): void;
} {
  let running = 0;
  let pendingElsewhere = () => 0;
  let waiting = 0;
  let open: Promise<void> | undefined;
  let openGate: (() => void) | undefined;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // Who waits for the work under way to run out: woken when the last invocation ends, rather than
  // polling every millisecond through a busy stretch (a year's simulation settles 1,200 times).
  const wakers = new Set<() => void>();
  const lastOneEnded = () => {
    if (running > 0 || waiting > 0) return;
    for (const wake of wakers) wake();
    wakers.clear();
  };
  /** Resolves when the last invocation ends, or after `ms` (the engine's Retry waits are not told). */
  const quieter = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wakers.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      wakers.add(wake);
    });
  return {
    inFlight: () => running,
    held: () => waiting,
    holdWorkflow() {
      if (open) return;
      const { promise, resolve } = Promise.withResolvers<void>();
      open = promise;
      openGate = resolve;
    },
    releaseWorkflow() {
      openGate?.();
      open = undefined;
      openGate = undefined;
    },
    async settled(quietMs = 0, signal) {
      const idle = () => running === 0 && waiting === 0 && pendingElsewhere() === 0;
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      for (let seen = 0; seen < 2; ) {
        if (signal?.aborted) return;
        await (seen > 0 ? turn() : idle() ? pause(1) : quieter(BUSY_RECHECK_MS));
        seen = idle() ? seen + 1 : 0;
      }
      for (let quiet = 0; quiet < quietMs && !signal?.aborted; ) {
        await pause(5);
        quiet = idle() ? quiet + 5 : 0;
      }
    },
    alsoBusy(pending) {
      pendingElsewhere = pending;
    },
    async track(work) {
      running += 1;
      try {
        return await work();
      } finally {
        running -= 1;
        lastOneEnded();
      }
    },
    async gate() {
      while (open) {
        waiting += 1;
        try {
          await open;
        } finally {
          waiting -= 1;
          lastOneEnded();
        }
      }
    },
  };
}
