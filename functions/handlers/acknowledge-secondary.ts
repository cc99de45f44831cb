/** Workflow step AcknowledgeSecondary: a secondary referral is acknowledged to its referrer and closed. */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { acknowledgeSecondary } from "../domain/secondary";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  config: clinicConfigFromEnv(),
};

export const handler = async (input: { referralId: string }) => acknowledgeSecondary(deps, input.referralId);
