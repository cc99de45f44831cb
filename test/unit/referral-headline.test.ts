/**
 * The referral's headline (referral-headline.ts) is one schema: the views show it under the same
 * names, picked field by field from the record, and the worklist reads exactly the row's attributes
 * from the index and parses them.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoWorklist } from "../../functions/adapters/dynamo-worklist";
import { portalReferralView } from "../../functions/domain/portal";
import { staffReferralPageSchema } from "../../functions/domain/referral";
import { headlineOf, referralHeadlineSchema } from "../../functions/domain/referral-headline";
import { referralView } from "../../functions/domain/referral-view";
import { worklistQuerySchema, worklistRowSchema } from "../../functions/domain/worklist";
import { testReferral } from "../support/fakes";

const HEADLINE_FIELDS = Object.keys(referralHeadlineSchema().shape).sort();

/** A record's headline fields with valid values, as fast-check draws them. */
const headline = fc.record({
  referralId: fc.stringMatching(/^ref-[a-z0-9]{1,12}$/),
  status: fc.constantFrom(...referralHeadlineSchema().shape.status.options),
  kind: fc.constantFrom(...referralHeadlineSchema().shape.kind.options),
  priority: fc.constantFrom(...referralHeadlineSchema().shape.priority.options),
  receivedAt: fc
    .date({
      min: new Date("2020-01-01T00:00:00Z"),
      max: new Date("2030-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
  clockStartDate: fc.constantFrom("2025-03-03", "2024-12-30"),
  assessmentDueDate: fc.constantFrom("2025-03-17", "2025-01-13"),
  deadlineBreached: fc.boolean(),
});

describe("the referral headline", () => {
  it("takes exactly the headline fields from a record, whatever else the record holds", () => {
    fc.assert(
      fc.property(
        headline,
        fc.dictionary(fc.stringMatching(/^[a-z]{3,12}$/), fc.jsonValue()),
        (fields, extra) => {
          // Prepare: a record with more than a headline (the patient, for one).
          const record = { ...extra, ...fields, patient: { name: "Kari Nordmann" } };

          // Act
          const picked = headlineOf(record);

          // Assess
          expect(Object.keys(picked).sort()).toEqual(HEADLINE_FIELDS);
          expect(referralHeadlineSchema().parse(picked)).toEqual(fields);
        },
      ),
    );
  });

  it("shows the same headline to the portal and to staff as the stored referral has", () => {
    fc.assert(
      fc.property(headline, (fields) => {
        // Prepare
        const file = {
          referral: testReferral({ ...fields, portal: "arn:aws:iam::123456789012:user/portal-a" }),
          events: [],
          letters: [],
          tasks: [],
        };

        // Act
        const portal = portalReferralView(file);
        const staff = referralView(file);

        // Assess: each as its documented schema says, with the record's headline.
        expect(() => staffReferralPageSchema().parse({ referral: staff, csrfToken: "token" })).not.toThrow();
        for (const field of HEADLINE_FIELDS) {
          expect(portal[field as keyof typeof portal], field).toEqual(fields[field as keyof typeof fields]);
          expect(staff[field as keyof typeof staff], field).toEqual(fields[field as keyof typeof fields]);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("the worklist's rows from the index", () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const worklist = new DynamoWorklist(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-north-1" })),
    "Referrals",
  );
  const query = worklistQuerySchema.parse({});
  const row = {
    referralId: "ref-1",
    status: "awaiting-assessment",
    kind: "new",
    priority: "urgent",
    receivedAt: "2025-03-03T09:00:00.000Z",
    assessmentDueDate: "2025-03-17",
    deadlineBreached: false,
  };

  afterEach(() => dynamo.reset());

  it("asks the index for the row schema's attributes and no others", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    await worklist.page(query, "portal-a");

    // Assess
    const input = dynamo.commandCalls(QueryCommand)[0]?.args[0].input;
    const names = input?.ExpressionAttributeNames ?? {};
    const read = (input?.ProjectionExpression ?? "").split(", ").map((alias) => names[alias]);
    expect(read.sort()).toEqual(Object.keys(worklistRowSchema().shape).sort());
  });

  it("keeps only the row's attributes of an item that carries more", async () => {
    // Prepare: an item as a store that ignored the projection would give it.
    dynamo.on(QueryCommand).resolves({
      Items: [{ ...row, submission: { patient: { name: "Kari Nordmann" } }, clockStartDate: "2025-03-03" }],
    });

    // Act
    const page = await worklist.page(query, "portal-a");

    // Assess
    expect(page.rows).toEqual([row]);
  });

  it("refuses an item whose headline is not a referral's, instead of listing it", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ ...row, status: "lost" }] });

    // Act and assess
    await expect(worklist.page(query, "portal-a")).rejects.toThrow(/status/);
  });
});
