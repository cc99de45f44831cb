import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { BREACH_METRIC } from "../../functions/domain/deadline-timer";

/** Props of Operations. */
export interface OperationsProps {
  readonly stateMachine: StateMachine;
  readonly api: RestApi;
  /**
   * The workflow's MarkFailed function: its errors mean the failure handling itself is failing, so
   * a referral may not even be marked failed (alarm MarkFailedErrors).
   */
  readonly markFailedFunction?: IFunction;
  /** Subscribed to the alarm topic when given (frist:alarmEmail); confirm the subscription email. */
  readonly alarmEmail?: string;
}

/**
 * The metric RecordBreach writes once per breached referral (Powertools Embedded Metric Format, with
 * the `service` dimension Powertools always adds).
 */
export const DEADLINE_BREACH_METRIC = {
  namespace: BREACH_METRIC.namespace,
  metricName: BREACH_METRIC.name,
  dimensionsMap: { service: BREACH_METRIC.service },
} as const;

/**
 * What operations sees: an alarm topic, alarms on executions that failed, timed out or were
 * aborted, and an alarm on every missed 10-working-day deadline (the DeadlineBreaches metric). Any one of those is a referral that will not reach its decision letters by itself,
 * and a missed 10-working-day deadline is a patient's right denied, so the threshold is one
 * execution in five minutes, and no data (no executions) is not an alarm.
 *
 * The topic is encrypted with its own customer-managed key: CloudWatch alarms cannot publish to
 * a topic under the AWS-managed SNS key (its key policy cannot grant CloudWatch), so the key
 * policy here grants cloudwatch.amazonaws.com exactly what publishing needs.
 */
export class Operations extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;
  public readonly alarms: {
    failed: Alarm;
    timedOut: Alarm;
    aborted: Alarm;
    deadlineBreached: Alarm;
    markFailedErrors?: Alarm;
  };
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmArns = stack.formatArn({ service: "cloudwatch", resource: "alarm", resourceName: "*" });

    this.key = new Key(this, "TopicKey", {
      description: "Frist: encrypts the operations alarm topic",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
    );

    this.topic = new Topic(this, "AlarmTopic", {
      displayName: "Frist operations alarms",
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { ArnLike: { "aws:SourceArn": alarmArns } },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const sm = props.stateMachine;
    const period = { period: Duration.minutes(5), statistic: "Sum" };
    const breaches = new Metric({ ...DEADLINE_BREACH_METRIC, ...period });
    this.alarms = {
      failed: this.alarm("ExecutionsFailed", sm.metricFailed(period), "A referral's execution failed."),
      timedOut: this.alarm(
        "ExecutionsTimedOut",
        sm.metricTimedOut(period),
        "A referral's execution timed out.",
      ),
      aborted: this.alarm(
        "ExecutionsAborted",
        sm.metricAborted(period),
        "A referral's execution was aborted (stopped by hand or by a redeploy).",
      ),
      deadlineBreached: this.alarm(
        "DeadlineBreached",
        breaches,
        "A referral passed its 10-working-day assessment deadline without a decision (deadlineBreached: true); the clinic lead has the escalation email.",
      ),
      ...(props.markFailedFunction
        ? {
            markFailedErrors: this.alarm(
              "MarkFailedErrors",
              props.markFailedFunction.metricErrors(period),
              "The workflow's MarkFailed step failed: a referral's workflow gave up and its record may not say so (execution error Frist.MarkFailedFailed once its retries ran out).",
            ),
          }
        : {}),
    };

    this.dashboard = new Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new TextWidget({
            markdown:
              "# Frist\nReferrals in the workflow and at the API. A failed execution means a referral was marked `failed`: look it up by its execution name (the referral id).",
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: "Workflow executions",
            left: [
              sm.metricStarted(period),
              sm.metricSucceeded(period),
              sm.metricFailed(period),
              sm.metricTimedOut(period),
              sm.metricAborted(period),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: "API requests and errors",
            left: [props.api.metricCount(period)],
            right: [props.api.metricClientError(period), props.api.metricServerError(period)],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: "Deadline breaches (10 working days passed without a decision)",
            left: [breaches],
            width: 24,
          }),
        ],
        [
          new GraphWidget({
            title: "API latency (p50, p99)",
            left: [
              props.api.metricLatency({ period: Duration.minutes(5), statistic: "p50" }),
              props.api.metricLatency({ period: Duration.minutes(5), statistic: "p99" }),
            ],
            width: 24,
          }),
        ],
      ],
    });
  }

  private alarm(id: string, metric: Metric, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `Frist: ${description} Find it in the state machine's executions (name = referral id).`,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    return alarm;
  }
}
