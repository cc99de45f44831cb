/**
 * GET /openapi.json: the HTTP contract (api.md) as OpenAPI 3.1, generated from the zod schemas that
 * validate the requests, so the document cannot drift from the code. Refinements such as the national
 * ID check digits have no JSON Schema form; the descriptions say what they check.
 *
 * The schemas come from zod's own `z.toJSONSchema` rather than a converter library: it is zod's reading
 * of its own schemas (`const` for literals, the exact date, time and email patterns the parser uses),
 * and it adds nothing to the function's bundle. test/unit/openapi.test.ts holds the two to the same
 * verdicts on generated bodies.
 */
import * as z from "zod";
import { decisionSchema, informationRequestSchema } from "./decision";
import { helfoReportedSchema } from "./helfo-notification";
import { portalReferralViewSchema } from "./portal";
import { letterPostedSchema, postalListSchema, postalQuerySchema } from "./postal";
import { priorityChangeSchema } from "./priority";
import {
  errorSchema,
  referralAcceptedSchema,
  referralSubmissionSchema,
  validationErrorSchema,
} from "./referral";
import { secondaryConfirmationSchema } from "./secondary";
import {
  confirmedBreachBodySchema,
  expectedBreachBodySchema,
  startOfCareBodySchema,
  startOfCareRecordedSchema,
} from "./start-of-care-records";
import { worklistQuerySchema, worklistSchema } from "./worklist";

type JsonObject = Record<string, unknown>;

/** The named schemas, converted together so shared ones become `$ref`s into components. */
function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  registry.add(referralSubmissionSchema, { id: "ReferralSubmission" });
  registry.add(referralAcceptedSchema(), { id: "ReferralAccepted" });
  // GET /referrals/{id} answers portals with the portal's view (no task ids, staff or internal events).
  registry.add(portalReferralViewSchema, { id: "PortalReferralView" });
  registry.add(decisionSchema, { id: "Decision" });
  registry.add(informationRequestSchema, { id: "InformationRequest" });
  registry.add(postalListSchema(), { id: "PostalList" });
  registry.add(letterPostedSchema(), { id: "LetterPosted" });
  registry.add(validationErrorSchema(), { id: "ValidationError" });
  registry.add(errorSchema(), { id: "Error" });
  registry.add(worklistSchema(), { id: "Worklist" });
  registry.add(startOfCareBodySchema(), { id: "StartOfCareBody" });
  registry.add(startOfCareRecordedSchema(), { id: "StartOfCareRecorded" });
  registry.add(secondaryConfirmationSchema(), { id: "SecondaryConfirmation" });
  registry.add(priorityChangeSchema(), { id: "PriorityChange" });
  registry.add(helfoReportedSchema(), { id: "HelfoReported" });
  registry.add(expectedBreachBodySchema(), { id: "ExpectedBreachBody" });
  registry.add(confirmedBreachBodySchema(), { id: "ConfirmedBreachBody" });
  // "input": requests are documented as portals send them (before trimming, defaults and the like).
  const { schemas } = z.toJSONSchema(registry, {
    io: "input",
    unrepresentable: "any",
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

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonBody = (id: string, description: string) => ({
  description,
  content: { "application/json": { schema: ref(id) } },
});
const htmlBody = (description: string) => ({
  description,
  content: { "text/html": { schema: { type: "string" } } },
});

/** The decision route answers a form with a page and JSON with JSON. */
const htmlOrError = (description: string) => ({
  description,
  content: { "text/html": { schema: { type: "string" } }, "application/json": { schema: ref("Error") } },
});

const ERRORS = {
  400: jsonBody("Error", "The body is not valid JSON (`invalid_json`)."),
  404: jsonBody("Error", "No such resource."),
  409: jsonBody("Error", "The Idempotency-Key was used before with another body (`idempotency_conflict`)."),
  413: jsonBody("Error", "The body is over the size limit."),
  415: jsonBody("Error", "The Content-Type is not accepted."),
};

/** The session's anti-forgery token, for JSON posts from a staff session. */
const CSRF_HEADER = {
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
const withCsrfField = (schema: JsonObject) => ({
  allOf: [
    schema,
    {
      type: "object",
      properties: { csrfToken: { type: "string", description: "From the page's form (a hidden field)." } },
      required: ["csrfToken"],
    },
  ],
});

/** What `POST /referrals/{referralId}/start-of-care` takes: a start, an expected or a confirmed breach. */
const startOfCareBodies = {
  oneOf: [ref("StartOfCareBody"), ref("ExpectedBreachBody"), ref("ConfirmedBreachBody")],
};

/** A body taken as JSON or as a form, both validated by the same zod schema (`id`). */
const jsonOrFormBody = (id: string) => ({
  "application/json": { schema: ref(id) },
  "application/x-www-form-urlencoded": { schema: withCsrfField(ref(id)) },
});

const pathId = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", minLength: 1 },
});

/**
 * Query parameters from a zod object, one per property, all optional. Documented as the handler reads
 * them ("output"): `limit` is an integer 1–200 with its default, though it travels as text.
 */
function queryParameters(schema: z.ZodObject): JsonObject[] {
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

/**
 * Builds the OpenAPI 3.1 document. `serverUrl` is the API's base URL (stage included) when known;
 * without it the document has no `servers` and tools resolve paths against where they fetched it.
 */
export function buildOpenApiDocument(serverUrl?: string): JsonObject {
  return {
    openapi: "3.1.0",
    info: {
      title: "Frist: referrals to pain clinics",
      version: "1.0.0",
      description:
        "Referral portals submit referrals; the clinic's intake team assesses each within 10 working days " +
        "(rett til nødvendig helsehjelp) and the referrer, patient and GP get the answer.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths: {
      "/referrals": {
        get: {
          operationId: "listReferrals",
          summary: "The worklist: referrals of one status, soonest deadline first, with working days left",
          description:
            "The calling portal's own referrals, served by a portal index (never a scan, never a filter): " +
            "a page holds `limit` lines whenever that many remain. Each line carries the clock of one referral and no patient " +
            "data. `workingDaysLeft` counts from today in Oslo under the clinic's calendar: 0 on the due " +
            "date, negative once it has passed.",
          security: [{ sigv4: [] }],
          parameters: queryParameters(worklistQuerySchema),
          responses: {
            200: jsonBody("Worklist", "One page of the worklist; `nextCursor` when there may be more."),
            400: jsonBody(
              "ValidationError",
              "A query parameter is invalid (`validation_failed`, the issue's path names it).",
            ),
          },
        },
        post: {
          operationId: "submitReferral",
          summary: "Submit a referral",
          security: [{ sigv4: [] }],
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: true,
              description: "Chosen by the portal; a retry carries the same key and the same body.",
              schema: { type: "string", minLength: 1, maxLength: 128, pattern: "^[\\x20-\\x7E]+$" },
            },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("ReferralSubmission") } },
          },
          responses: {
            202: jsonBody(
              "ReferralAccepted",
              "Accepted. The same key with the same body answers the same 202 again and creates nothing.",
            ),
            400: {
              description:
                "The body breaks the schema (`validation_failed`) or is not JSON (`invalid_json`).",
              content: {
                "application/json": { schema: { oneOf: [ref("ValidationError"), ref("Error")] } },
              },
            },
            409: ERRORS[409],
            413: ERRORS[413],
            415: ERRORS[415],
          },
        },
      },
      "/referrals/{referralId}": {
        get: {
          operationId: "getReferral",
          summary:
            "Read one of the calling portal's referrals: its clock, outcome, start of care, letters and milestones",
          description:
            "The portal's view: no task ids, staff identities, justification or advice (those are in the " +
            "letter to the referrer), and only milestone events (type and time). Another portal's " +
            "referral answers the same 404 as an id that does not exist.",
          security: [{ sigv4: [] }],
          parameters: [pathId("referralId", "The id from the 202 answer.")],
          responses: {
            200: jsonBody("PortalReferralView", "The referral, as the portal that sent it sees it."),
            404: jsonBody("Error", "No referral with this id for this portal (`not_found`)."),
          },
        },
      },
      "/messages": {
        post: {
          operationId: "receiveMessage",
          summary: "Deliver a referral as a record system sends it, and get its application receipt (AppRec)",
          description:
            "A Henvisning 2.0 message in its MsgHead 1.2 envelope (HENVISNING_NYTILSTAND, HENVISNING_VIDERE), or a " +
            "Henvisning 1.1 or 1.0 message, addressed to the clinic's HER-ids. It is validated against the official " +
            "schemas and received as POST /referrals receives a referral (the same checks, deadline and task). The " +
            "answer is always 200 with one AppRec 1.1: status 1 (OK), or 2 (rejected) with the standard's error " +
            "codes (code system 8221: T01 not XML, T02 does not validate, T10 a message Frist does not take, E10 the " +
            "MsgId, E21 not addressed to the clinic, E30-E36 the patient's data, X99 other: a change, a " +
            "cancellation or an attachment, which Frist does not take yet). The MsgId is the idempotency key: the " +
            "same message delivered again gets the same receipt and creates nothing.",
          security: [{ sigv4: [] }],
          requestBody: {
            required: true,
            content: {
              "application/xml": { schema: { type: "string", description: "The message's XML." } },
              "text/xml": { schema: { type: "string", description: "The message's XML." } },
            },
          },
          responses: {
            200: {
              description:
                "The AppRec 1.1 of the message (namespace http://www.kith.no/xmlstds/apprec/2012-02-15).",
              content: { "application/xml": { schema: { type: "string" } } },
            },
            413: ERRORS[413],
            415: ERRORS[415],
          },
        },
      },
      "/referrals/{referralId}/start-of-care": {
        post: {
          operationId: "recordStartOfCare",
          summary:
            "Record the planned start or the day care started, or that the start cannot be kept (expected breach) or a probable breach confirmed",
          description:
            "Staff record when care starts. `startedOn` may not be in the future or before the decision; " +
            "`plannedStart` may not be in the past. `{breach: 'expected', reason}` (before the deadline has run " +
            "out, a reason with content) files the Helfo notice at once, marked expected; `{breach: 'confirmed'}` " +
            "(the lead, after the deadline, no start on or before it) confirms a probable breach and files it. " +
            "No letter goes to the patient until the notice is marked reported to Helfo. For a " +
            "signed-in assessor or the lead (staff session), never a portal: JSON carries the session's " +
            "`csrfToken` (from GET /staff/referrals/{referralId}) in `X-CSRF-Token`.",
          security: [{ staffSession: [] }],
          parameters: [pathId("referralId", "The id from the 202 answer."), CSRF_HEADER],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: startOfCareBodies },
              "application/x-www-form-urlencoded": { schema: withCsrfField(startOfCareBodies) },
            },
          },
          responses: {
            200: {
              description:
                "Recorded: the referral's `startOfCare` for JSON, the referral page again for a form.",
              content: {
                "application/json": { schema: ref("StartOfCareRecorded") },
                "text/html": { schema: { type: "string" } },
              },
            },
            400: jsonBody("ValidationError", "A date is missing or out of bounds (`validation_failed`)."),
            401: jsonBody(
              "Error",
              "No staff session (`unauthenticated`): nothing recorded. Portals cannot record a start.",
            ),
            403: jsonBody(
              "Error",
              "Not an assessor or the lead, or without the session's token (`csrf_token_mismatch`): nothing recorded.",
            ),
            404: ERRORS[404],
            409: jsonBody("Error", "The referral has no granted right (`not_granted`)."),
          },
        },
      },
      "/staff/referrals/{referralId}": {
        get: {
          operationId: "getStaffReferralPage",
          summary:
            "A referral for signed-in assessors and the lead (HTML, or JSON); every read is access-logged",
          description:
            "The submission, the clock, the decision, the start of care with its form, and the letters. " +
            "Without a session a GET answers 303 to sign-in; another role 403 (logged). With " +
            "`Accept: application/json`: `{ referral, csrfToken }`, the staff view and the session's token.",
          security: [{ staffSession: [] }],
          parameters: [pathId("referralId", "The referral's id.")],
          responses: {
            200: {
              description: "The referral page (or JSON).",
              content: {
                "text/html": { schema: { type: "string" } },
                "application/json": { schema: { type: "object" } },
              },
            },
            303: { description: "Not signed in: to sign-in, and back afterwards." },
            403: htmlBody("Signed in without the assessor or lead role; the attempt is logged."),
            404: htmlBody("No referral with this id."),
          },
        },
      },
      "/helfo-notifications": {
        get: {
          operationId: "listHelfoNotifications",
          summary: "The notices of missed start-of-care deadlines (fristbrudd) to send to Helfo",
          description:
            "One per breach, oldest first. JSON `{ notifications: [...] }`, or CSV with `Accept: text/csv` " +
            "(or `format=csv`). They identify the patient, as Helfo needs: staff only. Each carries " +
            "`status` (`to-report` | `reported`) and, once reported, `reportedOn` and `reportedBy` (CSV " +
            "columns too).",
          security: [{ sigv4: [] }],
          responses: {
            200: {
              description: "The notifications.",
              content: {
                "application/json": { schema: { type: "object" } },
                "text/csv": { schema: { type: "string" } },
              },
            },
          },
        },
      },
      "/helfo-notifications/{referralId}/reported": {
        post: {
          operationId: "markHelfoReported",
          summary:
            "The clerk or the lead records a fristbrudd's notification as reported to Helfo; the patient's letter goes out",
          description:
            "For a signed-in clerk or lead (staff session; no IAM). `reportedOn` (YYYY-MM-DD, default today in Oslo; " +
            "not in the future, not before the notice was filed); who is the signed-in person. Then the patient's " +
            "Varsel om fristbrudd is sent (and the parents' copy of a patient under 16), never before. Once only: a second " +
            "mark answers 409 with the first. JSON sends the session's token in `X-CSRF-Token`; a form " +
            "sends `csrfToken`.",
          parameters: [pathId("referralId", "The referral whose fristbrudd was reported."), CSRF_HEADER],
          requestBody: { required: false, content: jsonOrFormBody("HelfoReported") },
          responses: {
            200: {
              description: 'Recorded: `{ referralId, status: "reported", reportedOn, reportedBy }`.',
              content: {
                "application/json": { schema: { type: "object" } },
                "text/html": { schema: { type: "string" } },
              },
            },
            400: htmlOrError(
              "`reportedOn` is not a date, in the future, or before the breach (`validation_failed`).",
            ),
            401: htmlOrError("Not signed in."),
            403: htmlOrError("Not the lead, or without the session's anti-forgery token."),
            404: htmlOrError("No Helfo notification for this referral (`not_found`)."),
            409: htmlOrError("Already reported (`already_reported`, with the recorded day and who)."),
          },
        },
      },
      "/tasks/{taskId}": {
        get: {
          operationId: "getTaskPage",
          summary: "The intake staff's task page (HTML); opening it changes nothing",
          parameters: [pathId("taskId", "Opaque task id from the staff email.")],
          responses: {
            200: htmlBody("The referral summary, missing content, deadline and the decision form."),
            404: htmlBody("No task with this id."),
            410: htmlBody("The task was already answered or has expired."),
          },
        },
      },
      "/tasks/{taskId}/decision": {
        post: {
          operationId: "submitDecision",
          summary:
            "Record the rights assessment and resume the workflow, or ask the referrer for more information",
          description:
            "A decision (`granted`, `refused`, `forwarded`) answers the task and resumes the workflow. An " +
            "information request (`information-requested`) sends the forespørsel letter to the referrer " +
            "and leaves the task open and the deadline running; a task has one open request at a time " +
            "(another answers 409 `information_request_open`, nothing sent) until staff record the " +
            "referrer's answer with `outcome: information-received`. A form post must carry the task page's " +
            "`csrfToken` (hidden field) and, when the browser sends one, an `Origin` of this host; JSON " +
            "posts need `Content-Type: application/json` and no token.",
          parameters: [pathId("taskId", "Opaque task id from the staff email.")],
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: withCsrfField({ oneOf: [ref("Decision"), ref("InformationRequest")] }),
              },
              "application/json": { schema: { oneOf: [ref("Decision"), ref("InformationRequest")] } },
            },
          },
          responses: {
            200: {
              description: "Recorded: a confirmation page for a form, JSON for JSON.",
              content: {
                "text/html": { schema: { type: "string" } },
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      referralId: { type: "string" },
                      outcome: {
                        type: "string",
                        enum: [
                          "granted",
                          "refused",
                          "forwarded",
                          "information-requested",
                          "information-received",
                        ],
                      },
                      status: {
                        type: "string",
                        enum: ["recorded", "requested"],
                        description: "`requested` for an information request: the task stays open.",
                      },
                      requestId: { type: "string", description: "The information request's id." },
                    },
                    required: ["referralId", "outcome", "status"],
                  },
                },
              },
            },
            400: {
              description:
                "The decision breaks the rules: the form again with errors, or `validation_failed`.",
              content: {
                "text/html": { schema: { type: "string" } },
                "application/json": { schema: { oneOf: [ref("ValidationError"), ref("Error")] } },
              },
            },
            403: htmlBody(
              "A form post without the task's anti-forgery token, or from another origin: the form has expired and nothing was recorded.",
            ),
            404: htmlOrError("No task with this id (`not_found`)."),
            409: htmlOrError(
              "An information request of the task is still open (`information_request_open`): nothing was " +
                "recorded or sent; or `information-received` with no request open.",
            ),
            410: htmlOrError("The task was already answered or has expired (`task_gone`)."),
            413: ERRORS[413],
            415: ERRORS[415],
          },
        },
      },
      "/tasks/{taskId}/secondary": {
        post: {
          operationId: "confirmSecondary",
          summary: "Answer whether a secondary referral concerns the condition already rights-assessed",
          description:
            "For a signed-in assessor or lead, while a secondary referral waits for it. `yes`: the referrer " +
            "gets an acknowledgement and the referral is closed without a new rights assessment; `no`: it " +
            "is assessed as a new referral (normal deadline and assignment) through the same task link. " +
            "Form (`csrfToken`) or JSON (`X-CSRF-Token`).",
          parameters: [pathId("taskId", "Opaque task id from the staff email."), CSRF_HEADER],
          requestBody: { required: true, content: jsonOrFormBody("SecondaryConfirmation") },
          responses: {
            200: htmlOrError(
              "Answered: a page for a form, `{ referralId, sameCondition, status }` for JSON.",
            ),
            400: htmlOrError("No `sameCondition` (`validation_failed`)."),
            403: htmlOrError("Without the task's anti-forgery token (`csrf_token_mismatch`)."),
            404: htmlOrError("No task with this id (`not_found`)."),
            409: htmlOrError("The referral no longer waits for this answer (`not_awaiting_confirmation`)."),
            410: htmlOrError("The task was answered or has expired (`task_gone`)."),
          },
        },
      },
      "/tasks/{taskId}/priority": {
        post: {
          operationId: "changePriority",
          summary: "Change a waiting referral's priority (urgent or ordinary), with a reason",
          description:
            "For a signed-in assessor or lead. The change, its reason and its author (the signed-in person) " +
            "are recorded; the deadline timer follows the new priority at once (an urgent referral's " +
            "reminder and internal target, which escalates to the lead once when missed). The legal " +
            "deadline (10 working days) does not change. A form post carries the task page's `csrfToken`; " +
            "JSON sends it in `X-CSRF-Token`.",
          parameters: [pathId("taskId", "Opaque task id from the staff email."), CSRF_HEADER],
          requestBody: { required: true, content: jsonOrFormBody("PriorityChange") },
          responses: {
            200: {
              description: "Changed: a confirmation page for a form, JSON for JSON.",
              content: {
                "text/html": { schema: { type: "string" } },
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      referralId: { type: "string" },
                      priority: { type: "string", enum: ["ordinary", "urgent"] },
                      status: { type: "string", enum: ["changed"] },
                    },
                    required: ["referralId", "priority", "status"],
                  },
                },
              },
            },
            400: htmlOrError("The same priority, or no reason (`validation_failed`)."),
            403: htmlOrError("Without the task's anti-forgery token (`csrf_token_mismatch`)."),
            404: htmlOrError("No task with this id (`not_found`)."),
            410: htmlOrError("The referral is decided or its task expired (`task_gone`)."),
            413: ERRORS[413],
            415: ERRORS[415],
          },
        },
      },
      "/letters": {
        get: {
          operationId: "listLetters",
          summary:
            "Letters waiting for postal dispatch (a patient or GP without an email address), oldest first",
          description:
            "For a signed-in clerk (or the lead), who posts them. Served by an index, never a scan. Each " +
            "line names the referral, the letter and its recipient, and for the patient's copy the postal " +
            "address; the letter itself is at GET /letters/{letterId}/print. A browser (`Accept: text/html`) " +
            "gets the clerk's page; anything else JSON with the session's `csrfToken`. Without a session " +
            "303 to sign-in; another role 403.",
          security: [{ staffSession: [] }],
          parameters: queryParameters(postalQuerySchema).map((parameter) =>
            parameter.name === "status" ? { ...parameter, required: true } : parameter,
          ),
          responses: {
            200: {
              description: "One page of the list; `nextCursor` when there may be more.",
              content: {
                "application/json": { schema: ref("PostalList") },
                "text/html": { schema: { type: "string" } },
              },
            },
            303: { description: "Not signed in: to sign-in, and back afterwards." },
            400: jsonBody("ValidationError", "A query parameter is invalid (`validation_failed`)."),
            403: htmlBody("Signed in without the clerk or lead role."),
          },
        },
      },
      "/letters/{letterId}/print": {
        get: {
          operationId: "printPostalLetter",
          summary: "A letter waiting for (or gone by) post, as written, to print",
          description:
            "For a signed-in clerk (or the lead). Each view is recorded in the referral's access log " +
            "(who, role, when, `postal-letter`). Letters that went by email answer 404.",
          security: [{ staffSession: [] }],
          parameters: [pathId("letterId", "The `letterId` from GET /letters.")],
          responses: {
            200: htmlBody("The letter."),
            303: { description: "Not signed in: to sign-in, and back afterwards." },
            403: htmlBody("Signed in without the clerk or lead role; the attempt is logged."),
            404: htmlBody("No postal letter with this id."),
          },
        },
      },
      "/letters/{letterId}/sent": {
        post: {
          operationId: "markLetterPosted",
          summary: "Mark a letter waiting for postal dispatch as posted",
          description:
            "Only from `awaiting-postal`: the letter becomes `sent`, leaves the list, and the referral's " +
            "audit trail records `letter-posted` with the signed-in clerk. From the list page's form " +
            "(field `csrfToken`; answered 303 back to the list) or from a script with no body or JSON and " +
            "the session's token in `X-CSRF-Token` (answered with JSON).",
          security: [{ staffSession: [] }],
          parameters: [pathId("letterId", "The `letterId` from GET /letters."), CSRF_HEADER],
          responses: {
            200: jsonBody("LetterPosted", "Marked posted."),
            303: { description: "Marked posted from the page's form: back to the list." },
            401: jsonBody("Error", "No staff session (`unauthenticated`): nothing changed."),
            403: jsonBody(
              "Error",
              "Not a clerk or the lead, or without the session's token (`csrf_token_mismatch`): nothing changed.",
            ),
            404: ERRORS[404],
            409: jsonBody(
              "Error",
              "The letter is not waiting for postal dispatch (`not_awaiting_postal`): already posted, emailed, or not there.",
            ),
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          responses: {
            200: {
              description: "OpenAPI 3.1",
              content: { "application/json": { schema: { type: "object" } } },
            },
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        staffSession: {
          type: "apiKey",
          name: "frist_session",
          in: "cookie",
          description:
            "A signed-in staff session (OpenID Connect sign-in at /auth/login). Posts also carry the " +
            "session's anti-forgery token: form field `csrfToken`, or header `X-CSRF-Token` for JSON.",
        },
        sigv4: {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          description: "AWS Signature Version 4 (API Gateway IAM authorization).",
          "x-amazon-apigateway-authtype": "awsSigv4",
        },
      },
    },
  };
}
