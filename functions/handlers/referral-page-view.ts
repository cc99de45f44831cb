/**
 * The staff referral page's input from a referral file and the session, shared by the page itself
 * (GET /staff/referrals/{referralId}) and the start-of-care form's answer (POST
 * /referrals/{referralId}/start-of-care), and the one place that logs a view of it.
 */
import type { AccessLog } from "../domain/access-log";
import { accessEventOf } from "../domain/access-log";
import { letterPatientOf } from "../domain/dispatch";
import type { ReferralFile } from "../domain/ports";
import type { Principal } from "../domain/session";
import { startOfCareOf } from "../domain/start-of-care";
import type { Issue } from "../domain/validation";
import { renderReferralPage } from "../views/referral-page";

/** What a referral view is called in the access log. */
export const REFERRAL_VIEW = "referral-view";

/** Referral ids are UUIDs; anything else is not looked up. */
export const REFERRAL_ID = /^[0-9a-f-]{36}$/;

/** Where the staff page of a referral lives, and where its start-of-care form posts, relative to each. */
export const referralLinks = (referralId: string) => ({
  /** From GET /staff/referrals/{id}: the form posts to /referrals/{id}/start-of-care. */
  startOfCareAction: `../../referrals/${encodeURIComponent(referralId)}/start-of-care`,
  /** From POST /referrals/{id}/start-of-care: back to /staff/referrals/{id}. */
  fromStartOfCare: `../../staff/referrals/${encodeURIComponent(referralId)}`,
  /** From either: the lead's /access-log/{id}. */
  accessLog: `../../access-log/${encodeURIComponent(referralId)}`,
});

/** From either page: the referral's open task (/tasks/{taskId}), where it is assessed. */
const taskLink = (taskId: string) => `../../tasks/${encodeURIComponent(taskId)}`;

/** Records that `principal` read the referral's health data (before it is shown). */
export function logReferralView(
  deps: { accessLog: AccessLog; clock: { now(): Date } },
  principal: Principal,
  referralId: string,
): Promise<void> {
  return deps.accessLog.record(
    accessEventOf(principal, { referralId, what: REFERRAL_VIEW, at: deps.clock.now() }),
  );
}

/** The page of one referral: its file, with the start-of-care form for a granted right. */
export function referralPageHtml(
  file: ReferralFile,
  context: {
    csrfToken: string;
    /** Where the form posts, relative to the page that shows it. */
    formAction: string;
    errors?: Issue[];
    values?: Record<string, string>;
    notice?: string;
    /** The reader is the lead: the page links to the referral's access log (and may confirm a breach). */
    lead?: boolean;
    /** Today in Oslo: which start-of-care forms apply. */
    today?: string;
  },
): string {
  const startOfCare = startOfCareOf(file.referral);
  const { birthDate } = letterPatientOf(file.referral.submission);
  const openTask = file.tasks.filter((task) => task.state === "open").at(-1);
  return renderReferralPage({
    file,
    ...(birthDate ? { birthDate } : {}),
    ...(startOfCare ? { startOfCare } : {}),
    ...(startOfCare
      ? {
          form: {
            action: context.formAction,
            csrfToken: context.csrfToken,
            ...(context.errors ? { errors: context.errors } : {}),
            ...(context.values ? { values: context.values } : {}),
            ...(context.lead ? { lead: true } : {}),
            ...(context.today ? { today: context.today } : {}),
          },
        }
      : {}),
    ...(context.notice ? { notice: context.notice } : {}),
    ...(openTask ? { taskHref: taskLink(openTask.taskId) } : {}),
    ...(context.lead ? { accessLogHref: referralLinks(file.referral.referralId).accessLog } : {}),
  });
}
