import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatMeetingTime,
  formatNorwegianDate,
  formatNorwegianWeekdayDate,
} from "../../functions/views/norwegian-time";

const WEEKDAYS = ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"];

describe("Norwegian dates and times", () => {
  it("writes a meeting's Oslo time with its weekday, as Norwegians write it", () => {
    expect(formatMeetingTime("2025-03-04T12:00")).toBe("tirsdag 4. mars 2025 kl. 12.00");
    expect(formatMeetingTime("2026-11-29T08:30")).toBe("søndag 29. november 2026 kl. 08.30");
  });

  it("names the weekday the calendar has for every date", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2200-12-31"), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          expect(formatNorwegianWeekdayDate(iso)).toBe(
            `${WEEKDAYS[d.getUTCDay()]} ${formatNorwegianDate(iso)}`,
          );
        },
      ),
    );
  });

  it("refuses what is not an Oslo minute", () => {
    expect(() => formatMeetingTime("2025-03-04T24:00")).toThrow(RangeError);
    expect(() => formatMeetingTime("2025-03-04 12:00")).toThrow(RangeError);
  });
});

describe("one home for rendering", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? sources(join(dir, entry.name))
        : entry.name.endsWith(".ts")
          ? [join(dir, entry.name)]
          : [],
    );

  it("sets up Handlebars in one module only, outside the domain; the one HTML escape only borrows its escape", () => {
    const importers = [...sources("functions"), ...sources("lib"), ...sources("bin")].filter((file) =>
      /from "handlebars"/.test(readFileSync(file, "utf8")),
    );
    const escapeModule = join("functions", "views", "escape-html.ts");
    expect(importers.sort()).toEqual([join("functions", "views", "engine.ts"), escapeModule]);
    expect(readFileSync(escapeModule, "utf8")).not.toMatch(
      /\.(create|compile|precompile|registerHelper|registerPartial)\(/,
    );
  });
});
