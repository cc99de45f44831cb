/** Workflow step RecordDecision: the answered task's decision becomes the referral's. */
import { workflowStep } from "../adapters/invocation";
import { calendar, clock, dependencies, store } from "../adapters/root";
import { recordDecision } from "../domain/assessment-answer";

const deps = dependencies(store, clock, calendar);

export const handler = workflowStep(async (input: { referralId: string; taskId: string }) =>
  recordDecision(deps, input),
);
