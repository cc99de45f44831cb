/**
 * Workflow steps of the answer's letters: `DispatchLetters` (the decision letter to the referrer,
 * copies to the patient and the GP, one per person) and, when the patient's copy waits for post,
 * `EscalatePostalLetter` on the morning of the due date (to the clerk and the lead, if still waiting).
 */
import { workflowStep } from "../adapters/invocation";
import { clock, config, dependencies, mailer, publicBaseUrl, render, store } from "../adapters/root";
import { dispatchDecisionLetters, escalateWaitingPatientLetter } from "../domain/dispatch";

const deps = dependencies(store, clock, mailer, render, config, publicBaseUrl);

export const handler = workflowStep(
  async (input: { referralId: string; step?: "dispatch" | "escalate-postal" }) =>
    input.step === "escalate-postal"
      ? escalateWaitingPatientLetter(deps, input.referralId)
      : dispatchDecisionLetters(deps, input.referralId),
);
