/**
 * The clinic's configuration (CLINIC_CONFIG): who the clinic is, as its letters present it, and who
 * sits on the multidisciplinary intake team that assesses referrals.
 */
import * as z from "zod";
import type { CalendarRules } from "./calendar";
import { intakePlanningConfigSchema } from "./intake-planning";
import { DEFAULT_PRIORITY_GUIDE, type PriorityGuide, parsePriorityGuide } from "./priority-guide";
import { formatIssues } from "./validation";

const text = (max: number) => z.string().trim().min(1).max(max);

/** The professions of a tverrfaglig inntaksteam (lege, psykolog, fysioterapeut, sykepleier). */
export const INTAKE_ROLES = ["physician", "psychologist", "physiotherapist", "nurse"] as const;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD");

/** A HER-id: the number Adresseregisteret (Norsk Helsenett) gives an organisation or communication party. */
const herId = z
  .string()
  .trim()
  .regex(/^\d{1,9}$/, "a HER-id (1 to 9 digits)");

/**
 * The clinic's rules for the legal clock. The law does not define virkedag, so the working weekdays
 * are the clinic's to set (Mon–Fri by default; Mon–Sat as holiday law counts), with local closures on
 * top of the public holidays. Urgent referrals ("haster": suspicion of serious or life-threatening
 * illness, which gives a right to a faster assessment, pbrl § 2-2 first paragraph, third sentence)
 * get the clinic's shorter target for that assessment: the law says "faster", the clinic says how fast.
 */
export const legalClockConfigSchema = z.object({
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  workingWeekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
  closures: z.array(isoDate).default([]),
  /** Assessors are reminded at the start of this working day (of 10). */
  reminderWorkingDay: z.number().int().min(1).max(10).default(8),
  /**
   * The clinic's target for the faster assessment of urgent referrals (pbrl § 2-2 first paragraph,
   * third sentence), in working days: fewer than the 10 every referral gets.
   */
  urgentTargetWorkingDays: z.number().int().min(1).max(9).default(5),
  /** Assessors of an urgent referral are reminded at the start of this working day. */
  urgentReminderWorkingDay: z.number().int().min(1).max(10).default(3),
  /**
   * A secondary referral waits for staff to confirm it concerns the already assessed condition until
   * the start of this working day; unconfirmed then, it is assessed as a new referral, with the rest
   * of the 10 working days.
   */
  secondaryConfirmationWorkingDay: z.number().int().min(1).max(9).default(2),
});

export type LegalClockConfig = z.infer<typeof legalClockConfigSchema>;

/** The calendar rules of a clinic's legal clock. */
export function calendarRulesOf(clock: LegalClockConfig): CalendarRules {
  return { workingWeekdays: clock.workingWeekdays, closures: clock.closures };
}

/**
 * The offices of the Statsforvalteren as they are called today (since 1 January 2024, when
 * "Statsforvalteren i Oslo og Viken" became "Statsforvalteren i Østfold, Buskerud, Oslo og
 * Akershus"). Complaints under pbrl § 7-2 go to the office of the clinic's county; a letter must name
 * an office that exists, so the configuration takes one of these names only.
 */
export const STATSFORVALTERE = [
  "Statsforvalteren i Agder",
  "Statsforvalteren i Innlandet",
  "Statsforvalteren i Møre og Romsdal",
  "Statsforvalteren i Nordland",
  "Statsforvalteren i Rogaland",
  "Statsforvalteren i Troms og Finnmark",
  "Statsforvalteren i Trøndelag",
  "Statsforvalteren i Vestfold og Telemark",
  "Statsforvalteren i Vestland",
  "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
] as const;

/** Former and mistaken names, with the office to use instead (said in the configuration error). */
const RENAMED_STATSFORVALTERE: Record<string, string> = {
  "Statsforvalteren i Oslo og Viken": "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
  "Statsforvalteren i Oslo og Akershus": "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
  "Fylkesmannen i Oslo og Viken": "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
};

const complaintsToSchema = z.string().superRefine((value, ctx) => {
  if ((STATSFORVALTERE as readonly string[]).includes(value)) return;
  const instead = RENAMED_STATSFORVALTERE[value.trim()];
  ctx.addIssue({
    code: "custom",
    message: instead
      ? `no such office today: use "${instead}"`
      : `must name a Statsforvalteren office as it is called today: ${STATSFORVALTERE.join("; ")}`,
  });
});

/** Helfo's general number: not the one for patients whose start of care was missed. */
const HELFO_GENERAL_LINE = "33528000";

const helfoPhoneSchema = z
  .string()
  .trim()
  .refine((value) => /^\d{8}$/.test(value.replace(/\s+/g, "")), "a Norwegian phone number of 8 digits")
  .refine(
    (value) => value.replace(/\s+/g, "") !== HELFO_GENERAL_LINE,
    "33 52 80 00 is Helfo's general line: give the Fristbruddtelefonen for patients, 23 32 70 03",
  );

/** A PO box is where letters go, not where patients come: "Postboks 4950 Nydalen", "Pb. 12". */
const PO_BOX = /\b(postboks|boks|pb\.?)\s*\d/i;

const clinicFields = z.object({
  name: text(200),
  department: text(200),
  /**
   * The clinic's HER-ids in Adresseregisteret: the organisation's, and its communication party's
   * (the service referrals are addressed to). A Henvisning message (POST /messages) must name both
   * as its receiver. Optional, in pairs: without them every message is rejected as not addressed
   * to the clinic (AppRec E21).
   */
  organisationHerId: herId.optional(),
  serviceHerId: herId.optional(),
  /** Where letters and complaints are sent (may be a PO box), as in the letterhead. */
  postalAddress: text(300),
  /** Where the patient comes ("hvor", pbrl § 2-2): a street address, never a PO box. */
  visitingAddress: text(300).refine(
    (value) => !PO_BOX.test(value),
    "must be a street address where patients come, not a PO box (that is postalAddress)",
  ),
  phone: text(50),
  email: z.email().max(254),
  /**
   * Who posts the letters of patients without email (the clerk): told with the lead when a patient's
   * copy still waits for post on the due date. Optional; the lead is told either way.
   */
  clerkEmail: z.email().max(254).optional(),
  /** The complaints body of the clinic's county (pbrl § 7-2), one of {@link STATSFORVALTERE}. */
  complaintsTo: complaintsToSchema.pipe(z.enum(STATSFORVALTERE)),
  /**
   * Helfo Pasientformidling, which finds the patient an offer after a missed start-of-care
   * deadline: how the letters tell the patient to reach it. The number is Helfo's
   * Fristbruddtelefonen for patients (23 32 70 03, weekdays 9.00–14.00), not Helfo's general line
   * (33 52 80 00), which the letters once gave: that one is refused, as is anything but 8 digits.
   */
  helfo: z
    .object({
      name: text(100).default("Helfo Pasientformidling"),
      phone: helfoPhoneSchema.default("23 32 70 03"),
      /** When the Fristbruddtelefonen answers, as the letters say it. */
      phoneHours: text(100).default("hverdager kl. 9.00–14.00"),
      web: text(100).default("helsenorge.no"),
    })
    .prefault({}),
});

/** The clinic (cdk.json `frist:clinic`): its fields, and its HER-ids in a pair. */
export const clinicSchema = clinicFields.superRefine((clinic, ctx) => {
  // One HER-id without the other addresses no one: refused at synthesis, not found at the first message.
  if (!clinic.organisationHerId !== !clinic.serviceHerId) {
    ctx.addIssue({
      code: "custom",
      path: [clinic.organisationHerId ? "serviceHerId" : "organisationHerId"],
      message: "give both HER-ids, the organisation's and the service's, or neither",
    });
  }
});

export const intakeTeamSchema = z
  .array(
    z.object({
      name: text(200),
      role: z.enum(INTAKE_ROLES),
      email: z.email().max(254),
      /** HPR-nummer, so a decision signed with it names this clinician in the letters. */
      hprNumber: z
        .string()
        .regex(/^\d{1,9}$/, "an HPR number (1 to 9 digits)")
        .optional(),
      lead: z.boolean().optional(),
    }),
  )
  .min(1, "the intake team needs at least one member");

/**
 * The clinic's bounds on a decision. A year catches a mistyped year without second-guessing the
 * clinician (guideline deadlines are weeks: 12, 26); young adults at risk of dropping out of school
 * or work should get a short deadline, so the task page suggests one of this many weeks.
 */
export const decisionConfigSchema = z.object({
  maxStartOfCareDeadlineDays: z.number().int().min(1).max(3650).default(365),
  youngAdultDeadlineWeeks: z.number().int().min(1).max(52).default(4),
  /** The clinic lead is reminded of a granted right not yet started this many working days before its deadline. */
  startOfCareReminderWorkingDays: z.number().int().min(1).max(60).default(10),
  /**
   * After a start-of-care deadline passes with no start recorded, the lead has this many working
   * days to confirm the breach or record the start; then the law's default (no start recorded) is
   * taken, the Helfo notice filed and the lead told. Short, because Helfo must hear promptly.
   */
  breachConfirmationWorkingDays: z.number().int().min(1).max(10).default(2),
});

export const clinicConfigSchema = z.object({
  clinic: clinicSchema,
  intakeTeam: intakeTeamSchema,
  // prefault, not default: the defaults inside each section must still apply to an empty object.
  legalClock: legalClockConfigSchema.prefault({}),
  intakePlanning: intakePlanningConfigSchema.prefault({}),
  decision: decisionConfigSchema.prefault({}),
});

/**
 * The clinic's configuration as the functions use it: CLINIC_CONFIG, and Helsedirektoratet's priority
 * guide as decision support on the task page (priority-guide.ts). The guide is not in CLINIC_CONFIG:
 * a table of 20 conditions would take the function past Lambda's 4 KB of environment, so it comes
 * with the code (the shipped data file, or the clinic's table compiled into the bundle).
 */
export type ClinicConfig = z.infer<typeof clinicConfigSchema> & { priorityGuide: PriorityGuide };
/** CLINIC_CONFIG as written (sections with defaults may be left out). */
export type ClinicConfigInput = z.input<typeof clinicConfigSchema>;
export type IntakeRole = (typeof INTAKE_ROLES)[number];

/**
 * Parses CLINIC_CONFIG, joined with the priority guide the function carries (by default the shipped
 * table; functions/adapters/priority-guide.ts gives the one compiled into the bundle). Throws one Error naming every problem, so a misconfigured deployment fails
 * at its first invocation with a message that says what to fix (config is not personal data, but
 * values are still left out: the path and the rule are enough).
 */
export function parseClinicConfig(
  json: string,
  priorityGuide: PriorityGuide = parsePriorityGuide(DEFAULT_PRIORITY_GUIDE),
): ClinicConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("Clinic configuration is not valid JSON");
  }
  // Parsed once per container, at cold start: zod's generated fast path for objects would cost more
  // to generate and compile than the one parse it speeds up.
  const result = clinicConfigSchema.safeParse(raw, { jitless: true });
  if (!result.success) {
    const problems = formatIssues(result.error)
      .map((issue) => `${issue.path || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new Error(`Clinic configuration is invalid: ${problems}`);
  }
  return { ...result.data, priorityGuide };
}
