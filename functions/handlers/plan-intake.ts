/**
 * Workflow step PlanIntake: assigns the referral to the intake team, chooses its track (a secondary
 * referral is only acknowledged) and sets the first timer of its legal clock.
 */
import { clock, config, dependencies, mailer, store } from "../adapters/root";
import { planIntake } from "../domain/assessment";

const deps = dependencies(store, clock, mailer, config);

export const handler = async (input: { referralId: string }) => planIntake(deps, input.referralId);
