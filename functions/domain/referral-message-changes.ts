/**
 * A change (ServType M) or cancellation (ServType C) message acting on the referral it names
 * (Henvisning 2.0: its `ConversationRef` names the referral's MsgId, or a later change's; 1.x: its
 * `ServReq/Id` is the referral's own, under the same sender's HER-id). A change
 * replaces the content of a referral not yet decided; a cancellation withdraws it: the referral is
 * closed, its task link says it was withdrawn, and its workflow ends. Both are refused once the
 * referral is decided (or a decision is on its way), and for a referral the sender did not send here.
 * The clock is not touched: the legal deadline runs from the first receipt.
 *
 * Attachments: a change may carry new ones (an updated report, a new image); they are added to the
 * referral's, numbered after those it has, stored as a new referral's are (attachments.ts: the same
 * types, sizes and checks, each under its own key, written once) and listed on its task page. A
 * change repeats the referral whole, its attachments too (the public Viderehenvisning sample's change
 * carries the original's PDF again): one with the same content as an attachment the referral holds
 * is that attachment, and is not added twice. A
 * cancellation's attachments are stored and listed the same way. The standard texts (HIS 1207, HIS
 * 80517) are not in this repository, and the public samples carry no attachment on a cancellation;
 * what is chosen here is what a clinic would expect: what a sender sent about a patient is kept with
 * the referral it concerns, and an OK receipt for content Frist threw away would tell the sender it
 * was taken. Either way nothing is dropped: a message whose attachments cannot be taken is rejected
 * as a whole (attachments.ts), and one that is taken keeps all of them.
 */

import type { AppRecError } from "./apprec";
import {
  type AttachmentRecord,
  attachmentRecords,
  describedAttachments,
  type ReceivedAttachment,
} from "./attachments";
import type { AttachmentStore, IdempotencyRecord, ReferralRecords, TaskRecords } from "./ports";
import { IdempotencyKeyTaken, StaleStateError, TaskNoLongerOpen } from "./ports";
import { bodyHash, documentIdScope, MESSAGE_ID_SCOPE, type ReceiveDeps } from "./receive-referral";
import type { AuditEvent, ReferralRecord } from "./records";
import { missingContent, parseReferralSubmission, type ReferralSubmission } from "./referral";
import type { Issue } from "./validation";

/**
 * What acting on a referral by message needs: receiving's ports, the referral's tasks (a decision
 * on its way refuses a change; a withdrawal expires the open task), and where attachments are stored.
 */
export type MessageChangeDeps = Omit<Pick<ReceiveDeps, "store" | "workflow" | "clock">, "store"> & {
  store: ReferralRecords & Pick<TaskRecords, "listTasks" | "expireTask">;
  attachments: AttachmentStore;
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
  /** A Viderehenvisning's change: its content may come without a diagnosis, as its referral may. */
  diagnosesOptional?: boolean;
  /** The attachments it carries, in order (already checked: attachments.ts), added to the referral's. */
  attachments: readonly ReceivedAttachment[];
}

/** What became of a change or cancellation. */
export type ChangeOutcome =
  | { outcome: "accepted" | "replayed"; referralId: string; at: string }
  | { outcome: "rejected"; errors: AppRecError[] };

/**
 * The body of a change message's idempotency record: what a second delivery answers with, and where
 * its attachments went (so a delivery again stores what a first one could not, under the same keys).
 */
interface AppliedChange {
  referralId: string;
  at: string;
  attachments?: AttachmentRecord[];
}

/** How often a change is tried on a referral that changed under it (another message's attachments). */
const ATTEMPTS = 3;

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
  const described = describedAttachments(change.attachments);
  // With attachments the MsgId stands for them too; without, the hash is what it always was.
  const hash = bodyHash(
    described.length > 0
      ? { kind: change.kind, submission: change.submission, attachments: described }
      : { kind: change.kind, submission: change.submission },
  );
  const earlier = await deps.store.getIdempotencyRecord(MESSAGE_ID_SCOPE, change.msgId);
  if (earlier) return replay(deps, earlier, hash, change);

  for (let attempt = 1; ; attempt += 1) {
    const outcome = await tryChange(deps, change, hash, toError);
    // The referral changed between the read and the write: read it again (a decision made
    // meanwhile is then refused as such; another message's attachments renumber this one's).
    if (outcome !== "stale") return outcome;
    if (attempt === ATTEMPTS) return rejected(`${whatOf(change)} er ikke registrert: prøv igjen`);
  }
}

function whatOf(change: ReferralMessageChange): string {
  return change.kind === "amend" ? "Endringen" : "Kanselleringen";
}

/** One read of the referral and one conditional write; "stale" when the referral changed between them. */
async function tryChange(
  deps: MessageChangeDeps,
  change: ReferralMessageChange,
  hash: string,
  toError: (issue: Issue) => AppRecError,
): Promise<ChangeOutcome | "stale"> {
  const referral = await referralNamed(deps, change);
  const what = whatOf(change);
  if (!referral) {
    return rejected(
      `${what} gjelder en henvisning klinikken ikke har mottatt fra denne avsenderen (${change.conversationRefs.length > 0 ? "ConversationRef" : "Id"})`,
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
      ? parseReferralSubmission(change.submission, { diagnosesOptional: change.diagnosesOptional === true })
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
  const before = referral.attachments?.length ?? 0;
  const held = new Set(referral.attachments?.map((attachment) => attachment.sha256));
  const fresh = describedAttachments(change.attachments)
    .filter((attachment) => !held.has(attachment.sha256))
    .map((attachment, i) => ({ ...attachment, n: i + 1 }));
  const added = attachmentRecords(referral.referralId, fresh, before);
  const idempotency: IdempotencyRecord = {
    scope: MESSAGE_ID_SCOPE,
    key: change.msgId,
    bodyHash: hash,
    referralId: referral.referralId,
    response: {
      referralId: referral.referralId,
      at,
      ...(added.length > 0 ? { attachments: added } : {}),
    } satisfies AppliedChange,
    createdAt: at,
  };
  const actor = { kind: "portal" as const, id: change.portal };
  const submission = parsed.value ? keepingKind(parsed.value, referral.submission) : undefined;
  // Ids and counts only: the trail is read by operations.
  const attachmentCount: Record<string, number> = added.length > 0 ? { attachments: added.length } : {};
  const event: AuditEvent = submission
    ? {
        type: "referral-amended",
        at,
        actor,
        details: {
          msgId: change.msgId,
          missingContent: missingContent(submission).length,
          ...attachmentCount,
        },
      }
    : { type: "referral-withdrawn", at, actor, details: { msgId: change.msgId, ...attachmentCount } };
  try {
    await deps.store.applyReferralMessage(
      referral.referralId,
      {
        ...(submission
          ? { kind: "amend" as const, submission, missingContent: missingContent(submission) }
          : { kind: "withdraw" as const }),
        ...(added.length > 0 ? { attachments: { added, before } } : {}),
      },
      idempotency,
      event,
    );
  } catch (error) {
    if (error instanceof IdempotencyKeyTaken) {
      const winner = await deps.store.getIdempotencyRecord(MESSAGE_ID_SCOPE, change.msgId);
      if (winner) return replay(deps, winner, hash, change);
    }
    if (error instanceof StaleStateError) return "stale";
    throw error;
  }
  // Described on the referral first, then stored: a download in between finds nothing yet (404), and
  // a store that fails answers the sender 503, whose delivery again stores it (see replay).
  await storeAttachments(deps.attachments, added, change.attachments);
  if (change.kind === "withdraw") await endAssessment(deps, referral.referralId);
  return { outcome: "accepted", referralId: referral.referralId, at };
}

/** Each added attachment's content (the message's with the same SHA-256) under the key its record was given. */
async function storeAttachments(
  store: AttachmentStore,
  records: readonly AttachmentRecord[],
  attachments: readonly ReceivedAttachment[],
): Promise<void> {
  for (const record of records) {
    const attachment = attachments.find((candidate) => candidate.sha256 === record.sha256);
    if (attachment) await store.putIfAbsent(record.key, attachment.content, attachment.mimeType);
  }
}

/**
 * The referral the message names, sent here by the same sender: by the MsgIds of its ConversationRef
 * (2.0), or by the sender's own id for it under the sender's HER-id (receive-referral.ts
 * `documentLookupOf`): what a message without a ConversationRef (1.x) names it by, and what some
 * 2.0 senders put in the ConversationRef instead of the MsgId (the public Henvisning_ny_tilstand
 * change does).
 */
async function referralNamed(
  deps: Pick<MessageChangeDeps, "store">,
  change: ReferralMessageChange,
): Promise<ReferralRecord | undefined> {
  const documentKeys = (ids: readonly string[]): [string, string][] =>
    change.senderHerId ? ids.map((id) => [documentIdScope(change.senderHerId as string), id]) : [];
  const keys: [scope: string, key: string][] =
    change.conversationRefs.length > 0
      ? [
          ...change.conversationRefs.map((ref): [string, string] => [MESSAGE_ID_SCOPE, ref.toLowerCase()]),
          ...documentKeys(change.conversationRefs),
        ]
      : documentKeys(change.documentId ? [change.documentId] : []);
  for (const [scope, key] of keys) {
    const record = await deps.store.getIdempotencyRecord(scope, key);
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
  deps: Pick<MessageChangeDeps, "store" | "workflow" | "attachments">,
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
  // The first delivery may have stopped after its write: its attachments stored and its
  // withdrawal's task ended now (the same bytes under the same keys; nothing is written twice).
  await storeAttachments(deps.attachments, applied.attachments ?? [], change.attachments);
  if (change.kind === "withdraw") await endAssessment(deps, earlier.referralId);
  return { outcome: "replayed", referralId: earlier.referralId, at: applied.at };
}

function rejected(detail: string): ChangeOutcome {
  return { outcome: "rejected", errors: [{ code: "X99", detail }] };
}
