/**
 * The local operations page's resume action admits a signed-in operations person or the clinic lead
 * only, with the session's anti-forgery token and, for a form, an Origin of this host.
 */
import { describe, expect, it } from "vitest";
import type { Session, SessionStore, StaffRole } from "../../functions/domain/session";
import {
  OPERATIONS_RETURN_PATH,
  operationsAccess,
  type ResumeRequest,
} from "../../lib/local/operations/access";

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

describe("the operations page itself", () => {
  const headersOf = (who: keyof typeof ids | undefined, accept: string) => ({
    host: "localhost:4010",
    accept,
    ...(who ? { cookie: `frist_session=${ids[who]}` } : {}),
  });
  const BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

  it("sends a browser without a session to sign in, coming back to the page through the API", async () => {
    const admission = await access.page(headersOf(undefined, BROWSER));
    expect(admission).toMatchObject({ show: false, status: 303, body: "" });
    const location = admission.show ? "" : (admission.headers.location ?? "");
    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe("http://localhost:3000/auth/login");
    expect(url.searchParams.get("audience")).toBe("staff");
    expect(url.searchParams.get("returnTo")).toBe(OPERATIONS_RETURN_PATH);
  });

  it("answers 401 JSON without a session when the caller is not a browser", async () => {
    for (const accept of ["application/json", "*/*", ""]) {
      expect(await access.page(headersOf(undefined, accept))).toEqual({
        show: false,
        status: 401,
        headers: { "cache-control": "no-store" },
        contentType: "application/json",
        body: JSON.stringify({ error: "unauthenticated", message: "sign in first" }),
      });
    }
  });

  it("answers 403 to a signed-in clerk, naming who may see it", async () => {
    const admission = await access.page(headersOf("clerk", BROWSER));
    expect(admission).toMatchObject({ show: false, status: 403, contentType: "text/html; charset=utf-8" });
    expect(admission.show ? "" : admission.body).toContain("for operations and the clinic lead");
  });

  it("shows the page to operations and to the lead, with their session's token", async () => {
    for (const who of ["operations", "lead"] as const) {
      expect(await access.page(headersOf(who, "*/*"))).toEqual({
        show: true,
        viewer: { kind: "allowed", who: "x@smerteklinikk.example", csrfToken: "the-token" },
      });
    }
  });

  it("answers 503 with Retry-After before DynamoDB Local is up", async () => {
    const starting = operationsAccess({ sessions: () => undefined, apiUrl: () => "http://localhost:3000" });
    expect(await starting.page(headersOf("operations", BROWSER))).toMatchObject({
      show: false,
      status: 503,
      headers: { "retry-after": "5" },
    });
  });
});
