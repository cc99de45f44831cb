import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../functions/domain/openapi";
import { portalReferralView } from "../../functions/domain/portal";
import { testReferral } from "../support/fakes";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the document by path and assert its shape at run time.
type Json = Record<string, any>;

describe("the OpenAPI document", () => {
  const document = buildOpenApiDocument("https://api.example.no/prod") as Json;

  it("is OpenAPI 3.1 and survives a JSON round trip", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
    expect(document.servers).toEqual([{ url: "https://api.example.no/prod" }]);
    expect(buildOpenApiDocument()).not.toHaveProperty("servers");
  });

  it("covers every route of the contract", () => {
    expect(Object.keys(document.paths).sort()).toEqual([
      "/helfo-notifications",
      "/helfo-notifications/{referralId}/reported",
      "/letters",
      "/letters/{letterId}/print",
      "/letters/{letterId}/sent",
      "/messages",
      "/openapi.json",
      "/referrals",
      "/referrals/{referralId}",
      "/referrals/{referralId}/start-of-care",
      "/staff",
      "/staff/referrals/{referralId}",
      "/tasks/{taskId}",
      "/tasks/{taskId}/decision",
      "/tasks/{taskId}/priority",
      "/tasks/{taskId}/secondary",
    ]);
    expect(document.paths["/referrals/{referralId}"].get).toBeDefined();
    expect(document.paths["/tasks/{taskId}"].get).toBeDefined();
    expect(document.paths["/tasks/{taskId}/decision"].post).toBeDefined();
    expect(
      document.paths["/referrals/{referralId}/start-of-care"].post.requestBody.content["application/json"]
        .schema,
    ).toEqual({
      oneOf: [
        { $ref: "#/components/schemas/StartOfCareBody" },
        { $ref: "#/components/schemas/ExpectedBreachBody" },
        { $ref: "#/components/schemas/ConfirmedBreachBody" },
      ],
    });
  });

  it("documents POST /messages: the message's XML in, its AppRec's XML out, 200 for a rejection too", () => {
    const post = document.paths["/messages"].post;
    expect(Object.keys(post.requestBody.content)).toEqual(["application/xml", "text/xml"]);
    expect(Object.keys(post.responses)).toEqual(["200", "413", "415"]);
    expect(post.responses[200].content["application/xml"]).toBeDefined();
    expect(post.security).toEqual([{ sigv4: [] }]);
  });

  it("documents POST /referrals with its Idempotency-Key header and answers", () => {
    const post = document.paths["/referrals"].post;
    expect(post.parameters).toContainEqual(
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }),
    );
    expect(Object.keys(post.responses).sort()).toEqual(["202", "400", "409", "413", "415"]);
    expect(post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/ReferralSubmission",
    });
  });

  it("generates the request schemas from zod, with the rules that JSON Schema can carry", () => {
    const submission = document.components.schemas.ReferralSubmission;
    const kinds = submission.oneOf.map((option: Json) => option.properties.kind.const);
    expect(kinds).toEqual(["new", "forwarded", "secondary"]);
    const forwarded = submission.oneOf[1];
    expect(forwarded.required).toEqual(
      expect.arrayContaining(["originalReceivedDate", "previousInstitution"]),
    );
    expect(forwarded.properties.content.properties).toHaveProperty("patientPerspective");
    expect(forwarded.properties.flags.items.enum).toContain("young-adult-at-risk");

    const decision = document.components.schemas.Decision;
    expect(decision.oneOf.map((option: Json) => option.properties.outcome.const)).toEqual([
      "granted",
      "refused",
      "forwarded",
    ]);
    expect(document.paths["/tasks/{taskId}/decision"].post.requestBody.content).toHaveProperty(
      "application/x-www-form-urlencoded",
    );
  });

  it("documents each staff post's body by the zod schema its route parses with, the form's token beside it", () => {
    const refOf = (id: string) => ({ $ref: `#/components/schemas/${id}` });
    const bodies = {
      "/tasks/{taskId}/secondary": refOf("SecondaryConfirmation"),
      "/tasks/{taskId}/priority": refOf("PriorityChange"),
      "/helfo-notifications/{referralId}/reported": refOf("HelfoReported"),
      // A start, an expected breach or the lead's confirmed breach, each by its own schema.
      "/referrals/{referralId}/start-of-care": {
        oneOf: ["StartOfCareBody", "ExpectedBreachBody", "ConfirmedBreachBody"].map(refOf),
      },
    };
    for (const [path, ref] of Object.entries(bodies)) {
      const post = document.paths[path].post;
      expect(post.requestBody.content["application/json"].schema, path).toEqual(ref);
      const form = post.requestBody.content["application/x-www-form-urlencoded"].schema;
      expect(form.allOf[0], path).toEqual(ref);
      expect(form.allOf[1].required, path).toEqual(["csrfToken"]);
      expect(post.parameters, path).toContainEqual(
        expect.objectContaining({ name: "X-CSRF-Token", in: "header" }),
      );
    }
    expect(document.components.schemas.PriorityChange.properties.reason).toMatchObject({
      minLength: 1,
      maxLength: 2000,
    });
    expect(document.components.schemas.SecondaryConfirmation.properties.sameCondition.enum).toEqual([
      "yes",
      "no",
    ]);
  });

  it("points every $ref at a schema it defines", () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(document.components.schemas).toHaveProperty(ref);
    expect(JSON.stringify(document.components.schemas)).not.toContain('"$schema"');
  });

  it("describes GET /referrals/{id} as the portal's view: every field it answers, and no task, staff or event detail", () => {
    // Prepare: a decided referral as a portal reads it.
    const view = portalReferralView({
      referral: testReferral({
        status: "decided",
        portal: "arn:aws:iam::123456789012:user/portal-a",
        assignment: { track: "single-assessor", assessors: [{ name: "Ingrid Lie", role: "physician" }] },
        decision: {
          taskId: "tsk_secret",
          decidedAt: "2025-03-05T10:00:00.000Z",
          decision: {
            outcome: "granted",
            careForm: "team",
            startOfCareDeadline: "2025-05-01",
            plannedStart: "2025-04-01",
            assessedBy: "Ingrid Lie",
          } as never,
        },
      }),
      events: [
        {
          type: "referral-received",
          at: "2025-03-03T09:00:00.000Z",
          actor: { kind: "portal", id: "p" },
          details: { taskId: "tsk_secret" },
        },
      ],
      letters: [],
      tasks: [],
    });

    // Act
    const get = document.paths["/referrals/{referralId}"].get;
    const schema =
      document.components.schemas[
        get.responses[200].content["application/json"].schema.$ref.split("/").pop()
      ];

    // Assess: the documented fields are the answered fields, and none of the staff view's.
    expect(Object.keys(schema.properties).sort()).toEqual(expect.arrayContaining(Object.keys(view).sort()));
    for (const field of ["tasks", "failure", "atRisk"]) expect(schema.properties).not.toHaveProperty(field);
    expect(Object.keys(schema.properties.events.items.properties).sort()).toEqual(["at", "type"]);
    expect(schema.properties.events.items.properties.type.enum).not.toContain("assessment-task-created");
    expect(Object.keys(schema.properties.assignment.properties)).toEqual(["track"]);
    expect(schema.properties.decision.properties).not.toHaveProperty("justification");
    expect(schema.properties.decision.properties).not.toHaveProperty("assessedBy");
    expect(JSON.stringify(schema)).not.toMatch(/taskId|actor|assessors/);
    expect(schema.properties.startOfCare).toBeDefined();
  });

  it("says the portal routes take SigV4 and the staff routes a staff session, never SigV4", () => {
    const securityOf = (path: string, method: string) =>
      JSON.stringify(document.paths[path][method].security ?? []);
    for (const [path, method] of [
      ["/referrals", "post"],
      ["/referrals", "get"],
      ["/referrals/{referralId}", "get"],
    ]) {
      expect(securityOf(path as string, method as string), path).toBe('[{"sigv4":[]}]');
    }
    for (const [path, method] of [
      ["/referrals/{referralId}/start-of-care", "post"],
      ["/staff/referrals/{referralId}", "get"],
      ["/letters", "get"],
      ["/letters/{letterId}/print", "get"],
      ["/letters/{letterId}/sent", "post"],
    ]) {
      expect(securityOf(path as string, method as string), path).toBe('[{"staffSession":[]}]');
    }
    expect(document.components.securitySchemes.staffSession).toMatchObject({
      in: "cookie",
      name: "frist_session",
    });
  });
});
