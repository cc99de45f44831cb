/** Workflow step MarkFailed: the catch-all's landing, marks the referral failed before the execution fails. */
import { systemClock } from "../adapters/clock";
import { referralStoreFromEnv } from "../adapters/wiring";
import { markFailed } from "../domain/assessment";

const deps = { store: referralStoreFromEnv(), clock: systemClock };

export const handler = async (input: { referralId: string; error?: { Error?: string } }) => {
  await markFailed(deps, input);
  return { referralId: input.referralId };
};
