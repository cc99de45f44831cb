/**
 * Helsedirektoratet's priority guide (prioriteringsveileder) as decision support: for each condition
 * it names, the advised right (rett til nødvendig helsehjelp or not) and the guiding maximum time to
 * the start of care, with the individual factors that may change either. The guide advises; the
 * assessor decides for the patient in front of them (the guideline asks for exactly that room), so a
 * decision that differs from the suggestion carries the assessor's reason.
 *
 * The table is data beside the code (priority-guide.data.json), versioned and with its source, so a
 * clinic updates it when Helsedirektoratet does; a clinic's own table (cdk.json `frist:priorityGuide`)
 * is compiled into the bundles in its place. It holds only conditions whose values were read from a
 * source, each with that source: see {@link DEFAULT_PRIORITY_GUIDE}.
 */
import * as z from "zod";
import { type CalendarRules, type IsoDate, isWorkingDay } from "./calendar";
import { addDays } from "./decision-labels";
import shippedTable from "./priority-guide.data.json";
import { isMeaningfulReason, tooShortReasonMessage } from "./reason-text";
import { builtOnFirstUse, formatIssues } from "./validation";

const text = (max: number) => z.string().trim().min(1).max(max);
const isoDate = z.iso.date("a date as YYYY-MM-DD");

/**
 * A condition's id: lower-case letters, digits and hyphens. It is what a referral's `condition`
 * names and what the statistics count by, so it is kept short and safe in a counter name.
 */
export const CONDITION_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** The guide's advice on the right: granted (with a guiding deadline) or not. */
export const ADVISED_RIGHTS = ["granted", "refused"] as const;
export type AdvisedRight = (typeof ADVISED_RIGHTS)[number];

const sourceSchema = z.object({
  /** Where the values were read (the guide's page for the condition). */
  url: z.url(),
  /** The guide's version or last professional change as its page gives it (YYYY-MM-DD). */
  date: isoDate,
});

/** One condition of the guide. */
export const guideConditionSchema = z
  .object({
    id: z.string().regex(CONDITION_ID, "lower-case letters, digits and hyphens (at most 40)"),
    /** The condition's name as the guide gives it (Norwegian). */
    name: text(300),
    /** The guide it comes from, when not the table's own (a condition from another priority guide). */
    guide: text(200).optional(),
    advisedRight: z.enum(ADVISED_RIGHTS),
    /** The guiding maximum weeks to the start of care (veiledende frist); only with a right. */
    maxWeeksToStart: z.number().int().min(1).max(104).optional(),
    /** What the deadline is for: start of assessment (utredning) or of treatment (behandling). */
    startOf: z.enum(["assessment", "treatment"]).optional(),
    /**
     * The guide's individual factors that may change the right or shorten the deadline for one
     * patient (for example age under 23, care for children): shown to the assessor as they read.
     */
    factors: z.array(text(200)).max(30).default([]),
    source: sourceSchema,
  })
  .superRefine((condition, ctx) => {
    if (condition.advisedRight === "granted" && condition.maxWeeksToStart === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["maxWeeksToStart"],
        message: "a condition advised a right needs the guide's maximum weeks to the start of care",
      });
    }
    if (condition.advisedRight === "refused" && condition.maxWeeksToStart !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["maxWeeksToStart"],
        message: "a condition advised no right has no deadline",
      });
    }
  });

export type GuideCondition = z.output<typeof guideConditionSchema>;

/** The table: its title, version and source, and its conditions (ids unique). */
export const priorityGuideSchema = z
  .object({
    title: text(200),
    /** The guide's version as the clinic took it (the date it was published or last changed). */
    version: isoDate,
    source: z.url(),
    /** When the clinic last checked the table against the guide. */
    checkedOn: isoDate,
    conditions: z.array(guideConditionSchema).max(200),
  })
  .superRefine((guide, ctx) => {
    const seen = new Set<string>();
    guide.conditions.forEach((condition, index) => {
      if (seen.has(condition.id)) {
        ctx.addIssue({ code: "custom", path: ["conditions", index, "id"], message: "appears twice" });
      }
      seen.add(condition.id);
    });
  });

export type PriorityGuide = z.output<typeof priorityGuideSchema>;
export type PriorityGuideInput = z.input<typeof priorityGuideSchema>;

/**
 * The shipped table (priority-guide.data.json, versioned with the code and bundled into each function
 * that reads the clinic configuration): only what was read from a source, with that source.
 * Helsedirektoratet's guide for pain conditions ("Prioriteringsveileder – smertetilstander", revised
 * guides in use from 1 November 2015) names five complex pain conditions advised a right and
 * conditions advised none; of these, only the one in the table could be read with its values when it
 * was written. Facial pain (ansiktssmerter) is from the guide for oral and maxillofacial surgery, as
 * its source says. A clinic with its own table sets `frist:priorityGuide`, which the CDK app compiles
 * into the bundles instead (lib/constructs/bundle-defines.ts): never into the functions' environment,
 * which Lambda caps at 4 KB.
 */
export const DEFAULT_PRIORITY_GUIDE: PriorityGuideInput = shippedTable as PriorityGuideInput;

/**
 * Parses a priority guide table. Throws one Error naming every field at fault (paths, not values), so
 * a bad table fails a function's init as a bad CLINIC_CONFIG does, saying what to fix.
 */
export function parsePriorityGuide(raw: unknown): PriorityGuide {
  // Parsed once per container, at cold start (see parseClinicConfig on jitless).
  const result = priorityGuideSchema.safeParse(raw, { jitless: true });
  if (!result.success) {
    const problems = formatIssues(result.error)
      .map((issue) => `${issue.path || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new Error(`Priority guide is invalid: ${problems}`);
  }
  return result.data;
}

/** The condition with this id, if the table has it. */
export function conditionById(
  guide: Pick<PriorityGuide, "conditions">,
  id: string | undefined,
): GuideCondition | undefined {
  return id === undefined ? undefined : guide.conditions.find((condition) => condition.id === id);
}

/** What the guide suggests for one referral on the day of its decision. */
export interface GuideSuggestion {
  conditionId: string;
  advisedRight: AdvisedRight;
  /** With a right: the latest start of care the guide allows, a working day (see {@link latestStartOfCare}). */
  latestStart?: IsoDate;
}

/**
 * 200 of POST /tasks/{taskId}/decision with JSON `{"outcome": "guide-suggestion", "condition"}`:
 * the guide's suggestion for the condition on today's date; nothing is recorded. Documents the
 * API (GET /openapi.json); built on first use, as no handler parses with it.
 */
export const guideSuggestionAnswerSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    condition: z.string().describe("The condition's code in the clinic's priority guide."),
    suggestion: z.object({
      conditionId: z.string(),
      advisedRight: z.enum(ADVISED_RIGHTS),
      latestStart: z.iso
        .date()
        .optional()
        .describe("With a right: the latest start of care the guide allows, a working day."),
    }),
  }),
);

/**
 * The latest start of care for a guiding deadline of `weeks`, counted from the decision day: the
 * day `weeks` weeks later, or, when that is not a working day on the clinic's calendar, the working
 * day before it (a deadline on a Sunday or a holiday is most often a slip, deadline-warnings.ts). It
 * is never after the guide's maximum, never on a non-working day and never on or before the decision
 * day; only when no working day lies between the two does it move forward to the next one.
 */
export function latestStartOfCare(decidedOn: IsoDate, weeks: number, rules: CalendarRules): IsoDate {
  const target = addDays(decidedOn, weeks * 7);
  for (let day = target; day > decidedOn; day = addDays(day, -1)) {
    if (isWorkingDay(day, rules)) return day;
  }
  let day = addDays(target, 1);
  while (!isWorkingDay(day, rules)) day = addDays(day, 1);
  return day;
}

/** The guide's suggestion for `condition` decided on `decidedOn`. */
export function suggestionFor(
  condition: GuideCondition,
  decidedOn: IsoDate,
  rules: CalendarRules,
): GuideSuggestion {
  return condition.advisedRight === "granted" && condition.maxWeeksToStart !== undefined
    ? {
        conditionId: condition.id,
        advisedRight: "granted",
        latestStart: latestStartOfCare(decidedOn, condition.maxWeeksToStart, rules),
      }
    : { conditionId: condition.id, advisedRight: "refused" };
}

/**
 * Whether a decision departs from the suggestion: another right, or a granted right with another
 * deadline than the suggested latest start (earlier or later: either is the assessor's individual
 * assessment, and the guideline asks that it be said). A forward is neither right, so it is not
 * counted as a departure.
 */
export function deviatesFromSuggestion(
  suggestion: GuideSuggestion,
  decision: { outcome: string; startOfCareDeadline?: IsoDate },
): boolean {
  if (decision.outcome === "forwarded") return false;
  if (decision.outcome !== suggestion.advisedRight) return true;
  return decision.outcome === "granted" && decision.startOfCareDeadline !== suggestion.latestStart;
}

/** The form and JSON fields of a decision that name the condition and the reason for departing. */
export const CONDITION_FIELD = "condition";
export const DEVIATION_REASON_FIELD = "deviationReason";
/** The `outcome` of the task page's condition picker: asks for the suggestion, records nothing. */
export const GUIDE_SUGGESTION_OUTCOME = "guide-suggestion";

/**
 * The condition an assessor picked: by its id, or by its name as the page's searchable list shows
 * it (case and surrounding space ignored), so a typed name finds it as well as a chosen id.
 */
export function findCondition(
  guide: Pick<PriorityGuide, "conditions">,
  value: string,
): GuideCondition | undefined {
  const wanted = value.trim().toLowerCase();
  if (wanted === "") return undefined;
  return guide.conditions.find(
    (condition) => condition.id === wanted || condition.name.trim().toLowerCase() === wanted,
  );
}

/**
 * What a decision records of the guide: the condition, the guide's version, what the guide
 * suggested on the decision day, whether the decision departs from it, and the assessor's reason
 * when it does. The reason may be clinical: it stays in the decision, never in an audit event.
 */
export interface DecisionGuide {
  conditionId: string;
  conditionName: string;
  guideVersion: IsoDate;
  suggestion: { advisedRight: AdvisedRight; latestStart?: IsoDate };
  deviates: boolean;
  deviationReason?: string;
}

/** Control and bidirectional override characters (as the other free-text reasons refuse them). */
const FORBIDDEN_TEXT = /(?![\t\n\r])\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u;

/**
 * Reads the decision's `condition` and `deviationReason` against the clinic's guide, the decision
 * day and the calendar. No condition: nothing to record. An unknown one, or a decision that departs
 * from the suggestion without a meaningful reason (reason-text.ts), is refused with the field named;
 * the suggestion is computed here, never taken from the body.
 */
export function decisionGuideOf(
  body: unknown,
  decision: { outcome: string; startOfCareDeadline?: IsoDate },
  guide: PriorityGuide,
  decidedOn: IsoDate,
  rules: CalendarRules,
): { ok: true; guide?: DecisionGuide } | { ok: false; issues: { path: string; message: string }[] } {
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const picked = fields[CONDITION_FIELD];
  if (picked === undefined || picked === null || (typeof picked === "string" && picked.trim() === "")) {
    return { ok: true };
  }
  const condition = typeof picked === "string" ? findCondition(guide, picked) : undefined;
  if (!condition) {
    return {
      ok: false,
      issues: [{ path: CONDITION_FIELD, message: "Velg en tilstand fra prioriteringsveilederens liste" }],
    };
  }
  const suggestion = suggestionFor(condition, decidedOn, rules);
  const deviates = deviatesFromSuggestion(suggestion, decision);
  const rawReason = fields[DEVIATION_REASON_FIELD];
  const reason = typeof rawReason === "string" ? rawReason.trim().normalize("NFC") : "";
  const record: DecisionGuide = {
    conditionId: condition.id,
    conditionName: condition.name,
    guideVersion: guide.version,
    suggestion: {
      advisedRight: suggestion.advisedRight,
      ...(suggestion.latestStart ? { latestStart: suggestion.latestStart } : {}),
    },
    deviates,
  };
  if (!deviates) return { ok: true, guide: record };
  if (reason.length > 2000 || FORBIDDEN_TEXT.test(reason) || !reason.isWellFormed()) {
    return {
      ok: false,
      issues: [{ path: DEVIATION_REASON_FIELD, message: "Begrunnelsen er for lang eller har ugyldige tegn" }],
    };
  }
  if (!isMeaningfulReason(reason)) {
    const suggested =
      suggestion.advisedRight === "granted"
        ? `rett til nødvendig helsehjelp med frist senest ${suggestion.latestStart}`
        : "ikke rett til nødvendig helsehjelp i spesialisthelsetjenesten";
    return {
      ok: false,
      issues: [
        {
          path: DEVIATION_REASON_FIELD,
          message: `Prioriteringsveilederen foreslår ${suggested} for «${condition.name}». Du har valgt noe annet: skriv hvorfor (individuell vurdering). ${tooShortReasonMessage("Begrunnelsen for avviket")}.`,
        },
      ],
    };
  }
  return { ok: true, guide: { ...record, deviationReason: reason } };
}
