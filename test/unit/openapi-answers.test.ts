/**
 * The check the handler tests run on every JSON answer they get (test/support/openapi-answers.ts):
 * an answer passes only when GET /openapi.json documents its route and status with a JSON body and
 * the body is exactly one of the named schemas. The handlers build those answers with `jsonAnswer`
 * (functions/adapters/http.ts), typed by the same schemas; the handler tests (receive-referral,
 * list-referrals, staff-referral, submit-decision with the priority and secondary posts,
 * helfo-reported, letters-routes) call the check on each route's answers.
 */
import { describe, expect, it } from "vitest";
import { documentedAnswerIds, undocumentedAnswer } from "../support/openapi-answers";

const asJson = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify(body),
});

const POSTED = { letterId: "ref-1.decision.patient", status: "sent", sentAt: "2025-03-10T08:00:00.000Z" };

describe("an answer checked against GET /openapi.json", () => {
  it("passes when the body is exactly the schema the document names for its route and status", () => {
    expect(undocumentedAnswer("POST /letters/{letterId}/sent", asJson(200, POSTED))).toBeUndefined();
    expect(
      undocumentedAnswer(
        "POST /letters/{letterId}/sent",
        asJson(409, { error: "not_awaiting_postal", message: "…" }),
      ),
    ).toBeUndefined();
  });

  it("fails on a field the schema does not name, one missing, or one of another type", () => {
    for (const body of [
      { ...POSTED, postedBy: "kari" },
      { letterId: POSTED.letterId, status: "sent" },
      { ...POSTED, status: "posted" },
      { ...POSTED, sentAt: "10. mars" },
    ]) {
      expect(
        undocumentedAnswer("POST /letters/{letterId}/sent", asJson(200, body)),
        JSON.stringify(body),
      ).toMatch(/not LetterPosted/);
    }
  });

  it("fails on a status the route does not document, and on an answer that is not JSON", () => {
    expect(undocumentedAnswer("POST /letters/{letterId}/sent", asJson(202, POSTED))).toMatch(
      /documents no JSON/,
    );
    expect(undocumentedAnswer("GET /nowhere", asJson(200, POSTED))).toMatch(/documents no JSON/);
    expect(
      undocumentedAnswer("POST /letters/{letterId}/sent", {
        statusCode: 200,
        headers: { "content-type": "text/html; charset=utf-8" },
        body: "<p>sent</p>",
      }),
    ).toMatch(/answered text\/html/);
  });

  it("takes any of the schemas of a route that answers one of several", () => {
    // Prepare: the decision route answers a recorded decision, or the guide's suggestion.
    const route = "POST /tasks/{taskId}/decision";
    expect(documentedAnswerIds(route, 200)).toEqual(["TaskAnswerRecorded", "GuideSuggestionAnswer"]);

    // Assess
    expect(
      undocumentedAnswer(route, asJson(200, { referralId: "r", outcome: "refused", status: "recorded" })),
    ).toBeUndefined();
    expect(
      undocumentedAnswer(
        route,
        asJson(200, { condition: "c", suggestion: { conditionId: "c", advisedRight: "granted" } }),
      ),
    ).toBeUndefined();
    expect(undocumentedAnswer(route, asJson(200, { condition: "c" }))).toMatch(
      /not TaskAnswerRecorded or GuideSuggestionAnswer/,
    );
  });
});
