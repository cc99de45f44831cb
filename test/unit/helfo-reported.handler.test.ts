/**
 * POST /helfo-notifications/{referralId}/reported over in-memory ports, with the mail service
 * failing: the mark is kept and the clerk told 503; the list shows the patient's letter as not
 * sent; marking again sends it (once) and answers 200; once every letter is out, a mark is 409 and
 * sends nothing. Nothing is lost and nothing goes out twice.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { recordExpectedBreach } from "../../functions/domain/start-of-care-records";
import { renderHelfoListPage } from "../../functions/views/helfo-pages";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
} from "../support/fakes";
import { expectDocumentedAnswer } from "../support/openapi-answers";

const ports = vi.hoisted(() => ({}) as { store: unknown; mailer: unknown });
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => ports.store,
  mailerFromEnv: () => ports.mailer,
  workflowFromEnv: () => {
    throw new Error("this route does not touch the workflow");
  },
  executionsFromEnv: () => {
    throw new Error("this route does not list executions");
  },
}));
const signedIn = vi.hoisted(() => ({ sessions: new Map<string, unknown>() }));
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async (id: string) => signedIn.sessions.get(id),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({ record: async () => undefined, list: async () => [] }),
}));
vi.mock("../../functions/adapters/clock", () => ({
  systemClock: { now: () => new Date("2025-05-05T09:00:00Z") },
}));

type Handler = (event: APIGatewayProxyEvent) => Promise<{
  statusCode: number;
  body: string;
  headers?: Record<string, unknown>;
}>;
const REFERRAL_ID = "0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const CLERK = "C".repeat(43);
const TOKEN = "session-csrf-token";
const PATIENT_EMAIL = "kari.nordmann@pasient.example";
const config = testClinicConfig();
let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let handler: Handler;

beforeAll(async () => {
  process.env.TABLE_NAME = "frist";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.FRIST_QUIET = "1";
  process.env.CLINIC_CONFIG = JSON.stringify(config);
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  Object.assign(ports, { store, mailer });
  ({ handler } = await import("../../functions/handlers/helfo-reported"));
});

beforeEach(async () => {
  for (const map of [store.referrals, store.events, store.letters, store.helfo]) map.clear();
  mailer.sent.length = 0;
  mailer.failNext = 0;
  const now = new Date();
  signedIn.sessions.set(CLERK, {
    principal: {
      kind: "staff",
      subject: "kari.dahl@smerteklinikk.example",
      email: "kari.dahl@smerteklinikk.example",
      name: "Kari Dahl",
      roles: ["clerk"],
    },
    csrfToken: TOKEN,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
  const referral = testReferral({
    referralId: REFERRAL_ID,
    status: "decided",
    decision: {
      taskId: "tsk_1",
      decidedAt: "2025-03-10T10:00:00.000Z",
      decision: {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2025-06-27",
        assessedBy: "Ola Haugen",
      } as never,
    },
  });
  referral.submission.patient.email = PATIENT_EMAIL;
  store.seed(referral);
  const deps = {
    store,
    clock: new FakeClock(new Date("2025-05-02T10:00:00Z")),
    metrics: new RecordingMetrics(),
    config,
  };
  const reason = "Behandleren er sykmeldt i hele perioden og ingen andre kan overta";
  await recordExpectedBreach(
    deps,
    REFERRAL_ID,
    { breach: "expected", reason },
    { kind: "staff", id: "lead" },
  );
});

const mark = () =>
  handler({
    httpMethod: "POST",
    path: `/helfo-notifications/${REFERRAL_ID}/reported`,
    resource: "/helfo-notifications/{referralId}/reported",
    pathParameters: { referralId: REFERRAL_ID },
    queryStringParameters: null,
    headers: {
      Host: "api.example",
      Cookie: `frist_session=${CLERK}`,
      "Content-Type": "application/json",
      "X-CSRF-Token": TOKEN,
    },
    requestContext: {},
    body: JSON.stringify({ reportedOn: "2025-05-05" }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent);

const breachLettersTo = (address: string) => mailer.to(address).length;

describe("POST /helfo-notifications/{referralId}/reported while the mail service fails", () => {
  it("keeps the mark and answers 503; the list shows the letter not sent; marking again sends it once and answers 200; then 409", async () => {
    // Act: the mail service refuses the patient's notice.
    mailer.failNext = 1;
    const failed = await mark();

    // Assess: 503 to retry, the report kept (counted once), no letter out, the list says so.
    expect(failed.statusCode).toBe(503);
    expect(failed.headers?.["retry-after"] ?? failed.headers?.["Retry-After"]).toBeDefined();
    const [afterFailure] = await store.listHelfoNotifications();
    expect(afterFailure).toMatchObject({ status: "reported", reportedOn: "2025-05-05" });
    expect(afterFailure?.patientInformedAt).toBeUndefined();
    expect(breachLettersTo(PATIENT_EMAIL)).toBe(0);
    expect(renderHelfoListPage(await store.listHelfoNotifications(), TOKEN)).toContain(
      "Varselet til pasienten er ikke sendt.",
    );

    // Act: the mail service is back, the clerk marks again (from the list's button, or a retry).
    const retried = await mark();

    // Assess: the letter sent now, once, and recorded as out.
    expect(retried.statusCode).toBe(200);
    expect(JSON.parse(retried.body)).toMatchObject({
      referralId: REFERRAL_ID,
      status: "reported",
      reportedOn: "2025-05-05",
      patientInformedAt: expect.any(String),
    });
    expectDocumentedAnswer("POST /helfo-notifications/{referralId}/reported", retried);
    expect(breachLettersTo(PATIENT_EMAIL)).toBe(1);
    expect(store.eventTypesOf(REFERRAL_ID).filter((type) => type === "helfo-reported")).toHaveLength(1);
    expect(renderHelfoListPage(await store.listHelfoNotifications(), TOKEN)).not.toContain(
      "Varselet til pasienten er ikke sendt.",
    );

    // A third mark changes and sends nothing.
    const again = await mark();
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body)).toMatchObject({ error: "already_reported" });
    expectDocumentedAnswer("POST /helfo-notifications/{referralId}/reported", again);
    expect(breachLettersTo(PATIENT_EMAIL)).toBe(1);
  });

  it("sends the letter at the first mark when the mail service answers, and a second mark is 409", async () => {
    const first = await mark();
    const second = await mark();

    expect([first.statusCode, second.statusCode]).toEqual([200, 409]);
    expectDocumentedAnswer("POST /helfo-notifications/{referralId}/reported", first);
    expectDocumentedAnswer("POST /helfo-notifications/{referralId}/reported", second);
    expect(breachLettersTo(PATIENT_EMAIL)).toBe(1);
  });
});
