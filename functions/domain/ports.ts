/**
 * The ports the domain asks for. Adapters implement them for DynamoDB, SES and Step Functions; tests
 * implement them in memory. Every write that changes a referral takes the audit event with it, so the
 * change and its record land together or not at all.
 */
import type { AttachmentRecord } from "./attachments";
import type { IsoDate } from "./calendar";
import type { Decision } from "./decision";
import type {
  Assignment,
  AuditEvent,
  BreachBasis,
  HelfoNotificationRecord,
  LetterRecord,
  MeetingRecord,
  MessageReceipt,
  OutgoingMessageRecord,
  PendingDecision,
  PriorityChange,
  RecordedDecision,
  ReferralRecord,
  StaffEmailRecord,
  TaskRecord,
} from "./records";
import type { ReferralStatus } from "./referral";
import type { Month, MonthCounters, Tally } from "./statistics";

/** The once-only flags of a referral's legal clock. */
export type ReferralFlag =
  | "atRisk"
  | "deadlineBreached"
  | "startOfCareReminded"
  | "startOfCareProbableBreach"
  | "urgentTargetEscalated";

/** What a portal retry is matched against: the hash of its body and the answer it got. */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  bodyHash: string;
  referralId: string;
  response: unknown;
  createdAt: string;
}

/** A referral with everything filed under it, as one read. */
export interface ReferralFile {
  referral: ReferralRecord;
  events: AuditEvent[];
  letters: LetterRecord[];
  tasks: TaskRecord[];
}

/** A referral with its audit trail only: what a step that does not touch letters or tasks reads. */
export type ReferralHistory = Pick<ReferralFile, "referral" | "events">;

export class IdempotencyKeyTaken extends Error {
  override readonly name = "IdempotencyKeyTaken";
}

/** A conditional write found the record in another state than the change expects. */
export class StaleStateError extends Error {
  override readonly name = "StaleStateError";
}

/**
 * The referral itself: its receipt (with its idempotency record), its status, flags, priority and audit
 * trail, and its whole file in one read.
 */
export interface ReferralRecords {
  /**
   * Stores a new referral with its idempotency record and audit event, atomically, and with them the
   * lookup of a message referral by its sender's own id for it (receive-referral.ts
   * `documentLookupOf`, over an earlier one); throws IdempotencyKeyTaken when the key is taken. Every write that changes what statistics count takes
   * an optional `tally`, added to the month's counters in the same atomic write (so a retried or
   * refused write never counts twice).
   */
  createReferral(
    referral: ReferralRecord,
    idempotency: IdempotencyRecord,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void>;
  getIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Applies a change or cancellation message to a referral that still waits for its assessment
   * (status `received` or `awaiting-assessment`), in one write: the message's idempotency record
   * (so a second delivery finds it), the change appended to `messageChanges` (its MsgId the
   * idempotency key, its time the event's), and either the new
   * submission and missing content (`amend`) or status `closed` with `withdrawnAt` (`withdraw`), with
   * its audit event. A message's attachments (`attachments.added`) are appended to the referral's
   * only while it has `attachments.before` of them, so two messages never number theirs alike.
   * Throws IdempotencyKeyTaken when the message's key is taken, StaleStateError when the referral
   * no longer waits or its attachments changed meanwhile.
   */
  applyReferralMessage(
    referralId: string,
    change: (
      | {
          kind: "amend";
          submission: ReferralRecord["submission"];
          missingContent: ReferralRecord["missingContent"];
        }
      | { kind: "withdraw" }
    ) & { attachments?: { added: AttachmentRecord[]; before: number } },
    idempotency: IdempotencyRecord,
    event: AuditEvent,
  ): Promise<void>;
  getReferral(referralId: string): Promise<ReferralRecord | undefined>;
  getReferralFile(referralId: string): Promise<ReferralFile | undefined>;
  /**
   * The referral and its audit events, without its letters and tasks: a few small items instead of
   * the whole partition (the letters, with their text, are most of its size).
   */
  getReferralHistory(referralId: string): Promise<ReferralHistory | undefined>;
  /**
   * Moves the referral to `to` only from one of `from`; throws StaleStateError otherwise. An
   * assignment with a `meetingId` also files the referral under that meeting (for its agenda), in
   * the same write.
   */
  changeStatus(
    referralId: string,
    change: {
      from: ReferralStatus[];
      to: ReferralStatus;
      assignment?: Assignment;
      failure?: ReferralRecord["failure"];
      /** A due date recomputed under the clinic's calendar rules (moves the worklist sort key too). */
      assessmentDueDate?: ReferralRecord["assessmentDueDate"];
      /**
       * The referral as the caller has just read it: the portal index keys are made of its portal
       * and due date, without a read of the store's own.
       */
      read?: Pick<ReferralRecord, "portal" | "assessmentDueDate">;
    },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void>;
  /**
   * Sets a flag on the referral with its audit event, once: returns true when this call set it, and
   * false (writing nothing) when it was already set, so a retried step records it only once.
   */
  flagReferral(referralId: string, flag: ReferralFlag, event: AuditEvent, tally?: Tally): Promise<boolean>;
  appendEvent(referralId: string, event: AuditEvent): Promise<void>;
  /**
   * Sets the priority of a referral that waits for its assessment (status `received` or
   * `awaiting-assessment`) and is now `change.from`, appending the change to `priorityChanges`, with
   * its audit event, in one write; throws StaleStateError otherwise (decided, or changed meanwhile).
   */
  changePriority(referralId: string, change: PriorityChange, event: AuditEvent): Promise<void>;
}

/**
 * The human tasks of a referral: the opaque id in a staff link, the workflow token behind it, and its
 * answer.
 */
export interface TaskRecords {
  /**
   * Creates a task (throws StaleStateError when its id exists). With `ordinal` (how many tasks the
   * referral had when this one was planned), the task takes that place among the referral's tasks:
   * a second task planned at the same place (an overlapping invocation) throws StaleStateError.
   */
  createTask(task: TaskRecord, event: AuditEvent, options?: { ordinal?: number }): Promise<void>;
  findTask(taskId: string): Promise<TaskRecord | undefined>;
  getTask(referralId: string, taskId: string): Promise<TaskRecord | undefined>;
  /** Every task of a referral, oldest first. */
  listTasks(referralId: string): Promise<TaskRecord[]>;
  /**
   * Swaps in the token of the workflow's new wait, keeping the task id. Only a task that is open, or
   * answered but not yet taken by the workflow, can be re-armed; throws StaleStateError otherwise.
   */
  rearmTask(
    task: TaskRecord,
    rearm: { taskToken: string; rearmedAt: string },
    event: AuditEvent,
  ): Promise<void>;
  /**
   * Marks an open task answered with the decision and files a {@link PendingDecision}, in one write;
   * throws StaleStateError when the task is not open. Once this resolves the decision is durable.
   */
  answerTask(
    task: TaskRecord,
    answer: { decision: Decision; answeredBy: string; answeredAt: string; answerStoredAt?: string },
    event: AuditEvent,
  ): Promise<void>;
  /**
   * Puts an answered task back to open (and drops its pending decision) after the workflow refused
   * its answer for a passing reason.
   */
  reopenTask(task: TaskRecord): Promise<void>;
  /** Marks a task expired: its workflow no longer waits, so its link answers 410. */
  expireTask(task: TaskRecord): Promise<void>;
  /**
   * Opens an expired task again for a resumed workflow's wait, with that wait's token: the same task
   * id, so the link already emailed works again. Only an expired task that holds no decision; throws
   * StaleStateError otherwise.
   */
  reviveTask(
    task: TaskRecord,
    rearm: { taskToken: string; rearmedAt: string },
    event: AuditEvent,
  ): Promise<void>;
}

/**
 * A decision from answered (pending, see TaskRecords.answerTask) to recorded on the referral, and what a
 * reconciler reads of the pending ones.
 */
export interface DecisionRecords {
  /**
   * Records the decision on the referral (status `decided`) and drops its pending decision, in one
   * write; a repeat for the same task is a no-op. `read`, the referral as the caller has just read
   * it, spares the store a read of its own (for the repeat and the portal index keys).
   */
  recordDecision(
    referralId: string,
    decision: RecordedDecision,
    event: AuditEvent,
    tally?: Tally,
    read?: Pick<ReferralRecord, "decision" | "portal" | "assessmentDueDate">,
  ): Promise<void>;
  /** The decisions answered before `answeredBefore` that no RecordDecision has taken yet, oldest first. */
  listPendingDecisions(answeredBefore: Date): Promise<PendingDecision[]>;
  /** Drops a referral's pending decision (a reconciler found it stale: the referral is decided). */
  clearPendingDecision(referralId: string): Promise<void>;
}

/** Intake meetings: their seats, their referrals and their agenda email. */
export interface MeetingRecords {
  /**
   * Takes one seat in an intake meeting, atomically: creates the meeting on its first seat (with a
   * fresh agenda id) and adds 1 only while `seats < capacity`. Resolves false, changing nothing,
   * when the meeting is full, so concurrent referrals never overbook it.
   */
  takeSeat(meetingId: string, startsAt: Date, capacity: number, holder?: string): Promise<boolean>;
  getMeeting(meetingId: string): Promise<MeetingRecord | undefined>;
  /** The meetings with a seat taken that start in [from, until], earliest first (an index query, no scan). */
  meetingsStartingBetween(from: Date, until: Date): Promise<MeetingRecord[]>;
  /**
   * Claims a meeting's agenda email: sets `agendaSentAt` only if it is not set yet, and makes the
   * agenda findable by its id. Returns false when another run claimed it first.
   */
  claimAgenda(meeting: MeetingRecord, sentAt: string): Promise<boolean>;
  /** Undoes this run's claim (the email failed), so a later run sends the agenda again. */
  releaseAgenda(meeting: MeetingRecord, sentAt: string): Promise<void>;
  /** Marks a meeting's agenda delivered to the whole team (`agendaDeliveredAt`): later runs skip it. */
  completeAgenda(meeting: MeetingRecord, deliveredAt: string): Promise<void>;
  /** The meeting whose agenda has this id, once its agenda email is claimed. */
  findMeetingByAgendaId(agendaId: string): Promise<MeetingRecord | undefined>;
  /** The referrals filed under a meeting (see changeStatus), in no particular order. */
  listMeetingReferrals(meetingId: string): Promise<ReferralRecord[]>;
}

/** What goes out once: the claims on letters and staff emails (see send-once.ts), and their outcome. */
/** A staff email the mail service accepted: its claim, and when and under which message id it went. */
export interface StaffEmailSent {
  email: StaffEmailRecord;
  sentAt: string;
  messageId: string;
}

export interface OutboxRecords {
  /**
   * Claims a letter slot (keyed on referral, letter kind, request and recipient) with the letter's
   * `claimId`/`claimedAt`; returns the existing letter when this letter was already claimed.
   */
  claimLetter(letter: LetterRecord): Promise<LetterRecord | undefined>;
  /**
   * Takes over a `sending` claim whose holder gave up or died: sets the letter's new `claimId` and
   * `claimedAt` only while the stored claim is still `fromClaimId` (undefined: a claim without an
   * id), and its `linkId` when it has none yet (a link once set is kept). Returns false when another
   * attempt changed it first.
   */
  takeOverLetter(letter: LetterRecord, fromClaimId: string | undefined): Promise<boolean>;
  /** Drops this attempt's `sending` claim (the mail service said it did not send), so a retry sends. */
  releaseLetter(letter: LetterRecord): Promise<void>;
  completeLetter(
    letter: LetterRecord,
    outcome: { status: LetterRecord["status"]; sentAt?: string; messageId?: string },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void>;
  /**
   * Marks a letter waiting for postal dispatch as posted (status `sent`, off the postal list), with
   * its audit event; throws StaleStateError when the letter is not there or not awaiting post.
   */
  markLetterPosted(
    letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
    posted: { sentAt: string; postedBy: string },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void>;
  /**
   * Claims staff emails' slots (about, kind, occurrence, recipient), each with its
   * `claimId`/`claimedAt`, in one round trip when none was claimed before. Returns, per email in the
   * order given, the record already there when it was claimed before (undefined: claimed now).
   */
  claimStaffEmails(emails: readonly StaffEmailRecord[]): Promise<(StaffEmailRecord | undefined)[]>;
  /** Takes over a `sending` staff email claim, only while it is still `fromClaimId`'s. */
  takeOverStaffEmail(email: StaffEmailRecord, fromClaimId: string | undefined): Promise<boolean>;
  /** Drops this attempt's `sending` claim (the mail service said it did not send). */
  releaseStaffEmail(email: StaffEmailRecord): Promise<void>;
  /** Records staff emails sent (one round trip for all while each is still claimed). */
  completeStaffEmails(sends: readonly StaffEmailSent[]): Promise<void>;
  /**
   * Claims an outgoing message's slot (referral and MsgId) with its `claimId`/`claimedAt`; returns
   * the record already there when it was claimed before.
   */
  claimOutgoingMessage(message: OutgoingMessageRecord): Promise<OutgoingMessageRecord | undefined>;
  /** Takes over a `sending` claim, only while it is still `fromClaimId`'s; false when another was first. */
  takeOverOutgoingMessage(message: OutgoingMessageRecord, fromClaimId: string | undefined): Promise<boolean>;
  /** Records an outgoing message sent (status `sent`), with its audit event; StaleStateError when it already is. */
  completeOutgoingMessage(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    sent: { sentAt: string; transportId: string },
    event: AuditEvent,
  ): Promise<void>;
}

/**
 * After the decision: the start of care and its deadline, the Helfo notifications of a missed one, and the
 * one open information request of a task.
 */
export interface CareRecords {
  /**
   * Records the planned start and/or the day care started on a decided referral, with its audit
   * event; throws StaleStateError when the referral is not there or not decided. With `counted`,
   * only while the record's start and breach flag are still `counted.before` (else StaleStateError,
   * nothing written), and the statistics `counted.tally` in the same write.
   */
  recordStartOfCare(
    referralId: string,
    change: { plannedStart?: string; startedOn?: string },
    event: AuditEvent,
    counted?: { before: { startedOn: IsoDate | null; breached: boolean }; tally?: Tally },
  ): Promise<void>;
  /**
   * Records a missed start-of-care deadline once: flags the referral with how it was established
   * (`basis`), files the Helfo notification (none when an expected breach filed it already) and the
   * audit event in one write. Returns false, writing nothing, when it was already recorded.
   */
  recordStartOfCareBreach(
    referralId: string,
    breach: { basis: BreachBasis; notification?: HelfoNotificationRecord },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean>;
  /**
   * Records, before the deadline, that the start of care cannot be kept: the referral's
   * `startOfCareExpectedBreach`, the Helfo notice (marked expected) and the audit event in one
   * write, once, and only while no start and no breach is recorded. Returns false, writing nothing,
   * otherwise.
   */
  recordExpectedBreach(
    referralId: string,
    expected: NonNullable<ReferralRecord["startOfCareExpectedBreach"]>,
    notification: HelfoNotificationRecord,
    event: AuditEvent,
    tally?: Tally,
  ): Promise<boolean>;
  /** Every Helfo notification, oldest breach first. */
  listHelfoNotifications(): Promise<HelfoNotificationRecord[]>;
  /**
   * Marks a Helfo notification reported (status `reported`, the date and who), with its audit event,
   * in one write; throws StaleStateError when it is not there or is already reported.
   */
  markHelfoReported(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    reported: { reportedOn: IsoDate; reportedBy: string; reportedAt: string },
    event: AuditEvent,
    tally?: Tally,
  ): Promise<void>;
  /**
   * Records on a reported Helfo notification that the patient's letters are all out
   * (`patientInformedAt`, kept from the first time: idempotent); throws StaleStateError when the
   * notification is not there or not reported.
   */
  markHelfoPatientInformed(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    at: string,
  ): Promise<void>;
  /**
   * Holds the task's one open information request: sets `openRequestId`/`openRequestAt` only while
   * the task is open and no other request is open (the same request again still holds it, keeping its
   * time). Otherwise writes nothing and returns the task as stored (undefined when it is not there).
   */
  holdInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    request: { requestId: string; at: string },
  ): Promise<{ held: true } | { held: false; task?: TaskRecord }>;
  /** Closes the task's open request `requestId`; false, writing nothing, when that is not the one open. */
  closeInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    requestId: string,
  ): Promise<boolean>;
  /**
   * One page of the open information requests of open tasks, oldest request first, from an index
   * (never a scan); `cursor` continues from a previous page's `nextCursor`. Ids and times only.
   * Throws InvalidCursor (worklist.ts) for a cursor this list did not issue.
   */
  openInformationRequests(query: { limit: number; cursor?: string }): Promise<OpenInformationRequestPage>;
  /**
   * One page of the granted rights with no start and no breach on record whose due day (the planned
   * start when it comes before the deadline, else the deadline) is before `dueBefore`, soonest due
   * first, from an index (never a scan). Throws InvalidCursor (worklist.ts) for a cursor this list
   * did not issue.
   */
  startsOfCareToConfirm(query: {
    dueBefore: IsoDate;
    limit: number;
    cursor?: string;
  }): Promise<StartOfCareToConfirmPage>;
}

/** A granted right whose start of care is still to be confirmed: its deadline and planned start. */
export interface StartOfCareToConfirm {
  referralId: string;
  startOfCareDeadline: IsoDate;
  plannedStart?: IsoDate;
}

/** One page of {@link CareRecords.startsOfCareToConfirm}. */
export interface StartOfCareToConfirmPage {
  rows: StartOfCareToConfirm[];
  /** Opaque; present when there may be more. */
  nextCursor?: string;
}

/** An information request awaiting the referrer's answer: which task asked, and when. */
export interface OpenInformationRequest {
  referralId: string;
  taskId: string;
  /** When the request was made (ISO instant). */
  requestedAt: string;
}

/** One page of {@link CareRecords.openInformationRequests}. */
export interface OpenInformationRequestPage {
  rows: OpenInformationRequest[];
  /** Opaque; present when there may be more. */
  nextCursor?: string;
}

/** Sent messages waiting for their receivers' application receipts (the mailbox poller follows them up). */
export interface MessageReceiptRecords {
  /** Sent messages without a receipt yet, oldest first (at most `limit`). */
  listAwaitingReceipt(limit: number): Promise<OutgoingMessageRecord[]>;
  /** Records a message's receipt with its audit event; it no longer waits. StaleStateError when one is recorded. */
  recordMessageReceipt(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    receipt: MessageReceipt,
    event: AuditEvent,
  ): Promise<void>;
  /** Marks a message overdue for its receipt (it still waits), with its event; false when it already was. */
  flagReceiptOverdue(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    at: string,
    event: AuditEvent,
  ): Promise<boolean>;
}

/**
 * Every record port at once, as the handlers' composition root builds it. A use case asks for the
 * ports it uses (or a Pick of them); this alias stays while code still takes the whole store.
 */
export type ReferralStore = ReferralRecords &
  TaskRecords &
  DecisionRecords &
  MeetingRecords &
  OutboxRecords &
  CareRecords &
  MessageReceiptRecords;

/** The read side of the statistics aggregate: the counters of the months asked for (absent: none). */
export interface StatisticsSource {
  monthCounters(months: Month[]): Promise<Map<Month, MonthCounters>>;
}

/** An email as the domain composes it: plain text and HTML, no attachments. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Sends one email and returns the provider's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

/**
 * What ends a wait on a task: a decision's outcome, or a secondary referral's confirmation
 * (`same-condition` / `new-condition`). Ids and outcomes only: the execution history holds no more.
 */
export type WaitAnswer =
  | { taskId: string; outcome: Decision["outcome"] }
  | { taskId: string; outcome: "same-condition" | "new-condition" };

// Norsk Helsenett's services (EDI 2.0, Fastlegeregisteret): their ports are in nhn-ports.ts.
export type {
  EdiMailbox,
  GpRegister,
  OutboundMessages,
  ReceiverReceipt,
  RegisteredGp,
  SentMessageReceipts,
} from "./nhn-ports";

/** The workflow engine, as seen by the API handlers. */
export interface Workflow {
  /** Starts the referral's execution; starting it again with the same input is harmless. */
  start(referralId: string): Promise<void>;
  /** Resumes the execution waiting on `taskToken`; throws TaskNoLongerOpen if it stopped waiting. */
  resume(taskToken: string, output: WaitAnswer): Promise<void>;
  /**
   * Ends the wait on `taskToken` with {@link RETIME_ERROR}, so the workflow sets its deadline timer
   * anew (the priority changed); throws TaskNoLongerOpen if it stopped waiting.
   */
  retime(taskToken: string): Promise<void>;
  /**
   * Ends the wait on `taskToken` with {@link WITHDRAWN_ERROR}: the referral was withdrawn by its
   * sender, and the workflow ends; throws TaskNoLongerOpen if it stopped waiting.
   */
  withdraw(taskToken: string): Promise<void>;
}

/** The error a wait is ended with when its timer must be set anew; the workflow's Await* states catch it. */
export const RETIME_ERROR = "Frist.Retime";

/**
 * The error that ends a withdrawn referral's workflow: a wait ended by the cancellation, or a step
 * that found the referral withdrawn (ReferralWithdrawn's name). The workflow catches it and ends.
 */
export const WITHDRAWN_ERROR = "ReferralWithdrawn";

export class TaskNoLongerOpen extends Error {
  override readonly name = "TaskNoLongerOpen";
}

/** The CloudWatch namespace of Frist's own metrics. */
export const METRICS_NAMESPACE = "Frist";
/** The service name on log lines and the `service` dimension of Frist's own metrics. */
export const METRICS_SERVICE = "frist";

/**
 * Where metrics go: one count per call, in {@link METRICS_NAMESPACE} with the `service` dimension
 * only. The ids travel along as searchable properties of the record; nothing else does.
 */
export interface Metrics {
  count(name: string, ids?: Record<string, string>): void;
}

/**
 * Where a referral's attachments are kept (S3 on AWS), by the key the referral records
 * (attachments.ts `attachmentKey`). Content only: what describes it is on the referral.
 */
export interface AttachmentStore {
  /**
   * Stores the content under the key unless something is stored there already (a retried or
   * duplicated delivery of the same message writes nothing new).
   */
  putIfAbsent(key: string, content: Uint8Array, mimeType: string): Promise<void>;
  /** The content under the key, or undefined when nothing is stored there. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** The time, from one place, so local runs and tests can move it. */
export interface Clock {
  now(): Date;
}
