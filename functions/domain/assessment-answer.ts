/**
 * The assessment's answer: the task page's view of a task, the decision (or the question to the
 * referrer) submitted from it, and the workflow's steps after it: the decision recorded, the
 * referral completed, or the execution marked failed. Planning the assessment and handing out its
 * task are in assessment.ts.
 */
import { mustGetReferral, workflowActor } from "./assessment";
import { type CalendarRules, osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { csrfTokenMatches } from "./csrf";
import { deadlineConfirmed, startOfCareDeadlineWarnings } from "./deadline-warnings";
import { type Decision, parseTaskAnswer } from "./decision";
import { DecisionMissing, isUnavailable } from "./errors";
import {
  type InformationRequested,
  type InformationRequestOpen,
  recordInformationReceived,
  requestInformation,
} from "./information-request";
import { workingDaysLeft } from "./legal-clock";
import type {
  CareRecords,
  Clock,
  DecisionRecords,
  Mailer,
  OutboxRecords,
  ReferralRecords,
  TaskRecords,
  Workflow,
} from "./ports";
import { StaleStateError, TaskNoLongerOpen } from "./ports";
import {
  CONDITION_FIELD,
  decisionGuideOf,
  findCondition,
  GUIDE_SUGGESTION_OUTCOME,
  type GuideCondition,
  type GuideSuggestion,
  suggestionFor,
} from "./priority-guide";
import type { ReferralRecord, TaskRecord } from "./records";
import type { LetterRenderer } from "./rendering";
import { tallyOfDecision } from "./statistics";

/** What the task page shows, or why it cannot be shown. */
export type TaskView =
  | { kind: "open"; task: TaskRecord; referral: ReferralRecord; workingDaysLeft: number }
  | { kind: "gone"; reason: "answered" | "expired" | "withdrawn" }
  | { kind: "unknown" };

/** Reads a task for its page. Changes nothing: mail scanners follow links. */
export async function viewTask(
  deps: { store: ReferralRecords & TaskRecords; clock: Clock; calendar: CalendarRules },
  taskId: string,
): Promise<TaskView> {
  const task = await deps.store.findTask(taskId);
  if (!task) return { kind: "unknown" };
  const now = deps.clock.now();
  if (task.state === "answered") return { kind: "gone", reason: "answered" };
  if (task.state === "expired") {
    // A task expired because its sender withdrew the referral says so (no health data, only that).
    const withdrawn = (await deps.store.getReferral(task.referralId))?.withdrawnAt !== undefined;
    return { kind: "gone", reason: withdrawn ? "withdrawn" : "expired" };
  }
  const referral = await mustGetReferral(deps.store, task.referralId);
  return {
    kind: "open",
    task,
    referral,
    workingDaysLeft: workingDaysLeft(osloDate(now), referral.assessmentDueDate, deps.calendar),
  };
}

export type SubmitDecisionResult =
  | {
      kind: "recorded";
      referralId: string;
      decision: Decision;
      /** False when the decision is stored but the workflow could not be told yet (see PendingDecision). */
      resumed: boolean;
    }
  | {
      kind: "invalid";
      issues: { path: string; message: string }[];
      view: Extract<TaskView, { kind: "open" }>;
    }
  | { kind: "gone"; reason: "answered" | "expired" | "withdrawn" }
  | { kind: "busy"; view: Extract<TaskView, { kind: "open" }> }
  /**
   * A form's start-of-care deadline looks like a slip (a non-working day, the day after the
   * decision): nothing recorded; the form is shown again with the warnings and a confirmation.
   */
  | {
      kind: "confirm-deadline";
      warnings: { path: string; message: string }[];
      view: Extract<TaskView, { kind: "open" }>;
    }
  | { kind: "forbidden" }
  /**
   * The assessor asked what the priority guide suggests for a condition (the task page's picker, a
   * POST so the condition stays out of URLs): nothing recorded; the page is shown with the suggestion.
   */
  | {
      kind: "guide-suggestion";
      condition: GuideCondition;
      suggestion: GuideSuggestion;
      view: Extract<TaskView, { kind: "open" }>;
    }
  | InformationRequested
  | InformationRequestOpen
  | { kind: "information-received" | "no-open-request"; referralId: string }
  | { kind: "unknown" };

/**
 * Takes a decision from the task page: validates it, marks the task answered and files it as a
 * pending decision in one write (once only, so a double click or a reused link cannot decide twice),
 * then resumes the workflow. A `recorded` answer always means the decision is stored. A form post (`options.form`)
 * must carry the task's anti-forgery token, or nothing happens (`forbidden`). An information request
 * is no decision: it sends the forespørsel and leaves the task open and the workflow waiting.
 */
export async function submitDecision(
  deps: {
    store: ReferralRecords & TaskRecords & CareRecords & OutboxRecords;
    clock: Clock;
    workflow: Workflow;
    calendar: CalendarRules;
    mailer: Mailer;
    render: LetterRenderer;
    config: ClinicConfig;
    /** The base of the forespørsel letter's link (its email is a notice with a link). */
    publicBaseUrl: string;
  },
  taskId: string,
  body: unknown,
  options: {
    form?: { csrfToken: unknown };
    /** The task page's form: a deadline that looks like a slip is asked about before it is recorded. */
    confirmUnusualDeadline?: boolean;
  } = {},
): Promise<SubmitDecisionResult> {
  const view = await viewTask(deps, taskId);
  if (view.kind !== "open") return view;
  if (options.form && !csrfTokenMatches(view.task.csrfToken, options.form.csrfToken)) {
    return { kind: "forbidden" };
  }
  const now = deps.clock.now();
  // The referrer answered the open information request: no decision, the task stays open.
  const answer = body as { outcome?: unknown; assessedBy?: unknown; condition?: unknown } | null;
  if (answer?.outcome === GUIDE_SUGGESTION_OUTCOME) {
    const condition =
      typeof answer.condition === "string"
        ? findCondition(deps.config.priorityGuide, answer.condition)
        : undefined;
    if (!condition) {
      return {
        kind: "invalid",
        issues: [{ path: CONDITION_FIELD, message: "Velg en tilstand fra prioriteringsveilederens liste" }],
        view,
      };
    }
    return {
      kind: "guide-suggestion",
      condition,
      suggestion: suggestionFor(condition, osloDate(now), deps.calendar),
      view,
    };
  }
  if (answer?.outcome === "information-received") {
    const actor = { kind: "staff" as const, id: String(answer.assessedBy ?? "staff").slice(0, 64) };
    return recordInformationReceived(deps, view.task, actor);
  }
  // A secondary referral waiting for confirmation of its condition is not assessed yet.
  if (view.referral.kind === "secondary" && view.referral.status === "received") {
    return {
      kind: "invalid",
      issues: [
        {
          path: "outcome",
          message: "confirm first whether the secondary referral concerns the condition already assessed",
        },
      ],
      view,
    };
  }
  const parsed = parseTaskAnswer(body, osloDate(now), deps.config.decision.maxStartOfCareDeadlineDays);
  if (!parsed.ok) return { kind: "invalid", issues: parsed.issues, view };
  if (parsed.value.outcome === "information-requested") {
    return requestInformation(deps, view, parsed.value);
  }
  // The guide's suggestion is the clinic's table's, for today: a departure needs the assessor's reason.
  const support = decisionGuideOf(
    body,
    parsed.value,
    deps.config.priorityGuide,
    osloDate(now),
    deps.calendar,
  );
  if (!support.ok) return { kind: "invalid", issues: support.issues, view };
  // The body's guide fields are read above; the decision records the guide's suggestion instead.
  const {
    condition: _condition,
    deviationReason: _reason,
    ...decided
  } = parsed.value as Decision & { condition?: string; deviationReason?: string };
  const decision = (support.guide ? { ...decided, guide: support.guide } : decided) as Decision;
  const { task } = view;
  // A warning, not a refusal: a form asks once for this date; JSON callers get the warnings back.
  if (options.confirmUnusualDeadline && decision.outcome === "granted") {
    const deadline = decision.startOfCareDeadline;
    const warnings = startOfCareDeadlineWarnings(deadline, osloDate(now), deps.calendar);
    if (warnings.length > 0 && !deadlineConfirmed(body, deadline)) {
      return { kind: "confirm-deadline", warnings, view };
    }
  }

  try {
    await deps.store.answerTask(
      task,
      {
        decision,
        answeredBy: decision.assessedBy,
        answeredAt: now.toISOString(),
        // Real time, even under the local simulated clock: see TaskRecord.answerStoredAt.
        answerStoredAt: new Date().toISOString(),
      },
      {
        type: "decision-submitted",
        at: now.toISOString(),
        actor: { kind: "staff", id: decision.assessedBy },
        details: { taskId, outcome: decision.outcome, ...guideDetails(decision) },
      },
    );
  } catch (error) {
    if (error instanceof StaleStateError) return { kind: "gone", reason: "answered" };
    throw error;
  }

  // From here the decision is durable (the answered task and its pending decision, one write): the
  // answer is 200 whatever happens to the resume. A resume that fails for a passing reason leaves the
  // pending decision for the reconciler, which resumes the workflow with the task's current token.
  const output = { taskId, outcome: decision.outcome };
  try {
    await resumeWithRetries(deps.workflow, task.taskToken, output);
  } catch (error) {
    if (!(error instanceof TaskNoLongerOpen)) {
      if (!isUnavailable(error)) throw error;
      return { kind: "recorded", referralId: task.referralId, decision, resumed: false };
    }
    // The token's wait is over. Either the workflow is between two waits (a reminder or an escalation
    // is going out) and has already re-armed this task with a new token, or it is about to, or it
    // stopped (then MarkFailed expires the task).
    const current = await deps.store.getTask(task.referralId, taskId);
    if (current?.state === "expired") return { kind: "gone", reason: "expired" };
    const referral = await deps.store.getReferral(task.referralId);
    if (referral?.status !== "awaiting-assessment") {
      await deps.store.expireTask(task);
      return { kind: "gone", reason: "expired" };
    }
    if (current && current.taskToken !== task.taskToken) {
      try {
        await resumeWithRetries(deps.workflow, current.taskToken, output);
        return { kind: "recorded", referralId: task.referralId, decision, resumed: true };
      } catch (retryError) {
        if (!(retryError instanceof TaskNoLongerOpen)) {
          if (!isUnavailable(retryError)) throw retryError;
          return { kind: "recorded", referralId: task.referralId, decision, resumed: false };
        }
      }
    }
    await deps.store.reopenTask(task);
    return { kind: "busy", view };
  }
  return { kind: "recorded", referralId: task.referralId, decision, resumed: true };
}

/** Resumes a wait, trying again twice at once on a passing fault (the SDK has retried as well). */
async function resumeWithRetries(
  workflow: Workflow,
  taskToken: string,
  output: { taskId: string; outcome: Decision["outcome"] },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await workflow.resume(taskToken, output);
      return;
    } catch (error) {
      if (attempt >= 3 || !isUnavailable(error)) throw error;
    }
  }
}

/**
 * What an audit event says of the guide behind a decision: the condition, the suggestion and whether
 * the decision departs from it. The reason itself may be clinical, so it stays in the decision (the
 * way a changed priority's reason stays with the referral); the event says that one was recorded.
 */
function guideDetails(decision: Decision): Record<string, string | boolean> {
  const guide = decision.guide;
  if (!guide) return {};
  return {
    condition: guide.conditionId,
    guideVersion: guide.guideVersion,
    suggestedRight: guide.suggestion.advisedRight,
    ...(guide.suggestion.latestStart ? { suggestedLatestStart: guide.suggestion.latestStart } : {}),
    deviatesFromGuide: guide.deviates,
    ...(guide.deviationReason ? { deviationReasonRecorded: true } : {}),
  };
}

/** RecordDecision: copies the answered task's decision onto the referral (status `decided`). */
export async function recordDecision(
  deps: { store: ReferralRecords & TaskRecords & DecisionRecords; clock: Clock; calendar: CalendarRules },
  input: { referralId: string; taskId: string },
): Promise<{ referralId: string; outcome: Decision["outcome"] }> {
  const task = await deps.store.getTask(input.referralId, input.taskId);
  if (!task?.decision) throw new DecisionMissing();
  const decidedAt = task.answeredAt ?? deps.clock.now().toISOString();
  const referral = await mustGetReferral(deps.store, input.referralId);
  await deps.store.recordDecision(
    input.referralId,
    { decision: task.decision, taskId: task.taskId, decidedAt },
    {
      type: "decision-recorded",
      at: deps.clock.now().toISOString(),
      actor: workflowActor("RecordDecision"),
      details: {
        outcome: task.decision.outcome,
        assessedBy: task.decision.assessedBy,
        ...guideDetails(task.decision),
      },
    },
    tallyOfDecision(referral, task.decision, decidedAt, deps.calendar),
    referral,
  );
  return { referralId: input.referralId, outcome: task.decision.outcome };
}

/** Complete: the workflow's last word on a referral whose letters have gone out. */
export async function completeReferral(deps: { store: ReferralRecords; clock: Clock }, referralId: string) {
  await deps.store.appendEvent(referralId, {
    type: "workflow-completed",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("Complete"),
  });
}

/**
 * MarkFailed: records that the workflow gave up, and expires the referral's open task, since nothing
 * waits for its answer any more (its link then answers 410). Only the error's name is kept: a cause
 * may quote data, and the trail is read by operations.
 */
export async function markFailed(
  deps: { store: ReferralRecords & TaskRecords; clock: Clock },
  input: { referralId: string; error?: { Error?: string } },
) {
  const at = deps.clock.now().toISOString();
  const errorName = (input.error?.Error ?? "Unknown").slice(0, 100);
  try {
    await deps.store.changeStatus(
      input.referralId,
      {
        from: ["received", "awaiting-assessment", "decided"],
        to: "failed",
        failure: { error: errorName, at },
      },
      { type: "workflow-failed", at, actor: workflowActor("MarkFailed"), details: { error: errorName } },
    );
  } catch (error) {
    if (!(error instanceof StaleStateError)) throw error;
    // Already failed or closed: the trail still gets the failure.
    await deps.store.appendEvent(input.referralId, {
      type: "workflow-failed",
      at,
      actor: workflowActor("MarkFailed"),
      details: { error: errorName },
    });
  }
  for (const task of await deps.store.listTasks(input.referralId)) {
    if (task.state === "open") await deps.store.expireTask(task);
  }
}
