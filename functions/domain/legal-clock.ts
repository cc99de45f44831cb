/**
 * The legal clock of one referral, as the workflow's timers need it: when to remind the assessors,
 * when the 10 working days run out, and when to escalate again after that. Pure: the calendar and the
 * clinic's legalClock configuration in, dates and instants out, so the timer rules are testable
 * without a workflow and every timeout is computed at run time, never written into the graph.
 */
import {
  ASSESSMENT_WORKING_DAYS,
  addWorkingDays,
  type CalendarRules,
  type IsoDate,
  isWorkingDay,
  osloDate,
  osloEndOfDay,
  osloStartOfDay,
  workingDaysBetween,
} from "./calendar";
import { calendarRulesOf, type LegalClockConfig } from "./clinic";

/**
 * A referral's clock: its legal due date, an urgent referral's target for the faster assessment the
 * law gives it, and the two timer points.
 */
export interface LegalClock {
  /**
   * The legal due date: working day 10 after the clock start (the ansiennitetsdato of a forward). The
   * same name as the referral's field and the API's, from the clock to the receipt.
   */
  assessmentDueDate: IsoDate;
  /**
   * Urgent referrals only: the date of the faster assessment (pbrl § 2-2 first paragraph, third
   * sentence), as the clinic sets it (urgentTargetWorkingDays): the law asks for "faster" and names
   * no number of days, so the number is the clinic's, inside the 10 working days.
   */
  internalTargetDate?: IsoDate;
  /** Urgent referrals only: the last millisecond of that date in Oslo; after it, it is missed. */
  internalTargetEnd?: Date;
  /** Oslo 00:00 at the start of the reminder working day (urgentReminderWorkingDay when urgent). */
  reminderAt: Date;
  /** The last millisecond of the due date in Oslo: after it, the deadline is breached. */
  deadline: Date;
}

/**
 * The clock of a referral under a clinic's rules. Ten working days are the outer limit for every
 * referral (the due date, the worklist and the letters keep it). On suspicion of serious or
 * life-threatening illness the patient has a right to a faster assessment (pbrl § 2-2 first
 * paragraph, third sentence; Prop. 55 L (2018–2019) 5.2.1): an urgent referral gets the clinic's
 * shorter target for it, and an earlier reminder.
 */
export function legalClockFor(
  referral: { clockStartDate: IsoDate; priority: "ordinary" | "urgent" },
  config: LegalClockConfig,
): LegalClock {
  const rules = calendarRulesOf(config);
  const urgent = referral.priority === "urgent";
  const assessmentDueDate = addWorkingDays(referral.clockStartDate, ASSESSMENT_WORKING_DAYS, rules);
  const reminderDay = urgent ? config.urgentReminderWorkingDay : config.reminderWorkingDay;
  const internalTargetDate = urgent
    ? addWorkingDays(referral.clockStartDate, config.urgentTargetWorkingDays, rules)
    : undefined;
  return {
    assessmentDueDate,
    ...(internalTargetDate
      ? { internalTargetDate, internalTargetEnd: osloEndOfDay(internalTargetDate) }
      : {}),
    reminderAt: osloStartOfDay(addWorkingDays(referral.clockStartDate, reminderDay, rules)),
    deadline: osloEndOfDay(assessmentDueDate),
  };
}

/**
 * Whole seconds from `now` until `instant`, rounded up and at least 1: Step Functions takes only a
 * positive integer timeout, and a point already passed should fire at once rather than fail the state.
 */
export function secondsUntil(instant: Date, now: Date): number {
  return Math.max(1, Math.ceil((instant.getTime() - now.getTime()) / 1000));
}

/**
 * When to escalate a breached deadline again: the end (Oslo) of the next working day to end after
 * `now`, so the clinic lead hears of it once every working day, and never on a weekend or a holiday.
 * A timer set for the end of a day fires in the first instant of the next one, so from there the
 * next working day to end is that new day (if it is a working day): breached at the end of working
 * day 10, the escalations follow at the end of days 11, 12, 13 …; from a Saturday, at the end of
 * Monday.
 */
export function nextEscalationAt(now: Date, rules: CalendarRules): Date {
  const today = osloDate(now);
  const endOfToday = osloEndOfDay(today);
  if (isWorkingDay(today, rules) && endOfToday.getTime() > now.getTime()) return endOfToday;
  return osloEndOfDay(addWorkingDays(today, 1, rules));
}

/** Whether the reminder point has passed at `now`: the clock is already short (e.g. an old forward). */
export function isAtRisk(clock: Pick<LegalClock, "reminderAt">, now: Date): boolean {
  return now.getTime() >= clock.reminderAt.getTime();
}

/**
 * Working days from `today` to `dueDate`: the working days after today up to and including the due
 * date, so 0 on the due date. Once the due date has passed it is minus the working days since then,
 * and at least -1: a weekend right after a Friday deadline must not read as "due today".
 */
export function workingDaysLeft(today: IsoDate, dueDate: IsoDate, rules: CalendarRules): number {
  if (today <= dueDate) return workingDaysBetween(today, dueDate, rules);
  return Math.min(-1, -workingDaysBetween(dueDate, today, rules));
}

/** The steps of the deadline timer, named as the workflow's RouteTimer routes them. */
export type TimerStep = "remind" | "urgent-target" | "breach";

/** The next step of the deadline timer and the instant it is due. */
export interface TimerPoint {
  step: TimerStep;
  at: Date;
}

/**
 * The deadline timer's next point after `now`, from the referral's clock as it is now (its priority
 * may have changed since the last point was set): the reminder while it lies ahead (unless it was
 * just sent), an urgent referral's internal target until its escalation was recorded (at once when
 * the target has already passed, e.g. a referral made urgent late), then the legal deadline, and
 * after that at once while no breach is recorded (a forward can arrive already past it), then the next
 * working day's end, for the breach's daily escalation. The earliest wins; at equal instants the
 * internal target goes before the breach.
 */
export function nextTimerPoint(
  clock: LegalClock,
  now: Date,
  rules: CalendarRules,
  done: { reminded?: boolean; urgentTargetEscalated?: boolean; breachRecorded?: boolean } = {},
): TimerPoint {
  const points: TimerPoint[] = [];
  if (!done.reminded && now.getTime() < clock.reminderAt.getTime()) {
    points.push({ step: "remind", at: clock.reminderAt });
  }
  if (clock.internalTargetEnd && !done.urgentTargetEscalated && now.getTime() <= clock.deadline.getTime()) {
    points.push({
      step: "urgent-target",
      // "Missed" is the first instant after the target day's end, as with the legal deadline.
      at: new Date(Math.max(clock.internalTargetEnd.getTime() + 1, now.getTime())),
    });
  }
  points.push({
    step: "breach",
    at:
      now.getTime() <= clock.deadline.getTime()
        ? clock.deadline
        : done.breachRecorded
          ? nextEscalationAt(now, rules)
          : now,
  });
  const order: TimerStep[] = ["remind", "urgent-target", "breach"];
  return points.reduce((best, point) =>
    point.at.getTime() < best.at.getTime() ||
    (point.at.getTime() === best.at.getTime() && order.indexOf(point.step) < order.indexOf(best.step))
      ? point
      : best,
  );
}
