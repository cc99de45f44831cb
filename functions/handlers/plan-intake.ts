/** Workflow step PlanIntake: assigns the referral to the intake team and sets the wait for a decision. */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { referralStoreFromEnv } from "../adapters/wiring";
import { planIntake } from "../domain/assessment";

const deps = { store: referralStoreFromEnv(), clock: systemClock, config: clinicConfigFromEnv() };

export const handler = async (input: { referralId: string }) => planIntake(deps, input.referralId);
