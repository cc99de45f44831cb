/** Maps an open task to the task page's input; shared by the page and the decision form's error answer. */
import type { TaskView } from "../domain/assessment-answer";
import { addWorkingDays, type CalendarRules, type IsoDate, osloDate } from "../domain/calendar";
import { type ClinicConfig, calendarRulesOf } from "../domain/clinic";
import { isYoungerThan, letterPatientOf } from "../domain/dispatch";
import { legalClockFor } from "../domain/legal-clock";
import type { TaskRecords } from "../domain/ports";
import { findCondition, type PriorityGuide, suggestionFor } from "../domain/priority-guide";
import type { ReferralSubmission } from "../domain/referral";
import { awaitsSecondaryConfirmation } from "../domain/secondary";
import { renderTaskPage, type TaskPageInput } from "../views/staff-pages";

/** What a view of the task page (and of its forms' answers that show it again) is called in the access log. */
export const TASK_PAGE_VIEW = "task-page";

/** The referral a task link is about (for the access log of a refused attempt). */
export async function referralOfTask(
  store: Pick<TaskRecords, "findTask">,
  taskId: string | undefined,
): Promise<string | undefined> {
  return taskId ? (await store.findTask(taskId))?.referralId : undefined;
}

/** How the page links to itself and to its form, relative to where it is served. */
export const taskLinks = (taskId: string) => ({
  /** From GET /tasks/{taskId}: the form posts to /tasks/{taskId}/decision. */
  formAction: `${encodeURIComponent(taskId)}/decision`,
  /** From a form's POST /tasks/{taskId}/<form>: back to /tasks/{taskId}. */
  fromForm: `../${encodeURIComponent(taskId)}`,
  /** From GET /tasks/{taskId}: the priority form posts to /tasks/{taskId}/priority. */
  priorityAction: `${encodeURIComponent(taskId)}/priority`,
  /** From GET /tasks/{taskId}: the secondary referral's confirmation posts to /tasks/{taskId}/secondary. */
  secondaryAction: `${encodeURIComponent(taskId)}/secondary`,
  /** From GET /tasks/{taskId}: attachment n is served at /tasks/{taskId}/attachments/{n}. */
  attachment: (n: number) => `${encodeURIComponent(taskId)}/attachments/${n}`,
});

/**
 * The same three forms' targets from a page answered to a form's POST /tasks/{taskId}/<form>: a
 * sibling of that path, so the page shown again (after an error, or with the guide's suggestion)
 * posts where the task page itself would.
 */
const formPostLinks = {
  formAction: "decision",
  priorityAction: "priority",
  secondaryAction: "secondary",
  attachment: (n: number) => `attachments/${n}`,
};

export function taskPageHtml(
  view: Extract<TaskView, { kind: "open" }>,
  context: {
    today: IsoDate;
    config: Pick<ClinicConfig, "decision" | "legalClock" | "priorityGuide">;
    /** Where the page is served: GET /tasks/{taskId} (default), or the answer to a form's POST under it. */
    servedFrom?: "task-page" | "form-post";
  },
  feedback: {
    errors?: { path: string; message: string }[];
    /** A granted form's deadline to confirm (a non-working day, the day after the decision). */
    warnings?: { path: string; message: string }[];
    values?: Record<string, string>;
    /** The signed-in clinician, who will be the decision's author. */
    signedInAs?: string;
  } = {},
): string {
  const { referral, task, workingDaysLeft } = view;
  const { submission } = referral;
  const clock = legalClockFor(referral, context.config.legalClock);
  const links = context.servedFrom === "form-post" ? formPostLinks : taskLinks(task.taskId);
  return renderTaskPage({
    taskId: task.taskId,
    referral: {
      referralId: referral.referralId,
      kind: referral.kind,
      priority: referral.priority,
      receivedAt: referral.receivedAt,
      assessmentDueDate: referral.assessmentDueDate,
      workingDaysLeft,
      patient: { name: submission.patient.name, ...birthDateOf(submission) },
      under18: isUnder18(birthDateOf(submission).birthDate, referral.receivedAt),
      under16: (() => {
        const { birthDate } = birthDateOf(submission);
        return birthDate !== undefined && isYoungerThan(birthDate, 16, context.today);
      })(),
      ...(submission.patient.interpreterLanguage
        ? { interpreterLanguage: submission.patient.interpreterLanguage }
        : {}),
      referrer: { name: submission.referrer.name, organisation: submission.referrer.organisation },
      diagnoses: submission.diagnoses,
      reason: submission.reason,
      content: submission.content ?? {},
      flags: submission.flags ?? [],
      missingContent: referral.missingContent,
      ...(submission.kind === "forwarded"
        ? {
            forwarded: {
              ansiennitetsdato: referral.clockStartDate,
              previousInstitution: submission.previousInstitution,
            },
          }
        : {}),
      atRisk: referral.atRisk === true,
      deadlineBreached: referral.deadlineBreached,
      ...(clock.internalTargetDate ? { internalTargetDate: clock.internalTargetDate } : {}),
      ...(referral.priorityChanges ? { priorityChanges: referral.priorityChanges } : {}),
      ...(referral.attachments?.length
        ? {
            attachments: referral.attachments.map((attachment) => ({
              name: attachment.name,
              mimeType: attachment.mimeType,
              size: attachment.size,
              href: links.attachment(attachment.n),
            })),
          }
        : {}),
    },
    // Relative, so the form posts back under whatever stage or host served the page.
    formAction: links.formAction,
    priorityAction: links.priorityAction,
    ...(submission.kind === "secondary" && awaitsSecondaryConfirmation(referral)
      ? {
          secondaryConfirmation: {
            action: links.secondaryAction,
            previousDecisionRef: submission.previousDecisionRef,
            // The last day to confirm: the day before the confirmation day starts.
            confirmBy: addWorkingDays(
              referral.clockStartDate,
              context.config.legalClock.secondaryConfirmationWorkingDay - 1,
              calendarRulesOf(context.config.legalClock),
            ),
          },
        }
      : {}),
    ...(task.csrfToken ? { csrfToken: task.csrfToken } : {}),
    ...(task.openRequestId && task.openRequestAt
      ? { openRequestSince: osloDate(new Date(task.openRequestAt)) }
      : {}),
    guide: guideOnPage(context.config.priorityGuide, feedback.values?.condition ?? submission.condition, {
      today: context.today,
      rules: calendarRulesOf(context.config.legalClock),
      proposed: submission.condition,
    }),
    today: context.today,
    youngAdultDeadlineWeeks: context.config.decision.youngAdultDeadlineWeeks,
    maxDeadlineDays: context.config.decision.maxStartOfCareDeadlineDays,
    ...feedback,
  });
}

/**
 * The priority guide on the task page: its conditions for the searchable list and, for the condition
 * picked (by the assessor, or proposed by the portal), the suggestion counted from today.
 */
function guideOnPage(
  guide: PriorityGuide,
  picked: string | undefined,
  at: { today: IsoDate; rules: CalendarRules; proposed: string | undefined },
): NonNullable<TaskPageInput["guide"]> {
  const condition = picked ? findCondition(guide, picked) : undefined;
  const proposed = at.proposed ? findCondition(guide, at.proposed) : undefined;
  return {
    title: guide.title,
    version: guide.version,
    source: guide.source,
    conditions: guide.conditions.map(({ id, name }) => ({ id, name })),
    ...(proposed ? { proposedByPortal: proposed.name } : {}),
    ...(picked && !condition ? { unknown: picked } : {}),
    ...(condition
      ? {
          selected: {
            id: condition.id,
            name: condition.name,
            advisedRight: condition.advisedRight,
            ...(condition.maxWeeksToStart ? { weeks: condition.maxWeeksToStart } : {}),
            ...(condition.startOf ? { startOf: condition.startOf } : {}),
            ...(condition.guide ? { guide: condition.guide } : {}),
            factors: condition.factors,
            source: condition.source,
            ...(() => {
              const { latestStart } = suggestionFor(condition, at.today, at.rules);
              return latestStart ? { latestStart } : {};
            })(),
          },
        }
      : {}),
  };
}

/** Whether the patient was under 18 on the Oslo day of receipt (the guideline's pathway is for adults). */
export function isUnder18(birthDate: string | undefined, receivedAt: string): boolean {
  if (!birthDate) return false;
  const received = osloDate(new Date(receivedAt));
  const eighteenth = `${String(Number(birthDate.slice(0, 4)) + 18).padStart(4, "0")}${birthDate.slice(4)}`;
  return received < eighteenth;
}

/** The patient's birth date for the page, read from the national ID (which the page never shows). */
function birthDateOf(submission: ReferralSubmission): { birthDate?: string } {
  const { birthDate } = letterPatientOf(submission);
  return birthDate ? { birthDate } : {};
}
