/**
 * GET /openapi.json is generated from the zod schemas, not typed beside them: each request body a
 * route validates is documented by the very zod object the route parses with, each JSON answer by a
 * named schema, the referral's headline fields alike wherever they appear, and the whole is a valid
 * OpenAPI 3.1 document by the specification's own schema.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { decisionSchema, informationRequestSchema } from "../../functions/domain/decision";
import { helfoReportedSchema } from "../../functions/domain/helfo-notification";
import { buildOpenApiDocument } from "../../functions/domain/openapi";
import { COMPONENTS, type ComponentId, JSON_SCHEMA_OPTIONS } from "../../functions/domain/openapi-parts";
import { priorityChangeSchema } from "../../functions/domain/priority";
import { referralSubmissionSchema } from "../../functions/domain/referral";
import { referralHeadlineSchema } from "../../functions/domain/referral-headline";
import { secondaryConfirmationSchema } from "../../functions/domain/secondary";
import {
  confirmedBreachBodySchema,
  expectedBreachBodySchema,
  startOfCareBodySchema,
} from "../../functions/domain/start-of-care-records";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the document by path and assert its shape at run time.
type Json = Record<string, any>;

const document = buildOpenApiDocument("https://api.example.no/prod") as Json;

/**
 * Each route that takes a JSON body, and the zod schemas its use case parses the body with (each
 * module's `parse…` or `safeParse` call). The decision route parses with `decisionSchema` plus the
 * day's window for the start-of-care deadline, refinements that have no JSON Schema form.
 */
const PARSED_BODIES: Record<string, z.ZodType[]> = {
  "POST /referrals": [referralSubmissionSchema],
  "POST /tasks/{taskId}/decision": [decisionSchema, informationRequestSchema],
  "POST /tasks/{taskId}/secondary": [secondaryConfirmationSchema()],
  "POST /tasks/{taskId}/priority": [priorityChangeSchema()],
  "POST /referrals/{referralId}/start-of-care": [
    startOfCareBodySchema(),
    expectedBreachBodySchema(),
    confirmedBreachBodySchema(),
  ],
  "POST /helfo-notifications/{referralId}/reported": [helfoReportedSchema()],
};

/** Every operation of the document, as "METHOD /path". */
const operations = Object.entries(document.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json).map(([method, operation]) => ({
    route: `${method.toUpperCase()} ${path}`,
    operation: operation as Json,
  })),
);

/** The component ids a schema of the document points at: one `$ref`, or a `oneOf` of them. */
function componentIdsOf(schema: Json): ComponentId[] {
  const refs: Json[] = schema.$ref ? [schema] : (schema.oneOf ?? []);
  return refs.map((ref) => {
    expect(ref.$ref, JSON.stringify(schema)).toMatch(/^#\/components\/schemas\//);
    return ref.$ref.split("/").pop() as ComponentId;
  });
}

/** What zod's converter makes of one schema on its own, as the document embeds it. */
function standalone(schema: z.ZodType): Json {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS) as Json;
  return rest;
}

describe("the OpenAPI document's sources", () => {
  it("documents each request body by the zod object its route parses with, converted by zod", () => {
    for (const [route, schemas] of Object.entries(PARSED_BODIES)) {
      // Prepare
      const operation = operations.find((candidate) => candidate.route === route)?.operation;
      expect(operation, route).toBeDefined();
      const content = operation?.requestBody.content;

      // Act
      const ids = componentIdsOf(content["application/json"].schema);

      // Assess: the same objects, and the document's schema is zod's conversion of them.
      expect(ids, route).toHaveLength(schemas.length);
      ids.forEach((id, index) => {
        expect(COMPONENTS[id](), `${route} ${id}`).toBe(schemas[index]);
        expect(document.components.schemas[id], `${route} ${id}`).toEqual(
          standalone(schemas[index] as z.ZodType),
        );
      });
      // A form, where the route takes one, is the same body and the page's token.
      const form = content["application/x-www-form-urlencoded"]?.schema;
      if (form) expect(form.allOf[0], route).toEqual(content["application/json"].schema);
    }
  });

  it("documents no JSON request body that the table of parsed bodies leaves out", () => {
    const documented = operations
      .filter(({ operation }) => operation.requestBody?.content?.["application/json"])
      .map(({ route }) => route);
    expect(documented.sort()).toEqual(Object.keys(PARSED_BODIES).sort());
  });

  it("describes every JSON answer by a named schema, never a bare object", () => {
    // The document itself is any OpenAPI document; the Helfo list carries the patient's notice as Helfo needs it.
    const untyped = new Set(["GET /openapi.json", "GET /helfo-notifications"]);
    const bare: string[] = [];
    for (const { route, operation } of operations) {
      if (untyped.has(route)) continue;
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        const schema = (response as Json).content?.["application/json"]?.schema;
        if (schema && componentIdsOf(schema).length === 0) bare.push(`${route} ${status}`);
      }
    }
    expect(bare).toEqual([]);
  });

  it("names every component after a zod schema of the table, and converts each", () => {
    expect(Object.keys(document.components.schemas).sort()).toEqual(Object.keys(COMPONENTS).sort());
  });

  it("shows the referral's headline fields with one schema in every answer that carries them", () => {
    // Prepare: each headline field as the headline schema alone converts it.
    const headline = standalone(referralHeadlineSchema()).properties as Json;
    const schemas = document.components.schemas;
    const views: [string, Json][] = [
      ["PortalReferralView", schemas.PortalReferralView.properties],
      ["StaffReferralPage.referral", schemas.StaffReferralPage.properties.referral.properties],
      ["Worklist.items", schemas.Worklist.properties.items.items.properties],
      ["ReferralAccepted", schemas.ReferralAccepted.properties],
      ["PriorityChanged", schemas.PriorityChanged.properties],
    ];

    // The answers whose `status` is the answer's own, not the referral's.
    const ownStatus: Record<string, Json> = {
      "ReferralAccepted.status": { type: "string", const: "received" },
      "PriorityChanged.status": { type: "string", const: "changed" },
    };

    // Assess: same names, same schema.
    for (const [name, properties] of views) {
      for (const [field, schema] of Object.entries(properties)) {
        if (!(field in headline)) continue;
        expect(schema, `${name}.${field}`).toEqual(ownStatus[`${name}.${field}`] ?? headline[field]);
      }
    }
    for (const view of ["PortalReferralView", "StaffReferralPage.referral"]) {
      const properties = views.find(([name]) => name === view)?.[1] ?? {};
      expect(Object.keys(properties), view).toEqual(expect.arrayContaining(Object.keys(headline)));
    }
  });

  it("is a valid OpenAPI 3.1 document by the specification's schema, which refuses one without its info", async () => {
    // Act
    const verdict = await new Validator().validate(structuredClone(document));
    const { info: _info, ...withoutInfo } = structuredClone(document);
    const broken = await new Validator().validate(withoutInfo);

    // Assess
    expect(verdict.errors ?? []).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(broken.valid).toBe(false);
  });
});
