/**
 * Workflow step PlanIntake: assigns the referral to the intake team, chooses its track (a secondary
 * referral is only acknowledged) and sets the first timer of its legal clock.
 */
import { workflowStep } from "../adapters/invocation";
import { clock, config, dependencies, mailer, renderStaffEmails, store } from "../adapters/root";
import { planIntake } from "../domain/assessment";

const deps = dependencies(store, clock, mailer, renderStaffEmails, config);

/** `assessAsNew`: the AssessAsNew step of a secondary referral not confirmed as the same condition. */
export const handler = workflowStep(async (input: { referralId: string; assessAsNew?: boolean }) =>
  planIntake(deps, input.referralId, input.assessAsNew ? { assessAsNew: true } : {}),
);
