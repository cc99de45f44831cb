/**
 * The deadline timer's two steps: RemindAssessors (the reminder point has come, a decision has not)
 * and RecordBreach (the 10 working days have run out: record the breach once, escalate to the clinic
 * lead each working day). Each returns how long the workflow should wait before the next step, from
 * the calendar and the clinic's rules at run time. Emails go out once (claimed per reminder point,
 * or per day of escalation, and recipient); the breach flag, its audit event and its metric are
 * recorded once.
 */

import { renderEscalationEmail, renderReminderEmail } from "../views/staff-email";
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
import { legalClockFor, nextEscalationAt, secondsUntil } from "./legal-clock";
import {
  type Clock,
  type Mailer,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type Metrics,
  type ReferralStore,
} from "./ports";
import { aboutReferral, sendStaffEmail, sendStaffEmails } from "./staff-mail";
import { tallyOfBreach } from "./statistics";

/** What the timer steps need. */
export interface DeadlineTimerDeps {
  store: ReferralStore;
  clock: Clock;
  mailer: Mailer;
  config: ClinicConfig;
  publicBaseUrl: string;
}

/** The metric of a recorded breach (Count, in Frist's namespace); the operations alarm watches it. */
export const BREACH_METRIC = {
  namespace: METRICS_NAMESPACE,
  name: "DeadlineBreaches",
  service: METRICS_SERVICE,
} as const;

/**
 * RemindAssessors: a neutral reminder with the task's link to every assessor, and an audit event.
 * Returns the seconds until the legal deadline (the end of the due date), the next wait.
 */
export async function remindAssessors(
  deps: DeadlineTimerDeps,
  input: { referralId: string },
): Promise<{ seconds: number }> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  const clock = legalClockFor(referral, deps.config.legalClock);
  const seconds = secondsUntil(clock.deadline, now);
  if (referral.status !== "awaiting-assessment") return { seconds };

  const task = await liveTaskOf(deps.store, referral.referralId);
  const recipients = task?.state === "open" ? assessorsOf(referral, deps.config) : [];
  if (task && recipients.length > 0) {
    const email = renderReminderEmail({
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
      assessmentDueDate: clock.dueDate,
      ...(task ? { taskId: task.taskId } : {}),
    },
  });
  return { seconds };
}

/**
 * RecordBreach: once the deadline has passed without a decision, the referral gets
 * `deadlineBreached: true` with a "deadline-breached" event and one DeadlineBreaches metric (the
 * first time only), and the clinic lead an escalation email with the task's link and an "escalated"
 * event (every time). Returns the seconds until the end of the next working day, when it escalates
 * again. Woken before the deadline (it cannot be breached yet) it records nothing and waits for it.
 */
export async function recordBreach(
  deps: DeadlineTimerDeps & { metrics: Metrics },
  input: { referralId: string },
): Promise<{ seconds: number }> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  const now = deps.clock.now();
  const clock = legalClockFor(referral, deps.config.legalClock);
  if (now.getTime() <= clock.deadline.getTime()) return { seconds: secondsUntil(clock.deadline, now) };
  const seconds = secondsUntil(nextEscalationAt(now, calendarRulesOf(deps.config.legalClock)), now);
  if (referral.status !== "awaiting-assessment") return { seconds };

  const task = await liveTaskOf(deps.store, referral.referralId);
  const lead = leadOf(deps.config);
  // Escalate first, flag after; the escalation goes once per Oslo day (its claim), so a retry after
  // a crash in between does not escalate again.
  if (lead) {
    const email = renderEscalationEmail({
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
      details: { assessmentDueDate: clock.dueDate, deadline: clock.deadline.toISOString() },
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
      assessmentDueDate: clock.dueDate,
      ...(task ? { taskId: task.taskId } : {}),
    },
  });
  return { seconds };
}
