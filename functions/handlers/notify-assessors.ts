/**
 * Workflow steps AwaitAssessment, AwaitAfterReminder and AwaitAfterBreach (waitForTaskToken): the
 * first ("initial") stores the task token under an opaque task id and emails the assessors a neutral
 * link; the later ones ("rearm") swap the new token into the same task. The workflow waits until the
 * decision resumes it or the timer runs out.
 */
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
import { type NotifyPhase, notifyAssessors } from "../domain/assessment";

const deps = dependencies(store, clock, mailer, renderStaffEmails, config, publicBaseUrl);

export const handler = workflowStep(
  async (input: { referralId: string; taskToken: string; phase?: NotifyPhase }) =>
    notifyAssessors(deps, input),
);
