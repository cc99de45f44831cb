/**
 * Sign-in of a letter's recipients against a real OpenID provider (the local one): each provider is
 * asked for the scopes its configuration names (ID-porten knows no `email`, HelseID has a scope of
 * its own for the HPR number), and the default otherwise; the return path stays the letter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginSignIn, DEFAULT_SCOPE, type SignInDeps } from "../../functions/adapters/sign-in";
import type { PendingSignIn, SessionStore } from "../../functions/domain/session";
import { type OidcLocal, startOidcLocal } from "../../lib/local/oidc-local";

let oidc: OidcLocal;
const pending = new Map<string, PendingSignIn>();
const sessions: SessionStore = {
  create: async () => undefined,
  get: async () => undefined,
  touch: async () => undefined,
  delete: async () => undefined,
  savePendingSignIn: async (state, value) => {
    pending.set(state, value);
  },
  takePendingSignIn: async (state) => pending.get(state),
};

beforeAll(async () => {
  oidc = await startOidcLocal({ staff: [], redirectUri: "http://127.0.0.1:1/prod/auth/callback" });
});

afterAll(async () => {
  await oidc?.stop();
});

const deps = (): SignInDeps => ({
  sessions,
  publicBaseUrl: "http://127.0.0.1:1/prod",
  providers: {
    staff: { issuer: oidc.issuer, clientId: oidc.clientId },
    patient: { issuer: oidc.issuer, clientId: oidc.clientId, scope: "openid profile" },
    professional: { issuer: oidc.issuer, clientId: oidc.clientId },
  },
});

describe("a letter recipient's sign-in", () => {
  it("asks the patients' provider for the scopes configured for it, and comes back to the letter", async () => {
    const started = await beginSignIn(deps(), "patient", "/inbox/ref-1.abcdefghijklmnopqrstuvwx");

    const location = new URL(String(started?.location));
    expect(location.href.startsWith(oidc.issuer)).toBe(true);
    expect(location.searchParams.get("scope")).toBe("openid profile");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    const state = String(location.searchParams.get("state"));
    expect(pending.get(state)).toMatchObject({
      audience: "patient",
      returnTo: "/inbox/ref-1.abcdefghijklmnopqrstuvwx",
    });
  });

  it("asks a provider without configured scopes for the default ones", async () => {
    const started = await beginSignIn(deps(), "professional", "/inbox/ref-1.abcdefghijklmnopqrstuvwx");
    expect(new URL(String(started?.location)).searchParams.get("scope")).toBe(DEFAULT_SCOPE);
  });
});
