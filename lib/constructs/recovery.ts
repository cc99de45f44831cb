import { type CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { FristFunction } from "./frist-function";
import { nagPseudo } from "./nag";
import type { ReferralStore } from "./referral-store";

/** How often the reconciler runs: a stranded referral is resumed within this (plus the grace periods). */
export const RECOVERY_SCHEDULE_MINUTES = 15;

/** Props of Recovery. */
export interface RecoveryProps {
  readonly store: ReferralStore;
  readonly stateMachine: StateMachine;
}

/**
 * The reconciler (functions/handlers/reconcile-workflows.ts) on an EventBridge rule, every 15 minutes:
 * it finds the referrals whose workflow is not where their record says (no running execution and not
 * finished, an execution that failed, a stored decision the waiting execution never took) and resumes
 * them with a new execution from the record's state, or sends the decision on. Each one it finds
 * counts once in the WorkflowsNeedingRecovery metric; Operations alarms on it. An operator resumes one
 * referral by invoking the function with `{"referralId": "…"}`.
 *
 * Least privilege: the function reads referrals (items, and the worklist index's status partitions;
 * no scan), writes only referral items (the status of a failed referral put back, its audit event)
 * and the record of its last run (RECOVERY: what it found and did, shown on operations' home),
 * and on Step Functions may list this state machine's executions, describe them, start one, and send
 * a task success. Nothing else.
 */
export class Recovery extends Construct {
  public readonly reconciler: FristFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RecoveryProps) {
    super(scope, id);
    const { store, stateMachine } = props;
    const stack = Stack.of(this);

    this.reconciler = new FristFunction(this, "ReconcilerFunction", {
      entry: "functions/handlers/reconcile-workflows.ts",
      description: "Frist recovery: resumes referrals whose workflow is not where their record says",
      // A few reads per watched referral; hundreds of them fit well within this.
      timeout: Duration.minutes(5),
      uses: {
        table: {
          get: ["referral"],
          query: ["referral"],
          // A referral's restored status and audit event; the run's findings (RECOVERY), for the home.
          put: ["referral", "recovery"],
          update: ["referral"],
          indexes: { worklist: ["statuses"] },
        },
        workflow: ["inspect", "start", "resume"],
      },
      resources: { store, stateMachine },
    });

    const machineId = stack.getLogicalId(stateMachine.node.defaultChild as CfnElement);
    const executions = `arn:${nagPseudo(this, "Partition")}:states:${nagPseudo(this, "Region")}:${nagPseudo(this, "AccountId")}:execution:<${machineId}.Name>:*`;
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executions}]`,
      reason:
        "DescribeExecution takes an execution ARN; the wildcard is the execution name, within this one state machine (names are referral ids, not known in advance).",
    });

    this.rule = new Rule(this, "ReconcileRule", {
      description: "Frist: resumes referrals whose workflow is not where their record says",
      schedule: Schedule.rate(Duration.minutes(RECOVERY_SCHEDULE_MINUTES)),
    });
    // A failed run is the next run's work; no async retries that could overlap it.
    this.rule.addTarget(new LambdaFunction(this.reconciler, { retryAttempts: 0 }));
  }
}
