/**
 * The local EDI 2.0 stand-in takes the API's calls only as NHN does: with a HelseID access token
 * bound to the caller's key with DPoP, and a fresh proof of that very call. Tokens come from the local
 * HelseID stand-in (oidc-provider: client credentials, private_key_jwt, DPoP-bound tokens).
 */
import { type AddressInfo, createServer } from "node:net";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HelseIdTokens } from "../../functions/adapters/helseid";
import { type EdiLocal, startEdiLocal } from "../../lib/local/emulators/edi-local";
import {
  EDI_API_RESOURCE,
  type HelseIdLocal,
  localClientKeyPair,
  startHelseIdLocal,
} from "../../lib/local/emulators/helseid-local";

const API_HEADERS = { "api-version": "2", "nhn-source-system": "Frist test" };

let helseId: HelseIdLocal;
let edi: EdiLocal;
let keys: ReturnType<typeof localClientKeyPair>;
const tokens = () =>
  new HelseIdTokens({ ...helseId, scope: EDI_API_RESOURCE.scope }, async () => keys.privateJwk);

beforeAll(async () => {
  keys = localClientKeyPair();
  helseId = await startHelseIdLocal({ clientPublicKey: keys.publicJwk });
  edi = await startEdiLocal({ helseId });
});
afterAll(async () => {
  await edi?.stop();
  await helseId?.stop();
});

/** The unread messages of a HER-id, with the headers given. */
const unread = (
  headers: { authorization?: string; dpop?: string },
  url = `${edi.url}Messages?ReceiverHerIds=8100002`,
) => fetch(url, { headers: { ...API_HEADERS, ...headers } });

const wwwAuthenticate = (response: Response) => response.headers.get("www-authenticate") ?? "";

describe("the EDI 2.0 stand-in with HelseID", () => {
  it("takes a call with a DPoP-bound token from HelseID and a proof of that call", async () => {
    // Prepare
    const url = `${edi.url}Messages?ReceiverHerIds=8100002`;
    const { authorization, dpop } = await tokens().authorize("GET", url);

    // Act
    const response = await unread({ authorization, dpop }, url);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it("refuses a call without a token, or with a plain bearer token", async () => {
    const { authorization, dpop } = await tokens().authorize("GET", `${edi.url}Messages`);
    const none = await unread({});
    const bearer = await unread({ authorization: authorization.replace(/^DPoP/, "Bearer"), dpop });
    for (const response of [none, bearer]) {
      expect(response.status).toBe(401);
      expect(wwwAuthenticate(response)).toMatch(/^DPoP error="invalid_token"/);
    }
  });

  it("refuses a token without its DPoP proof", async () => {
    const { authorization } = await tokens().authorize("GET", `${edi.url}Messages`);
    const response = await unread({ authorization });
    expect(response.status).toBe(401);
    expect(wwwAuthenticate(response)).toMatch(/error="invalid_dpop_proof"/);
  });

  it("refuses a proof made with another key than the token is bound to", async () => {
    // Prepare: a proof of this very call, with the token's hash, signed by a key of our own
    const url = `${edi.url}Messages`;
    const { authorization } = await tokens().authorize("GET", url);
    const token = authorization.slice("DPoP ".length);
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const ath = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).toString(
      "base64url",
    );
    const dpop = await new SignJWT({ jti: crypto.randomUUID(), htm: "GET", htu: url, ath })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(privateKey);

    // Act
    const response = await unread({ authorization, dpop }, `${url}?ReceiverHerIds=8100002`);

    // Assess
    expect(response.status).toBe(401);
    expect(wwwAuthenticate(response)).toMatch(/error="invalid_token"/);
  });

  it("refuses another token's proof (its ath), a proof for another URL and a proof for another method", async () => {
    // Prepare
    const url = `${edi.url}Messages?ReceiverHerIds=8100002`;
    const mine = tokens();
    const other = await tokens().authorize("GET", url);
    const { authorization } = await mine.authorize("GET", url);
    const elsewhere = await mine.authorize(
      "GET",
      `${edi.url}Messages/00000000-0000-4000-8000-000000000000/apprec`,
    );
    const posted = await mine.authorize("POST", url);

    // Act
    const responses = await Promise.all([
      unread({ authorization, dpop: other.dpop }, url),
      unread({ authorization, dpop: elsewhere.dpop }, url),
      unread({ authorization, dpop: posted.dpop }, url),
    ]);

    // Assess
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(wwwAuthenticate(response)).toMatch(/error="invalid_dpop_proof"/);
    }
  });

  it("refuses a proof used before (a replay), while a new proof of the same call passes", async () => {
    // Prepare
    const url = `${edi.url}Messages?ReceiverHerIds=8100002`;
    const mine = tokens();
    const headers = await mine.authorize("GET", url);

    // Act
    const first = await unread(headers, url);
    const replayed = await unread(headers, url);
    const fresh = await unread(await mine.authorize("GET", url), url);

    // Assess
    expect(first.status).toBe(200);
    expect(replayed.status).toBe(401);
    expect(wwwAuthenticate(replayed)).toMatch(/error="invalid_dpop_proof"/);
    expect(fresh.status).toBe(200);
  });

  it("refuses a token HelseID did not sign, even bound to the proof's key", async () => {
    // Prepare: a token with the right claims and our proof key's thumbprint, signed by a key of our own
    const url = `${edi.url}Messages`;
    const forger = await generateKeyPair("RS256");
    const proofKey = await generateKeyPair("ES256");
    const proofJwk = await exportJWK(proofKey.publicKey);
    const forged = await new SignJWT({
      scope: EDI_API_RESOURCE.scope,
      client_id: helseId.clientId,
      cnf: { jkt: await calculateJwkThumbprint(proofJwk) },
    })
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt" })
      .setIssuer(helseId.issuer)
      .setAudience(EDI_API_RESOURCE.audience)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(forger.privateKey);
    const ath = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(forged))).toString(
      "base64url",
    );
    const dpop = await new SignJWT({ jti: crypto.randomUUID(), htm: "GET", htu: url, ath })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: proofJwk })
      .setIssuedAt()
      .sign(proofKey.privateKey);

    // Act
    const response = await unread({ authorization: `DPoP ${forged}`, dpop }, `${url}?ReceiverHerIds=8100002`);

    // Assess
    expect(response.status).toBe(401);
    expect(wwwAuthenticate(response)).toMatch(/error="invalid_token"/);
  });

  it("keeps the local pages open without a token (loopback only)", async () => {
    expect((await fetch(`${edi.url}sent`)).status).toBe(200);
    expect((await fetch(`${edi.url}mailbox`)).status).toBe(200);
  });
});

describe("the EDI stand-in's port", () => {
  it("takes its preferred port when it is free, and another when a server holds it", async () => {
    // Prepare: a port another server holds, and one just given back.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const held = (holder.address() as AddressInfo).port;
    const first = await startEdiLocal({ helseId });
    const freed = Number(new URL(first.url).port);
    await first.stop();

    // Act
    const onHeld = await startEdiLocal({ helseId, port: held });
    const onFreed = await startEdiLocal({ helseId, port: freed });
    try {
      // Assess
      expect(Number(new URL(onHeld.url).port)).not.toBe(held);
      expect((await fetch(`${onHeld.url}sent`)).status).toBe(200);
      expect(Number(new URL(onFreed.url).port)).toBe(freed);
      expect((await fetch(`${onFreed.url}sent`)).status).toBe(200);
    } finally {
      await onHeld.stop();
      await onFreed.stop();
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
