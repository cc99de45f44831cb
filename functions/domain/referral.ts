/**
 * The referral as a portal submits it (POST /referrals, api.md), the 13 content items of the
 * guideline, and the shapes the API answers with. The zod schemas here are the one source of truth:
 * the handler validates with them and GET /openapi.json is generated from them.
 *
 * Unknown keys are stripped, not rejected: portals (EPJ systems) add fields of their own, and a
 * referral must not bounce because of a field we never read. Only what the schema names is stored.
 */
import * as z from "zod";
import { decisionSchema } from "./decision";
import { validateHprNumber, validateNationalId } from "./national-id";
import { CONDITION_ID } from "./priority-guide";
import { referralHeadlineSchema } from "./referral-headline";
import {
  CONTENT_ITEMS,
  type ContentItem,
  FLAGS,
  PRIORITIES,
  REFERRER_TYPES,
  type ReferralFlag,
} from "./referral-labels";
import { startOfCareViewSchema } from "./start-of-care-view";
import { builtOnFirstUse, compact, formatIssues, type Issue } from "./validation";

// The names and labels are in referral-labels.ts, without zod: a page that only shows them need not
// build the schemas below. Re-exported here for the modules that import them with the schemas.
export {
  CONTENT_ITEMS,
  type ContentItem,
  FLAGS,
  KIND_LABELS,
  PRIORITY_LABELS,
  REFERRAL_STATUSES,
  REFERRER_TYPES,
  type ReferralFlag,
  type ReferralStatus,
  type ReferrerType,
} from "./referral-labels";

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Limits: names and addresses are short; free text is generous but bounded (413 guards the body). */
export const LIMITS = { name: 200, shortText: 500, freeText: 20_000, diagnoses: 20 } as const;

/**
 * Characters no text of a referral may hold: C0/C1 controls other than tab, line feed and carriage
 * return, and the bidirectional embedding, override and isolate controls, which can make text read
 * differently on screen than it is stored ("Trojan Source").
 */
const FORBIDDEN_IN_TEXT = /(?![\t\n\r])\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u;
/** What a one-line text (a name, an address line) may not hold: any control or format character. */
const FORBIDDEN_IN_LINE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** A line must show something: at least one letter or digit (not only spaces, dots or invisible marks). */
const VISIBLE = /[\p{L}\p{N}]/u;

/**
 * Free text: NFC, with no lone surrogates (they cannot be stored as UTF-8) and no control or
 * bidirectional override characters. Messages name the rule, never the text.
 */
const safeText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((value) => value.isWellFormed(), { message: "must be valid Unicode text", abort: true })
    .refine((value) => !FORBIDDEN_IN_TEXT.test(value), {
      message: "must not contain control or bidirectional override characters",
      abort: true,
    })
    .transform((value) => value.normalize("NFC"));

/** Why a one-line text cannot be stored as it is, or undefined when it can. */
function lineProblem(value: string): string | undefined {
  if (!value.isWellFormed()) return "must be valid Unicode text";
  if (FORBIDDEN_IN_LINE.test(value)) {
    return "must not contain control, invisible or bidirectional formatting characters";
  }
  if (value !== "" && !VISIBLE.test(value)) return "must contain a letter or digit";
  return undefined;
}

/** A required one-line text (names, addresses): visible characters only, no control or format characters. */
const requiredText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max)
    .superRefine((value, ctx) => {
      const problem = lineProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((value) => value.normalize("NFC"));

/** A required free text (the reason): may span lines. */
const requiredFreeText = (max: number) =>
  safeText(max).refine((value) => VISIBLE.test(value), "must contain a letter or digit");

/** An optional trimmed free text where "" (and null, as some portals send) counts as absent. */
const optionalText = (max: number) =>
  safeText(max)
    .nullish()
    .transform((value) => (value ? value : undefined));

const optionalEmail = z
  .union([z.literal(""), z.email("must be an email address").max(254)])
  .nullish()
  .transform((value) => (value ? value : undefined));

const isoDate = z.iso.date("must be a date (YYYY-MM-DD)");

const nationalId = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const result = validateNationalId(value);
    // The reason describes the rule ("check digits do not match"), never the number itself.
    if (!result.ok) ctx.addIssue({ code: "custom", message: result.reason });
  })
  .describe("Fødselsnummer, D-nummer or H-nummer: 11 digits with valid check digits.");

const hprNumber = z
  .string()
  .trim()
  .refine(validateHprNumber, "must be an HPR number (1 to 9 digits)")
  .describe("HPR-nummer (Helsepersonellregisteret): up to 9 digits.");

// ---------------------------------------------------------------------------------------------
// The 13 content items

const contentItemKeys = CONTENT_ITEMS.map((item) => item.key) as [ContentItem, ...ContentItem[]];

const contentSchema = z
  .object(
    Object.fromEntries(contentItemKeys.map((key) => [key, optionalText(LIMITS.freeText)])) as Record<
      ContentItem,
      ReturnType<typeof optionalText>
    >,
  )
  .transform((content) => compact(content) as Partial<Record<ContentItem, string>>);

// ---------------------------------------------------------------------------------------------
// Flags, diagnoses, people

const flagKeys = FLAGS.map((flag) => flag.key) as [ReferralFlag, ...ReferralFlag[]];

const diagnosisSchema = z
  .object({
    system: z.enum(["ICD-10", "ICPC-2"]),
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$/, "must be a diagnosis code such as L18 or M79.7"),
    text: optionalText(LIMITS.shortText),
  })
  .transform(compact);

const patientSchema = z
  .object({
    nationalId,
    name: requiredText(LIMITS.name),
    email: optionalEmail,
    /**
     * The language the patient needs an interpreter for, when they do (optional; absent: no need
     * known). The task page shows it, and the patient's letter says an interpreter is booked.
     */
    interpreterLanguage: optionalText(100).describe(
      "Optional: the language the patient needs an interpreter for (e.g. 'arabisk', 'polsk').",
    ),
    /**
     * Optional: a phone number for Helfo's call after a missed start of care (Helfo phones the
     * patient to offer care elsewhere). Digits, spaces and a leading + only; "" counts as absent.
     */
    phone: z
      .union([
        z.literal(""),
        z
          .string()
          .trim()
          .regex(/^\+?[0-9][0-9 ]{6,18}[0-9]$/, "must be a phone number (digits, spaces, a leading +)"),
      ])
      .nullish()
      .transform((value) => (value ? value.replace(/\s+/g, " ") : undefined))
      .describe("Optional: the patient's phone number, for Helfo's call if the start of care is missed."),
    postalAddress: z
      .object({
        line1: requiredText(LIMITS.name),
        postalCode: z
          .string()
          .trim()
          .regex(/^\d{4}$/, "must be a Norwegian postal code (4 digits)"),
        city: requiredText(100),
      })
      .optional(),
  })
  .transform(compact);

const referrerSchema = z
  .object({
    /** Optional (added later; portals that do not send it are counted as "unspecified" in statistics). */
    type: z
      .enum(REFERRER_TYPES, { error: 'must be "primary-care" or "specialist"' })
      .optional()
      .describe("primary-care or specialist; used for statistics only."),
    hprNumber,
    name: requiredText(LIMITS.name),
    organisation: requiredText(LIMITS.name),
    /**
     * Where the referrer's notices go. Optional only beside a `herId`: a referral that came as a
     * Henvisning message (POST /messages) names the referrer's HER-id, not an email address, and the
     * referrer's letters then wait in the postal queue.
     */
    email: z.email("must be an email address").max(254).optional(),
    herId: z
      .string()
      .trim()
      .regex(/^\d{1,9}$/, "must be a HER-id (1 to 9 digits)")
      .optional()
      .describe(
        "Optional: the HER-id (Adresseregisteret) of the referrer's communication party, when the referral came as a Henvisning message; then `email` may be left out.",
      ),
  })
  .superRefine((referrer, ctx) => {
    if (!referrer.email && !referrer.herId)
      ctx.addIssue({ code: "custom", path: ["email"], message: "is required" });
  })
  // The rule above, as the OpenAPI document states it.
  .meta({ anyOf: [{ required: ["email"] }, { required: ["herId"] }] });

const gpSchema = z
  .object({
    hprNumber: z
      .union([z.literal(""), hprNumber])
      .nullish()
      .transform((value) => (value ? value : undefined)),
    name: requiredText(LIMITS.name),
    email: optionalEmail,
    herId: z
      .string()
      .trim()
      .regex(/^\d{1,9}$/, "must be a HER-id (1 to 9 digits)")
      .optional()
      .describe(
        "Optional: the HER-id (Adresseregisteret) of the GP as a communication party, which a referral that came as a Henvisning message may give; the GP then gets a copy of the Status på henvisning.",
      ),
  })
  .transform(compact);

// ---------------------------------------------------------------------------------------------
// The submission

const submissionBase = {
  priority: z
    .enum(PRIORITIES)
    .describe(
      "urgent: the referrer suspects serious or life-threatening illness, which gives the patient a right to a faster assessment than the 10 working days (pasient- og brukerrettighetsloven § 2-2 first paragraph, third sentence); the clinic assesses it within its own shorter target.",
    ),
  patient: patientSchema,
  referrer: referrerSchema,
  gp: gpSchema,
  diagnoses: z.array(diagnosisSchema).min(1, "at least one diagnosis is required").max(LIMITS.diagnoses),
  reason: requiredFreeText(LIMITS.freeText),
  content: contentSchema.optional().transform((content) => content ?? {}),
  flags: z
    .array(z.enum(flagKeys))
    .max(20)
    .optional()
    .transform((flags) => [...new Set(flags ?? [])]),
  condition: z
    .string()
    .regex(CONDITION_ID, "must be a condition id of the clinic's priority guide")
    .optional()
    .describe(
      "Optional: the condition of the clinic's priority guide (prioriteringsveileder) the portal proposes, by its id; the assessor may change it. An id the clinic's table does not hold is refused (400 naming `condition`).",
    ),
};

/**
 * POST /referrals. A discriminated union on `kind`, so code that reads a forwarded referral's
 * `originalReceivedDate` (the ansiennitetsdato) gets it typed as present.
 */
const submissionSchemaOf = (diagnoses: typeof submissionBase.diagnoses) =>
  z.discriminatedUnion(
    "kind",
    [
      z.object({ kind: z.literal("new"), ...submissionBase, diagnoses }),
      z.object({
        kind: z.literal("forwarded"),
        ...submissionBase,
        diagnoses,
        /** The ansiennitetsdato: first receipt anywhere in the specialist health service. */
        originalReceivedDate: isoDate,
        previousInstitution: requiredText(LIMITS.name),
      }),
      z.object({
        kind: z.literal("secondary"),
        ...submissionBase,
        diagnoses,
        /** The earlier rights assessment this internal referral builds on. */
        previousDecisionRef: requiredText(128),
      }),
    ],
    {
      error: (issue) =>
        issue.code === "invalid_union"
          ? 'must be one of "new", "forwarded", "secondary"'
          : "the body must be a JSON object",
    },
  );

export const referralSubmissionSchema = submissionSchemaOf(submissionBase.diagnoses);

/**
 * A Viderehenvisning's submission (a message another institution forwards): the same, but it may
 * come without a diagnosis, since the forwarding institution refers to the original referral (which
 * Norsk Helsenett's public samples attach), and refusing it would leave the patient with neither
 * clinic. Built on first use: only the message path asks for it.
 */
const forwardedMessageSubmissionSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  submissionSchemaOf(z.array(diagnosisSchema).max(LIMITS.diagnoses)),
);

/** Says "is required" for a missing field, where zod's default speaks of types. */
const requiredFieldMessage: z.core.$ZodErrorMap = (issue) =>
  issue.code === "invalid_type" && issue.input === undefined ? "is required" : undefined;

export type ReferralSubmission = z.output<typeof referralSubmissionSchema>;

/** Validates a parsed JSON body; `issues` are ready for the 400 answer. */
export function parseReferralSubmission(
  body: unknown,
  options: { diagnosesOptional?: boolean } = {},
): { ok: true; value: ReferralSubmission } | { ok: false; issues: Issue[] } {
  const schema = options.diagnosesOptional ? forwardedMessageSubmissionSchema() : referralSubmissionSchema;
  const result = schema.safeParse(body, { error: requiredFieldMessage });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

/** The content items the referral does not carry, in guideline order. */
export function missingContent(submission: Pick<ReferralSubmission, "content">): ContentItem[] {
  return contentItemKeys.filter((key) => !submission.content[key]);
}

// ---------------------------------------------------------------------------------------------
// What the API answers

// The answers' schemas document the API (GET /openapi.json); the handlers' answers are typed by them
// (`jsonAnswer` in functions/adapters/http.ts) and no handler parses with them, so they
// are built on first use, and a function that imports this module to validate a submission (or for
// anything else) never builds them.

/** 202 of POST /referrals. */
export const referralAcceptedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  referralHeadlineSchema()
    .pick({ referralId: true, status: true, receivedAt: true, assessmentDueDate: true })
    .extend({ status: z.literal("received"), missingContent: z.array(z.enum(contentItemKeys)) }),
);
export type ReferralAccepted = z.output<ReturnType<typeof referralAcceptedSchema>>;

/**
 * A referral as staff see it (GET /staff/referrals/{referralId} as JSON): the referral's headline,
 * state, letters and audit trail, no health text. Built on first use, like the answers above.
 */
export const referralViewSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  referralHeadlineSchema().extend({
    /** Present when the referral arrived with its reminder point already passed (an old forward). */
    atRisk: z.literal(true).optional(),
    missingContent: z.array(z.enum(contentItemKeys)).optional(),
    assignment: z
      .object({
        track: z.enum(["intake-meeting", "single-assessor"]),
        assessors: z.array(z.object({ name: z.string(), role: z.string() })),
        lead: z.string().optional(),
        /** The intake meeting holding the referral's seat, as its Oslo date and time ("2026-11-24T12:00"). */
        meetingId: z.string().optional(),
        startsAt: z.iso.datetime().optional(),
      })
      .optional(),
    decision: decisionSchema.and(z.object({ decidedAt: z.iso.datetime() })).optional(),
    failure: z.object({ error: z.string(), at: z.iso.datetime() }).optional(),
    /** A granted right: the start-of-care deadline, the planned start, the recorded start, and a fristbrudd. */
    startOfCare: startOfCareViewSchema().optional(),
    letters: z.array(
      z.object({
        letterKind: z.string(),
        recipientRole: z.enum(["referrer", "patient", "gp", "guardian"]),
        channel: z.enum(["email", "postal"]),
        status: z.enum(["sending", "sent", "awaiting-postal"]),
        subject: z.string(),
        sentAt: z.iso.datetime().optional(),
      }),
    ),
    tasks: z.array(
      z.object({
        state: z.enum(["open", "answered", "expired"]),
        createdAt: z.iso.datetime(),
        /** When the workflow last waited on it again (after a reminder or an escalation); the link stays the same. */
        rearmedAt: z.iso.datetime().optional(),
      }),
    ),
    events: z.array(
      z.object({
        type: z.string(),
        at: z.iso.datetime(),
        actor: z.object({ kind: z.enum(["portal", "staff", "system"]), id: z.string() }),
        details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      }),
    ),
  }),
);
export type ReferralView = z.output<ReturnType<typeof referralViewSchema>>;

/** GET /staff/referrals/{referralId} with `Accept: application/json`: the staff view and the session's token. */
export const staffReferralPageSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referral: referralViewSchema(),
    csrfToken: z.string().describe("The session's anti-forgery token, for the posts from this page."),
  }),
);

// ---------------------------------------------------------------------------------------------
// Idempotency

/**
 * JSON with object keys sorted at every depth, so two bodies that differ only in key order or
 * whitespace hash the same (a portal retry must not count as a different body). Array order is kept:
 * it carries meaning (the first diagnosis is the main one). Like JSON.stringify, undefined object
 * values are dropped and `toJSON` is honoured.
 */
export function canonicalJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, current: unknown) => {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return current;
    const source = current as Record<string, unknown>;
    // fromEntries defines own properties, so a "__proto__" key from JSON.parse is kept, not swallowed.
    return Object.fromEntries(
      Object.keys(source)
        .sort()
        .map((key) => [key, source[key]]),
    );
  });
  return json ?? "null";
}
