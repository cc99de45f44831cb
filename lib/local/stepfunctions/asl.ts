/**
 * Every adaptation the local runtime makes so that aws-local-stepfunctions 3.0.0 runs the synthesized
 * state machine the way Step Functions does. The graph (states, transitions, Retry, Catch, paths) stays
 * the one that deploys; only what the library reads differently from AWS is rewritten, and each
 * rewrite is listed in the notes {@link adaptDefinitionForLocal} returns:
 *
 * - Simulated time (lib/local/time/simulated-clock.ts): the waits that stand for time passing in the world
 *   follow the local runtime's clock, not the library's real-time setTimeout, so `--clock`,
 *   `--time-scale` and advancing the clock move them as they move the handlers' time:
 *   - a callback (`.waitForTaskToken`) Task's `TimeoutSeconds`/`TimeoutSecondsPath` is taken out of
 *     the library's hands: the value travels through `Parameters` as `__fristTimeoutSeconds` and the
 *     local Task handler enforces it on the clock, failing the task with `States.Timeout` (Retry and
 *     Catch match it, the library compares error names) and closing its token (a late SendTaskSuccess
 *     answers TaskTimedOut). The library's own timer is set to its longest, 2^31-1 ms of real time.
 *     Because the library only spares its own timeout error from `States.TaskFailed`, such a Task may
 *     not Retry or Catch `States.TaskFailed`; that definition is refused rather than run wrongly.
 *   - a `Wait` state becomes a Task on a local-only resource with the same name, paths and transitions,
 *     whose handler sleeps on the clock until `Seconds`/`SecondsPath`/`Timestamp`/`TimestampPath`;
 *     the execution history still shows it as a Wait state.
 *   - the definition's `TimeoutSeconds` is taken out and reported as `executionTimeoutSeconds`; the
 *     engine enforces it on the clock.
 *   A plain invoke's timeout bounds a function's real compute, so it stays on real time (the library's).
 * - `TimeoutSecondsPath` of a plain invoke is read by the library from the input after `Parameters`
 *   (AWS reads the state input). The path is copied into `Parameters` as `__fristTimeoutSeconds` and
 *   `TimeoutSecondsPath` points there; the Task handler strips the field before the function sees it.
 * - A Task without a timeout times out after 60 s in the library; AWS has no such default (a Lambda's
 *   own timeout bounds a plain invoke, a callback task waits). It gets the longest local timeout.
 * - Timeouts over 2^31-1 ms (about 24.8 days) fire at once in Node's setTimeout; the library's are
 *   clamped to it (the clock chunks its own timers, so simulated waits have no such limit).
 * - `QueryLanguage: "JSONPath"` is the default and is dropped; JSONata, `Assign`, `Arguments` and
 *   `Output` are ignored by the library, so a definition using them is refused rather than run wrongly.
 *
 * It also builds the `taskResourceLocalHandlers`: Lambda invokes call the handler modules in-process,
 * and callback (`.waitForTaskToken`) tasks wait for the local SendTaskSuccess/SendTaskFailure through
 * a {@link TaskTokenRegistry}, since the library has no callback of its own.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { functionNameFromArn } from "../template";
import { parseIsoTimestamp, SimulatedClock } from "../time/simulated-clock";

/** An Amazon States Language definition (or a nested Branch/ItemProcessor) as plain JSON. */
export type AslDefinition = Record<string, unknown> & { States: Record<string, AslState>; StartAt: string };
/** One state of a definition. */
export type AslState = Record<string, unknown> & { Type: string };

/** Field added to `Parameters` to carry a Task's timeout; never reaches a handler. */
export const LOCAL_TIMEOUT_FIELD = "__fristTimeoutSeconds";

/** The local-only resource a `Wait` state is rewritten to: a Task that sleeps on the simulated clock. */
export const SIMULATED_WAIT_RESOURCE = "arn:aws:states:::frist-local:wait";

/** The clock the local engine's waits and timeouts follow (a {@link SimulatedClock}). */
export type LocalClock = Pick<SimulatedClock, "now" | "nowMs" | "sleepUntil">;

/** The longest timeout Node's setTimeout honours, in whole seconds (2^31-1 ms). */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor(2_147_483_647 / 1000);

/**
 * What `$$.Task.Token` evaluates to in a local run. The library takes the context object from the run
 * options, once per execution; the Task handler swaps this placeholder for a fresh token per attempt.
 */
export const TASK_TOKEN_PLACEHOLDER = "frist-local:task-token-placeholder";

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_INVOKE_CALLBACK = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/;

/** The result of {@link adaptDefinitionForLocal}. */
export interface LocalDefinition {
  /** A deep copy of the definition, rewritten for aws-local-stepfunctions. */
  definition: AslDefinition;
  /** One line per rewrite: what changed, in which state, and why. */
  notes: string[];
  /** The Wait states rewritten into simulated-clock Tasks (the history shows them as Wait states). */
  simulatedWaits: string[];
  /** The definition's TimeoutSeconds, for the engine to enforce on the simulated clock. */
  executionTimeoutSeconds?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nestedDefinitions(state: AslState): AslDefinition[] {
  const nested: AslDefinition[] = [];
  if (Array.isArray(state.Branches)) nested.push(...(state.Branches as AslDefinition[]));
  if (isRecord(state.Iterator)) nested.push(state.Iterator as AslDefinition);
  if (isRecord(state.ItemProcessor)) nested.push(state.ItemProcessor as AslDefinition);
  return nested;
}

/** Every state of a definition and its nested Parallel branches and Map processors, with its name. */
export function allStates(definition: AslDefinition): Array<[string, AslState]> {
  const out: Array<[string, AslState]> = [];
  for (const [name, state] of Object.entries(definition.States)) {
    out.push([name, state]);
    for (const nested of nestedDefinitions(state)) out.push(...allStates(nested));
  }
  return out;
}

/**
 * Rewrites a synthesized definition for aws-local-stepfunctions (see the module comment for the list).
 * The input is not modified. Throws for features the library would silently ignore.
 */
export function adaptDefinitionForLocal(original: AslDefinition): LocalDefinition {
  const definition = structuredClone(original);
  const notes: string[] = [];
  const simulatedWaits: string[] = [];
  let executionTimeoutSeconds: number | undefined;

  const adaptLanguage = (holder: Record<string, unknown>, where: string): void => {
    if (holder.QueryLanguage === "JSONata") {
      throw new Error(
        `${where} uses JSONata, which aws-local-stepfunctions ignores; Frist workflows use JSONPath`,
      );
    }
    if (holder.QueryLanguage !== undefined) {
      delete holder.QueryLanguage;
      notes.push(`${where}: dropped QueryLanguage "JSONPath" (the default)`);
    }
  };

  const adaptMachine = (machine: AslDefinition, where: string, root = false): void => {
    adaptLanguage(machine, where);
    if (root && typeof machine.TimeoutSeconds === "number") {
      executionTimeoutSeconds = machine.TimeoutSeconds;
      delete machine.TimeoutSeconds;
      notes.push(
        `${where}: TimeoutSeconds ${executionTimeoutSeconds} enforced by the local engine on the simulated clock`,
      );
    } else if (
      typeof machine.TimeoutSeconds === "number" &&
      machine.TimeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS
    ) {
      notes.push(
        `${where}: TimeoutSeconds ${machine.TimeoutSeconds} clamped to ${MAX_LOCAL_TIMEOUT_SECONDS}`,
      );
      machine.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
    }
    for (const [name, state] of Object.entries(machine.States)) {
      adaptLanguage(state, `State ${name}`);
      for (const field of ["Assign", "Arguments", "Output"]) {
        if (field in state) {
          throw new Error(`State ${name} uses ${field}, which aws-local-stepfunctions ignores`);
        }
      }
      if (state.Type === "Task") adaptTask(name, state);
      if (state.Type === "Wait") machine.States[name] = adaptWait(name, state);
      for (const nested of nestedDefinitions(state)) adaptMachine(nested, `State ${name} (nested)`);
    }
  };

  const adaptWait = (name: string, state: AslState): AslState => {
    const parameters: Record<string, unknown> = { "input.$": "$" };
    let wait: string;
    if (typeof state.Seconds === "number") {
      parameters.seconds = state.Seconds;
      wait = `Seconds ${state.Seconds}`;
    } else if (typeof state.SecondsPath === "string") {
      parameters["seconds.$"] = state.SecondsPath;
      wait = `SecondsPath ${state.SecondsPath}`;
    } else if (typeof state.Timestamp === "string") {
      parameters.timestamp = state.Timestamp;
      wait = `Timestamp ${state.Timestamp}`;
    } else if (typeof state.TimestampPath === "string") {
      parameters["timestamp.$"] = state.TimestampPath;
      wait = `TimestampPath ${state.TimestampPath}`;
    } else {
      throw new Error(`State ${name}: a Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath`);
    }
    const task: AslState = {
      Type: "Task",
      Resource: SIMULATED_WAIT_RESOURCE,
      Parameters: parameters,
      TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS,
    };
    for (const field of ["Comment", "InputPath", "OutputPath", "Next", "End"]) {
      if (field in state) task[field] = state[field];
    }
    simulatedWaits.push(name);
    notes.push(`State ${name}: Wait (${wait}) sleeps on the simulated clock, as a local-only Task`);
    return task;
  };

  const refuseTaskFailedMatch = (name: string, state: AslState): void => {
    for (const field of ["Retry", "Catch"]) {
      const rules = Array.isArray(state[field]) ? (state[field] as Array<{ ErrorEquals?: unknown }>) : [];
      if (
        rules.some(
          (rule) => Array.isArray(rule.ErrorEquals) && rule.ErrorEquals.includes("States.TaskFailed"),
        )
      ) {
        throw new Error(
          `State ${name}: ${field} on States.TaskFailed would also match the local simulated-clock timeout ` +
            "(the library spares only its own timeout error); match the errors by name instead",
        );
      }
    }
  };

  const adaptCallbackTimeout = (name: string, state: AslState): void => {
    const path = typeof state.TimeoutSecondsPath === "string" ? state.TimeoutSecondsPath : undefined;
    const seconds = typeof state.TimeoutSeconds === "number" ? state.TimeoutSeconds : undefined;
    if (path === undefined && seconds === undefined) {
      state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
      notes.push(`State ${name}: no timeout, as on AWS (the library's default would be 60 s)`);
      return;
    }
    if (!isRecord(state.Parameters)) {
      throw new Error(`State ${name}: a callback Task without Parameters cannot pass its task token`);
    }
    refuseTaskFailedMatch(name, state);
    state.Parameters =
      path !== undefined
        ? { ...state.Parameters, [`${LOCAL_TIMEOUT_FIELD}.$`]: path }
        : { ...state.Parameters, [LOCAL_TIMEOUT_FIELD]: seconds };
    delete state.TimeoutSecondsPath;
    state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
    notes.push(
      `State ${name}: ${path !== undefined ? `TimeoutSecondsPath ${path}` : `TimeoutSeconds ${seconds}`} ` +
        `enforced by the local Task handler on the simulated clock (carried as $.${LOCAL_TIMEOUT_FIELD})`,
    );
  };

  const adaptTask = (name: string, state: AslState): void => {
    if (LAMBDA_INVOKE_CALLBACK.test(String(state.Resource))) {
      adaptCallbackTimeout(name, state);
      return;
    }
    if (typeof state.TimeoutSecondsPath === "string") {
      if (isRecord(state.Parameters)) {
        state.Parameters = { ...state.Parameters, [`${LOCAL_TIMEOUT_FIELD}.$`]: state.TimeoutSecondsPath };
        notes.push(
          `State ${name}: TimeoutSecondsPath ${state.TimeoutSecondsPath} carried through Parameters as ` +
            `$.${LOCAL_TIMEOUT_FIELD} (the library reads it after Parameters)`,
        );
        state.TimeoutSecondsPath = `$.${LOCAL_TIMEOUT_FIELD}`;
      }
    } else if (typeof state.TimeoutSeconds === "number") {
      if (state.TimeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS) {
        notes.push(
          `State ${name}: TimeoutSeconds ${state.TimeoutSeconds} clamped to ${MAX_LOCAL_TIMEOUT_SECONDS}`,
        );
        state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
      }
    } else {
      state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
      notes.push(`State ${name}: no timeout, as on AWS (the library's default would be 60 s)`);
    }
  };

  adaptMachine(definition, "Definition", true);
  return {
    definition,
    notes,
    simulatedWaits,
    ...(executionTimeoutSeconds !== undefined ? { executionTimeoutSeconds } : {}),
  };
}

/** A fresh task token: 64 url-safe random characters. */
export function newTaskToken(): string {
  return randomBytes(48).toString("base64url");
}

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{64}$/;

/** Returns a copy of a JSON value with the token placeholder replaced by the token wherever it occurs. */
export function replaceTaskTokenPlaceholder<T>(value: T, token: string): T {
  if (typeof value === "string") return value.split(TASK_TOKEN_PLACEHOLDER).join(token) as T;
  if (Array.isArray(value)) return value.map((item) => replaceTaskTokenPlaceholder(item, token)) as T;
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceTaskTokenPlaceholder(item, token)]),
    ) as T;
  }
  return value;
}

/** The context object of one local execution; the library adds Execution.Input and StartTime. */
export function buildExecutionContext(options: {
  executionArn: string;
  executionName: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn?: string;
}): Record<string, unknown> {
  return {
    Execution: {
      Id: options.executionArn,
      Name: options.executionName,
      RoleArn: options.roleArn ?? "arn:aws:iam::000000000000:role/frist-local",
      RedriveCount: 0,
    },
    StateMachine: { Id: options.stateMachineArn, Name: options.stateMachineName },
    Task: { Token: TASK_TOKEN_PLACEHOLDER },
  };
}

/**
 * The error a Lambda function raised, as Step Functions reports it: `name` is the errorType (so Retry
 * and Catch ErrorEquals match, the library compares error.name) and `message` the Cause, the JSON of
 * errorType, errorMessage and trace, exactly what a Catch hands to the next state on AWS.
 */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, cause: string) {
    super(cause);
    this.name = errorType;
  }
}

/** Wraps anything a handler threw into a {@link LambdaFunctionError}, as Lambda's Node runtime does. */
export function toLambdaFunctionError(error: unknown): LambdaFunctionError {
  if (error instanceof LambdaFunctionError) return error;
  const errorType = error instanceof Error && error.name ? error.name : "Error";
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split("\n") : [];
  return new LambdaFunctionError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

/** Why a SendTask* call was refused; `code` is the Step Functions exception name. */
export class TaskTokenError extends Error {
  constructor(
    readonly code: "InvalidToken" | "TaskDoesNotExist" | "TaskTimedOut",
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** Settles a callback task nobody can resume any more (timed out, or its execution stopped). */
export class TaskClosedError extends Error {
  constructor(readonly status: TaskTokenStatus) {
    super(`The task is ${status}: nothing can resume it`);
    this.name = "States.Runtime";
  }
}

/**
 * A callback task's deadline passed on the simulated clock before SendTaskSuccess/Failure: the error
 * Step Functions raises, under its name, so `Retry`/`Catch` `ErrorEquals: ["States.Timeout"]` match.
 */
export class TaskTimeoutError extends Error {
  constructor(seconds: number) {
    super(`The task did not answer within its timeout of ${seconds} s (local simulated clock)`);
    this.name = "States.Timeout";
  }
}

/** A `States.Runtime` error: a bad timeout or wait value. Like on AWS, no Retry or Catch takes it. */
export class LocalRuntimeError extends Error {
  /** Read by aws-local-stepfunctions' Retry/Catch matching. */
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = "States.Runtime";
  }
}

/** State of a callback task, as the registry knows it. */
export type TaskTokenStatus = "waiting" | "succeeded" | "failed" | "timed-out" | "closed";

/** A task token the registry issued. */
export interface IssuedTaskToken {
  token: string;
  executionArn: string;
  stateName: string;
  status: TaskTokenStatus;
  issuedAt: Date;
}

interface TokenEntry extends IssuedTaskToken {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The task tokens of callback tasks: one per task attempt, each settled at most once. Tokens are kept
 * after use so that a second SendTaskSuccess answers TaskTimedOut, as AWS does for a token whose task
 * no longer waits.
 */
export class TaskTokenRegistry {
  readonly #entries = new Map<string, TokenEntry>();

  /** `now` stamps `issuedAt` (the engine passes its simulated clock). */
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Issues a token for a waiting task; `result` settles with the output or the failure sent for it. */
  issue(executionArn: string, stateName: string): { token: string; result: Promise<unknown> } {
    const token = newTaskToken();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    // The library may have given up on the task already (timeout): never leave an unhandled rejection.
    promise.catch(() => undefined);
    this.#entries.set(token, {
      token,
      executionArn,
      stateName,
      status: "waiting",
      issuedAt: this.now(),
      resolve,
      reject,
    });
    return { token, result: promise };
  }

  /**
   * Takes over a token issued before a restart of the local stack (persisted with its execution), as
   * waiting again: the staff link's task, which maps to this token in DynamoDB, keeps working.
   */
  adopt(
    token: string,
    executionArn: string,
    stateName: string,
    issuedAt: Date,
  ): { token: string; result: Promise<unknown> } {
    if (this.#entries.get(token)?.status === "waiting") throw new Error("the token is already waiting");
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    promise.catch(() => undefined);
    this.#entries.set(token, {
      token,
      executionArn,
      stateName,
      status: "waiting",
      issuedAt,
      resolve,
      reject,
    });
    return { token, result: promise };
  }

  #waiting(token: string): TokenEntry {
    const entry = this.#entries.get(token);
    if (!entry) {
      if (!TOKEN_FORMAT.test(token))
        throw new TaskTokenError("InvalidToken", "Invalid Token: 'Invalid token'");
      throw new TaskTokenError("TaskDoesNotExist", "Task does not exist");
    }
    if (entry.status !== "waiting") {
      throw new TaskTokenError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
    }
    return entry;
  }

  /** SendTaskSuccess: resumes the task with the parsed output. */
  succeed(token: string, output: unknown): IssuedTaskToken {
    const entry = this.#waiting(token);
    entry.status = "succeeded";
    entry.resolve(output);
    return entry;
  }

  /** SendTaskFailure: fails the task with an error whose name is the given error code. */
  fail(token: string, error: string | undefined, cause: string | undefined): IssuedTaskToken {
    const entry = this.#waiting(token);
    entry.status = "failed";
    const failure = new Error(cause ?? "");
    failure.name = error ?? "";
    entry.reject(failure);
    return entry;
  }

  /** SendTaskHeartbeat: checks the token (heartbeat timeouts are not enforced locally). */
  heartbeat(token: string): IssuedTaskToken {
    return this.#waiting(token);
  }

  /** Marks one waiting token timed out (its task's deadline passed); false when it no longer waited. */
  timeOut(token: string): boolean {
    const entry = this.#entries.get(token);
    if (entry?.status !== "waiting") return false;
    entry.status = "timed-out";
    entry.reject(new TaskClosedError("timed-out"));
    return true;
  }

  /** Marks the waiting token(s) of a state as timed out (the library raised States.Timeout). */
  expire(executionArn: string, stateName: string): IssuedTaskToken[] {
    return this.#close(executionArn, "timed-out", stateName);
  }

  /** Marks every waiting token of an execution closed: it ended, so nothing can resume it. */
  closeExecution(executionArn: string): IssuedTaskToken[] {
    return this.#close(executionArn, "closed");
  }

  /** Withdraws one token (its task failed before waiting, e.g. the function threw). */
  withdraw(token: string): void {
    const entry = this.#entries.get(token);
    if (entry?.status === "waiting") entry.status = "closed";
  }

  #close(executionArn: string, status: TaskTokenStatus, stateName?: string): IssuedTaskToken[] {
    const closed: IssuedTaskToken[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.executionArn !== executionArn || entry.status !== "waiting") continue;
      if (stateName !== undefined && entry.stateName !== stateName) continue;
      entry.status = status;
      // Settle the waiting handler so the library clears its (possibly days long) timeout timer.
      entry.reject(new TaskClosedError(status));
      closed.push(entry);
    }
    return closed;
  }

  /** The tokens issued so far, optionally for one execution (for tests and the operations page). */
  list(executionArn?: string): IssuedTaskToken[] {
    return [...this.#entries.values()]
      .filter((entry) => executionArn === undefined || entry.executionArn === executionArn)
      .map(({ token, executionArn: arn, stateName, status, issuedAt }) => ({
        token,
        executionArn: arn,
        stateName,
        status,
        issuedAt,
      }));
  }
}

/** Invokes a function of the app by its logical id with a JSON payload; throws what the handler throws. */
export type LambdaInvoker = (
  functionLogicalId: string,
  payload: unknown,
  origin: { executionArn: string; stateName: string },
) => Promise<unknown>;

/** A Task event of one task attempt, for the execution history. */
export interface TaskAttemptEvent {
  type: "TaskScheduled" | "TaskStarted" | "TaskSubmitted" | "TaskSucceeded" | "TaskFailed" | "TaskTimedOut";
  timestamp: Date;
  resourceType: string;
  resource: string;
  parameters?: string;
  output?: string;
  error?: string;
  cause?: string;
  timeoutInSeconds?: number;
}

/** Options of {@link buildTaskHandlers}. */
export interface TaskHandlerOptions {
  /** The adapted definition (see {@link adaptDefinitionForLocal}). */
  definition: AslDefinition;
  invoke: LambdaInvoker;
  tokens: TaskTokenRegistry;
  executionArn: string;
  region: string;
  /** The clock timeouts and Wait states follow; default: real time. */
  clock?: LocalClock;
  /** Aborted when the execution stops: pending simulated waits give up their timers. */
  signal?: AbortSignal;
  /** True once the execution stopped (aborted): the library may still try a retry, which must not run. */
  isStopped?: () => boolean;
  /** Called when a Task state starts an attempt; returns where that attempt's events go. */
  onTaskAttempt?: (stateName: string) => (event: TaskAttemptEvent) => void;
  /**
   * Called when a resumed callback task takes its persisted token back; returns where the events of
   * that (continued) attempt go. Defaults to {@link onTaskAttempt}.
   */
  onTaskResume?: (stateName: string) => (event: TaskAttemptEvent) => void;
  /**
   * A callback task's token was issued (`submitted: false`, before its function runs) or its function
   * returned and the task now waits for SendTaskSuccess/Failure (`submitted: true`); `deadlineMs` is
   * its timeout on the clock. The engine persists this to resume the wait after a restart.
   */
  onCallback?: (event: { stateName: string; token: string; deadlineMs?: number; submitted: boolean }) => void;
  /** A (rewritten) Wait state sleeps until `untilMs` on the clock; persisted like {@link onCallback}. */
  onWait?: (stateName: string, untilMs: number) => void;
  /**
   * Where a resumed execution (after a restart of the local stack) picks up, consumed by the first
   * attempt of that state: a callback task with a `token` waits for that token again without invoking
   * its function (its function already ran and stored the token), until `deadlineMs`; one without a
   * token runs again, keeping `deadlineMs`; a Wait state sleeps until `untilMs`.
   */
  resume?: {
    stateName: string;
    token?: string;
    issuedAt?: Date;
    deadlineMs?: number;
    untilMs?: number;
    /** What was sent for the token before the restart, if anything: the task settles with it at once. */
    settled?: { output: unknown } | { error?: string; cause?: string };
  };
}

type LocalHandler = (input: unknown) => Promise<unknown>;

function describeResource(resource: string): { resourceType: string; resource: string } {
  if (LAMBDA_FUNCTION_ARN.test(resource)) return { resourceType: "lambda", resource };
  const match = /^arn:aws[a-z-]*:states:::([^:]+):(.+)$/.exec(resource);
  return match
    ? { resourceType: match[1] as string, resource: match[2] as string }
    : { resourceType: "", resource };
}

function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/**
 * The `taskResourceLocalHandlers` for one execution: one per Task state (nested ones included, the
 * library looks them up by state name), and one per Wait state rewritten to sleep on the clock.
 * Resources other than Lambda invokes are refused up front, because the library would otherwise call
 * AWS.
 */
export function buildTaskHandlers(options: TaskHandlerOptions): Record<string, LocalHandler> {
  const handlers: Record<string, LocalHandler> = {};
  const clock = options.clock ?? new SimulatedClock();
  let pendingResume = options.resume;
  const withClock = {
    ...options,
    clock,
    /** The resume point, handed to the first attempt of its state only. */
    takeResume: (stateName: string) => {
      if (pendingResume?.stateName !== stateName) return undefined;
      const taken = pendingResume;
      pendingResume = undefined;
      return taken;
    },
  };
  for (const [stateName, state] of allStates(options.definition)) {
    if (state.Type !== "Task") continue;
    const resource = String(state.Resource);
    if (resource === SIMULATED_WAIT_RESOURCE) {
      handlers[stateName] = (input) => runWait(withClock, stateName, input);
      continue;
    }
    const callback = LAMBDA_INVOKE_CALLBACK.test(resource);
    if (!callback && !LAMBDA_INVOKE.test(resource) && !LAMBDA_FUNCTION_ARN.test(resource)) {
      throw new Error(`State ${stateName}: resource ${resource} has no local implementation`);
    }
    handlers[stateName] = (input) => runTask(withClock, stateName, resource, callback, input);
  }
  return handlers;
}

function tryParseTimestamp(value: string): number | undefined {
  try {
    return parseIsoTimestamp(value).getTime();
  } catch {
    return undefined;
  }
}

/** A rewritten Wait state: sleeps on the clock, then passes its input on unchanged. */
type RunOptions = TaskHandlerOptions & {
  clock: LocalClock;
  takeResume: (stateName: string) => TaskHandlerOptions["resume"];
};

async function runWait(options: RunOptions, stateName: string, input: unknown): Promise<unknown> {
  const { clock } = options;
  const spec = isRecord(input) ? input : {};
  const resumedUntil = options.takeResume(stateName)?.untilMs;
  let until: number;
  if (resumedUntil !== undefined) {
    until = resumedUntil;
  } else if ("seconds" in spec) {
    const seconds = spec.seconds;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
      throw new LocalRuntimeError(
        `State ${stateName}: the Wait seconds must be a non-negative integer, got ${JSON.stringify(seconds)}`,
      );
    }
    until = clock.nowMs() + seconds * 1000;
  } else if ("timestamp" in spec) {
    const timestamp = spec.timestamp;
    const parsed = typeof timestamp === "string" ? tryParseTimestamp(timestamp) : undefined;
    if (parsed === undefined) {
      throw new LocalRuntimeError(
        `State ${stateName}: the Wait timestamp must be an RFC 3339 timestamp, got ${JSON.stringify(timestamp)}`,
      );
    }
    until = parsed;
  } else {
    until = clock.nowMs();
  }
  options.onWait?.(stateName, until);
  await clock.sleepUntil(until, options.signal);
  return spec.input ?? null;
}

/**
 * One task attempt. Deliberately not `async`: the library computes its (real-time) timeout from the
 * same input object right after calling the handler, so the timeout clamp below must happen
 * synchronously. A callback task's own timeout is enforced here on the clock instead.
 */
function runTask(
  options: RunOptions,
  stateName: string,
  resource: string,
  callback: boolean,
  input: unknown,
): Promise<unknown> {
  const { clock } = options;
  const resumed = callback ? options.takeResume(stateName) : undefined;
  const adopting = resumed?.token !== undefined;
  const record =
    (adopting ? (options.onTaskResume ?? options.onTaskAttempt) : options.onTaskAttempt)?.(stateName) ??
    (() => undefined);
  const described = describeResource(resource);
  const emit = (type: TaskAttemptEvent["type"], extra: Partial<TaskAttemptEvent> = {}): void =>
    record({ type, timestamp: clock.now(), ...described, ...extra });

  let timeoutInSeconds: number | undefined;
  let parameters: unknown = input;
  if (isRecord(input) && LOCAL_TIMEOUT_FIELD in input) {
    const value = input[LOCAL_TIMEOUT_FIELD];
    if (!callback && typeof value === "number" && value > MAX_LOCAL_TIMEOUT_SECONDS)
      input[LOCAL_TIMEOUT_FIELD] = MAX_LOCAL_TIMEOUT_SECONDS;
    if (callback && (typeof value !== "number" || !Number.isInteger(value) || value < 1)) {
      return Promise.reject(
        new LocalRuntimeError(
          `State ${stateName}: the timeout must be a positive integer of seconds, got ${JSON.stringify(value)}`,
        ),
      );
    }
    timeoutInSeconds = typeof value === "number" ? value : undefined;
    const { [LOCAL_TIMEOUT_FIELD]: _carried, ...rest } = input;
    parameters = rest;
  }

  let token: string | undefined;
  let callbackResult: Promise<unknown> | undefined;
  if (callback) {
    const issued =
      adopting && resumed?.token
        ? options.tokens.adopt(
            resumed.token,
            options.executionArn,
            stateName,
            resumed.issuedAt ?? clock.now(),
          )
        : options.tokens.issue(options.executionArn, stateName);
    token = issued.token;
    callbackResult = issued.result;
    parameters = replaceTaskTokenPlaceholder(parameters, token);
    const settled = adopting ? resumed?.settled : undefined;
    if (settled && "output" in settled) options.tokens.succeed(token, settled.output);
    else if (settled) options.tokens.fail(token, settled.error, settled.cause);
  }

  const direct = LAMBDA_FUNCTION_ARN.test(resource);
  const functionName = direct
    ? functionNameFromArn(resource)
    : functionNameFromArn(String((parameters as Record<string, unknown>)?.FunctionName ?? ""));
  const payload = direct ? parameters : ((parameters as Record<string, unknown>)?.Payload ?? null);

  if (!adopting) {
    emit("TaskScheduled", {
      parameters: JSON.stringify(parameters),
      ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}),
    });
    emit("TaskStarted");
  }
  // A callback task's deadline, on the clock, from its start (as Step Functions counts it); a resumed
  // one keeps the deadline it had before the restart.
  const deadline =
    callback && timeoutInSeconds !== undefined
      ? (resumed?.deadlineMs ?? clock.nowMs() + timeoutInSeconds * 1000)
      : undefined;
  if (callback && token) {
    options.onCallback?.({
      stateName,
      token,
      ...(deadline !== undefined ? { deadlineMs: deadline } : {}),
      submitted: adopting,
    });
  }
  let timedOut = false;

  const waitForCallback = async (pending: Promise<unknown>): Promise<unknown> => {
    try {
      const output = await pending;
      emit("TaskSucceeded", { output: JSON.stringify(output) });
      return output;
    } catch (failure) {
      const error = failure as Error;
      if (!(error instanceof TaskClosedError))
        emit("TaskFailed", { error: error.name, cause: error.message });
      throw error;
    }
  };

  const attempt = async (): Promise<unknown> => {
    if (options.isStopped?.()) throw new TaskClosedError("closed");
    // The function ran before the restart and stored this token: only the wait goes on.
    if (adopting && callbackResult) return waitForCallback(callbackResult);
    let result: unknown;
    try {
      result = toJson(
        await options.invoke(functionName, toJson(payload), {
          executionArn: options.executionArn,
          stateName,
        }),
      );
    } catch (thrown) {
      const error = toLambdaFunctionError(thrown);
      if (token) options.tokens.withdraw(token);
      if (!timedOut) emit("TaskFailed", { error: error.name, cause: error.message });
      throw error;
    }
    if (timedOut) throw new TaskClosedError("timed-out");
    if (direct) {
      emit("TaskSucceeded", { output: JSON.stringify(result) });
      return result;
    }
    const response = {
      ExecutedVersion: "$LATEST",
      Payload: result,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
      StatusCode: 200,
    };
    if (!callbackResult) {
      emit("TaskSucceeded", { output: JSON.stringify(response) });
      return response;
    }
    emit("TaskSubmitted", { output: JSON.stringify(response) });
    if (token) {
      options.onCallback?.({
        stateName,
        token,
        ...(deadline !== undefined ? { deadlineMs: deadline } : {}),
        submitted: true,
      });
    }
    return waitForCallback(callbackResult);
  };
  if (deadline === undefined || timeoutInSeconds === undefined) return attempt();

  const seconds = timeoutInSeconds;
  const timer = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal;
  return new Promise((resolve, reject) => {
    let settled = false;
    attempt().then(
      (output) => {
        if (settled) return;
        settled = true;
        timer.abort();
        resolve(output);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        timer.abort();
        reject(error);
      },
    );
    clock.sleepUntil(deadline, signal).then(
      () => {
        if (settled) return;
        settled = true;
        timedOut = true;
        if (token) options.tokens.timeOut(token);
        emit("TaskTimedOut", { error: "States.Timeout" });
        reject(new TaskTimeoutError(seconds));
      },
      () => undefined,
    );
  });
}
