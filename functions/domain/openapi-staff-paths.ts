/**
 * The routes of GET /openapi.json that the clinic's staff use from a signed-in session (OpenID
 * Connect): the task, the referral and the postal pages, their posts, and the Helfo notices. A post
 * carries the session's anti-forgery token: a form as the field `csrfToken`, JSON in `X-CSRF-Token`.
 */
import {
  CSRF_HEADER,
  ERRORS,
  htmlBody,
  htmlOrJson,
  jsonBody,
  jsonOrFormBody,
  pathId,
  queryParameters,
  REFERRAL_ID,
  ref,
  TASK_ID,
  TO_SIGN_IN,
} from "./openapi-parts";
import { postalQuerySchema } from "./postal";

/** The staff routes, by path. */
export const staffPaths = () => ({
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
      parameters: [REFERRAL_ID, CSRF_HEADER],
      requestBody: {
        required: true,
        content: jsonOrFormBody("StartOfCareBody", "ExpectedBreachBody", "ConfirmedBreachBody"),
      },
      responses: {
        200: htmlOrJson(
          "Recorded: the referral's `startOfCare` for JSON, the referral page again for a form.",
          "StartOfCareRecorded",
        ),
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
  "/staff": {
    get: {
      operationId: "staffHome",
      summary: "The signed-in staff home, by role (HTML; JSON with `Accept: application/json`)",
      description:
        "Open referrals by deadline, meetings, starts of care, information requests, letters to post, " +
        "Helfo notices, and for operations the failed workflows, the reconciler's last run and the stack's " +
        "alarms. Ids, dates, counts and flags only: no patient data. Paged by `limit`, each list by its " +
        "own cursor (`cursor`, `startsCursor`, `requestsCursor`).",
      security: [{ staffSession: [] }],
      responses: {
        200: htmlOrJson("The home: a page, or JSON with the session's `csrfToken`.", "StaffHome"),
        303: TO_SIGN_IN,
        400: jsonBody("ValidationError", "A bad `limit` or a cursor no list issued (`validation_failed`)."),
        401: jsonBody("Error", "No staff session (`unauthenticated`)."),
      },
    },
  },
  "/staff/referrals/{referralId}": {
    get: {
      operationId: "getStaffReferralPage",
      summary: "A referral for signed-in assessors and the lead (HTML, or JSON); every read is access-logged",
      description:
        "The submission, the clock, the decision, the start of care with its form, and the letters. " +
        "Without a session a GET answers 303 to sign-in; another role 403 (logged). With " +
        "`Accept: application/json`: `{ referral, csrfToken }`, the staff view and the session's token.",
      security: [{ staffSession: [] }],
      parameters: [REFERRAL_ID],
      responses: {
        200: htmlOrJson("The referral page (or JSON).", "StaffReferralPage"),
        303: TO_SIGN_IN,
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
        "columns too). For a signed-in clerk or lead; each read is access-logged.",
      security: [{ staffSession: [] }],
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
      security: [{ staffSession: [] }],
      parameters: [pathId("referralId", "The referral whose fristbrudd was reported."), CSRF_HEADER],
      requestBody: { required: false, content: jsonOrFormBody("HelfoReported") },
      responses: {
        200: htmlOrJson(
          "Recorded: the notification as reported (`status: reported`).",
          "HelfoReportedAnswer",
        ),
        400: htmlOrJson(
          "`reportedOn` is not a date, in the future, or before the breach (`validation_failed`).",
        ),
        401: htmlOrJson("Not signed in."),
        403: htmlOrJson("Not the lead, or without the session's anti-forgery token."),
        404: htmlOrJson("No Helfo notification for this referral (`not_found`)."),
        409: htmlOrJson("Already reported (`already_reported`, with the recorded day and who)."),
      },
    },
  },
  "/tasks/{taskId}": {
    get: {
      operationId: "getTaskPage",
      summary: "The intake staff's task page (HTML); opening it changes nothing",
      security: [{ staffSession: [] }],
      parameters: [TASK_ID],
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
        "`csrfToken` (hidden field) and, when the browser sends one, an `Origin` of this host; JSON sends " +
        "the token in `X-CSRF-Token`.",
      security: [{ staffSession: [] }],
      parameters: [TASK_ID, CSRF_HEADER],
      requestBody: { required: true, content: jsonOrFormBody("Decision", "InformationRequest") },
      responses: {
        200: htmlOrJson(
          "Recorded: a confirmation page for a form, JSON for JSON. `outcome: guide-suggestion` with a " +
            "`condition` records nothing and answers the priority guide's suggestion for it.",
          ["TaskAnswerRecorded", "GuideSuggestionAnswer"],
        ),
        400: {
          description: "The decision breaks the rules: the form again with errors, or `validation_failed`.",
          content: {
            "text/html": { schema: { type: "string" } },
            "application/json": { schema: { oneOf: [ref("ValidationError"), ref("Error")] } },
          },
        },
        403: htmlBody(
          "A form post without the task's anti-forgery token, or from another origin: the form has expired and nothing was recorded.",
        ),
        404: htmlOrJson("No task with this id (`not_found`)."),
        409: htmlOrJson(
          "An information request of the task is still open (`information_request_open`): nothing was " +
            "recorded or sent; or `information-received` with no request open (`no_open_request`).",
        ),
        410: htmlOrJson("The task was already answered or has expired (`task_gone`)."),
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
      security: [{ staffSession: [] }],
      parameters: [TASK_ID, CSRF_HEADER],
      requestBody: { required: true, content: jsonOrFormBody("SecondaryConfirmation") },
      responses: {
        200: htmlOrJson("Answered: a page for a form, JSON for JSON.", "SecondaryConfirmed"),
        400: htmlOrJson("No `sameCondition` (`validation_failed`)."),
        403: htmlOrJson("Without the task's anti-forgery token (`csrf_token_mismatch`)."),
        404: htmlOrJson("No task with this id (`not_found`)."),
        409: htmlOrJson("The referral no longer waits for this answer (`not_awaiting_confirmation`)."),
        410: htmlOrJson("The task was answered or has expired (`task_gone`)."),
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
      security: [{ staffSession: [] }],
      parameters: [TASK_ID, CSRF_HEADER],
      requestBody: { required: true, content: jsonOrFormBody("PriorityChange") },
      responses: {
        200: htmlOrJson("Changed: a confirmation page for a form, JSON for JSON.", "PriorityChanged"),
        400: htmlOrJson("The same priority, or no reason (`validation_failed`)."),
        403: htmlOrJson("Without the task's anti-forgery token (`csrf_token_mismatch`)."),
        404: htmlOrJson("No task with this id (`not_found`)."),
        410: htmlOrJson("The referral is decided or its task expired (`task_gone`)."),
        413: ERRORS[413],
        415: ERRORS[415],
      },
    },
  },
  "/letters": {
    get: {
      operationId: "listLetters",
      summary: "Letters waiting for postal dispatch (a patient or GP without an email address), oldest first",
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
        200: htmlOrJson("One page of the list; `nextCursor` when there may be more.", "PostalList"),
        303: TO_SIGN_IN,
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
        303: TO_SIGN_IN,
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
});
