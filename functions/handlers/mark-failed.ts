/** Workflow step MarkFailed: the catch-all's landing, marks the referral failed before the execution fails. */
import { workflowStep } from "../adapters/invocation";
import { clock, dependencies, store } from "../adapters/root";
import { markFailed } from "../domain/assessment-answer";

const deps = dependencies(store, clock);

export const handler = workflowStep(async (input: { referralId: string; error?: { Error?: string } }) => {
  await markFailed(deps, input);
  return { referralId: input.referralId };
});
