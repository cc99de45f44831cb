/**
 * The agenda page (GET /agendas/{agendaId}) over in-memory ports: a signed-in assessor reads the
 * meeting's agenda, and each referral on it is one access event (who, role, when, what); without a
 * session nothing is shown or logged, and a clerk is refused.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sendAgendas } from "../../functions/domain/agenda";
import { planIntake } from "../../functions/domain/assessment";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const ports = vi.hoisted(() => ({}) as { store: unknown });
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => ports.store,
  mailerFromEnv: () => {
    throw new Error("the agenda page sends no email");
  },
  workflowFromEnv: () => {
    throw new Error("the agenda page does not touch the workflow");
  },
  executionsFromEnv: () => {
    throw new Error("the agenda page does not list executions");
  },
}));
const signedIn = vi.hoisted(() => ({
  sessions: new Map<string, unknown>(),
  accessEvents: [] as Record<string, unknown>[],
}));
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async (id: string) => signedIn.sessions.get(id),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({
    record: async (event: Record<string, unknown>) => {
      signedIn.accessEvents.push(event);
    },
    list: async () => [],
  }),
}));
vi.mock("../../functions/adapters/clock", () => ({
  systemClock: { now: () => new Date("2025-03-03T12:00:00Z") },
}));

type Handler = (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;
const config = testClinicConfig();
let store: InMemoryReferralStore;
let page: Handler;
let agendaId: string;

const ASSESSOR = "A".repeat(43);
const CLERK = "C".repeat(43);

beforeAll(async () => {
  process.env.TABLE_NAME = "frist";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.CLINIC_CONFIG = JSON.stringify(config);
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.FRIST_QUIET = "1";
  store = new InMemoryReferralStore();
  Object.assign(ports, { store });
  ({ handler: page } = await import("../../functions/handlers/agenda-page"));
});

beforeEach(async () => {
  for (const map of [store.referrals, store.events, store.tasks, store.letters]) map.clear();
  signedIn.accessEvents.length = 0;
  const now = new Date();
  const session = (roles: string[], email: string, name: string) => ({
    principal: { kind: "staff", subject: email, email, name, roles },
    csrfToken: "token",
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
  signedIn.sessions.set(ASSESSOR, session(["assessor"], "ola.haugen@smerteklinikk.example", "Ola Haugen"));
  signedIn.sessions.set(CLERK, session(["clerk"], "kari.dahl@smerteklinikk.example", "Kari Dahl"));

  // Two referrals planned into Tuesday's meeting on Monday morning, and its agenda sent at noon.
  const clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
  const deps = {
    render: renderer,
    store,
    clock,
    config,
    mailer: new RecordingMailer(),
    publicBaseUrl: "https://api.example/prod",
    calendar: calendarRulesOf(config.legalClock),
  };
  for (const referralId of ["ref-agenda-1", "ref-agenda-2"]) {
    store.seed(
      testReferral({
        referralId,
        receivedAt: "2025-03-03T09:00:00.000Z",
        clockStartDate: "2025-03-03",
        assessmentDueDate: "2025-03-17",
        submission: testSubmission({ patient: { nationalId: "15038512282", name: "Kari Nordmann" } }),
      }),
    );
    await planIntake(deps, referralId);
  }
  clock.set("2025-03-03T12:00:00Z");
  await sendAgendas(deps);
  // The fake names agendas after their meeting; a real one is 32 random bytes in base64url, which is
  // all the page looks up.
  agendaId = "Qm9va2VkIGludGFrZSBtZWV0aW5nIGFnZW5kYSBpZA";
  const meeting = store.meetings.get("2025-03-04T12:00");
  if (!meeting?.agendaSentAt) throw new Error("the agenda was not sent");
  store.meetings.set(meeting.meetingId, { ...meeting, agendaId });
  store.agendas.set(agendaId, meeting.meetingId);
});

const open = (session?: string) =>
  page({
    httpMethod: "GET",
    path: `/agendas/${agendaId}`,
    resource: "/agendas/{agendaId}",
    pathParameters: { agendaId },
    queryStringParameters: null,
    headers: { Host: "api.example", ...(session ? { Cookie: `frist_session=${session}` } : {}) },
    requestContext: { identity: {} },
    body: null,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent);

describe("GET /agendas/{agendaId}", () => {
  it("shows a signed-in assessor the agenda and logs one access event per referral on it", async () => {
    const response = await open(ASSESSOR);

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("Kari Nordmann");
    const agendaEvents = signedIn.accessEvents.filter((event) => event.what === "agenda");
    expect(agendaEvents.map((event) => event.referralId).sort()).toEqual(["ref-agenda-1", "ref-agenda-2"]);
    for (const event of agendaEvents) {
      expect(event).toMatchObject({
        who: "ola.haugen@smerteklinikk.example",
        role: "assessor",
        outcome: "viewed",
      });
      expect(Date.parse(String(event.at))).toBe(Date.parse("2025-03-03T12:00:00Z"));
    }
  });

  it("sends a browser without a session to sign-in, showing and logging nothing of the agenda", async () => {
    const response = await open();

    expect(response.statusCode).toBe(303);
    expect(response.body).not.toContain("Kari Nordmann");
    expect(signedIn.accessEvents.filter((event) => event.what === "agenda")).toEqual([]);
  });

  it("refuses a clerk with 403 and no referral on the page, and logs the refused attempt", async () => {
    const response = await open(CLERK);

    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain("Kari Nordmann");
    expect(signedIn.accessEvents).toEqual([
      expect.objectContaining({ who: "kari.dahl@smerteklinikk.example", role: "clerk", outcome: "refused" }),
    ]);
  });
});
