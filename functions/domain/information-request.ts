/**
 * The forespørsel: intake staff ask the referrer for more information. A referral may not be sent
 * back without an assessment, so this is no decision: the task stays open, the workflow keeps
 * waiting and the legal clock keeps running. The referrer gets one letter per request; the patient
 * and the GP get the answer later, with the decision.
 */
import { createHash } from "node:crypto";
import { renderInformationRequestLetter } from "../views/letters";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import type { InformationRequest } from "./decision";
import { deliverLetter, letterPatientOf } from "./dispatch";
import { LetterInFlight } from "./errors";
import type { Clock, Mailer, ReferralStore } from "./ports";
import type { Actor, LetterRecord, ReferralRecord, TaskRecord } from "./records";

/**
 * The id of one request: derived from the task and the question, so a double click, a reload or a
 * retry of the same request sends one letter, and a new question sends a new one.
 */
export function informationRequestId(taskId: string, question: string): string {
  return createHash("sha256")
    .update(`${taskId}\n${question.trim()}`, "utf8")
    .digest("base64url")
    .slice(0, 16);
}

/** What became of a request: its id, and whether its letter went out in this call. */
export interface InformationRequested {
  kind: "information-requested";
  referralId: string;
  requestId: string;
  letterSent: boolean;
}

/**
 * Records the request ("information-requested" in the audit trail, without the question, which may
 * hold health details) and sends the forespørsel letter to the referrer, at most once per request.
 * Leaves the task and the workflow alone.
 */
export async function requestInformation(
  deps: { store: ReferralStore; clock: Clock; mailer: Mailer; config: ClinicConfig },
  open: { task: TaskRecord; referral: ReferralRecord },
  request: InformationRequest,
): Promise<InformationRequested> {
  const { task, referral } = open;
  const { referralId, submission } = referral;
  const requestId = informationRequestId(task.taskId, request.question);
  const actor: Actor = { kind: "staff", id: request.assessedBy };
  const now = deps.clock.now();

  const file = await deps.store.getReferralFile(referralId);
  const askedBefore = file?.letters.some(
    (letter) => letter.letterKind === "information-request" && letter.requestId === requestId,
  );
  if (!askedBefore) {
    await deps.store.appendEvent(referralId, {
      type: "information-requested",
      at: now.toISOString(),
      actor,
      details: { taskId: task.taskId, requestId },
    });
  }

  const rendered = renderInformationRequestLetter({
    referralId,
    receivedDate: referral.clockStartDate,
    assessmentDueDate: referral.assessmentDueDate,
    patient: letterPatientOf(submission),
    referrer: { name: submission.referrer.name, organisation: submission.referrer.organisation },
    question: request.question,
    date: osloDate(now),
    clinic: deps.config.clinic,
  });
  const letter: LetterRecord = {
    referralId,
    letterKind: "information-request",
    requestId,
    recipientRole: "referrer",
    channel: "email",
    to: submission.referrer.email,
    status: "sending",
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    createdAt: now.toISOString(),
  };
  let letterSent: boolean;
  try {
    letterSent = await deliverLetter(deps, letter, actor);
  } catch (error) {
    // The same form submitted twice at once: the other submission is sending this very letter.
    if (!(error instanceof LetterInFlight)) throw error;
    letterSent = false;
  }
  return { kind: "information-requested", referralId, requestId, letterSent };
}
