/**
 * One Lambda function's execution environment, as a worker thread of the local runtime
 * (lib/local/lambda/runtime.ts starts it). The thread's `process.env` is exactly what Lambda would
 * give the function: its own variables from the synthesized template and what Lambda itself sets,
 * nothing of the parent process or of other functions. The handler module is imported once, at
 * start (Lambda's init phase); an exception there fails the environment, as a Lambda init error
 * does, and the runtime starts a new one for the next invocation.
 *
 * Messages: the runtime posts `invoke` (one event), `env` (the simulated clock moved) and `stop`;
 * the worker answers each invocation with `result`, and hands on each Embedded Metric Format line the
 * function writes to stdout as `metrics` (the local CloudWatch stand-in reads its metrics there, as
 * CloudWatch reads them from the log group; under FRIST_QUIET the line is not printed). On `stop`
 * it finishes the invocations under way,
 * then closes its port, so that its event loop runs out and the thread ends on its own: terminating
 * a thread in the middle of its work (a module load, a socket read) can abort the whole process. Events and results cross as JSON text, as they
 * cross Lambda's API, so a Date or an undefined field arrives as it would on AWS.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { Context } from "aws-lambda";
import type { LambdaHandler } from "./runtime";

/** What the runtime tells a new environment. */
export interface WorkerSetup {
  /**
   * Absolute path of the handler's module: its bundle, built as the deployment builds it
   * (./bundles.ts), or its TypeScript source when the runtime was given no bundles.
   */
  entryFile: string;
  handlerName: string;
  logicalId: string;
  memorySize: number;
  region: string;
  /** Count the DynamoDB calls' consumed capacity and report it with each result (cost counting). */
  countCapacity: boolean;
  /**
   * What esbuild compiles into the deployed bundle by name (`define`, the clinic's priority guide):
   * set as globals before the handler's source loads (a bundle has them compiled in).
   */
  bundleDefines?: Record<string, unknown>;
}

/** A message from the runtime to the environment. */
export type ToWorker =
  | { type: "invoke"; id: number; event: string; requestId: string; deadlineMs: number }
  | { type: "env"; values: Record<string, string | undefined> }
  | { type: "stop" };

/** What an invocation's handler threw, enough to rebuild it on the other side. */
export interface WorkerError {
  name: string;
  message: string;
  stack?: string;
}

/** DynamoDB calls and units since the last result (lib/local/operations/counters.ts). */
export interface CapacityDelta {
  calls: number;
  readUnits: number;
  writeUnits: number;
  uncounted: number;
}

/** A message from the environment to the runtime. */
export type FromWorker =
  | { type: "ready" }
  | { type: "metrics"; line: string }
  | { type: "init-error"; error: WorkerError }
  | {
      type: "result";
      id: number;
      ok: boolean;
      /** The handler's result as JSON text (absent for undefined). */
      payload?: string;
      error?: WorkerError;
      capacity?: CapacityDelta;
    };

function toWorkerError(thrown: unknown): WorkerError {
  if (thrown instanceof Error) {
    return {
      name: thrown.name || "Error",
      message: thrown.message,
      ...(thrown.stack ? { stack: thrown.stack } : {}),
    };
  }
  return { name: "Error", message: String(thrown) };
}

function contextOf(setup: WorkerSetup, requestId: string, deadlineMs: number): Context {
  const unsupported = (): never => {
    throw new Error("The local runtime does not support the legacy context.done/succeed/fail");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: setup.logicalId,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${setup.region}:000000000000:function:${setup.logicalId}`,
    memoryLimitInMB: String(setup.memorySize),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${setup.logicalId}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

async function callHandler(handler: LambdaHandler, event: unknown, context: Context): Promise<unknown> {
  if (handler.length < 3) return handler(event, context);
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) => (error ? reject(error) : resolve(result)));
    if (returned && typeof (returned as Promise<unknown>).then === "function") {
      (returned as Promise<unknown>).then(resolve, reject);
    }
  });
}

/**
 * Hands each EMF line written to stdout (Powertools Metrics writes one JSON object per line, with
 * `_aws.CloudWatchMetrics`) to the runtime; under FRIST_QUIET it is not printed, as the handlers'
 * info lines are not.
 */
function forwardMetricLines(port: MessagePort): void {
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (!text.includes('"_aws"')) return write(chunk, ...rest);
    for (const line of text.split("\n")) {
      if (line.includes('"_aws"')) port.postMessage({ type: "metrics", line } satisfies FromWorker);
    }
    if (process.env.FRIST_QUIET !== "1") return write(chunk, ...rest);
    const callback = rest.find((arg): arg is () => void => typeof arg === "function");
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("lambda/worker runs only as a worker thread");
  forwardMetricLines(port);
  const setup = workerData as WorkerSetup;
  let initializing = true;
  let inFlight = 0;
  let stopping = false;
  /** Closes the port once nothing is under way: the last thing that keeps the thread alive. */
  const closeWhenIdle = () => {
    if (stopping && !initializing && inFlight === 0) port.close();
  };
  // Messages that arrive during init (a clock move, the first invocations) wait for the handler.
  const early: Extract<ToWorker, { type: "invoke" }>[] = [];
  let onMessage: (message: ToWorker) => void = (message) => {
    if (message.type === "env") applyEnv(message.values);
    else if (message.type === "stop") {
      stopping = true;
      closeWhenIdle();
    } else early.push(message);
  };
  port.on("message", (message: ToWorker) => onMessage(message));

  let handler: LambdaHandler;
  let takeCapacity: () => CapacityDelta | undefined = () => undefined;
  try {
    for (const [name, value] of Object.entries(setup.bundleDefines ?? {})) {
      (globalThis as Record<string, unknown>)[name] = value;
    }
    const module = (await import(pathToFileURL(setup.entryFile).href)) as Record<string, unknown>;
    const exported = module[setup.handlerName];
    if (typeof exported !== "function") {
      throw Object.assign(
        new Error(`${path.basename(setup.entryFile)} does not export a function named ${setup.handlerName}`),
        { name: "Runtime.HandlerNotFound" },
      );
    }
    handler = exported as LambdaHandler;
    // Only a function given the table has DynamoDB calls to count; the others build no client.
    if (setup.countCapacity && process.env.TABLE_NAME) takeCapacity = await countCapacity();
  } catch (error) {
    // What waited for init is failed by the runtime with this error, as Lambda fails it.
    port.postMessage({ type: "init-error", error: toWorkerError(error) } satisfies FromWorker);
    initializing = false;
    closeWhenIdle();
    return;
  }

  const invoke = async (message: Extract<ToWorker, { type: "invoke" }>): Promise<void> => {
    const context = contextOf(setup, message.requestId, message.deadlineMs);
    inFlight++;
    let reply: FromWorker;
    try {
      const result = await callHandler(handler, JSON.parse(message.event), context);
      reply = {
        type: "result",
        id: message.id,
        ok: true,
        ...(result === undefined ? {} : { payload: JSON.stringify(result) }),
      };
    } catch (error) {
      reply = { type: "result", id: message.id, ok: false, error: toWorkerError(error) };
    }
    const capacity = takeCapacity();
    port.postMessage(capacity ? { ...reply, capacity } : reply);
    inFlight--;
    closeWhenIdle();
  };
  onMessage = (message) => {
    if (message.type === "env") applyEnv(message.values);
    else if (message.type === "stop") {
      stopping = true;
      closeWhenIdle();
    } else void invoke(message);
  };
  port.postMessage({ type: "ready" } satisfies FromWorker);
  initializing = false;
  for (const message of early.splice(0)) onMessage(message);
  closeWhenIdle();
}

function applyEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/**
 * Counts the consumed capacity of this function's DynamoDB calls, with the same middleware the
 * runtime's counters use, on the client the handler's adapters share; returns a taker of what was
 * counted since it was last called.
 */
async function countCapacity(): Promise<() => CapacityDelta | undefined> {
  // Built with the bundles, the probe is a chunk of the same build as the handler's, loaded once in
  // this thread; run from source, it shares the handler's module graph the same way.
  const probe = await import("./capacity-probe");
  return probe.countHandlerCapacity();
}

void main();
