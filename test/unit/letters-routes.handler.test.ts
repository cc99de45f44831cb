/**
 * The postal routes alone, with DynamoDB mocked: a signed-in clerk's GET /letters?status=awaiting-postal
 * reads the `worklist` index's postal partition (never a scan) and shows only what posting needs, as
 * JSON or as the clerk's page; GET /letters/{letterId}/print shows a postal letter, each view in the
 * access log; POST /letters/{letterId}/sent marks one letter sent, conditionally, with its audit
 * event naming the clerk. Without a session nothing is shown or changed; other roles get 403.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeCursor } from "../../functions/adapters/dynamo-cursor";
import { letterIdOf } from "../../functions/domain/postal";
import { testReferral } from "../support/fakes";
import { expectDocumentedAnswer } from "../support/openapi-answers";

vi.mock("../../functions/adapters/clock", () => ({
  systemClock: { now: () => new Date("2025-03-10T08:00:00Z") },
}));
const signedIn = vi.hoisted(() => ({ sessions: new Map<string, unknown>(), accessEvents: [] as unknown[] }));
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async (id: string) => signedIn.sessions.get(id),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({
    record: async (event: unknown) => {
      signedIn.accessEvents.push(event);
    },
    list: async () => [],
  }),
}));

const CLERK = "C".repeat(43);
const ASSESSOR = "A".repeat(43);
const TOKEN = "clerk-session-token";
const staffSession = (roles: string[], email: string) => ({
  principal: { kind: "staff", subject: email, email, name: email, roles },
  csrfToken: TOKEN,
  createdAt: new Date().toISOString(),
  lastSeenAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
});
signedIn.sessions.set(CLERK, staffSession(["clerk"], "kari.dahl@smerteklinikk.example"));
signedIn.sessions.set(ASSESSOR, staffSession(["assessor"], "ola.haugen@smerteklinikk.example"));

const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;
let list: Handler;
let markPosted: Handler;
let print: Handler;

beforeAll(async () => {
  process.env.TABLE_NAME = "Referrals";
  process.env.AWS_REGION = "eu-north-1";
  process.env.FRIST_QUIET = "1";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  ({ handler: list } = await import("../../functions/handlers/list-letters"));
  ({ handler: markPosted } = await import("../../functions/handlers/mark-letter-posted"));
  ({ handler: print } = await import("../../functions/handlers/postal-letter"));
});

afterEach(() => {
  dynamo.reset();
  signedIn.accessEvents.length = 0;
});

/** A request of the clerk's session (or `session`), a POST carrying the session's token. */
function event(
  partial: Partial<APIGatewayProxyEvent>,
  session: string | null = CLERK,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  const method = partial.httpMethod ?? (partial.pathParameters?.letterId ? "POST" : "GET");
  return {
    httpMethod: method,
    path: "/letters",
    headers: {
      Host: "api.example",
      ...(session ? { Cookie: `frist_session=${session}` } : {}),
      ...(method === "POST" ? { "X-CSRF-Token": TOKEN } : {}),
      ...headers,
    },
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { identity: { userArn: "arn:aws:iam::123456789012:user/ops" } },
    ...partial,
  } as unknown as APIGatewayProxyEvent;
}

/** The referral item, as the store keeps it: received 3 March 2025, due 17 March. */
const referralItem = {
  pk: "REFERRAL#ref-1",
  sk: "REFERRAL",
  recordType: "referral",
  ...testReferral({
    referralId: "ref-1",
    receivedAt: "2025-03-03T09:00:00.000Z",
    assessmentDueDate: "2025-03-17",
  }),
};

/** A letter item as the index holds it (projection ALL): the body and everything else included. */
const postalItem = {
  pk: "REFERRAL#ref-1",
  sk: "LETTER#decision#patient",
  gsi1pk: "LETTER#awaiting-postal",
  gsi1sk: "2025-03-07T10:00:00.000Z#ref-1#decision#patient",
  referralId: "ref-1",
  letterKind: "decision",
  recipientRole: "patient",
  createdAt: "2025-03-07T10:00:00.000Z",
  subject: "Kopi til pasient: svar på henvisning (ref. ref-1)",
  postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
};

describe("GET /letters?status=awaiting-postal", () => {
  it("queries the postal partition of the worklist index, oldest first, reading only the listed attributes", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [postalItem] });

    // Act
    const response = await list(event({ queryStringParameters: { status: "awaiting-postal" } }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      csrfToken: TOKEN,
      letters: [
        {
          letterId: letterIdOf({ referralId: "ref-1", letterKind: "decision", recipientRole: "patient" }),
          referralId: "ref-1",
          letterKind: "decision",
          recipientRole: "patient",
          createdAt: "2025-03-07T10:00:00.000Z",
          subject: "Kopi til pasient: svar på henvisning (ref. ref-1)",
          postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
        },
      ],
    });
    expectDocumentedAnswer("GET /letters", response);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: "Referrals",
      IndexName: "worklist",
      KeyConditionExpression: "gsi1pk = :postal",
      ExpressionAttributeValues: { ":postal": "LETTER#awaiting-postal" },
      ScanIndexForward: true,
      Limit: 50,
    });
    const projection = String(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ProjectionExpression);
    expect(projection).not.toMatch(/html|text|#to\b/);
    expect(dynamo).not.toHaveReceivedCommand(ScanCommand);
  });

  it("shows a GP's letter without any address, and pages with an opaque cursor", async () => {
    // Prepare
    const gpItem = {
      ...postalItem,
      sk: "LETTER#decision#gp",
      gsi1sk: "2025-03-07T10:00:00.000Z#ref-1#decision#gp",
      recipientRole: "gp",
      postalAddress: undefined,
    };
    const last = { gsi1pk: gpItem.gsi1pk, gsi1sk: gpItem.gsi1sk, pk: gpItem.pk, sk: gpItem.sk };
    dynamo.on(QueryCommand).resolves({ Items: [gpItem], LastEvaluatedKey: last });

    // Act
    const response = await list(event({ queryStringParameters: { status: "awaiting-postal", limit: "1" } }));
    const body = JSON.parse(response.body);
    const next = await list(
      event({ queryStringParameters: { status: "awaiting-postal", cursor: body.nextCursor } }),
    );

    // Assess
    expect(body.letters[0]).not.toHaveProperty("postalAddress");
    expect(body.nextCursor).toBe(encodeCursor(last));
    expect(next.statusCode).toBe(200);
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(last);
  });

  it("refuses another status, a bad limit or a forged cursor with 400, before asking DynamoDB", async () => {
    const forged = Buffer.from(
      JSON.stringify({ gsi1pk: "awaiting-assessment", gsi1sk: "x", pk: "REFERRAL#1", sk: "REFERRAL" }),
    ).toString("base64url");
    for (const query of [
      null,
      { status: "sent" },
      { status: "awaiting-postal", limit: "0" },
      { status: "awaiting-postal", cursor: forged },
    ]) {
      const response = await list(event({ queryStringParameters: query }));
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(JSON.parse(response.body).error).toBe("validation_failed");
      expectDocumentedAnswer("GET /letters", response);
    }
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });
});

describe("POST /letters/{letterId}/sent", () => {
  const letterId = letterIdOf({ referralId: "ref-1", letterKind: "decision", recipientRole: "patient" });

  it("marks the letter sent only from awaiting-postal, takes it off the list and records letter-posted by the caller", async () => {
    // Prepare: the patient's decision letter of a referral due 17 March, posted on 10 March.
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(GetCommand).resolves({ Item: referralItem });

    // Act
    const response = await markPosted(event({ pathParameters: { letterId } }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      letterId,
      status: "sent",
      sentAt: "2025-03-10T08:00:00.000Z",
    });
    expectDocumentedAnswer("POST /letters/{letterId}/sent", response);
    const [update, audit] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(update?.Update).toMatchObject({
      Key: { pk: "REFERRAL#ref-1", sk: "LETTER#decision#patient" },
      ConditionExpression: "attribute_exists(pk) AND #status = :awaiting",
      ExpressionAttributeValues: expect.objectContaining({ ":awaiting": "awaiting-postal", ":sent": "sent" }),
    });
    expect(update?.Update?.UpdateExpression).toContain("REMOVE gsi1pk, gsi1sk");
    expect(audit?.Put?.Item).toMatchObject({
      pk: "REFERRAL#ref-1",
      type: "letter-posted",
      actor: { kind: "staff", id: "kari.dahl@smerteklinikk.example" },
      details: { letterKind: "decision", recipientRole: "patient" },
    });
    // The patient informed by the due date: counted for March in the same transaction.
    const counted = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[2];
    expect(counted?.Update).toMatchObject({
      Key: { pk: "STATISTICS#2025-03", sk: expect.stringMatching(/^STATISTICS(#[1-7])?$/) },
      ExpressionAttributeNames: expect.objectContaining({ "#c0": "c.informedWithinDeadline" }),
      ExpressionAttributeValues: expect.objectContaining({ ":c0": 1 }),
    });
  });

  it("answers 409 when the letter is not awaiting post (already posted, or emailed)", async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }],
      }),
    );
    const response = await markPosted(event({ pathParameters: { letterId } }));
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body).error).toBe("not_awaiting_postal");
    expectDocumentedAnswer("POST /letters/{letterId}/sent", response);
  });

  it("answers 404 to a letter id it did not make, without writing", async () => {
    const response = await markPosted(event({ pathParameters: { letterId: "not-a-letter" } }));
    expect(response.statusCode).toBe(404);
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});

describe("the postal queue is a clerk's", () => {
  const letterId = letterIdOf({ referralId: "ref-1", letterKind: "decision", recipientRole: "patient" });
  const letterItems: Record<string, unknown>[] = [
    referralItem,
    {
      ...postalItem,
      recordType: "letter",
      channel: "postal",
      status: "awaiting-postal",
      html: "<p>Kari Nordmann har rett til nødvendig helsehjelp.</p>",
      text: "Kari Nordmann har rett til nødvendig helsehjelp.",
    },
  ];

  it("sends a browser without a session to sign-in and a script's POST gets 401, reading and writing nothing", async () => {
    const listed = await list(event({ queryStringParameters: { status: "awaiting-postal" } }, null));
    const printed = await print(event({ httpMethod: "GET", pathParameters: { letterId } }, null));
    const marked = await markPosted(event({ pathParameters: { letterId } }, null));

    expect([listed.statusCode, printed.statusCode, marked.statusCode]).toEqual([303, 303, 401]);
    expect(printed.body).not.toContain("Kari Nordmann");
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it("refuses an assessor with 403 on every postal route, changing nothing", async () => {
    const answers = [
      await list(event({ queryStringParameters: { status: "awaiting-postal" } }, ASSESSOR)),
      await print(event({ httpMethod: "GET", pathParameters: { letterId } }, ASSESSOR)),
      await markPosted(event({ pathParameters: { letterId } }, ASSESSOR)),
    ];

    expect(answers.map((answer) => answer.statusCode)).toEqual([403, 403, 403]);
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(signedIn.accessEvents).toEqual(
      expect.arrayContaining([expect.objectContaining({ referralId: "ref-1", outcome: "refused" })]),
    );
  });

  it("refuses a mark without the session's token, and a form from another origin, writing nothing", async () => {
    const noToken = await markPosted(event({ pathParameters: { letterId } }, CLERK, { "X-CSRF-Token": "" }));
    const foreign = await markPosted(
      event({ pathParameters: { letterId }, body: `csrfToken=${TOKEN}` }, CLERK, {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://evil.example",
      }),
    );

    expect([noToken.statusCode, foreign.statusCode]).toEqual([403, 403]);
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it("shows a browser the clerk's page: print link and a 'sent' form with the session's token per letter", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [postalItem] });

    const response = await list(event({ queryStringParameters: null }, CLERK, { Accept: "text/html,*/*" }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`href="letters/${letterId}/print"`);
    expect(response.body).toContain(`action="letters/${letterId}/sent"`);
    expect(response.body).toContain(`name="csrfToken" value="${TOKEN}"`);
    expect(response.body).toContain("Storgata 1");
  });

  it("marks a letter sent from the page's form and goes back to the list", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(GetCommand).resolves({ Item: referralItem });

    const response = await markPosted(
      event({ pathParameters: { letterId }, body: `csrfToken=${TOKEN}` }, CLERK, {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://api.example",
      }),
    );

    expect(response.statusCode).toBe(303);
    expect((response as { headers?: Record<string, string> }).headers?.location).toBe(
      "../../letters?status=awaiting-postal&posted=1",
    );
    expect(dynamo).toHaveReceivedCommand(TransactWriteCommand);
  });

  it("prints a postal letter as written for the clerk, recording who read it, when and in which role", async () => {
    dynamo.on(QueryCommand).resolves({ Items: letterItems });

    const response = await print(event({ httpMethod: "GET", pathParameters: { letterId } }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("Kari Nordmann har rett til nødvendig helsehjelp.");
    expect(signedIn.accessEvents).toEqual([
      {
        referralId: "ref-1",
        at: "2025-03-10T08:00:00.000Z",
        who: "kari.dahl@smerteklinikk.example",
        name: "kari.dahl@smerteklinikk.example",
        role: "clerk",
        what: "postal-letter",
        outcome: "viewed",
      },
    ]);
  });

  it("does not print an emailed letter or a forged id (404), and logs no view", async () => {
    dynamo.on(QueryCommand).resolves({
      Items: letterItems.map((item) => (item.recordType === "letter" ? { ...item, channel: "email" } : item)),
    });

    const emailed = await print(event({ httpMethod: "GET", pathParameters: { letterId } }));
    const forged = await print(event({ httpMethod: "GET", pathParameters: { letterId: "not-a-letter" } }));

    expect([emailed.statusCode, forged.statusCode]).toEqual([404, 404]);
    expect(signedIn.accessEvents).toEqual([]);
  });
});

describe("the referral store's letter items", () => {
  it("put a letter awaiting post on the postal list, an emailed one not, and key information requests by request", async () => {
    // Prepare
    const { DynamoReferralStore } = await import("../../functions/adapters/dynamo-referral-store");
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    dynamo.on(PutCommand).resolves({});
    const store = new DynamoReferralStore(dynamo as unknown as DynamoDBDocumentClient, "Referrals");
    const base = {
      referralId: "ref-1",
      letterKind: "decision" as const,
      subject: "s",
      html: "h",
      text: "t",
      createdAt: "2025-03-07T10:00:00.000Z",
    };

    // Act
    await store.claimLetter({ ...base, recipientRole: "gp", channel: "postal", status: "awaiting-postal" });
    await store.claimLetter({
      ...base,
      recipientRole: "referrer",
      channel: "email",
      status: "sending",
      to: "a@b.no",
    });
    await store.claimLetter({
      ...base,
      letterKind: "information-request",
      requestId: "q1",
      recipientRole: "referrer",
      channel: "email",
      status: "sending",
      to: "a@b.no",
    });

    // Assess
    const items = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item);
    expect(items[0]).toMatchObject({
      sk: "LETTER#decision#gp",
      gsi1pk: "LETTER#awaiting-postal",
      gsi1sk: "2025-03-07T10:00:00.000Z#ref-1#decision#gp",
    });
    expect(items[1]).not.toHaveProperty("gsi1pk");
    expect(items[2]).toMatchObject({ sk: "LETTER#information-request#q1#referrer" });
    expect(items[2]).not.toHaveProperty("gsi1pk");
  });
});
