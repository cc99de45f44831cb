/**
 * OpenID Connect sign-in with openid-client (authorization code + PKCE), the same code in the cloud
 * and locally: only the issuers differ (SIGN_IN_PROVIDERS: Cognito for staff, ID-porten-style for
 * patients, HelseID-style for health personnel; locally all three are the local provider). The
 * browser holds a random session id in an HttpOnly, SameSite=Lax cookie (Secure on https); the
 * session itself is in DynamoDB. A sign-in under way is in a signed cookie only (sign-in-state.ts):
 * starting one writes nothing to the table.
 *
 * Sign-in and session times run on the real clock, not the simulated one: ID tokens, cookies and
 * idle limits are about the person at the keyboard, not about the referral's legal clock.
 */
import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import * as oidc from "openid-client";
import * as z from "zod";
import {
  PENDING_SIGN_IN_MS,
  type PendingSignIn,
  type Principal,
  principalFromClaims,
  SESSION_COOKIE,
  SESSION_TOUCH_MS,
  type Session,
  type SessionStore,
  SIGN_IN_AUDIENCES,
  type SignInAudience,
  safeReturnPath,
  sessionExpiry,
  sessionLive,
} from "../domain/session";
import { header } from "./headers";
import { type OpenFailure, openSignIn, sealSignIn } from "./sign-in-state";

export { SESSION_COOKIE };
export const SIGN_IN_COOKIE = "frist_signin";

const providerSchema = z.object({
  issuer: z.url(),
  clientId: z.string().min(1),
  /** The scopes to ask this provider for; default {@link DEFAULT_SCOPE}. */
  scope: z.string().min(1).optional(),
  /** A recipient provider's claim that identifies the person (national ID or HPR number). */
  claim: z.string().min(1).optional(),
});

/** What Frist asks a provider for unless its configuration names its own scopes. */
export const DEFAULT_SCOPE = "openid profile email";
/** SIGN_IN_PROVIDERS: one OpenID provider per audience; staff is required, the others optional. */
export const signInProvidersSchema = z.object({
  staff: providerSchema,
  patient: providerSchema.optional(),
  professional: providerSchema.optional(),
});
export type SignInProviders = z.infer<typeof signInProvidersSchema>;

/** What the sign-in needs: the session store, the providers, and where this API lives. */
export interface SignInDeps {
  sessions: SessionStore;
  providers: SignInProviders;
  /** PUBLIC_BASE_URL, e.g. https://abc.execute-api.eu-north-1.amazonaws.com/prod */
  publicBaseUrl: string;
  now?: () => Date;
}

/** What starting and finishing a sign-in need beside {@link SignInDeps}: the key that signs its state cookie. */
export interface SignInFlowDeps extends SignInDeps {
  stateKey: Buffer;
}

/** A signed-in request's session, with its id (for sign-out). */
export interface ActiveSession extends Session {
  sessionId: string;
}

/** The cookies of a request, by name (the first of each name). */
export function cookiesOf(
  event: Pick<APIGatewayProxyEvent, "headers" | "multiValueHeaders">,
): Map<string, string> {
  const cookies = new Map<string, string>();
  const values = event.multiValueHeaders
    ? Object.entries(event.multiValueHeaders)
        .filter(([name]) => name.toLowerCase() === "cookie")
        .flatMap(([, value]) => value ?? [])
    : [];
  const single = header(event, "cookie");
  if (values.length === 0 && single) values.push(single);
  for (const line of values) {
    for (const part of line.split(";")) {
      const at = part.indexOf("=");
      if (at < 0) continue;
      const name = part.slice(0, at).trim();
      if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
    }
  }
  return cookies;
}

/** A Set-Cookie value scoped to this API's path, HttpOnly and SameSite=Lax, Secure on https. */
export function cookie(publicBaseUrl: string, name: string, value: string, maxAgeSeconds: number): string {
  const url = new URL(publicBaseUrl);
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const secure = url.protocol === "https:" ? "; Secure" : "";
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

const randomId = () => randomBytes(32).toString("base64url");
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** The live session the request's cookie names, extended by this use; undefined when there is none. */
export async function resolveSession(
  deps: Pick<SignInDeps, "sessions" | "now">,
  event: Pick<APIGatewayProxyEvent, "headers" | "multiValueHeaders">,
): Promise<ActiveSession | undefined> {
  const sessionId = cookiesOf(event).get(SESSION_COOKIE);
  if (!sessionId || !SESSION_ID.test(sessionId)) return undefined;
  const session = await deps.sessions.get(sessionId);
  const now = deps.now?.() ?? new Date();
  if (!session || !sessionLive(session, now)) return undefined;
  if (now.getTime() - Date.parse(session.lastSeenAt) >= SESSION_TOUCH_MS) {
    const expiresAt = sessionExpiry(new Date(session.createdAt), now).toISOString();
    await deps.sessions.touch(sessionId, { lastSeenAt: now.toISOString(), expiresAt });
    return { ...session, lastSeenAt: now.toISOString(), expiresAt, sessionId };
  }
  return { ...session, sessionId };
}

const configurations = new Map<string, Promise<oidc.Configuration>>();

/** The provider's configuration from its discovery document, fetched once per container. */
function configurationOf(provider: { issuer: string; clientId: string }): Promise<oidc.Configuration> {
  const key = `${provider.issuer} ${provider.clientId}`;
  let configuration = configurations.get(key);
  if (!configuration) {
    const insecure = new URL(provider.issuer).protocol === "http:";
    configuration = oidc.discovery(
      new URL(provider.issuer),
      provider.clientId,
      undefined,
      oidc.None(),
      // Only the local provider is plain http (on loopback); every cloud issuer is https.
      insecure ? { execute: [oidc.allowInsecureRequests], timeout: 5 } : { timeout: 5 },
    );
    configuration.catch(() => configurations.delete(key));
    configurations.set(key, configuration);
  }
  return configuration;
}

const callbackUrl = (publicBaseUrl: string) => `${publicBaseUrl}/auth/callback`;

/** The audience named in a request, staff when none or an unknown one. */
export function audienceOf(value: unknown): SignInAudience {
  return SIGN_IN_AUDIENCES.includes(value as SignInAudience) ? (value as SignInAudience) : "staff";
}

/**
 * Starts a sign-in: seals the PKCE verifier, nonce and return path with a random state into a
 * signed, 10-minute cookie (which binds the sign-in to this browser), and answers where to send the
 * browser. Nothing is stored: an anonymous call costs a signature, not a write.
 */
export async function beginSignIn(
  deps: SignInFlowDeps,
  audience: SignInAudience,
  returnTo: string,
): Promise<{ location: string; setCookie: string } | undefined> {
  const provider = deps.providers[audience];
  if (!provider) return undefined;
  const configuration = await configurationOf(provider);
  const state = oidc.randomState();
  const pending: PendingSignIn = {
    audience,
    codeVerifier: oidc.randomPKCECodeVerifier(),
    nonce: oidc.randomNonce(),
    returnTo: safeReturnPath(returnTo),
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  const location = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: callbackUrl(deps.publicBaseUrl),
    scope: provider.scope ?? DEFAULT_SCOPE,
    response_type: "code",
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: "S256",
    state,
    nonce: pending.nonce,
    // Always ask who it is: a shared clinic computer must not carry the last person's sign-in.
    prompt: "login",
  });
  const sealed = sealSignIn(deps.stateKey, { ...pending, state });
  return {
    location: location.href,
    setCookie: cookie(deps.publicBaseUrl, SIGN_IN_COOKIE, sealed, PENDING_SIGN_IN_MS / 1000),
  };
}

/** Why a callback did not sign anyone in. */
export type SignInFailure =
  | "no-sign-in-under-way"
  | "sign-in-expired"
  | "sign-in-forged"
  | "not-recognised"
  | "provider-refused";

const OPEN_FAILURES: Record<OpenFailure, SignInFailure> = {
  missing: "no-sign-in-under-way",
  expired: "sign-in-expired",
  forged: "sign-in-forged",
};

/**
 * Finishes a sign-in at the callback: this browser's sign-in cookie must carry this function's
 * signature, be at most 10 minutes old and name the state the provider returned; the code is
 * exchanged with the PKCE verifier, the ID token's nonce checked; the claims become a session. The
 * cookie is cleared whatever the outcome, and the provider accepts a code once.
 */
export async function finishSignIn(
  deps: SignInFlowDeps,
  event: Pick<APIGatewayProxyEvent, "headers" | "multiValueHeaders" | "queryStringParameters">,
): Promise<
  | { ok: true; principal: Principal; returnTo: string; setCookies: string[] }
  | { ok: false; reason: SignInFailure; setCookies: string[] }
> {
  const clear = [cookie(deps.publicBaseUrl, SIGN_IN_COOKIE, "", 0)];
  const query = event.queryStringParameters ?? {};
  const state = query.state ?? "";
  const opened = openSignIn(deps.stateKey, cookiesOf(event).get(SIGN_IN_COOKIE), deps.now?.() ?? new Date());
  if (!opened.ok) return { ok: false, reason: OPEN_FAILURES[opened.reason], setCookies: clear };
  const pending = opened.pending;
  if (!state || pending.state !== state)
    return { ok: false, reason: "no-sign-in-under-way", setCookies: clear };
  const provider = deps.providers[pending.audience];
  if (!provider) return { ok: false, reason: "no-sign-in-under-way", setCookies: clear };
  if (query.error) return { ok: false, reason: "provider-refused", setCookies: clear };

  const configuration = await configurationOf(provider);
  const current = new URL(callbackUrl(deps.publicBaseUrl));
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) current.searchParams.set(name, value);
  let claims: Record<string, unknown> | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims() as Record<string, unknown> | undefined;
  } catch (error) {
    // The provider's answer did not check out (bad code, replay, wrong nonce): a refusal, not a fault.
    if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
      return { ok: false, reason: "provider-refused", setCookies: clear };
    }
    if ((error as { code?: string }).code?.startsWith("OAUTH_")) {
      return { ok: false, reason: "provider-refused", setCookies: clear };
    }
    throw error;
  }
  const principal =
    claims && principalFromClaims(pending.audience, claims, deps.providers[pending.audience]?.claim);
  if (!principal) return { ok: false, reason: "not-recognised", setCookies: clear };

  const sessionId = randomId();
  const now = deps.now?.() ?? new Date();
  const session: Session = {
    principal,
    csrfToken: randomId(),
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: sessionExpiry(now, now).toISOString(),
  };
  await deps.sessions.create(sessionId, session);
  // The cookie may outlive the idle limit: the server decides when the session ends.
  return {
    ok: true,
    principal,
    returnTo: safeReturnPath(pending.returnTo),
    setCookies: [...clear, cookie(deps.publicBaseUrl, SESSION_COOKIE, sessionId, 10 * 60 * 60)],
  };
}

/** Ends the request's session, if any; answers the cookie that clears it in the browser. */
export async function signOut(
  deps: Pick<SignInDeps, "sessions" | "publicBaseUrl">,
  session: ActiveSession | undefined,
): Promise<string> {
  if (session) await deps.sessions.delete(session.sessionId);
  return cookie(deps.publicBaseUrl, SESSION_COOKIE, "", 0);
}

/** Where an unauthenticated GET of `path` is sent: sign-in for the audience, then back to `path`. */
export function signInUrl(publicBaseUrl: string, audience: SignInAudience, returnTo: string): string {
  const params = new URLSearchParams({ audience, returnTo: safeReturnPath(returnTo) });
  return `${publicBaseUrl}/auth/login?${params}`;
}
