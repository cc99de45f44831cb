/**
 * Receiving a referral from a portal: validate, derive the legal deadline, store it exactly once
 * (a portal retry with the same idempotency key gets the same answer), and start its workflow.
 */
import { createHash } from "node:crypto";
import { type AttachmentDescription, attachmentRecords } from "./attachments";
import { type IsoDate, osloDate } from "./calendar";
import type { LegalClockConfig } from "./clinic";
import { legalClockFor } from "./legal-clock";
import type { Clock, IdempotencyRecord, ReferralRecords, Workflow } from "./ports";
import { IdempotencyKeyTaken } from "./ports";
import { conditionById, type PriorityGuide } from "./priority-guide";
import type { Actor, AuditEvent, MessageOrigin, ReferralRecord } from "./records";
import {
  canonicalJson,
  missingContent,
  parseReferralSubmission,
  type ReferralAccepted,
  type ReferralSubmission,
} from "./referral";
import { tallyOfReceipt } from "./statistics";

/**
 * The 202 body of api.md, stored with the idempotency record and replayed verbatim on a retry: the
 * type of its schema in GET /openapi.json (`ReferralAccepted`), so the two cannot part.
 */
export type ReferralReceipt = ReferralAccepted;

export type ReceiveResult =
  | { outcome: "accepted" | "replayed"; receipt: ReferralReceipt }
  | { outcome: "invalid"; issues: { path: string; message: string }[] }
  | { outcome: "conflict" };

export interface ReceiveDeps {
  store: ReferralRecords;
  workflow: Workflow;
  clock: Clock;
  newReferralId: () => string;
  /** The clinic's working days and closures, so the receipt states the due date the workflow keeps. */
  legalClock: LegalClockConfig;
  /**
   * The clinic's priority guide: a referral's `condition` must be one of its conditions. Without it
   * (a caller that does not know the clinic's table) a well-formed id is kept as it is.
   */
  priorityGuide?: Pick<PriorityGuide, "conditions">;
}

export interface ReceiveRequest {
  /** The portal's Idempotency-Key, already checked for form. */
  idempotencyKey: string;
  /**
   * The calling portal's id (portal.ts): it owns the referral, and its key space holds the key, so
   * two portals cannot collide and one cannot replay another's receipt.
   */
  portal: string;
  body: unknown;
  /**
   * The key space of `idempotencyKey`: the portal's own by default; MESSAGE_ID_SCOPE for a message's
   * MsgId, which is unique across senders and transports, so a message delivered twice, by any route,
   * makes one referral.
   */
  idempotencyScope?: string;
  /** The Henvisning message the referral came as (receive-message.ts), kept for the answer to it. */
  message?: MessageOrigin;
  /**
   * A Viderehenvisning message: it may come without a diagnosis (the forwarding institution refers
   * to the original referral); every other referral needs one.
   */
  diagnosesOptional?: boolean;
  /**
   * The message's attachments, as the referral records them (their content goes to the attachment
   * store through `storeAttachments`). Part of what the idempotency key stands for: the same key
   * with other attachments is a conflict.
   */
  attachments?: readonly AttachmentDescription[];
  /**
   * Stores the attachments' content under the referral's id, once the referral is stored and before
   * its workflow starts (so no one is told of a task whose attachments are missing), and again on a
   * replay (a run that stopped between the two is finished by the retry; the store writes nothing
   * twice).
   */
  storeAttachments?: (referralId: string) => Promise<void>;
}

/** The idempotency key space of MsgIds (receive-message.ts); no portal id (an IAM ARN) can equal it. */
export const MESSAGE_ID_SCOPE = "message";

/**
 * The key space of a sender's own ids for its referrals (1.x `ServReq/Id`, 2.0 `DocumentId`), one per
 * sender HER-id: an id is the sender's, not unique across senders. No portal id or MESSAGE_ID_SCOPE
 * can equal it.
 */
export function documentIdScope(senderHerId: string): string {
  return `document:${senderHerId}`;
}

/**
 * The lookup of a referral that came as a message by its sender's HER-id and its own id: what a
 * Henvisning 1.x change or cancellation names it by (it has no ConversationRef). Stored beside its
 * idempotency record and in the same write as the referral (ReferralRecords.createReferral), as an
 * idempotency record of its own key space. Not conditional: a sender that sends a new referral under
 * an id it used before means the later one, and its changes then act on that.
 */
export function documentLookupOf(referral: ReferralRecord): IdempotencyRecord | undefined {
  const herId = referral.message?.sender.herId;
  const documentId = referral.message?.documentId;
  if (!herId || !documentId) return undefined;
  return {
    scope: documentIdScope(herId),
    key: documentId,
    // Nothing is replayed from it: it names the referral, nothing more.
    bodyHash: "",
    referralId: referral.referralId,
    response: null,
    createdAt: referral.receivedAt,
  };
}

/** The date the legal clock counts from: the ansiennitetsdato of a forward, else the day of receipt. */
export function clockStartDate(submission: ReferralSubmission, receivedAt: Date): IsoDate {
  return submission.kind === "forwarded" ? submission.originalReceivedDate : osloDate(receivedAt);
}

/**
 * How far back a forward's ansiennitetsdato may lie. A referral forwarded within the specialist
 * health service arrives days or weeks after its first receipt; a date years back is a typing error
 * (or 0001-01-01 from an empty date field) and would start the clock already breached.
 */
export const MAX_ORIGINAL_RECEIPT_AGE_YEARS = 1;

/** Why a forward's original receipt date cannot be right, or undefined when it can. */
export function originalReceivedDateProblem(date: IsoDate, today: IsoDate): string | undefined {
  if (date > today) return "must not be in the future";
  const [year, monthDay] = [Number(today.slice(0, 4)), today.slice(4)];
  const earliest = `${String(year - MAX_ORIGINAL_RECEIPT_AGE_YEARS).padStart(4, "0")}${monthDay}`;
  if (date < earliest) return `must be at most ${MAX_ORIGINAL_RECEIPT_AGE_YEARS} year before today`;
  return undefined;
}

/** Hash of the body in canonical form, so key order or whitespace in a retry does not count as a change. */
export function bodyHash(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

/** Handles one POST /referrals after the HTTP layer has parsed the JSON. */
export async function receiveReferral(deps: ReceiveDeps, request: ReceiveRequest): Promise<ReceiveResult> {
  const parsed = parseReferralSubmission(request.body, {
    diagnosesOptional: request.diagnosesOptional === true,
  });
  if (!parsed.ok) return { outcome: "invalid", issues: parsed.issues };
  const submission = parsed.value;
  const now = deps.clock.now();
  // The portal proposes; only a condition of this clinic's guide can be proposed (nothing stored).
  if (
    submission.condition !== undefined &&
    deps.priorityGuide &&
    !conditionById(deps.priorityGuide, submission.condition)
  ) {
    return {
      outcome: "invalid",
      issues: [{ path: "condition", message: "is not a condition of the clinic's priority guide" }],
    };
  }

  if (submission.kind === "forwarded") {
    const problem = originalReceivedDateProblem(submission.originalReceivedDate, osloDate(now));
    if (problem) return { outcome: "invalid", issues: [{ path: "originalReceivedDate", message: problem }] };
  }

  const actor: Actor = { kind: "portal", id: request.portal };
  // With attachments the key stands for them too; without, the hash is the body's as before.
  const hash = bodyHash(
    request.attachments?.length ? { body: request.body, attachments: request.attachments } : request.body,
  );
  // No read of the key first: the write below is conditional on the key being new and all-or-nothing,
  // so a retry is found by that write failing, and a new referral (nearly every request) costs one
  // DynamoDB call instead of two.
  const referralId = deps.newReferralId();
  const receivedAt = now.toISOString();
  const startDate = clockStartDate(submission, now);
  const receipt: ReferralReceipt = {
    referralId,
    status: "received",
    receivedAt,
    assessmentDueDate: legalClockFor(
      { clockStartDate: startDate, priority: submission.priority },
      deps.legalClock,
    ).assessmentDueDate,
    missingContent: missingContent(submission),
  };
  const referral: ReferralRecord = {
    referralId,
    status: "received",
    kind: submission.kind,
    priority: submission.priority,
    receivedAt,
    clockStartDate: startDate,
    assessmentDueDate: receipt.assessmentDueDate,
    missingContent: receipt.missingContent,
    deadlineBreached: false,
    submission,
    submittedBy: actor,
    portal: request.portal,
    ...(request.message ? { message: request.message } : {}),
    ...(request.attachments?.length
      ? { attachments: attachmentRecords(referralId, request.attachments) }
      : {}),
  };
  const scope = request.idempotencyScope ?? request.portal;
  const idempotency: IdempotencyRecord = {
    scope,
    key: request.idempotencyKey,
    bodyHash: hash,
    referralId,
    response: receipt,
    createdAt: receivedAt,
  };
  const event: AuditEvent = {
    type: "referral-received",
    at: receivedAt,
    actor,
    details: {
      kind: submission.kind,
      priority: submission.priority,
      assessmentDueDate: receipt.assessmentDueDate,
    },
  };

  try {
    await deps.store.createReferral(referral, idempotency, event, tallyOfReceipt(referral));
  } catch (error) {
    if (!(error instanceof IdempotencyKeyTaken)) throw error;
    // The key was used before (a retry), or by a concurrent request that won the race: answer as
    // that request did, or 409 for another body.
    const winner = await deps.store.getIdempotencyRecord(scope, request.idempotencyKey);
    if (!winner) throw error;
    return replay(deps, winner, hash, request);
  }

  await request.storeAttachments?.(referralId);
  await deps.workflow.start(referralId);
  return { outcome: "accepted", receipt };
}

async function replay(
  deps: ReceiveDeps,
  earlier: IdempotencyRecord,
  hash: string,
  request: ReceiveRequest,
): Promise<ReceiveResult> {
  if (earlier.bodyHash !== hash) return { outcome: "conflict" };
  await request.storeAttachments?.(earlier.referralId);
  // The first attempt may have stored the referral and then failed to start the workflow: start it now.
  // Starting an execution that already runs with the same input is a no-op.
  await deps.workflow.start(earlier.referralId);
  return { outcome: "replayed", receipt: earlier.response as ReferralReceipt };
}
