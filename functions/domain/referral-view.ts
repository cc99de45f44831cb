/**
 * The referral as staff see it (GET /staff/referrals/{id} as JSON). It leaves out the submission
 * itself and letter bodies, and gives the audit trail in order. Its shape is `referralViewSchema`
 * (referral.ts): the referral's headline and what staff see beyond it.
 */
import type { ReferralFile } from "./ports";
import type { ReferralView } from "./referral";
import { headlineOf } from "./referral-headline";
import { startOfCareOf } from "./start-of-care";

/** The staff view of a referral file. */
export function referralView({ referral, events, letters, tasks }: ReferralFile): ReferralView {
  return {
    ...headlineOf(referral),
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
