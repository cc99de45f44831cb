/**
 * A secondary referral (sekundærhenvisning) is not rights-assessed again only when it concerns the
 * condition already assessed (the guideline; pbrl § 2-1 b is about the condition, not the label).
 * The portal's label is not enough: the workflow waits (AwaitSecondaryConfirmation, a task with a
 * link to the intake team) for a staff member to confirm it (POST /tasks/{taskId}/secondary):
 * confirmed, AcknowledgeSecondary sends the referrer an acknowledgement naming the earlier assessment
 * and closes the referral; not confirmed, or not confirmed by the confirmation day, it is assessed as
 * a new referral (AssessAsNew), with the normal deadline and assignment, through the same task link.
 */

import * as z from "zod";
import { mustGetReferral, workflowActor } from "./assessment";
import { viewTask } from "./assessment-answer";
import { type CalendarRules, osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { csrfTokenMatches } from "./csrf";
import { deliverLetter, letterPatientOf } from "./dispatch";
import type { Clock, Mailer, OutboxRecords, ReferralRecords, TaskRecords, Workflow } from "./ports";
import { StaleStateError, TaskNoLongerOpen } from "./ports";
import type { LetterRecord, ReferralRecord } from "./records";
import type { LetterRenderer } from "./rendering";
import { tallyOfSecondaryAcknowledged } from "./statistics";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

/** Thrown when the short path is asked to acknowledge a referral that is not secondary: a bug. */
export class NotSecondaryReferral extends Error {
  override readonly name = "NotSecondaryReferral";
}

/**
 * Sends the acknowledgement (once, through the same letter claim as the decision letters) and then
 * closes the referral with an audit event. Letter first: a referral is never closed without its
 * acknowledgement, and a retried step neither sends it twice nor closes twice.
 */
export async function acknowledgeSecondary(
  deps: {
    store: ReferralRecords & TaskRecords & OutboxRecords;
    clock: Clock;
    mailer: Mailer;
    render: LetterRenderer;
    config: ClinicConfig;
    publicBaseUrl: string;
  },
  referralId: string,
): Promise<{ referralId: string; sent: number }> {
  const referral = await mustGetReferral(deps.store, referralId);
  const { submission } = referral;
  if (submission.kind !== "secondary") {
    throw new NotSecondaryReferral(`referral ${referralId} is not a secondary referral`);
  }
  const actor = workflowActor("AcknowledgeSecondary");
  const now = deps.clock.now();
  const rendered = deps.render.acknowledgementLetter({
    referralId,
    receivedDate: referral.clockStartDate,
    patient: letterPatientOf(submission),
    referrer: { name: submission.referrer.name, organisation: submission.referrer.organisation },
    previousDecisionRef: submission.previousDecisionRef,
    date: osloDate(now),
    clinic: deps.config.clinic,
  });
  const letter: LetterRecord = {
    referralId,
    letterKind: "acknowledgement",
    recipientRole: "referrer",
    // A referrer known by HER-id only (a Henvisning message) gets the letter by post.
    channel: submission.referrer.email ? "email" : "postal",
    ...(submission.referrer.email ? { to: submission.referrer.email } : {}),
    status: submission.referrer.email ? "sending" : "awaiting-postal",
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    createdAt: now.toISOString(),
  };
  const sent = (await deliverLetter(deps, letter, actor)) ? 1 : 0;

  if (referral.status !== "closed") {
    try {
      await deps.store.changeStatus(
        referralId,
        { from: ["received"], to: "closed" },
        {
          type: "secondary-acknowledged",
          at: deps.clock.now().toISOString(),
          actor,
          details: { kind: "secondary", letterKind: "acknowledgement" },
        },
        // No longer pending in the statistics; counted with the close, so a retried step cannot count twice.
        tallyOfSecondaryAcknowledged(referral),
      );
    } catch (error) {
      // Closed by an earlier attempt of this step in the meantime: done.
      if (!(error instanceof StaleStateError)) throw error;
      if ((await deps.store.getReferral(referralId))?.status !== "closed") throw error;
    }
  }
  // The confirmation task's link has done its work: it now answers 410.
  for (const task of await deps.store.listTasks(referralId)) {
    if (task.state === "open") await deps.store.expireTask(task);
  }
  return { referralId, sent };
}

/** Whether a referral waits for staff to confirm that it concerns the condition already assessed. */
export function awaitsSecondaryConfirmation(referral: Pick<ReferralRecord, "kind" | "status">): boolean {
  return referral.kind === "secondary" && referral.status === "received";
}

/** The body of POST /tasks/{taskId}/secondary (built on first use: only that route parses it). */
export const secondaryConfirmationSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    sameCondition: z.enum(["yes", "no"], { error: 'must be "yes" or "no"' }),
  }),
);

/** 200 of POST /tasks/{taskId}/secondary with a JSON body (documents the API; built on first use). */
export const secondaryConfirmedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string(),
    sameCondition: z.boolean(),
    status: z.literal("confirmed"),
  }),
);

export type SecondaryConfirmationResult =
  | { kind: "confirmed"; referralId: string; sameCondition: boolean }
  | { kind: "invalid"; issues: Issue[] }
  | { kind: "not-awaiting" }
  | { kind: "forbidden" }
  | { kind: "gone"; reason: "answered" | "expired" | "withdrawn" }
  | { kind: "unknown" };

/**
 * A staff member answers whether a secondary referral concerns the condition already assessed: the
 * workflow's confirmation wait is resumed with `same-condition` (acknowledged and closed) or
 * `new-condition` (assessed as new), and a "secondary-confirmed" event records who said which (only
 * ids and the outcome travel in the workflow). A form post must
 * carry the task's anti-forgery token. A referral no longer waiting for the answer (answered already,
 * or assessed as new after the confirmation day) is `not-awaiting`, and nothing changes.
 */
export async function confirmSecondary(
  deps: { store: ReferralRecords & TaskRecords; clock: Clock; workflow: Workflow; calendar: CalendarRules },
  taskId: string,
  body: unknown,
  author: string,
  options: { form?: { csrfToken: unknown } } = {},
): Promise<SecondaryConfirmationResult> {
  const view = await viewTask(deps, taskId);
  if (view.kind !== "open") return view;
  if (options.form && !csrfTokenMatches(view.task.csrfToken, options.form.csrfToken)) {
    return { kind: "forbidden" };
  }
  if (!awaitsSecondaryConfirmation(view.referral)) return { kind: "not-awaiting" };
  const parsed = secondaryConfirmationSchema().safeParse(body);
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error) };
  const sameCondition = parsed.data.sameCondition === "yes";
  try {
    await deps.workflow.resume(view.task.taskToken, {
      taskId,
      outcome: sameCondition ? "same-condition" : "new-condition",
    });
  } catch (error) {
    if (error instanceof TaskNoLongerOpen) return { kind: "not-awaiting" };
    throw error;
  }
  // After the resume: only the answer the workflow took is recorded.
  await deps.store.appendEvent(view.referral.referralId, {
    type: "secondary-confirmed",
    at: deps.clock.now().toISOString(),
    actor: { kind: "staff", id: author },
    details: { taskId, sameCondition },
  });
  return { kind: "confirmed", referralId: view.referral.referralId, sameCondition };
}
