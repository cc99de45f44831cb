/**
 * The referral as the API shows it (GET /referrals/{id}). It leaves out the submission itself (the
 * portal has it) and letter bodies, and gives the audit trail in order.
 */
import type { ReferralFile } from "./ports";
import { startOfCareOf } from "./start-of-care";

export function referralView({ referral, events, letters, tasks }: ReferralFile) {
  return {
    referralId: referral.referralId,
    status: referral.status,
    kind: referral.kind,
    priority: referral.priority,
    receivedAt: referral.receivedAt,
    clockStartDate: referral.clockStartDate,
    assessmentDueDate: referral.assessmentDueDate,
    deadlineBreached: referral.deadlineBreached,
    missingContent: referral.missingContent,
    ...(referral.assignment ? { assignment: referral.assignment } : {}),
    ...(referral.decision
      ? { decision: { ...referral.decision.decision, decidedAt: referral.decision.decidedAt } }
      : {}),
    ...(referral.failure ? { failure: referral.failure } : {}),
    ...(startOfCareOf(referral) ? { startOfCare: startOfCareOf(referral) } : {}),
    letters: letters.map((letter) => ({
      letterKind: letter.letterKind,
      recipientRole: letter.recipientRole,
      channel: letter.channel,
      status: letter.status,
      subject: letter.subject,
      ...(letter.sentAt ? { sentAt: letter.sentAt } : {}),
    })),
    ...(referral.atRisk ? { atRisk: true } : {}),
    tasks: tasks.map((task) => ({
      state: task.state,
      createdAt: task.createdAt,
      ...(task.rearmedAt ? { rearmedAt: task.rearmedAt } : {}),
    })),
    events: [...events].sort((a, b) => a.at.localeCompare(b.at)),
  };
}
