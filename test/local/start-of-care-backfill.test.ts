/**
 * The start-of-care backfill on DynamoDB Local with the synthesized table: granted referrals decided
 * before the start-of-care item existed get theirs (from the `decided` partition of the worklist
 * index), so the lead's home lists the starts still to confirm; a second run writes nothing.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClientOf, dynamoClient } from "../../functions/adapters/clients";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import type { Decision } from "../../functions/domain/decision";
import type { ReferralRecord } from "../../functions/domain/records";
import { createFristApp } from "../../lib/app";
import { type DynamoDbLocal, LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import { type CfnTemplate, readTables } from "../../lib/local/template";
import { testReferral } from "../support/fakes";
import { type OwnTables, tablesOfOwn } from "../support/worker-dynamodb";

// Only the tables are read here: the template tests validate the template.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const tables = readTables(app.synth().getStackByName(stack.stackName).template as CfnTemplate);
let tableName: string;
let own: OwnTables | undefined;

let db: DynamoDbLocal | undefined;
let store: DynamoReferralStore;
let documents: ReturnType<typeof documentClientOf>;

beforeAll(async () => {
  own = await tablesOfOwn("start-of-care-backfill", tables);
  db = own.db;
  tableName = own.names[0] as string;
  documents = documentClientOf(
    dynamoClient({
      endpoint: db.endpoint,
      region: "eu-north-1",
      credentials: LOCAL_CREDENTIALS,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
    }),
  );
  store = new DynamoReferralStore(documents, tableName);
}, 90_000);

afterAll(async () => {
  await own?.drop();
});

/** A decided referral as an older Frist stored it: the record and its worklist keys, no start-of-care item. */
async function storedBefore(referralId: string, decision: Decision, extra: Partial<ReferralRecord> = {}) {
  const referral = testReferral({
    referralId,
    status: "decided",
    decision: { decision, taskId: `task-${referralId}`, decidedAt: "2026-03-02T10:00:00.000Z" },
    ...extra,
  });
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: `REFERRAL#${referralId}`,
        sk: "REFERRAL",
        gsi1pk: "decided",
        gsi1sk: `${referral.assessmentDueDate}#${referralId}`,
        recordType: "referral",
        ...referral,
      },
    }),
  );
}

const grant = (startOfCareDeadline: string) =>
  ({
    outcome: "granted",
    startOfCareDeadline,
    careForm: "team",
    assessedBy: "1234567",
  }) as unknown as Decision;

describe("the start-of-care backfill", () => {
  it("gives each granted referral its item once, listing only those with no start and no breach on record", async () => {
    // Prepare: a grant still to start, one started, one refused.
    await storedBefore("old-open", grant("2026-05-04"));
    await storedBefore("old-started", grant("2026-05-05"), { careStartedOn: "2026-04-02" });
    await storedBefore("old-refused", {
      outcome: "refused",
      justification: "Ikke rett.",
      assessedBy: "1234567",
    } as unknown as Decision);
    const before = await store.startsOfCareToConfirm({ dueBefore: "2027-01-01", limit: 50 });

    // Act
    const written = await store.backfillStartsOfCare();
    const again = await store.backfillStartsOfCare();
    const after = await store.startsOfCareToConfirm({ dueBefore: "2027-01-01", limit: 50 });

    // Assess
    expect(before.rows).toEqual([]);
    expect(written).toBe(2);
    expect(again).toBe(0);
    expect(after.rows).toEqual([{ referralId: "old-open", startOfCareDeadline: "2026-05-04" }]);
  });
});
