/**
 * Workflow step RecordBreach: the deadline passed without a decision. Records the breach (once, with
 * its DeadlineBreaches metric), escalates to the clinic lead, and returns the wait until the next
 * escalation.
 */
import { clock, config, dependencies, mailer, metrics, publicBaseUrl, store } from "../adapters/root";
import { recordBreach } from "../domain/deadline-timer";

const deps = dependencies(store, clock, mailer, metrics, config, publicBaseUrl);

export const handler = async (input: { referralId: string }) => recordBreach(deps, input);
