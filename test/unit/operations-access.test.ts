/**
 * The local operations page's resume action admits a signed-in operations person or the clinic lead
 * only, with the session's anti-forgery token and, for a form, an Origin of this host.
 */
import { describe, expect, it } from "vitest";
import type { Session, SessionStore, StaffRole } from "../../functions/domain/session";
import { operationsAccess, type ResumeRequest } from "../../lib/local/operations-access";

const now = new Date();
const sessionOf = (roles: StaffRole[]): Session => ({
  principal: { kind: "staff", subject: "s", email: "x@smerteklinikk.example", name: "X", roles },
  csrfToken: "the-token",
  createdAt: now.toISOString(),
  lastSeenAt: now.toISOString(),
  expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
});

const ids = { operations: "O".repeat(43), lead: "L".repeat(43), clerk: "C".repeat(43) };
const sessions: SessionStore = {
  get: async (id) =>
    id === ids.operations
      ? sessionOf(["operations"])
      : id === ids.lead
        ? sessionOf(["assessor", "lead"])
        : id === ids.clerk
          ? sessionOf(["clerk"])
          : undefined,
  create: async () => undefined,
  touch: async () => undefined,
  delete: async () => undefined,
  savePendingSignIn: async () => undefined,
  takePendingSignIn: async () => undefined,
};
const access = operationsAccess({ sessions: () => sessions, apiUrl: () => "http://localhost:3000" });

const request = (
  who: keyof typeof ids | undefined,
  options: { fromForm?: boolean; token?: string; origin?: string } = {},
): ResumeRequest => {
  const fromForm = options.fromForm ?? true;
  return {
    fromForm,
    headers: {
      host: "localhost:4010",
      ...(who ? { cookie: `other=1; frist_session=${ids[who]}` } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...(!fromForm && options.token ? { "x-csrf-token": options.token } : {}),
    },
    fields: { referralId: "ref-1", ...(fromForm && options.token ? { csrfToken: options.token } : {}) },
  };
};

describe("the operations page's resume action", () => {
  it("answers 401 without a session, as a page for a form and as JSON otherwise", async () => {
    const form = await access.admit(request(undefined, { token: "the-token" }));
    expect(form).toMatchObject({ status: 401, contentType: "text/html; charset=utf-8" });
    expect(form?.body).toContain("http://localhost:3000/auth/login");
    expect(await access.admit(request(undefined, { fromForm: false }))).toMatchObject({
      status: 401,
      body: JSON.stringify({ error: "sign_in_required" }),
    });
  });

  it("answers 403 to a signed-in person of another role, even with the right token", async () => {
    expect((await access.admit(request("clerk", { token: "the-token" })))?.status).toBe(403);
    expect(await access.viewer(request("clerk").headers)).toMatchObject({ kind: "forbidden" });
  });

  it("admits operations from the page's form, and the lead with JSON and X-CSRF-Token", async () => {
    expect(await access.admit(request("operations", { token: "the-token" }))).toBeUndefined();
    expect(
      await access.admit(request("operations", { token: "the-token", origin: "http://localhost:4010" })),
    ).toBeUndefined();
    expect(await access.admit(request("operations", { token: "the-token", origin: "null" }))).toBeUndefined();
    expect(await access.admit(request("lead", { fromForm: false, token: "the-token" }))).toBeUndefined();
    expect(await access.viewer(request("lead").headers)).toEqual({
      kind: "allowed",
      who: "x@smerteklinikk.example",
      csrfToken: "the-token",
    });
  });

  it("refuses a form from another origin, and a post without the session's token", async () => {
    const foreign = await access.admit(
      request("operations", { token: "the-token", origin: "http://evil.example" }),
    );
    expect(foreign?.status).toBe(403);
    expect((await access.admit(request("operations")))?.status).toBe(403);
    expect((await access.admit(request("operations", { token: "another" })))?.status).toBe(403);
    expect((await access.admit(request("lead", { fromForm: false })))?.status).toBe(403);
  });

  it("answers 503 while the session store is not up yet", async () => {
    const starting = operationsAccess({ sessions: () => undefined, apiUrl: () => "http://localhost:3000" });
    expect((await starting.admit(request("operations", { token: "the-token" })))?.status).toBe(503);
  });
});
