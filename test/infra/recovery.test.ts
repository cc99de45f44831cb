/**
 * Recovery in the synthesized template: an EventBridge rule every 15 minutes runs the reconciler,
 * whose role reaches only this state machine's executions and the table's items (no scan, no delete),
 * and an alarm on the WorkflowsNeedingRecovery metric it writes goes to the operations topic.
 */
import { describe, expect, it } from "vitest";
import { RECOVERY_METRIC } from "../../functions/domain/recovery";
import {
  actionsOf,
  allowStatementsOf,
  functionByEntry,
  type Json,
  ofType,
  type Resource,
} from "../support/template";

const [reconcilerId, reconciler] = functionByEntry("functions/handlers/reconcile-workflows.ts");
const [stateMachineId] = ofType("AWS::StepFunctions::StateMachine")[0] as [string, Resource];

describe("the reconciler's schedule", () => {
  const rules = ofType("AWS::Events::Rule").filter(([, rule]) =>
    JSON.stringify(rule.Properties.Targets).includes(reconcilerId),
  );

  it("runs the reconciler every 15 minutes from an EventBridge rule, with no retries that could overlap the next run", () => {
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.ScheduleExpression).toBe("rate(15 minutes)");
    expect(rule.Properties.State).toBe("ENABLED");
    const targets = rule.Properties.Targets as { Arn: Json; RetryPolicy?: Json }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual({ "Fn::GetAtt": [reconcilerId, "Arn"] });
    expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
  });

  it("lets only that rule invoke the function", () => {
    const permissions = ofType("AWS::Lambda::Permission").filter(
      ([, p]) =>
        JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ "Fn::GetAtt": [reconcilerId, "Arn"] }),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.[1].Properties).toMatchObject({
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [(rules[0] as [string, Resource])[0], "Arn"] },
    });
  });
});

describe("the reconciler's permissions", () => {
  const statements = allowStatementsOf(reconciler);
  const actions = statements.flatMap(actionsOf);

  it("may list, describe and start this state machine's executions and answer its tasks, nothing more on Step Functions", () => {
    expect(actions.filter((action) => action.startsWith("states:")).sort()).toEqual([
      "states:DescribeExecution",
      "states:ListExecutions",
      "states:SendTaskSuccess",
      "states:StartExecution",
    ]);
    const onMachine = statements.find((s) => actionsOf(s).includes("states:StartExecution"));
    expect(onMachine?.Resource).toEqual({ Ref: stateMachineId });
    const describe = statements.find((s) => actionsOf(s).includes("states:DescribeExecution"));
    const describeArn = JSON.stringify(describe?.Resource);
    expect(describeArn).toContain(":execution:");
    expect(describeArn).toContain(stateMachineId);
    expect(describeArn).not.toMatch(/execution:\*/);
  });

  it("reads referrals and the worklist index's status partitions and writes referral items, but cannot scan, delete or batch-write", () => {
    const dynamo = [...new Set(actions.filter((action) => action.startsWith("dynamodb:")))].sort();
    expect(dynamo).toEqual(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]);
    expect(actions.some((action) => action.includes("*"))).toBe(false);
    const queries = JSON.stringify(statements.filter((s) => actionsOf(s).includes("dynamodb:Query")));
    expect(queries).toContain("/index/worklist");
    expect(queries).not.toContain("index/*");
    expect(queries).toContain('"REFERRAL#*"');
    const kms = statements.find((s) => actionsOf(s).includes("kms:Decrypt"));
    expect(JSON.stringify(kms?.Condition)).toContain("kms:ViaService");
    expect(actions.some((action) => action.startsWith("ses:"))).toBe(false);
  });

  it("gets the table and the state machine, nothing else", () => {
    const variables = (reconciler.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(variables.TABLE_NAME).toBeDefined();
    expect(variables.STATE_MACHINE_ARN).toEqual({ Ref: stateMachineId });
    expect(variables.CLINIC_CONFIG).toBeUndefined();
  });
});

describe("the recovery alarm", () => {
  it("fires on the first referral the reconciler finds not where its record says, within its 15-minute period, to the operations topic", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm").filter(
      ([, a]) => a.Properties.MetricName === RECOVERY_METRIC,
    );
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0] as [string, Resource];
    expect(alarm.Properties).toMatchObject({
      Namespace: "Frist",
      Dimensions: [{ Name: "service", Value: "frist" }],
      Statistic: "Sum",
      Period: 900,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
    const [topicId] = ofType("AWS::SNS::Topic")[0] as [string, Resource];
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});
