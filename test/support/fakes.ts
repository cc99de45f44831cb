/**
 * In-memory fakes of the domain's ports, for tests of the use cases without AWS. The store keeps the
 * conditions of the DynamoDB adapter (status transitions, once-only flags, task states, letter
 * claims), so a use case that relies on them is tested against the same rules.
 */
import { type ClinicConfig, type ClinicConfigInput, clinicConfigSchema } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import { MailUnavailable } from "../../functions/domain/errors";
import {
  type Clock,
  IdempotencyKeyTaken,
  type IdempotencyRecord,
  type Mailer,
  type Metrics,
  type OutgoingEmail,
  type ReferralFile,
  type ReferralFlag,
  type ReferralStore,
  StaleStateError,
  type StatisticsSource,
  TaskNoLongerOpen,
  type WaitAnswer,
  type Workflow,
} from "../../functions/domain/ports";
import type {
  AuditEvent,
  BreachBasis,
  HelfoNotificationRecord,
  LetterRecord,
  MeetingRecord,
  OutgoingMessageRecord,
  PendingDecision,
  PriorityChange,
  RecordedDecision,
  ReferralRecord,
  StaffEmailRecord,
  TaskRecord,
} from "../../functions/domain/records";
import { parseReferralSubmission, type ReferralSubmission } from "../../functions/domain/referral";
import type { Month, MonthCounters, Tally } from "../../functions/domain/statistics";
import { sampleReferral } from "./http";

const copy = <T>(value: T): T => structuredClone(value);

/** A letter's identity, as the DynamoDB adapter keys it: referral, kind, request and recipient. */
const letterKeyOf = (
  letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
) => [letter.referralId, letter.letterKind, letter.requestId ?? "", letter.recipientRole].join("#");

/** A staff email's identity, as the DynamoDB adapter keys it: about, kind, occurrence and recipient. */
const staffEmailKeyOf = (email: StaffEmailRecord) =>
  [email.about, email.aboutId, email.kind, email.occurrence, email.to.toLowerCase()].join("#");

/** The ReferralStore in memory, with the DynamoDB adapter's conditions, and its statistics counters. */
export class InMemoryReferralStore implements ReferralStore, StatisticsSource {
  /** The statistics aggregate: counters per month of receipt, added to with each counted change. */
  readonly counters = new Map<Month, MonthCounters>();
  readonly referrals = new Map<string, ReferralRecord>();
  readonly events = new Map<string, AuditEvent[]>();
  readonly tasks = new Map<string, TaskRecord>();
  /** `<referralId>#<ordinal>` of every task created with a place (see createTask). */
  readonly taskPlaces = new Set<string>();
  readonly letters = new Map<string, LetterRecord>();
  readonly staffEmails = new Map<string, StaffEmailRecord>();
  /** Referral id → its pending decision (answered, not yet recorded by the workflow). */
  readonly pendingDecisions = new Map<string, PendingDecision>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly meetings = new Map<string, MeetingRecord>();
  /** Referral ids filed under each meeting (changeStatus with an assignment's meetingId). */
  readonly meetingReferrals = new Map<string, Set<string>>();
  /** Agenda id → meeting id, once the agenda is claimed. */
  readonly agendas = new Map<string, string>();
  /** Helfo notifications by referral id (one per breach). */
  readonly helfo = new Map<string, HelfoNotificationRecord>();
  /** Every takeSeat call, in order, with its answer. */
  readonly seatAttempts: { meetingId: string; taken: boolean }[] = [];

  /** Puts a referral in place as if it had been received. */
  seed(referral: ReferralRecord): this {
    this.referrals.set(referral.referralId, copy(referral));
    return this;
  }

  /** The audit trail of a referral, in the order written. */
  eventsOf(referralId: string): AuditEvent[] {
    return this.events.get(referralId) ?? [];
  }

  /** The stored referral itself (not a copy), for a test that sets a state up directly. */
  mustGet(referralId: string): ReferralRecord {
    return this.mustReferral(referralId);
  }

  eventTypesOf(referralId: string): string[] {
    return this.eventsOf(referralId).map((event) => event.type);
  }

  private mustReferral(referralId: string): ReferralRecord {
    const referral = this.referrals.get(referralId);
    if (!referral) throw new StaleStateError(`referral ${referralId} not found`);
    return referral;
  }

  private event(referralId: string, event: AuditEvent): void {
    this.events.set(referralId, [...this.eventsOf(referralId), copy(event)]);
  }

  private count(tally: Tally | undefined): void {
    if (!tally) return;
    const month = this.counters.get(tally.month) ?? {};
    for (const [name, value] of Object.entries(tally.add)) month[name] = (month[name] ?? 0) + value;
    this.counters.set(tally.month, month);
  }

  async monthCounters(months: Month[]): Promise<Map<Month, MonthCounters>> {
    return new Map(
      months.flatMap((month) =>
        this.counters.has(month) ? [[month, copy(this.counters.get(month) ?? {})]] : [],
      ),
    );
  }

  async createReferral(
    referral: ReferralRecord,
    idempotency: IdempotencyRecord,
    event: AuditEvent,
    tally?: Tally,
  ) {
    const key = `${idempotency.scope}#${idempotency.key}`;
    if (this.idempotency.has(key)) throw new IdempotencyKeyTaken("taken");
    this.idempotency.set(key, copy(idempotency));
    this.seed(referral);
    this.event(referral.referralId, event);
    this.count(tally);
  }

  async getIdempotencyRecord(scope: string, key: string) {
    const found = this.idempotency.get(`${scope}#${key}`);
    return found ? copy(found) : undefined;
  }

  async getReferral(referralId: string) {
    const found = this.referrals.get(referralId);
    return found ? copy(found) : undefined;
  }

  async getReferralFile(referralId: string): Promise<ReferralFile | undefined> {
    const referral = await this.getReferral(referralId);
    if (!referral) return undefined;
    return {
      referral,
      events: copy(this.eventsOf(referralId)),
      letters: [...this.letters.values()].filter((l) => l.referralId === referralId).map(copy),
      tasks: await this.listTasks(referralId),
    };
  }

  async changeStatus(
    referralId: string,
    change: Parameters<ReferralStore["changeStatus"]>[1],
    event: AuditEvent,
    tally?: Tally,
  ) {
    const referral = this.mustReferral(referralId);
    if (!change.from.includes(referral.status)) {
      throw new StaleStateError(`referral ${referralId} is not in ${change.from.join("/")}`);
    }
    referral.status = change.to;
    if (change.assignment) referral.assignment = copy(change.assignment);
    if (change.failure) referral.failure = copy(change.failure);
    if (change.assessmentDueDate) referral.assessmentDueDate = change.assessmentDueDate;
    const meetingId = change.assignment?.meetingId;
    if (meetingId) {
      const filed = this.meetingReferrals.get(meetingId) ?? new Set<string>();
      this.meetingReferrals.set(meetingId, filed.add(referralId));
    }
    this.event(referralId, event);
    this.count(tally);
  }

  async applyReferralMessage(
    referralId: string,
    change: Parameters<ReferralStore["applyReferralMessage"]>[1],
    idempotency: IdempotencyRecord,
    event: AuditEvent,
  ) {
    const referral = this.mustReferral(referralId);
    const key = `${idempotency.scope}#${idempotency.key}`;
    if (this.idempotency.has(key)) throw new IdempotencyKeyTaken("the message was received before");
    if (!["received", "awaiting-assessment"].includes(referral.status)) {
      throw new StaleStateError(`referral ${referralId} no longer waits for its assessment`);
    }
    this.idempotency.set(key, copy(idempotency));
    if (change.kind === "amend") {
      referral.submission = copy(change.submission);
      referral.missingContent = [...change.missingContent];
    } else {
      referral.status = "closed";
      referral.withdrawnAt = event.at;
    }
    referral.messageChanges = [
      ...(referral.messageChanges ?? []),
      { kind: change.kind === "amend" ? "amended" : "withdrawn", msgId: idempotency.key, at: event.at },
    ];
    this.event(referralId, event);
  }

  async flagReferral(referralId: string, flag: ReferralFlag, event: AuditEvent, tally?: Tally) {
    const referral = this.mustReferral(referralId);
    if (referral[flag] === true) return false;
    referral[flag] = true;
    this.event(referralId, event);
    this.count(tally);
    return true;
  }

  async appendEvent(referralId: string, event: AuditEvent) {
    this.event(referralId, event);
  }

  async changePriority(referralId: string, change: PriorityChange, event: AuditEvent) {
    const referral = this.referrals.get(referralId);
    if (
      !referral ||
      !["received", "awaiting-assessment"].includes(referral.status) ||
      referral.priority !== change.from
    ) {
      throw new StaleStateError("referral does not wait for assessment at that priority");
    }
    referral.priority = change.to;
    referral.priorityChanges = [...(referral.priorityChanges ?? []), copy(change)];
    this.event(referralId, event);
  }

  async createTask(task: TaskRecord, event: AuditEvent, options: { ordinal?: number } = {}) {
    if (this.tasks.has(task.taskId)) throw new StaleStateError("task already exists");
    const place = options.ordinal === undefined ? undefined : `${task.referralId}#${options.ordinal}`;
    if (place !== undefined) {
      if (this.taskPlaces.has(place)) throw new StaleStateError("task place taken");
      this.taskPlaces.add(place);
    }
    this.tasks.set(task.taskId, copy(task));
    this.event(task.referralId, event);
  }

  async findTask(taskId: string) {
    const found = this.tasks.get(taskId);
    return found ? copy(found) : undefined;
  }

  async getTask(referralId: string, taskId: string) {
    const found = this.tasks.get(taskId);
    return found?.referralId === referralId ? copy(found) : undefined;
  }

  async listTasks(referralId: string) {
    return [...this.tasks.values()]
      .filter((task) => task.referralId === referralId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(copy);
  }

  async rearmTask(task: TaskRecord, rearm: { taskToken: string; rearmedAt: string }, event: AuditEvent) {
    const stored = this.tasks.get(task.taskId);
    if (!stored || (stored.state !== "open" && stored.state !== "answered")) {
      throw new StaleStateError("task can no longer be re-armed");
    }
    stored.taskToken = rearm.taskToken;
    stored.rearmedAt = rearm.rearmedAt;
    this.event(task.referralId, event);
  }

  async answerTask(
    task: TaskRecord,
    answer: { decision: Decision; answeredBy: string; answeredAt: string; answerStoredAt?: string },
    event: AuditEvent,
  ) {
    const stored = this.tasks.get(task.taskId);
    if (stored?.state !== "open") throw new StaleStateError("task is no longer open");
    Object.assign(stored, { state: "answered", ...copy(answer) });
    this.pendingDecisions.set(task.referralId, {
      referralId: task.referralId,
      taskId: task.taskId,
      outcome: answer.decision.outcome,
      answeredAt: answer.answeredAt,
    });
    this.event(task.referralId, event);
  }

  async reopenTask(task: TaskRecord) {
    const stored = this.tasks.get(task.taskId);
    if (stored?.state !== "answered") throw new StaleStateError("task is not answered");
    stored.state = "open";
    delete stored.decision;
    delete stored.answeredBy;
    delete stored.answeredAt;
    delete stored.answerStoredAt;
    if (this.pendingDecisions.get(task.referralId)?.taskId === task.taskId) {
      this.pendingDecisions.delete(task.referralId);
    }
  }

  async expireTask(task: TaskRecord) {
    const stored = this.tasks.get(task.taskId);
    if (stored) stored.state = "expired";
  }

  async reviveTask(task: TaskRecord, rearm: { taskToken: string; rearmedAt: string }, event: AuditEvent) {
    const stored = this.tasks.get(task.taskId);
    if (stored?.referralId !== task.referralId || stored.state !== "expired" || stored.decision) {
      throw new StaleStateError("task cannot be revived");
    }
    stored.state = "open";
    stored.taskToken = rearm.taskToken;
    stored.rearmedAt = rearm.rearmedAt;
    this.event(task.referralId, event);
  }

  async recordDecision(referralId: string, decision: RecordedDecision, event: AuditEvent, tally?: Tally) {
    const referral = this.mustReferral(referralId);
    if (referral.decision?.taskId === decision.taskId) return;
    if (referral.status !== "awaiting-assessment") throw new StaleStateError("not awaiting assessment");
    referral.status = "decided";
    referral.decision = copy(decision);
    this.pendingDecisions.delete(referralId);
    this.event(referralId, event);
    this.count(tally);
  }

  async listPendingDecisions(answeredBefore: Date) {
    return [...this.pendingDecisions.values()]
      .filter((pending) => `${pending.answeredAt}#${pending.referralId}` < answeredBefore.toISOString())
      .sort((a, b) => a.answeredAt.localeCompare(b.answeredAt) || a.referralId.localeCompare(b.referralId))
      .map(copy);
  }

  async clearPendingDecision(referralId: string) {
    this.pendingDecisions.delete(referralId);
  }

  /** Meeting id → the holders of its seats (takeSeat with a holder). */
  readonly seatHolders = new Map<string, Set<string>>();

  async takeSeat(meetingId: string, startsAt: Date, capacity: number, holder?: string) {
    const meeting = this.meetings.get(meetingId);
    const holders = this.seatHolders.get(meetingId) ?? new Set<string>();
    if (holder && holders.has(holder)) {
      this.seatAttempts.push({ meetingId, taken: true });
      return true;
    }
    const taken = !meeting || meeting.seats < capacity;
    if (taken && holder) this.seatHolders.set(meetingId, holders.add(holder));
    if (taken) {
      this.meetings.set(meetingId, {
        meetingId,
        startsAt: startsAt.toISOString(),
        capacity,
        seats: (meeting?.seats ?? 0) + 1,
        agendaId: meeting?.agendaId ?? `agenda-${meetingId}`,
        ...(meeting?.agendaSentAt ? { agendaSentAt: meeting.agendaSentAt } : {}),
      });
    }
    this.seatAttempts.push({ meetingId, taken });
    return taken;
  }

  async getMeeting(meetingId: string) {
    const found = this.meetings.get(meetingId);
    return found ? copy(found) : undefined;
  }

  async meetingsStartingBetween(from: Date, until: Date) {
    return [...this.meetings.values()]
      .filter((m) => Date.parse(m.startsAt) >= from.getTime() && Date.parse(m.startsAt) <= until.getTime())
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.meetingId.localeCompare(b.meetingId))
      .map((meeting) => {
        const holders = this.seatHolders.get(meeting.meetingId);
        return copy(holders?.size ? { ...meeting, holders: [...holders].sort() } : meeting);
      });
  }

  async claimAgenda(meeting: MeetingRecord, sentAt: string) {
    const stored = this.meetings.get(meeting.meetingId);
    if (!stored || stored.agendaId !== meeting.agendaId || stored.agendaSentAt) return false;
    stored.agendaSentAt = sentAt;
    this.agendas.set(stored.agendaId, stored.meetingId);
    return true;
  }

  async releaseAgenda(meeting: MeetingRecord, sentAt: string) {
    const stored = this.meetings.get(meeting.meetingId);
    if (stored?.agendaSentAt === sentAt) delete stored.agendaSentAt;
  }

  async completeAgenda(meeting: MeetingRecord, deliveredAt: string) {
    const stored = this.meetings.get(meeting.meetingId);
    if (stored?.agendaId === meeting.agendaId && !stored.agendaDeliveredAt)
      stored.agendaDeliveredAt = deliveredAt;
  }

  async findMeetingByAgendaId(agendaId: string) {
    const meetingId = this.agendas.get(agendaId);
    return meetingId ? this.getMeeting(meetingId) : undefined;
  }

  async listMeetingReferrals(meetingId: string) {
    return [...(this.meetingReferrals.get(meetingId) ?? [])]
      .map((id) => this.referrals.get(id))
      .filter((referral): referral is ReferralRecord => referral !== undefined)
      .map(copy);
  }

  async claimLetter(letter: LetterRecord) {
    const key = letterKeyOf(letter);
    const earlier = this.letters.get(key);
    if (earlier) return copy(earlier);
    this.letters.set(key, copy(letter));
    return undefined;
  }

  async takeOverLetter(letter: LetterRecord, fromClaimId: string | undefined) {
    const stored = this.letters.get(letterKeyOf(letter));
    if (stored?.status !== "sending" || stored.claimId !== fromClaimId) return false;
    stored.claimId = letter.claimId;
    stored.claimedAt = letter.claimedAt;
    stored.linkId ??= letter.linkId;
    return true;
  }

  async releaseLetter(letter: LetterRecord) {
    const key = letterKeyOf(letter);
    const stored = this.letters.get(key);
    if (stored?.status === "sending" && stored.claimId === letter.claimId) this.letters.delete(key);
  }

  async claimStaffEmail(email: StaffEmailRecord) {
    const key = staffEmailKeyOf(email);
    const earlier = this.staffEmails.get(key);
    if (earlier) return copy(earlier);
    this.staffEmails.set(key, copy(email));
    return undefined;
  }

  /** Outgoing messages (Status på henvisning) by `<referralId>#<msgId>`. */
  readonly outgoingMessages = new Map<string, OutgoingMessageRecord>();

  async claimOutgoingMessage(message: OutgoingMessageRecord) {
    const key = `${message.referralId}#${message.msgId}`;
    const earlier = this.outgoingMessages.get(key);
    if (earlier) return copy(earlier);
    this.outgoingMessages.set(key, copy(message));
    return undefined;
  }

  async takeOverOutgoingMessage(message: OutgoingMessageRecord, fromClaimId: string | undefined) {
    const stored = this.outgoingMessages.get(`${message.referralId}#${message.msgId}`);
    if (stored?.status !== "sending" || stored.claimId !== fromClaimId) return false;
    stored.claimId = message.claimId;
    stored.claimedAt = message.claimedAt;
    return true;
  }

  async completeOutgoingMessage(
    message: Pick<OutgoingMessageRecord, "referralId" | "msgId">,
    sent: { sentAt: string; transportId: string },
    event: AuditEvent,
  ) {
    const stored = this.outgoingMessages.get(`${message.referralId}#${message.msgId}`);
    if (stored?.status !== "sending") throw new StaleStateError("outgoing message already recorded sent");
    Object.assign(stored, { status: "sent", ...sent });
    this.event(message.referralId, event);
  }

  async takeOverStaffEmail(email: StaffEmailRecord, fromClaimId: string | undefined) {
    const stored = this.staffEmails.get(staffEmailKeyOf(email));
    if (stored?.status !== "sending" || stored.claimId !== fromClaimId) return false;
    stored.claimId = email.claimId;
    stored.claimedAt = email.claimedAt;
    return true;
  }

  async releaseStaffEmail(email: StaffEmailRecord) {
    const key = staffEmailKeyOf(email);
    const stored = this.staffEmails.get(key);
    if (stored?.status === "sending" && stored.claimId === email.claimId) this.staffEmails.delete(key);
  }

  async completeStaffEmail(email: StaffEmailRecord, sent: { sentAt: string; messageId: string }) {
    const stored = this.staffEmails.get(staffEmailKeyOf(email));
    if (stored) Object.assign(stored, { status: "sent", ...sent });
  }

  async completeLetter(
    letter: LetterRecord,
    outcome: { status: LetterRecord["status"]; sentAt?: string; messageId?: string },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const stored = this.letters.get(letterKeyOf(letter));
    // Counted once: a letter already sent is not completed again with a tally.
    if (tally && stored?.status === outcome.status) throw new StaleStateError("letter already completed");
    if (stored) Object.assign(stored, outcome);
    this.event(letter.referralId, event);
    this.count(tally);
  }

  async markLetterPosted(
    letter: Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">,
    posted: { sentAt: string; postedBy: string },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const stored = this.letters.get(letterKeyOf(letter));
    if (stored?.status !== "awaiting-postal") throw new StaleStateError("letter is not awaiting post");
    Object.assign(stored, { status: "sent", ...posted });
    this.event(letter.referralId, event);
    this.count(tally);
  }

  async recordStartOfCare(
    referralId: string,
    change: { plannedStart?: string; startedOn?: string },
    event: AuditEvent,
    counted?: { before: { startedOn: string | null; breached: boolean }; tally?: Tally },
  ) {
    const referral = this.referrals.get(referralId);
    if (referral?.status !== "decided") throw new StaleStateError("referral is not decided");
    if (
      counted &&
      ((referral.careStartedOn ?? null) !== counted.before.startedOn ||
        (referral.startOfCareBreached === true) !== counted.before.breached)
    ) {
      throw new StaleStateError("the start changed meanwhile");
    }
    if (change.plannedStart) referral.carePlannedStart = change.plannedStart;
    if (change.startedOn) referral.careStartedOn = change.startedOn;
    this.event(referralId, event);
    this.count(counted?.tally);
  }

  async recordStartOfCareBreach(
    referralId: string,
    breach: { basis: BreachBasis; notification?: HelfoNotificationRecord },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const referral = this.mustReferral(referralId);
    if (referral.startOfCareBreached === true) return false;
    referral.startOfCareBreached = true;
    referral.startOfCareBreachBasis = breach.basis;
    if (breach.notification) this.helfo.set(referralId, copy(breach.notification));
    this.event(referralId, event);
    this.count(tally);
    return true;
  }

  async recordExpectedBreach(
    referralId: string,
    expected: NonNullable<ReferralRecord["startOfCareExpectedBreach"]>,
    notification: HelfoNotificationRecord,
    event: AuditEvent,
    tally?: Tally,
  ) {
    const referral = this.mustReferral(referralId);
    if (
      referral.status !== "decided" ||
      referral.startOfCareExpectedBreach ||
      referral.startOfCareBreached === true ||
      referral.careStartedOn
    ) {
      return false;
    }
    referral.startOfCareExpectedBreach = copy(expected);
    this.helfo.set(referralId, copy(notification));
    this.event(referralId, event);
    this.count(tally);
    return true;
  }

  async holdInformationRequest(
    task: Pick<TaskRecord, "referralId" | "taskId">,
    request: { requestId: string; at: string },
  ): Promise<{ held: true } | { held: false; task?: TaskRecord }> {
    const stored = this.tasks.get(task.taskId);
    if (stored?.referralId !== task.referralId) return { held: false };
    const free = stored.openRequestId === undefined || stored.openRequestId === request.requestId;
    if (stored.state !== "open" || !free) return { held: false, task: copy(stored) };
    stored.openRequestId = request.requestId;
    stored.openRequestAt ??= request.at;
    return { held: true };
  }

  async closeInformationRequest(task: Pick<TaskRecord, "referralId" | "taskId">, requestId: string) {
    const stored = this.tasks.get(task.taskId);
    if (stored?.referralId !== task.referralId || stored.openRequestId !== requestId) return false;
    delete stored.openRequestId;
    delete stored.openRequestAt;
    return true;
  }

  async markHelfoReported(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    reported: { reportedOn: string; reportedBy: string; reportedAt: string },
    event: AuditEvent,
    tally?: Tally,
  ) {
    const stored = this.helfo.get(notification.referralId);
    if (!stored || stored.breachedAt !== notification.breachedAt || stored.status !== "to-report") {
      throw new StaleStateError("no Helfo notification to report");
    }
    this.helfo.set(notification.referralId, { ...stored, status: "reported", ...reported });
    this.event(notification.referralId, event);
    this.count(tally);
  }

  async markHelfoPatientInformed(
    notification: Pick<HelfoNotificationRecord, "referralId" | "breachedAt">,
    at: string,
  ) {
    const stored = this.helfo.get(notification.referralId);
    if (!stored || stored.breachedAt !== notification.breachedAt || stored.status !== "reported") {
      throw new StaleStateError("no reported Helfo notification");
    }
    this.helfo.set(notification.referralId, { ...stored, patientInformedAt: stored.patientInformedAt ?? at });
  }

  async listHelfoNotifications() {
    return [...this.helfo.values()]
      .map(copy)
      .sort((a, b) => a.breachedAt.localeCompare(b.breachedAt) || a.referralId.localeCompare(b.referralId));
  }
}

/**
 * A Mailer that keeps what it was asked to send; `failNext` makes the next sends throw
 * MailUnavailable, as the SES adapter does when SES answers with a throttling or 5xx error.
 */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  failNext = 0;

  async send(email: OutgoingEmail): Promise<string> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new MailUnavailable();
    }
    this.sent.push(copy(email));
    return `message-${this.sent.length}`;
  }

  to(address: string): OutgoingEmail[] {
    return this.sent.filter((email) => email.to === address);
  }
}

/** Metrics that keep every record. */
export class RecordingMetrics implements Metrics {
  readonly records: { name: string; ids: Record<string, string> }[] = [];

  count(name: string, ids: Record<string, string> = {}): void {
    this.records.push({ name, ids: copy(ids) });
  }
}

/** A clock that stands still until moved. */
export class FakeClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
}

/**
 * A Workflow whose resume answers as its `tokens` say: a token listed as waiting resumes once (then
 * stops waiting), any other throws TaskNoLongerOpen, as Step Functions does for a finished wait.
 */
export class FakeWorkflow implements Workflow {
  readonly started: string[] = [];
  readonly resumed: { taskToken: string; output: WaitAnswer }[] = [];
  readonly waiting = new Set<string>();

  async start(referralId: string) {
    this.started.push(referralId);
  }

  async resume(taskToken: string, output: WaitAnswer) {
    if (!this.waiting.delete(taskToken)) throw new TaskNoLongerOpen("the workflow no longer waits");
    this.resumed.push({ taskToken, output });
  }

  readonly retimed: string[] = [];

  async retime(taskToken: string) {
    if (!this.waiting.delete(taskToken)) throw new TaskNoLongerOpen("the workflow no longer waits");
    this.retimed.push(taskToken);
  }

  readonly withdrawn: string[] = [];

  async withdraw(taskToken: string) {
    if (!this.waiting.delete(taskToken)) throw new TaskNoLongerOpen("the workflow no longer waits");
    this.withdrawn.push(taskToken);
  }
}

/** The clinic of cdk.json, with the defaults of every section; `legalClock` may be overridden. */
export function testClinicConfig(overrides: Partial<ClinicConfigInput> = {}): ClinicConfig {
  return clinicConfigSchema.parse({
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      postalAddress: "Postboks 4950 Nydalen, 0424 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "23 00 00 00",
      email: "smerteklinikken@smerteklinikk.example",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    },
    intakeTeam: [
      { name: "Ingrid Lie", role: "physician", email: "ingrid.lie@smerteklinikk.example", lead: true },
      { name: "Ola Haugen", role: "psychologist", email: "ola.haugen@smerteklinikk.example" },
      { name: "Sara Nilsen", role: "physiotherapist", email: "sara.nilsen@smerteklinikk.example" },
    ],
    ...overrides,
  });
}

/** The sample referral's submission, parsed, with fields of the body replaced by `changes`. */
export function testSubmission(changes: Record<string, unknown> = {}): ReferralSubmission {
  const parsed = parseReferralSubmission({ ...sampleReferral(), ...changes });
  if (!parsed.ok) throw new Error(`bad test submission: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

/** A stored referral in status `received`, as receive-referral writes it. */
export function testReferral(
  overrides: Partial<ReferralRecord> & { submission?: ReferralSubmission } = {},
): ReferralRecord {
  const submission = overrides.submission ?? testSubmission();
  return {
    referralId: "ref-1",
    status: "received",
    kind: submission.kind,
    priority: submission.priority,
    receivedAt: "2025-03-03T09:00:00.000Z",
    clockStartDate: "2025-03-03",
    assessmentDueDate: "2025-03-17",
    missingContent: [],
    deadlineBreached: false,
    submission,
    submittedBy: { kind: "portal", id: "portal-1" },
    ...overrides,
  };
}
