/** Workflow step Complete: records that the referral's workflow has finished. */
import { systemClock } from "../adapters/clock";
import { referralStoreFromEnv } from "../adapters/wiring";
import { completeReferral } from "../domain/assessment";

const deps = { store: referralStoreFromEnv(), clock: systemClock };

export const handler = async (input: { referralId: string }) => {
  await completeReferral(deps, input.referralId);
  return { referralId: input.referralId };
};
