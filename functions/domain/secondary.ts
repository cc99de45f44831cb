/**
 * AcknowledgeSecondary: the short path of a secondary referral (sekundærhenvisning). Its condition
 * was rights-assessed already, so it is not assessed again: no task, no email to staff. The referrer
 * gets an acknowledgement letter naming the earlier assessment, and the referral is closed.
 */

import { renderAcknowledgementLetter } from "../views/letters";
import { mustGetReferral, workflowActor } from "./assessment";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { deliverLetter, letterPatientOf } from "./dispatch";
import type { Clock, Mailer, ReferralStore } from "./ports";
import { StaleStateError } from "./ports";
import type { LetterRecord } from "./records";

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
  deps: { store: ReferralStore; clock: Clock; mailer: Mailer; config: ClinicConfig; publicBaseUrl: string },
  referralId: string,
): Promise<{ referralId: string; sent: number }> {
  const referral = await mustGetReferral(deps.store, referralId);
  const { submission } = referral;
  if (submission.kind !== "secondary") {
    throw new NotSecondaryReferral(`referral ${referralId} is not a secondary referral`);
  }
  const actor = workflowActor("AcknowledgeSecondary");
  const now = deps.clock.now();
  const rendered = renderAcknowledgementLetter({
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
    channel: "email",
    to: submission.referrer.email,
    status: "sending",
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
      );
    } catch (error) {
      // Closed by an earlier attempt of this step in the meantime: done.
      if (!(error instanceof StaleStateError)) throw error;
      if ((await deps.store.getReferral(referralId))?.status !== "closed") throw error;
    }
  }
  return { referralId, sent };
}
