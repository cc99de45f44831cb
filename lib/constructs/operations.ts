import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  type AlarmBase,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { Rule } from "aws-cdk-lib/aws-events";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import {
  CloudWatchDimensionSource,
  type ConfigurationSet,
  EmailSendingEvent,
  EventDestination,
} from "aws-cdk-lib/aws-ses";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { MonitoringFacade, SnsAlarmActionStrategy } from "cdk-monitoring-constructs";
import { Construct } from "constructs";
import { BREACH_METRIC, URGENT_TARGET_METRIC } from "../../functions/domain/deadline-timer";
import { RECEIPT_OVERDUE_METRIC, RECEIPT_REJECTED_METRIC } from "../../functions/domain/message-receipts";
import { METRICS_NAMESPACE, METRICS_SERVICE } from "../../functions/domain/ports";
import { RECOVERY_METRIC } from "../../functions/domain/recovery";
import { START_OF_CARE_BREACH_METRIC } from "../../functions/domain/start-of-care";
import { RECOVERY_SCHEDULE_MINUTES } from "./recovery";
import { API_STAGE } from "./referral-api";

/** A function to watch, by the name operations will read in the alarm. */
export interface WatchedFunction {
  readonly name: string;
  readonly fn: IFunction;
  /** The function's timeout: its duration alarm fires at 80 % of it. */
  readonly timeout: Duration;
}

/** Props of Operations. */
export interface OperationsProps {
  readonly stateMachine: StateMachine;
  readonly api: RestApi;
  /** Every Frist function: each gets alarms on errors, throttles and duration. */
  readonly functions: readonly WatchedFunction[];
  readonly table: ITable;
  /** The SES configuration set: its bounce and complaint events become CloudWatch metrics. */
  readonly configurationSet: ConfigurationSet;
  readonly configurationSetName: string;
  /** The agenda schedule: alarms on failed invocations and on runs that did not happen. */
  readonly schedule: { readonly rule: Rule; readonly everyMinutes: number };
  /**
   * The workflow's MarkFailed function: its errors mean the failure handling itself is failing, so
   * a referral may not even be marked failed; its error alarm says so.
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

/** The README section every alarm description points to. */
/**
 * The metric the reconciler writes once per run for each referral it finds not where its record says
 * (stranded, failed, a decision not taken, or given up on), with the `service` dimension.
 */
export const RECOVERY_NEEDED_METRIC = {
  namespace: METRICS_NAMESPACE,
  metricName: RECOVERY_METRIC,
  dimensionsMap: { service: METRICS_SERVICE },
} as const;

export const RUNBOOK = "README.md, 'Alarms: what to do'";

/**
 * What operations sees: one encrypted alarm topic and, through cdk-monitoring-constructs'
 * MonitoringFacade, alarms on everything that can stall a referral: API 5xx and latency, every
 * function's errors, throttles and duration, failed, timed-out, aborted and throttled executions,
 * DynamoDB throttling and system errors, SES bounces and complaints, the agenda schedule failing or
 * not running, and every missed 10-working-day deadline. Each alarm's description says what to do.
 *
 * Thresholds are "any": Frist handles tens of referrals a day, so one failed execution or one
 * 5xx is already a referral or a portal call that needs a person. No data is not an alarm, except
 * for the schedule, where silence is the failure.
 *
 * The topic is encrypted with its own customer-managed key: CloudWatch alarms cannot publish to
 * a topic under the AWS-managed SNS key (its key policy cannot grant CloudWatch), so the key
 * policy here grants cloudwatch.amazonaws.com exactly what publishing needs.
 */
export class Operations extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;
  public readonly monitoring: MonitoringFacade;
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

    // SES bounce and complaint events as CloudWatch metrics, per configuration set.
    props.configurationSet.addEventDestination("ToCloudWatch", {
      destination: EventDestination.cloudWatchDimensions([
        {
          name: "ses:configuration-set",
          source: CloudWatchDimensionSource.MESSAGE_TAG,
          defaultValue: props.configurationSetName,
        },
      ]),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT],
    });

    this.monitoring = new MonitoringFacade(this, "Monitoring", {
      alarmFactoryDefaults: {
        alarmNamePrefix: "Frist",
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: this.topic }),
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
      },
      metricFactoryDefaults: { period: Duration.minutes(5) },
    });
    const any = (what: string, todo: string) => ({
      maxErrorCount: 0,
      alarmDescriptionOverride: describe(what, todo),
    });

    this.monitoring.monitorApiGateway({
      api: props.api,
      apiStage: API_STAGE,
      alarmFriendlyName: "Api",
      humanReadableName: "Frist API",
      add5XXFaultCountAlarm: {
        Critical: any(
          "The API answered 5xx (a portal's referral or a clinician's decision may not have been taken).",
          "Find the failing route in the API access log (status 5xx, resourcePath), then that function's log by time; the portal retries with the same Idempotency-Key, nothing is duplicated.",
        ),
      },
      addLatencyP99Alarm: {
        Warning: {
          maxLatency: Duration.seconds(5),
          alarmDescriptionOverride: describe(
            "The API's p99 latency is over 5 s (portals and clinicians wait).",
            "Check the functions' duration and DynamoDB throttling alarms; a cold start storm passes by itself, a slow dependency does not.",
          ),
        },
      },
    });

    for (const watched of props.functions) {
      this.monitoring.monitorLambdaFunction({
        lambdaFunction: watched.fn,
        alarmFriendlyName: watched.name,
        humanReadableName: `Frist ${watched.name}`,
        addFaultCountAlarm: {
          Critical:
            watched.fn === props.markFailedFunction
              ? any(
                  "The workflow's MarkFailed step failed: a referral's workflow gave up and its record may not say so (execution error Frist.MarkFailedFailed once its retries ran out).",
                  "Find the execution (name = referral id) that failed with Frist.MarkFailedFailed, fix the cause (its log group has the errorName), and resume the referral from the operations page.",
                )
              : any(
                  `${watched.name} failed (threw or timed out).`,
                  "Read the function's log group for the errorName and referralId; workflow steps are retried and then mark the referral failed (see the executions alarm); API calls answered 500.",
                ),
        },
        addThrottlesCountAlarm: {
          Critical: any(
            `${watched.name} was throttled (the account's concurrency ran out).`,
            "Check the account's Lambda concurrency (a runaway function elsewhere?); throttled workflow steps are retried, throttled API calls answered 5xx.",
          ),
        },
        addMaxLatencyAlarm: {
          Warning: {
            maxLatency: Duration.millis(watched.timeout.toMilliseconds() * 0.8),
            alarmDescriptionOverride: describe(
              `${watched.name} ran for over 80 % of its timeout.`,
              "A dependency is slow (DynamoDB, SES, Step Functions): check their alarms and the function's trace in X-Ray before it starts timing out.",
            ),
          },
        },
      });
    }

    const executions = (what: string) =>
      any(
        `A referral's execution ${what}.`,
        "Open the state machine's executions (name = referral id); the referral is marked failed with the error's name. Fix the cause, then use the operations page's 'needs attention' list to resume it.",
      );
    this.monitoring.monitorStepFunction({
      stateMachine: props.stateMachine,
      alarmFriendlyName: "Workflow",
      humanReadableName: "Frist referral workflow",
      addFailedExecutionCountAlarm: { Critical: executions("failed") },
      addTimedOutExecutionCountAlarm: { Critical: executions("timed out") },
      addAbortedExecutionCountAlarm: {
        Critical: executions("was aborted (stopped by hand or by a redeploy)"),
      },
      addThrottledExecutionCountAlarm: {
        Critical: any(
          "Step Functions throttled the workflow.",
          "Check the account's Step Functions quotas; throttled starts are retried by the portal.",
        ),
      },
    });

    const throttled = (what: string) => ({
      maxThrottledEventsThreshold: 0,
      alarmDescriptionOverride: describe(
        `DynamoDB throttled ${what} on the referral table.`,
        "The table is on-demand: a spike beyond its previous peak throttles for minutes. Steps are retried; if it persists, check for a runaway caller.",
      ),
    });
    this.monitoring.monitorDynamoTable({
      table: props.table,
      alarmFriendlyName: "Table",
      humanReadableName: "Frist referral table",
      addReadThrottledEventsCountAlarm: { Critical: throttled("reads") },
      addWriteThrottledEventsCountAlarm: { Critical: throttled("writes") },
      addSystemErrorCountAlarm: {
        Critical: any(
          "DynamoDB answered with system errors.",
          "Check the AWS Health Dashboard for DynamoDB in the region; callers answered 503 and steps are retried.",
        ),
      },
    });

    const ses = (metricName: string) =>
      new Metric({
        namespace: "AWS/SES",
        metricName,
        dimensionsMap: { "ses:configuration-set": props.configurationSetName },
        statistic: "Sum",
        period: Duration.minutes(5),
      });
    const events = (metricName: string) =>
      new Metric({
        namespace: "AWS/Events",
        metricName,
        dimensionsMap: { RuleName: props.schedule.rule.ruleName },
        statistic: "Sum",
        period: Duration.minutes(5),
      });
    const atLeastOne = (what: string, todo: string) => ({
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
      alarmDescriptionOverride: describe(what, todo),
    });
    const breaches = new Metric({ ...DEADLINE_BREACH_METRIC, statistic: "Sum", period: Duration.minutes(5) });
    const startOfCareBreaches = new Metric({
      ...DEADLINE_BREACH_METRIC,
      metricName: START_OF_CARE_BREACH_METRIC,
      statistic: "Sum",
      period: Duration.minutes(5),
    });
    const urgentTargetsMissed = new Metric({
      ...DEADLINE_BREACH_METRIC,
      metricName: URGENT_TARGET_METRIC.name,
      statistic: "Sum",
      period: Duration.minutes(5),
    });
    this.monitoring.monitorCustom({
      alarmFriendlyName: "Frist",
      humanReadableName: "Frist: deadlines, email and the agenda schedule",
      metricGroups: [
        {
          title: "Deadline breaches (10 working days passed without a decision)",
          metrics: [
            {
              metric: breaches,
              alarmFriendlyName: "DeadlineBreached",
              addAlarm: {
                Critical: atLeastOne(
                  "A referral passed its 10-working-day assessment deadline without a decision (deadlineBreached: true).",
                  "The clinic lead has the escalation email with the task link: make sure the referral is decided today; the breach counts in /statistics.",
                ),
              },
            },
            {
              metric: urgentTargetsMissed,
              alarmFriendlyName: "UrgentTargetMissed",
              addAlarm: {
                Critical: atLeastOne(
                  "An urgent referral passed its internal target (end of working day 5) without a decision (urgentTargetEscalated: true); the legal deadline has not passed yet.",
                  "The clinic lead has the escalation email with the task link: get the referral decided now, or change its priority on the task page with a reason if it is not urgent.",
                ),
              },
            },
            {
              metric: startOfCareBreaches,
              alarmFriendlyName: "StartOfCareBreached",
              addAlarm: {
                Critical: atLeastOne(
                  "A granted patient's start-of-care deadline passed without a recorded start (fristbrudd); the Helfo notification is recorded.",
                  "The lead has the notice: check GET /helfo-notifications, make sure Helfo is told and the patient is offered care elsewhere; record the start if care did begin.",
                ),
              },
            },
          ],
        },
        {
          title: "Status på henvisning without its receipt (AppRec)",
          metrics: [
            {
              metric: new Metric({
                ...DEADLINE_BREACH_METRIC,
                metricName: RECEIPT_REJECTED_METRIC,
                statistic: "Sum",
                period: Duration.minutes(5),
              }),
              alarmFriendlyName: "MessageReceiptRejected",
              addAlarm: {
                Critical: atLeastOne(
                  "A referrer's system rejected the Status på henvisning Frist sent (its AppRec says why, by error code): the referrer has not received the answer.",
                  "The referral's file has the message-receipt-received event with the codes. Fix the cause (address, content), then send the answer again; until then, tell the referrer by phone or letter.",
                ),
              },
            },
            {
              metric: new Metric({
                ...DEADLINE_BREACH_METRIC,
                metricName: RECEIPT_OVERDUE_METRIC,
                statistic: "Sum",
                period: Duration.minutes(5),
              }),
              alarmFriendlyName: "MessageReceiptOverdue",
              addAlarm: {
                Critical: atLeastOne(
                  "A Status på henvisning has had no receipt (AppRec) for 96 hours: a sender treats that as not received.",
                  "Check the message in Norsk Helsenett's EDI 2.0 API and the receiver's address in Adresseregisteret; contact the referrer. A receipt that comes late is still recorded.",
                ),
              },
            },
          ],
        },
        {
          title: "Referrals the reconciler found not where their record says",
          metrics: [
            {
              // Over the reconciler's whole period, so that every run is seen; a referral it gave up on
              // counts on every run and keeps the alarm on until a person resumes it.
              metric: new Metric({
                ...RECOVERY_NEEDED_METRIC,
                statistic: "Sum",
                period: Duration.minutes(RECOVERY_SCHEDULE_MINUTES),
              }),
              alarmFriendlyName: "WorkflowsNeedingRecovery",
              addAlarm: {
                Critical: atLeastOne(
                  "The reconciler found a referral whose workflow was not where its record says (stranded, failed, a decision not taken) and resumed it, or gave up on it.",
                  "Its log line ('workflow needs recovery') names the referral id. A resumed one needs nothing; one it gave up on: fix the cause, then invoke the reconciler with {\"referralId\": \"…\"} (README, 'Recovery').",
                ),
              },
            },
          ],
        },
        {
          title: "Email bounces and complaints",
          metrics: [
            {
              metric: ses("Bounce"),
              alarmFriendlyName: "EmailBounced",
              addAlarm: {
                Warning: atLeastOne(
                  "An email bounced (a letter or a task link did not arrive).",
                  "Find the letter in the referral's file (letter-sent events) and send it by post; fix the address with the referrer. SES now suppresses that address.",
                ),
              },
            },
            {
              metric: ses("Complaint"),
              alarmFriendlyName: "EmailComplaint",
              addAlarm: {
                Warning: atLeastOne(
                  "A recipient marked a Frist email as spam.",
                  "Find out who (SES suppression list) and why; letters to that address must go by post from now on.",
                ),
              },
            },
          ],
        },
        {
          title: "Agenda schedule",
          metrics: [
            {
              metric: events("FailedInvocations"),
              alarmFriendlyName: "ScheduleFailed",
              addAlarm: {
                Critical: atLeastOne(
                  "The agenda schedule could not invoke its function.",
                  "Check the rule's target and the function's resource policy; agendas for the coming meetings are not going out.",
                ),
              },
            },
            {
              metric: events("Invocations").with({
                period: Duration.minutes(props.schedule.everyMinutes * 3),
              }),
              alarmFriendlyName: "ScheduleMissing",
              addAlarm: {
                Critical: {
                  threshold: 1,
                  comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
                  // Silence is the failure here: no data means the schedule did not run.
                  treatMissingDataOverride: TreatMissingData.BREACHING,
                  alarmDescriptionOverride: describe(
                    `The agenda schedule has not run for ${props.schedule.everyMinutes * 3} minutes.`,
                    "Check that the EventBridge rule is enabled; agendas for the coming meetings are not going out.",
                  ),
                },
              },
            },
          ],
        },
      ],
    });

    this.dashboard = new Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new TextWidget({
            markdown:
              "# Frist\nReferrals in the workflow and at the API. A failed execution means a referral was marked `failed`: look it up by its execution name (the referral id). Every alarm says what to do; the runbook is in the README.",
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: "Workflow executions",
            left: [
              props.stateMachine.metricStarted(),
              props.stateMachine.metricSucceeded(),
              props.stateMachine.metricFailed(),
              props.stateMachine.metricTimedOut(),
              props.stateMachine.metricAborted(),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: "API requests and errors",
            left: [props.api.metricCount()],
            right: [props.api.metricClientError(), props.api.metricServerError()],
            width: 12,
          }),
        ],
        [new GraphWidget({ title: "Deadline breaches", left: [breaches], width: 24 })],
      ],
    });
  }

  /** Every alarm created here, for tests and for whoever adds an action. */
  get alarms(): AlarmBase[] {
    return this.monitoring.createdAlarms().map((created) => created.alarm);
  }
}

/** An alarm description: what happened, what to do, where the runbook is. */
function describe(what: string, todo: string): string {
  return `Frist: ${what} What to do: ${todo} Runbook: ${RUNBOOK}.`;
}
