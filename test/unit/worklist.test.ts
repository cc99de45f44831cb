/**
 * The worklist's pure core: working days left under the clinic's calendar, the line it shows per
 * referral (and nothing more), and the query parameters it accepts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addWorkingDays, type CalendarRules, defaultCalendarRules } from "../../functions/domain/calendar";
import { workingDaysLeft } from "../../functions/domain/legal-clock";
import {
  parseWorklistQuery,
  readWorklist,
  type Worklist,
  type WorklistRow,
  worklistItem,
} from "../../functions/domain/worklist";

const monToSat: CalendarRules = { workingWeekdays: [1, 2, 3, 4, 5, 6], closures: [] };

const row = (overrides: Partial<WorklistRow> = {}): WorklistRow => ({
  referralId: "r-1",
  status: "awaiting-assessment",
  kind: "new",
  priority: "ordinary",
  receivedAt: "2025-04-16T08:00:00.000Z",
  assessmentDueDate: "2025-05-06",
  deadlineBreached: false,
  ...overrides,
});

describe("working days left", () => {
  it.each([
    ["on the due date itself", "2025-03-14", "2025-03-14", 0],
    ["the working day before", "2025-03-13", "2025-03-14", 1],
    ["over a weekend, Friday to Monday", "2025-03-07", "2025-03-10", 1],
    ["on a Saturday before a Monday due date", "2025-03-08", "2025-03-10", 1],
    ["from receipt over Easter 2025 (Wednesday 16 April to 6 May)", "2025-04-16", "2025-05-06", 10],
    ["the working day after the due date", "2025-03-11", "2025-03-10", -1],
    ["the Saturday after a Friday due date", "2025-03-08", "2025-03-07", -1],
    ["the Monday after a Friday due date", "2025-03-10", "2025-03-07", -1],
    ["a week after the due date", "2025-03-14", "2025-03-07", -5],
  ])("counts %s", (_what, today, due, expected) => {
    expect(workingDaysLeft(today, due, defaultCalendarRules)).toBe(expected);
  });

  it("follows the clinic's calendar: Saturdays count when the clinic works them", () => {
    expect(workingDaysLeft("2025-03-07", "2025-03-10", defaultCalendarRules)).toBe(1);
    expect(workingDaysLeft("2025-03-07", "2025-03-10", monToSat)).toBe(2);
  });

  it("skips the clinic's local closures", () => {
    const closedOnWednesday: CalendarRules = { workingWeekdays: [1, 2, 3, 4, 5], closures: ["2025-03-12"] };

    expect(workingDaysLeft("2025-03-10", "2025-03-14", defaultCalendarRules)).toBe(4);
    expect(workingDaysLeft("2025-03-10", "2025-03-14", closedOnWednesday)).toBe(3);
  });

  it("is n exactly n working days before the due date, for any day and n", () => {
    const day = fc
      .integer({ min: 0, max: 365 * 30 })
      .map((offset) => new Date(Date.UTC(2000, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 40 }), fc.boolean(), (today, n, saturdays) => {
        const rules = saturdays ? monToSat : defaultCalendarRules;
        expect(workingDaysLeft(today, addWorkingDays(today, n, rules), rules)).toBe(n);
      }),
    );
  });

  it("is negative on every day after the due date", () => {
    const day = fc
      .integer({ min: 0, max: 365 * 30 })
      .map((offset) => new Date(Date.UTC(2000, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 60 }), (due, later) => {
        const today = new Date(Date.parse(`${due}T00:00:00Z`) + later * 86_400_000)
          .toISOString()
          .slice(0, 10);
        expect(workingDaysLeft(today, due, defaultCalendarRules)).toBeLessThan(0);
      }),
    );
  });
});

describe("a worklist line", () => {
  it("carries the referral's clock and flags and drops anything else the store sent", () => {
    // Prepare
    const withPatient = {
      ...row({ atRisk: true, deadlineBreached: true }),
      submission: { patient: { name: "Kari Nordmann" } },
      pk: "REFERRAL#r-1",
    } as WorklistRow;

    // Act
    const item = worklistItem(withPatient, "2025-05-07", defaultCalendarRules);

    // Assess
    expect(item).toEqual({
      referralId: "r-1",
      status: "awaiting-assessment",
      kind: "new",
      priority: "ordinary",
      receivedAt: "2025-04-16T08:00:00.000Z",
      assessmentDueDate: "2025-05-06",
      workingDaysLeft: -1,
      deadlineBreached: true,
      atRisk: true,
    });
  });

  it("reads a missing breach flag as not breached and leaves atRisk out when the item has none", () => {
    const { deadlineBreached: _omitted, ...unflagged } = row();

    const item = worklistItem(unflagged, "2025-04-16", defaultCalendarRules);

    expect(item.deadlineBreached).toBe(false);
    expect(item).not.toHaveProperty("atRisk");
  });

  it("counts from today's date in Oslo, asks for the calling portal's lines and passes the store's cursor on", async () => {
    // Prepare: 22:30 UTC on 5 May 2025 is already 6 May in Oslo (summer time).
    const asked: string[] = [];
    const worklist: Worklist = {
      page: async (_query, portal) => {
        asked.push(String(portal));
        return { rows: [row()], nextCursor: "abc" };
      },
    };

    // Act
    const page = await readWorklist(
      { worklist, rules: defaultCalendarRules },
      { status: "awaiting-assessment", limit: 50 },
      "arn:aws:iam::123456789012:user/portal-a",
      new Date("2025-05-05T22:30:00Z"),
    );

    // Assess
    expect(asked).toEqual(["arn:aws:iam::123456789012:user/portal-a"]);
    expect(page.asOf).toBe("2025-05-06");
    expect(page.items[0]?.workingDaysLeft).toBe(0);
    expect(page.nextCursor).toBe("abc");
  });
});

describe("the worklist query", () => {
  it("defaults to the referrals awaiting assessment, 50 at a time", () => {
    expect(parseWorklistQuery(null)).toEqual({
      ok: true,
      value: { status: "awaiting-assessment", limit: 50 },
    });
  });

  it("accepts every referral status, a due-before date and a limit up to 200, and ignores unknown parameters", () => {
    for (const status of ["received", "awaiting-assessment", "decided", "closed", "failed"]) {
      expect(parseWorklistQuery({ status }).ok, status).toBe(true);
    }
    expect(parseWorklistQuery({ dueBefore: "2025-05-06", limit: "200", sort: "x" })).toEqual({
      ok: true,
      value: { status: "awaiting-assessment", dueBefore: "2025-05-06", limit: 200 },
    });
  });

  it("names each bad parameter with a message that says the rule", () => {
    const result = parseWorklistQuery({ status: "open", dueBefore: "2025-13-01", limit: "500" });

    expect(result).toEqual({
      ok: false,
      issues: [
        { path: "status", message: expect.stringContaining('"awaiting-assessment"') },
        { path: "dueBefore", message: "must be a date (YYYY-MM-DD)" },
        { path: "limit", message: "must be a whole number from 1 to 200" },
      ],
    });
  });
});
