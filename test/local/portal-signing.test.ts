/**
 * The local API's IAM auth: SigV4 signatures made with the local portals' credentials are verified
 * and become the request's identity, as API Gateway sets it; an unsigned request is the default
 * portal; a forged, stale, tampered or foreign signature is refused with API Gateway's 403 before
 * the function runs.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiLocal, startApiLocal } from "../../lib/local/emulators/api-local";
import { localPortalArn, validateLocalPortals } from "../../lib/local/emulators/portal-signing";
import type { ApiRoute } from "../../lib/local/template";
import { PORTAL_A, PORTAL_B, signedFetch, signedHeaders } from "../support/portal";

const routes: ApiRoute[] = [
  {
    method: "POST",
    path: "/referrals",
    functionLogicalId: "Receive",
    authorizationType: "AWS_IAM",
    restApiLogicalId: "Api",
  },
  {
    method: "GET",
    path: "/referrals",
    functionLogicalId: "List",
    authorizationType: "AWS_IAM",
    restApiLogicalId: "Api",
  },
  {
    method: "GET",
    path: "/tasks/{taskId}",
    functionLogicalId: "Task",
    authorizationType: "NONE",
    restApiLogicalId: "Api",
  },
];

let api: ApiLocal;
const events: APIGatewayProxyEvent[] = [];

beforeAll(async () => {
  api = await startApiLocal({
    routes,
    port: 0,
    logError: () => undefined,
    invoke: async (_fn, event) => {
      events.push(event);
      return { statusCode: 200, body: JSON.stringify(event.requestContext.identity) };
    },
  });
});

afterAll(async () => {
  await api?.stop();
});

const body = JSON.stringify({ kind: "new", reason: "smerter" });

async function refusal(response: Response, errorType: string) {
  expect(response.status).toBe(403);
  expect(response.headers.get("x-amzn-errortype")).toBe(errorType);
  expect(Object.keys((await response.json()) as object)).toEqual(["message"]);
}

describe("IAM auth on the local API", () => {
  it("takes an unsigned request as the one default portal", async () => {
    const response = await fetch(`${api.url}/referrals`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      userArn: localPortalArn("local-portal"),
      accountId: "000000000000",
      accessKey: null,
    });
  });

  it("takes a request signed with a local portal's key as that portal, with API Gateway's identity fields", async () => {
    const a = await signedFetch(`${api.url}/referrals`, PORTAL_A, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    const b = await signedFetch(`${api.url}/referrals?status=received&limit=5`, PORTAL_B);

    expect(a.status).toBe(200);
    const identityA = (await a.json()) as Record<string, unknown>;
    expect(identityA).toMatchObject({
      userArn: localPortalArn(PORTAL_A.name),
      accessKey: PORTAL_A.accessKeyId,
      accountId: "000000000000",
    });
    expect(identityA.caller).toMatch(/^AIDA[0-9A-F]{17}$/);
    expect(identityA.user).toBe(identityA.caller);
    expect(await b.json()).toMatchObject({ userArn: localPortalArn(PORTAL_B.name) });
    expect(events.at(-2)?.body).toBe(body);
  });

  it("refuses a signature made with the wrong secret, without running the function", async () => {
    const before = events.length;

    const response = await signedFetch(`${api.url}/referrals`, PORTAL_A, {
      secretAccessKey: PORTAL_B.secretAccessKey,
    });

    await refusal(response, "InvalidSignatureException");
    expect(events.length).toBe(before);
  });

  it("refuses a body changed after signing", async () => {
    const headers = await signedHeaders(`${api.url}/referrals`, PORTAL_A, { method: "POST", body });
    const { host: _host, ...sent } = headers;

    const response = await fetch(`${api.url}/referrals`, {
      method: "POST",
      headers: sent,
      body: body.replace("new", "forwarded"),
    });

    await refusal(response, "InvalidSignatureException");
  });

  it("refuses a query string changed after signing", async () => {
    const headers = await signedHeaders(`${api.url}/referrals?status=received`, PORTAL_A);
    const { host: _host, ...sent } = headers;

    const response = await fetch(`${api.url}/referrals?status=closed`, { headers: sent });

    await refusal(response, "InvalidSignatureException");
  });

  it("refuses an access key it does not know", async () => {
    const stranger = { accessKeyId: "AKIASTRANGER0000000", secretAccessKey: "whatever-secret" };

    await refusal(await signedFetch(`${api.url}/referrals`, stranger), "UnrecognizedClientException");
  });

  it("refuses a signature older than five minutes", async () => {
    const signingDate = new Date(Date.now() - 6 * 60 * 1000);

    await refusal(
      await signedFetch(`${api.url}/referrals`, PORTAL_A, { signingDate }),
      "InvalidSignatureException",
    );
  });

  it("refuses a signature scoped to another region or service", async () => {
    await refusal(
      await signedFetch(`${api.url}/referrals`, PORTAL_A, { region: "us-east-1" }),
      "InvalidSignatureException",
    );
    await refusal(
      await signedFetch(`${api.url}/referrals`, PORTAL_A, { service: "s3" }),
      "InvalidSignatureException",
    );
  });

  it("refuses a malformed Authorization header", async () => {
    const response = await fetch(`${api.url}/referrals`, {
      headers: { authorization: "AWS4-HMAC-SHA256 nonsense" },
    });

    await refusal(response, "IncompleteSignatureException");
  });

  it("ignores signatures on routes without IAM auth, as API Gateway does", async () => {
    const response = await signedFetch(`${api.url}/tasks/t1`, PORTAL_A, { secretAccessKey: "forged-secret" });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ userArn: null, accessKey: null });
  });

  it.skipIf(!existsSync("/usr/bin/curl"))(
    "verifies a signature made by another implementation (curl --aws-sigv4)",
    async () => {
      const { stdout } = await promisify(execFile)("/usr/bin/curl", [
        "-sS",
        "--aws-sigv4",
        "aws:amz:eu-north-1:execute-api",
        "--user",
        `${PORTAL_B.accessKeyId}:${PORTAL_B.secretAccessKey}`,
        "-H",
        "content-type: application/json",
        "--data",
        body,
        `${api.url}/referrals?x=1`,
      ]);

      expect(JSON.parse(stdout)).toMatchObject({ userArn: localPortalArn(PORTAL_B.name) });
    },
  );
});

describe("the local portals' configuration", () => {
  it("refuses a taken name, a key used twice or a short secret", () => {
    expect(() => validateLocalPortals([PORTAL_A, { ...PORTAL_B, name: PORTAL_A.name }])).toThrow(/taken/);
    expect(() =>
      validateLocalPortals([PORTAL_A, { ...PORTAL_B, accessKeyId: PORTAL_A.accessKeyId }]),
    ).toThrow(/twice/);
    expect(() => validateLocalPortals([{ ...PORTAL_A, name: "local-portal" }])).toThrow(/taken/);
    expect(() => validateLocalPortals([{ ...PORTAL_A, secretAccessKey: "short" }])).toThrow(/secret/);
    expect(validateLocalPortals([PORTAL_A, PORTAL_B])).toHaveLength(2);
  });
});
