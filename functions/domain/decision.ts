/**
 * The rights assessment as intake staff submit it (POST /tasks/{taskId}/decision, api.md): granted
 * with a form of care and a legal deadline, refused with justification and advice, or forwarded.
 *
 * The body arrives as a form (every value a string, untouched fields as "") or as JSON, so optional
 * fields treat "" as absent. Messages are Norwegian: staff read them next to the field on the task page.
 */
import * as z from "zod";
import type { IsoDate } from "./calendar";
import { addDays, CARE_FORMS, type CareForm, MAX_DEADLINE_DAYS } from "./decision-labels";
import type { DecisionGuide } from "./priority-guide";
import { isMeaningfulReason, tooShortReasonMessage } from "./reason-text";
import { builtOnFirstUse, compact, formatIssues, type Issue } from "./validation";

// The forms of care, the outcome names, the deadline bound and addDays are in decision-labels.ts,
// without zod: a letter, a page or a statistic that only shows them does not build the schemas
// below. Re-exported here for the modules that import them with the schemas.
export {
  addDays,
  CARE_FORMS,
  type CareForm,
  MAX_DEADLINE_DAYS,
  OUTCOME_LABELS,
} from "./decision-labels";

const careFormKeys = CARE_FORMS.map((form) => form.key) as [CareForm, ...CareForm[]];

const MESSAGES = {
  body: "Vurderingen må sendes som skjema eller JSON-objekt",
  outcome: "Velg utfall av vurderingen",
  careForm: "Velg tilbudsform",
  startOfCareDeadline: "Oppgi frist for igangsetting som dato (ÅÅÅÅ-MM-DD)",
  deadlineNotAfterToday: "Fristen for igangsetting må være etter dagens dato",
  plannedStart: "Oppgi planlagt oppstart som dato (ÅÅÅÅ-MM-DD)",
  plannedStartAfterDeadline: "Planlagt oppstart kan ikke være etter fristen for igangsetting",
  plannedStartInPast: "Planlagt oppstart kan ikke være før dagens dato",
  startNoticeBy: "Oppgi datoen pasienten senest får vite tidspunktet for oppstart (ÅÅÅÅ-MM-DD)",
  startNoticeByAfterDeadline: "Pasienten må få vite tidspunktet for oppstart før fristen for igangsetting",
  startNoticeByInPast: "Datoen pasienten senest får vite tidspunktet kan ikke være før dagens dato",
  whenMissing:
    "Oppgi planlagt oppstart, eller datoen pasienten senest får vite tidspunktet for oppstart (pasient- og brukerrettighetsloven § 2-2)",
  forwardToContact: "Oppgi kontaktinformasjon til mottakende klinikk (telefon eller adresse)",
  justification: "Skriv en faglig begrunnelse",
  advice: "Skriv råd om videre oppfølging",
  forwardTo: "Oppgi hvor henvisningen sendes",
  question: "Skriv hva du vil spørre henviser om",
  assessedBy: "Oppgi HPR-nummer eller ansatt-ID (høyst 64 tegn)",
  tooLong: "Teksten er for lang",
  justificationTooShort: tooShortReasonMessage("Begrunnelsen"),
  adviceTooShort: tooShortReasonMessage("Rådet om videre oppfølging"),
} as const;

const requiredText = (max: number, message: string) =>
  z.string({ error: message }).trim().min(1, message).max(max, MESSAGES.tooLong);

/** An optional date field: "" (an untouched form field) counts as absent. */
const optionalDate = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .pipe(z.iso.date({ error: message }).optional())
    .optional();

const assessedBy = requiredText(64, MESSAGES.assessedBy).describe("HPR number or staff id of the assessor.");

/**
 * The priority guide's fields of a decision (priority-guide.ts reads them against the clinic's
 * table): documented here so the OpenAPI body names them; submitDecision takes them out and records
 * the guide's suggestion in their place.
 */
const guideFields = {
  condition: z
    .string()
    .max(300, MESSAGES.tooLong)
    .optional()
    .describe(
      "Optional: the condition of the clinic's priority guide the decision is made for (its id, or its name as the task page lists it); the guide's suggestion is recorded with the decision.",
    ),
  deviationReason: z
    .string()
    .max(2000, MESSAGES.tooLong)
    .optional()
    .describe(
      "Required when the decision departs from the guide's suggestion for `condition` (another right, or another start-of-care deadline): the assessor's reason, an individual assessment.",
    ),
};

/** Date checks that need "today"; absent in the static schema used for documentation. */
interface DeadlineWindow {
  today: IsoDate;
  maxDeadlineDays: number;
}

function buildDecisionSchema(window?: DeadlineWindow) {
  let startOfCareDeadline = z.iso.date({ error: MESSAGES.startOfCareDeadline });
  if (window) {
    const latest = addDays(window.today, window.maxDeadlineDays);
    startOfCareDeadline = startOfCareDeadline
      .refine((date) => date > window.today, MESSAGES.deadlineNotAfterToday)
      .refine(
        (date) => date <= latest,
        `Fristen for igangsetting kan være høyst ${window.maxDeadlineDays} dager fram i tid`,
      );
  }

  const granted = z
    .object({
      outcome: z.literal("granted"),
      careForm: z.enum(careFormKeys, { error: MESSAGES.careForm }),
      /** The legal deadline (juridisk frist) for start of care. */
      startOfCareDeadline,
      plannedStart: optionalDate(MESSAGES.plannedStart),
      /**
       * When there is no planned start yet: the date by which the patient will be told when care
       * starts (pbrl § 2-2 asks that the patient learns "when" with the decision).
       */
      startNoticeBy: optionalDate(MESSAGES.startNoticeBy),
      assessedBy,
      ...guideFields,
    })
    .superRefine((value, ctx) => {
      if (value.plannedStart && value.plannedStart > value.startOfCareDeadline) {
        ctx.addIssue({ code: "custom", path: ["plannedStart"], message: MESSAGES.plannedStartAfterDeadline });
      }
      if (value.startNoticeBy && value.startNoticeBy > value.startOfCareDeadline) {
        ctx.addIssue({
          code: "custom",
          path: ["startNoticeBy"],
          message: MESSAGES.startNoticeByAfterDeadline,
        });
      }
      // Checks of a submission only: a stored decision is read back whatever the date is today.
      if (!window) return;
      if (value.plannedStart && value.plannedStart < window.today) {
        ctx.addIssue({ code: "custom", path: ["plannedStart"], message: MESSAGES.plannedStartInPast });
      }
      if (value.startNoticeBy && value.startNoticeBy < window.today) {
        ctx.addIssue({ code: "custom", path: ["startNoticeBy"], message: MESSAGES.startNoticeByInPast });
      }
      if (!value.plannedStart && !value.startNoticeBy) {
        ctx.addIssue({ code: "custom", path: ["plannedStart"], message: MESSAGES.whenMissing });
      }
    });

  // A submitted reason must say something (reason-text.ts); one stored before that rule is read as it is.
  const reason = (max: number, missing: string, tooShort: string) =>
    window
      ? requiredText(max, missing).refine((value) => value === "" || isMeaningfulReason(value), tooShort)
      : requiredText(max, missing);

  const refused = z.object({
    outcome: z.literal("refused"),
    justification: reason(20_000, MESSAGES.justification, MESSAGES.justificationTooShort),
    /** Advice for further care in primary care: every refusal carries it. */
    advice: reason(20_000, MESSAGES.advice, MESSAGES.adviceTooShort),
    assessedBy,
    ...guideFields,
  });

  const forwarded = z
    .object({
      outcome: z.literal("forwarded"),
      forwardTo: requiredText(200, MESSAGES.forwardTo),
      /** How the patient reaches the receiving clinic (phone, address): said in the forward letter. */
      forwardToContact: z
        .string({ error: MESSAGES.forwardToContact })
        .trim()
        .max(300, MESSAGES.tooLong)
        .transform((value) => (value === "" ? undefined : value))
        .optional(),
      justification: reason(20_000, MESSAGES.justification, MESSAGES.justificationTooShort),
      assessedBy,
      ...guideFields,
    })
    .superRefine((value, ctx) => {
      if (window && !value.forwardToContact) {
        ctx.addIssue({ code: "custom", path: ["forwardToContact"], message: MESSAGES.forwardToContact });
      }
    });

  return (
    z
      .discriminatedUnion("outcome", [granted, refused, forwarded], {
        error: (issue) => (issue.code === "invalid_union" ? MESSAGES.outcome : MESSAGES.body),
      })
      // A blank optional field must not be stored as an attribute without a value.
      .transform(compact)
  );
}

/**
 * The decision body without the checks that depend on today's date: for the OpenAPI document and
 * for reading stored decisions. Use {@link parseDecision} for a submitted body.
 */
export const decisionSchema = buildDecisionSchema();

/**
 * A decision as recorded: the validated body, and what the priority guide suggested with it (set by
 * submitDecision from the clinic's table, never from the body; absent when no condition was picked).
 */
export type Decision = DistributiveOmit<z.output<typeof decisionSchema>, keyof typeof guideFields> & {
  guide?: DecisionGuide;
};

/** Omit over each member of a union (a plain Omit would merge the outcomes into one type). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type DecisionOutcome = Decision["outcome"];

/**
 * Validates a submitted decision. `today` is the Oslo date of submission: the start-of-care
 * deadline must fall after it and at most `maxDeadlineDays` later.
 */
export function parseDecision(
  body: unknown,
  today: IsoDate,
  maxDeadlineDays: number = MAX_DEADLINE_DAYS,
): { ok: true; value: Decision } | { ok: false; issues: Issue[] } {
  const result = buildDecisionSchema({ today, maxDeadlineDays }).safeParse(body);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

/**
 * A request to the referrer for more information (forespørsel). Not a decision: the referral may not
 * be sent back unassessed, so the task stays open and the legal clock keeps running.
 */
export const informationRequestSchema = z.object({
  outcome: z.literal("information-requested"),
  /** What the referrer is asked; quoted in the letter. */
  question: requiredText(5_000, MESSAGES.question),
  assessedBy,
});

export type InformationRequest = z.output<typeof informationRequestSchema>;

/** What a task's form may carry: a decision, or a request to the referrer for more information. */
export type TaskAnswer = Decision | InformationRequest;

/**
 * 200 of POST /tasks/{taskId}/decision with a JSON body. Documents the API (GET /openapi.json); the
 * handler's answer is typed by it (`jsonAnswer`) but never parsed, so it is built on first use only.
 */
export const taskAnswerRecordedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string(),
    outcome: z.enum(["granted", "refused", "forwarded", "information-requested", "information-received"]),
    status: z
      .enum(["recorded", "requested"])
      .describe("`requested` for an information request: the task stays open."),
    requestId: z.string().optional().describe("The information request's id."),
    warnings: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("What is unusual about a granted right's start-of-care deadline (a non-working day)."),
  }),
);

/**
 * Validates what was posted to a task: an information request, or else a decision as
 * {@link parseDecision} checks it (so an unknown outcome still asks for one of the outcomes).
 */
export function parseTaskAnswer(
  body: unknown,
  today: IsoDate,
  maxDeadlineDays: number = MAX_DEADLINE_DAYS,
): { ok: true; value: TaskAnswer } | { ok: false; issues: Issue[] } {
  const isRequest =
    typeof body === "object" &&
    body !== null &&
    (body as Record<string, unknown>).outcome === "information-requested";
  if (!isRequest) return parseDecision(body, today, maxDeadlineDays);
  const result = informationRequestSchema.safeParse(body);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}
