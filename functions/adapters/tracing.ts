/**
 * X-Ray tracing of the AWS SDK clients with Powertools for AWS Lambda's Tracer: a subsegment per AWS
 * call, in a Lambda deployed with `frist:traceAwsCalls` (lib/constructs/frist-function.ts). Every
 * function's invocations are traced by Lambda itself either way.
 *
 * The bundler replaces `process.env.POWERTOOLS_TRACE_ENABLED` by the deployment's choice, so an
 * untraced function's bundle holds neither the tracer nor the X-Ray SDK, and its cold start never
 * loads them. Unbundled (the local runtime, tests, the CLI) the tracer loads only inside a Lambda
 * container (AWS_EXECUTION_ENV), i.e. never.
 *
 * Nothing from a response or an error is put on a trace: the functions set
 * POWERTOOLS_TRACER_CAPTURE_RESPONSE and POWERTOOLS_TRACER_CAPTURE_ERROR to false (FristFunction),
 * and SDK subsegments carry the X-Ray SDK's operation metadata (operation, table, request id) only.
 */
import type { Tracer } from "@aws-lambda-powertools/tracer";
import { METRICS_SERVICE } from "../domain/ports";

/** True in a Lambda container unless tracing is switched off (POWERTOOLS_TRACE_ENABLED=false). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.AWS_EXECUTION_ENV ?? "").startsWith("AWS_Lambda_") && env.POWERTOOLS_TRACE_ENABLED !== "false";
}

// The condition's first half is written out here (not through tracingEnabled's parameter, nor in a
// const of its own) so that the bundler's define folds it to a constant and drops the import.
const tracer: Tracer | undefined =
  process.env.POWERTOOLS_TRACE_ENABLED !== "false" && tracingEnabled()
    ? new (await import("@aws-lambda-powertools/tracer")).Tracer({
        serviceName: METRICS_SERVICE,
        captureHTTPsRequests: false,
      })
    : undefined;

/** The client with an X-Ray subsegment per call where tracing is on; the client itself otherwise. */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
