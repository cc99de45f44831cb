/** Workflow step AcknowledgeSecondary: a secondary referral is acknowledged to its referrer and closed. */
import { workflowStep } from "../adapters/invocation";
import { clock, config, dependencies, mailer, publicBaseUrl, renderLetters, store } from "../adapters/root";
import { acknowledgeSecondary } from "../domain/secondary";

const deps = dependencies(store, clock, mailer, renderLetters, config, publicBaseUrl);

export const handler = workflowStep(async (input: { referralId: string }) =>
  acknowledgeSecondary(deps, input.referralId),
);
