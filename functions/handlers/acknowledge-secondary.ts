/** Workflow step AcknowledgeSecondary: a secondary referral is acknowledged to its referrer and closed. */
import { clock, config, dependencies, mailer, publicBaseUrl, render, store } from "../adapters/root";
import { acknowledgeSecondary } from "../domain/secondary";

const deps = dependencies(store, clock, mailer, render, config, publicBaseUrl);

export const handler = async (input: { referralId: string }) => acknowledgeSecondary(deps, input.referralId);
