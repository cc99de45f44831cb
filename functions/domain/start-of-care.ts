/**
 * The start of care, followed up after a granted right. The law's deadline (juridisk frist, pbrl
 * § 2-1 b andre ledd) binds the hospital: if care has not started by the end of that day, it is a
 * fristbrudd, which the hospital reports to Helfo, whose Pasientformidling then finds the patient an
 * offer. The workflow keeps a timer from the decision:
 *
 * - PlanStartOfCare: when to remind (the start of the working day `startOfCareReminderWorkingDays`
 *   before the deadline) and when the deadline runs out (the end of the deadline day, Oslo);
 * - RemindStartOfCare: unless a start is recorded, the clinic lead gets a neutral reminder (once);
 * - CheckStartOfCare: a start on or before the deadline keeps it; otherwise the breach is recorded
 *   once, with the Helfo notification, the patient's letter, the lead's notice and a metric.
 *
 * Staff record the planned start, the day care started and a breach in start-of-care-records.ts;
 * the Helfo notification is reported, and the patient told, in helfo-notification.ts.
 */
import { leadOf, workflowActor } from "./assessment";
import {
  type CalendarRules,
  type IsoDate,
  isWorkingDay,
  osloDate,
  osloEndOfDay,
  osloStartOfDay,
} from "./calendar";
import { type ClinicConfig, calendarRulesOf } from "./clinic";
import { addDays } from "./decision-labels";
import { letterPatientOf } from "./dispatch";
import { ReferralNotFound } from "./errors";
import type { Clock, Mailer, Metrics, ReferralFlag, ReferralHistory, ReferralStore } from "./ports";
import { StaleStateError } from "./ports";
import type { Actor, AuditEvent, BreachBasis, HelfoNotificationRecord, ReferralRecord } from "./records";
import type { StaffEmailRenderer } from "./rendering";
import { aboutReferral, sendStaffEmail, sendStaffEmails } from "./staff-mail";
import type { StartOfCareView } from "./start-of-care-view";
import { tallyOfStartOfCareBreach } from "./statistics";

/** The metric counted once per recorded fristbrudd. */
export const START_OF_CARE_BREACH_METRIC = "StartOfCareBreached";

type Granted = Extract<NonNullable<ReferralRecord["decision"]>["decision"], { outcome: "granted" }>;

function grantedOf(referral: ReferralRecord): Granted | undefined {
  const decision = referral.decision?.decision;
  return decision?.outcome === "granted" ? decision : undefined;
}

/** The start of care of a granted right (undefined for any other referral). */
export function startOfCareOf(referral: ReferralRecord): StartOfCareView | undefined {
  const granted = grantedOf(referral);
  if (!granted) return undefined;
  return {
    deadline: granted.startOfCareDeadline,
    plannedStart: referral.carePlannedStart ?? granted.plannedStart ?? null,
    startedOn: referral.careStartedOn ?? null,
    breached: referral.startOfCareBreached === true,
    expectedBreach: referral.startOfCareExpectedBreach !== undefined,
    probableBreach:
      referral.startOfCareProbableBreach === true &&
      referral.startOfCareBreached !== true &&
      !(referral.careStartedOn !== undefined && referral.careStartedOn <= granted.startOfCareDeadline),
  };
}

/** Whether care started in time: a recorded start on or before the deadline. */
export function startedInTime(view: StartOfCareView): boolean {
  return view.startedOn !== null && view.startedOn <= view.deadline;
}

/** The date `n` working days before `date` (n ≥ 1). */
function workingDaysBefore(date: IsoDate, n: number, rules: CalendarRules): IsoDate {
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = addDays(day, -1);
    if (isWorkingDay(day, rules)) counted += 1;
  }
  return day;
}

/** The date `n` working days after `date` (n ≥ 1). */
function workingDaysAfter(date: IsoDate, n: number, rules: CalendarRules): IsoDate {
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = addDays(day, 1);
    if (isWorkingDay(day, rules)) counted += 1;
  }
  return day;
}

/**
 * The steps of the start-of-care timer, in the order they can come: `remind` (before the deadline:
 * confirm the planned start or record that it cannot be kept), `confirm-start` (the planned start
 * has passed: confirm that care started), `deadline` (the end of the deadline day), `grace` (the end
 * of the lead's time to confirm a probable breach) and `done`.
 */
export type StartOfCareStep = "remind" | "confirm-start" | "deadline" | "grace" | "done";

/** Where the start-of-care timer goes next: the step, and when (an ISO instant for a Wait state). */
export interface StartOfCareTimer {
  referralId: string;
  next: StartOfCareStep;
  /** When the step is due; never before now. For `done`, now. */
  at: string;
}

/** The instants of a granted right's timer, from the clinic's calendar and the referral. */
export function startOfCarePoints(
  view: StartOfCareView,
  config: ClinicConfig,
): { remindAt: Date; confirmStartAt?: Date; deadlineAt: Date; graceEndsAt: Date } {
  const rules = calendarRulesOf(config.legalClock);
  const remindAt = osloStartOfDay(
    workingDaysBefore(view.deadline, config.decision.startOfCareReminderWorkingDays, rules),
  );
  const deadlineAt = osloEndOfDay(view.deadline);
  // Asked on the working day after the planned start: the patient came (or not) the day before.
  const confirmStartAt =
    view.plannedStart !== null && view.plannedStart < view.deadline
      ? osloStartOfDay(workingDaysAfter(view.plannedStart, 1, rules))
      : undefined;
  const graceEndsAt = osloEndOfDay(
    workingDaysAfter(view.deadline, config.decision.breachConfirmationWorkingDays, rules),
  );
  return {
    remindAt,
    ...(confirmStartAt && confirmStartAt < deadlineAt ? { confirmStartAt } : {}),
    deadlineAt,
    graceEndsAt,
  };
}

/** Whether staff were already asked to confirm the start planned for `plannedStart`. */
function startConfirmationAsked(events: readonly AuditEvent[], plannedStart: IsoDate): boolean {
  return events.some(
    (event) => event.type === "start-confirmation-requested" && event.details?.plannedStart === plannedStart,
  );
}

/**
 * The next step of the timer, from what is on record: pure, so every step ends by asking it, and a
 * retried or resumed step finds the same answer. A recorded start or a recorded breach ends the
 * timer. Before the deadline the earliest of the reminder (once; not after an expected breach) and
 * the request to confirm the planned start (once per planned start; not after an expected breach)
 * comes first, then the deadline; after a probable breach, the end of the lead's grace.
 */
export function nextStartOfCareStep(
  file: { referral: ReferralRecord; events: readonly AuditEvent[] },
  now: Date,
  config: ClinicConfig,
): StartOfCareTimer {
  const { referral } = file;
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referral.referralId} has no granted right`);
  const timer = (next: StartOfCareStep, at: Date): StartOfCareTimer => ({
    referralId: referral.referralId,
    next,
    at: new Date(Math.max(at.getTime(), now.getTime())).toISOString(),
  });
  if (view.startedOn !== null || referral.startOfCareBreached === true) return timer("done", now);
  const points = startOfCarePoints(view, config);
  if (referral.startOfCareProbableBreach === true) return timer("grace", points.graceEndsAt);
  const expected = referral.startOfCareExpectedBreach !== undefined;
  const candidates: [StartOfCareStep, Date][] = [];
  if (!expected && referral.startOfCareReminded !== true) candidates.push(["remind", points.remindAt]);
  if (
    !expected &&
    points.confirmStartAt &&
    view.plannedStart !== null &&
    !startConfirmationAsked(file.events, view.plannedStart)
  ) {
    candidates.push(["confirm-start", points.confirmStartAt]);
  }
  candidates.push(["deadline", points.deadlineAt]);
  // The earliest first; on a tie, in the order above (stable sort).
  const [next, at] = [...candidates].sort((a, b) => a[1].getTime() - b[1].getTime())[0] as [
    StartOfCareStep,
    Date,
  ];
  return timer(next, at);
}

/** What the timer's steps need. */
export interface StartOfCareDeps {
  store: ReferralStore;
  clock: Clock;
  mailer: Mailer;
  render: StaffEmailRenderer;
  metrics: Metrics;
  config: ClinicConfig;
  /** PUBLIC_BASE_URL: staff emails link to the referral's staff page. */
  publicBaseUrl: string;
}

/**
 * What a timer step reads: the referral and its audit events. Not its letters: with their text they
 * are most of the partition, and every step of every granted referral reads this.
 */
async function mustGetHistory(store: ReferralStore, referralId: string): Promise<ReferralHistory> {
  const history = await store.getReferralHistory(referralId);
  if (!history) throw new ReferralNotFound();
  return history;
}

/**
 * The next step once this one has written: the referral item read again (a breach's write changes
 * more of it than this step knows), with the events read before and those the step appended. Events
 * only this timer appends matter to the next step, so they need no second read.
 */
async function nextStepAfterWriting(
  deps: { store: ReferralStore; config: ClinicConfig },
  history: ReferralHistory,
  appended: readonly AuditEvent[],
  now: Date,
): Promise<StartOfCareTimer> {
  const referral = await deps.store.getReferral(history.referral.referralId);
  if (!referral) throw new ReferralNotFound();
  return nextStartOfCareStep({ referral, events: [...history.events, ...appended] }, now, deps.config);
}

/**
 * The next step once this one has set its own flag or appended an event: worked out from what the
 * step read and wrote, with no second read. Staff may have recorded a start meanwhile; the next step
 * reads the referral before it does anything, so at worst it wakes once to find nothing to do.
 */
function nextStepAfterOwnWrite(
  config: ClinicConfig,
  history: ReferralHistory,
  written: { flag?: ReferralFlag; appended?: readonly AuditEvent[] },
  now: Date,
): StartOfCareTimer {
  const referral = written.flag ? { ...history.referral, [written.flag]: true } : history.referral;
  return nextStartOfCareStep(
    { referral, events: [...history.events, ...(written.appended ?? [])] },
    now,
    config,
  );
}

/** The staff page of a referral, as staff emails link to it. */
export function staffReferralUrl(publicBaseUrl: string, referralId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/staff/referrals/${encodeURIComponent(referralId)}`;
}

/** PlanStartOfCare: the first step of a granted right's timer. */
export async function planStartOfCare(
  deps: { store: ReferralStore; clock: Clock; config: ClinicConfig },
  referralId: string,
): Promise<StartOfCareTimer> {
  const file = await mustGetHistory(deps.store, referralId);
  if (!grantedOf(file.referral)) throw new StaleStateError(`referral ${referralId} has no granted right`);
  return nextStartOfCareStep(file, deps.clock.now(), deps.config);
}

/**
 * RemindStartOfCare: unless a start, a breach or an expected breach is recorded, the lead is asked,
 * once, to confirm the planned start or record that it cannot be kept.
 */
export async function remindStartOfCare(
  deps: StartOfCareDeps,
  referralId: string,
): Promise<StartOfCareTimer> {
  const file = await mustGetHistory(deps.store, referralId);
  const { referral } = file;
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referralId} has no granted right`);
  const open =
    view.startedOn === null &&
    referral.startOfCareBreached !== true &&
    referral.startOfCareExpectedBreach === undefined;
  if (open && referral.startOfCareReminded !== true) {
    const lead = leadOf(deps.config);
    // Remind first (once, by its claim), flag after: a retry after a crash in between reminds no more.
    if (lead) {
      await sendStaffEmail(
        deps,
        aboutReferral(referralId, "start-of-care-reminder", view.deadline),
        lead.email,
        deps.render.startOfCareReminderEmail({
          referralId,
          startOfCareDeadline: view.deadline,
          ...(view.plannedStart ? { plannedStart: view.plannedStart } : {}),
          clinicName: deps.config.clinic.name,
          referralUrl: staffReferralUrl(deps.publicBaseUrl, referralId),
        }),
      );
    }
    await deps.store.flagReferral(referralId, "startOfCareReminded", {
      type: "start-of-care-reminded",
      at: deps.clock.now().toISOString(),
      actor: workflowActor("RemindStartOfCare"),
      details: { startOfCareDeadline: view.deadline, leadNotified: lead !== undefined },
    });
  } else if (referral.startOfCareReminded !== true) {
    // Nothing to remind of, but the timer must not come back here.
    await deps.store.flagReferral(referralId, "startOfCareReminded", {
      type: "start-of-care-reminded",
      at: deps.clock.now().toISOString(),
      actor: workflowActor("RemindStartOfCare"),
      details: { startOfCareDeadline: view.deadline, leadNotified: false },
    });
  }
  // Both branches above wrote the flag unless it was on record already.
  return referral.startOfCareReminded === true
    ? nextStartOfCareStep(file, deps.clock.now(), deps.config)
    : nextStepAfterOwnWrite(deps.config, file, { flag: "startOfCareReminded" }, deps.clock.now());
}

/** Who is asked to confirm a start: the clinician who signed the decision (if on the team) and the lead. */
function startConfirmersOf(referral: ReferralRecord, config: ClinicConfig): string[] {
  const signedBy = referral.decision?.decision.assessedBy.trim().toLowerCase() ?? "";
  const signer = config.intakeTeam.find(
    (member) =>
      member.email.toLowerCase() === signedBy ||
      member.hprNumber === signedBy ||
      member.name.toLowerCase() === signedBy,
  );
  const lead = leadOf(config);
  return [...new Set([...(signer ? [signer.email] : []), ...(lead ? [lead.email] : [])])];
}

/**
 * ConfirmStartOfCare, on the working day after the planned start: unless a start, a breach or an
 * expected breach is on record, the clinician who granted the right and the lead are asked, once per
 * planned start, to confirm that care started (one click on the staff page, the date prefilled). A
 * planned start moved later meanwhile is asked about when it has passed.
 */
export async function askToConfirmStart(
  deps: StartOfCareDeps,
  referralId: string,
): Promise<StartOfCareTimer> {
  const file = await mustGetHistory(deps.store, referralId);
  const { referral } = file;
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referralId} has no granted right`);
  const now = deps.clock.now();
  const { confirmStartAt } = startOfCarePoints(view, deps.config);
  const due =
    view.startedOn === null &&
    referral.startOfCareBreached !== true &&
    referral.startOfCareExpectedBreach === undefined &&
    view.plannedStart !== null &&
    confirmStartAt !== undefined &&
    confirmStartAt.getTime() <= now.getTime() &&
    !startConfirmationAsked(file.events, view.plannedStart);
  if (due && view.plannedStart) {
    const plannedStart = view.plannedStart;
    const recipients = startConfirmersOf(referral, deps.config);
    await sendStaffEmails(
      deps,
      aboutReferral(referralId, "start-confirmation", plannedStart),
      recipients,
      deps.render.startConfirmationEmail({
        referralId,
        plannedStart,
        startOfCareDeadline: view.deadline,
        clinicName: deps.config.clinic.name,
        referralUrl: staffReferralUrl(deps.publicBaseUrl, referralId),
      }),
    );
    const requested: AuditEvent = {
      type: "start-confirmation-requested",
      at: now.toISOString(),
      actor: workflowActor("ConfirmStartOfCare"),
      details: { plannedStart, startOfCareDeadline: view.deadline, recipients: recipients.length },
    };
    await deps.store.appendEvent(referralId, requested);
    return nextStepAfterOwnWrite(deps.config, file, { appended: [requested] }, now);
  }
  return nextStartOfCareStep(file, now, deps.config);
}

/** The Helfo notice of a referral's start-of-care breach (expected or confirmed), filed `at`. */
export function helfoNoticeOf(
  referral: ReferralRecord,
  at: Date,
  config: ClinicConfig,
  basis: BreachBasis,
): HelfoNotificationRecord {
  const expected = basis === "expected";
  const granted = grantedOf(referral) as Granted;
  const patient = letterPatientOf(referral.submission);
  return {
    referralId: referral.referralId,
    breachedAt: at.toISOString(),
    ...(expected ? { expected: true } : {}),
    basis,
    startOfCareDeadline: granted.startOfCareDeadline,
    decidedOn: osloDate(new Date(referral.decision?.decidedAt ?? at.toISOString())),
    careForm: granted.careForm,
    patient: {
      nationalId: referral.submission.patient.nationalId,
      name: patient.name,
      ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
      ...(referral.submission.patient.phone ? { phone: referral.submission.patient.phone } : {}),
    },
    clinic: { name: config.clinic.name, department: config.clinic.department },
    status: "to-report",
  };
}

/**
 * Records the breach once with how it was established; files the Helfo notice unless an expected
 * breach filed it already. Counted (metric, statistics) once. Returns whether this call recorded it.
 */
export async function recordBreach(
  deps: { store: ReferralStore; metrics: Metrics; config: ClinicConfig },
  referral: ReferralRecord,
  basis: BreachBasis,
  at: Date,
  actor: Actor,
): Promise<boolean> {
  const view = startOfCareOf(referral) as StartOfCareView;
  const filed = referral.startOfCareExpectedBreach !== undefined;
  const first = await deps.store.recordStartOfCareBreach(
    referral.referralId,
    { basis, ...(filed ? {} : { notification: helfoNoticeOf(referral, at, deps.config, basis) }) },
    {
      type: "start-of-care-breached",
      at: at.toISOString(),
      actor,
      details: { startOfCareDeadline: view.deadline, basis, helfoNotification: true },
    },
    tallyOfStartOfCareBreach(referral, basis),
  );
  if (first) deps.metrics.count(START_OF_CARE_BREACH_METRIC, { referralId: referral.referralId });
  return first;
}

/** Records, once, that care started on or before the deadline (the timer is done). */
async function recordKept(deps: { store: ReferralStore }, file: ReferralHistory, at: Date, step: string) {
  const view = startOfCareOf(file.referral) as StartOfCareView;
  if (file.events.some((event) => event.type === "start-of-care-kept")) return;
  await deps.store.appendEvent(file.referral.referralId, {
    type: "start-of-care-kept",
    at: at.toISOString(),
    actor: workflowActor(step),
    details: { startOfCareDeadline: view.deadline, startedOn: view.startedOn ?? "" },
  });
}

/**
 * CheckStartOfCare, at the end of the deadline day. A start recorded on or before the deadline keeps
 * it. An expected breach (staff said it cannot be kept; the notice is on the list) is now a breach.
 * Otherwise nothing is a breach yet: a start nobody keyed in is not one. The referral is flagged as a
 * probable breach and the lead asked to confirm it or record the start, within the grace.
 */
export async function checkStartOfCare(deps: StartOfCareDeps, referralId: string): Promise<StartOfCareTimer> {
  const file = await mustGetHistory(deps.store, referralId);
  const { referral } = file;
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referralId} has no granted right`);
  const now = deps.clock.now();
  const actor = workflowActor("CheckStartOfCare");
  if (startedInTime(view)) {
    await recordKept(deps, file, now, "CheckStartOfCare");
  } else if (referral.startOfCareBreached === true) {
    // Confirmed already (a retry): nothing more.
  } else if (now.getTime() < startOfCarePoints(view, deps.config).deadlineAt.getTime()) {
    // Early (a resumed execution): the timer waits on.
  } else if (referral.startOfCareExpectedBreach !== undefined) {
    await recordBreach(deps, referral, "expected", now, actor);
    return nextStepAfterWriting(deps, file, [], now);
  } else {
    const lead = leadOf(deps.config);
    if (lead) {
      await sendStaffEmail(
        deps,
        aboutReferral(referralId, "start-of-care-probable-breach", view.deadline),
        lead.email,
        deps.render.probableBreachEmail({
          referralId,
          startOfCareDeadline: view.deadline,
          confirmBy: osloDate(startOfCarePoints(view, deps.config).graceEndsAt),
          clinicName: deps.config.clinic.name,
          referralUrl: staffReferralUrl(deps.publicBaseUrl, referralId),
        }),
      );
    }
    await deps.store.flagReferral(referralId, "startOfCareProbableBreach", {
      type: "start-of-care-probable-breach",
      at: now.toISOString(),
      actor,
      details: { startOfCareDeadline: view.deadline, leadNotified: lead !== undefined },
    });
    return nextStepAfterOwnWrite(deps.config, file, { flag: "startOfCareProbableBreach" }, now);
  }
  // A start in time or a breach on record ends the timer; early, it waits on: nothing written.
  return nextStartOfCareStep(file, now, deps.config);
}

/**
 * ConfirmBreachByDefault, at the end of the lead's grace after a probable breach. A start recorded on
 * or before the deadline meanwhile keeps it; a start recorded after it, or the lead's confirmation,
 * is the breach. Nobody answered: the law's default (no start on record) is taken, the breach
 * recorded with its Helfo notice, and the lead told that it was filed without an answer.
 */
export async function confirmBreachByDefault(
  deps: StartOfCareDeps,
  referralId: string,
): Promise<StartOfCareTimer> {
  const file = await mustGetHistory(deps.store, referralId);
  const { referral } = file;
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referralId} has no granted right`);
  const now = deps.clock.now();
  const actor = workflowActor("ConfirmBreachByDefault");
  if (startedInTime(view)) {
    await recordKept(deps, file, now, "ConfirmBreachByDefault");
  } else if (referral.startOfCareBreached !== true) {
    const late = view.startedOn !== null;
    await recordBreach(deps, referral, late ? "confirmed" : "default", now, actor);
    const lead = leadOf(deps.config);
    if (lead && !late) {
      await sendStaffEmail(
        deps,
        aboutReferral(referralId, "start-of-care-breach", view.deadline),
        lead.email,
        deps.render.breachByDefaultEmail({
          referralId,
          startOfCareDeadline: view.deadline,
          clinicName: deps.config.clinic.name,
          referralUrl: staffReferralUrl(deps.publicBaseUrl, referralId),
        }),
      );
    }
    return nextStepAfterWriting(deps, file, [], now);
  }
  // A start in time or a breach on record ends the timer.
  return nextStartOfCareStep(file, now, deps.config);
}
