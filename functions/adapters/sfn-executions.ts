/**
 * The workflow's executions on Step Functions, for recovery: DescribeExecution by name (the referral
 * id, then `<id>-r1`, `-r2`, … until one does not exist), ListExecutions of the unsuccessful ones,
 * StartExecution of a resume. Only names, statuses, dates and error names leave this adapter: an
 * execution's cause may quote data.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import {
  resumeExecutionName,
  type WorkflowExecution,
  type WorkflowExecutions,
  type WorkflowInput,
} from "../domain/recovery";

/** More resumes than any referral gets (the policy stops at a few); bounds the DescribeExecution probes. */
const MAX_EXECUTIONS_PER_REFERRAL = 50;

const UNSUCCESSFUL = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/** Step Functions implementation of the WorkflowExecutions port. */
export class StepFunctionsExecutions implements WorkflowExecutions {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  #arnOf(name: string): string {
    return `${this.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
  }

  async ofReferral(referralId: string): Promise<WorkflowExecution[]> {
    const executions: WorkflowExecution[] = [];
    for (let n = 0; n < MAX_EXECUTIONS_PER_REFERRAL; n++) {
      const name = resumeExecutionName(referralId, n);
      try {
        const described = await this.client.send(
          new DescribeExecutionCommand({ executionArn: this.#arnOf(name) }),
        );
        executions.push({
          name,
          status: (described.status ?? "RUNNING") as WorkflowExecution["status"],
          startedAt: (described.startDate ?? new Date(0)).toISOString(),
          ...(described.stopDate ? { stoppedAt: described.stopDate.toISOString() } : {}),
          ...(described.error ? { error: described.error.slice(0, 100) } : {}),
        });
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) break;
        throw error;
      }
    }
    return executions;
  }

  async listUnsuccessful(): Promise<string[]> {
    const names: string[] = [];
    for (const statusFilter of UNSUCCESSFUL) {
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, statusFilter, nextToken }),
        );
        for (const execution of page.executions ?? []) if (execution.name) names.push(execution.name);
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return names;
  }

  async start(name: string, input: WorkflowInput): Promise<boolean> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return false;
      throw error;
    }
  }
}
