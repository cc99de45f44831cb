/**
 * Workflow step AwaitAssessment (waitForTaskToken): stores the task token under an opaque task id and
 * emails the assessors a neutral link. The workflow waits until the decision resumes it.
 */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv, requireEnv } from "../adapters/env";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { notifyAssessors } from "../domain/assessment";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  config: clinicConfigFromEnv(),
  publicBaseUrl: requireEnv("PUBLIC_BASE_URL"),
};

export const handler = async (input: { referralId: string; taskToken: string }) =>
  notifyAssessors(deps, input);
