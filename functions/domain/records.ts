/**
 * What Frist keeps about a referral, as the domain sees it. The DynamoDB adapter maps these records to
 * items; nothing here knows about keys or indexes.
 */
import type { AppRecParty } from "./apprec";
import type { AttachmentRecord } from "./attachments";
import type { IsoDate } from "./calendar";
import type { Decision } from "./decision";
import type { ContentItem, ReferralSubmission } from "./referral";
import type { ReferralHeadline } from "./referral-headline";

/** Who did something: a portal (the referrer's system), a member of staff, or the workflow itself. */
export interface Actor {
  kind: "portal" | "staff" | "system";
  id: string;
}

/**
 * One line of the append-only audit trail. `details` carries ids, outcomes and dates only, never a
 * national ID, a name or referral text, because the trail is read by operations.
 */
export interface AuditEvent {
  type: AuditEventType;
  at: string;
  actor: Actor;
  details?: Record<string, string | number | boolean>;
}

export type AuditEventType =
  | "referral-received"
  | "intake-planned"
  | "deadline-at-risk"
  | "meeting-at-risk"
  | "assessment-task-created"
  | "assessment-task-rearmed"
  | "assessors-notified"
  | "assessors-reminded"
  | "deadline-breached"
  | "escalated"
  /** An urgent referral passed its internal target without a decision; the lead was told (once). */
  | "urgent-target-missed"
  /** Staff changed the priority (urgent or ordinary), with the reason they gave. */
  | "priority-changed"
  | "secondary-acknowledged"
  /** Staff answered whether a secondary referral concerns the condition already assessed. */
  | "secondary-confirmed"
  | "decision-submitted"
  | "decision-recorded"
  | "letter-sent"
  | "letter-awaiting-postal"
  | "letter-posted"
  | "information-requested"
  /** Staff recorded the referrer's answer to the open information request (it is closed). */
  | "information-received"
  | "workflow-completed"
  | "postal-letter-escalated"
  | "patient-informed-late"
  | "start-of-care-recorded"
  | "start-of-care-reminded"
  | "start-of-care-kept"
  | "start-of-care-breached"
  /** Staff recorded, before the deadline, that the start of care cannot be kept (with a reason). */
  | "start-of-care-breach-expected"
  /** The planned start passed: staff were asked to confirm that care started. */
  | "start-confirmation-requested"
  /** The deadline passed with no start recorded: a probable breach, the lead asked to confirm. */
  | "start-of-care-probable-breach"
  /** The lead recorded the Helfo notification of a fristbrudd as reported to Helfo. */
  | "helfo-reported"
  | "workflow-failed"
  /**
   * The patient's GP was looked up in Fastlegeregisteret, for the copy of the Status på henvisning
   * (the referral named the GP without a HER-id): whether a GP was found, and the GP's HER-id.
   */
  | "gp-looked-up"
  /** A Status på henvisning (the answer to a referral that came as a message) was sent over EDI. */
  | "status-on-referral-sent"
  | "message-receipt-received"
  | "message-receipt-overdue"
  /** A change message (Henvisning ServType M) replaced the content of a referral not yet decided. */
  | "referral-amended"
  /**
   * A cancellation message (Henvisning ServType C) withdrew a referral not yet decided: it is closed,
   * its task link says so and its workflow ends.
   */
  | "referral-withdrawn"
  /** The reconciler started a new execution for a stranded referral, or resumed its decision. */
  | "workflow-resumed";

/** One change of a referral's priority by staff. */
export interface PriorityChange {
  from: ReferralSubmission["priority"];
  to: ReferralSubmission["priority"];
  reason: string;
  /** The signed-in person who changed it. */
  by: string;
  at: string;
}

/** How the referral will be assessed, and by whom. */
export interface Assignment {
  track: "intake-meeting" | "single-assessor";
  assessors: { name: string; role: string }[];
  lead?: string;
  /** The intake meeting holding the referral's seat (track `intake-meeting`), e.g. "2026-11-24T12:00". */
  meetingId?: string;
  /** When that meeting starts (ISO instant). */
  startsAt?: string;
}

/**
 * An intake meeting with at least one seat taken: a conditional counter (`seats` never exceeds
 * `capacity`) and the agenda's capability id, set with the first seat. `agendaSentAt` is set once,
 * by the run that claims the agenda email.
 */
export interface MeetingRecord {
  meetingId: string;
  startsAt: string;
  capacity: number;
  seats: number;
  /** The referrals holding its seats (ids only), where they were taken with a holder. */
  holders?: string[];
  /** Random, URL-safe: the agenda page's address (`/agendas/{agendaId}`) is the capability. */
  agendaId: string;
  /** When a run claimed the agenda email (the clinic's clock); cleared when that run's send failed. */
  agendaSentAt?: string;
  /** When every team member had the agenda email: the meeting is done with. */
  agendaDeliveredAt?: string;
}

/** The referral as stored: the submission as received plus what Frist derived and decided. */
/**
 * The Henvisning message a referral came as (POST /messages): what an answer to it (Status på
 * henvisning) must refer to and be addressed to.
 */
export interface MessageOrigin {
  /** The message's MsgId, as sent: the answer's ConversationRef. */
  msgId: string;
  /** Its message type (HENVISNING_NYTILSTAND, …). */
  type: string;
  /** Who sent it, by HER-ids: the answer's receiver. */
  sender: AppRecParty;
  /**
   * The referral's DocumentId (Henvisning 2.0) or `Id` (1.x): the same in its change and
   * cancellation messages, so they are checked to name this referral. Absent on referrals stored
   * before it was kept.
   */
  documentId?: string;
}

/**
 * A message Frist sends over Norsk Helsenett (EDI 2.0) about a referral: a Status på henvisning.
 * Keyed by its MsgId, which is made from the referral and the message's content, so a retried step
 * finds its own claim and a changed answer is a new message. Holds the XML as sent (health data,
 * kept with the referral like a letter's body).
 */
export interface OutgoingMessageRecord {
  referralId: string;
  msgId: string;
  kind: "status-on-referral";
  /** The 9148 code it answers with. */
  theme: string;
  status: "sending" | "sent";
  xml: string;
  createdAt: string;
  /** The HER-ids of its copy receivers (the patient's GP), beside its receiver. */
  copyReceiverHerIds?: string[];
  /** The attempt that holds the `sending` claim, and when it took it (wall-clock ISO). */
  claimId?: string;
  claimedAt?: string;
  sentAt?: string;
  /** The transport's id of the sent message (EDI 2.0 `POST /Messages` answer). */
  transportId?: string;
  /** The receiver's application receipt, once read (EDI 2.0 `GET /Messages/{id}/apprec`). */
  receipt?: MessageReceipt;
  /** When the message was found without a receipt 96 hours after it was sent (operations alerted). */
  receiptOverdueAt?: string;
}

/** A receiver's application receipt (AppRec) for a message Frist sent, as recorded. */
export interface MessageReceipt {
  /** Ok, rejected, or ok with an error in part of the message. */
  status: "ok" | "rejected" | "ok-error-in-part";
  /** The receipt's error codes (code system 8221 and others) with their detail; ids and codes only. */
  errors: { code: string; detail?: string }[];
  /** When Frist read it. */
  readAt: string;
}

/** A change or cancellation message applied to a referral (by its MsgId), oldest first. */
export interface ReferralMessageChange {
  kind: "amended" | "withdrawn";
  msgId: string;
  at: string;
}

/** A referral as stored: its headline (referral-headline.ts) and everything else the clinic keeps. */
export interface ReferralRecord extends ReferralHeadline {
  missingContent: ContentItem[];
  /**
   * Set at intake when the reminder point had already passed (e.g. a forward with an old
   * ansiennitetsdato), or when no intake meeting before the reminder point had room.
   */
  atRisk?: boolean;
  submission: ReferralSubmission;
  submittedBy: Actor;
  /**
   * The portal that submitted it (its id, see portal.ts), the one portal that may read it back.
   * Absent on referrals stored before portals were told apart: those no portal may read.
   */
  portal?: string;
  /** The message it came as, when it came as a Henvisning message. */
  message?: MessageOrigin;
  /** The message's attachments: what describes each and where its content is stored (not the content). */
  attachments?: AttachmentRecord[];
  /** The change and cancellation messages applied to it (the content itself is in `submission`). */
  messageChanges?: ReferralMessageChange[];
  /** Withdrawn by its sender (a cancellation message) before it was decided: status `closed`. */
  withdrawnAt?: string;
  assignment?: Assignment;
  decision?: RecordedDecision;
  failure?: { error: string; at: string };
  /** A granted right: the planned start as staff last recorded it (after the decision). */
  carePlannedStart?: IsoDate;
  /** A granted right: the day care started, as staff recorded it. */
  careStartedOn?: IsoDate;
  /** An urgent referral's internal target passed without a decision, and the lead was told (once). */
  urgentTargetEscalated?: boolean;
  /**
   * Staff's changes of the priority, oldest first, each with its reason (health text: kept here with
   * the referral, not in the audit event). `priority` above is the one in force; the portal's own
   * stays in `submission`.
   */
  priorityChanges?: PriorityChange[];
  /** The reminder before the start-of-care deadline went out (once). */
  startOfCareReminded?: boolean;
  /**
   * The start-of-care deadline passed without care started: a fristbrudd (once), confirmed by the
   * lead, expected before the deadline by staff, or taken by default when nobody answered in time.
   */
  startOfCareBreached?: boolean;
  /** How the breach was established: {@link BreachBasis}. */
  startOfCareBreachBasis?: BreachBasis;
  /**
   * Staff recorded before the deadline that the start cannot be kept: who, when, and why (free text,
   * possibly clinical: kept here with the referral, never in the audit event).
   */
  startOfCareExpectedBreach?: { reason: string; by: string; at: string };
  /** The deadline passed with no start recorded: the lead is asked to confirm the breach or record the start. */
  startOfCareProbableBreach?: boolean;
}

/**
 * How a fristbrudd came to be on record: `expected` (staff recorded before the deadline that it
 * cannot be kept), `confirmed` (the lead confirmed it after the deadline), `default` (nobody
 * answered within the grace after the deadline, so the law's default applies: no recorded start).
 */
export type BreachBasis = "expected" | "confirmed" | "default";

/**
 * The notice to Helfo of a missed start-of-care deadline (fristbrudd): one per breach, kept for the
 * clinic to send on (exported as JSON or CSV for staff). It identifies the patient, because Helfo
 * Pasientformidling must find the patient an offer; it is read by signed-in staff only.
 */
export interface HelfoNotificationRecord {
  referralId: string;
  /**
   * When the notice was filed: the breach confirmed after the deadline, or, for an expected breach,
   * the moment staff recorded that the deadline cannot be kept.
   */
  breachedAt: string;
  /** Filed before the deadline, as an expected breach (Helfo: notify as soon as it is probable). */
  expected?: boolean;
  /**
   * How the breach was established (expected, confirmed by the lead, or by default when nobody
   * answered): what the clerk's list and its CSV show as the breach kind. Never the reason, which
   * may be clinical and stays on the referral.
   */
  basis?: BreachBasis;
  /** The start-of-care deadline (juridisk frist) that was missed. */
  startOfCareDeadline: IsoDate;
  /** The date the right was granted. */
  decidedOn: IsoDate;
  careForm: string;
  /** Who Helfo calls: the phone number is the referral's, when the portal gave one. */
  patient: { nationalId: string; name: string; birthDate?: IsoDate; phone?: string };
  clinic: { name: string; department: string };
  /** `to-report`: waiting for the clinic to send it to Helfo; `reported`: sent, as the lead recorded. */
  status: "to-report" | "reported";
  /** The day the clinic reported it to Helfo (Oslo date), as the lead recorded it. */
  reportedOn?: IsoDate;
  /** Who recorded it reported (the signed-in person). */
  reportedBy?: string;
  /** When that was recorded (ISO instant). */
  reportedAt?: string;
  /**
   * When every "Varsel om fristbrudd" of the report was out (emailed, or on the postal queue). A
   * reported notice without it has a letter still to send: marking it again sends what is missing.
   */
  patientInformedAt?: string;
}

export interface RecordedDecision {
  decision: Decision;
  taskId: string;
  decidedAt: string;
}

/**
 * A human task: the opaque id in the staff link, mapped to the workflow's current task token. It has no
 * expiry time: it stays open until answered or until the workflow stops waiting (MarkFailed expires
 * it). Each time the workflow waits again (after a reminder or an escalation) the token is swapped
 * and the id, and so the link in every email, stays the same.
 */
export interface TaskRecord {
  taskId: string;
  referralId: string;
  taskToken: string;
  state: "open" | "answered" | "expired";
  createdAt: string;
  /** When the token was last swapped for a new wait. */
  rearmedAt?: string;
  answeredAt?: string;
  /**
   * When the answer was stored by the wall clock (`answeredAt` is the clinic's clock, simulated
   * locally): recovery leaves the answering request a real-time grace period to resume the workflow.
   */
  answerStoredAt?: string;
  answeredBy?: string;
  decision?: Decision;
  /**
   * The anti-forgery token of the task page's forms: random, set when the task is created, put in a
   * hidden field, and required on every form post (a cross-site form cannot read it).
   */
  csrfToken?: string;
  /**
   * The task's one open information request (forespørsel): its id, and when it was asked. Set when
   * the request is made, removed when staff record the referrer's answer; while it is set no other
   * request can be made on the task.
   */
  openRequestId?: string;
  openRequestAt?: string;
}

/**
 * A decision that answered 200 but that the workflow has not yet recorded: written with the task's
 * answer in one transaction, removed when RecordDecision records it (or the task is reopened). While
 * it exists, the decision lives on the task (`TaskRecord.decision`) and a reconciler can resume the
 * workflow with the task's current token. Ids and the outcome only.
 */
export interface PendingDecision {
  referralId: string;
  taskId: string;
  outcome: Decision["outcome"];
  answeredAt: string;
}

/**
 * The kinds of staff email. Each goes once per occurrence and recipient (a {@link StaffEmailRecord}):
 * `task` (the assessors' task link, per task), `reminder` (per reminder point), `escalation` (the
 * lead, per Oslo day of escalation), `at-risk` and `meeting-at-risk` (the lead, per due date),
 * `start-of-care-reminder` and `start-of-care-breach` (the lead, per start-of-care deadline),
 * `postal-escalation` (clerk and lead, per due date), `agenda` (the meeting's team, per agenda).
 */
export type StaffEmailKind =
  | "task"
  | "reminder"
  | "escalation"
  | "urgent-target"
  | "at-risk"
  | "meeting-at-risk"
  | "start-of-care-reminder"
  | "start-of-care-breach"
  /** Staff asked to confirm that care started, after the planned start (per planned start). */
  | "start-confirmation"
  /** The lead asked to confirm a probable breach (per start-of-care deadline). */
  | "start-of-care-probable-breach"
  | "postal-escalation"
  | "agenda";

/**
 * One staff email's claim and record: keyed on what it is about (a referral, or for the agenda an
 * intake meeting), its kind, its occurrence and its recipient, so a retried or overlapping step sends
 * it once (the claim protocol of send-once.ts). Staff addresses and ids only, never the email's text.
 */
export interface StaffEmailRecord {
  about: "referral" | "meeting";
  /** The referral's id, or the meeting's. */
  aboutId: string;
  kind: StaffEmailKind;
  /** Which one of its kind (see {@link StaffEmailKind}): a task id, a date or an instant. */
  occurrence: string;
  to: string;
  status: "sending" | "sent";
  createdAt: string;
  claimId?: string;
  /** Wall-clock time of the claim (its lease). */
  claimedAt?: string;
  sentAt?: string;
  messageId?: string;
}

/**
 * Who a letter is to. `guardian`: the parents or others with parental responsibility of a patient
 * under 16, who are informed as well as the patient (pbrl § 3-4 første ledd); their copy is posted.
 */
export type RecipientRole = "referrer" | "patient" | "gp" | "guardian";

/** A letter as sent (or waiting for postal dispatch), with its rendered body kept for the record. */
export interface LetterRecord {
  referralId: string;
  /**
   * `decision`: the answer to a referral; `acknowledgement`: the receipt of a secondary referral;
   * `information-request`: a forespørsel to the referrer (one per request, told apart by `requestId`).
   */
  letterKind: "decision" | "acknowledgement" | "information-request" | "start-of-care-breach";
  /** Which information request this letter is: part of the letter's identity for that kind. */
  requestId?: string;
  recipientRole: RecipientRole;
  channel: "email" | "postal";
  to?: string;
  status: "sending" | "sent" | "awaiting-postal";
  subject: string;
  html: string;
  text: string;
  createdAt: string;
  sentAt?: string;
  messageId?: string;
  /** Where to post a patient's letter that has no email address (copied from the referral). */
  postalAddress?: { line1: string; postalCode: string; city: string };
  /** Who marked a postal letter as posted. */
  postedBy?: string;
  /**
   * The random part of the letter's link (`/inbox/<referralId>.<linkId>`, emailed in the notice):
   * set when the letter is first claimed and kept by every later attempt, so a link once sent works.
   */
  linkId?: string;
  /** The attempt that holds the `sending` claim (random), and when it took it (wall-clock ISO). */
  claimId?: string;
  claimedAt?: string;
}
