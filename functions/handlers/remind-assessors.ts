/** Workflow step RemindAssessors: the reminder point passed without a decision; returns the wait until the deadline. */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv, requireEnv } from "../adapters/env";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { remindAssessors } from "../domain/deadline-timer";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  config: clinicConfigFromEnv(),
  publicBaseUrl: requireEnv("PUBLIC_BASE_URL"),
};

export const handler = async (input: { referralId: string }) => remindAssessors(deps, input);
