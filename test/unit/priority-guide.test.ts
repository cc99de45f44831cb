import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { PRIORITY_GUIDE_DEFINE } from "../../functions/adapters/priority-guide";
import { type CalendarRules, defaultCalendarRules, isWorkingDay } from "../../functions/domain/calendar";
import { parseClinicConfig } from "../../functions/domain/clinic";
import {
  DEFAULT_PRIORITY_GUIDE,
  deviatesFromSuggestion,
  guideConditionSchema,
  latestStartOfCare,
  parsePriorityGuide,
  priorityGuideSchema,
  suggestionFor,
} from "../../functions/domain/priority-guide";
import { REPO_ROOT } from "../../lib/constructs/frist-function";
import { deploymentBuildOptions } from "../support/bundles";

/** Decision days in 2020–2035, built with Date so the test does not reuse the module's arithmetic. */
const decisionDayArb = fc
  .date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** Any non-empty set of working weekdays plus up to 30 closures in 2020–2037. */
const rulesArb: fc.Arbitrary<CalendarRules> = fc.record({
  workingWeekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
  closures: fc.array(
    fc
      .date({
        min: new Date("2020-01-01T00:00:00Z"),
        max: new Date("2037-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10)),
    { maxLength: 30 },
  ),
});

const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const guide = priorityGuideSchema.parse(DEFAULT_PRIORITY_GUIDE);

describe("the priority guide table", () => {
  it("parses every condition of the default table, each with its source and date", () => {
    expect(guide.conditions.length).toBeGreaterThan(0);
    for (const condition of DEFAULT_PRIORITY_GUIDE.conditions) {
      const parsed = guideConditionSchema.safeParse(condition);
      expect(parsed.success, condition.id).toBe(true);
      expect(parsed.data?.source.url).toMatch(/^https:\/\//);
      expect(parsed.data?.source.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it("is part of the clinic configuration, defaulting to the shipped table", () => {
    const config = parseClinicConfig(
      JSON.stringify({
        clinic: {
          name: "Smerteklinikken",
          department: "Tverrfaglig smerteklinikk",
          postalAddress: "Postboks 1, 0101 Oslo",
          visitingAddress: "Gata 1, 0101 Oslo",
          phone: "22 00 00 00",
          email: "klinikk@example.no",
          complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
        },
        intakeTeam: [{ name: "Lege", role: "physician", email: "lege@example.no" }],
      }),
    );
    expect(config.priorityGuide.conditions.map((c) => c.id)).toEqual(guide.conditions.map((c) => c.id));
  });

  it("refuses a condition advised a right without weeks, one advised none with weeks, and an id twice", () => {
    const source = { url: "https://example.no/veileder", date: "2024-01-01" };
    expect(
      guideConditionSchema.safeParse({ id: "a", name: "A", advisedRight: "granted", source }).error?.issues[0]
        ?.path,
    ).toEqual(["maxWeeksToStart"]);
    expect(
      guideConditionSchema.safeParse({
        id: "a",
        name: "A",
        advisedRight: "refused",
        maxWeeksToStart: 4,
        source,
      }).success,
    ).toBe(false);
    const twice = priorityGuideSchema.safeParse({
      ...DEFAULT_PRIORITY_GUIDE,
      conditions: [
        { id: "a", name: "A", advisedRight: "refused", source },
        { id: "a", name: "B", advisedRight: "refused", source },
      ],
    });
    expect(twice.error?.issues.map((issue) => issue.path)).toEqual([["conditions", 1, "id"]]);
  });

  it("refuses an id that cannot name a statistics counter", () => {
    const source = { url: "https://example.no/veileder", date: "2024-01-01" };
    for (const id of ["Ansikt", "a.b", "-a", "a b", ""]) {
      expect(
        guideConditionSchema.safeParse({ id, name: "A", advisedRight: "refused", source }).success,
        id,
      ).toBe(false);
    }
  });
});

describe("the suggested latest start of care", () => {
  it("is a working day after the decision day, never later than the guide's weeks, on any calendar", () => {
    fc.assert(
      fc.property(decisionDayArb, fc.integer({ min: 1, max: 104 }), rulesArb, (decidedOn, weeks, rules) => {
        const latest = latestStartOfCare(decidedOn, weeks, rules);
        expect(isWorkingDay(latest, rules)).toBe(true);
        expect(latest > decidedOn).toBe(true);
        // Later than the guide's maximum only when not one working day lies before it.
        if (latest > plusDays(decidedOn, weeks * 7)) {
          for (
            let day = plusDays(decidedOn, 1);
            day <= plusDays(decidedOn, weeks * 7);
            day = plusDays(day, 1)
          ) {
            expect(isWorkingDay(day, rules)).toBe(false);
          }
        }
      }),
    );
  });

  it("is the last working day on or before the guide's maximum (no working day skipped in between)", () => {
    fc.assert(
      fc.property(decisionDayArb, fc.integer({ min: 1, max: 104 }), rulesArb, (decidedOn, weeks, rules) => {
        const latest = latestStartOfCare(decidedOn, weeks, rules);
        const maximum = plusDays(decidedOn, weeks * 7);
        for (let day = plusDays(latest, 1); day <= maximum; day = plusDays(day, 1)) {
          expect(isWorkingDay(day, rules)).toBe(false);
        }
      }),
    );
  });

  it("suggests a working-day date for every condition of the table advised a right, counted from the decision day", () => {
    fc.assert(
      fc.property(decisionDayArb, (decidedOn) => {
        for (const condition of guide.conditions) {
          const suggestion = suggestionFor(condition, decidedOn, defaultCalendarRules);
          expect(suggestion.advisedRight).toBe(condition.advisedRight);
          if (condition.advisedRight === "refused") {
            expect(suggestion.latestStart).toBeUndefined();
            continue;
          }
          const latest = suggestion.latestStart ?? "";
          expect(isWorkingDay(latest, defaultCalendarRules)).toBe(true);
          expect(latest > decidedOn).toBe(true);
          expect(latest <= plusDays(decidedOn, (condition.maxWeeksToStart ?? 0) * 7)).toBe(true);
        }
      }),
    );
  });

  it("moves a maximum on a weekend or a holiday back to the working day before it", () => {
    // 2026-11-07 + 182 days = 2027-05-08, a Saturday: the Friday before is the latest start.
    expect(latestStartOfCare("2026-11-07", 26, defaultCalendarRules)).toBe("2027-05-07");
    // 2026-10-28 + 26 weeks = 2027-04-28 (a Wednesday, a working day): kept.
    expect(latestStartOfCare("2026-10-28", 26, defaultCalendarRules)).toBe("2027-04-28");
    // 2026-09-24 + 26 weeks = 2027-03-25, Maundy Thursday (Easter 2027 is 28 March): back to Wednesday.
    expect(latestStartOfCare("2026-09-24", 26, defaultCalendarRules)).toBe("2027-03-24");
  });
});

describe("a decision against the suggestion", () => {
  const granted = { conditionId: "x", advisedRight: "granted" as const, latestStart: "2027-04-28" };
  const refused = { conditionId: "y", advisedRight: "refused" as const };

  it("deviates with another right or another deadline, not with the suggested one or a forward", () => {
    expect(deviatesFromSuggestion(granted, { outcome: "granted", startOfCareDeadline: "2027-04-28" })).toBe(
      false,
    );
    expect(deviatesFromSuggestion(granted, { outcome: "granted", startOfCareDeadline: "2027-03-01" })).toBe(
      true,
    );
    expect(deviatesFromSuggestion(granted, { outcome: "refused" })).toBe(true);
    expect(deviatesFromSuggestion(refused, { outcome: "refused" })).toBe(false);
    expect(deviatesFromSuggestion(refused, { outcome: "granted", startOfCareDeadline: "2027-03-01" })).toBe(
      true,
    );
    expect(deviatesFromSuggestion(granted, { outcome: "forwarded" })).toBe(false);
  });
});

describe("the guide a function carries", () => {
  const clinicTable = {
    ...DEFAULT_PRIORITY_GUIDE,
    version: "2024-06-19",
    conditions: [
      {
        id: "klinikkens-egen",
        name: "Klinikkens egen tilstand",
        advisedRight: "granted",
        maxWeeksToStart: 12,
        source: { url: "https://example.no/veileder/klinikkens-egen", date: "2024-06-19" },
      },
    ],
  };

  it("refuses a bad table with an error that names the field, not its value", () => {
    const { source: _source, ...unsourced } = clinicTable.conditions[0] as Record<string, unknown>;
    expect(() => parsePriorityGuide({ ...clinicTable, conditions: [unsourced] })).toThrow(
      /^Priority guide is invalid: conditions\.0\.source: /,
    );
    expect(() => parsePriorityGuide({ ...clinicTable, version: "19.06.2024" })).toThrow(/version: /);
  });

  it("is the shipped data file when nothing was compiled in", async () => {
    vi.resetModules();
    const { bundledPriorityGuide } = await import("../../functions/adapters/priority-guide");
    expect(bundledPriorityGuide()).toEqual(guide);
  });

  it("is the clinic's table when the bundle was built with it, and a bad one fails the function's init", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "frist-guide-"));
    try {
      const bundle = async (table: unknown, name: string) => {
        const outfile = path.join(dir, `${name}.mjs`);
        await build({
          ...deploymentBuildOptions(false, { [PRIORITY_GUIDE_DEFINE]: table }),
          entryPoints: [path.join(REPO_ROOT, "functions/adapters/priority-guide.ts")],
          outfile,
        });
        return (await import(
          pathToFileURL(outfile).href
        )) as typeof import("../../functions/adapters/priority-guide");
      };
      const good = await bundle(clinicTable, "good");
      expect(good.bundledPriorityGuide().conditions.map((c) => c.id)).toEqual(["klinikkens-egen"]);
      expect(good.bundledPriorityGuide().version).toBe("2024-06-19");

      const bad = await bundle({ ...clinicTable, conditions: [{ id: "Ugyldig" }] }, "bad");
      expect(() => bad.bundledPriorityGuide()).toThrow(/^Priority guide is invalid: conditions\.0\.id: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
