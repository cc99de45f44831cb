/**
 * Postal dispatch: a patient or GP without an email address gets the letter by post. Such letters
 * wait on a list (GET /letters?status=awaiting-postal) until a signed-in clerk prints them (GET
 * /letters/{letterId}/print), posts them and marks them sent (POST /letters/{letterId}/sent). The list shows what is needed to post a letter
 * and nothing more: which referral and letter, to whom, since when, its subject, and for the
 * patient's copy the postal address (the letter body itself is in the referral's file).
 */
import * as z from "zod";
import { osloDate } from "./calendar";
import { cursorParam, limitParam } from "./paging";
import type { Clock, OutboxRecords, ReferralRecords } from "./ports";
import { StaleStateError } from "./ports";
import type { Actor, LetterRecord } from "./records";
import { tallyOfPatientInformed } from "./statistics";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

/** Every kind of letter Frist sends (see LetterRecord). */
export const LETTER_KINDS = [
  "decision",
  "acknowledgement",
  "information-request",
  "start-of-care-breach",
] as const satisfies readonly LetterRecord["letterKind"][];

/** Page sizes of the postal list: a day's letters fit on one page. */
export const POSTAL_LIMITS = { default: 50, max: 200 } as const;

/** The query string of GET /letters. `status` is required and has one value today. */
export const postalQuerySchema = z.object({
  status: z
    .literal("awaiting-postal", { error: 'must be "awaiting-postal"' })
    .describe("The letters of this status: those waiting to be posted."),
  limit: limitParam(POSTAL_LIMITS),
  cursor: cursorParam(),
});
export type PostalQuery = z.output<typeof postalQuerySchema>;

/** Validates the query string of GET /letters. */
export function parsePostalQuery(
  query: Record<string, string | undefined> | null | undefined,
): { ok: true; value: PostalQuery } | { ok: false; issues: Issue[] } {
  const result = postalQuerySchema.safeParse(query ?? {});
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

const postalAddressSchema = z.object({ line1: z.string(), postalCode: z.string(), city: z.string() });

/** One letter waiting to be posted. */
export const postalLetterSchema = z.object({
  /** Opaque, URL-safe id for POST /letters/{letterId}/sent. */
  letterId: z.string(),
  referralId: z.string(),
  letterKind: z.enum(LETTER_KINDS),
  recipientRole: z.enum(["referrer", "patient", "gp", "guardian"]),
  createdAt: z.iso.datetime(),
  subject: z.string(),
  /** The patient's postal address, on the patient's copy only (when the referral gave one). */
  postalAddress: postalAddressSchema.optional(),
});
export type PostalLetter = z.output<typeof postalLetterSchema>;

// The answers' schemas document the API (GET /openapi.json); the handlers' answers are typed by them
// (`jsonAnswer` in functions/adapters/http.ts) but never parsed, so these are built on first use only.

/** 200 of GET /letters. */
export const postalListSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    letters: z.array(postalLetterSchema),
    nextCursor: z.string().optional(),
    /** The session's anti-forgery token, for a script's POST /letters/{letterId}/sent (X-CSRF-Token). */
    csrfToken: z.string().optional(),
  }),
);
export type PostalList = z.output<ReturnType<typeof postalListSchema>>;

/** 200 of POST /letters/{letterId}/sent. */
export const letterPostedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    letterId: z.string(),
    status: z.literal("sent"),
    sentAt: z.iso.datetime(),
  }),
);

/** The fields of a letter that identify it (its key in the store). */
export type LetterRef = Pick<LetterRecord, "referralId" | "letterKind" | "recipientRole" | "requestId">;

const letterRefSchema = z
  .object({
    r: z.string().min(1).max(200),
    k: z.enum(LETTER_KINDS),
    p: z.enum(["referrer", "patient", "gp", "guardian"]),
    q: z.string().min(1).max(100).optional(),
  })
  .strict();

/** The opaque id of a letter: base64url of its key fields, so a link can name it without a lookup. */
export function letterIdOf(letter: LetterRef): string {
  const ref = {
    r: letter.referralId,
    k: letter.letterKind,
    p: letter.recipientRole,
    ...(letter.requestId ? { q: letter.requestId } : {}),
  };
  return Buffer.from(JSON.stringify(ref), "utf8").toString("base64url");
}

/** Reads a letter id back; undefined for anything `letterIdOf` did not make. */
export function parseLetterId(letterId: string): LetterRef | undefined {
  if (!/^[A-Za-z0-9_-]{1,600}$/.test(letterId)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(letterId, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = letterRefSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { r, k, p, q } = parsed.data;
  return { referralId: r, letterKind: k, recipientRole: p, ...(q ? { requestId: q } : {}) };
}

/** A forged or stale cursor. */
export class InvalidPostalCursor extends Error {
  override readonly name = "InvalidPostalCursor";
}

/** The read side of the postal list (an index query, never a scan). */
export interface PostalQueue {
  page(query: PostalQuery): Promise<PostalList>;
}

/**
 * Marks a letter as posted: from `awaiting-postal` only (a letter emailed, already posted or not
 * there answers `not-awaiting`), with the audit event "letter-posted" naming who did it.
 */
export async function markLetterPosted(
  deps: { store: ReferralRecords & OutboxRecords; clock: Clock },
  letterId: string,
  actor: Actor,
): Promise<
  { kind: "posted"; letterId: string; sentAt: string } | { kind: "unknown" } | { kind: "not-awaiting" }
> {
  const ref = parseLetterId(letterId);
  if (!ref) return { kind: "unknown" };
  const sentAt = deps.clock.now().toISOString();
  // A patient's decision letter posted by the due date counts as the patient informed in time.
  const referral =
    ref.letterKind === "decision" && ref.recipientRole === "patient"
      ? await deps.store.getReferral(ref.referralId)
      : undefined;
  try {
    await deps.store.markLetterPosted(
      ref,
      { sentAt, postedBy: actor.id },
      {
        type: "letter-posted",
        at: sentAt,
        actor,
        details: { letterKind: ref.letterKind, recipientRole: ref.recipientRole },
      },
      referral ? tallyOfPatientInformed(referral, sentAt) : undefined,
    );
  } catch (error) {
    if (error instanceof StaleStateError) return { kind: "not-awaiting" };
    throw error;
  }
  // The 10 working days run until the patient is informed: a copy posted after the due date is a
  // breach of the deadline even when the decision was in time (recorded once, as the timer's is).
  if (referral && osloDate(new Date(sentAt)) > referral.assessmentDueDate) {
    await deps.store.flagReferral(ref.referralId, "deadlineBreached", {
      type: "patient-informed-late",
      at: sentAt,
      actor,
      details: { assessmentDueDate: referral.assessmentDueDate, informedOn: osloDate(new Date(sentAt)) },
    });
  }
  return { kind: "posted", letterId, sentAt };
}
