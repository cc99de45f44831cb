/**
 * The local Step Functions engine's executions on disk, so that `npm start --data-dir <dir>` survives a
 * restart the way Standard executions survive anything on AWS. One JSON file per execution under
 * `<dir>/executions/`, rewritten atomically (temporary file, then rename) whenever the execution moves:
 * its status, its history, and where it stands — the state it is in with that state's input, the
 * token and deadline of a callback task that waits, the instant a Wait state sleeps until. On start-up
 * the engine reads them back and resumes every RUNNING execution there (see LocalStepFunctions.restore).
 *
 * Local only. The files hold what an execution history holds on AWS (state inputs, task tokens), in
 * the data directory next to DynamoDB Local's own files.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TaskAttemptEvent } from "./asl";

/** Where a running execution stands, as far as a restart needs to know. */
export interface ExecutionPosition {
  /** The state entered last and not exited yet, with its input. */
  stateName: string;
  input: unknown;
  /** A callback task's token and deadline; `submitted` once its function returned (it now only waits). */
  callback?: {
    token: string;
    issuedAt: string;
    deadlineMs?: number;
    submitted: boolean;
    /** SendTaskSuccess/Failure arrived for it before the restart: the resumed task settles with it. */
    settled?: { output: unknown } | { error?: string; cause?: string };
  };
  /** A Wait state's wake-up instant. */
  untilMs?: number;
}

/** One execution as persisted. Dates are ISO strings. */
export interface ExecutionFile {
  version: 1;
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: string;
  startDate: string;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The library's event log, as the history is built from it. */
  events: Array<Record<string, unknown>>;
  taskAttempts: Array<[string, Array<Array<Omit<TaskAttemptEvent, "timestamp"> & { timestamp: string }>>]>;
  position?: ExecutionPosition;
}

/** Serializes an execution's task attempts (Dates to ISO strings). */
export function taskAttemptsToJson(
  attempts: Map<string, TaskAttemptEvent[][]>,
): ExecutionFile["taskAttempts"] {
  return [...attempts].map(([state, groups]) => [
    state,
    groups.map((group) => group.map((event) => ({ ...event, timestamp: event.timestamp.toISOString() }))),
  ]);
}

/** Reads task attempts back (ISO strings to Dates). */
export function taskAttemptsFromJson(json: ExecutionFile["taskAttempts"]): Map<string, TaskAttemptEvent[][]> {
  return new Map(
    json.map(([state, groups]) => [
      state,
      groups.map((group) => group.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }))),
    ]),
  );
}

/** The execution files of one data directory. */
export class ExecutionFiles {
  readonly directory: string;

  constructor(dataDir: string) {
    this.directory = path.resolve(dataDir, "executions");
    mkdirSync(this.directory, { recursive: true });
  }

  #file(name: string): string {
    // Execution names are [A-Za-z0-9_-]{1,80} (the engine refuses others): safe as file names.
    return path.join(this.directory, `${name}.json`);
  }

  /** Writes one execution atomically: a reader (or a crash) sees the old file or the new one. */
  write(execution: ExecutionFile): void {
    const file = this.#file(execution.name);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(execution));
    renameSync(temporary, file);
  }

  /** Every execution file that parses; a torn or foreign file is skipped (and named in `skipped`). */
  readAll(): { executions: ExecutionFile[]; skipped: string[] } {
    const executions: ExecutionFile[] = [];
    const skipped: string[] = [];
    for (const entry of readdirSync(this.directory)) {
      if (!entry.endsWith(".json")) continue;
      try {
        const parsed = JSON.parse(readFileSync(path.join(this.directory, entry), "utf8")) as ExecutionFile;
        if (parsed.version !== 1 || typeof parsed.executionArn !== "string")
          throw new Error("not an execution");
        executions.push(parsed);
      } catch {
        skipped.push(entry);
      }
    }
    return { executions: executions.sort((a, b) => a.startDate.localeCompare(b.startDate)), skipped };
  }
}

/** The simulated clock as a data directory remembers it (see {@link readSavedClock}). */
export interface SavedClock {
  /** Simulated now when it was written (ISO). */
  now: string;
  scale: number;
  /**
   * Whether the run followed simulated time (`--clock`, a time scale other than 1, or a clock moved by
   * hand): the next start then goes on from `now`. A run on real time goes on from the real now.
   */
  simulated: boolean;
}

/** The clock the data directory's last run left, if any. */
export function readSavedClock(dataDir: string): SavedClock | undefined {
  try {
    const saved = JSON.parse(readFileSync(path.resolve(dataDir, "clock.json"), "utf8")) as SavedClock;
    if (typeof saved.now !== "string" || Number.isNaN(Date.parse(saved.now))) return undefined;
    return {
      now: saved.now,
      scale: Number(saved.scale) > 0 ? Number(saved.scale) : 1,
      simulated: saved.simulated === true,
    };
  } catch {
    return undefined;
  }
}

/** Writes where the clock stands, atomically. */
export function writeSavedClock(dataDir: string, clock: SavedClock): void {
  mkdirSync(path.resolve(dataDir), { recursive: true });
  const file = path.resolve(dataDir, "clock.json");
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(clock));
  renameSync(temporary, file);
}
