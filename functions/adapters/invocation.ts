/**
 * What every deployed handler is wrapped in: the invocation's Lambda context on each log line, the
 * metrics flushed when it ends, and a mark saying which wrapper it is. API routes get it through
 * `apiRoute`/`jsonRoute` (./http.ts); workflow steps and scheduled runs through {@link workflowStep}.
 * test/unit/handlers-wrapped.test.ts reads the mark of every handler in functions/handlers, so a new
 * handler that forgets its wrapper (and with it the context in its log lines) fails there.
 */
import type { Context } from "aws-lambda";
import { withLambdaContext } from "./logger";
import { flushMetrics } from "./metrics";

/** Where a wrapped handler carries its {@link HandlerMark}. */
export const HANDLER_MARK: unique symbol = Symbol.for("frist.handler");

/**
 * Which wrapper a handler has: an API route (with the options it declared, so a test can check what
 * every route declares) or a workflow step.
 */
export type HandlerMark<RouteOptions = unknown> =
  | { kind: "api-route"; route: RouteOptions }
  | { kind: "workflow-step" };

/** A handler as Lambda calls it, marked with its wrapper. */
export type MarkedHandler<E, R, M extends HandlerMark = HandlerMark> = ((
  event: E,
  context?: Context,
) => Promise<R>) & { readonly [HANDLER_MARK]: M };

/** The mark of a wrapped handler, or undefined for anything else (a bare function, a module value). */
export function handlerMarkOf(value: unknown): HandlerMark | undefined {
  if (typeof value !== "function") return undefined;
  return (value as Partial<Record<typeof HANDLER_MARK, HandlerMark>>)[HANDLER_MARK];
}

/**
 * `handle` as an invocation: its log lines carry the Lambda context (the context is optional so a test
 * may call a handler with the event alone), any metrics still buffered are published when it ends,
 * however it ends, and the result or the error is passed on unchanged.
 */
export function invocation<E, R, M extends HandlerMark>(
  mark: M,
  handle: (event: E) => Promise<R>,
): MarkedHandler<E, R, M> {
  const wrapped = withLambdaContext(async (event: E) => {
    try {
      return await handle(event);
    } finally {
      flushMetrics();
    }
  });
  return Object.assign(wrapped, { [HANDLER_MARK]: mark });
}

/**
 * A handler invoked by Step Functions (a workflow step) or by a schedule: {@link invocation}, with
 * errors passed on as they are thrown. Step Functions matches its Retry and Catch on the error's name
 * (functions/domain/errors.ts: fixed messages, no data), so the wrapper neither renames nor logs them.
 */
export function workflowStep<E, R>(
  handle: (event: E) => Promise<R>,
): MarkedHandler<E, R, { kind: "workflow-step" }> {
  return invocation({ kind: "workflow-step" }, handle);
}
