/**
 * The sign-in under way lives in a signed cookie, not in the table: the callback opens only a cookie
 * this function signed with its key, at most 10 minutes old, and answers a forged or expired one with
 * a clear 400 page, signing no one in.
 */
import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  openSignIn,
  type SealedSignIn,
  sealSignIn,
  stateKeyFromEnv,
} from "../../functions/adapters/sign-in-state";

const created = vi.hoisted(() => [] as unknown[]);
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async () => undefined,
    touch: async () => undefined,
    delete: async () => undefined,
    create: async (id: string) => {
      created.push(id);
    },
  }),
}));

const KEY = randomBytes(32);
/** The auth function's key, as its environment gives it. */
const HANDLER_KEY = randomBytes(32).toString("base64url");
const pending = (createdAt: Date): SealedSignIn => ({
  state: "state-123",
  audience: "staff",
  codeVerifier: "v".repeat(43),
  nonce: "n".repeat(43),
  returnTo: "/tasks/abc",
  createdAt: createdAt.toISOString(),
});

describe("the sign-in state cookie", () => {
  it("opens what it sealed, within 10 minutes", () => {
    const now = new Date("2026-01-05T10:00:00Z");
    const sealed = sealSignIn(KEY, pending(now));
    expect(openSignIn(KEY, sealed, new Date(now.getTime() + 9 * 60_000))).toEqual({
      ok: true,
      pending: pending(now),
    });
  });

  it("refuses a cookie older than 10 minutes as expired", () => {
    const now = new Date("2026-01-05T10:00:00Z");
    const sealed = sealSignIn(KEY, pending(now));
    expect(openSignIn(KEY, sealed, new Date(now.getTime() + 10 * 60_000 + 1))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("refuses a cookie signed with another key, or changed after signing, as forged", () => {
    const now = new Date();
    const other = sealSignIn(randomBytes(32), pending(now));
    const sealed = sealSignIn(KEY, pending(now));
    const [payload, signature] = sealed.split(".");
    const changed = Buffer.from(JSON.stringify({ ...pending(now), returnTo: "/elsewhere" }), "utf8").toString(
      "base64url",
    );
    expect(openSignIn(KEY, other, now)).toEqual({ ok: false, reason: "forged" });
    expect(openSignIn(KEY, `${changed}.${signature}`, now)).toEqual({ ok: false, reason: "forged" });
    expect(openSignIn(KEY, `${payload}`, now)).toEqual({ ok: false, reason: "forged" });
    expect(openSignIn(KEY, "garbage", now)).toEqual({ ok: false, reason: "forged" });
    expect(openSignIn(KEY, undefined, now)).toEqual({ ok: false, reason: "missing" });
  });

  it("refuses to start without a key of at least 32 bytes", () => {
    expect(() => stateKeyFromEnv(undefined)).toThrow(/SIGN_IN_STATE_KEY/);
    expect(() => stateKeyFromEnv("short")).toThrow(/SIGN_IN_STATE_KEY/);
    expect(stateKeyFromEnv("k".repeat(32))).toHaveLength(32);
  });
});

describe("GET /auth/callback with a bad state cookie", () => {
  let handler: (event: APIGatewayProxyEvent) => Promise<{
    statusCode: number;
    body: string;
    multiValueHeaders?: Record<string, unknown[]>;
  }>;
  beforeAll(async () => {
    process.env.TABLE_NAME = "Referrals";
    process.env.AWS_REGION = "eu-north-1";
    process.env.FRIST_QUIET = "1";
    process.env.PUBLIC_BASE_URL = "https://api.example/prod";
    process.env.SIGN_IN_PROVIDERS = JSON.stringify({
      staff: { issuer: "https://idp.example", clientId: "frist" },
    });
    process.env.SIGN_IN_STATE_KEY = HANDLER_KEY;
    ({ handler } = await import("../../functions/handlers/auth"));
  });

  const callback = (cookieValue: string): APIGatewayProxyEvent =>
    ({
      httpMethod: "GET",
      resource: "/auth/callback",
      path: "/auth/callback",
      headers: { Host: "api.example", Cookie: `frist_signin=${cookieValue}` },
      queryStringParameters: { state: "state-123", code: "code-1" },
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEvent;

  it("answers a forged cookie with 400, says so, clears it and signs no one in", async () => {
    const answer = await handler(callback(sealSignIn(randomBytes(32), pending(new Date()))));
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain("kunne ikke bekreftes");
    expect(String(answer.multiValueHeaders?.["set-cookie"]?.[0])).toMatch(/^frist_signin=; .*Max-Age=0/);
    expect(created).toEqual([]);
  });

  it("answers an expired cookie with 400 and says it expired", async () => {
    const answer = await handler(
      callback(sealSignIn(stateKeyFromEnv(HANDLER_KEY), pending(new Date(Date.now() - 11 * 60_000)))),
    );
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain("er utløpt");
    expect(created).toEqual([]);
  });
});
