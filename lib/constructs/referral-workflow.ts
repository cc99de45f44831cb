import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  type IChainable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Pass,
  QueryLanguage,
  Result,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { RETIME_ERROR, WITHDRAWN_ERROR } from "../../functions/domain/ports";
import {
  FristFunction,
  type FristFunctionProps,
  type FristResources,
  FUNCTION_TIMEOUTS,
} from "./frist-function";
import type { GpRegister } from "./gp-register";
import type { HelseIdClient } from "./helseid-client";
import type { Mailer } from "./mailer";
import { nagArnOf } from "./nag";
import type { ReferralStore } from "./referral-store";

/** The state names of the workflow; the console, the alarms' runbook and the local runtime use them. */
export const WORKFLOW_STATES = {
  routeStart: "RouteStart",
  planIntake: "PlanIntake",
  routeKind: "RouteKind",
  awaitSecondaryConfirmation: "AwaitSecondaryConfirmation",
  routeSecondary: "RouteSecondary",
  noConfirmation: "NoConfirmation",
  assessAsNew: "AssessAsNew",
  acknowledgeSecondary: "AcknowledgeSecondary",
  awaitAssessment: "AwaitAssessment",
  routeTimer: "RouteTimer",
  remindAssessors: "RemindAssessors",
  awaitAfterReminder: "AwaitAfterReminder",
  escalateUrgentTarget: "EscalateUrgentTarget",
  awaitAfterUrgentTarget: "AwaitAfterUrgentTarget",
  recordBreach: "RecordBreach",
  awaitAfterBreach: "AwaitAfterBreach",
  retimeAssessment: "RetimeAssessment",
  awaitAfterRetime: "AwaitAfterRetime",
  routeDecision: "RouteDecision",
  recordDecision: "RecordDecision",
  dispatchLetters: "DispatchLetters",
  sendStatusOnReferral: "SendStatusOnReferral",
  complete: "Complete",
  routePatientInformed: "RoutePatientInformed",
  awaitPostalDueDate: "AwaitPostalDueDate",
  escalatePostalLetter: "EscalatePostalLetter",
  routeStartOfCare: "RouteStartOfCare",
  planStartOfCare: "PlanStartOfCare",
  awaitStartOfCareReminder: "AwaitStartOfCareReminder",
  remindStartOfCare: "RemindStartOfCare",
  routeStartOfCareTimer: "RouteStartOfCareTimer",
  awaitPlannedStart: "AwaitPlannedStart",
  confirmStartOfCare: "ConfirmStartOfCare",
  awaitStartOfCareDeadline: "AwaitStartOfCareDeadline",
  checkStartOfCare: "CheckStartOfCare",
  awaitBreachConfirmation: "AwaitBreachConfirmation",
  confirmBreachByDefault: "ConfirmBreachByDefault",
  flagUnknownOutcome: "FlagUnknownOutcome",
  markFailed: "MarkFailed",
  markFailedFailed: "MarkFailedFailed",
  failed: "Failed",
  done: "Done",
  withdrawn: "Withdrawn",
} as const;

/**
 * Errors that no retry can cure: the referral or its decision is not there, or the graph met an
 * outcome it does not route. The handlers throw these under these names (functions/domain/errors.ts);
 * they go straight to MarkFailed. Every other error is treated as passing and retried.
 */
export const PERMANENT_ERRORS = [
  "ReferralNotFound",
  "DecisionMissing",
  "Frist.UnknownOutcome",
  WITHDRAWN_ERROR,
  // Norsk Helsenett refused the Status på henvisning, or it did not validate: no retry sends it.
  "EdiRejected",
  "OutgoingMessageInvalid",
];

/**
 * What a callback (`.waitForTaskToken`) Task retries, by name. It may not use `States.ALL`: that
 * would also retry its own `States.Timeout`, which is the deadline timer going off (and locally the
 * engine refuses `States.TaskFailed` on such a Task for the same reason). These are the names the
 * adapters give an unavailable dependency, Lambda's own service faults, and the SDK's throttling
 * and 5xx names should an unwrapped one slip through.
 */
export const TRANSIENT_ERRORS = [
  "DynamoUnavailable",
  "MailUnavailable",
  "MailUnanswered",
  "WorkflowUnavailable",
  "LetterInFlight",
  "EmailInFlight",
  "StaleStateError",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.Unknown",
  "Sandbox.Timedout",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "TransactionConflictException",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
];

/**
 * The retry budget of every Task: full jitter, 2 s doubling to at most 60 s a wait, 20 attempts.
 * Expected time before giving up (full jitter halves each wait on average) is about 8 minutes,
 * at most about 16: a DynamoDB, SES or Lambda outage of several minutes is outlasted.
 */
export const RETRY_POLICY = {
  interval: Duration.seconds(2),
  maxDelay: Duration.seconds(60),
  maxAttempts: 20,
  backoffRate: 2,
  jitterStrategy: JitterType.FULL,
} as const;

/** Props of the ReferralWorkflow. */
export interface ReferralWorkflowProps {
  readonly store: ReferralStore;
  readonly mailer: Mailer;
  /** CLINIC_CONFIG: `{clinic, intakeTeam}` as JSON. */
  readonly clinicConfig: string;
  /**
   * PUBLIC_BASE_URL for the task links. Must not reference the API's stage or deployment (that
   * closes a cycle through the decision function's grant on this state machine); build it from
   * the RestApi id.
   */
  readonly publicBaseUrl: string;
  /** EDI_API_URL: Norsk Helsenett's EDI 2.0 API, where Status på henvisning goes. */
  readonly ediApiUrl: string;
  /** HELSEID_CLIENT: the client the API is called with, and its key's secret. */
  readonly helseId: HelseIdClient;
  /** FASTLEGEREGISTERET: where the GP copied on a Status på henvisning is looked up. */
  readonly gpRegister: GpRegister;
}

/** The Lambda functions the workflow's Task states invoke. */
export interface WorkflowFunctions {
  readonly planIntake: FristFunction;
  readonly acknowledgeSecondary: FristFunction;
  readonly notifyAssessors: FristFunction;
  readonly remindAssessors: FristFunction;
  readonly recordBreach: FristFunction;
  readonly recordDecision: FristFunction;
  readonly dispatchLetters: FristFunction;
  readonly sendStatusOnReferral: FristFunction;
  readonly completeReferral: FristFunction;
  readonly startOfCare: FristFunction;
  readonly markFailed: FristFunction;
}

/**
 * One Standard execution per referral, named by the referral id, with input `{"referralId"}`:
 *
 * RouteStart (an execution the reconciler starts for a referral whose decision is known, with
 * `{"referralId", "assessment": {"taskId", "outcome"}}`, goes to RouteDecision) → PlanIntake → RouteKind: a secondary referral →
 * AwaitSecondaryConfirmation (a task: staff confirm it concerns the condition already assessed, until
 * the confirmation day) → RouteSecondary: the same condition → AcknowledgeSecondary → Done; not the
 * same, or no answer in time (NoConfirmation) → AssessAsNew (planned like a new referral) →
 * AwaitAssessment, through the same task link; any other →
 * AwaitAssessment (waitForTaskToken until the reminder point) → RouteDecision → RecordDecision →
 * DispatchLetters → Complete → RoutePatientInformed: a patient's copy waiting for post →
 * AwaitPostalDueDate (Wait until the due date's morning) → EscalatePostalLetter → RouteStartOfCare: a granted right → PlanStartOfCare →
 * RouteStartOfCareTimer, a loop in which each step returns the next and when it is due: the reminder
 * (AwaitStartOfCareReminder → RemindStartOfCare: confirm the planned start or record that it cannot
 * be kept), the planned start passed (AwaitPlannedStart → ConfirmStartOfCare: staff asked to
 * confirm that care started), the end of the deadline day (AwaitStartOfCareDeadline →
 * CheckStartOfCare: kept, an expected breach now a breach, or a probable breach put to the lead),
 * the end of the lead's grace (AwaitBreachConfirmation → ConfirmBreachByDefault: the law's default,
 * the lead escalated), until a recorded start or breach ends it → Done. No patient letter comes from
 * here: the "Varsel om fristbrudd" goes when the clinic marks the Helfo notice reported. The deadline timer is explicit in the graph: AwaitAssessment
 * times out → RouteTimer → RemindAssessors → AwaitAfterReminder; each timer step returns the wait
 * until the next point and which step is due then ($.timer.next), and the timeout of each Await*
 * state goes to RouteTimer, which runs it: EscalateUrgentTarget (an urgent referral's internal
 * target passed: recorded once, the lead told) → AwaitAfterUrgentTarget; RecordBreach (the legal
 * deadline passed: recorded once, the lead told each working day) → AwaitAfterBreach; until a
 * decision resumes whichever Await* state waits. A priority changed by staff ends the current wait
 * with Frist.Retime → RetimeAssessment (the timer anew under the new priority) → AwaitAfterRetime.
 * Every timeout is computed by the step before it from the calendar, the clinic's rules and the
 * referral's priority, at run time. Every Task
 * retries passing faults on one budget (RETRY_POLICY); what remains → MarkFailed → Failed, and a
 * MarkFailed that itself fails → MarkFailedFailed (alarmed).
 *
 * Standard, not Express: a referral waits days for a human decision, and each execution's
 * history is the visible record of where a referral stands. JSONPath only; only ids travel in
 * the state (data lives in DynamoDB), and the logs carry every event but no execution data,
 * because state inputs and outputs belong to health records.
 */
export class ReferralWorkflow extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly functions: WorkflowFunctions;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ReferralWorkflowProps) {
    super(scope, id);
    const { store, mailer } = props;
    const resources: FristResources = {
      store,
      mailer,
      clinicConfig: props.clinicConfig,
      publicBaseUrl: props.publicBaseUrl,
      ediApiUrl: props.ediApiUrl,
      helseId: props.helseId,
      gpRegister: props.gpRegister,
    };
    // What each step uses (function-uses.ts): its variables and its grants, both. Letters and staff
    // emails are claimed before they are sent and the claim given back when SES refuses the send,
    // hence DeleteItem of the step's own referral records.
    const step = (id: string, props: Omit<FristFunctionProps, "resources">) =>
      new FristFunction(this, id, { timeout: FUNCTION_TIMEOUTS.task, ...props, resources });
    const sendsLetters = { clinicConfig: true, publicBaseUrl: true, mailer: true } as const;

    this.functions = {
      planIntake: step("PlanIntakeFunction", {
        entry: "functions/handlers/plan-intake.ts",
        description: "Frist workflow: plans the intake of a referral (track, team, first timer)",
        // A seat in a meeting (its counter, found on the worklist index) and the referral filed under it.
        uses: {
          table: {
            get: ["meeting", "referral"],
            put: ["meeting", "referral"],
            update: ["meeting", "referral"],
            delete: ["referral"],
            indexes: { worklist: ["meetings"] },
          },
          clinicConfig: true,
          mailer: true,
        },
      }),
      acknowledgeSecondary: step("AcknowledgeSecondaryFunction", {
        entry: "functions/handlers/acknowledge-secondary.ts",
        description: "Frist workflow: acknowledges a secondary referral to its referrer and closes it",
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["referral"],
            update: ["referral", "statistics"],
            delete: ["referral"],
          },
          ...sendsLetters,
        },
      }),
      notifyAssessors: step("NotifyAssessorsFunction", {
        entry: "functions/handlers/notify-assessors.ts",
        description: "Frist workflow: stores the task token, emails the assessors a task link",
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["referral"],
            update: ["referral"],
            delete: ["referral"],
          },
          ...sendsLetters,
        },
      }),
      remindAssessors: step("RemindAssessorsFunction", {
        entry: "functions/handlers/remind-assessors.ts",
        description: "Frist workflow: reminds the assessors at the reminder point",
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["referral"],
            update: ["referral"],
            delete: ["referral"],
          },
          ...sendsLetters,
        },
      }),
      recordBreach: step("RecordBreachFunction", {
        entry: "functions/handlers/record-breach.ts",
        description:
          "Frist workflow: records a missed deadline or urgent target and escalates to the lead; retimes the timer",
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["referral"],
            update: ["referral", "statistics"],
            delete: ["referral"],
          },
          ...sendsLetters,
        },
      }),
      recordDecision: step("RecordDecisionFunction", {
        entry: "functions/handlers/record-decision.ts",
        description: "Frist workflow: records the assessment decision",
        // The decision replaces the pending decision (deleted in the same write) and is counted;
        // CLINIC_CONFIG: the clinic's calendar counts whether it was in time.
        uses: {
          table: {
            get: ["referral"],
            put: ["referral"],
            update: ["referral", "statistics"],
            delete: ["referral"],
          },
          clinicConfig: true,
        },
      }),
      dispatchLetters: step("DispatchLettersFunction", {
        entry: "functions/handlers/dispatch-letters.ts",
        description: "Frist workflow: sends the decision letters, once per recipient",
        timeout: FUNCTION_TIMEOUTS.mail,
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["referral"],
            update: ["referral", "statistics"],
            delete: ["referral"],
          },
          ...sendsLetters,
        },
      }),
      sendStatusOnReferral: step("SendStatusOnReferralFunction", {
        entry: "functions/handlers/send-status-on-referral.ts",
        description: "Frist workflow: sends Status på henvisning to a message's sender over EDI 2.0, once",
        // Reads the decided referral with its events, claims the message (under the referral) and
        // records it sent with its event; CLINIC_CONFIG names the clinic and its HER-ids; EDI_API_URL
        // is where it goes, with a HelseID token (HELSEID_CLIENT, its key read from its secret). A GP
        // named without a HER-id is looked up in Fastlegeregisteret, its answer kept as an event.
        uses: {
          table: { get: ["referral"], query: ["referral"], put: ["referral"], update: ["referral"] },
          clinicConfig: true,
          edi: true,
          gpRegister: true,
        },
      }),
      completeReferral: step("CompleteReferralFunction", {
        entry: "functions/handlers/complete-referral.ts",
        description: "Frist workflow: closes the referral",
        uses: { table: { put: ["referral"] } },
      }),
      startOfCare: step("StartOfCareFunction", {
        entry: "functions/handlers/start-of-care-timer.ts",
        description:
          "Frist workflow: the start-of-care timer (remind, ask to confirm the start, check the deadline, the law's default)",
        timeout: FUNCTION_TIMEOUTS.mail,
        // A fristbrudd files a Helfo notification in the write that flags the referral, counted in
        // the statistics; each step reads the referral's events (what was asked already).
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["helfo", "referral"],
            update: ["referral", "statistics"],
            delete: ["referral"],
          },
          ...sendsLetters,
        },
      }),
      markFailed: step("MarkFailedFunction", {
        entry: "functions/handlers/mark-failed.ts",
        description: "Frist workflow: marks the referral failed",
        uses: { table: { get: ["referral"], query: ["referral"], put: ["referral"], update: ["referral"] } },
      }),
    };

    this.logGroup = new LogGroup(this, "Logs", {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      comment: "Frist: one execution per referral, from receipt to the decision letters",
      stateMachineType: StateMachineType.STANDARD,
      queryLanguage: QueryLanguage.JSON_PATH,
      definitionBody: DefinitionBody.fromChainable(this.definition()),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeNagFindings();
  }

  private acknowledgeNagFindings(): void {
    const acknowledge = Validations.of(this.stateMachine);
    acknowledge.acknowledge({
      id: "HIPAA.Security-IAMNoInlinePolicy",
      reason:
        "The state machine's role carries one policy of its own, generated from its grants (invoke these functions, write its logs and traces); a managed policy would be shareable and so broader.",
    });
    acknowledge.acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Step Functions logging (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments, …) support no resource-level permissions; the actions are explicit.",
    });
    for (const fn of Object.values(this.functions)) {
      acknowledge.acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArnOf(fn)}:*]`,
        reason:
          "CDK's LambdaInvoke grants the function and its versions/aliases (<arn>:*); the wildcard is the qualifier of this one function.",
      });
    }
  }

  private definition(): IChainable {
    const fns = this.functions;
    const referralId = JsonPath.stringAt("$.referralId");

    const failed = new Fail(this, WORKFLOW_STATES.failed, {
      error: "Frist.ReferralFailed",
      cause: "The referral was marked failed; the MarkFailed step's input holds the original error.",
    });
    const markFailed = this.task(WORKFLOW_STATES.markFailed, fns.markFailed, {
      payload: TaskInput.fromObject({ referralId, error: JsonPath.objectAt("$.error") }),
      resultPath: JsonPath.DISCARD,
    });
    markFailed.next(failed);
    // Failure handling must not fail silently: when even MarkFailed gives up (after its own
    // retries), the execution ends in a Fail state of its own, and the MarkFailed function's
    // errors alarm (Operations) tells operations that a referral is not even marked failed.
    const markFailedFailed = new Fail(this, WORKFLOW_STATES.markFailedFailed, {
      error: "Frist.MarkFailedFailed",
      cause: "Marking the referral failed did not succeed; its record may still show it in progress.",
    });
    markFailed.addCatch(markFailedFailed, { errors: [Errors.ALL], resultPath: JsonPath.DISCARD });

    const planResult = {
      track: JsonPath.stringAt("$.Payload.track"),
      untilReminderSeconds: JsonPath.numberAt("$.Payload.untilReminderSeconds"),
      untilConfirmationSeconds: JsonPath.numberAt("$.Payload.untilConfirmationSeconds"),
    };
    const planIntake = this.task(WORKFLOW_STATES.planIntake, fns.planIntake, {
      payload: TaskInput.fromObject({ referralId }),
      resultSelector: planResult,
      resultPath: "$.plan",
    });
    const acknowledgeSecondary = this.task(WORKFLOW_STATES.acknowledgeSecondary, fns.acknowledgeSecondary, {
      payload: TaskInput.fromObject({ referralId }),
      resultPath: JsonPath.DISCARD,
    });
    // A secondary referral waits for staff to confirm it concerns the condition already assessed.
    const awaitSecondaryConfirmation = this.awaitDecision(
      WORKFLOW_STATES.awaitSecondaryConfirmation,
      "initial",
      "$.plan.untilConfirmationSeconds",
    );
    const noConfirmation = new Pass(this, WORKFLOW_STATES.noConfirmation, {
      result: Result.fromObject({ outcome: "not-confirmed" }),
      resultPath: "$.assessment",
    });
    const assessAsNew = this.task(WORKFLOW_STATES.assessAsNew, fns.planIntake, {
      payload: TaskInput.fromObject({ referralId, assessAsNew: true }),
      resultSelector: planResult,
      resultPath: "$.plan",
    });

    // The deadline timer: each Await* state waits for the decision until its timeout, which the step
    // before it computed; every timer step returns the next wait and step into $.timer
    // ({seconds, next}), and every timeout goes to RouteTimer, which runs the step that is due.
    const awaitAssessment = this.awaitDecision(
      WORKFLOW_STATES.awaitAssessment,
      "initial",
      "$.plan.untilReminderSeconds",
    );
    const timerResult = {
      resultSelector: {
        seconds: JsonPath.numberAt("$.Payload.seconds"),
        next: JsonPath.stringAt("$.Payload.next"),
      },
      resultPath: "$.timer",
    };
    const remindAssessors = this.task(WORKFLOW_STATES.remindAssessors, fns.remindAssessors, {
      payload: TaskInput.fromObject({ referralId }),
      ...timerResult,
    });
    const awaitAfterReminder = this.awaitDecision(
      WORKFLOW_STATES.awaitAfterReminder,
      "rearm",
      "$.timer.seconds",
    );
    const escalateUrgentTarget = this.task(WORKFLOW_STATES.escalateUrgentTarget, fns.recordBreach, {
      payload: TaskInput.fromObject({ referralId, step: "urgent-target" }),
      ...timerResult,
    });
    const awaitAfterUrgentTarget = this.awaitDecision(
      WORKFLOW_STATES.awaitAfterUrgentTarget,
      "rearm",
      "$.timer.seconds",
    );
    const recordBreach = this.task(WORKFLOW_STATES.recordBreach, fns.recordBreach, {
      payload: TaskInput.fromObject({ referralId }),
      ...timerResult,
    });
    const awaitAfterBreach = this.awaitDecision(WORKFLOW_STATES.awaitAfterBreach, "rearm", "$.timer.seconds");
    const retimeAssessment = this.task(WORKFLOW_STATES.retimeAssessment, fns.recordBreach, {
      payload: TaskInput.fromObject({ referralId, step: "retime" }),
      ...timerResult,
    });
    const awaitAfterRetime = this.awaitDecision(WORKFLOW_STATES.awaitAfterRetime, "rearm", "$.timer.seconds");

    // The first wait has no $.timer yet (a Choice on a missing path fails): its timeout is the
    // reminder point.
    const timerNext = (step: string) =>
      Condition.and(Condition.isPresent("$.timer.next"), Condition.stringEquals("$.timer.next", step));
    const routeTimer = new Choice(this, WORKFLOW_STATES.routeTimer)
      .when(timerNext("urgent-target"), escalateUrgentTarget)
      .when(timerNext("breach"), recordBreach)
      .otherwise(remindAssessors);
    const onTimeout = { errors: [Errors.TIMEOUT], resultPath: JsonPath.DISCARD };
    const onRetime = { errors: [RETIME_ERROR], resultPath: JsonPath.DISCARD };
    remindAssessors.next(awaitAfterReminder);
    escalateUrgentTarget.next(awaitAfterUrgentTarget);
    recordBreach.next(awaitAfterBreach);
    retimeAssessment.next(awaitAfterRetime);
    const awaits = [
      awaitAssessment,
      awaitAfterReminder,
      awaitAfterUrgentTarget,
      awaitAfterBreach,
      awaitAfterRetime,
    ];
    for (const awaitState of awaits) {
      awaitState.addCatch(routeTimer, onTimeout);
      awaitState.addCatch(retimeAssessment, onRetime);
    }
    // A referral its sender withdrew (a cancellation message) before it was decided: the wait is
    // ended with WITHDRAWN_ERROR, or a step finds it withdrawn and throws it; either way it ends
    // here, sending nothing more (the withdrawal and its audit event are already written).
    const withdrawn = new Succeed(this, WORKFLOW_STATES.withdrawn);
    const onWithdrawn = { errors: [WITHDRAWN_ERROR], resultPath: JsonPath.DISCARD };
    for (const step of [planIntake, awaitSecondaryConfirmation, assessAsNew, ...awaits]) {
      step.addCatch(withdrawn, onWithdrawn);
    }

    const recordDecision = this.task(WORKFLOW_STATES.recordDecision, fns.recordDecision, {
      payload: TaskInput.fromObject({ referralId, taskId: JsonPath.stringAt("$.assessment.taskId") }),
      resultPath: JsonPath.DISCARD,
    });
    const dispatchLetters = this.task(WORKFLOW_STATES.dispatchLetters, fns.dispatchLetters, {
      payload: TaskInput.fromObject({ referralId }),
      resultSelector: {
        patientAwaitingPostal: JsonPath.objectAt("$.Payload.patientAwaitingPostal"),
        escalateAt: JsonPath.stringAt("$.Payload.escalateAt"),
      },
      resultPath: "$.letters",
    });
    // The patient must be informed within the 10 working days: a copy waiting for post is escalated
    // to the clerk and the lead on the morning of the due date.
    const awaitPostalDueDate = new Wait(this, WORKFLOW_STATES.awaitPostalDueDate, {
      time: WaitTime.timestampPath("$.letters.escalateAt"),
    });
    const escalatePostalLetter = this.task(WORKFLOW_STATES.escalatePostalLetter, fns.dispatchLetters, {
      payload: TaskInput.fromObject({ referralId, step: "escalate-postal" }),
      resultPath: JsonPath.DISCARD,
    });
    // The answer to a referral that came as a message goes back to its sender (nothing for another).
    const sendStatusOnReferral = this.task(WORKFLOW_STATES.sendStatusOnReferral, fns.sendStatusOnReferral, {
      payload: TaskInput.fromObject({ referralId }),
      resultPath: JsonPath.DISCARD,
    });
    const complete = this.task(WORKFLOW_STATES.complete, fns.completeReferral, {
      payload: TaskInput.fromObject({ referralId }),
      resultPath: JsonPath.DISCARD,
    });
    // A Status på henvisning Norsk Helsenett refuses (or that does not validate) does not undo the
    // decision and its letters: the referral completes, and the function's errors alarm tells
    // operations. A passing fault is retried as every step's is.
    sendStatusOnReferral.addCatch(complete, {
      errors: ["EdiRejected", "OutgoingMessageInvalid"],
      resultPath: JsonPath.DISCARD,
    });

    // The start-of-care timer of a granted right. Every step returns the next step and when it is
    // due ($.startOfCare: {next, at}); RouteStartOfCareTimer waits until then and runs it: the
    // reminder, the request to confirm a planned start that has passed, the check at the end of the
    // deadline day, the end of the lead's grace after a probable breach, or done.
    const startOfCareResult = {
      resultSelector: {
        next: JsonPath.stringAt("$.Payload.next"),
        at: JsonPath.stringAt("$.Payload.at"),
      },
      resultPath: "$.startOfCare",
    };
    const startOfCareStep = (name: string, step: string) =>
      this.task(name, fns.startOfCare, {
        payload: TaskInput.fromObject({ referralId, step }),
        ...startOfCareResult,
      });
    const planStartOfCare = startOfCareStep(WORKFLOW_STATES.planStartOfCare, "plan");
    const untilNext = (name: string) =>
      new Wait(this, name, { time: WaitTime.timestampPath("$.startOfCare.at") });
    const awaitStartOfCareReminder = untilNext(WORKFLOW_STATES.awaitStartOfCareReminder);
    const remindStartOfCare = startOfCareStep(WORKFLOW_STATES.remindStartOfCare, "remind");
    const awaitPlannedStart = untilNext(WORKFLOW_STATES.awaitPlannedStart);
    const confirmStartOfCare = startOfCareStep(WORKFLOW_STATES.confirmStartOfCare, "confirm-start");
    const awaitStartOfCareDeadline = untilNext(WORKFLOW_STATES.awaitStartOfCareDeadline);
    const checkStartOfCare = startOfCareStep(WORKFLOW_STATES.checkStartOfCare, "check");
    const awaitBreachConfirmation = untilNext(WORKFLOW_STATES.awaitBreachConfirmation);
    const confirmBreachByDefault = startOfCareStep(WORKFLOW_STATES.confirmBreachByDefault, "grace");
    // After the timeout catches, so States.Timeout goes down the timer path and all else here.
    awaitSecondaryConfirmation.addCatch(noConfirmation, {
      errors: [Errors.TIMEOUT],
      resultPath: JsonPath.DISCARD,
    });
    for (const task of [
      planIntake,
      awaitSecondaryConfirmation,
      assessAsNew,
      acknowledgeSecondary,
      ...awaits,
      remindAssessors,
      escalateUrgentTarget,
      recordBreach,
      retimeAssessment,
      recordDecision,
      dispatchLetters,
      sendStatusOnReferral,
      complete,
      escalatePostalLetter,
      planStartOfCare,
      remindStartOfCare,
      confirmStartOfCare,
      checkStartOfCare,
      confirmBreachByDefault,
    ]) {
      task.addCatch(markFailed, { errors: [Errors.ALL], resultPath: "$.error" });
    }

    // MarkFailed reads $.error; an outcome this graph does not route (an information request never
    // resumes the workflow, so none is expected) has none, so name the problem before failing.
    const flagUnknownOutcome = new Pass(this, WORKFLOW_STATES.flagUnknownOutcome, {
      result: Result.fromObject({
        Error: "Frist.UnknownOutcome",
        Cause: "The assessment outcome is not one the workflow routes.",
      }),
      resultPath: "$.error",
    });
    const done = new Succeed(this, WORKFLOW_STATES.done);
    const startOfCareNext = (step: string) => Condition.stringEquals("$.startOfCare.next", step);
    const routeStartOfCareTimer = new Choice(this, WORKFLOW_STATES.routeStartOfCareTimer)
      .when(startOfCareNext("remind"), awaitStartOfCareReminder)
      .when(startOfCareNext("confirm-start"), awaitPlannedStart)
      .when(startOfCareNext("deadline"), awaitStartOfCareDeadline)
      .when(startOfCareNext("grace"), awaitBreachConfirmation)
      .otherwise(done);
    awaitStartOfCareReminder.next(remindStartOfCare);
    awaitPlannedStart.next(confirmStartOfCare);
    awaitStartOfCareDeadline.next(checkStartOfCare);
    awaitBreachConfirmation.next(confirmBreachByDefault);
    for (const step of [remindStartOfCare, confirmStartOfCare, checkStartOfCare, confirmBreachByDefault]) {
      step.next(routeStartOfCareTimer);
    }
    const routeStartOfCare = new Choice(this, WORKFLOW_STATES.routeStartOfCare)
      .when(
        Condition.stringEquals("$.assessment.outcome", "granted"),
        planStartOfCare.next(routeStartOfCareTimer),
      )
      .otherwise(done);
    const routePatientInformed = new Choice(this, WORKFLOW_STATES.routePatientInformed)
      .when(
        Condition.booleanEquals("$.letters.patientAwaitingPostal", true),
        awaitPostalDueDate.next(escalatePostalLetter).next(routeStartOfCare),
      )
      .otherwise(routeStartOfCare);
    const routeDecision = new Choice(this, WORKFLOW_STATES.routeDecision)
      .when(
        Condition.or(
          Condition.stringEquals("$.assessment.outcome", "granted"),
          Condition.stringEquals("$.assessment.outcome", "refused"),
          Condition.stringEquals("$.assessment.outcome", "forwarded"),
        ),
        recordDecision
          .next(dispatchLetters)
          .next(sendStatusOnReferral)
          .next(complete)
          .next(routePatientInformed),
      )
      .otherwise(flagUnknownOutcome.next(markFailed));
    for (const awaitState of awaits) awaitState.next(routeDecision);

    // A secondary referral was rights-assessed before, if it concerns the same condition: staff
    // confirm that, and then it is acknowledged, not assessed again; otherwise it is assessed as new.
    assessAsNew.next(awaitAssessment);
    noConfirmation.next(assessAsNew);
    const routeSecondary = new Choice(this, WORKFLOW_STATES.routeSecondary)
      .when(Condition.stringEquals("$.assessment.outcome", "same-condition"), acknowledgeSecondary.next(done))
      .otherwise(assessAsNew);
    awaitSecondaryConfirmation.next(routeSecondary);
    const routeKind = new Choice(this, WORKFLOW_STATES.routeKind)
      .when(Condition.stringEquals("$.plan.track", "secondary"), awaitSecondaryConfirmation)
      .otherwise(awaitAssessment);

    // A referral resumed by the reconciler with its decision known (decided, or a decision stored but
    // never taken) starts at RouteDecision: recording it again is a no-op, letters go once per
    // recipient. Every other execution, resumed or not, starts at PlanIntake (idempotent), which
    // computes the timer from the legal clock at run time.
    planIntake.next(routeKind);
    return new Choice(this, WORKFLOW_STATES.routeStart)
      .when(Condition.isPresent("$.assessment.outcome"), routeDecision)
      .otherwise(planIntake);
  }

  /**
   * An Await* state: notify-assessors with a task token (`initial` creates the task and emails the
   * team; `rearm` swaps the new token into the same task), waiting at most the seconds at
   * `timeoutPath`. The decision (`{taskId, outcome}`) lands at $.assessment.
   */
  private awaitDecision(name: string, phase: "initial" | "rearm", timeoutPath: string): LambdaInvoke {
    const task = new LambdaInvoke(this, name, {
      lambdaFunction: this.functions.notifyAssessors,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        referralId: JsonPath.stringAt("$.referralId"),
        taskToken: JsonPath.taskToken,
        phase,
      }),
      taskTimeout: Timeout.at(timeoutPath),
      resultPath: "$.assessment",
      // LambdaInvoke's own retry of Lambda service errors is folded into the one policy.
      retryOnServiceExceptions: false,
    });
    this.retryTransientByName(task);
    return task;
  }

  /** A LambdaInvoke Task with the transient-error retries every Task gets. */
  private task(
    name: string,
    lambdaFunction: FristFunction,
    options: Pick<ConstructorParameters<typeof LambdaInvoke>[2], "payload" | "resultPath" | "resultSelector">,
  ): LambdaInvoke {
    const task = new LambdaInvoke(this, name, {
      lambdaFunction,
      retryOnServiceExceptions: false,
      ...options,
    });
    this.retryTransient(task);
    return task;
  }

  /** A plain Task: permanent errors are not retried; every other error is, on the budget. */
  private retryTransient(task: LambdaInvoke): void {
    task.addRetry({ errors: PERMANENT_ERRORS, maxAttempts: 0 });
    task.addRetry({ errors: [Errors.ALL], ...RETRY_POLICY });
  }

  /** A callback Task retries the transient errors by name (see TRANSIENT_ERRORS), on the budget. */
  private retryTransientByName(task: LambdaInvoke): void {
    task.addRetry({ errors: TRANSIENT_ERRORS, ...RETRY_POLICY });
  }
}
