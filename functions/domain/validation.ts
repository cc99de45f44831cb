/**
 * Turning zod errors into the `issues` of api.md: a dotted path and a message per problem.
 *
 * Messages go back to portals and into logs, so they must never carry what was submitted: a national
 * ID or a line of health text in an error message is a leak. The schemas only use messages that
 * describe the rule, and this module strips long digit runs as a second line of defence.
 */
import type { z } from "zod";

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
