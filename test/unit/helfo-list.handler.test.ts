/**
 * GET /helfo-notifications alone, with DynamoDB mocked: the Helfo list identifies patients (national
 * ID, name, birth date), so only a signed-in clerk or lead reads it (page, JSON or CSV), every read
 * is recorded in the access log of each referral listed (who, role, when), and nobody else reads it:
 * anonymous browsers are sent to sign-in, a portal's signed request without a session gets 401,
 * other roles 403.
 */
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("../../functions/adapters/clock", () => ({
  systemClock: { now: () => new Date("2026-04-20T08:00:00Z") },
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
const LEAD = "L".repeat(43);
const ASSESSOR = "A".repeat(43);
const staffSession = (roles: string[], email: string) => ({
  principal: { kind: "staff", subject: email, email, name: email, roles },
  csrfToken: "token",
  createdAt: new Date().toISOString(),
  lastSeenAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
});
signedIn.sessions.set(CLERK, staffSession(["clerk"], "kari.dahl@smerteklinikk.example"));
signedIn.sessions.set(LEAD, staffSession(["lead"], "eva.berg@smerteklinikk.example"));
signedIn.sessions.set(ASSESSOR, staffSession(["assessor"], "ola.haugen@smerteklinikk.example"));

const NATIONAL_ID = "15038512282";
const notification = (referralId: string) => ({
  pk: "HELFO",
  sk: `NOTIFICATION#${referralId}`,
  referralId,
  breachedAt: "2026-04-17T22:00:00.000Z",
  startOfCareDeadline: "2026-04-17",
  decidedOn: "2026-03-02",
  careForm: "team",
  patient: { nationalId: NATIONAL_ID, name: "Mona Nordmann", birthDate: "1985-03-15" },
  clinic: { name: "Smerteklinikken", department: "Tverrfaglig" },
  status: "to-report",
});

const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (
  event: APIGatewayProxyEvent,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;
let handler: Handler;

beforeAll(async () => {
  process.env.TABLE_NAME = "Referrals";
  process.env.AWS_REGION = "eu-north-1";
  process.env.FRIST_QUIET = "1";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  ({ handler } = await import("../../functions/handlers/helfo-notifications"));
});

beforeEach(() => {
  dynamo.on(QueryCommand).resolves({ Items: [notification("ref-1"), notification("ref-2")] });
});

afterEach(() => {
  dynamo.reset();
  signedIn.accessEvents.length = 0;
});

function event(session: string | null, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: "GET",
    path: "/helfo-notifications",
    headers: { Host: "api.example", ...(session ? { Cookie: `frist_session=${session}` } : {}), ...headers },
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {},
  } as unknown as APIGatewayProxyEvent;
}

describe("GET /helfo-notifications", () => {
  it("shows a signed-in clerk the list as JSON, CSV and a page, and logs each read for every referral listed", async () => {
    // Act
    const asJson = await handler(event(CLERK, { accept: "application/json" }));
    const asCsv = await handler(event(CLERK, { accept: "text/csv" }));
    const asPage = await handler(event(CLERK, { accept: "text/html" }));

    // Assess
    expect([asJson.statusCode, asCsv.statusCode, asPage.statusCode]).toEqual([200, 200, 200]);
    expect(JSON.parse(asJson.body).notifications).toHaveLength(2);
    expect(asCsv.headers?.["content-type"]).toMatch(/^text\/csv/);
    expect(asCsv.body).toContain(NATIONAL_ID);
    expect(asPage.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(asPage.body).toContain("Mona Nordmann");
    expect(signedIn.accessEvents).toHaveLength(6);
    expect(signedIn.accessEvents).toContainEqual({
      referralId: "ref-2",
      at: "2026-04-20T08:00:00.000Z",
      who: "kari.dahl@smerteklinikk.example",
      name: "kari.dahl@smerteklinikk.example",
      role: "clerk",
      what: "helfo-notifications",
      outcome: "viewed",
    });
    expect(JSON.stringify(signedIn.accessEvents)).not.toContain(NATIONAL_ID);
  });

  it("shows the lead the list too", async () => {
    const answer = await handler(event(LEAD, { accept: "application/json" }));
    expect(answer.statusCode).toBe(200);
    expect(signedIn.accessEvents).toHaveLength(2);
  });

  it("refuses an assessor with 403, reads nothing and logs the refused attempt", async () => {
    const answer = await handler(event(ASSESSOR, { accept: "application/json" }));
    expect(answer.statusCode).toBe(403);
    expect(answer.body).not.toContain("Nordmann");
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
    expect(signedIn.accessEvents).toMatchObject([{ outcome: "refused", role: "assessor" }]);
  });

  it("sends an anonymous browser to sign-in and shows nothing", async () => {
    const answer = await handler(event(null, { accept: "text/html" }));
    expect(answer.statusCode).toBe(303);
    expect(String(answer.headers?.location)).toContain("/auth/login");
    expect(answer.body).toBe("");
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it("answers a portal's signed request without a session with 401 and reads nothing", async () => {
    const answer = await handler(
      event(null, {
        accept: "application/json",
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260420/eu-north-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc",
      }),
    );
    expect(answer.statusCode).toBe(401);
    expect(answer.body).not.toContain(NATIONAL_ID);
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
    expect(signedIn.accessEvents).toEqual([]);
  });
});
