/** Workflow step DispatchLetters: the decision letter to the referrer, copies to the patient and the GP. */
import { dependencies } from "../adapters/root";
import { dispatchDecisionLetters } from "../domain/dispatch";

const deps = dependencies("store", "clock", "mailer", "config");

export const handler = async (input: { referralId: string }) =>
  dispatchDecisionLetters(deps, input.referralId);
