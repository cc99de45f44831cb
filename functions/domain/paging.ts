/**
 * The paging parameters shared by the list routes (GET /referrals, GET /letters): a page size and
 * an opaque cursor. Values arrive as query-string strings.
 */
import * as z from "zod";

/** What a cursor is made of: base64url (see functions/adapters/dynamo-cursor.ts). */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]+$/;

const cursorMessage = "must be a cursor from a previous page";

/**
 * The `limit` parameter: parsed strictly (digits only, so "1e2" or "0x10" are refused rather than
 * read as numbers), from 1 to `limits.max`, `limits.default` when absent.
 */
export function limitParam(limits: { readonly default: number; readonly max: number }) {
  const message = `must be a whole number from 1 to ${limits.max}`;
  return z
    .string()
    .regex(/^\d{1,4}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(1, message).max(limits.max, message))
    .default(limits.default)
    .describe("Page size.");
}

/** The optional `cursor` parameter: the `nextCursor` of the previous page (a fresh schema per call). */
export function cursorParam() {
  return z
    .string()
    .max(2048, cursorMessage)
    .regex(CURSOR_PATTERN, cursorMessage)
    .optional()
    .describe("`nextCursor` of the previous page.");
}
