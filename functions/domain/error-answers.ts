/**
 * The schemas of the API's error answers (GET /openapi.json names them `ValidationError` and
 * `Error`). On their own, away from the referral's schemas: the HTTP wrapper every handler imports
 * types its error answers by them (`errorAnswer`, `validationFailedAnswer`). Built on first use, like
 * every answer schema: they document the answers, and no handler parses with them.
 */
import * as z from "zod";
import { builtOnFirstUse } from "./validation";

/** 400 validation_failed: each problem with its dotted path. */
export const validationErrorSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    error: z.literal("validation_failed"),
    issues: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
);

/**
 * Every other error answer: `{ "error": "invalid_json" | "idempotency_conflict" | …, "message"? }`,
 * and what the error names beside it (the task's state of `task_gone`, the recorded start of
 * `already_recorded`, the day and author of `already_reported`, the open request's date).
 */
export const errorSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.looseObject({ error: z.string(), message: z.string().optional() }),
);
