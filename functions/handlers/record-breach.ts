/**
 * The deadline timer's escalation steps, one function: RecordBreach (the legal deadline passed
 * without a decision: the breach recorded once with its DeadlineBreaches metric, the clinic lead told
 * each working day), EscalateUrgentTarget (`step: "urgent-target"`: an urgent referral's internal
 * target passed, recorded and escalated once) and RetimeAssessment (`step: "retime"`: the priority
 * changed, the timer set anew). Each returns the wait until the timer's next point and its step.
 */
import { workflowStep } from "../adapters/invocation";
import {
  clock,
  config,
  dependencies,
  mailer,
  metrics,
  publicBaseUrl,
  renderStaffEmails,
  store,
} from "../adapters/root";
import { escalateUrgentTarget, recordBreach, retimeAssessment } from "../domain/deadline-timer";

const deps = dependencies(store, clock, mailer, renderStaffEmails, metrics, config, publicBaseUrl);

export const handler = workflowStep(
  async (input: { referralId: string; step?: "urgent-target" | "retime" }) => {
    if (input.step === "urgent-target") return escalateUrgentTarget(deps, input);
    if (input.step === "retime") return retimeAssessment(deps, input);
    return recordBreach(deps, input);
  },
);
