/** Workflow step DispatchLetters: the decision letter to the referrer, copies to the patient and the GP. */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { dispatchDecisionLetters } from "../domain/dispatch";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  config: clinicConfigFromEnv(),
};

export const handler = async (input: { referralId: string }) =>
  dispatchDecisionLetters(deps, input.referralId);
