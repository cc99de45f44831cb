/**
 * X-Ray tracing of the AWS SDK clients with Powertools for AWS Lambda's Tracer. The tracer (and the
 * X-Ray SDK under it) is loaded only inside a Lambda with tracing on: the local runtime, tests and
 * the CLI never pay for it at import time, and a traced function pays once per container.
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

const tracer: Tracer | undefined = tracingEnabled()
  ? new (await import("@aws-lambda-powertools/tracer")).Tracer({
      serviceName: METRICS_SERVICE,
      captureHTTPsRequests: false,
    })
  : undefined;

/** The client with an X-Ray subsegment per call where tracing is on; the client itself otherwise. */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
