/**
 * HelseID access tokens for a machine client, as Norsk Helsenett's APIs require them: the client
 * credentials grant, the client authenticated with `private_key_jwt` (a client assertion signed with
 * the client's own key, HelseID's "Bruk av client assertion"), and the token bound to a key of this
 * execution environment with DPoP (RFC 9449): every request, to HelseID and to the API, carries a
 * fresh DPoP proof, and the API's proofs carry the token's hash (`ath`). HelseID asks for a server
 * nonce (`use_dpop_nonce`), which is answered once per request and kept for the next.
 *
 * Nothing here logs or quotes the key, the assertion, the token or HelseID's answer: an error is
 * EdiUnavailable (passing: network, 429, 5xx) or EdiRejected (4xx, e.g. `invalid_client`), by name.
 */
import { randomUUID } from "node:crypto";
import { base64url, type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { EdiRejected, EdiUnavailable } from "../domain/errors";

/** Within the Lambda's own timeout, with room for the API call that needs the token. */
const TOKEN_REQUEST_TIMEOUT_MS = 5_000;

/** HelseID: a client assertion "must be no more than 60 seconds in the future"; 30 s is plenty. */
const ASSERTION_LIFETIME_S = 30;

/**
 * A cached token is replaced this long before it expires, so that a token never runs out between
 * being taken from the cache and reaching the API (clock skew and a slow call included).
 */
const EXPIRY_MARGIN_MS = 60_000;

/** The DPoP key's algorithm: ES256 is the one HelseID and every DPoP server accept. */
const DPOP_ALG = "ES256";

/** The client's settings at HelseID (cdk.json `frist:helseId`, HELSEID_CLIENT). */
export interface HelseIdClientSettings {
  /** HelseID's issuer, the client assertion's audience, e.g. `https://helseid-sts.test.nhn.no`. */
  readonly issuer: string;
  /** The token endpoint, e.g. `https://helseid-sts.test.nhn.no/connect/token`. */
  readonly tokenEndpoint: string;
  readonly clientId: string;
  /** The scopes asked for, space-separated (the EDI 2.0 API: `nhn:msh/api`). */
  readonly scope: string;
}

/** The client's private key as a JWK (HelseID's self-service gives it so), with its `kid`. */
export type ClientKeySource = () => Promise<JWK>;

/** The headers that authorize one API call: `Authorization: DPoP <token>` and its `DPoP` proof. */
export interface DpopAuthorization {
  authorization: string;
  dpop: string;
}

/** Options of {@link HelseIdTokens}. */
export interface HelseIdTokensOptions {
  fetchImpl?: typeof fetch;
  /** Real time in ms (tokens expire in real time, whatever the simulated clock says). */
  now?: () => number;
}

interface CachedToken {
  token: string;
  /** When to fetch a new one (ms): shortly before it expires. */
  renewAt: number;
}

/**
 * The HelseID token of one execution environment, and the DPoP proofs that go with it. The DPoP key
 * is made here and never leaves memory; the token is bound to it, so the cache is per environment.
 */
export class HelseIdTokens {
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private dpopKey: Promise<{ privateKey: CryptoKey; publicJwk: JWK }> | undefined;
  private clientKey: Promise<{ key: CryptoKey | Uint8Array; kid?: string; alg: string }> | undefined;
  private cached: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;
  /** The last DPoP nonce each server gave (by origin): sent with the next proof to it. */
  private readonly nonces = new Map<string, string>();

  constructor(
    private readonly settings: HelseIdClientSettings,
    private readonly loadClientKey: ClientKeySource,
    options: HelseIdTokensOptions = {},
  ) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /**
   * The headers for a call of `method` to `url`: the cached token (fetched when there is none or it
   * is about to expire) and a fresh proof with its hash and the server's latest nonce.
   */
  async authorize(method: string, url: URL | string): Promise<DpopAuthorization> {
    const { token } = await this.token();
    return { authorization: `DPoP ${token}`, dpop: await this.proof(method, url, token) };
  }

  /**
   * What a server answered besides the result: a `DPoP-Nonce` header is kept for the next proof to
   * it. Returns whether the answer asks for a retry with that nonce (401 `use_dpop_nonce`).
   */
  observe(url: URL | string, response: Response): boolean {
    const nonce = response.headers.get("dpop-nonce");
    if (nonce) this.nonces.set(new URL(url).origin, nonce);
    if (response.status !== 401 || !nonce) return false;
    return /use_dpop_nonce/.test(response.headers.get("www-authenticate") ?? "");
  }

  /** Forgets the cached token (the API refused it): the next call fetches a new one. */
  forget(): void {
    this.cached = undefined;
  }

  private async token(): Promise<CachedToken> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached;
    // Concurrent calls share one request: one assertion, one token.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    this.cached = await this.pending;
    return this.cached;
  }

  private async fetchToken(): Promise<CachedToken> {
    let response = await this.requestToken();
    // HelseID answers the first request with a nonce to use (RFC 9449 §8): once more, with it.
    if (response.status === 400 && response.headers.get("dpop-nonce")) {
      const body = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
      if (body?.error !== "use_dpop_nonce") throw new EdiRejected();
      response = await this.requestToken();
    }
    if (response.status === 429 || response.status >= 500) throw new EdiUnavailable();
    if (!response.ok) throw new EdiRejected();
    const body = (await response.json().catch(() => undefined)) as
      | { access_token?: unknown; token_type?: unknown; expires_in?: unknown }
      | undefined;
    if (typeof body?.access_token !== "string" || body.access_token === "") throw new EdiUnavailable();
    // A token not bound to our key would be refused by the API: the client is misconfigured.
    if (String(body.token_type).toLowerCase() !== "dpop") throw new EdiRejected();
    const lifetimeMs = (typeof body.expires_in === "number" ? body.expires_in : 60) * 1000;
    return {
      token: body.access_token,
      renewAt: this.now() + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS),
    };
  }

  /** One token request: a new assertion (each is used once) and a new proof. */
  private async requestToken(): Promise<Response> {
    const endpoint = this.settings.tokenEndpoint;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.settings.clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: await this.clientAssertion(),
      scope: this.settings.scope,
    });
    let response: Response;
    try {
      response = await this.fetchImpl(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          dpop: await this.proof("POST", endpoint),
        },
        body: form,
        signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw new EdiUnavailable();
    }
    const nonce = response.headers.get("dpop-nonce");
    if (nonce) this.nonces.set(new URL(endpoint).origin, nonce);
    return response;
  }

  /**
   * The client assertion as HelseID describes it: `iss` and `sub` the client id, `aud` HelseID's
   * issuer, a unique `jti`, `iat`/`nbf` now and `exp` within 60 s; signed with the client's key.
   */
  private async clientAssertion(): Promise<string> {
    const { key, kid, alg } = await this.signingKey();
    const nowS = Math.floor(this.now() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg, typ: "JWT", ...(kid ? { kid } : {}) })
      .setIssuer(this.settings.clientId)
      .setSubject(this.settings.clientId)
      .setAudience(this.settings.issuer)
      .setIssuedAt(nowS)
      .setNotBefore(nowS)
      .setExpirationTime(nowS + ASSERTION_LIFETIME_S)
      .sign(key);
  }

  /** A DPoP proof (RFC 9449 §4.2) for `method` on `url`, with `ath` when it carries a token. */
  private async proof(method: string, url: URL | string, accessToken?: string): Promise<string> {
    const { privateKey, publicJwk } = await this.dpop();
    const target = new URL(url);
    const nonce = this.nonces.get(target.origin);
    // htu: the URL without query and fragment (§4.2).
    const htu = `${target.origin}${target.pathname}`;
    return new SignJWT({
      jti: randomUUID(),
      htm: method.toUpperCase(),
      htu,
      ...(accessToken ? { ath: await sha256Base64url(accessToken) } : {}),
      ...(nonce ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: DPOP_ALG, typ: "dpop+jwt", jwk: publicJwk })
      .setIssuedAt(Math.floor(this.now() / 1000))
      .sign(privateKey);
  }

  private dpop() {
    this.dpopKey ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair(DPOP_ALG, { extractable: false });
      const { kty, crv, x, y } = await exportJWK(publicKey);
      return { privateKey, publicJwk: { kty, crv, x, y } as JWK };
    })();
    return this.dpopKey;
  }

  private signingKey() {
    this.clientKey ??= (async () => {
      const jwk = await this.loadClientKey();
      const alg = jwk.alg ?? defaultAlgOf(jwk);
      return { key: await importJWK(jwk, alg), ...(jwk.kid ? { kid: jwk.kid } : {}), alg };
    })().catch((error: unknown) => {
      // A failed load is tried again by the next call, not remembered.
      this.clientKey = undefined;
      throw error;
    });
    return this.clientKey;
  }
}

/** The algorithm of a key given without `alg`: RS256 (HelseID's example) or ES256 on P-256. */
function defaultAlgOf(jwk: JWK): string {
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  throw new EdiRejected();
}

/** `ath`: base64url of the SHA-256 of the token's ASCII (RFC 9449 §4.2). */
async function sha256Base64url(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return base64url.encode(new Uint8Array(digest));
}
