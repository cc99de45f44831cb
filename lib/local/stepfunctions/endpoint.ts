/**
 * A local Step Functions endpoint: a fastify server speaking the AWS JSON 1.0 protocol the SDK uses
 * (POST /, `X-Amz-Target: AWSStepFunctions.<Operation>`), running the synthesized definition with
 * aws-local-stepfunctions. The handlers reach it through AWS_ENDPOINT_URL_SFN with their normal
 * SFNClient. With a data directory the executions are written to it as they move (execution-files.ts)
 * and {@link LocalStepFunctions.restore} resumes the running ones after a restart, where they stood:
 * a waiting callback task on the same token until the same deadline, so the task links sent before
 * the restart keep working. Without one they live in memory.
 *
 * Operations: StartExecution, DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution,
 * SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat, DescribeStateMachine, ListStateMachines.
 * It serves that API alone, and answers no request from a web page: the operations page and the
 * clock are the operations server's (lib/local/operations/server.ts).
 *
 * The engine's task timeouts, Wait states and execution timeouts follow a {@link SimulatedClock}
 * (see asl.ts).
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from "aws-local-stepfunctions";
import Fastify, { type FastifyInstance } from "fastify";
import { fromAnotherSite, headerValue, mediaTypeOf } from "../browser-requests";
import { counters } from "../operations/counters";
import { loopbackListenAddress } from "../ports";
import { LOCAL_ACCOUNT_ID } from "../template";
import { SimulatedClock } from "../time/simulated-clock";
import {
  type AslDefinition,
  adaptDefinitionForLocal,
  buildExecutionContext,
  buildTaskHandlers,
  type LambdaInvoker,
  type TaskAttemptEvent,
  type TaskHandlerOptions,
  TaskTokenError,
  TaskTokenRegistry,
} from "./asl";
import {
  type ExecutionFile,
  ExecutionFiles,
  type ExecutionPosition,
  taskAttemptsFromJson,
  taskAttemptsToJson,
} from "./execution-files";

/** A state machine the endpoint runs. */
export interface LocalStateMachineSpec {
  arn: string;
  name: string;
  /** The definition as synthesized; {@link adaptDefinitionForLocal} is applied here. */
  definition: Record<string, unknown>;
  roleArn?: string;
}

/** Execution status, as Step Functions names it. */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

type LibraryEvent = { type: string; timestamp: number; [field: string]: unknown };

/** One execution, as the local endpoint keeps it. */
export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Settles when the execution stops, whatever its status. */
  done: Promise<void>;
}

interface ExecutionRecord extends LocalExecution {
  markDone: () => void;
  /** The state the execution is in (entered, not exited), with its input; what a restart resumes. */
  position?: { stateName: string; input: unknown };
  /** The waiting callback task of the current state: its token, deadline and what was sent for it. */
  callback?: NonNullable<ExecutionPosition["callback"]> & { stateName: string };
  /** The current Wait state's wake-up instant. */
  wait?: { stateName: string; untilMs: number };
  events: LibraryEvent[];
  taskAttempts: Map<string, TaskAttemptEvent[][]>;
  /** Types of states the local definition runs differently (rewritten Wait states), for the history. */
  stateTypes: Record<string, string>;
  abort: () => void;
  /** Set before aborting, so that no task starts while the abort settles. */
  stopRequested: boolean;
  /** Set when the execution timeout (on the clock) aborted it. */
  timedOut: boolean;
  /** Aborted when the execution stops: its pending simulated timers are released. */
  stopSignal: AbortController;
}

/** A Step Functions API error: `type` becomes the SDK exception name. */
export class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const NAME_FORMAT = /^[A-Za-z0-9_-]{1,80}$/;

/** The ARN of the execution named `name` of a state machine, as Step Functions forms it. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") {
    throw new SfnError(
      "ValidationException",
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** Options of {@link LocalStepFunctions}. */
export interface LocalStepFunctionsOptions {
  /** The clock waits and timeouts follow; default: real time. */
  clock?: SimulatedClock;
  /**
   * Where executions are kept across restarts (see execution-files.ts); without it they live in memory
   * only. {@link LocalStepFunctions.restore} reads them back.
   */
  dataDir?: string;
}

interface MachineEntry {
  spec: LocalStateMachineSpec;
  machine: StateMachine;
  definition: AslDefinition;
  notes: string[];
  simulatedWaits: string[];
  executionTimeoutSeconds: number | undefined;
  created: Date;
  /** The same definition starting at another state, for resumed executions. */
  variants: Map<string, StateMachine>;
}

/** An execution as written to its file. */
function toExecutionFile(record: ExecutionRecord): ExecutionFile {
  const callback = record.callback?.stateName === record.position?.stateName ? record.callback : undefined;
  const untilMs = record.wait?.stateName === record.position?.stateName ? record.wait?.untilMs : undefined;
  return {
    version: 1,
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    input: record.input,
    status: record.status,
    startDate: record.startDate.toISOString(),
    ...(record.stopDate ? { stopDate: record.stopDate.toISOString() } : {}),
    ...(record.output !== undefined ? { output: record.output } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    events: record.events,
    taskAttempts: taskAttemptsToJson(record.taskAttempts),
    ...(record.position
      ? {
          position: {
            ...record.position,
            ...(callback
              ? {
                  callback: {
                    token: callback.token,
                    issuedAt: callback.issuedAt,
                    submitted: callback.submitted,
                    ...(callback.deadlineMs !== undefined ? { deadlineMs: callback.deadlineMs } : {}),
                    ...(callback.settled ? { settled: callback.settled } : {}),
                  },
                }
              : {}),
            ...(untilMs !== undefined ? { untilMs } : {}),
          },
        }
      : {}),
  };
}

/** The execution engine behind the endpoint; usable without HTTP. */
export class LocalStepFunctions {
  readonly tokens: TaskTokenRegistry;
  /** The clock the engine's waits, timeouts and timestamps follow. */
  readonly clock: SimulatedClock;
  readonly #machines = new Map<string, MachineEntry>();
  readonly #executions = new Map<string, ExecutionRecord>();
  readonly #files: ExecutionFiles | undefined;
  readonly #dirty = new Set<ExecutionRecord>();
  /** Executions whose state failed and that have not moved on since (see {@link betweenAttempts}). */
  readonly #failed = new Set<string>();
  #flushScheduled = false;
  /** Set on shutdown with a data directory: the aborts that follow are not written. */
  #suspended = false;
  #writeFailed = false;

  constructor(
    stateMachines: LocalStateMachineSpec[],
    readonly invoke: LambdaInvoker,
    readonly region: string,
    options: LocalStepFunctionsOptions = {},
  ) {
    this.clock = options.clock ?? new SimulatedClock();
    this.tokens = new TaskTokenRegistry(() => this.clock.now());
    this.#files = options.dataDir !== undefined ? new ExecutionFiles(options.dataDir) : undefined;
    for (const spec of stateMachines) {
      const { definition, notes, simulatedWaits, executionTimeoutSeconds } = adaptDefinitionForLocal(
        spec.definition as AslDefinition,
      );
      const machine = new StateMachine(definition as never, {
        validationOptions: { checkArn: true, checkPaths: true },
      });
      // Fail at start-up, not at the first execution, when a Task has no local implementation.
      buildTaskHandlers({
        definition,
        invoke,
        tokens: this.tokens,
        executionArn: "",
        region,
        clock: this.clock,
      });
      this.#machines.set(spec.arn, {
        spec,
        machine,
        definition,
        notes,
        simulatedWaits,
        executionTimeoutSeconds,
        created: this.clock.now(),
        variants: new Map(),
      });
    }
  }

  /** Whether executions are kept in a data directory across restarts. */
  /**
   * Executions between a state's failure and what follows it: a Retry's wait (real time, in the
   * library), or the Catch or the execution's end about to run. Work is still coming from them, though
   * no Lambda runs (the local stack's `activity.settled` waits for them).
   */
  get betweenAttempts(): number {
    return this.#failed.size;
  }

  get persistent(): boolean {
    return this.#files !== undefined;
  }

  /** The rewrites made for local execution, per state machine ARN (printed at start-up). */
  adaptationNotes(): Record<string, string[]> {
    return Object.fromEntries([...this.#machines].map(([arn, entry]) => [arn, entry.notes]));
  }

  #machine(arn: string) {
    const entry = this.#machines.get(arn);
    if (!entry) throw new SfnError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    return entry;
  }

  #execution(arn: string): ExecutionRecord {
    const record = this.#executions.get(arn);
    if (!record) throw new SfnError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  /** StartExecution, with AWS's idempotency: same name and input while running returns the same execution. */
  startExecution(request: { stateMachineArn: string; name?: string; input?: string }): LocalExecution {
    const entry = this.#machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!NAME_FORMAT.test(name)) throw new SfnError("InvalidName", `Invalid Name: '${name}'`);
    const input = request.input ?? "{}";
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new SfnError("InvalidExecutionInput", `Invalid State Machine Execution Input: '${input}'`);
    }
    const executionArn = executionArnFor(request.stateMachineArn, name);
    const existing = this.#executions.get(executionArn);
    if (existing) {
      if (existing.status === "RUNNING" && existing.input === input) return existing;
      throw new SfnError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    const record = this.#newRecord(entry, {
      executionArn,
      stateMachineArn: request.stateMachineArn,
      name,
      input,
      startDate: this.clock.now(),
    });
    this.#executions.set(executionArn, record);
    this.#launch(record, entry, { runInput: parsedInput });
    return record;
  }

  #newRecord(
    entry: MachineEntry,
    fields: Pick<ExecutionRecord, "executionArn" | "stateMachineArn" | "name" | "input" | "startDate">,
  ): ExecutionRecord {
    const { promise: done, resolve: markDone } = Promise.withResolvers<void>();
    return {
      ...fields,
      status: "RUNNING",
      done,
      markDone,
      events: [],
      taskAttempts: new Map(),
      stateTypes: Object.fromEntries(entry.simulatedWaits.map((name) => [name, "Wait"])),
      abort: () => undefined,
      stopRequested: false,
      timedOut: false,
      stopSignal: new AbortController(),
    };
  }

  /**
   * Runs (or, after a restart, resumes) an execution: from StartAt with the execution's input, or from
   * `resume.stateName` with that state's input, as persisted.
   */
  #launch(
    record: ExecutionRecord,
    entry: MachineEntry,
    run: { runInput: unknown; resume?: NonNullable<TaskHandlerOptions["resume"]> },
  ): void {
    const { executionArn, taskAttempts, stopSignal } = record;
    const resume = run.resume;
    const handlers = buildTaskHandlers({
      definition: entry.definition,
      invoke: this.invoke,
      tokens: this.tokens,
      executionArn,
      region: this.region,
      clock: this.clock,
      signal: stopSignal.signal,
      isStopped: () => record.status !== "RUNNING" || record.stopRequested,
      onTaskAttempt: (stateName) => {
        const group: TaskAttemptEvent[] = [];
        const groups = taskAttempts.get(stateName) ?? [];
        groups.push(group);
        taskAttempts.set(stateName, groups);
        return (event) => {
          group.push(event);
          this.#changed(record);
        };
      },
      onTaskResume: (stateName) => {
        const groups = taskAttempts.get(stateName) ?? [[]];
        taskAttempts.set(stateName, groups);
        const group = groups.at(-1) as TaskAttemptEvent[];
        return (event) => {
          group.push(event);
          this.#changed(record);
        };
      },
      onCallback: ({ stateName, token, deadlineMs, submitted }) => {
        record.callback = {
          stateName,
          token,
          issuedAt:
            record.callback?.token === token ? record.callback.issuedAt : this.clock.now().toISOString(),
          ...(deadlineMs !== undefined ? { deadlineMs } : {}),
          submitted,
        };
        this.#changed(record);
      },
      onWait: (stateName, untilMs) => {
        record.wait = { stateName, untilMs };
        this.#changed(record);
      },
      ...(resume ? { resume } : {}),
    });
    const machine = resume ? this.#variant(entry, resume.stateName) : entry.machine;
    const execution = machine.run(run.runInput as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: buildExecutionContext({
        executionArn,
        executionName: record.name,
        stateMachineArn: entry.spec.arn,
        stateMachineName: entry.spec.name,
        ...(entry.spec.roleArn ? { roleArn: entry.spec.roleArn } : {}),
      }),
    });
    record.abort = execution.abort;
    this.#changed(record);

    if (entry.executionTimeoutSeconds !== undefined) {
      this.clock
        .sleepUntil(record.startDate.getTime() + entry.executionTimeoutSeconds * 1000, stopSignal.signal)
        .then(
          () => {
            if (record.status !== "RUNNING" || record.stopRequested) return;
            record.timedOut = true;
            record.stopRequested = true;
            record.abort();
            this.tokens.closeExecution(executionArn);
          },
          () => undefined,
        );
    }

    // A resumed run repeats what the history already has: its ExecutionStarted, and the StateEntered of
    // the state it resumes when that state only goes on waiting (a callback's token, a Wait's instant).
    let skipStarted = resume !== undefined;
    let skipEntered =
      resume !== undefined && (resume.token !== undefined || resume.untilMs !== undefined)
        ? resume.stateName
        : undefined;
    const consumeEvents = (async () => {
      for await (const event of execution.eventLogs) {
        // The library stamps real time; the history tells the engine's (simulated) time.
        const libraryEvent: LibraryEvent = {
          ...(event as unknown as LibraryEvent),
          timestamp: this.clock.nowMs(),
        };
        const state = libraryEvent.state as { name: string; type: string; input?: unknown } | undefined;
        if (skipStarted && libraryEvent.type === "ExecutionStarted") {
          skipStarted = false;
          continue;
        }
        if (
          skipEntered !== undefined &&
          libraryEvent.type === "StateEntered" &&
          state?.name === skipEntered
        ) {
          skipEntered = undefined;
          continue;
        }
        record.events.push(libraryEvent);
        this.#track(record, libraryEvent);
        if (libraryEvent.type === "StateFailed") {
          this.#failed.add(executionArn);
          counters.stateFailure(state?.name ?? "?", String(libraryEvent.Error ?? "?"));
        } else {
          this.#failed.delete(executionArn);
        }
        if (libraryEvent.type === "StateEntered" || libraryEvent.type === "StateRetried") {
          counters.stateTransition();
        }
        if (
          libraryEvent.type === "StateFailed" &&
          libraryEvent.Error === "States.Timeout" &&
          state?.type === "Task"
        ) {
          this.tokens.expire(executionArn, state.name);
          const attempt = taskAttempts.get(state.name)?.at(-1);
          const last = attempt?.at(-1);
          if (
            attempt &&
            last &&
            last.type !== "TaskSucceeded" &&
            last.type !== "TaskFailed" &&
            last.type !== "TaskTimedOut"
          ) {
            attempt.push({
              type: "TaskTimedOut",
              timestamp: new Date(libraryEvent.timestamp),
              resourceType: last.resourceType,
              resource: last.resource,
              error: "States.Timeout",
            });
          }
        }
        this.#changed(record);
      }
    })();

    execution.result
      .then(
        (output) => {
          record.status = "SUCCEEDED";
          record.output = JSON.stringify(output ?? null);
        },
        (failure: unknown) => {
          if (
            failure instanceof ExecutionTimeoutError ||
            (failure instanceof ExecutionAbortedError && record.timedOut)
          ) {
            record.status = "TIMED_OUT";
          } else if (failure instanceof ExecutionAbortedError) {
            record.status = "ABORTED";
          } else {
            record.status = "FAILED";
            const caught = (failure as Error).cause as Error | undefined;
            record.error = caught?.name ?? (failure as Error).name;
            record.cause = caught?.message ?? (failure as Error).message;
          }
        },
      )
      .finally(async () => {
        this.#failed.delete(executionArn);
        record.stopDate = this.clock.now();
        stopSignal.abort();
        this.tokens.closeExecution(executionArn);
        await Promise.race([consumeEvents, new Promise((resolve) => setTimeout(resolve, 50))]);
        record.position = undefined;
        this.#changed(record);
        record.markDone();
      });
  }

  /** Keeps `position` (the state the execution is in, with its input) up to date from the event log. */
  #track(record: ExecutionRecord, event: LibraryEvent): void {
    const state = event.state as { name: string; input?: unknown } | undefined;
    if (!state) return;
    if (event.type === "StateEntered") {
      record.position = { stateName: state.name, input: state.input ?? null };
      // What a previous state (or a previous visit of this one) left: only this visit's counts.
      if (record.callback && record.callback.stateName !== state.name) record.callback = undefined;
      if (record.wait && record.wait.stateName !== state.name) record.wait = undefined;
    } else if (event.type === "StateExited" && record.position?.stateName === state.name) {
      record.position = undefined;
      if (record.callback?.stateName === state.name) record.callback = undefined;
      if (record.wait?.stateName === state.name) record.wait = undefined;
    }
  }

  /** The machine that starts at `stateName` (a resumed execution), built once per state. */
  #variant(entry: MachineEntry, stateName: string): StateMachine {
    let machine = entry.variants.get(stateName);
    if (!machine) {
      // The definition was validated whole; from another StartAt, states before it are unreachable.
      machine = new StateMachine({ ...entry.definition, StartAt: stateName } as never, {
        validationOptions: { noValidate: true },
      });
      entry.variants.set(stateName, machine);
    }
    return machine;
  }

  /** Marks an execution for writing (with a data directory), once per tick however much it moved. */
  #changed(record: ExecutionRecord): void {
    if (!this.#files || this.#suspended) return;
    this.#dirty.add(record);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.flush();
    });
  }

  /** Writes every execution that moved since the last write (with a data directory). */
  flush(): void {
    const files = this.#files;
    if (!files || this.#suspended) return;
    try {
      for (const record of this.#dirty) {
        files.write(toExecutionFile(record));
        this.#dirty.delete(record);
      }
    } catch (error) {
      // The data directory went away or filled up: say so once, keep running in memory.
      if (!this.#writeFailed)
        console.error(`frist local: cannot write executions to ${files.directory}: ${error}`);
      this.#writeFailed = true;
      this.#dirty.clear();
    }
  }

  /**
   * Writes every execution, then stops running them without recording the stop: they stay RUNNING on
   * disk and the next start resumes them (see {@link restore}). Without a data directory, the same as
   * {@link abortAll}.
   */
  suspendAll(): void {
    if (this.#files) {
      for (const record of this.#executions.values())
        if (record.status === "RUNNING") this.#dirty.add(record);
      this.flush();
      this.#suspended = true;
    }
    this.abortAll();
  }

  /**
   * Reads the executions of the data directory back and resumes the RUNNING ones where they stood: a
   * callback task waits again on the same token (the link in DynamoDB keeps working) until the same
   * deadline, a Wait state sleeps until the same instant, and a step that was running runs again (the
   * steps are idempotent). Returns the names of the executions resumed.
   */
  restore(): { resumed: string[]; finished: number; skipped: string[] } {
    const files = this.#files;
    if (!files) return { resumed: [], finished: 0, skipped: [] };
    const { executions, skipped } = files.readAll();
    const resumed: string[] = [];
    let finished = 0;
    for (const file of executions) {
      const entry = this.#machines.get(file.stateMachineArn);
      if (!entry || this.#executions.has(file.executionArn)) {
        skipped.push(file.name);
        continue;
      }
      const record = this.#newRecord(entry, {
        executionArn: file.executionArn,
        stateMachineArn: file.stateMachineArn,
        name: file.name,
        input: file.input,
        startDate: new Date(file.startDate),
      });
      record.events = file.events as LibraryEvent[];
      record.taskAttempts = taskAttemptsFromJson(file.taskAttempts);
      this.#executions.set(record.executionArn, record);
      if (file.status !== "RUNNING") {
        Object.assign(record, {
          status: file.status as ExecutionStatus,
          ...(file.stopDate ? { stopDate: new Date(file.stopDate) } : {}),
          ...(file.output !== undefined ? { output: file.output } : {}),
          ...(file.error !== undefined ? { error: file.error } : {}),
          ...(file.cause !== undefined ? { cause: file.cause } : {}),
        });
        record.stopSignal.abort();
        record.markDone();
        finished++;
        continue;
      }
      const position = file.position;
      if (position) {
        record.position = { stateName: position.stateName, input: position.input };
        if (position.callback) record.callback = { ...position.callback, stateName: position.stateName };
        if (position.untilMs !== undefined)
          record.wait = { stateName: position.stateName, untilMs: position.untilMs };
      }
      if (!position) {
        this.#launch(record, entry, { runInput: JSON.parse(file.input) });
      } else {
        const callback = position.callback;
        this.#launch(record, entry, {
          runInput: position.input,
          resume: {
            stateName: position.stateName,
            ...(callback?.submitted ? { token: callback.token, issuedAt: new Date(callback.issuedAt) } : {}),
            ...(callback?.deadlineMs !== undefined ? { deadlineMs: callback.deadlineMs } : {}),
            ...(callback?.settled ? { settled: callback.settled } : {}),
            ...(position.untilMs !== undefined ? { untilMs: position.untilMs } : {}),
          },
        });
      }
      resumed.push(record.name);
    }
    return { resumed, finished, skipped };
  }

  /** Records what was sent for a waiting token, and writes it at once: a restart must not lose it. */
  settleCallback(token: string, settled: { output: unknown } | { error?: string; cause?: string }): void {
    for (const record of this.#executions.values()) {
      if (record.callback?.token !== token) continue;
      record.callback = { ...record.callback, settled };
      this.#changed(record);
      this.flush();
    }
  }

  /** StopExecution: aborts a running execution. */
  stopExecution(executionArn: string, error?: string, cause?: string): LocalExecution {
    const record = this.#execution(executionArn);
    if (record.status === "RUNNING") {
      if (error !== undefined) record.error = error;
      if (cause !== undefined) record.cause = cause;
      record.stopRequested = true;
      record.abort();
      record.stopSignal.abort();
      this.tokens.closeExecution(executionArn);
    }
    return record;
  }

  /** The execution, or ExecutionDoesNotExist. */
  describeExecution(executionArn: string): LocalExecution {
    return this.#execution(executionArn);
  }

  /** Executions, newest first, optionally of one state machine and one status. */
  listExecutions(stateMachineArn?: string, status?: string): LocalExecution[] {
    if (stateMachineArn) this.#machine(stateMachineArn);
    return [...this.#executions.values()]
      .filter((record) => !stateMachineArn || record.stateMachineArn === stateMachineArn)
      .filter((record) => !status || record.status === status)
      .reverse();
  }

  /** Resolves when the execution has stopped (for tests), or rejects after `timeoutMs`. */
  async waitForExecution(executionArn: string, timeoutMs = 30_000): Promise<LocalExecution> {
    const record = this.#execution(executionArn);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Execution ${executionArn} still running`)), timeoutMs);
    });
    try {
      await Promise.race([record.done, timeout]);
      return record;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The execution history in Step Functions' event types (see {@link toHistoryEvents}). */
  history(executionArn: string, includeExecutionData = true): Array<Record<string, unknown>> {
    return toHistoryEvents(this.#execution(executionArn), includeExecutionData);
  }

  /** The state machines this endpoint runs. */
  stateMachines(): Array<{ spec: LocalStateMachineSpec; definition: AslDefinition; created: Date }> {
    return [...this.#machines.values()];
  }

  /** The state machine, or StateMachineDoesNotExist. */
  stateMachine(arn: string): { spec: LocalStateMachineSpec; definition: AslDefinition; created: Date } {
    return this.#machine(arn);
  }

  /** Stops every running execution (on shutdown), so no timer keeps the process alive. */
  abortAll(): void {
    for (const record of this.#executions.values()) {
      if (record.status !== "RUNNING") continue;
      record.stopRequested = true;
      record.abort();
      record.stopSignal.abort();
      this.tokens.closeExecution(record.executionArn);
    }
  }
}

function details(data: Record<string, unknown>, includeExecutionData: boolean): Record<string, unknown> {
  if (includeExecutionData) return data;
  const { input: _input, output: _output, parameters: _parameters, ...rest } = data;
  return rest;
}

/**
 * Maps the library's event log, and the Task events the local handlers record per attempt, to Step
 * Functions history events. A Task attempt's events (TaskScheduled, TaskStarted, TaskSubmitted,
 * TaskSucceeded/TaskFailed/TaskTimedOut) follow the TaskStateEntered of the state, or the retry that
 * started it; the library's own StateFailed/StateRetried/StateCaught have no AWS counterpart.
 */
export function toHistoryEvents(
  record: {
    events: LibraryEvent[];
    taskAttempts: Map<string, TaskAttemptEvent[][]>;
    stateMachineArn: string;
    /** State types to report instead of the local definition's (rewritten Wait states). */
    stateTypes?: Record<string, string>;
    status?: ExecutionStatus;
  },
  includeExecutionData = true,
): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const used = new Map<string, number>();
  const push = (type: string, timestamp: number | Date, extra: Record<string, unknown> = {}): void => {
    const id = out.length + 1;
    out.push({
      timestamp: typeof timestamp === "number" ? timestamp / 1000 : epochSeconds(timestamp),
      type,
      id,
      previousEventId: id - 1,
      ...extra,
    });
  };
  const pushAttempt = (stateName: string): void => {
    const index = used.get(stateName) ?? 0;
    const attempt = record.taskAttempts.get(stateName)?.[index];
    used.set(stateName, index + 1);
    for (const event of attempt ?? []) {
      const { type, timestamp, ...data } = event;
      const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
      const detail: Record<string, unknown> = { ...data };
      if (detail.output !== undefined) detail.outputDetails = { truncated: false };
      push(type, timestamp, { [key]: details(detail, includeExecutionData) });
    }
  };
  for (const event of record.events) {
    const reported = event.state as
      | { name: string; type: string; input?: unknown; output?: unknown }
      | undefined;
    const state =
      reported && record.stateTypes?.[reported.name]
        ? { ...reported, type: record.stateTypes[reported.name] as string }
        : reported;
    switch (event.type) {
      case "ExecutionStarted":
        push("ExecutionStarted", event.timestamp, {
          executionStartedEventDetails: details(
            { input: JSON.stringify(event.input ?? null), inputDetails: { truncated: false } },
            includeExecutionData,
          ),
        });
        break;
      case "ExecutionSucceeded":
        push("ExecutionSucceeded", event.timestamp, {
          executionSucceededEventDetails: details(
            { output: JSON.stringify(event.output ?? null), outputDetails: { truncated: false } },
            includeExecutionData,
          ),
        });
        break;
      case "ExecutionFailed":
        push("ExecutionFailed", event.timestamp, {
          executionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? "") },
        });
        break;
      case "ExecutionAborted":
        if (record.status === "TIMED_OUT") {
          push("ExecutionTimedOut", event.timestamp, { executionTimedOutEventDetails: {} });
        } else {
          push("ExecutionAborted", event.timestamp, { executionAbortedEventDetails: {} });
        }
        break;
      case "ExecutionTimeout":
        push("ExecutionTimedOut", event.timestamp, { executionTimedOutEventDetails: {} });
        break;
      case "StateEntered":
        if (!state) break;
        push(`${state.type}StateEntered`, event.timestamp, {
          stateEnteredEventDetails: details(
            {
              name: state.name,
              input: JSON.stringify(state.input ?? null),
              inputDetails: { truncated: false },
            },
            includeExecutionData,
          ),
        });
        if (state.type === "Task") pushAttempt(state.name);
        break;
      case "StateRetried":
        if (state?.type === "Task") pushAttempt(state.name);
        break;
      case "StateExited":
        if (!state) break;
        push(`${state.type}StateExited`, event.timestamp, {
          stateExitedEventDetails: details(
            {
              name: state.name,
              output: JSON.stringify(state.output ?? null),
              outputDetails: { truncated: false },
            },
            includeExecutionData,
          ),
        });
        break;
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed": {
        const parent = event.parentState as { name: string } | undefined;
        push(event.type, event.timestamp, {
          mapIterationEventDetails: { name: parent?.name, index: event.index },
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function describeForApi(record: LocalExecution): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    redriveCount: 0,
    redriveStatus: "NOT_REDRIVABLE",
  };
}

function summaryForApi(record: LocalExecution): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
  };
}

function page<T>(items: T[], body: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const start = typeof body.nextToken === "string" ? Number.parseInt(body.nextToken, 10) || 0 : 0;
  const max = typeof body.maxResults === "number" && body.maxResults > 0 ? body.maxResults : 1000;
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, nextToken: String(start + max) } : { items: slice };
}

function parseOutput(output: unknown): unknown {
  if (typeof output !== "string") {
    throw new SfnError("ValidationException", "1 validation error detected: Value null at 'output'");
  }
  try {
    return JSON.parse(output);
  } catch {
    throw new SfnError("InvalidOutput", `Invalid Output: '${output}'`);
  }
}

function asTaskTokenError(error: unknown): never {
  if (error instanceof TaskTokenError) throw new SfnError(error.code, error.message);
  throw error;
}

/** Performs one API operation on the engine; returns the response body. */
export function performOperation(
  engine: LocalStepFunctions,
  operation: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  switch (operation) {
    case "StartExecution": {
      const record = engine.startExecution({
        stateMachineArn: requireString(body, "stateMachineArn"),
        ...(typeof body.name === "string" ? { name: body.name } : {}),
        ...(typeof body.input === "string" ? { input: body.input } : {}),
      });
      return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate) };
    }
    case "DescribeExecution":
      return describeForApi(engine.describeExecution(requireString(body, "executionArn")));
    case "ListExecutions": {
      const stateMachineArn = requireString(body, "stateMachineArn");
      const status = typeof body.statusFilter === "string" ? body.statusFilter : undefined;
      const { items, nextToken } = page(engine.listExecutions(stateMachineArn, status), body);
      return { executions: items.map(summaryForApi), ...(nextToken ? { nextToken } : {}) };
    }
    case "GetExecutionHistory": {
      const events = engine.history(requireString(body, "executionArn"), body.includeExecutionData !== false);
      if (body.reverseOrder === true) events.reverse();
      const { items, nextToken } = page(events, body);
      return { events: items, ...(nextToken ? { nextToken } : {}) };
    }
    case "StopExecution": {
      const record = engine.stopExecution(
        requireString(body, "executionArn"),
        typeof body.error === "string" ? body.error : undefined,
        typeof body.cause === "string" ? body.cause : undefined,
      );
      return { stopDate: epochSeconds(record.stopDate ?? engine.clock.now()) };
    }
    case "SendTaskSuccess": {
      const token = requireString(body, "taskToken");
      const output = parseOutput(body.output);
      try {
        engine.tokens.succeed(token, output);
        engine.settleCallback(token, { output });
      } catch (error) {
        asTaskTokenError(error);
      }
      return {};
    }
    case "SendTaskFailure": {
      const token = requireString(body, "taskToken");
      try {
        const failure = {
          ...(typeof body.error === "string" ? { error: body.error } : {}),
          ...(typeof body.cause === "string" ? { cause: body.cause } : {}),
        };
        engine.tokens.fail(token, failure.error, failure.cause);
        engine.settleCallback(token, failure);
      } catch (error) {
        asTaskTokenError(error);
      }
      return {};
    }
    case "SendTaskHeartbeat":
      try {
        engine.tokens.heartbeat(requireString(body, "taskToken"));
      } catch (error) {
        asTaskTokenError(error);
      }
      return {};
    case "DescribeStateMachine": {
      const { spec, definition, created } = engine.stateMachine(requireString(body, "stateMachineArn"));
      return {
        stateMachineArn: spec.arn,
        name: spec.name,
        status: "ACTIVE",
        definition: JSON.stringify(spec.definition),
        localDefinition: JSON.stringify(definition),
        roleArn: spec.roleArn ?? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/frist-local`,
        type: "STANDARD",
        creationDate: epochSeconds(created),
      };
    }
    case "ListStateMachines":
      return {
        stateMachines: engine.stateMachines().map(({ spec, created }) => ({
          stateMachineArn: spec.arn,
          name: spec.name,
          type: "STANDARD",
          creationDate: epochSeconds(created),
        })),
      };
    default:
      throw new SfnError(
        "UnknownOperationException",
        `Operation ${operation} is not supported by the local endpoint`,
      );
  }
}

/** Options of {@link startStepFunctionsLocal}. */
export interface StepFunctionsLocalOptions {
  stateMachines: LocalStateMachineSpec[];
  invoke: LambdaInvoker;
  region: string;
  /** The host name of its URLs; default 127.0.0.1. It listens on loopback only ("localhost": 127.0.0.1). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
  /** The clock the engine follows; default: real time. */
  clock?: SimulatedClock;
  /** Keep executions in this directory across restarts (see {@link LocalStepFunctionsOptions.dataDir}). */
  dataDir?: string;
}

/** A running local Step Functions endpoint. */
export interface StepFunctionsLocalServer {
  /** What AWS_ENDPOINT_URL_SFN is set to. */
  endpoint: string;
  port: number;
  engine: LocalStepFunctions;
  stop(): Promise<void>;
}

/**
 * Why a Step Functions API call is refused, if it is: the SDK sends `application/x-amz-json-1.0`
 * and no `Origin`; a request with an Origin comes from a web page (403), another content type from
 * something that is not an SDK (415; `text/plain` is what a page can send without a preflight).
 */
export function sfnRequestRefusal(
  headers: IncomingHttpHeaders,
): { status: 403 | 415; type: string; message: string } | undefined {
  if (headerValue(headers, "origin") !== undefined || fromAnotherSite(headers)) {
    return { status: 403, type: "AccessDeniedException", message: "requests from a web page are refused" };
  }
  if (mediaTypeOf(headers) !== "application/x-amz-json-1.0") {
    return {
      status: 415,
      type: "UnsupportedMediaTypeException",
      message: "Content-Type must be application/x-amz-json-1.0",
    };
  }
  return undefined;
}

/** Starts the endpoint; see the module comment for what it speaks. */
export async function startStepFunctionsLocal(
  options: StepFunctionsLocalOptions,
): Promise<StepFunctionsLocalServer> {
  const engine = new LocalStepFunctions(options.stateMachines, options.invoke, options.region, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  const server: FastifyInstance = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

  server.post("/", async (request, reply) => {
    const requestId = randomUUID();
    reply.header("x-amzn-RequestId", requestId).type("application/x-amz-json-1.0");
    const target = String(request.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("AWSStepFunctions.") ? target.slice("AWSStepFunctions.".length) : "";
    const refused = sfnRequestRefusal(request.headers);
    if (refused) {
      options.log?.(`sfn ${operation} refused: ${refused.type}`);
      return reply
        .code(refused.status)
        .header("x-amzn-ErrorType", refused.type)
        .send(JSON.stringify({ __type: `com.amazonaws.states#${refused.type}`, message: refused.message }));
    }
    try {
      let body: Record<string, unknown> = {};
      const raw = typeof request.body === "string" ? request.body : "";
      if (raw.trim() !== "") {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw new SfnError("SerializationException", "Malformed JSON body");
        }
      }
      const response = performOperation(engine, operation, body);
      options.log?.(`sfn ${operation} ok`);
      return reply.code(200).send(JSON.stringify(response));
    } catch (error) {
      if (error instanceof SfnError) {
        options.log?.(`sfn ${operation} ${error.type}`);
        return reply
          .code(400)
          .header("x-amzn-ErrorType", error.type)
          .send(JSON.stringify({ __type: `com.amazonaws.states#${error.type}`, message: error.message }));
      }
      options.log?.(`sfn ${operation} failed: ${(error as Error).message}`);
      return reply.code(500).send(
        JSON.stringify({
          __type: "com.amazonaws.states#InternalFailure",
          message: (error as Error).message,
        }),
      );
    }
  });

  const host = options.host ?? "127.0.0.1";
  await server.listen({ host: loopbackListenAddress(host), port: options.port ?? 0 });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    port,
    engine,
    async stop() {
      // With a data directory the executions stay RUNNING on disk, to be resumed by the next start.
      engine.suspendAll();
      await server.close();
    },
  };
}
