/** Workflow step Complete: records that the referral's workflow has finished. */
import { workflowStep } from "../adapters/invocation";
import { clock, dependencies, store } from "../adapters/root";
import { completeReferral } from "../domain/assessment-answer";

const deps = dependencies(store, clock);

export const handler = workflowStep(async (input: { referralId: string }) => {
  await completeReferral(deps, input.referralId);
  return { referralId: input.referralId };
});
