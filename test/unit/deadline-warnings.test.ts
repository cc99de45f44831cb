/** The start-of-care deadline's warnings: a day the clinic does not work, or the day after the decision. */
import { describe, expect, it } from "vitest";
import { defaultCalendarRules } from "../../functions/domain/calendar";
import { deadlineConfirmed, startOfCareDeadlineWarnings } from "../../functions/domain/deadline-warnings";

const MONDAY = "2026-03-02";

describe("the start-of-care deadline's warnings", () => {
  it("warns of a weekend, a public holiday by its name and a local closure, and of nothing on a working day", () => {
    const rules = { ...defaultCalendarRules, closures: ["2026-12-24"] };
    const message = (date: string) => startOfCareDeadlineWarnings(date, MONDAY, rules)[0]?.message;

    expect(message("2026-03-07")).toContain("er en lørdag, ikke en virkedag");
    expect(message("2026-03-08")).toContain("er en søndag, ikke en virkedag");
    expect(message("2026-04-03")).toContain("er langfredag, en helligdag");
    expect(message("2026-12-24")).toContain("er en dag klinikken har stengt");
    expect(startOfCareDeadlineWarnings("2026-04-07", MONDAY, rules)).toEqual([]);
  });

  it("takes a Saturday as a working day where the clinic counts it", () => {
    const rules = { workingWeekdays: [1, 2, 3, 4, 5, 6], closures: [] };
    expect(startOfCareDeadlineWarnings("2026-03-07", MONDAY, rules)).toEqual([]);
  });

  it("warns of the day after the decision, on its own or with a non-working day", () => {
    expect(startOfCareDeadlineWarnings("2026-03-03", MONDAY, defaultCalendarRules)).toEqual([
      { path: "startOfCareDeadline", message: expect.stringContaining("dagen etter vurderingen") },
    ]);
    expect(startOfCareDeadlineWarnings("2026-03-07", "2026-03-06", defaultCalendarRules)).toHaveLength(2);
  });

  it("takes a confirmation only of the date it names", () => {
    expect(deadlineConfirmed({ confirmStartOfCareDeadline: "2026-03-07" }, "2026-03-07")).toBe(true);
    expect(deadlineConfirmed({ confirmStartOfCareDeadline: "2026-03-08" }, "2026-03-07")).toBe(false);
    expect(deadlineConfirmed({ confirmStartOfCareDeadline: "on" }, "2026-03-07")).toBe(false);
    expect(deadlineConfirmed({}, "2026-03-07")).toBe(false);
  });
});
