/**
 * The staff referral page (GET /staff/referrals/{id}) and the start-of-care route (POST
 * /referrals/{id}/start-of-care) over in-memory ports: a signed-in assessor or lead reads the
 * referral (each read in the access log) and records the start with the session's anti-forgery
 * token; without a session nothing is shown or recorded, another role is refused and logged, and a
 * portal's IAM identity is no session.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AccessEvent } from "../../functions/domain/access-log";
import { InMemoryReferralStore, testClinicConfig, testReferral } from "../support/fakes";
import { expectDocumentedAnswer } from "../support/openapi-answers";

const ports = vi.hoisted(() => ({}) as { store: unknown });
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => ports.store,
  mailerFromEnv: () => {
    throw new Error("these routes send no email");
  },
  workflowFromEnv: () => {
    throw new Error("these routes do not touch the workflow");
  },
  executionsFromEnv: () => {
    throw new Error("these routes do not list executions");
  },
}));
const signedIn = vi.hoisted(() => ({
  sessions: new Map<string, unknown>(),
  accessEvents: [] as unknown[],
}));
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async (id: string) => signedIn.sessions.get(id),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({
    record: async (event: unknown) => {
      signedIn.accessEvents.push(event);
    },
    list: async () => [],
  }),
}));
vi.mock("../../functions/adapters/clock", () => ({
  systemClock: { now: () => new Date("2025-03-20T09:00:00Z") },
}));

type Handler = (event: APIGatewayProxyEvent) => Promise<{
  statusCode: number;
  body: string;
  headers?: Record<string, unknown>;
}>;
let store: InMemoryReferralStore;
let page: Handler;
let record: Handler;

const REFERRAL_ID = "0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const ASSESSOR = "A".repeat(43);
const CLERK = "C".repeat(43);
const LEAD = "L".repeat(43);
const TOKEN = "session-csrf-token";
const PATIENT = "Kari Nordmann";

beforeAll(async () => {
  process.env.TABLE_NAME = "frist";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.FRIST_QUIET = "1";
  process.env.CLINIC_CONFIG = JSON.stringify(testClinicConfig());
  store = new InMemoryReferralStore();
  Object.assign(ports, { store });
  ({ handler: page } = await import("../../functions/handlers/staff-referral-page"));
  ({ handler: record } = await import("../../functions/handlers/record-start-of-care"));
});

beforeEach(() => {
  for (const map of [store.referrals, store.events, store.tasks, store.letters, store.helfo]) map.clear();
  signedIn.accessEvents.length = 0;
  const now = new Date();
  const session = (roles: string[], email: string, name: string) => ({
    principal: { kind: "staff", subject: email, email, name, roles },
    csrfToken: TOKEN,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
  signedIn.sessions.set(ASSESSOR, session(["assessor"], "ola.haugen@klinikk.example", "Ola Haugen"));
  signedIn.sessions.set(CLERK, session(["clerk"], "kari.dahl@klinikk.example", "Kari Dahl"));
  store.seed(
    testReferral({
      referralId: REFERRAL_ID,
      status: "decided",
      decision: {
        taskId: "tsk_1",
        decidedAt: "2025-03-10T10:00:00.000Z",
        decision: {
          outcome: "granted",
          careForm: "team",
          startOfCareDeadline: "2025-06-01",
          plannedStart: "2025-04-01",
          assessedBy: "Ola Haugen",
        } as never,
      },
    }),
  );
});

function request(
  method: "GET" | "POST",
  path: string,
  resource: string,
  options: { session?: string; headers?: Record<string, string>; body?: string; identity?: object } = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource,
    pathParameters: { referralId: REFERRAL_ID },
    queryStringParameters: null,
    headers: {
      Host: "api.example",
      ...(options.session ? { Cookie: `frist_session=${options.session}` } : {}),
      ...options.headers,
    },
    requestContext: { identity: options.identity ?? {} },
    body: options.body ?? null,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

const view = (session?: string, headers: Record<string, string> = {}) =>
  page(
    request("GET", `/staff/referrals/${REFERRAL_ID}`, "/staff/referrals/{referralId}", {
      ...(session ? { session } : {}),
      headers,
    }),
  );

const postStart = (
  body: string,
  options: { session?: string; headers?: Record<string, string>; identity?: object } = {},
) =>
  record(
    request("POST", `/referrals/${REFERRAL_ID}/start-of-care`, "/referrals/{referralId}/start-of-care", {
      ...options,
      body,
    }),
  );

const startRecorded = () => store.eventTypesOf(REFERRAL_ID).includes("start-of-care-recorded");

describe("GET /staff/referrals/{id}", () => {
  it("sends a browser without a session to sign-in, showing and logging nothing", async () => {
    const answer = await view();

    expect(answer.statusCode).toBe(303);
    expect(String(answer.headers?.location)).toContain(
      `returnTo=${encodeURIComponent(`/staff/referrals/${REFERRAL_ID}`)}`,
    );
    expect(answer.body).not.toContain(PATIENT);
    expect(signedIn.accessEvents).toEqual([]);
  });

  it("shows an assessor the referral with its start-of-care form, and logs who read it, in which role, when", async () => {
    const answer = await view(ASSESSOR);

    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain(PATIENT);
    expect(answer.body).toContain(
      'action="../../referrals/0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b/start-of-care"',
    );
    expect(answer.body).toContain(`name="csrfToken" value="${TOKEN}"`);
    expect(answer.body).not.toContain("15038512282");
    expect(answer.body).not.toContain("access-log"); // the access log is the lead's
    expect(signedIn.accessEvents).toEqual([
      {
        referralId: REFERRAL_ID,
        at: "2025-03-20T09:00:00.000Z",
        who: "ola.haugen@klinikk.example",
        name: "Ola Haugen",
        role: "assessor",
        what: "referral-view",
        outcome: "viewed",
      } satisfies AccessEvent,
    ]);
  });

  it("links the lead to the referral's access log", async () => {
    signedIn.sessions.set(LEAD, {
      ...(signedIn.sessions.get(ASSESSOR) as object),
      principal: {
        kind: "staff",
        subject: "l",
        email: "lead@klinikk.example",
        name: "Lead",
        roles: ["assessor", "lead"],
      },
    });

    const answer = await view(LEAD);

    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain(`href="../../access-log/${REFERRAL_ID}"`);
  });

  it("answers scripts the staff view as JSON with the session's token, logged like the page", async () => {
    const answer = await view(ASSESSOR, { Accept: "application/json" });

    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(answer.body);
    expect(body.csrfToken).toBe(TOKEN);
    expect(body.referral).toMatchObject({ referralId: REFERRAL_ID, startOfCare: { deadline: "2025-06-01" } });
    expectDocumentedAnswer("GET /staff/referrals/{referralId}", answer);
    expect(signedIn.accessEvents).toHaveLength(1);
  });

  it("refuses a clerk with 403 and logs the refused attempt on the referral", async () => {
    const answer = await view(CLERK);

    expect(answer.statusCode).toBe(403);
    expect(answer.body).not.toContain(PATIENT);
    expect(signedIn.accessEvents).toEqual([
      expect.objectContaining({ referralId: REFERRAL_ID, role: "clerk", outcome: "refused" }),
    ]);
  });

  it("answers 404 for an unknown referral without logging a view", async () => {
    store.referrals.clear();

    const answer = await view(ASSESSOR);

    expect(answer.statusCode).toBe(404);
    expect(signedIn.accessEvents).toEqual([]);
  });
});

describe("POST /referrals/{id}/start-of-care", () => {
  const json = (body: object, headers: Record<string, string> = {}) => ({
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...headers },
  });

  it("answers 401 without a session, and a portal's IAM identity is no session: nothing recorded", async () => {
    const portal = { userArn: "arn:aws:iam::123456789012:user/portal-a", caller: "AIDA" };
    const plain = json({ startedOn: "2025-03-19" }, { "X-CSRF-Token": TOKEN });

    const anonymous = await postStart(plain.body, { headers: plain.headers });
    const fromPortal = await postStart(plain.body, { headers: plain.headers, identity: portal });
    const form = await postStart("startedOn=2025-03-19", {
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });

    expect([anonymous.statusCode, fromPortal.statusCode, form.statusCode]).toEqual([401, 401, 401]);
    expect(startRecorded()).toBe(false);
    expect((await store.getReferral(REFERRAL_ID))?.careStartedOn).toBeUndefined();
  });

  it("refuses a clerk with 403 and records nothing", async () => {
    const { body, headers } = json({ startedOn: "2025-03-19" }, { "X-CSRF-Token": TOKEN });

    const answer = await postStart(body, { session: CLERK, headers });

    expect(answer.statusCode).toBe(403);
    expect(startRecorded()).toBe(false);
  });

  it("refuses JSON without the session's token, and a form from another origin or without its token", async () => {
    const noHeader = json({ startedOn: "2025-03-19" });
    const form = { "Content-Type": "application/x-www-form-urlencoded" };

    const answers = [
      await postStart(noHeader.body, { session: ASSESSOR, headers: noHeader.headers }),
      await postStart(`startedOn=2025-03-19&csrfToken=${TOKEN}`, {
        session: ASSESSOR,
        headers: { ...form, Origin: "https://evil.example" },
      }),
      await postStart("startedOn=2025-03-19&csrfToken=wrong", { session: ASSESSOR, headers: form }),
    ];

    expect(answers.map((answer) => answer.statusCode)).toEqual([403, 403, 403]);
    expect(startRecorded()).toBe(false);
  });

  it("records an assessor's start from JSON with the token, the assessor as the audit actor", async () => {
    const { body, headers } = json({ startedOn: "2025-03-19" }, { "X-CSRF-Token": TOKEN });

    const answer = await postStart(body, { session: ASSESSOR, headers });

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      referralId: REFERRAL_ID,
      startOfCare: {
        deadline: "2025-06-01",
        plannedStart: "2025-04-01",
        startedOn: "2025-03-19",
        breached: false,
        expectedBreach: false,
        probableBreach: false,
      },
    });
    expectDocumentedAnswer("POST /referrals/{referralId}/start-of-care", answer);
    const event = store.eventsOf(REFERRAL_ID).find((e) => e.type === "start-of-care-recorded");
    expect(event?.actor).toEqual({ kind: "staff", id: "ola.haugen@klinikk.example" });
  });

  it("records the start from the page's form and answers with the page saying so (a logged view)", async () => {
    const answer = await postStart(`startedOn=2025-03-19&plannedStart=&csrfToken=${TOKEN}`, {
      session: ASSESSOR,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://api.example" },
    });

    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain("Oppstarten er registrert");
    expect((await store.getReferral(REFERRAL_ID))?.careStartedOn).toBe("2025-03-19");
    expect(signedIn.accessEvents).toEqual([
      expect.objectContaining({ what: "referral-view", outcome: "viewed" }),
    ]);
  });

  const REASON = "Behandleren er sykmeldt i hele perioden og ingen andre kan overta";
  const signInLead = () =>
    signedIn.sessions.set(LEAD, {
      ...(signedIn.sessions.get(ASSESSOR) as object),
      principal: {
        kind: "staff",
        subject: "l",
        email: "lead@klinikk.example",
        name: "Lead",
        roles: ["assessor", "lead"],
      },
    });
  const withDeadline = (startOfCareDeadline: string) =>
    store.seed({
      ...(store.referrals.get(REFERRAL_ID) as NonNullable<ReturnType<typeof store.referrals.get>>),
      decision: {
        taskId: "tsk_1",
        decidedAt: "2025-03-10T10:00:00.000Z",
        decision: {
          outcome: "granted",
          careForm: "team",
          startOfCareDeadline,
          assessedBy: "Ola Haugen",
        } as never,
      },
    });

  it("records an assessor's expected breach with a reason: the notice on the clerk's list marked expected, the reason on the referral and not in the trail", async () => {
    const { body, headers } = json({ breach: "expected", reason: REASON }, { "X-CSRF-Token": TOKEN });

    const answer = await postStart(body, { session: ASSESSOR, headers });

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).startOfCare).toMatchObject({ expectedBreach: true, breached: false });
    expect(await store.listHelfoNotifications()).toEqual([
      expect.objectContaining({ referralId: REFERRAL_ID, expected: true, status: "to-report" }),
    ]);
    expect((await store.getReferral(REFERRAL_ID))?.startOfCareExpectedBreach).toMatchObject({
      reason: REASON,
      by: "ola.haugen@klinikk.example",
    });
    const event = store.eventsOf(REFERRAL_ID).find((e) => e.type === "start-of-care-breach-expected");
    expect(event?.actor).toEqual({ kind: "staff", id: "ola.haugen@klinikk.example" });
    expect(JSON.stringify(store.eventsOf(REFERRAL_ID))).not.toContain("sykmeldt");
  });

  it("refuses an expected breach whose reason says nothing with 400 naming reason, recording nothing", async () => {
    for (const reason of ["kan ikke", "", undefined]) {
      const { body, headers } = json({ breach: "expected", reason }, { "X-CSRF-Token": TOKEN });

      const answer = await postStart(body, { session: ASSESSOR, headers });

      expect(answer.statusCode, String(reason)).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        error: "validation_failed",
        issues: [expect.objectContaining({ path: "reason" })],
      });
      expectDocumentedAnswer("POST /referrals/{referralId}/start-of-care", answer);
    }
    expect(await store.listHelfoNotifications()).toEqual([]);
    expect(store.eventTypesOf(REFERRAL_ID)).not.toContain("start-of-care-breach-expected");
  });

  it("answers an assessor confirming a breach 403 (the lead confirms), recording nothing", async () => {
    withDeadline("2025-03-14");
    const { body, headers } = json({ breach: "confirmed" }, { "X-CSRF-Token": TOKEN });

    const answer = await postStart(body, { session: ASSESSOR, headers });

    expect(answer.statusCode).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "forbidden" });
    expectDocumentedAnswer("POST /referrals/{referralId}/start-of-care", answer);
    expect((await store.getReferral(REFERRAL_ID))?.startOfCareBreached).toBeUndefined();
    expect(await store.listHelfoNotifications()).toEqual([]);
  });

  it("refuses an expected breach after the deadline (confirm it instead), and the lead's confirmation before it, naming breach", async () => {
    signInLead();
    const expected = json({ breach: "expected", reason: REASON }, { "X-CSRF-Token": TOKEN });
    const confirmed = json({ breach: "confirmed" }, { "X-CSRF-Token": TOKEN });

    const early = await postStart(confirmed.body, { session: LEAD, headers: confirmed.headers });
    withDeadline("2025-03-14");
    const late = await postStart(expected.body, { session: ASSESSOR, headers: expected.headers });
    const byLead = await postStart(confirmed.body, { session: LEAD, headers: confirmed.headers });

    expect(early.statusCode).toBe(400);
    expect(JSON.parse(early.body).issues).toEqual([
      { path: "breach", message: expect.stringContaining("Fristen er ikke passert") },
    ]);
    expect(late.statusCode).toBe(400);
    expect(JSON.parse(late.body).issues).toEqual([
      { path: "breach", message: expect.stringContaining("Fristen er passert") },
    ]);
    // After the deadline the lead's confirmation is the way: the breach, with its notice.
    expect(byLead.statusCode).toBe(200);
    expect(JSON.parse(byLead.body).startOfCare).toMatchObject({ breached: true, expectedBreach: false });
    expect(await store.listHelfoNotifications()).toEqual([
      expect.objectContaining({ referralId: REFERRAL_ID, status: "to-report" }),
    ]);
  });

  it("shows the form again naming the field when the start lies in the future, recording nothing", async () => {
    const answer = await postStart(`startedOn=2025-04-19&csrfToken=${TOKEN}`, {
      session: ASSESSOR,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });

    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain("Oppstart kan ikke være fram i tid");
    expect(answer.body).toContain('value="2025-04-19"');
    expect(startRecorded()).toBe(false);
  });
});
