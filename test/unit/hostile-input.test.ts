/**
 * Hostile input found in issue 7 (item 5) and its relatives: each is refused with a 400 naming the
 * field, before anything is written. The receive-referral handler runs with its AWS clients mocked.
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeCursor } from "../../functions/adapters/dynamo-cursor";
import { decodePostalCursor } from "../../functions/adapters/dynamo-postal-queue";
import { originalReceivedDateProblem } from "../../functions/domain/receive-referral";
import { parseReferralSubmission } from "../../functions/domain/referral";
import { MAX_JSON_DEPTH, tooDeeplyNested } from "../../functions/domain/validation";
import { sampleReferral } from "../support/http";

// The postal list is a clerk's: one signed-in clerk, whose session the cursor tests carry.
const CLERK_SESSION = "K".repeat(43);
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async () => ({
      principal: {
        kind: "staff",
        subject: "kari",
        email: "kari@smerteklinikk.example",
        name: "Kari",
        roles: ["clerk"],
      },
      csrfToken: "t",
      createdAt: new Date().toISOString(),
      lastSeenAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    }),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({ record: async () => undefined, list: async () => [] }),
}));

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
type Handler = (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;
let receive: Handler;
let listLetters: Handler;

beforeAll(async () => {
  process.env.TABLE_NAME = "Referrals";
  process.env.STATE_MACHINE_ARN = "arn:aws:states:eu-north-1:123456789012:stateMachine:Referral";
  process.env.AWS_REGION = "eu-north-1";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.CLINIC_CONFIG = JSON.stringify({
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      postalAddress: "Postboks 1, 0001 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "23 00 00 00",
      email: "post@smerteklinikk.example",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    },
    intakeTeam: [
      { name: "Ingrid Lie", role: "physician", email: "ingrid@smerteklinikk.example", lead: true },
    ],
  });
  ({ handler: receive } = await import("../../functions/handlers/receive-referral"));
  ({ handler: listLetters } = await import("../../functions/handlers/list-letters"));
});

afterEach(() => {
  dynamo.reset();
  sfn.reset();
});

function post(body: unknown): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    path: "/referrals",
    resource: "/referrals",
    headers: { "Content-Type": "application/json", "Idempotency-Key": "key-1" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      identity: { accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/portal-a" },
    },
  } as unknown as APIGatewayProxyEvent;
}

function withPatientName(name: string): Record<string, unknown> {
  const referral = sampleReferral();
  referral.patient = { ...(referral.patient as object), name };
  return referral;
}

async function issuesOf(response: { statusCode: number; body: string }) {
  expect(response.statusCode).toBe(400);
  const body = JSON.parse(response.body) as { error: string; issues: { path: string; message: string }[] };
  expect(body.error).toBe("validation_failed");
  return body.issues;
}

describe("POST /referrals with hostile bodies", () => {
  it("answers 400 naming the field, not 500, to JSON nested 100 000 deep in a field it does not know", async () => {
    // Prepare: JSON.parse copes with this; hashing the body recursively did not.
    const depth = 100_000;
    const text = `${JSON.stringify(sampleReferral()).slice(0, -1)},"x":${"[".repeat(depth)}${"]".repeat(depth)}}`;

    // Act
    const response = await receive(post(text));

    // Assess
    const issues = await issuesOf(response);
    expect(issues[0]?.path.startsWith("x.0.0")).toBe(true);
    expect(issues[0]?.message).toContain(String(MAX_JSON_DEPTH));
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each([
    ["a control character", "Kari\u0000Nordmann"],
    ["a line break", "Kari\nNordmann"],
    ["only zero-width characters", "\u200b\u200c\u200d\u2060\ufeff"],
    ["a zero-width space inside", "Kari\u200bNordmann"],
    ["a right-to-left override", "Kari \u202ennamdroN"],
    ["a bidi isolate", "\u2067Kari\u2069"],
    ["a lone surrogate", "Kari \ud800"],
    ["only punctuation", "..."],
  ])("refuses a patient name with %s, naming patient.name, and writes nothing", async (_what, name) => {
    const issues = await issuesOf(await receive(post(withPatientName(name))));

    expect(issues.map((issue) => issue.path)).toEqual(["patient.name"]);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it("refuses a forward whose original receipt date is 0001-01-01, naming the field", async () => {
    const referral = {
      ...sampleReferral(),
      kind: "forwarded",
      originalReceivedDate: "0001-01-01",
      previousInstitution: "Sykehuset Innlandet",
    };
    dynamo.on(GetCommand).resolves({});

    const issues = await issuesOf(await receive(post(referral)));

    expect(issues).toEqual([{ path: "originalReceivedDate", message: expect.stringContaining("year") }]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe("the text rules of a referral", () => {
  it("accept names with Norwegian and Sami letters, hyphens, apostrophes and decomposed accents (stored as NFC)", () => {
    for (const name of ["Kari Nordmann", "Åse Ødegård-Ås", "Máret Ánde", "O'Brien", "Zoë\u0308"]) {
      const parsed = parseReferralSubmission(withPatientName(name));
      expect(parsed.ok, name).toBe(true);
      if (parsed.ok) expect(parsed.value.patient.name).toBe(name.normalize("NFC"));
    }
  });

  it("keep line breaks and tabs in free text but refuse bidi overrides and other controls there", () => {
    const withReason = (reason: string) => parseReferralSubmission({ ...sampleReferral(), reason });
    expect(withReason("Linje 1\nLinje 2\r\n\tinnrykk").ok).toBe(true);
    for (const reason of ["a\u202eb", "a\u0007b", "a\u009bb"]) {
      const parsed = withReason(reason);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.issues.map((issue) => issue.path)).toEqual(["reason"]);
    }
  });

  it("name every one-line field that breaks the rules", () => {
    const referral = sampleReferral();
    referral.referrer = { ...(referral.referrer as object), organisation: "\u200b" };
    referral.gp = { ...(referral.gp as object), name: "Dr\u202e" };

    const parsed = parseReferralSubmission(referral);

    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.issues.map((i) => i.path).sort()).toEqual(["gp.name", "referrer.organisation"]);
  });
});

describe("nesting depth", () => {
  it("finds the path of the first value nested deeper than the limit, and nothing in a referral", () => {
    expect(tooDeeplyNested(sampleReferral())).toBeUndefined();
    expect(tooDeeplyNested({ a: { b: [[1]] } }, 3)).toBe("a.b.0");
    expect(tooDeeplyNested({ a: { b: [1] } }, 3)).toBeUndefined();
    expect(tooDeeplyNested("text", 0)).toBeUndefined();
  });
});

describe("a forward's original receipt date", () => {
  it("may lie up to a year back, not before and not in the future", () => {
    expect(originalReceivedDateProblem("2026-11-20", "2026-11-29")).toBeUndefined();
    expect(originalReceivedDateProblem("2025-11-29", "2026-11-29")).toBeUndefined();
    expect(originalReceivedDateProblem("2025-11-28", "2026-11-29")).toMatch(/year/);
    expect(originalReceivedDateProblem("0001-01-01", "2026-11-29")).toMatch(/year/);
    expect(originalReceivedDateProblem("2026-11-30", "2026-11-29")).toMatch(/future/);
  });
});

describe("GET /letters cursors", () => {
  const genuine = {
    gsi1pk: "LETTER#awaiting-postal",
    gsi1sk: "2026-11-20T09:00:00.000Z#r-1#decision#patient",
    pk: "REFERRAL#r-1",
    sk: "LETTER#decision#patient",
  };
  const cursorOf = (key: Record<string, unknown>) =>
    Buffer.from(JSON.stringify(key), "utf8").toString("base64url");

  it("accept a cursor the list made, an information request's letter included", () => {
    expect(decodePostalCursor(encodeCursor(genuine))).toEqual(genuine);
    const request = {
      ...genuine,
      gsi1sk: "2026-11-20T09:00:00.000Z#r-1#information-request#gp",
      sk: "LETTER#information-request#q-1#gp",
    };
    expect(decodePostalCursor(encodeCursor(request))).toEqual(request);
  });

  it.each([
    ["a sort key that does not match the letter", { ...genuine, gsi1sk: "x" }],
    [
      "another referral in the sort key",
      { ...genuine, gsi1sk: "2026-11-20T09:00:00.000Z#r-2#decision#patient" },
    ],
    ["no timestamp", { ...genuine, gsi1sk: "#r-1#decision#patient" }],
    ["an impossible timestamp", { ...genuine, gsi1sk: "2026-13-45T99:00:00.000Z#r-1#decision#patient" }],
    [
      "an unknown letter kind",
      { ...genuine, sk: "LETTER#ransom#patient", gsi1sk: "2026-11-20T09:00:00.000Z#r-1#ransom#patient" },
    ],
    ["a referral item", { ...genuine, sk: "REFERRAL" }],
    ["a number for a key", { ...genuine, pk: 1 }],
    ["an extra attribute", { ...genuine, extra: "x" }],
  ])("refuse a forged cursor with %s with 400, before asking DynamoDB", async (_what, key) => {
    const response = await listLetters({
      httpMethod: "GET",
      headers: { Cookie: `frist_session=${CLERK_SESSION}` },
      queryStringParameters: { status: "awaiting-postal", cursor: cursorOf(key) },
    } as unknown as APIGatewayProxyEvent);

    const issues = await issuesOf(response);
    expect(issues.map((issue) => issue.path)).toEqual(["cursor"]);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
