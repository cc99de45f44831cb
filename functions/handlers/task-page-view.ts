/** Maps an open task to the task page's input; shared by the page and the decision form's error answer. */
import type { TaskView } from "../domain/assessment";
import { renderTaskPage } from "../domain/staff-pages";

export function taskPageHtml(
  view: Extract<TaskView, { kind: "open" }>,
  feedback: { errors?: { path: string; message: string }[]; values?: Record<string, string> } = {},
): string {
  const { referral, task, workingDaysLeft } = view;
  const { submission } = referral;
  return renderTaskPage({
    taskId: task.taskId,
    referral: {
      referralId: referral.referralId,
      kind: referral.kind,
      priority: referral.priority,
      receivedAt: referral.receivedAt,
      assessmentDueDate: referral.assessmentDueDate,
      workingDaysLeft,
      patient: { name: submission.patient.name },
      referrer: { name: submission.referrer.name, organisation: submission.referrer.organisation },
      diagnoses: submission.diagnoses,
      reason: submission.reason,
      content: submission.content ?? {},
      flags: submission.flags ?? [],
      missingContent: referral.missingContent,
    },
    // Relative, so the form posts back under whatever stage or host served the page.
    formAction: `${encodeURIComponent(task.taskId)}/decision`,
    ...feedback,
  });
}
