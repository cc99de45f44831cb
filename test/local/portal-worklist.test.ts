/**
 * GET /referrals for a portal pages over that portal's referrals only, from the portal index
 * (`byPortal`), on DynamoDB Local with the synthesized table: every page before the last is full
 * (no filter drops other portals' items after the limit), the order is the soonest deadline first,
 * a status change moves a referral between the portal's lists, a referral stored before the index
 * existed is listed once the backfill has keyed it, and one with no portal is in no portal's list.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillCommand } from "../../bin/backfill";
import { documentClientOf, dynamoClient } from "../../functions/adapters/clients";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { DynamoWorklist } from "../../functions/adapters/dynamo-worklist";
import type { Decision } from "../../functions/domain/decision";
import type { ReferralRecord } from "../../functions/domain/records";
import { InvalidCursor, type WorklistQuery } from "../../functions/domain/worklist";
import { createFristApp } from "../../lib/app";
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  startDynamoDbLocal,
} from "../../lib/local/emulators/dynamodb-local";
import { type CfnTemplate, readTables } from "../../lib/local/template";
import { testReferral } from "../support/fakes";

// Only the tables are read here: the template tests validate the template.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const tables = readTables(app.synth().getStackByName(stack.stackName).template as CfnTemplate);
const tableName = String(tables[0]?.TableName);
const PORTALS = [
  "arn:aws:iam::1:user/portal-a",
  "arn:aws:iam::1:user/portal-b",
  "arn:aws:iam::1:user/portal-c",
];
const [A, B] = PORTALS as [string, string, string];

let db: DynamoDbLocal | undefined;
let store: DynamoReferralStore;
let worklist: DynamoWorklist;
let documents: ReturnType<typeof documentClientOf>;

beforeAll(async () => {
  db = await startDynamoDbLocal({ dataDir: null, tables });
  const client = dynamoClient({
    endpoint: db.endpoint,
    region: "eu-north-1",
    credentials: LOCAL_CREDENTIALS,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
  documents = documentClientOf(client);
  store = new DynamoReferralStore(documents, tableName);
  worklist = new DynamoWorklist(documents, tableName);
}, 90_000);

afterAll(async () => {
  await db?.stop();
});

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(n++).padStart(12, "0")}`;
const event = {
  type: "referral-received" as const,
  at: "2025-03-03T09:00:00.000Z",
  actor: { kind: "system" as const, id: "t" },
};

async function receive(portal: string | undefined, assessmentDueDate: string): Promise<ReferralRecord> {
  const referral = testReferral({
    referralId: id(),
    assessmentDueDate,
    ...(portal ? { portal } : {}),
  });
  await store.createReferral(
    referral,
    {
      scope: portal ?? "none",
      key: referral.referralId,
      bodyHash: "h",
      referralId: referral.referralId,
      response: {},
      createdAt: referral.receivedAt,
    },
    event,
  );
  return referral;
}

/** A refusal recorded from task `taskId`. */
function refusedBy(taskId: string) {
  return {
    taskId,
    decidedAt: "2025-03-20T10:00:00.000Z",
    decision: { outcome: "refused", justification: "x", advice: "y", assessedBy: "1" } as unknown as Decision,
  };
}

/** Every page of a portal's list, as GET /referrals hands them out. */
async function allPages(portal: string, query: Omit<WorklistQuery, "cursor">) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await worklist.page({ ...query, ...(cursor ? { cursor } : {}) }, portal);
    pages.push(page.rows.map((row) => row.referralId));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

describe("a portal's list of its referrals", () => {
  it("pages over the portal's own referrals in full pages, soonest deadline first", async () => {
    // Prepare: 24 referrals, the three portals interleaved, deadlines out of order.
    const mine: ReferralRecord[] = [];
    for (let i = 0; i < 24; i++) {
      const due = `2025-03-${String(10 + ((i * 7) % 19)).padStart(2, "0")}`;
      const referral = await receive(PORTALS[i % 3], due);
      if (i % 3 === 0) mine.push(referral);
    }

    // Act
    const pages = await allPages(A, { status: "received", limit: 3 });

    // Assess: 8 of A's in pages of 3, 3, 2; none of B's or C's; in due-date order.
    expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
    const expected = [...mine]
      .sort((x, y) =>
        `${x.assessmentDueDate}#${x.referralId}`.localeCompare(`${y.assessmentDueDate}#${y.referralId}`),
      )
      .map((r) => r.referralId);
    expect(pages.flat()).toEqual(expected);
  });

  it("moves a referral between the portal's lists when its status changes, the decision included", async () => {
    // Prepare
    const referral = await receive(B, "2025-04-01");

    // Act
    await store.changeStatus(referral.referralId, { from: ["received"], to: "awaiting-assessment" }, event);
    const awaiting = (await allPages(B, { status: "awaiting-assessment", limit: 50 })).flat();
    const received = (await allPages(B, { status: "received", limit: 50 })).flat();
    await store.recordDecision(referral.referralId, refusedBy("t-1"), event);
    const decided = (await allPages(B, { status: "decided", limit: 50 })).flat();
    const stillAwaiting = (await allPages(B, { status: "awaiting-assessment", limit: 50 })).flat();

    // Assess
    expect(awaiting).toContain(referral.referralId);
    expect(received).not.toContain(referral.referralId);
    expect(decided).toEqual([referral.referralId]);
    expect(stillAwaiting).not.toContain(referral.referralId);
    expect((await allPages(A, { status: "decided", limit: 50 })).flat()).toEqual([]);
  });

  it("keys the lists the same from the referral the caller read, with no read of the store's own", async () => {
    // Prepare
    const referral = await receive(B, "2025-04-02");
    const calls: string[] = [];
    documents.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "countCalls" },
    );

    // Act
    try {
      await store.changeStatus(
        referral.referralId,
        { from: ["received"], to: "awaiting-assessment", read: referral },
        event,
      );
      await store.recordDecision(referral.referralId, refusedBy("t-2"), event, undefined, referral);
    } finally {
      documents.middlewareStack.remove("countCalls");
    }

    // Assess: one write each, and the referral listed as decided for its portal only.
    expect(calls).toEqual(["TransactWriteItemsCommand", "TransactWriteItemsCommand"]);
    expect((await allPages(B, { status: "decided", limit: 50 })).flat()).toContain(referral.referralId);
    expect((await allPages(B, { status: "awaiting-assessment", limit: 50 })).flat()).not.toContain(
      referral.referralId,
    );
    expect((await allPages(A, { status: "decided", limit: 50 })).flat()).not.toContain(referral.referralId);
  });

  it("lists a referral stored before the portal index once the backfill keyed it; one without a portal never", async () => {
    // Prepare: an item as an older Frist wrote it (a portal, no portal index keys), and one with no portal.
    const old = testReferral({
      referralId: id(),
      portal: B,
      status: "awaiting-assessment",
      assessmentDueDate: "2025-02-01",
    });
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `REFERRAL#${old.referralId}`,
          sk: "REFERRAL",
          gsi1pk: old.status,
          gsi1sk: `${old.assessmentDueDate}#${old.referralId}`,
          recordType: "referral",
          ...old,
        },
      }),
    );
    const ownerless = await receive(undefined, "2025-02-01");
    await store.changeStatus(ownerless.referralId, { from: ["received"], to: "awaiting-assessment" }, event);
    const before = (await allPages(B, { status: "awaiting-assessment", limit: 50 })).flat();

    // Act
    const keyed = await store.backfillPortalIndex();
    const again = await store.backfillPortalIndex();
    const after = (await allPages(B, { status: "awaiting-assessment", limit: 50 })).flat();

    // Assess
    expect(before).not.toContain(old.referralId);
    expect(keyed).toBe(1);
    expect(again).toBe(0);
    expect(after[0]).toBe(old.referralId);
    for (const portal of PORTALS) {
      expect((await allPages(portal, { status: "awaiting-assessment", limit: 50 })).flat()).not.toContain(
        ownerless.referralId,
      );
    }
    // The operations page (no portal) still reads every portal's from the status index.
    const everyone = (await worklist.page({ status: "awaiting-assessment", limit: 200 })).rows.map(
      (r) => r.referralId,
    );
    expect(everyone).toEqual(expect.arrayContaining([old.referralId, ownerless.referralId]));
  });

  it("refuses another portal's cursor before asking DynamoDB", async () => {
    const page = await worklist.page({ status: "received", limit: 1 }, B);
    expect(page.nextCursor).toBeDefined();

    await expect(
      worklist.page({ status: "received", limit: 1, cursor: String(page.nextCursor) }, A),
    ).rejects.toThrow(InvalidCursor);
  });

  it("keys old referrals with `frist backfill-portal-index --table`, and asks for the table without one", async () => {
    // Prepare: an old item, and the CLI's environment pointed at DynamoDB Local.
    const old = testReferral({
      referralId: id(),
      portal: A,
      status: "closed",
      assessmentDueDate: "2025-01-10",
    });
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: `REFERRAL#${old.referralId}`, sk: "REFERRAL", recordType: "referral", ...old },
      }),
    );
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: db?.endpoint,
      AWS_REGION: "eu-north-1",
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    delete process.env.TABLE_NAME;
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };

    // Act
    let codes: number[];
    try {
      codes = [await backfillCommand([], io), await backfillCommand(["--table", tableName], io)];
    } finally {
      process.env = saved;
    }

    // Assess
    expect(codes).toEqual([2, 0]);
    expect(out[0]).toContain("name the table");
    expect(out[1]).toBe(`keyed 1 referral(s) for the portal index of ${tableName}`);
    expect((await allPages(A, { status: "closed", limit: 50 })).flat()).toEqual([old.referralId]);
  });
});
