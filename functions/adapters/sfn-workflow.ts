import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { RETIME_ERROR, TaskNoLongerOpen, WITHDRAWN_ERROR, type Workflow } from "../domain/ports";

/** The referral workflow on Step Functions: one execution per referral, named by the referral id. */
export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(referralId: string): Promise<void> {
    try {
      // Same name and same input while running is idempotent in Step Functions: a portal retry after a
      // lost answer lands here and must not fail.
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: referralId,
          input: JSON.stringify({ referralId }),
        }),
      );
    } catch (error) {
      // The execution already ran (or runs) for this referral: nothing more to start.
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }

  async resume(taskToken: string, output: { taskId: string; outcome: string }): Promise<void> {
    await this.answer(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async retime(taskToken: string): Promise<void> {
    // The cause is fixed text: an execution's history must hold no health data.
    await this.answer(() =>
      this.client.send(
        new SendTaskFailureCommand({ taskToken, error: RETIME_ERROR, cause: "The priority was changed." }),
      ),
    );
  }

  async withdraw(taskToken: string): Promise<void> {
    // The cause is fixed text, as for retime: no health data in the execution's history.
    await this.answer(() =>
      this.client.send(
        new SendTaskFailureCommand({
          taskToken,
          error: WITHDRAWN_ERROR,
          cause: "The referral was withdrawn by its sender.",
        }),
      ),
    );
  }

  /** Answers a wait; a wait that is over (timed out, answered, unknown) is TaskNoLongerOpen. */
  private async answer(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (
        error instanceof TaskTimedOut ||
        error instanceof TaskDoesNotExist ||
        error instanceof InvalidToken
      ) {
        throw new TaskNoLongerOpen("the workflow no longer waits for this task");
      }
      throw error;
    }
  }
}
