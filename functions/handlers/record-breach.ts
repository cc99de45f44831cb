/**
 * Workflow step RecordBreach: the deadline passed without a decision. Records the breach (once, with
 * its DeadlineBreaches metric), escalates to the clinic lead, and returns the wait until the next
 * escalation.
 */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv, requireEnv } from "../adapters/env";
import { emfMetrics } from "../adapters/metrics";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { recordBreach } from "../domain/deadline-timer";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  metrics: emfMetrics,
  config: clinicConfigFromEnv(),
  publicBaseUrl: requireEnv("PUBLIC_BASE_URL"),
};

export const handler = async (input: { referralId: string }) => recordBreach(deps, input);
