/**
 * PollEdiMailbox (on a schedule): the clinic's mailbox at Norsk Helsenett (EDI 2.0) read as
 * POST /messages reads a delivery. Each unread message addressed to the clinic's HER-ids is fetched,
 * received through receiveMessage (the same checks, referral, change or cancellation), answered with
 * its AppRec through the API, and marked read. A run that stops halfway is finished by the next: the
 * MsgId makes a second receipt a replay (the same AppRec, nothing new), and an AppRec the API already
 * has is not sent again.
 */
import type { AppRec } from "./apprec";
import type { EdiMailbox } from "./ports";
import { type ReceiveMessageDeps, receiveMessage } from "./receive-message";

/**
 * The owner of referrals that came through the mailbox (referral.portal): no IAM portal reads them,
 * and their changes and cancellations must come through the mailbox too.
 */
export const EDI_MAILBOX_PORTAL = "edi-mailbox";

/** What one run did, by outcome (ids and counts only: for the log line). */
export interface PollResult {
  fetched: number;
  accepted: number;
  replayed: number;
  rejected: number;
}

/** See the file comment. */
export async function pollMailbox(deps: ReceiveMessageDeps & { mailbox: EdiMailbox }): Promise<PollResult> {
  const herIds = [deps.clinic.organisationHerId, deps.clinic.serviceHerId].filter(
    (herId): herId is string => herId !== undefined,
  );
  const result: PollResult = { fetched: 0, accepted: 0, replayed: 0, rejected: 0 };
  if (herIds.length === 0) return result;
  for (const { id, receiverHerId } of await deps.mailbox.unread(herIds)) {
    const text = await deps.mailbox.businessDocument(id);
    const receipt = await receiveMessage(deps, { text, portal: EDI_MAILBOX_PORTAL });
    await deps.mailbox.sendAppRec(id, receiverHerId, appRecOf(receipt.appRec));
    await deps.mailbox.markRead(id, receiverHerId);
    result.fetched++;
    result[receipt.outcome]++;
  }
  return result;
}

/** The AppRec as EDI 2.0 takes it (PostAppRecRequest): the meldingstjener writes the XML. */
function appRecOf(appRec: AppRec) {
  return {
    status: appRec.status === "ok" ? ("Ok" as const) : ("Rejected" as const),
    errors: appRec.errors.map((error) => ({
      errorCode: error.code,
      ...(error.detail ? { details: error.detail } : {}),
    })),
  };
}
