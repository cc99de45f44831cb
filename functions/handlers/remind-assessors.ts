/** Workflow step RemindAssessors: the reminder point passed without a decision; returns the wait until the deadline. */
import { workflowStep } from "../adapters/invocation";
import {
  clock,
  config,
  dependencies,
  mailer,
  publicBaseUrl,
  renderStaffEmails,
  store,
} from "../adapters/root";
import { remindAssessors } from "../domain/deadline-timer";

const deps = dependencies(store, clock, mailer, renderStaffEmails, config, publicBaseUrl);

export const handler = workflowStep(async (input: { referralId: string }) => remindAssessors(deps, input));
