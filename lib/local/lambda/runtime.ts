/**
 * Runs the app's Lambda functions as Lambda runs them: each in an execution environment of its own
 * (a worker thread, lib/local/lambda/worker.ts, started on the function's first invocation) whose
 * `process.env` holds exactly that function's variables from the synthesized template plus what
 * Lambda itself sets, and nothing of this process or of the other functions. A function that reads a
 * variable the template does not give it fails here as it would on AWS; its credentials are its own
 * (see {@link FunctionEnvironment}), so the calls it makes can be checked against its own policy.
 *
 * One environment per function handles its invocations concurrently (Lambda would start one per
 * concurrent invocation: the difference shows only as memory and cold starts, which the benchmarks
 * measure on the bundles). An environment whose init failed is dropped, and the next invocation starts
 * a new one, as Lambda retries a failed init.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Context } from "aws-lambda";
import { counters } from "../operations/counters";
import type { LocalFunction } from "../template";
import type { LocalBundles } from "./bundles";
import { endWorker, startTypeScriptWorker } from "./typescript-worker";
import type { FromWorker, ToWorker, WorkerError, WorkerSetup } from "./worker";

/** A Lambda handler: promise style, or the legacy callback style. */
export type LambdaHandler = (
  event: unknown,
  context: Context,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown;

/**
 * The heap limits Lambda's Node.js runtime sets for a memory setting: its bootstrap starts Node with
 * `--max-semi-space-size` of a twentieth of the memory and `--max-old-space-size` of the memory less a
 * tenth (in MB, rounded down). As a worker thread's limits: V8's young generation is three
 * semi-spaces (two and the new large-object space), and V8 rounds a semi-space up as the flag does.
 */
export function lambdaHeapLimits(memorySize: number): {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
} {
  const memory = Math.max(memorySize, 128);
  const newSpace = Math.floor(memory / 10);
  return {
    maxOldGenerationSizeMb: memory - newSpace,
    maxYoungGenerationSizeMb: 3 * Math.floor(newSpace / 2),
  };
}

/** The environment of one function's execution environment, built by the caller. */
export type FunctionEnvironment = (fn: LocalFunction) => Record<string, string>;

/**
 * The variables Lambda itself sets in a Node.js 22 execution environment (the reserved ones the
 * handlers or Powertools may read), with the function's own credentials. `TZ` is left out: in a
 * worker thread it would change the time zone of the whole process.
 */
export function lambdaEnvironment(
  fn: LocalFunction,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${fn.logicalId}`,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    _HANDLER: `index.${fn.handlerName}`,
    LANG: "en_US.UTF-8",
  };
}

/**
 * The variable that tells Frist's metrics adapter its EMF lines are read here (the worker hands them
 * to `onMetricLine`), so it writes them even under FRIST_QUIET.
 */
export const LOCAL_METRICS_ENV = "FRIST_LOCAL_METRICS";

/** Options of {@link createLambdaRuntime}. */
export interface LambdaRuntimeOptions {
  /** The repository root the "frist:entry" paths are relative to. */
  repoRoot: string;
  functions: Record<string, LocalFunction>;
  region: string;
  /** Each function's whole `process.env` (its template variables, Lambda's own, the local endpoints). */
  environment: FunctionEnvironment;
  /**
   * The handlers' bundles (./bundles.ts), asked for as each environment starts; without them (or
   * for an entry they lack) the environment runs the handler's TypeScript source.
   */
  bundles?: () => LocalBundles | undefined;
  /** Count DynamoDB consumed capacity in each environment (lib/local/operations/counters.ts). Default true. */
  countCapacity?: boolean;
  /** How long a stopped environment may take to finish its invocations before it is terminated. */
  stopGraceMs?: number;
  /** Each Embedded Metric Format line a function writes to stdout (the local CloudWatch's metrics). */
  onMetricLine?: (functionLogicalId: string, line: string) => void;
  /** Each invocation that failed (threw, timed out, or its environment failed): Lambda's `Errors`. */
  onInvocationError?: (functionLogicalId: string) => void;
  /** Each environment as it starts, with what settles once it has loaded its handler (or failed to). */
  onColdStart?: (functionLogicalId: string, ready: Promise<void>) => void;
}

/** Invokes functions by logical id. */
export interface LambdaRuntime {
  invoke(functionLogicalId: string, event: unknown): Promise<unknown>;
  /** Sets variables in every running environment and in those started later (the simulated clock). */
  setEnvironment(values: Record<string, string | undefined>): void;
  /** The functions whose environment is running. */
  running(): string[];
  /** Starts these functions' environments now and resolves when each has loaded (or failed to). */
  warm(functionLogicalIds: string[]): Promise<void>;
  /** Stops every environment. */
  stop(): Promise<void>;
}

const WORKER_MODULE = new URL("./worker.ts", import.meta.url);

/** The default of {@link LambdaRuntimeOptions.stopGraceMs}. */
const STOP_GRACE_MS = 5_000;

/** Rebuilds what a handler threw, under its own name (Step Functions' Retry and Catch match on it). */
function rebuildError(error: WorkerError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One function's execution environment. */
class ExecutionEnvironment {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Resolves when the thread has ended. */
  private readonly exited: Promise<void>;
  private retiring: Promise<void> | undefined;
  private readonly graceMs: number;
  /** Resolves when the handler module is imported; rejects with its init error. */
  readonly ready: Promise<void>;
  failed = false;

  constructor(
    readonly fn: LocalFunction,
    options: LambdaRuntimeOptions,
    env: Record<string, string>,
    private readonly onGone: () => void,
  ) {
    this.graceMs = options.stopGraceMs ?? STOP_GRACE_MS;
    const bundles = options.bundles?.();
    const bundled = bundles?.fileOf(fn.entry);
    const setup: WorkerSetup = {
      entryFile: bundled ?? path.resolve(options.repoRoot, fn.entry),
      handlerName: fn.handlerName,
      logicalId: fn.logicalId,
      memorySize: fn.memorySize,
      region: options.region,
      countCapacity: options.countCapacity ?? true,
      // A bundle has the defines compiled in; a source run is given them as globals.
      ...(!bundled && fn.bundleDefines ? { bundleDefines: fn.bundleDefines } : {}),
    };
    const threadOptions = {
      env,
      name: fn.logicalId,
      // The heap Lambda gives the function: one that outgrows it fails here too.
      resourceLimits: lambdaHeapLimits(fn.memorySize),
    };
    // Bundled, the thread runs plain JavaScript, as Lambda's runtime does; from source, through tsx.
    this.worker =
      bundled && bundles
        ? new Worker(pathToFileURL(bundles.workerFile), { ...threadOptions, execArgv: [], workerData: setup })
        : startTypeScriptWorker(WORKER_MODULE, setup, threadOptions);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.ready = promise;
    this.ready.catch(() => undefined);
    this.worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") resolve();
      else if (message.type === "metrics") options.onMetricLine?.(fn.logicalId, message.line);
      else if (message.type === "init-error") {
        this.fail(rebuildError(message.error));
        reject(rebuildError(message.error));
      } else this.settle(message);
    });
    this.worker.on("error", (error) => {
      this.fail(error);
      reject(error);
    });
    const { promise: exited, resolve: markExited } = Promise.withResolvers<void>();
    this.exited = exited;
    this.worker.on("exit", (code) => {
      markExited();
      const error = new Error(`The execution environment of ${fn.logicalId} exited (code ${code})`);
      error.name = "Runtime.ExitError";
      this.fail(error);
      // Whatever was still under way when it ended (a stop that had to terminate it) fails now.
      this.rejectPending(error);
      reject(error);
    });
  }

  private settle(message: Extract<FromWorker, { type: "result" }>): void {
    if (message.capacity) counters.addDynamodb(message.capacity, this.fn.logicalId);
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.payload === undefined ? undefined : JSON.parse(message.payload));
    else waiting.reject(rebuildError(message.error ?? { name: "Error", message: "unknown error" }));
  }

  /** The environment cannot serve any more: every invocation in flight fails with `error`. */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onGone();
    this.rejectPending(error);
    void this.retire();
  }

  private rejectPending(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  /** Ends the thread once: it finishes what is under way; terminated only after the grace period. */
  private retire(): Promise<void> {
    const askToStop = () => this.worker.postMessage({ type: "stop" } satisfies ToWorker);
    this.retiring ??= endWorker(this.worker, this.exited, askToStop, this.graceMs);
    return this.retiring;
  }

  post(message: ToWorker): void {
    if (!this.failed) this.worker.postMessage(message);
  }

  invoke(event: unknown): Promise<unknown> {
    const id = this.nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.pending.set(id, { resolve, reject });
    // JSON, as Lambda's API carries it (undefined becomes null, as an empty payload does).
    const text = event === undefined ? "null" : JSON.stringify(event);
    this.post({
      type: "invoke",
      id,
      event: text,
      requestId: randomUUID(),
      deadlineMs: Date.now() + this.fn.timeoutSeconds * 1000,
    });
    return promise;
  }

  /** Stops taking invocations; those under way finish (within the grace period) before it ends. */
  async stop(): Promise<void> {
    this.failed = true;
    await this.retire();
  }
}

/** Creates the local Lambda runtime for the app's functions. */
export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const environments = new Map<string, ExecutionEnvironment>();
  let stopped = false;
  // Later values for every environment (the simulated clock), kept for the ones not yet started.
  const shared: Record<string, string | undefined> = {};

  const find = (logicalId: string): LocalFunction => {
    const fn = options.functions[logicalId];
    if (!fn) {
      const error = new Error(`Function not found: ${logicalId}`);
      error.name = "Lambda.ResourceNotFoundException";
      throw error;
    }
    return fn;
  };

  const environmentOf = (fn: LocalFunction): ExecutionEnvironment => {
    let environment = environments.get(fn.logicalId);
    if (!environment || environment.failed) {
      const env: Record<string, string> = { ...options.environment(fn) };
      for (const [name, value] of Object.entries(shared)) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
      const created: ExecutionEnvironment = new ExecutionEnvironment(fn, options, env, () => {
        if (environments.get(fn.logicalId) === created) environments.delete(fn.logicalId);
      });
      environment = created;
      environments.set(fn.logicalId, created);
      options.onColdStart?.(fn.logicalId, created.ready);
    }
    return environment;
  };

  return {
    async invoke(functionLogicalId, event) {
      const fn = find(functionLogicalId);
      if (stopped) {
        // Nothing starts after stop (a workflow step or a schedule still under way).
        const error = new Error(`The local runtime is stopped: ${functionLogicalId} not invoked`);
        error.name = "Lambda.ServiceException";
        throw error;
      }
      const environment = environmentOf(fn);
      // Posted at once: the environment keeps what arrives during its init, as Lambda holds an
      // invocation behind a cold start, so a stop that comes next still lets it run. An init error
      // fails it (and `ready`) with that error.
      const answer = environment.invoke(event);
      answer.catch(() => undefined);
      await environment.ready;
      // Billed duration: the handler's time, as Lambda measures it (cost counting, lib/local/operations/counters.ts).
      const started = performance.now();
      try {
        return await answer;
      } catch (error) {
        options.onInvocationError?.(fn.logicalId);
        throw error;
      } finally {
        counters.lambdaInvocation(fn.logicalId, fn.memorySize, performance.now() - started);
      }
    },
    setEnvironment(values) {
      Object.assign(shared, values);
      for (const environment of environments.values()) environment.post({ type: "env", values });
    },
    running: () => [...environments.keys()],
    async warm(functionLogicalIds) {
      await Promise.all(functionLogicalIds.map((id) => environmentOf(find(id)).ready.catch(() => undefined)));
    },
    async stop() {
      stopped = true;
      const all = [...environments.values()];
      environments.clear();
      await Promise.all(all.map((environment) => environment.stop()));
    },
  };
}
