/**
 * A change (ServType M) or cancellation (ServType C) message acting on the referral it names
 * (Henvisning 2.0: its `ConversationRef` names the referral's MsgId, or a later change's). A change
 * replaces the content of a referral not yet decided; a cancellation withdraws it: the referral is
 * closed, its task link says it was withdrawn, and its workflow ends. Both are refused once the
 * referral is decided (or a decision is on its way), and for a referral the sender did not send here.
 * The clock is not touched: the legal deadline runs from the first receipt.
 */

import type { AppRecError } from "./apprec";
import type { IdempotencyRecord, ReferralRecords, TaskRecords } from "./ports";
import { IdempotencyKeyTaken, StaleStateError, TaskNoLongerOpen } from "./ports";
import { bodyHash, MESSAGE_ID_SCOPE, type ReceiveDeps } from "./receive-referral";
import type { AuditEvent, ReferralRecord } from "./records";
import { missingContent, parseReferralSubmission, type ReferralSubmission } from "./referral";
import type { Issue } from "./validation";

/**
 * What acting on a referral by message needs: receiving's ports, and the referral's tasks (a decision
 * on its way refuses a change; a withdrawal expires the open task).
 */
export type MessageChangeDeps = Omit<Pick<ReceiveDeps, "store" | "workflow" | "clock">, "store"> & {
  store: ReferralRecords & Pick<TaskRecords, "listTasks" | "expireTask">;
};

/** A change or cancellation as read from its message. */
export interface ReferralMessageChange {
  kind: "amend" | "withdraw";
  /** The change message's own MsgId (lower case): its idempotency key. */
  msgId: string;
  /** The MsgIds it names, in the order to try (RefToConversation, RefToParent). */
  conversationRefs: string[];
  /** The referral's DocumentId as the message gives it. */
  documentId?: string;
  /** The sender's HER-id (organisation), which must be the referral's sender's. */
  senderHerId?: string;
  /** The calling portal, which must be the one that delivered the referral. */
  portal: string;
  /** The message's referral, as a submission (a change's new content; a cancellation's is checked only for the patient). */
  submission: Record<string, unknown>;
}

/** What became of a change or cancellation. */
export type ChangeOutcome =
  | { outcome: "accepted" | "replayed"; referralId: string; at: string }
  | { outcome: "rejected"; errors: AppRecError[] };

/** The body of a change message's idempotency record: what a second delivery answers with. */
interface AppliedChange {
  referralId: string;
  at: string;
}

const WAITING: ReferralRecord["status"][] = ["received", "awaiting-assessment"];

/**
 * Applies a change or cancellation; see the file comment. A message delivered again answers as the
 * first time (and finishes a withdrawal a crash interrupted); another message under a used MsgId is
 * refused (E10), as for a new referral.
 */
export async function applyReferralMessageChange(
  deps: MessageChangeDeps,
  change: ReferralMessageChange,
  toError: (issue: Issue) => AppRecError,
): Promise<ChangeOutcome> {
  const hash = bodyHash({ kind: change.kind, submission: change.submission });
  const earlier = await deps.store.getIdempotencyRecord(MESSAGE_ID_SCOPE, change.msgId);
  if (earlier) return replay(deps, earlier, hash, change);

  const referral = await referralNamed(deps, change);
  const what = change.kind === "amend" ? "Endringen" : "Kanselleringen";
  if (!referral) {
    return rejected(
      `${what} gjelder en henvisning klinikken ikke har mottatt fra denne avsenderen (ConversationRef)`,
    );
  }
  if (!WAITING.includes(referral.status) || (await decisionOnItsWay(deps, referral.referralId))) {
    return rejected(
      referral.withdrawnAt
        ? `${what} gjelder en henvisning som allerede er trukket tilbake`
        : `${what} er ikke registrert: henvisningen er allerede vurdert; kontakt klinikken`,
    );
  }

  // A cancellation need carry no more than names its patient (the samples' carry no diagnosis).
  const parsed =
    change.kind === "amend"
      ? parseReferralSubmission(change.submission)
      : { ok: true as const, value: undefined };
  if (!parsed.ok) return { outcome: "rejected", errors: parsed.issues.map(toError) };
  const nationalId = parsed.value?.patient.nationalId ?? nationalIdIn(change.submission);
  if (nationalId !== referral.submission.patient.nationalId) {
    // A change cannot move a referral to another patient: that is a new referral (and a cancellation).
    return {
      outcome: "rejected",
      errors: [{ code: "E36", detail: `${what} gjelder en annen pasient enn henvisningen den viser til` }],
    };
  }

  const at = deps.clock.now().toISOString();
  const idempotency: IdempotencyRecord = {
    scope: MESSAGE_ID_SCOPE,
    key: change.msgId,
    bodyHash: hash,
    referralId: referral.referralId,
    response: { referralId: referral.referralId, at } satisfies AppliedChange,
    createdAt: at,
  };
  const actor = { kind: "portal" as const, id: change.portal };
  const submission = parsed.value ? keepingKind(parsed.value, referral.submission) : undefined;
  // Ids and counts only: the trail is read by operations.
  const event: AuditEvent = submission
    ? {
        type: "referral-amended",
        at,
        actor,
        details: { msgId: change.msgId, missingContent: missingContent(submission).length },
      }
    : { type: "referral-withdrawn", at, actor, details: { msgId: change.msgId } };
  try {
    await deps.store.applyReferralMessage(
      referral.referralId,
      submission
        ? { kind: "amend", submission, missingContent: missingContent(submission) }
        : { kind: "withdraw" },
      idempotency,
      event,
    );
  } catch (error) {
    if (error instanceof IdempotencyKeyTaken) {
      const winner = await deps.store.getIdempotencyRecord(MESSAGE_ID_SCOPE, change.msgId);
      if (winner) return replay(deps, winner, hash, change);
    }
    if (error instanceof StaleStateError) {
      return rejected(`${what} er ikke registrert: henvisningen er allerede vurdert; kontakt klinikken`);
    }
    throw error;
  }
  if (change.kind === "withdraw") await endAssessment(deps, referral.referralId);
  return { outcome: "accepted", referralId: referral.referralId, at };
}

/** The referral the message names: by the MsgIds of its ConversationRef, sent here by the same sender. */
async function referralNamed(
  deps: Pick<MessageChangeDeps, "store">,
  change: ReferralMessageChange,
): Promise<ReferralRecord | undefined> {
  for (const ref of change.conversationRefs) {
    const record = await deps.store.getIdempotencyRecord(MESSAGE_ID_SCOPE, ref.toLowerCase());
    if (!record) continue;
    const referral = await deps.store.getReferral(record.referralId);
    // Another sender's (or portal's) referral is answered as unknown: a message cannot learn of it.
    if (!referral?.message || referral.portal !== change.portal) return undefined;
    if (referral.message.sender.herId !== change.senderHerId) return undefined;
    const documentId = referral.message.documentId;
    if (documentId && change.documentId && documentId !== change.documentId) return undefined;
    return referral;
  }
  return undefined;
}

/** A decision answered on the task but not yet recorded: the referral is as good as decided. */
async function decisionOnItsWay(
  deps: Pick<MessageChangeDeps, "store">,
  referralId: string,
): Promise<boolean> {
  return (await deps.store.listTasks(referralId)).some((task) => task.state === "answered");
}

/**
 * Ends the assessment of a withdrawn referral: its open task expires (the link says withdrawn) and
 * the workflow's wait ends with WITHDRAWN_ERROR. A workflow between two waits (or not yet waiting)
 * ends at its next step, which finds the referral withdrawn. Idempotent.
 */
async function endAssessment(deps: Pick<MessageChangeDeps, "store" | "workflow">, referralId: string) {
  for (const task of await deps.store.listTasks(referralId)) {
    if (task.state !== "open") continue;
    await deps.store.expireTask(task);
    try {
      await deps.workflow.withdraw(task.taskToken);
    } catch (error) {
      if (!(error instanceof TaskNoLongerOpen)) throw error;
    }
  }
}

/** The patient's national ID as the message gives it. */
function nationalIdIn(submission: Record<string, unknown>): unknown {
  const patient = submission.patient;
  return typeof patient === "object" && patient !== null
    ? (patient as { nationalId?: unknown }).nationalId
    : undefined;
}

/** The fields that say what a referral is (new, forwarded with its ansiennitetsdato, secondary). */
const KIND_FIELDS = ["kind", "originalReceivedDate", "previousInstitution", "previousDecisionRef"];

/** A change replaces the content and keeps what the referral is: the clock runs from the first receipt. */
function keepingKind(changed: ReferralSubmission, original: ReferralSubmission): ReferralSubmission {
  const fields = (submission: ReferralSubmission, kindFields: boolean) =>
    Object.fromEntries(
      Object.entries(submission).filter(([key]) => KIND_FIELDS.includes(key) === kindFields),
    );
  return { ...fields(changed, false), ...fields(original, true) } as ReferralSubmission;
}

async function replay(
  deps: Pick<MessageChangeDeps, "store" | "workflow">,
  earlier: IdempotencyRecord,
  hash: string,
  change: ReferralMessageChange,
): Promise<ChangeOutcome> {
  const applied = earlier.response as Partial<AppliedChange>;
  if (earlier.bodyHash !== hash || applied.at === undefined) {
    return {
      outcome: "rejected",
      errors: [{ code: "E10", detail: "MsgId er brukt før, for en annen melding" }],
    };
  }
  // The first delivery may have withdrawn the referral and then failed before ending its task.
  if (change.kind === "withdraw") await endAssessment(deps, earlier.referralId);
  return { outcome: "replayed", referralId: earlier.referralId, at: applied.at };
}

function rejected(detail: string): ChangeOutcome {
  return { outcome: "rejected", errors: [{ code: "X99", detail }] };
}
