import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addWorkingDays,
  defaultCalendarRules,
  isWorkingDay,
  osloDate,
  osloEndOfDay,
} from "../../functions/domain/calendar";
import { type LegalClockConfig, legalClockConfigSchema } from "../../functions/domain/clinic";
import { isAtRisk, legalClockFor, nextEscalationAt, secondsUntil } from "../../functions/domain/legal-clock";

const defaults: LegalClockConfig = legalClockConfigSchema.parse({});

describe("the legal clock of a referral", () => {
  it("reminds at the start of working day 8 and breaches after the end of working day 10 (Oslo)", () => {
    // Prepare: received Monday 3 March 2025 (day 0); days 1–10 are 4–7, 10–14 and 17 March.

    // Act
    const clock = legalClockFor({ clockStartDate: "2025-03-03", priority: "ordinary" }, defaults);

    // Assess
    expect(clock.assessmentDueDate).toBe("2025-03-17");
    expect(clock.reminderAt.toISOString()).toBe("2025-03-12T23:00:00.000Z"); // Thu 13 March, 00:00 CET
    expect(clock.deadline.toISOString()).toBe("2025-03-17T22:59:59.999Z");
    expect(clock.internalTargetDate).toBeUndefined();
  });

  it("gives an urgent referral an internal target and an earlier reminder, but the same legal deadline", () => {
    // Act
    const ordinary = legalClockFor({ clockStartDate: "2025-03-03", priority: "ordinary" }, defaults);
    const urgent = legalClockFor({ clockStartDate: "2025-03-03", priority: "urgent" }, defaults);

    // Assess: day 3 is Thursday 6 March, day 5 Monday 10 March.
    expect(urgent.reminderAt.toISOString()).toBe("2025-03-05T23:00:00.000Z");
    expect(urgent.internalTargetDate).toBe("2025-03-10");
    expect(urgent.assessmentDueDate).toBe(ordinary.assessmentDueDate);
    expect(urgent.deadline).toEqual(ordinary.deadline);
  });

  it("follows the clinic's reminder day, working weekdays and closures", () => {
    // Prepare: Saturdays count, a closure on Friday 7 March, reminder at the start of day 9.
    const config = legalClockConfigSchema.parse({
      workingWeekdays: [1, 2, 3, 4, 5, 6],
      closures: ["2025-03-07"],
      reminderWorkingDay: 9,
    });

    // Act
    const clock = legalClockFor({ clockStartDate: "2025-03-03", priority: "ordinary" }, config);

    // Assess: 4, 5, 6, 8, 10, 11, 12, 13, 14 (day 9), 15 (day 10).
    expect(clock.assessmentDueDate).toBe("2025-03-15");
    expect(osloDate(clock.reminderAt)).toBe("2025-03-14");
  });

  it("counts a forward from its ansiennitetsdato, so an old one is at risk on arrival and its timers fire at once", () => {
    // Prepare: first received 3 March; it reaches us on Friday 14 March (day 9) and on 20 March (after day 10).
    const clock = legalClockFor({ clockStartDate: "2025-03-03", priority: "ordinary" }, defaults);
    const onDay9 = new Date("2025-03-14T08:00:00Z");
    const afterDeadline = new Date("2025-03-20T08:00:00Z");

    // Assess
    expect(isAtRisk(clock, onDay9)).toBe(true);
    expect(secondsUntil(clock.reminderAt, onDay9)).toBe(1);
    expect(secondsUntil(clock.deadline, onDay9)).toBe(
      Math.ceil((clock.deadline.getTime() - onDay9.getTime()) / 1000),
    );
    expect(isAtRisk(clock, afterDeadline)).toBe(true);
    expect(secondsUntil(clock.deadline, afterDeadline)).toBe(1);
    expect(isAtRisk(clock, new Date("2025-03-03T09:00:00Z"))).toBe(false);
  });
});

describe("seconds until an instant", () => {
  it("rounds up to whole seconds and is at least 1, so Step Functions always gets a valid timeout", () => {
    const now = new Date("2025-03-03T09:00:00.000Z");
    expect(secondsUntil(new Date("2025-03-03T09:00:10.001Z"), now)).toBe(11);
    expect(secondsUntil(new Date("2025-03-03T09:00:10.000Z"), now)).toBe(10);
    expect(secondsUntil(now, now)).toBe(1);
    expect(secondsUntil(new Date("2020-01-01T00:00:00Z"), now)).toBe(1);
  });

  it("never fires before the instant, and is always a positive integer", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (instant, now) => {
          const seconds = secondsUntil(instant, now);
          expect(Number.isInteger(seconds) && seconds >= 1).toBe(true);
          expect(now.getTime() + seconds * 1000).toBeGreaterThanOrEqual(instant.getTime());
        },
      ),
    );
  });
});

describe("the next escalation after a breach", () => {
  it("comes at the end of each working day: breached at the end of day 10, again at the end of day 11", () => {
    // Prepare: due Tuesday 11 March; the timer fires in the first instant of Wednesday (CET).
    const breach = new Date("2025-03-11T23:00:00.500Z");

    // Act
    const next = nextEscalationAt(breach, defaultCalendarRules);

    // Assess: the end of Wednesday 12 March, then the end of Thursday 13 March.
    expect(next.toISOString()).toBe("2025-03-12T22:59:59.999Z");
    expect(nextEscalationAt(new Date(next.getTime() + 500), defaultCalendarRules).toISOString()).toBe(
      "2025-03-13T22:59:59.999Z",
    );
  });

  it("skips the weekend: a breach at the end of Friday escalates again at the end of Monday", () => {
    // Prepare: due Friday 14 March; the breach is recorded just after midnight.
    const breach = new Date("2025-03-14T23:00:00.500Z");

    // Act
    const next = nextEscalationAt(breach, defaultCalendarRules);

    // Assess
    expect(next.toISOString()).toBe("2025-03-17T22:59:59.999Z");
    expect(secondsUntil(next, breach)).toBe(3 * 86_400);
  });

  it("skips Easter: from the end of the Wednesday before, the next is the end of the Tuesday after Easter Monday", () => {
    // 2025: Maundy Thursday 17 April, Good Friday 18, Easter Monday 21; CEST is UTC+2.
    expect(nextEscalationAt(new Date("2025-04-16T22:00:00.500Z"), defaultCalendarRules).toISOString()).toBe(
      "2025-04-22T21:59:59.999Z",
    );
  });

  it("keeps to Oslo's end of day across the change to summer time", () => {
    // The end of Friday 28 March (CET) → the end of Monday 31 March (CEST); clocks changed on Sunday 30.
    expect(nextEscalationAt(new Date("2025-03-28T23:00:00.500Z"), defaultCalendarRules).toISOString()).toBe(
      "2025-03-31T21:59:59.999Z",
    );
  });

  it("escalates a breach found during a working day at the end of that day", () => {
    // An old forward arrives on Tuesday 11 March at 10:00, long past its deadline.
    expect(nextEscalationAt(new Date("2025-03-11T09:00:00Z"), defaultCalendarRules).toISOString()).toBe(
      "2025-03-11T22:59:59.999Z",
    );
  });

  it("goes from the end of one working day to the end of the next, under any clinic's rules", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        (instant, workingWeekdays) => {
          const rules = { workingWeekdays, closures: [] };
          const day = addWorkingDays(osloDate(instant), 1, rules);
          const firedAt = new Date(osloEndOfDay(day).getTime() + 1);

          expect(nextEscalationAt(firedAt, rules)).toEqual(osloEndOfDay(addWorkingDays(day, 1, rules)));
        },
      ),
    );
  });

  it("is always after now, at the end of a working day, at most a few calendar days on", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (now) => {
          const next = nextEscalationAt(now, defaultCalendarRules);
          expect(next.getTime()).toBeGreaterThan(now.getTime());
          expect(isWorkingDay(osloDate(next))).toBe(true);
          expect(osloDate(new Date(next.getTime() + 1))).not.toBe(osloDate(next));
          expect(next.getTime() - now.getTime()).toBeLessThan(8 * 86_400_000);
        },
      ),
    );
  });
});
