/**
 * Workflow step PlanIntake: assigns the referral to the intake team, chooses its track (a secondary
 * referral is only acknowledged) and sets the first timer of its legal clock.
 */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { planIntake } from "../domain/assessment";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  config: clinicConfigFromEnv(),
};

export const handler = async (input: { referralId: string }) => planIntake(deps, input.referralId);
