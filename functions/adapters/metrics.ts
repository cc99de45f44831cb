/**
 * Metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per record, which Lambda's
 * log group turns into metrics without a PutMetricData call (no extra latency, no extra permission).
 */
import type { Metrics } from "../domain/ports";

/** Writes each record as one log line; FRIST_QUIET=1 (the local default's quiet mode) silences it. */
export const emfMetrics: Metrics = {
  put: (record) => {
    if (process.env.FRIST_QUIET !== "1") console.log(JSON.stringify(record));
  },
};
