/**
 * HelseID tokens for the EDI 2.0 client (functions/adapters/helseid.ts) against a fake token endpoint
 * that checks what HelseID checks: the client assertion (private_key_jwt) and the DPoP proofs, the
 * nonce HelseID asks for, the token cached until shortly before it expires, and every failure named
 * EdiUnavailable or EdiRejected without a word of the key or the token.
 */
import { generateKeyPairSync } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import * as fc from "fast-check";
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  importJWK,
  type JWK,
  jwtVerify,
} from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { HelseIdTokens } from "../../functions/adapters/helseid";
import { secretsManagerKey } from "../../functions/adapters/helseid-env";
import { EdiRejected, EdiUnavailable } from "../../functions/domain/errors";

const SETTINGS = {
  issuer: "https://helseid-sts.test.nhn.no",
  tokenEndpoint: "https://helseid-sts.test.nhn.no/connect/token",
  clientId: "frist-test-client",
  scope: "nhn:msh/api",
};

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const CLIENT_KEY: JWK = { ...(privateKey.export({ format: "jwk" }) as JWK), kid: "key-1", alg: "RS256" };
const CLIENT_PUBLIC_KEY = publicKey.export({ format: "jwk" }) as JWK;

/** A token request as the fake endpoint saw it. */
interface TokenRequest {
  form: URLSearchParams;
  dpop: string;
}

/**
 * A fake HelseID token endpoint: the first request without a nonce is answered `use_dpop_nonce`
 * (as HelseID does), later ones get `answer()` (default: a DPoP token for 300 s).
 */
function fakeHelseId(answer?: (request: TokenRequest) => Response) {
  const requests: TokenRequest[] = [];
  let issued = 0;
  const fetchImpl = (async (url: URL | string, init?: RequestInit) => {
    expect(String(url)).toBe(SETTINGS.tokenEndpoint);
    const request = {
      form: new URLSearchParams(String(init?.body)),
      dpop: String((init?.headers as Record<string, string> | undefined)?.dpop),
    };
    requests.push(request);
    if (!decodeJwt(request.dpop).nonce) {
      return new Response(JSON.stringify({ error: "use_dpop_nonce" }), {
        status: 400,
        headers: { "dpop-nonce": "nonce-1" },
      });
    }
    if (answer) return answer(request);
    issued += 1;
    return Response.json({ access_token: `token-${issued}`, token_type: "DPoP", expires_in: 300 });
  }) as typeof fetch;
  return { requests, fetchImpl };
}

describe("HelseID tokens with DPoP", () => {
  it("authenticates with a client assertion HelseID accepts: its key, iss and sub the client, aud the issuer, a unique jti, at most 60 s", async () => {
    // Prepare
    const { requests, fetchImpl } = fakeHelseId();
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });

    // Act
    await tokens.authorize("GET", "https://api.tjener.test.melding.nhn.no/Messages");

    // Assess: two requests (the nonce asked for), each with its own assertion
    expect(requests).toHaveLength(2);
    const jtis = new Set<unknown>();
    for (const { form } of requests) {
      expect(form.get("grant_type")).toBe("client_credentials");
      expect(form.get("client_id")).toBe(SETTINGS.clientId);
      expect(form.get("scope")).toBe("nhn:msh/api");
      expect(form.get("client_assertion_type")).toBe(
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      );
      const assertion = String(form.get("client_assertion"));
      const { payload, protectedHeader } = await jwtVerify(
        assertion,
        await importJWK(CLIENT_PUBLIC_KEY, "RS256"),
        {
          issuer: SETTINGS.clientId,
          subject: SETTINGS.clientId,
          audience: SETTINGS.issuer,
        },
      );
      expect(protectedHeader).toEqual({ alg: "RS256", typ: "JWT", kid: "key-1" });
      expect(payload.nbf).toBe(payload.iat);
      expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(60);
      jtis.add(payload.jti);
    }
    expect(jtis.size).toBe(2);
  });

  it("sends a DPoP proof with each token request, answering HelseID's use_dpop_nonce once with its nonce", async () => {
    // Prepare
    const { requests, fetchImpl } = fakeHelseId();
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });

    // Act
    await tokens.authorize("GET", "https://api.tjener.test.melding.nhn.no/Messages");

    // Assess: each proof verifies with the public key in its header (no private part), for this POST
    const proofs = await Promise.all(
      requests.map(async ({ dpop }) => {
        const header = decodeProtectedHeader(dpop);
        expect(header.typ).toBe("dpop+jwt");
        expect(header.alg).toBe("ES256");
        expect(header.jwk).not.toHaveProperty("d");
        return (await jwtVerify(dpop, EmbeddedJWK, { typ: "dpop+jwt" })).payload;
      }),
    );
    expect(proofs[0]).toMatchObject({ htm: "POST", htu: SETTINGS.tokenEndpoint });
    expect(proofs[0]).not.toHaveProperty("nonce");
    expect(proofs[0]).not.toHaveProperty("ath");
    expect(proofs[1]).toMatchObject({ htm: "POST", htu: SETTINGS.tokenEndpoint, nonce: "nonce-1" });
    expect(proofs[0]?.jti).not.toBe(proofs[1]?.jti);
  });

  it("authorizes an API call with the token and a proof of that call: htm, htu without the query, ath the token's hash, the same key", async () => {
    // Prepare
    const { requests, fetchImpl } = fakeHelseId();
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });

    // Act
    const headers = await tokens.authorize("put", "https://api.example/Messages/m-1/read/8100002?x=1#f");

    // Assess
    expect(headers.authorization).toBe("DPoP token-1");
    const { payload, protectedHeader } = await jwtVerify(headers.dpop, EmbeddedJWK, { typ: "dpop+jwt" });
    expect(payload).toMatchObject({ htm: "PUT", htu: "https://api.example/Messages/m-1/read/8100002" });
    const expectedAth = Buffer.from(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode("token-1")),
    );
    expect(payload.ath).toBe(expectedAth.toString("base64url"));
    expect(payload).not.toHaveProperty("nonce");
    // The token is bound to the key that signs the API's proofs.
    const tokenProofKey = decodeProtectedHeader(requests[1]?.dpop ?? "").jwk as JWK;
    expect(await calculateJwkThumbprint(protectedHeader.jwk as JWK)).toBe(
      await calculateJwkThumbprint(tokenProofKey),
    );
  });

  it("sends the API's DPoP nonce in the next proof to that API once it asked for one", async () => {
    // Prepare
    const { fetchImpl } = fakeHelseId();
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });
    const url = "https://api.example/Messages";
    const asked = new Response(null, {
      status: 401,
      headers: { "dpop-nonce": "api-nonce", "www-authenticate": 'DPoP error="use_dpop_nonce"' },
    });

    // Act
    const retry = tokens.observe(url, asked);
    const headers = await tokens.authorize("GET", url);

    // Assess
    expect(retry).toBe(true);
    expect(decodeJwt(headers.dpop).nonce).toBe("api-nonce");
    expect(tokens.observe(url, new Response(null, { status: 401 }))).toBe(false);
  });

  it("keeps the token until a minute before it expires, and shares one request between concurrent calls", async () => {
    // Prepare
    const { requests, fetchImpl } = fakeHelseId();
    let now = Date.parse("2026-03-02T09:00:00Z");
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl, now: () => now });
    const url = "https://api.example/Messages";

    // Act
    const first = await Promise.all([tokens.authorize("GET", url), tokens.authorize("POST", url)]);
    now += 239_000;
    const cached = await tokens.authorize("GET", url);
    now += 1_000;
    const renewed = await tokens.authorize("GET", url);

    // Assess: one token (two requests: the nonce), then a second one 240 s into its 300 s
    expect(first.map((headers) => headers.authorization)).toEqual(["DPoP token-1", "DPoP token-1"]);
    expect(cached.authorization).toBe("DPoP token-1");
    expect(renewed.authorization).toBe("DPoP token-2");
    expect(requests).toHaveLength(3);
  });

  it("fetches a new token after the API refused the cached one (forget)", async () => {
    const { fetchImpl } = fakeHelseId();
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });
    await tokens.authorize("GET", "https://api.example/Messages");
    tokens.forget();
    expect((await tokens.authorize("GET", "https://api.example/Messages")).authorization).toBe(
      "DPoP token-2",
    );
  });

  it.each([
    ["a network failure", () => Promise.reject(new TypeError("fetch failed")), EdiUnavailable],
    ["HelseID's 503", () => new Response("down", { status: 503 }), EdiUnavailable],
    ["a 429", () => new Response("slow down", { status: 429 }), EdiUnavailable],
    [
      "invalid_client",
      () =>
        Response.json({ error: "invalid_client", error_description: "frist-test-client" }, { status: 400 }),
      EdiRejected,
    ],
    ["invalid_scope", () => Response.json({ error: "invalid_scope" }, { status: 400 }), EdiRejected],
    [
      "a token not bound to the key (Bearer)",
      () => Response.json({ access_token: "secret-token", token_type: "Bearer", expires_in: 300 }),
      EdiRejected,
    ],
    ["an answer without a token", () => Response.json({ token_type: "DPoP" }), EdiUnavailable],
  ])("answers %s with %O, quoting neither the key nor HelseID", async (_name, answer, expected) => {
    // Prepare
    const { fetchImpl } = fakeHelseId(answer as () => Response);
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });

    // Act
    const authorizing = tokens.authorize("GET", "https://api.example/Messages");

    // Assess
    await expect(authorizing).rejects.toBeInstanceOf(expected);
    const error = (await authorizing.catch((caught: unknown) => caught)) as Error;
    const said = `${error.message} ${error.stack}`;
    for (const secret of [String(CLIENT_KEY.d), "secret-token", "frist-test-client"])
      expect(said).not.toContain(secret);
  });

  it("tries to load the client's key again after a failed load", async () => {
    const { fetchImpl } = fakeHelseId();
    let loads = 0;
    const tokens = new HelseIdTokens(
      SETTINGS,
      async () => {
        loads += 1;
        if (loads === 1) throw new EdiUnavailable();
        return CLIENT_KEY;
      },
      { fetchImpl },
    );
    await expect(tokens.authorize("GET", "https://api.example/Messages")).rejects.toBeInstanceOf(
      EdiUnavailable,
    );
    expect((await tokens.authorize("GET", "https://api.example/Messages")).authorization).toBe(
      "DPoP token-1",
    );
  });

  it("proves any call for its method and its URL without query or fragment (property)", async () => {
    const { fetchImpl } = fakeHelseId();
    const tokens = new HelseIdTokens(SETTINGS, async () => CLIENT_KEY, { fetchImpl });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("get", "POST", "put", "Delete"),
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        async (method, url) => {
          const { dpop } = await tokens.authorize(method, url);
          const claims = decodeJwt(dpop);
          const target = new URL(url);
          expect(claims.htm).toBe(method.toUpperCase());
          expect(claims.htu).toBe(`${target.origin}${target.pathname}`);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("the HelseID client's key from Secrets Manager", () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());
  const client = () => new SecretsManagerClient({ region: "eu-north-1" });

  it("reads the private JWK from the secret named", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: "arn:secret:frist/key" }).resolves({
      SecretString: JSON.stringify(CLIENT_KEY),
    });
    await expect(secretsManagerKey("arn:secret:frist/key", client)()).resolves.toMatchObject({
      kty: "RSA",
      kid: "key-1",
    });
  });

  it.each([
    [
      "a refusal (no grant)",
      () =>
        Object.assign(new Error("denied"), {
          name: "AccessDeniedException",
          $metadata: { httpStatusCode: 400 },
        }),
      EdiRejected,
    ],
    [
      "an unanswered call",
      () => Object.assign(new Error("timeout"), { name: "TimeoutError" }),
      EdiUnavailable,
    ],
  ])("answers %s with %O", async (_name, error, expected) => {
    secrets.on(GetSecretValueCommand).rejects(error());
    await expect(secretsManagerKey("frist/key", client)()).rejects.toBeInstanceOf(expected);
  });

  it.each([
    ["not JSON", "-----BEGIN PRIVATE KEY-----"],
    ["a public key only", JSON.stringify(CLIENT_PUBLIC_KEY)],
  ])("refuses a secret that is %s, quoting nothing of it", async (_name, value) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: value });
    const loading = secretsManagerKey("frist/key", client)();
    await expect(loading).rejects.toBeInstanceOf(EdiRejected);
    await expect(loading).rejects.not.toThrow(/PRIVATE|"n"/);
  });
});
