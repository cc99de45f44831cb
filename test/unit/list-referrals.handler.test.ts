/**
 * The worklist handler (GET /referrals) alone, with DynamoDB mocked and the clock fixed: how it asks
 * the index, what it answers, and that bad query parameters never reach DynamoDB.
 */
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { expectDocumentedAnswer } from "../support/openapi-answers";

const MONDAY_MORNING = new Date("2025-03-10T09:00:00+01:00");
const PORTAL_A = "arn:aws:iam::123456789012:user/portal-a";
const clock = vi.hoisted(() => ({ now: new Date(0) }));
vi.mock("../../functions/adapters/clock", () => ({ systemClock: { now: () => clock.now } }));

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  process.env.TABLE_NAME = "Referrals";
  process.env.AWS_REGION = "eu-north-1";
  process.env.FRIST_QUIET = "1";
  process.env.CLINIC_CONFIG = JSON.stringify({
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      postalAddress: "Postboks 1, 0424 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "23 00 00 00",
      email: "klinikk@example.no",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    },
    intakeTeam: [{ name: "Ingrid Lie", role: "physician", email: "ingrid@example.no", lead: true }],
  });
  ({ handler } = await import("../../functions/handlers/list-referrals"));
});

beforeEach(() => {
  clock.now = MONDAY_MORNING;
});

afterEach(() => {
  dynamo.reset();
});

function get(query: Record<string, string> | null): APIGatewayProxyEvent {
  return {
    httpMethod: "GET",
    path: "/referrals",
    resource: "/referrals",
    headers: {},
    queryStringParameters: query,
    body: null,
    isBase64Encoded: false,
    requestContext: { identity: { accountId: "123456789012", userArn: PORTAL_A } },
  } as unknown as APIGatewayProxyEvent;
}

/** A referral item as the index holds it (projection ALL), patient data included. */
function indexItem(referralId: string, assessmentDueDate: string, extra: Record<string, unknown> = {}) {
  return {
    pk: `REFERRAL#${referralId}`,
    sk: "REFERRAL",
    gsi2pk: `${PORTAL_A}#awaiting-assessment`,
    gsi2sk: `${assessmentDueDate}#${referralId}`,
    recordType: "referral",
    referralId,
    status: "awaiting-assessment",
    kind: "new",
    priority: "ordinary",
    receivedAt: "2025-02-24T09:00:00.000Z",
    assessmentDueDate,
    deadlineBreached: false,
    submission: { patient: { nationalId: "15038512273", name: "Kari Nordmann" }, reason: "smerter" },
    ...extra,
  };
}

const lastEvaluatedKey = {
  pk: "REFERRAL#r-2",
  sk: "REFERRAL",
  gsi2pk: `${PORTAL_A}#awaiting-assessment`,
  gsi2sk: "2025-03-14#r-2",
};

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("GET /referrals handler", () => {
  it("queries the portal index by the calling portal and status, dueBefore an exclusive sort-key bound, no filter, never a scan", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    const response = await handler(get({ status: "awaiting-assessment", dueBefore: "2025-03-14" }));

    // Assess: one key range of the portal's own referrals, so a page is never cut short by a filter.
    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: "Referrals",
      IndexName: "byPortal",
      KeyConditionExpression: "gsi2pk = :partition AND gsi2sk < :dueBefore",
      ExpressionAttributeValues: {
        ":partition": `${PORTAL_A}#awaiting-assessment`,
        ":dueBefore": "2025-03-14",
      },
      ScanIndexForward: true,
      Limit: 50,
    });
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.FilterExpression).toBeUndefined();
    expect(dynamo).not.toHaveReceivedCommand(ScanCommand);
  });

  it("reads only the worklist's attributes, never the submission with the patient", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    await handler(get(null));

    const input = dynamo.commandCalls(QueryCommand)[0]?.args[0].input;
    const names = input?.ExpressionAttributeNames ?? {};
    const projected = (input?.ProjectionExpression ?? "").split(", ").map((alias) => names[alias] ?? alias);
    expect(projected.sort()).toEqual(
      [
        "assessmentDueDate",
        "atRisk",
        "deadlineBreached",
        "kind",
        "priority",
        "receivedAt",
        "referralId",
        "status",
      ].sort(),
    );
  });

  it("keeps to the calling portal's referrals: an assumed role's session counts as its role", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const event = get(null);
    event.requestContext.identity.userArn = "arn:aws:sts::123456789012:assumed-role/PortalB/session-17";

    await handler(event);

    const input = dynamo.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.ExpressionAttributeValues?.[":partition"]).toBe(
      "arn:aws:iam::123456789012:role/PortalB#awaiting-assessment",
    );
  });

  it("refuses a caller without an IAM principal with 403, without asking DynamoDB", async () => {
    const event = get(null);
    event.requestContext.identity.userArn = null;

    const response = await handler(event);

    expect(response.statusCode).toBe(403);
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it("lists every referral of the portal awaiting assessment when called without parameters", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    const response = await handler(get(null));

    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: "gsi2pk = :partition",
      ExpressionAttributeValues: { ":partition": `${PORTAL_A}#awaiting-assessment` },
      Limit: 50,
    });
  });

  it("answers soonest deadline first with working days left, the breach and risk flags, and no patient data", async () => {
    // Prepare: the index returns the items in sort-key order; today is Monday 2025-03-10 in Oslo.
    dynamo.on(QueryCommand).resolves({
      Items: [
        indexItem("r-0", "2025-03-07", { deadlineBreached: true }),
        indexItem("r-1", "2025-03-10"),
        indexItem("r-2", "2025-03-14", { priority: "urgent", atRisk: true }),
      ],
    });

    // Act
    const response = await handler(get({ status: "awaiting-assessment", limit: "3" }));

    // Assess
    const body = JSON.parse(response.body);
    expect(body.asOf).toBe("2025-03-10");
    expect(body.items).toEqual([
      {
        referralId: "r-0",
        status: "awaiting-assessment",
        kind: "new",
        priority: "ordinary",
        receivedAt: "2025-02-24T09:00:00.000Z",
        assessmentDueDate: "2025-03-07",
        workingDaysLeft: -1,
        deadlineBreached: true,
      },
      expect.objectContaining({ referralId: "r-1", workingDaysLeft: 0, deadlineBreached: false }),
      expect.objectContaining({ referralId: "r-2", priority: "urgent", workingDaysLeft: 4, atRisk: true }),
    ]);
    expect(body.items[1]).not.toHaveProperty("atRisk");
    expect(body).not.toHaveProperty("nextCursor");
    expect(response.body).not.toContain("15038512273");
    expect(response.body).not.toContain("Kari");
    expect(response.body).not.toContain("REFERRAL#");
    expectDocumentedAnswer("GET /referrals", response);
  });

  it("counts working days left from today's date in Oslo, not in UTC", async () => {
    // Prepare: 23:30 UTC on Sunday is already Monday in Oslo.
    clock.now = new Date("2025-03-09T23:30:00Z");
    dynamo.on(QueryCommand).resolves({ Items: [indexItem("r-1", "2025-03-11")] });

    // Act
    const response = await handler(get(null));

    // Assess
    const body = JSON.parse(response.body);
    expect(body.asOf).toBe("2025-03-10");
    expect(body.items[0].workingDaysLeft).toBe(1);
  });

  it("hands out a cursor for the next page and resumes exactly after it", async () => {
    // Prepare
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [indexItem("r-1", "2025-03-12"), indexItem("r-2", "2025-03-14")],
        LastEvaluatedKey: lastEvaluatedKey,
      })
      .resolvesOnce({ Items: [indexItem("r-3", "2025-03-20")] });

    // Act
    const first = JSON.parse((await handler(get({ limit: "2" }))).body);
    const second = JSON.parse((await handler(get({ limit: "2", cursor: first.nextCursor }))).body);

    // Assess
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toBeUndefined();
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input).toMatchObject({
      Limit: 2,
      ExclusiveStartKey: lastEvaluatedKey,
    });
    expect(second.items.map((item: { referralId: string }) => item.referralId)).toEqual(["r-3"]);
    expect(second).not.toHaveProperty("nextCursor");
  });

  it.each([
    ["an unknown status", { status: "pending" }, "status"],
    ["an empty status", { status: "" }, "status"],
    ["a date that does not exist", { dueBefore: "2025-02-30" }, "dueBefore"],
    ["a date in another format", { dueBefore: "14.03.2025" }, "dueBefore"],
    ["a limit of 0", { limit: "0" }, "limit"],
    ["a limit over 200", { limit: "201" }, "limit"],
    ["a limit that is not a whole number", { limit: "2.5" }, "limit"],
    ["a limit in exponent notation", { limit: "1e2" }, "limit"],
    ["a cursor with characters outside base64url", { cursor: "not a cursor!" }, "cursor"],
    ["a cursor that is not JSON", { cursor: Buffer.from("{oops").toString("base64url") }, "cursor"],
    ["a cursor that is a JSON array", { cursor: cursorOf([1, 2]) }, "cursor"],
    ["a cursor with a missing key", { cursor: cursorOf({ ...lastEvaluatedKey, sk: undefined }) }, "cursor"],
    ["a cursor with an extra key", { cursor: cursorOf({ ...lastEvaluatedKey, submission: "x" }) }, "cursor"],
    [
      "a cursor with a number for a key",
      { cursor: cursorOf({ ...lastEvaluatedKey, gsi2sk: 20250314 }) },
      "cursor",
    ],
    ["a cursor of another status", { status: "decided", cursor: cursorOf(lastEvaluatedKey) }, "cursor"],
    [
      "a cursor of another portal's list",
      {
        cursor: cursorOf({
          ...lastEvaluatedKey,
          gsi2pk: "arn:aws:iam::123456789012:user/portal-b#awaiting-assessment",
        }),
      },
      "cursor",
    ],
    [
      "a cursor of the status index (every portal's)",
      {
        cursor: cursorOf({
          pk: "REFERRAL#r-2",
          sk: "REFERRAL",
          gsi1pk: "awaiting-assessment",
          gsi1sk: "2025-03-14#r-2",
        }),
      },
      "cursor",
    ],
    [
      "a cursor pointing at another kind of item",
      { cursor: cursorOf({ ...lastEvaluatedKey, sk: "TASK#t-1" }) },
      "cursor",
    ],
  ])("answers 400 naming the parameter for %s, without asking DynamoDB", async (_what, query, path) => {
    // Act
    const response = await handler(get(query as Record<string, string>));

    // Assess
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body);
    expect(body.error).toBe("validation_failed");
    expect(body.issues).toEqual([{ path, message: expect.any(String) }]);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it("names every bad parameter in one answer", async () => {
    const response = await handler(get({ status: "x", dueBefore: "tomorrow", limit: "-1" }));

    expect(response.statusCode).toBe(400);
    const paths = JSON.parse(response.body).issues.map((issue: { path: string }) => issue.path);
    expect(paths.sort()).toEqual(["dueBefore", "limit", "status"]);
    expectDocumentedAnswer("GET /referrals", response);
  });

  it("answers 500 without detail when DynamoDB fails, and logs the error's name only", async () => {
    // Prepare
    dynamo.on(QueryCommand).rejects(
      Object.assign(new Error("Requested resource not found: Table Referrals"), {
        name: "ResourceNotFoundException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const log = vi.spyOn(process.stderr, "write").mockImplementation(() => true); // Powertools writes error lines to stderr itself

    // Act
    const response = await handler(get(null));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: "internal_error" });
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]?.[0])).not.toContain("Requested resource");
    log.mockRestore();
  });
});
