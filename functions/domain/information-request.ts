/**
 * The forespørsel: intake staff ask the referrer for more information. A referral may not be sent
 * back without an assessment, so this is no decision: the task stays open, the workflow keeps
 * waiting and the legal clock keeps running. The referrer gets one letter per request; the patient
 * and the GP get the answer later, with the decision.
 */
import { createHash } from "node:crypto";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import type { InformationRequest } from "./decision";
import { deliverLetter, letterPatientOf } from "./dispatch";
import { LetterInFlight } from "./errors";
import type { CareRecords, Clock, Mailer, OutboxRecords, ReferralRecords } from "./ports";
import type { Actor, LetterRecord, ReferralRecord, TaskRecord } from "./records";
import type { LetterRenderer } from "./rendering";

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
 * Another request of the task is still open (no answer recorded): nothing was recorded or sent. One
 * open request per task at a time, so the referrer gets one question to answer, not a stream.
 */
export interface InformationRequestOpen {
  kind: "information-request-open";
  referralId: string;
  /** When the open request was made (ISO), to say so on the page. */
  openSince?: string;
}

/**
 * Records the request ("information-requested" in the audit trail, without the question, which may
 * hold health details) and sends the forespørsel letter to the referrer, at most once per request.
 * Leaves the task and the workflow alone.
 */
export async function requestInformation(
  deps: {
    store: ReferralRecords & CareRecords & OutboxRecords;
    clock: Clock;
    mailer: Mailer;
    render: LetterRenderer;
    config: ClinicConfig;
    publicBaseUrl: string;
  },
  open: { task: TaskRecord; referral: ReferralRecord },
  request: InformationRequest,
): Promise<
  | InformationRequested
  | InformationRequestOpen
  | { kind: "gone"; reason: "answered" | "expired" | "withdrawn" }
> {
  const { task, referral } = open;
  const { referralId, submission } = referral;
  const requestId = informationRequestId(task.taskId, request.question);
  const actor: Actor = { kind: "staff", id: request.assessedBy };
  const now = deps.clock.now();

  // One open request per task: hold the task's slot first (a conditional write, so two different
  // questions at once cannot both pass); the same question again holds it still (a retry).
  const hold = await deps.store.holdInformationRequest(task, { requestId, at: now.toISOString() });
  if (!hold.held) {
    if (hold.task?.state === "open" && hold.task.openRequestId) {
      return {
        kind: "information-request-open",
        referralId,
        ...(hold.task.openRequestAt ? { openSince: hold.task.openRequestAt } : {}),
      };
    }
    return { kind: "gone", reason: hold.task?.state === "expired" ? "expired" : "answered" };
  }

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

  const rendered = deps.render.informationRequestLetter({
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
    // A referrer known by HER-id only (a Henvisning message) gets the letter by post.
    channel: submission.referrer.email ? "email" : "postal",
    ...(submission.referrer.email ? { to: submission.referrer.email } : {}),
    status: submission.referrer.email ? "sending" : "awaiting-postal",
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
    if (!(error instanceof LetterInFlight)) {
      // The letter did not go: the request is not open, so staff may ask again (or otherwise).
      if (!askedBefore) await deps.store.closeInformationRequest(task, requestId).catch(() => false);
      throw error;
    }
    letterSent = false;
  }
  return { kind: "information-requested", referralId, requestId, letterSent };
}

/**
 * Staff record that the referrer answered the task's open request: it is closed, with the audit
 * event "information-received", and a new request can be made. Nothing happens when none is open.
 */
export async function recordInformationReceived(
  deps: { store: ReferralRecords & CareRecords; clock: Clock },
  task: TaskRecord,
  actor: Actor,
): Promise<
  { kind: "information-received"; referralId: string } | { kind: "no-open-request"; referralId: string }
> {
  const { referralId, openRequestId } = task;
  if (!openRequestId || !(await deps.store.closeInformationRequest(task, openRequestId))) {
    return { kind: "no-open-request", referralId };
  }
  await deps.store.appendEvent(referralId, {
    type: "information-received",
    at: deps.clock.now().toISOString(),
    actor,
    details: { taskId: task.taskId, requestId: openRequestId },
  });
  return { kind: "information-received", referralId };
}
