/**
 * The handlers' logger: Powertools for AWS Lambda's Logger behind a formatter that keeps ids and
 * error names only. A log line has no way to carry a request body or an error message, because
 * either may hold a national ID or health details; any other field a caller passes is dropped.
 *
 * Powertools writes one JSON object per line straight to stdout (not through the console Lambda
 * wraps under the JSON log format), so the level is the line's own and nothing is double-encoded.
 */
import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import type { Context } from "aws-lambda";
import { METRICS_SERVICE } from "../domain/ports";

type Field = string | number | boolean | undefined;

/** A field a log line may carry: an id (`referralId`, `taskIds`, …) or the error's name. */
const ID_KEY = /^[a-z][A-Za-z0-9]*(Id|Ids)$/;
/** An id's shape: a uuid, a ULID, a slug. Not free text, not a sentence, not a date of birth with a name. */
const ID_VALUE = /^[A-Za-z0-9._:-]{1,128}$/;

function keepsField(key: string, value: unknown): boolean {
  if (key === "errorName") return typeof value === "string" && /^[A-Za-z0-9_$.]{1,64}$/.test(value);
  if (!ID_KEY.test(key)) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.every((v) => (typeof v === "string" && ID_VALUE.test(v)) || typeof v === "number");
}

/**
 * Powertools' standard keys (level, message, timestamp, service, the Lambda context, the trace id),
 * then only the fields {@link keepsField} allows.
 */
export class IdsOnlyLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const kept: LogAttributes = {};
    for (const [key, value] of Object.entries(additional))
      if (keepsField(key, value)) kept[key] = value as string;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: base }).addAttributes(kept);
  }
}

let powertools: Logger | undefined;
/** Built on first use: a handler that never logs never pays for it at cold start. */
function powertoolsLogger(): Logger {
  powertools ??= new Logger({ serviceName: METRICS_SERVICE, logFormatter: new IdsOnlyLogFormatter() });
  return powertools;
}

/** FRIST_QUIET=1 (tests, the local default's quiet mode) silences info and warn; errors still print. */
const quiet = () => process.env.FRIST_QUIET === "1";

/** The logger every handler uses: a fixed message plus ids. */
export const logger = {
  /**
   * The invocation's Lambda context, on every line until the next invocation's: `function_name`,
   * `function_request_id` and `cold_start` (true on the environment's first invocation only, counted
   * by Powertools). Built here even when quiet: the cold start is counted from the first invocation,
   * not from the first line logged.
   */
  addContext: (context: Context) => powertoolsLogger().addContext(context),
  info: (message: string, fields: Record<string, Field> = {}) => {
    if (!quiet()) powertoolsLogger().info(message, fields);
  },
  warn: (message: string, fields: Record<string, Field> = {}) => {
    if (!quiet()) powertoolsLogger().warn(message, fields);
  },
  /** Logs the error's name only: its message may quote data. */
  error: (message: string, error: unknown, fields: Record<string, Field> = {}) =>
    powertoolsLogger().error(message, {
      ...fields,
      errorName: error instanceof Error ? error.name : typeof error,
    }),
};

/**
 * Wraps a handler so its log lines carry the invocation's Lambda context (see {@link logger}'s
 * `addContext`), as Powertools' `injectLambdaContext` does for a middy handler. Handlers get it
 * through their wrapper (./invocation.ts): `apiRoute`/`jsonRoute` for API routes, `workflowStep` for
 * workflow steps and scheduled runs. The context is optional so that tests may call a handler with
 * the event alone.
 */
export function withLambdaContext<E, R>(
  handle: (event: E) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  return (event, context) => {
    if (context) logger.addContext(context);
    return handle(event);
  };
}
