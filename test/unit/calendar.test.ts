import Holidays from "date-holidays";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addWorkingDays,
  assessmentDeadline,
  assessmentDueDate,
  type CalendarRules,
  defaultCalendarRules,
  easterSunday,
  holidaysOf,
  isHoliday,
  isWorkingDay,
  osloDate,
  osloEndOfDay,
  osloInstant,
  osloOffsetMs,
  osloStartOfDay,
  reminderPoint,
  workingDaysBetween,
} from "../../functions/domain/calendar";

const MON_TO_SAT: CalendarRules = { workingWeekdays: [1, 2, 3, 4, 5, 6], closures: [] };

/** Dates between 1900 and 2200 as YYYY-MM-DD, built with Date so the tests don't reuse the module's arithmetic. */
const isoDateArb = fc
  .date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2200-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** Any non-empty set of working weekdays plus up to 20 closure dates in 2024–2027. */
const rulesArb: fc.Arbitrary<CalendarRules> = fc.record({
  workingWeekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
  closures: fc.array(
    fc
      .date({
        min: new Date("2024-01-01T00:00:00Z"),
        max: new Date("2027-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10)),
    { maxLength: 20 },
  ),
});

const nearDateArb = fc
  .date({ min: new Date("2024-01-01T00:00:00Z"), max: new Date("2027-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe("easterSunday", () => {
  it.each([
    [2024, "2024-03-31"],
    [2025, "2025-04-20"],
    [2026, "2026-04-05"],
    [2027, "2027-03-28"],
    [2038, "2038-04-25"], // the latest possible date
    [2285, "2285-03-22"], // the earliest possible date
    [1818, "1818-03-22"],
    [1943, "1943-04-25"],
    [2000, "2000-04-23"],
    [1583, "1583-04-10"], // first full Gregorian year
  ])("puts Easter %i on %s", (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });

  it("always falls on a Sunday between 22 March and 25 April", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
        const easter = easterSunday(year);
        expect(new Date(`${easter}T00:00:00Z`).getUTCDay()).toBe(0);
        expect(easter.slice(5) >= "03-22" && easter.slice(5) <= "04-25").toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects years outside 1-9999", () => {
    expect(() => easterSunday(0)).toThrow(RangeError);
    expect(() => easterSunday(10_000)).toThrow(RangeError);
    expect(() => easterSunday(2025.5)).toThrow(RangeError);
  });
});

describe("holidaysOf", () => {
  it("lists the twelve public holidays of 2025 with their Norwegian names", () => {
    expect(holidaysOf(2025)).toEqual([
      { date: "2025-01-01", name: "Første nyttårsdag" },
      { date: "2025-04-17", name: "Skjærtorsdag" },
      { date: "2025-04-18", name: "Langfredag" },
      { date: "2025-04-20", name: "Første påskedag" },
      { date: "2025-04-21", name: "Andre påskedag" },
      { date: "2025-05-01", name: "Arbeidernes dag" },
      { date: "2025-05-17", name: "Grunnlovsdagen" },
      { date: "2025-05-29", name: "Kristi himmelfartsdag" },
      { date: "2025-06-08", name: "Første pinsedag" },
      { date: "2025-06-09", name: "Andre pinsedag" },
      { date: "2025-12-25", name: "Første juledag" },
      { date: "2025-12-26", name: "Andre juledag" },
    ]);
  });

  it("lists both holidays when they fall on the same date (Ascension on 1 May 2008)", () => {
    const firstOfMay = holidaysOf(2008).filter((h) => h.date === "2008-05-01");
    expect(firstOfMay.map((h) => h.name)).toEqual(["Arbeidernes dag", "Kristi himmelfartsdag"]);
  });

  it("returns a list that callers cannot change", () => {
    const list = holidaysOf(2025) as { date: string; name: string }[];
    expect(() => list.push({ date: "2025-12-24", name: "Julaften" })).toThrow(TypeError);
    expect(isHoliday("2025-12-24")).toBe(false);
  });
});

describe("isHoliday and isWorkingDay", () => {
  it("treats 24 and 31 December as ordinary working days unless configured as closures", () => {
    expect(isHoliday("2025-12-24")).toBe(false);
    expect(isWorkingDay("2025-12-24")).toBe(true);
    expect(isWorkingDay("2025-12-31")).toBe(true);
    expect(isWorkingDay("2025-12-24", { ...defaultCalendarRules, closures: ["2025-12-24"] })).toBe(false);
  });

  it("does not call an ordinary Sunday a holiday, but it is no working day", () => {
    expect(isHoliday("2025-04-13")).toBe(false);
    expect(isWorkingDay("2025-04-13")).toBe(false);
  });

  it("counts Saturdays in a Mon-Sat configuration, but never a holiday Saturday", () => {
    expect(isWorkingDay("2025-04-19", MON_TO_SAT)).toBe(true);
    expect(isWorkingDay("2025-04-19")).toBe(false);
    expect(isWorkingDay("2027-05-01", MON_TO_SAT)).toBe(false); // 1 May 2027 is a Saturday
  });

  it.each([
    "2025-02-29",
    "2025-13-01",
    "2025-00-10",
    "2025-1-1",
    "25-01-01",
    "2025-01-01T00:00",
    "",
    "0000-01-01",
  ])("rejects %j as not a date", (value) => {
    expect(() => isHoliday(value)).toThrow(RangeError);
    expect(() => isWorkingDay(value)).toThrow(RangeError);
  });

  it("rejects rules without any working weekday or with a weekday outside 1-7", () => {
    expect(() => isWorkingDay("2025-01-02", { workingWeekdays: [], closures: [] })).toThrow(RangeError);
    expect(() => isWorkingDay("2025-01-02", { workingWeekdays: [0], closures: [] })).toThrow(RangeError);
    expect(() => isWorkingDay("2025-01-02", { workingWeekdays: [1], closures: ["2025-02-30"] })).toThrow(
      RangeError,
    );
  });

  // The oracle: date-holidays 3.37 lists for NO, with type "public", exactly the twelve days of
  // shared/domain.md, Easter Sunday and Whit Sunday included. It also lists 24 December and
  // 31 December (from 14:00) as type "bank" and many "observance"/"optional" days (Palmesøndag,
  // 8 May, Olsok …): all filtered out here, since they are working days by the domain rules.
  // No discrepancy on 1900-01-01..2200-12-31. Note both implementations apply the current holiday
  // list to every year: 1 and 17 May became statutory days only in 1947, which does not matter
  // for referrals received today.
  it("agrees with date-holidays (NO, public) on every date from 1900 to 2200", () => {
    // Prepare
    const oracle = new Holidays("NO");
    const expected = new Set<string>();
    const mismatchedYears: number[] = [];
    for (let year = 1900; year <= 2200; year++) {
      const publicDays = oracle.getHolidays(year).filter((h) => h.type === "public");
      for (const h of publicDays) expected.add(h.date.slice(0, 10));
      const theirs = publicDays.map((h) => `${h.date.slice(0, 10)} ${h.name}`).sort();
      const ours = holidaysOf(year)
        .map((h) => `${h.date} ${h.name}`)
        .sort();
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) mismatchedYears.push(year);
    }

    // Act
    const mismatchedDates: string[] = [];
    let checked = 0;
    for (let ms = Date.UTC(1900, 0, 1); ms <= Date.UTC(2200, 11, 31); ms += 86_400_000) {
      const date = new Date(ms).toISOString().slice(0, 10);
      if (isHoliday(date) !== expected.has(date)) mismatchedDates.push(date);
      checked++;
    }

    // Assess
    expect(checked).toBe(109_938);
    expect(mismatchedDates).toEqual([]);
    expect(mismatchedYears).toEqual([]);
  }, 20_000);
});

describe("addWorkingDays and workingDaysBetween", () => {
  it("returns the date itself for n = 0, even when it is not a working day", () => {
    expect(addWorkingDays("2025-04-18", 0)).toBe("2025-04-18");
  });

  it("counts from the date of receipt: a Friday plus one working day is the Monday", () => {
    expect(addWorkingDays("2025-06-13", 1)).toBe("2025-06-16");
    expect(workingDaysBetween("2025-06-13", "2025-06-16")).toBe(1);
    expect(workingDaysBetween("2025-06-13", "2025-06-15")).toBe(0);
  });

  it("mirrors the count when to is before from", () => {
    expect(workingDaysBetween("2025-06-16", "2025-06-13")).toBe(-1);
    expect(workingDaysBetween("2025-05-06", "2025-04-16")).toBe(-10);
    expect(workingDaysBetween("2025-04-16", "2025-04-16")).toBe(0);
    // A backwards span without working days is 0, not -0.
    expect(workingDaysBetween("2025-06-15", "2025-06-14")).toBe(0);
  });

  it("rejects a negative or fractional n", () => {
    expect(() => addWorkingDays("2025-01-02", -1)).toThrow(RangeError);
    expect(() => addWorkingDays("2025-01-02", 1.5)).toThrow(RangeError);
  });

  it("skips local closures (a clinic closed between Christmas and New Year)", () => {
    // Prepare: Monday 2025-12-22. Closed 24, 29, 30, 31 December; 25, 26 Dec and 1 Jan are holidays.
    const rules: CalendarRules = {
      workingWeekdays: [1, 2, 3, 4, 5],
      closures: ["2025-12-24", "2025-12-29", "2025-12-30", "2025-12-31"],
    };

    // Act
    const withClosures = addWorkingDays("2025-12-22", 10, rules);
    const without = addWorkingDays("2025-12-22", 10);

    // Assess: Tue 23 = 1, Fri 2 Jan = 2, Mon 5 … Wed 14 Jan = 10.
    expect(withClosures).toBe("2026-01-14");
    // Without closures: Tue 23 = 1, Wed 24 = 2, Mon 29 = 3, Tue 30 = 4, Wed 31 = 5, Fri 2 = 6, Mon 5 = 7,
    // Tue 6 = 8, Wed 7 = 9, Thu 8 = 10.
    expect(without).toBe("2026-01-08");
  });

  it("adding N working days and counting them back returns N", () => {
    fc.assert(
      fc.property(isoDateArb, fc.integer({ min: 0, max: 400 }), (date, n) => {
        expect(workingDaysBetween(date, addWorkingDays(date, n))).toBe(n);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(nearDateArb, fc.integer({ min: 0, max: 60 }), rulesArb, (date, n, rules) => {
        expect(workingDaysBetween(date, addWorkingDays(date, n, rules), rules)).toBe(n);
        expect(workingDaysBetween(addWorkingDays(date, n, rules), date, rules)).toBe(n === 0 ? 0 : -n);
      }),
      { numRuns: 1000 },
    );
  });

  it("always lands a due date (n >= 1) on a working day", () => {
    fc.assert(
      fc.property(isoDateArb, fc.integer({ min: 1, max: 60 }), (date, n) => {
        expect(isWorkingDay(addWorkingDays(date, n))).toBe(true);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(nearDateArb, fc.integer({ min: 1, max: 60 }), rulesArb, (date, n, rules) => {
        expect(isWorkingDay(addWorkingDays(date, n, rules), rules)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("is strictly monotonic in n, with no working day skipped in between", () => {
    fc.assert(
      fc.property(nearDateArb, fc.integer({ min: 0, max: 60 }), rulesArb, (date, n, rules) => {
        const here = addWorkingDays(date, n, rules);
        const next = addWorkingDays(date, n + 1, rules);
        expect(next > here).toBe(true);
        expect(workingDaysBetween(here, next, rules)).toBe(1);
      }),
      { numRuns: 1000 },
    );
  });

  it("counts additively: from a to c equals from a to b plus from b to c", () => {
    fc.assert(
      fc.property(isoDateArb, isoDateArb, isoDateArb, (a, b, c) => {
        expect(workingDaysBetween(a, c)).toBe(workingDaysBetween(a, b) + workingDaysBetween(b, c));
      }),
      { numRuns: 200 },
    );
  });
});

describe("Oslo dates and instants", () => {
  it.each([
    ["2025-12-31T22:59:59.999Z", "2025-12-31"],
    ["2025-12-31T23:00:00.000Z", "2026-01-01"],
    ["2025-03-29T23:30:00Z", "2025-03-30"],
    ["2025-03-30T00:30:00Z", "2025-03-30"],
    ["2025-03-30T21:59:59.999Z", "2025-03-30"],
    ["2025-03-30T22:00:00Z", "2025-03-31"],
    ["2025-10-25T21:59:59.999Z", "2025-10-25"],
    ["2025-10-25T22:00:00Z", "2025-10-26"],
    ["2025-10-26T22:59:59.999Z", "2025-10-26"],
    ["2025-10-26T23:00:00Z", "2025-10-27"],
  ])("puts %s on the Oslo date %s", (instant, expected) => {
    expect(osloDate(new Date(instant))).toBe(expected);
  });

  it("reads the Oslo date and offset as Intl does at any instant, clock-change hours included", () => {
    const intl = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Europe/Oslo",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      timeZoneName: "longOffset",
    });
    const expected = (ms: number) => {
      const parts = Object.fromEntries(intl.formatToParts(ms).map((part) => [part.type, part.value]));
      const zone = /GMT([+-])(\d{2}):(\d{2})/.exec(parts.timeZoneName ?? "");
      const offset = zone
        ? (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) * 60_000
        : 0;
      return { date: `${parts.year}-${parts.month}-${parts.day}`, offset };
    };
    // Any instant, and instants within minutes of the 01:00 UTC clock changes (last Sundays of March and October).
    const anyInstant = fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2150, 0, 1) });
    const nearChange = fc
      .record({
        year: fc.integer({ min: 1981, max: 2150 }),
        month: fc.constantFrom(2, 9),
        jitter: fc.integer({ min: -3_600_000, max: 3_600_000 }),
      })
      .map(({ year, month, jitter }) => {
        const lastDay = new Date(Date.UTC(year, month + 1, 0));
        const lastSunday = lastDay.getUTCDate() - lastDay.getUTCDay();
        return Date.UTC(year, month, lastSunday, 1) + jitter;
      });
    fc.assert(
      fc.property(fc.oneof(anyInstant, nearChange), (ms) => {
        const { date, offset } = expected(ms);
        expect(osloDate(new Date(ms))).toBe(date);
        expect(osloOffsetMs(new Date(ms))).toBe(offset);
      }),
      { numRuns: 2000 },
    );
  });

  it("finds Oslo midnight on the spring-forward day (a 23-hour day)", () => {
    expect(osloStartOfDay("2025-03-30").toISOString()).toBe("2025-03-29T23:00:00.000Z");
    expect(osloEndOfDay("2025-03-30").toISOString()).toBe("2025-03-30T21:59:59.999Z");
  });

  it("finds Oslo midnight on the fall-back day (a 25-hour day)", () => {
    expect(osloStartOfDay("2025-10-26").toISOString()).toBe("2025-10-25T22:00:00.000Z");
    expect(osloEndOfDay("2025-10-26").toISOString()).toBe("2025-10-26T22:59:59.999Z");
  });

  it("brackets every Oslo date exactly: start and end map back to the date, their neighbours do not", () => {
    fc.assert(
      fc.property(
        fc
          .date({
            min: new Date("1980-01-01T00:00:00Z"),
            max: new Date("2100-12-31T00:00:00Z"),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString().slice(0, 10)),
        (date) => {
          const start = osloStartOfDay(date).getTime();
          const end = osloEndOfDay(date).getTime();
          expect(osloDate(new Date(start))).toBe(date);
          expect(osloDate(new Date(end))).toBe(date);
          expect(osloDate(new Date(start - 1))).not.toBe(date);
          expect(osloDate(new Date(end + 1))).not.toBe(date);
          expect([23, 24, 25]).toContain((end + 1 - start) / 3_600_000);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("rejects an invalid Date", () => {
    expect(() => osloDate(new Date("nonsense"))).toThrow(RangeError);
    expect(() => osloOffsetMs(new Date("nonsense"))).toThrow(RangeError);
  });

  it("gives Oslo's offset from UTC: one hour in winter, two in summer", () => {
    // Prepare / Act / Assess
    expect(osloOffsetMs(new Date("2026-01-15T12:00:00Z"))).toBe(3_600_000);
    expect(osloOffsetMs(new Date("2026-07-15T12:00:00.500Z"))).toBe(7_200_000);
    expect(osloOffsetMs(new Date("2026-03-29T00:59:59Z"))).toBe(3_600_000);
    expect(osloOffsetMs(new Date("2026-03-29T01:00:00Z"))).toBe(7_200_000);
  });

  it("turns an Oslo wall-clock time into the instant, in the offset in force that day", () => {
    // Prepare / Act / Assess
    expect(osloInstant("2026-11-24", 12, 0).toISOString()).toBe("2026-11-24T11:00:00.000Z");
    expect(osloInstant("2026-06-02", 12, 0).toISOString()).toBe("2026-06-02T10:00:00.000Z");
  });

  it("moves a wall-clock time in the spring gap forward and takes the earlier instant in the autumn overlap", () => {
    // Prepare / Act / Assess
    expect(osloInstant("2026-03-29", 2, 30).toISOString()).toBe("2026-03-29T01:30:00.000Z"); // 03:30 summer time
    expect(osloInstant("2026-10-25", 2, 30).toISOString()).toBe("2026-10-25T00:30:00.000Z"); // the first 02:30
  });

  it("rejects a bad date or time of day for a wall-clock time", () => {
    expect(() => osloInstant("2026-02-30", 12, 0)).toThrow(RangeError);
    expect(() => osloInstant("2026-02-03", 24, 0)).toThrow(RangeError);
    expect(() => osloInstant("2026-02-03", 12, 60)).toThrow(RangeError);
    expect(() => osloInstant("2026-02-03", 1.5, 0)).toThrow(RangeError);
  });
});

describe("the legal clock", () => {
  it("counts from the Oslo date when a referral arrives in the last UTC hour of the year", () => {
    // Prepare: 23:30 UTC on 31 December is 00:30 on 1 January in Oslo, a holiday: day 0.
    const receivedAt = new Date("2025-12-31T23:30:00Z");

    // Act / Assess: Fri 2 Jan = 1, Mon 5 = 2, Tue 6 = 3, Wed 7 = 4, Thu 8 = 5, Fri 9 = 6, Mon 12 = 7,
    // Tue 13 = 8, Wed 14 = 9, Thu 15 = 10.
    expect(osloDate(receivedAt)).toBe("2026-01-01");
    expect(addWorkingDays("2026-01-01", 1)).toBe("2026-01-02");
    expect(assessmentDueDate(receivedAt)).toBe("2026-01-15");
    expect(reminderPoint(receivedAt).toISOString()).toBe("2026-01-12T23:00:00.000Z");
    expect(assessmentDeadline(receivedAt).toISOString()).toBe("2026-01-15T22:59:59.999Z");
  });

  it("uses the Oslo date, not the UTC date, for a late-evening receipt", () => {
    // Prepare: 2025-12-30T23:30Z is Wednesday 31 December 00:30 in Oslo. Counting from the UTC date
    // (Tuesday 30th) would make 31 Dec day 1 and give 14 January; from the Oslo date: Fri 2 Jan = 1 … Thu 15 = 10.
    const receivedAt = new Date("2025-12-30T23:30:00Z");

    // Act / Assess
    expect(assessmentDueDate(receivedAt)).toBe("2026-01-15");
  });

  it("starts counting on Monday for a referral received on a Saturday", () => {
    // Sat 14 June 2025 is day 0; Mon 16 = 1 … Fri 20 = 5, Mon 23 = 6 … Fri 27 = 10.
    const receivedAt = new Date("2025-06-14T10:00:00Z");

    expect(assessmentDueDate(receivedAt)).toBe("2025-06-27");
    expect(assessmentDueDate(receivedAt)).toBe(assessmentDueDate(new Date("2025-06-13T10:00:00Z")));
    expect(reminderPoint(receivedAt).toISOString()).toBe("2025-06-24T22:00:00.000Z");
  });

  it("handles a receipt in the night clocks go forward (2025-03-30)", () => {
    // 00:30 UTC is 01:30 CET, Sunday 30 March: day 0. Mon 31 = 1 … Fri 4 Apr = 5, Mon 7 = 6, Tue 8 = 7,
    // Wed 9 = 8, Thu 10 = 9, Fri 11 = 10. Both the reminder and the deadline are in summer time (UTC+2).
    const receivedAt = new Date("2025-03-30T00:30:00Z");

    expect(osloDate(receivedAt)).toBe("2025-03-30");
    expect(assessmentDueDate(receivedAt)).toBe("2025-04-11");
    expect(reminderPoint(receivedAt).toISOString()).toBe("2025-04-08T22:00:00.000Z");
    expect(assessmentDeadline(receivedAt).toISOString()).toBe("2025-04-11T21:59:59.999Z");
  });

  it("handles a receipt in the night clocks go back (2025-10-26)", () => {
    // 00:30 UTC is 02:30 CEST, Sunday 26 October: day 0. Mon 27 = 1 … Fri 31 = 5, Mon 3 Nov = 6,
    // Tue 4 = 7, Wed 5 = 8, Thu 6 = 9, Fri 7 = 10. Reminder and deadline are in winter time (UTC+1).
    const receivedAt = new Date("2025-10-26T00:30:00Z");

    expect(osloDate(receivedAt)).toBe("2025-10-26");
    expect(assessmentDueDate(receivedAt)).toBe("2025-11-07");
    expect(reminderPoint(receivedAt).toISOString()).toBe("2025-11-04T23:00:00.000Z");
    expect(assessmentDeadline(receivedAt).toISOString()).toBe("2025-11-07T22:59:59.999Z");
  });

  it("gives a referral received the Wednesday before Easter its due date after the Easter holidays", () => {
    // Prepare: Wednesday 2025-04-16 is day 0. Thu 17 (Skjærtorsdag), Fri 18 (Langfredag), the weekend
    // and Mon 21 (Andre påskedag) do not count. Tue 22 = 1, Wed 23 = 2, Thu 24 = 3, Fri 25 = 4,
    // Mon 28 = 5, Tue 29 = 6, Wed 30 = 7, Thu 1 May (holiday) skipped, Fri 2 May = 8, Mon 5 = 9, Tue 6 = 10.
    const receivedAt = new Date("2025-04-16T09:15:00Z");

    // Act
    const due = assessmentDueDate(receivedAt);

    // Assess
    expect(due).toBe("2025-05-06");
    expect(reminderPoint(receivedAt).toISOString()).toBe("2025-05-01T22:00:00.000Z"); // Oslo 00:00, 2 May
    expect(assessmentDeadline(receivedAt).toISOString()).toBe("2025-05-06T21:59:59.999Z");
    expect(workingDaysBetween("2025-04-16", due)).toBe(10);
  });

  it("counts Saturdays in a Mon-Sat configuration", () => {
    // Wed 16 April 2025 = day 0. Sat 19 = 1, Tue 22 = 2, Wed 23 = 3, Thu 24 = 4, Fri 25 = 5, Sat 26 = 6,
    // Mon 28 = 7, Tue 29 = 8, Wed 30 = 9, Fri 2 May = 10 (Thu 1 May is a holiday).
    const receivedAt = new Date("2025-04-16T09:15:00Z");

    expect(assessmentDueDate(receivedAt, MON_TO_SAT)).toBe("2025-05-02");
    expect(reminderPoint(receivedAt, MON_TO_SAT).toISOString()).toBe("2025-04-28T22:00:00.000Z");
  });

  it("lets callers choose the number of working days and the reminder day", () => {
    const receivedAt = new Date("2025-04-16T09:15:00Z");

    expect(assessmentDueDate(receivedAt, defaultCalendarRules, 5)).toBe("2025-04-28");
    expect(reminderPoint(receivedAt, defaultCalendarRules, 1).toISOString()).toBe("2025-04-21T22:00:00.000Z");
  });

  it("always puts the reminder before the deadline, and the deadline at the end of a working day", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("2020-01-01T00:00:00Z"),
          max: new Date("2035-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        (receivedAt) => {
          const deadline = assessmentDeadline(receivedAt);
          const due = assessmentDueDate(receivedAt);
          expect(reminderPoint(receivedAt).getTime()).toBeLessThan(deadline.getTime());
          expect(receivedAt.getTime()).toBeLessThan(deadline.getTime());
          expect(osloDate(deadline)).toBe(due);
          expect(osloDate(new Date(deadline.getTime() + 1))).not.toBe(due);
          expect(isWorkingDay(due)).toBe(true);
          expect(workingDaysBetween(osloDate(receivedAt), due)).toBe(10);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
