/**
 * Builds the adapters a handler needs from its environment. Handlers call these at module scope, so
 * each Lambda container builds them once.
 */
import type { Mailer, ReferralStore, StatisticsSource, Workflow } from "../domain/ports";
import type { WorkflowExecutions } from "../domain/recovery";
import { dynamoDocumentClient, sesClient, stepFunctionsClient } from "./clients";
import { DynamoReferralStore } from "./dynamo-referral-store";
import { requireEnv } from "./env";
import { SesMailer } from "./ses-mailer";
import { StepFunctionsExecutions } from "./sfn-executions";
import { StepFunctionsWorkflow } from "./sfn-workflow";

export function referralStoreFromEnv(): ReferralStore {
  return new DynamoReferralStore(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}

/** The statistics counters: kept by the referral store in the same table. */
export function statisticsFromEnv(): StatisticsSource {
  return new DynamoReferralStore(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}

export function mailerFromEnv(): Mailer {
  return new SesMailer(sesClient(), requireEnv("MAIL_FROM"), process.env.SES_CONFIGURATION_SET || undefined);
}

export function workflowFromEnv(): Workflow {
  return new StepFunctionsWorkflow(stepFunctionsClient(), requireEnv("STATE_MACHINE_ARN"));
}

/** The workflow's executions, for recovery (STATE_MACHINE_ARN). */
export function executionsFromEnv(): WorkflowExecutions {
  return new StepFunctionsExecutions(stepFunctionsClient(), requireEnv("STATE_MACHINE_ARN"));
}
