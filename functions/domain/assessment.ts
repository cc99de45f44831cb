/**
 * The assessment: plan who assesses, hand them a task (a link, no health data), take their decision
 * and record it. The workflow calls these through thin handlers; the staff pages call the task ones.
 */
import { randomBytes } from "node:crypto";
import { type IsoDate, osloDate, osloEndOfDay, workingDaysBetween } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { type Decision, parseDecision } from "./decision";
import type { Clock, Mailer, ReferralStore, Workflow } from "./ports";
import { StaleStateError, TaskNoLongerOpen } from "./ports";
import type { Actor, Assignment, ReferralRecord, TaskRecord } from "./records";
import { renderAssessmentTaskEmail } from "./staff-email";

const workflowActor = (step: string): Actor => ({ kind: "system", id: `workflow:${step}` });

/** Thrown when a workflow step is asked about a referral that is not there: a bug, not bad input. */
export class ReferralNotFound extends Error {
  override readonly name = "ReferralNotFound";
}

async function mustGetReferral(store: ReferralStore, referralId: string): Promise<ReferralRecord> {
  const referral = await store.getReferral(referralId);
  if (!referral) throw new ReferralNotFound(`referral ${referralId} not found`);
  return referral;
}

/** The end of the assessment due date in Oslo: when the 10 working days have run out. */
export function assessmentDeadlineOf(referral: Pick<ReferralRecord, "assessmentDueDate">): Date {
  return osloEndOfDay(referral.assessmentDueDate);
}

/** Who assesses: the clinic's intake team in its meeting, led by the configured lead. */
export function planAssignment(config: ClinicConfig): Assignment {
  const lead = config.intakeTeam.find((member) => member.lead) ?? config.intakeTeam[0];
  return {
    track: "intake-meeting",
    assessors: config.intakeTeam.map(({ name, role }) => ({ name, role })),
    ...(lead ? { lead: lead.name } : {}),
  };
}

/** PlanIntake: assigns the referral and says how long the workflow may wait for a decision. */
export async function planIntake(
  deps: { store: ReferralStore; clock: Clock; config: ClinicConfig },
  referralId: string,
): Promise<{ referralId: string; awaitSeconds: number }> {
  const referral = await mustGetReferral(deps.store, referralId);
  const assignment = planAssignment(deps.config);
  const now = deps.clock.now();
  if (referral.status === "received") {
    await deps.store.changeStatus(
      referralId,
      { from: ["received"], to: "awaiting-assessment", assignment },
      {
        type: "intake-planned",
        at: now.toISOString(),
        actor: workflowActor("PlanIntake"),
        details: { track: assignment.track, assessors: assignment.assessors.length },
      },
    );
  }
  const secondsLeft = Math.ceil((assessmentDeadlineOf(referral).getTime() - now.getTime()) / 1000);
  // Step Functions needs a positive timeout; a deadline already past still gets its task, briefly.
  return { referralId, awaitSeconds: Math.max(1, secondsLeft) };
}

/** A task id for a staff link: 256 random bits, so a link cannot be guessed. */
export function newTaskId(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * AwaitAssessment's Lambda: stores the task token under a fresh task id and emails every assessor a
 * neutral message with the link. The email names no patient, diagnosis or referral text.
 */
export async function notifyAssessors(
  deps: { store: ReferralStore; clock: Clock; mailer: Mailer; config: ClinicConfig; publicBaseUrl: string },
  input: { referralId: string; taskToken: string },
): Promise<{ taskId: string }> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  const task: TaskRecord = {
    taskId: newTaskId(),
    referralId: referral.referralId,
    taskToken: input.taskToken,
    state: "open",
    createdAt: now.toISOString(),
    expiresAt: assessmentDeadlineOf(referral).toISOString(),
  };
  await deps.store.createTask(task, {
    type: "assessment-task-created",
    at: task.createdAt,
    actor: workflowActor("AwaitAssessment"),
    details: { taskId: task.taskId, expiresAt: task.expiresAt },
  });

  const taskUrl = `${deps.publicBaseUrl.replace(/\/+$/, "")}/tasks/${task.taskId}`;
  const email = renderAssessmentTaskEmail({
    taskUrl,
    dueDate: referral.assessmentDueDate,
    clinicName: deps.config.clinic.name,
  });
  const assessors = deps.config.intakeTeam;
  for (const assessor of assessors) {
    await deps.mailer.send({ to: assessor.email, ...email });
  }
  await deps.store.appendEvent(referral.referralId, {
    type: "assessors-notified",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("AwaitAssessment"),
    details: { taskId: task.taskId, recipients: assessors.length },
  });
  return { taskId: task.taskId };
}

/** What the task page shows, or why it cannot be shown. */
export type TaskView =
  | { kind: "open"; task: TaskRecord; referral: ReferralRecord; workingDaysLeft: number }
  | { kind: "gone"; reason: "answered" | "expired" }
  | { kind: "unknown" };

/** Reads a task for its page. Changes nothing: mail scanners follow links. */
export async function viewTask(
  deps: { store: ReferralStore; clock: Clock },
  taskId: string,
): Promise<TaskView> {
  const task = await deps.store.findTask(taskId);
  if (!task) return { kind: "unknown" };
  const now = deps.clock.now();
  if (task.state === "answered") return { kind: "gone", reason: "answered" };
  if (task.state === "expired" || task.expiresAt <= now.toISOString())
    return { kind: "gone", reason: "expired" };
  const referral = await mustGetReferral(deps.store, task.referralId);
  return { kind: "open", task, referral, workingDaysLeft: workingDaysLeft(referral.assessmentDueDate, now) };
}

/** Working days from today (Oslo) to the due date; negative once it has passed. */
export function workingDaysLeft(dueDate: IsoDate, now: Date): number {
  return workingDaysBetween(osloDate(now), dueDate);
}

export type SubmitDecisionResult =
  | { kind: "recorded"; referralId: string; decision: Decision }
  | {
      kind: "invalid";
      issues: { path: string; message: string }[];
      view: Extract<TaskView, { kind: "open" }>;
    }
  | { kind: "gone"; reason: "answered" | "expired" }
  | { kind: "unknown" };

/**
 * Takes a decision from the task page: validates it, marks the task answered (once only, so a double
 * click or a reused link cannot decide twice) and resumes the workflow.
 */
export async function submitDecision(
  deps: { store: ReferralStore; clock: Clock; workflow: Workflow },
  taskId: string,
  body: unknown,
): Promise<SubmitDecisionResult> {
  const view = await viewTask(deps, taskId);
  if (view.kind !== "open") return view;
  const now = deps.clock.now();
  const parsed = parseDecision(body, osloDate(now));
  if (!parsed.ok) return { kind: "invalid", issues: parsed.issues, view };
  const decision = parsed.value;
  const { task } = view;

  try {
    await deps.store.answerTask(
      task,
      { decision, answeredBy: decision.assessedBy, answeredAt: now.toISOString() },
      {
        type: "decision-submitted",
        at: now.toISOString(),
        actor: { kind: "staff", id: decision.assessedBy },
        details: { taskId, outcome: decision.outcome },
      },
    );
  } catch (error) {
    if (error instanceof StaleStateError) return { kind: "gone", reason: "answered" };
    throw error;
  }

  try {
    await deps.workflow.resume(task.taskToken, { taskId, outcome: decision.outcome });
  } catch (error) {
    if (error instanceof TaskNoLongerOpen) {
      await deps.store.expireTask(task);
      return { kind: "gone", reason: "expired" };
    }
    // A passing fault: put the task back so the same link can be used again.
    await deps.store.reopenTask(task);
    throw error;
  }
  return { kind: "recorded", referralId: task.referralId, decision };
}

/** RecordDecision: copies the answered task's decision onto the referral (status `decided`). */
export async function recordDecision(
  deps: { store: ReferralStore; clock: Clock },
  input: { referralId: string; taskId: string },
): Promise<{ referralId: string; outcome: Decision["outcome"] }> {
  const task = await deps.store.getTask(input.referralId, input.taskId);
  if (!task?.decision) throw new StaleStateError(`task ${input.taskId} has no decision`);
  const decidedAt = task.answeredAt ?? deps.clock.now().toISOString();
  await deps.store.recordDecision(
    input.referralId,
    { decision: task.decision, taskId: task.taskId, decidedAt },
    {
      type: "decision-recorded",
      at: deps.clock.now().toISOString(),
      actor: workflowActor("RecordDecision"),
      details: { outcome: task.decision.outcome, assessedBy: task.decision.assessedBy },
    },
  );
  return { referralId: input.referralId, outcome: task.decision.outcome };
}

/** Complete: the workflow's last word on a referral whose letters have gone out. */
export async function completeReferral(deps: { store: ReferralStore; clock: Clock }, referralId: string) {
  await deps.store.appendEvent(referralId, {
    type: "workflow-completed",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("Complete"),
  });
}

/**
 * MarkFailed: records that the workflow gave up. Only the error's name is kept: a cause may quote
 * data, and the trail is read by operations.
 */
export async function markFailed(
  deps: { store: ReferralStore; clock: Clock },
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
}
