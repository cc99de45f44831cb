/**
 * The worklist (GET /referrals): the calling portal's referrals of one status, soonest deadline
 * first, each with the working days left until its due date. It is what the intake team opens in the morning, so it shows
 * the clock and nothing else: no patient, no names, no national ID, no referral text. Whatever reads
 * the store for it must read only the attributes of `WorklistRow`.
 */
import * as z from "zod";
import { type CalendarRules, type IsoDate, osloDate } from "./calendar";
import { workingDaysLeft } from "./legal-clock";
import { cursorParam, limitParam } from "./paging";
import { referralHeadlineSchema } from "./referral-headline";
import { REFERRAL_STATUSES } from "./referral-labels";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

/** Page sizes: 50 fills a screen; 200 caps what one request reads (a DynamoDB page stays small). */
export const WORKLIST_LIMITS = { default: 50, max: 200 } as const;

const statusList = REFERRAL_STATUSES.map((status) => `"${status}"`).join(", ");

/**
 * The query string of GET /referrals. Values arrive as strings; `limit` is parsed strictly (digits
 * only), so "1e2" or "0x10" are refused rather than read as numbers. Unknown parameters are ignored.
 */
export const worklistQuerySchema = z.object({
  status: z
    .enum(REFERRAL_STATUSES, { error: `must be one of ${statusList}` })
    .default("awaiting-assessment")
    .describe("The referrals of this status."),
  dueBefore: z.iso
    .date("must be a date (YYYY-MM-DD)")
    .optional()
    .describe("Only referrals due before this date (exclusive). Without it, every referral of the status."),
  limit: limitParam(WORKLIST_LIMITS),
  cursor: cursorParam(),
});

/** A parsed worklist query. */
export type WorklistQuery = z.output<typeof worklistQuerySchema>;

/**
 * What the store gives for one referral of the worklist: these attributes and no others (the store
 * reads exactly these and parses what it read with this schema). The flags are optional: a referral
 * stored before one was recorded has none.
 */
export const worklistRowSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  referralHeadlineSchema()
    .pick({
      referralId: true,
      status: true,
      kind: true,
      priority: true,
      receivedAt: true,
      assessmentDueDate: true,
    })
    .extend({
      deadlineBreached: referralHeadlineSchema().shape.deadlineBreached.optional(),
      atRisk: z.boolean().optional(),
    }),
);
export type WorklistRow = z.output<ReturnType<typeof worklistRowSchema>>;

// The answer's schemas document the API (GET /openapi.json); the handler's answer is typed by them
// (`jsonAnswer` in functions/adapters/http.ts) but never parsed, so they are built on first use only.

/** One line of the worklist: the clock of one referral, its headline less the clock's start date. */
export const worklistItemSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  worklistRowSchema().extend({
    deadlineBreached: referralHeadlineSchema().shape.deadlineBreached,
    workingDaysLeft: z
      .number()
      .int()
      .describe(
        "Working days from today (Oslo) to the due date under the clinic's calendar: 0 on the due date, negative once it has passed.",
      ),
    atRisk: z
      .boolean()
      .optional()
      .describe("The deadline is at risk (e.g. no intake meeting before the reminder point), when recorded."),
  }),
);
export type WorklistItem = z.output<ReturnType<typeof worklistItemSchema>>;

/** 200 of GET /referrals. */
export const worklistSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    asOf: z.iso.date().describe("The Oslo date `workingDaysLeft` counts from."),
    items: z.array(worklistItemSchema()),
    nextCursor: z.string().optional().describe("Present when there may be more: pass it back as `cursor`."),
  }),
);
export type WorklistResponse = z.output<ReturnType<typeof worklistSchema>>;

/** One page of the worklist as the store reads it, in due-date order. */
export interface WorklistPage {
  rows: WorklistRow[];
  /** Opaque; present when the store may hold more rows. */
  nextCursor?: string;
}

/** The port: referrals of a status by due date, read from an index (never a scan). */
export interface Worklist {
  /**
   * One page of the referrals of `query.status`; with `portal`, only those that portal submitted
   * (portal.ts): GET /referrals always passes the calling portal, and only the clinic's own views
   * (the operations page) read every portal's. With a portal, a page may hold fewer than
   * `query.limit` lines while `nextCursor` says there may be more. Throws InvalidCursor when
   * `query.cursor` is not one this worklist issued for `query.status`.
   */
  page(query: WorklistQuery, portal?: string): Promise<WorklistPage>;
}

/** A cursor that did not come from a previous page of the same worklist. */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
}

/** Parses the query string of GET /referrals; `issues` are ready for the 400 answer. */
export function parseWorklistQuery(
  params: Record<string, string | undefined> | null | undefined,
): { ok: true; value: WorklistQuery } | { ok: false; issues: Issue[] } {
  const result = worklistQuerySchema.safeParse(params ?? {});
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

/**
 * The worklist line of a row. Picks the fields one by one, so an attribute the store sends along by
 * mistake never reaches the answer. `deadlineBreached` is the recorded flag, the same as
 * GET /referrals/{id} shows; a passed due date shows in `workingDaysLeft`.
 */
export function worklistItem(row: WorklistRow, today: IsoDate, rules: CalendarRules): WorklistItem {
  return {
    referralId: row.referralId,
    status: row.status,
    kind: row.kind,
    priority: row.priority,
    receivedAt: row.receivedAt,
    assessmentDueDate: row.assessmentDueDate,
    workingDaysLeft: workingDaysLeft(today, row.assessmentDueDate, rules),
    deadlineBreached: row.deadlineBreached === true,
    ...(typeof row.atRisk === "boolean" ? { atRisk: row.atRisk } : {}),
  };
}

/**
 * Reads one page of the calling portal's worklist and counts each referral's working days left from
 * `now` in Oslo.
 */
export async function readWorklist(
  deps: { worklist: Worklist; rules: CalendarRules },
  query: WorklistQuery,
  portal: string,
  now: Date,
): Promise<WorklistResponse> {
  const page = await deps.worklist.page(query, portal);
  const today = osloDate(now);
  return {
    asOf: today,
    items: page.rows.map((row) => worklistItem(row, today, deps.rules)),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}
