/**
 * Turning zod errors into the `issues` of api.md: a dotted path and a message per problem.
 *
 * Messages go back to portals and into logs, so they must never carry what was submitted: a national
 * ID or a line of health text in an error message is a leak. The schemas only use messages that
 * describe the rule, and this module strips long digit runs as a second line of defence.
 */
import type * as z from "zod";

/** One problem with a submitted body, as api.md shows it. */
export interface Issue {
  path: string;
  message: string;
}

/** Six or more digits in a row could be (part of) a national ID, an HPR number or a phone number. */
const LONG_DIGIT_RUN = /\d{6,}/g;

/**
 * Flattens a ZodError into `{ path, message }` pairs with dotted paths ("patient.nationalId",
 * "diagnoses.0.code"). A problem with the body as a whole has the empty path.
 */
export function formatIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => String(segment)).join("."),
    message: issue.message.replace(LONG_DIGIT_RUN, "[redacted]"),
  }));
}

/**
 * Drops keys whose value is undefined. Schemas map blank optional fields to undefined; what is stored
 * (DynamoDB) must not carry attributes without a value.
 */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** How deep a request body may nest: a referral is four levels deep; 32 leaves room for portals' extras. */
export const MAX_JSON_DEPTH = 32;

/**
 * The dotted path of the first value nested deeper than `maxDepth` levels in a parsed JSON value, or
 * undefined when it nests no deeper. Iterative, so it cannot overflow the stack on the bodies it
 * guards against; later steps (hashing, storing) recurse and would.
 */
export function tooDeeplyNested(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const current = stack.pop() as { value: unknown; path: string[] };
    if (current.value === null || typeof current.value !== "object") continue;
    if (current.path.length >= maxDepth) return current.path.join(".");
    for (const [key, child] of Object.entries(current.value)) {
      stack.push({ value: child, path: [...current.path, key] });
    }
  }
  return undefined;
}

/**
 * A value built on its first use, then kept: for a schema that only some requests parse with. A
 * zod schema takes real time to build (zod sets up every field and every chained rule), and a
 * module's schemas would otherwise all be built at the cold start of every function that imports
 * the module for something else. Mark each call with esbuild's pure annotation (`@__PURE__` in a
 * block comment before it), so a bundle that never asks for the value leaves the builder, and what
 * only the builder imports, out.
 */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
