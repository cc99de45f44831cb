/**
 * The parts GET /openapi.json is assembled from: the named schemas, each the zod schema the code
 * parses with (requests) or answers by (responses), converted by zod's own `z.toJSONSchema`; and the
 * small builders the paths (openapi-portal-paths.ts, openapi-staff-paths.ts) share.
 *
 * zod's converter rather than a library: it is zod's reading of its own schemas (`const` for
 * literals, the exact date, time and email patterns the parser uses) and adds nothing to the bundle.
 * Its default target, JSON Schema 2020-12, is the dialect of OpenAPI 3.1 (the `openapi-3.0` target
 * would be for a 3.0 document). Refinements such as the national ID's check digits have no JSON
 * Schema form; the descriptions say what they check.
 */
import * as z from "zod";
import { decisionSchema, informationRequestSchema, taskAnswerRecordedSchema } from "./decision";
import { errorSchema, validationErrorSchema } from "./error-answers";
import { helfoReportedAnswerSchema, helfoReportedSchema } from "./helfo-notification";
import { portalReferralViewSchema } from "./portal";
import { letterPostedSchema, postalListSchema } from "./postal";
import { priorityChangedSchema, priorityChangeSchema } from "./priority";
import { guideSuggestionAnswerSchema } from "./priority-guide";
import { referralAcceptedSchema, referralSubmissionSchema, staffReferralPageSchema } from "./referral";
import { secondaryConfirmationSchema, secondaryConfirmedSchema } from "./secondary";
import { staffHomeAnswerSchema } from "./staff-home-answer";
import {
  confirmedBreachBodySchema,
  expectedBreachBodySchema,
  startOfCareBodySchema,
  startOfCareRecordedSchema,
} from "./start-of-care-records";
import { worklistSchema } from "./worklist";

/** A JSON value of the document. */
export type JsonObject = Record<string, unknown>;

/**
 * The document's named schemas, by component id: each the very zod object its route parses the body
 * with, or the schema of what it answers. Thunks, so the schemas built on first use are built only
 * when the document is.
 */
export const COMPONENTS = {
  ReferralSubmission: () => referralSubmissionSchema,
  ReferralAccepted: referralAcceptedSchema,
  // GET /referrals/{id} answers portals with the portal's view (no task ids, staff or internal events).
  PortalReferralView: () => portalReferralViewSchema,
  StaffReferralPage: staffReferralPageSchema,
  StaffHome: staffHomeAnswerSchema,
  Worklist: worklistSchema,
  Decision: () => decisionSchema,
  InformationRequest: () => informationRequestSchema,
  TaskAnswerRecorded: taskAnswerRecordedSchema,
  GuideSuggestionAnswer: guideSuggestionAnswerSchema,
  SecondaryConfirmation: secondaryConfirmationSchema,
  SecondaryConfirmed: secondaryConfirmedSchema,
  PriorityChange: priorityChangeSchema,
  PriorityChanged: priorityChangedSchema,
  StartOfCareBody: startOfCareBodySchema,
  ExpectedBreachBody: expectedBreachBodySchema,
  ConfirmedBreachBody: confirmedBreachBodySchema,
  StartOfCareRecorded: startOfCareRecordedSchema,
  HelfoReported: helfoReportedSchema,
  HelfoReportedAnswer: helfoReportedAnswerSchema,
  PostalList: postalListSchema,
  LetterPosted: letterPostedSchema,
  ValidationError: validationErrorSchema,
  Error: errorSchema,
} satisfies Record<string, () => z.ZodType>;

/** The id of a named schema. */
export type ComponentId = keyof typeof COMPONENTS;

/**
 * How every schema is converted. "input": requests are documented as portals send them (before
 * trimming, defaults and the like); "any" for what JSON Schema cannot say (a transform's output).
 */
export const JSON_SCHEMA_OPTIONS = { io: "input", unrepresentable: "any" } as const;

/** The named schemas, converted together so one used inside another becomes a `$ref`. */
export function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema(), { id });
  const { schemas } = z.toJSONSchema(registry, {
    ...JSON_SCHEMA_OPTIONS,
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Each component is embedded in the OpenAPI document, not a standalone JSON Schema resource.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [
      id,
      schema as JsonObject,
    ]),
  );
}

/** A reference to a named schema. */
export const ref = (id: ComponentId) => ({ $ref: `#/components/schemas/${id}` });

const text = { schema: { type: "string" } };

/** A reference to one named schema, or a `oneOf` of several (an answer that takes one of some shapes). */
const refOrOneOf = (ids: ComponentId | ComponentId[]) =>
  typeof ids === "string" ? ref(ids) : ids.length === 1 && ids[0] ? ref(ids[0]) : { oneOf: ids.map(ref) };

/** An answer with a JSON body of a named schema (or of one of several). */
export const jsonBody = (id: ComponentId | ComponentId[], description: string) => ({
  description,
  content: { "application/json": { schema: refOrOneOf(id) } },
});

/** An answer that is a page. */
export const htmlBody = (description: string) => ({ description, content: { "text/html": text } });

/** A staff route answers a form with a page and JSON with JSON (`json`, by default an error). */
export const htmlOrJson = (description: string, json: ComponentId | ComponentId[] = "Error") => ({
  description,
  content: { "text/html": text, "application/json": { schema: refOrOneOf(json) } },
});

/** Not signed in: a staff page's GET goes to sign-in. */
export const TO_SIGN_IN = { description: "Not signed in: to sign-in, and back afterwards." };

/** The answers many routes share. */
export const ERRORS = {
  400: jsonBody("Error", "The body is not valid JSON (`invalid_json`)."),
  404: jsonBody("Error", "No such resource."),
  409: jsonBody("Error", "The Idempotency-Key was used before with another body (`idempotency_conflict`)."),
  413: jsonBody("Error", "The body is over the size limit."),
  415: jsonBody("Error", "The Content-Type is not accepted."),
};

/** The session's anti-forgery token, for JSON posts from a staff session. */
export const CSRF_HEADER = {
  name: "X-CSRF-Token",
  in: "header",
  required: false,
  description:
    "The page's or the session's `csrfToken`; required with a JSON body (a form sends it as a field instead).",
  schema: { type: "string" },
};

/**
 * A form post's body: the JSON body's schema plus the page's anti-forgery token, which a form sends
 * as a field (JSON sends it in {@link CSRF_HEADER}).
 */
export const withCsrfField = (schema: JsonObject) => ({
  allOf: [
    schema,
    {
      type: "object",
      properties: { csrfToken: { type: "string", description: "From the page's form (a hidden field)." } },
      required: ["csrfToken"],
    },
  ],
});

/** A body taken as JSON or as a form, both validated by the same zod schemas (one of `ids`). */
export const jsonOrFormBody = (...ids: [ComponentId, ...ComponentId[]]) => {
  const schema = ids.length === 1 ? ref(ids[0]) : { oneOf: ids.map(ref) };
  return {
    "application/json": { schema },
    "application/x-www-form-urlencoded": { schema: withCsrfField(schema) },
  };
};

/** A path parameter. */
export const pathId = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", minLength: 1 },
});

/** The id of a referral, as its routes name it. */
export const REFERRAL_ID = pathId("referralId", "The id from the 202 answer.");
/** The id of a task, as its routes name it. */
export const TASK_ID = pathId("taskId", "Opaque task id from the staff email.");

/**
 * Query parameters from a zod object, one per property, all optional. Documented as the handler reads
 * them ("output"): `limit` is an integer 1–200 with its default, though it travels as text.
 */
export function queryParameters(schema: z.ZodObject): JsonObject[] {
  const { properties = {} } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as {
    properties?: Record<string, JsonObject>;
  };
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: "query",
    required: false,
    ...(description ? { description } : {}),
    schema: property,
  }));
}
