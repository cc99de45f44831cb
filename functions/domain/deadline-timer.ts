/**
 * The deadline timer's steps: RemindAssessors (the reminder point has come, a decision has not),
 * EscalateUrgentTarget (an urgent referral's internal target has passed: record it once and tell the
 * clinic lead), RecordBreach (the 10 working days have run out: record the breach once, escalate to
 * the clinic lead each working day) and RetimeAssessment (the priority changed: set the timer anew).
 * Each returns how long the workflow should wait and which step is due then (RouteTimer routes on
 * it), from the calendar, the clinic's rules and the referral's priority at run time. Emails go out
 * once (claimed per reminder point, per target, or per day of escalation, and recipient); the flags,
 * their audit events and the metrics are recorded once.
 */

import {
  assessorsOf,
  leadOf,
  liveTaskOf,
  mustGetReferral,
  staffEmailFacts,
  taskUrlOf,
  workflowActor,
} from "./assessment";
import { osloDate } from "./calendar";
import { type ClinicConfig, calendarRulesOf } from "./clinic";
import { type LegalClock, legalClockFor, nextTimerPoint, secondsUntil, type TimerStep } from "./legal-clock";
import {
  type Clock,
  type Mailer,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type Metrics,
  type OutboxRecords,
  type ReferralRecords,
  type TaskRecords,
} from "./ports";
import type { ReferralRecord } from "./records";
import type { StaffEmailRenderer } from "./rendering";
import { aboutReferral, sendStaffEmail, sendStaffEmails } from "./staff-mail";
import { tallyOfBreach } from "./statistics";

/** What a timer step tells the workflow: wait this long, then run `next` (RouteTimer's choice). */
export interface TimerWait {
  seconds: number;
  next: TimerStep;
}

/** The wait until the timer's next point, for a referral as it is now. */
function waitAfter(
  referral: Pick<ReferralRecord, "urgentTargetEscalated" | "deadlineBreached">,
  clock: LegalClock,
  now: Date,
  config: ClinicConfig,
  done: { reminded?: boolean; urgentTargetEscalated?: boolean; breachRecorded?: boolean } = {},
): TimerWait {
  const point = nextTimerPoint(clock, now, calendarRulesOf(config.legalClock), {
    urgentTargetEscalated: referral.urgentTargetEscalated === true,
    breachRecorded: referral.deadlineBreached === true,
    ...done,
  });
  return { seconds: secondsUntil(point.at, now), next: point.step };
}

/** What the timer steps need. */
export interface DeadlineTimerDeps {
  store: ReferralRecords & TaskRecords & OutboxRecords;
  clock: Clock;
  mailer: Mailer;
  render: StaffEmailRenderer;
  config: ClinicConfig;
  publicBaseUrl: string;
}

/** The metric of a recorded breach (Count, in Frist's namespace); the operations alarm watches it. */
export const BREACH_METRIC = {
  namespace: METRICS_NAMESPACE,
  name: "DeadlineBreaches",
  service: METRICS_SERVICE,
} as const;

/** The metric of a missed internal target of an urgent referral (Count, once per referral). */
export const URGENT_TARGET_METRIC = {
  namespace: METRICS_NAMESPACE,
  name: "UrgentTargetMissed",
  service: METRICS_SERVICE,
} as const;

/**
 * RemindAssessors: a neutral reminder with the task's link to every assessor, and an audit event.
 * Returns the wait until the timer's next point: an urgent referral's internal target, else the
 * legal deadline (the end of the due date).
 */
export async function remindAssessors(
  deps: DeadlineTimerDeps,
  input: { referralId: string },
): Promise<TimerWait> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  const clock = legalClockFor(referral, deps.config.legalClock);
  const wait = waitAfter(referral, clock, now, deps.config, { reminded: true });
  if (referral.status !== "awaiting-assessment") return wait;

  const task = await liveTaskOf(deps.store, referral.referralId);
  const recipients = task?.state === "open" ? assessorsOf(referral, deps.config) : [];
  if (task && recipients.length > 0) {
    const email = deps.render.reminderEmail({
      taskUrl: taskUrlOf(deps.publicBaseUrl, task.taskId),
      ...staffEmailFacts(referral, clock, deps.config),
    });
    // Once per reminder point and assessor, however often the step is retried.
    await sendStaffEmails(
      deps,
      aboutReferral(referral.referralId, "reminder", clock.reminderAt.toISOString()),
      recipients.map((assessor) => assessor.email),
      email,
    );
  }
  await deps.store.appendEvent(referral.referralId, {
    type: "assessors-reminded",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("RemindAssessors"),
    details: {
      recipients: recipients.length,
      assessmentDueDate: clock.assessmentDueDate,
      ...(task ? { taskId: task.taskId } : {}),
    },
  });
  return wait;
}

/**
 * EscalateUrgentTarget: the clinic's target for an urgent referral's faster assessment (pbrl § 2-2
 * first paragraph, third sentence; urgentTargetWorkingDays, inside the 10) has passed without a decision. The clinic lead gets a neutral escalation with the task's
 * link, and the referral `urgentTargetEscalated: true` with an "urgent-target-missed" event and one
 * UrgentTargetMissed metric, once: a retried or repeated step finds the flag and does nothing more.
 * Woken for a referral that is no longer urgent (its priority changed), or before its target has
 * passed, it records nothing. Returns the wait until the timer's next point (the legal deadline).
 */
export async function escalateUrgentTarget(
  deps: DeadlineTimerDeps & { metrics: Metrics },
  input: { referralId: string },
): Promise<TimerWait> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  const clock = legalClockFor(referral, deps.config.legalClock);
  const missed =
    referral.status === "awaiting-assessment" &&
    referral.urgentTargetEscalated !== true &&
    clock.internalTargetDate !== undefined &&
    clock.internalTargetEnd !== undefined &&
    now.getTime() > clock.internalTargetEnd.getTime();
  if (!missed || !clock.internalTargetDate) return waitAfter(referral, clock, now, deps.config);

  const task = await liveTaskOf(deps.store, referral.referralId);
  const lead = leadOf(deps.config);
  // Escalate first, flag after; the escalation is claimed per target date, so a retry after a crash
  // in between does not send it again.
  if (lead) {
    const email = deps.render.urgentTargetEscalationEmail({
      ...(task ? { taskUrl: taskUrlOf(deps.publicBaseUrl, task.taskId) } : {}),
      ...staffEmailFacts(referral, clock, deps.config),
      internalTargetDate: clock.internalTargetDate,
    });
    await sendStaffEmail(
      deps,
      aboutReferral(referral.referralId, "urgent-target", clock.internalTargetDate),
      lead.email,
      email,
    );
  }
  const first = await deps.store.flagReferral(referral.referralId, "urgentTargetEscalated", {
    type: "urgent-target-missed",
    at: now.toISOString(),
    actor: workflowActor("EscalateUrgentTarget"),
    details: {
      internalTargetDate: clock.internalTargetDate,
      assessmentDueDate: clock.assessmentDueDate,
      leadNotified: lead !== undefined,
      ...(task ? { taskId: task.taskId } : {}),
    },
  });
  if (first) deps.metrics.count(URGENT_TARGET_METRIC.name, { referralId: referral.referralId });
  return waitAfter(referral, clock, now, deps.config, { urgentTargetEscalated: true });
}

/**
 * RetimeAssessment: the referral's priority changed while the workflow waited, so the wait it was in
 * was ended (see changePriority) and the timer is set anew from the clock under the new priority.
 * Sends nothing and records nothing (the change itself was recorded with its reason).
 */
export async function retimeAssessment(
  deps: Pick<DeadlineTimerDeps, "store" | "clock" | "config">,
  input: { referralId: string },
): Promise<TimerWait> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  return waitAfter(referral, legalClockFor(referral, deps.config.legalClock), now, deps.config);
}

/**
 * RecordBreach: once the deadline has passed without a decision, the referral gets
 * `deadlineBreached: true` with a "deadline-breached" event and one DeadlineBreaches metric (the
 * first time only), and the clinic lead an escalation email with the task's link and an "escalated"
 * event (every time). Returns the wait until the end of the next working day, when it escalates
 * again. Woken before the deadline (it cannot be breached yet) it records nothing and waits for the
 * timer's next point.
 */
export async function recordBreach(
  deps: DeadlineTimerDeps & { metrics: Metrics },
  input: { referralId: string },
): Promise<TimerWait> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  const clock = legalClockFor(referral, deps.config.legalClock);
  // Past the deadline this step is the breach's own: whatever it records, the next point is the
  // next working day's escalation, never "at once" again.
  const wait = waitAfter(referral, clock, now, deps.config, {
    breachRecorded: now.getTime() > clock.deadline.getTime(),
  });
  if (now.getTime() <= clock.deadline.getTime()) return wait;
  if (referral.status !== "awaiting-assessment") return wait;

  const task = await liveTaskOf(deps.store, referral.referralId);
  const lead = leadOf(deps.config);
  // Escalate first, flag after; the escalation goes once per Oslo day (its claim), so a retry after
  // a crash in between does not escalate again.
  if (lead) {
    const email = deps.render.escalationEmail({
      ...(task ? { taskUrl: taskUrlOf(deps.publicBaseUrl, task.taskId) } : {}),
      ...staffEmailFacts(referral, clock, deps.config),
    });
    await sendStaffEmail(
      deps,
      aboutReferral(referral.referralId, "escalation", osloDate(now)),
      lead.email,
      email,
    );
  }
  const firstBreach = await deps.store.flagReferral(
    referral.referralId,
    "deadlineBreached",
    {
      type: "deadline-breached",
      at: now.toISOString(),
      actor: workflowActor("RecordBreach"),
      details: { assessmentDueDate: clock.assessmentDueDate, deadline: clock.deadline.toISOString() },
    },
    tallyOfBreach(referral),
  );
  // Only the referral id goes along, so operations can find the referral from the record.
  if (firstBreach) deps.metrics.count(BREACH_METRIC.name, { referralId: referral.referralId });
  await deps.store.appendEvent(referral.referralId, {
    type: "escalated",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("RecordBreach"),
    details: {
      leadNotified: lead !== undefined,
      assessmentDueDate: clock.assessmentDueDate,
      ...(task ? { taskId: task.taskId } : {}),
    },
  });
  return wait;
}
