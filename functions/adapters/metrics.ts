/**
 * Metrics with Powertools for AWS Lambda: each count is one CloudWatch Embedded Metric Format object
 * written straight to stdout. Under Lambda's JSON log format only that keeps `_aws` at the top level
 * of the log event (a console.log line would be wrapped as a string inside `message`, and CloudWatch
 * would never extract the metric). No PutMetricData call: no latency, no extra permission.
 */
import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, METRICS_SERVICE, type Metrics } from "../domain/ports";

let powertools: PowertoolsMetrics | undefined;

/**
 * Writes each count at once (a single-metric record); FRIST_QUIET=1 silences it, except in the local
 * runtime (FRIST_LOCAL_METRICS=1), which reads the line for its CloudWatch stand-in and prints it
 * only when not quiet.
 */
export const powertoolsMetrics: Metrics = {
  count(name, ids = {}) {
    if (process.env.FRIST_QUIET === "1" && process.env.FRIST_LOCAL_METRICS !== "1") return;
    powertools ??= new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
    const single = powertools.singleMetric();
    for (const [key, value] of Object.entries(ids)) single.addMetadata(key, value);
    single.addMetric(name, "Count", 1);
  },
};

/**
 * Publishes whatever Powertools still holds in its buffer, at the end of an invocation (./invocation.ts).
 * Each {@link powertoolsMetrics} count is written at once, so this usually finds nothing; it keeps a
 * metric added to the buffer some other way from being lost when Lambda freezes the environment.
 */
export function flushMetrics(): void {
  if (powertools?.hasStoredMetrics()) powertools.publishStoredMetrics();
}
