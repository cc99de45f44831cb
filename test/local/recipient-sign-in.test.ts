/**
 * Sign-in of a letter's recipients against a real OpenID provider (the local one): each provider is
 * asked for the scopes its configuration names (ID-porten knows no `email`, HelseID has a scope of
 * its own for the HPR number), and the default otherwise; the return path stays the letter.
 */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginSignIn, DEFAULT_SCOPE, type SignInFlowDeps } from "../../functions/adapters/sign-in";
import { openSignIn } from "../../functions/adapters/sign-in-state";
import type { SessionStore } from "../../functions/domain/session";
import { type OidcLocal, startOidcLocal } from "../../lib/local/emulators/oidc-local";

let oidc: OidcLocal;
const stateKey = randomBytes(32);
const sessions: SessionStore = {
  create: async () => undefined,
  get: async () => undefined,
  touch: async () => undefined,
  delete: async () => undefined,
};

beforeAll(async () => {
  oidc = await startOidcLocal({ staff: [], redirectUri: "http://127.0.0.1:1/prod/auth/callback" });
});

afterAll(async () => {
  await oidc?.stop();
});

const deps = (): SignInFlowDeps => ({
  sessions,
  stateKey,
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
    const cookieValue = String(started?.setCookie).split(";")[0]?.split("=")[1];
    const opened = openSignIn(stateKey, cookieValue, new Date());
    expect(opened).toMatchObject({ ok: true });
    expect(opened.ok && opened.pending).toMatchObject({
      state,
      audience: "patient",
      returnTo: "/inbox/ref-1.abcdefghijklmnopqrstuvwx",
    });
  });

  it("asks a provider without configured scopes for the default ones", async () => {
    const started = await beginSignIn(deps(), "professional", "/inbox/ref-1.abcdefghijklmnopqrstuvwx");
    expect(new URL(String(started?.location)).searchParams.get("scope")).toBe(DEFAULT_SCOPE);
  });
});
