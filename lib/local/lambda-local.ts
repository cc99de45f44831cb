/**
 * Runs the app's Lambda handlers in this process: imports each entry module (tsx or vitest make the
 * .ts files importable), calls the exported handler with the event and a Lambda-like context. The
 * modules are imported only when asked, so the caller sets process.env first: the handlers build their
 * SDK clients at module scope and read AWS_ENDPOINT_URL_* and the function environment once.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { counters } from "./counters";
import { type LocalFunction, localLambdaArn } from "./template";

/** A Lambda handler: promise style, or the legacy callback style. */
export type LambdaHandler = (
  event: unknown,
  context: Context,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown;

/** Options of {@link createLambdaRuntime}. */
export interface LambdaRuntimeOptions {
  /** The repository root the "frist:entry" paths are relative to. */
  repoRoot: string;
  functions: Record<string, LocalFunction>;
  region: string;
  /** Resolves when process.env is ready; no handler module is imported before. */
  ready?: Promise<void>;
}

/** Invokes functions by logical id. */
export interface LambdaRuntime {
  invoke(functionLogicalId: string, event: unknown): Promise<unknown>;
  /** Imports every handler module now, so a broken import fails the start-up, not the first request. */
  preload(): Promise<void>;
}

/** A minimal Lambda context: enough for handlers that read the request id or the remaining time. */
export function lambdaContext(fn: LocalFunction, region: string): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const requestId = randomUUID();
  const unsupported = (): never => {
    throw new Error("The local runtime does not support the legacy context.done/succeed/fail");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.logicalId,
    functionVersion: "$LATEST",
    invokedFunctionArn: localLambdaArn(fn.logicalId, region),
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.logicalId}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Creates the in-process Lambda runtime for the app's functions. */
export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const modules = new Map<string, Promise<LambdaHandler>>();

  const load = (fn: LocalFunction): Promise<LambdaHandler> => {
    let loaded = modules.get(fn.logicalId);
    if (!loaded) {
      loaded = (async () => {
        await options.ready;
        const file = path.resolve(options.repoRoot, fn.entry);
        const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        const handler = module[fn.handlerName];
        if (typeof handler !== "function") {
          throw new Error(`${fn.entry} does not export a function named ${fn.handlerName}`);
        }
        return handler as LambdaHandler;
      })();
      modules.set(fn.logicalId, loaded);
    }
    return loaded;
  };

  const find = (logicalId: string): LocalFunction => {
    const fn = options.functions[logicalId];
    if (!fn) {
      const error = new Error(`Function not found: ${logicalId}`);
      error.name = "Lambda.ResourceNotFoundException";
      throw error;
    }
    return fn;
  };

  return {
    async invoke(functionLogicalId, event) {
      const fn = find(functionLogicalId);
      const handler = await load(fn);
      const context = lambdaContext(fn, options.region);
      // Billed duration: the handler's time, as Lambda measures it (cost counting, lib/local/counters.ts).
      const started = performance.now();
      try {
        if (handler.length >= 3) {
          return await new Promise((resolve, reject) => {
            const returned = handler(event, context, (error, result) =>
              error ? reject(error) : resolve(result),
            );
            if (returned && typeof (returned as Promise<unknown>).then === "function") {
              (returned as Promise<unknown>).then(resolve, reject);
            }
          });
        }
        return await handler(event, context);
      } finally {
        counters.lambdaInvocation(fn.logicalId, fn.memorySize, performance.now() - started);
      }
    },
    async preload() {
      await Promise.all(Object.values(options.functions).map(load));
    },
  };
}
