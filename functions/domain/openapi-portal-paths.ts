/**
 * The routes of GET /openapi.json that referral portals and record systems call, signed with SigV4:
 * submit a referral (as JSON or as a message) and read their own referrals back.
 */
import { ERRORS, jsonBody, queryParameters, REFERRAL_ID, ref } from "./openapi-parts";
import { worklistQuerySchema } from "./worklist";

/** The portal routes, by path. */
export const portalPaths = () => ({
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
          description: "The body breaks the schema (`validation_failed`) or is not JSON (`invalid_json`).",
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
      parameters: [REFERRAL_ID],
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
        "MsgId, E21 not addressed to the clinic, E30-E36 the patient's data, X99 other: content the referral " +
        "schema refuses, an attachment that is not pdf, jpg or png, a change or cancellation (ServType M or C) " +
        "of a referral Frist does not know from that sender or has already decided). The MsgId is the " +
        "idempotency key: the same message delivered again gets the same receipt and creates nothing.",
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
});
