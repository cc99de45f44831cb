/**
 * Need to know: every answer that shows staff a referral's or a patient's data leaves an entry in the
 * access log first, including the task page shown again after an invalid decision or priority form,
 * and the postal list (page and JSON). Over in-memory ports; the access log is recorded in memory.
 * A last check reads the handlers' source: a handler that renders a referral or a patient list must
 * log it, so a new one cannot forget.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import type { PostalLetter } from "../../functions/domain/postal";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
} from "../support/fakes";

const ports = vi.hoisted(
  () => ({}) as { store: unknown; mailer: unknown; workflow: unknown; letters: unknown[] },
);
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => ports.store,
  mailerFromEnv: () => ports.mailer,
  workflowFromEnv: () => ports.workflow,
  executionsFromEnv: () => {
    throw new Error("not used here");
  },
}));
vi.mock("../../functions/adapters/dynamo-postal-queue", () => ({
  postalQueueFromEnv: () => ({ page: async () => ({ letters: ports.letters }) }),
}));
const signedIn = vi.hoisted(() => ({ sessions: new Map<string, unknown>(), accessEvents: [] as unknown[] }));
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
  systemClock: { now: () => new Date("2025-03-03T09:00:00Z") },
}));

type Handler = (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;
const config = testClinicConfig();
const ASSESSOR = "A".repeat(43);
const CLERK = "C".repeat(43);
let store: InMemoryReferralStore;
let workflow: FakeWorkflow;
let decide: Handler;
let prioritise: Handler;
let listLetters: Handler;
let taskId: string;
let csrfToken: string;

beforeAll(async () => {
  process.env.CLINIC_CONFIG = JSON.stringify(config);
  process.env.TABLE_NAME = "Referrals";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.FRIST_QUIET = "1";
  store = new InMemoryReferralStore();
  workflow = new FakeWorkflow();
  Object.assign(ports, { store, mailer: new RecordingMailer(), workflow, letters: [] });
  ({ handler: decide } = await import("../../functions/handlers/submit-decision"));
  ({ handler: prioritise } = await import("../../functions/handlers/change-priority"));
  ({ handler: listLetters } = await import("../../functions/handlers/list-letters"));
});

beforeEach(async () => {
  for (const map of [
    store.referrals,
    store.events,
    store.tasks,
    store.letters,
    store.taskPlaces,
    store.staffEmails,
  ])
    map.clear();
  signedIn.accessEvents.length = 0;
  const now = new Date();
  const session = (roles: string[], email: string) => ({
    principal: { kind: "staff", subject: email, email, name: email, roles },
    csrfToken: "session-csrf",
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
  signedIn.sessions.set(ASSESSOR, session(["assessor"], config.intakeTeam[1]?.email ?? ""));
  signedIn.sessions.set(CLERK, session(["clerk"], "kari.dahl@smerteklinikk.example"));
  const deps = {
    render: renderer,
    store,
    mailer: new RecordingMailer(),
    workflow,
    config,
    clock: new FakeClock(new Date("2025-03-03T09:00:00Z")),
    publicBaseUrl: "https://api.example/prod",
  };
  store.seed(testReferral());
  await planIntake(deps, "ref-1");
  ({ taskId } = await notifyAssessors(deps, { referralId: "ref-1", taskToken: "token-1" }));
  workflow.waiting.add("token-1");
  csrfToken = (await store.findTask(taskId))?.csrfToken ?? "";
});

function request(
  method: string,
  path: string,
  options: {
    session: string;
    body?: string;
    headers?: Record<string, string>;
    taskId?: string;
    query?: Record<string, string>;
  },
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    pathParameters: options.taskId ? { taskId: options.taskId } : null,
    queryStringParameters: options.query ?? null,
    headers: { Host: "api.example", Cookie: `frist_session=${options.session}`, ...options.headers },
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {},
  } as unknown as APIGatewayProxyEvent;
}

const formPost = (path: string, fields: Record<string, string>) =>
  request("POST", path, {
    session: ASSESSOR,
    taskId,
    body: new URLSearchParams(fields).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });

const logged = () =>
  signedIn.accessEvents as { referralId: string; what: string; outcome: string; who: string }[];

describe("staff reads of patient data are access-logged", () => {
  it("logs the task page shown again after an invalid decision form", async () => {
    const answer = await decide(
      formPost(`/tasks/${taskId}/decision`, { outcome: "forwarded", forwardTo: "", csrfToken }),
    );

    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain(testReferral().submission.patient.name);
    expect(logged()).toEqual([
      expect.objectContaining({
        referralId: "ref-1",
        what: "task-page",
        outcome: "viewed",
        who: config.intakeTeam[1]?.email,
      }),
    ]);
  });

  it("logs the task page shown again after an invalid priority form", async () => {
    const answer = await prioritise(
      formPost(`/tasks/${taskId}/priority`, { priority: "sideways", reason: "", csrfToken }),
    );

    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain(testReferral().submission.patient.name);
    expect(logged()).toEqual([
      expect.objectContaining({ referralId: "ref-1", what: "task-page", outcome: "viewed" }),
    ]);
  });

  it("logs nothing for an invalid JSON decision, which answers the issues only", async () => {
    const answer = await decide(
      request("POST", `/tasks/${taskId}/decision`, {
        session: ASSESSOR,
        taskId,
        body: JSON.stringify({ outcome: "forwarded" }),
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      }),
    );

    expect(answer.statusCode).toBe(400);
    expect(answer.body).not.toContain(testReferral().submission.patient.name);
    expect(logged()).toEqual([]);
  });

  it("logs the postal list, page and JSON, once per referral listed", async () => {
    const letter = (referralId: string, recipientRole: PostalLetter["recipientRole"]) => ({
      letterId: `${referralId}.decision.${recipientRole}`,
      referralId,
      letterKind: "decision",
      recipientRole,
      createdAt: "2025-03-01T10:00:00.000Z",
      subject: "Svar på henvisning",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    });
    ports.letters = [letter("ref-1", "patient"), letter("ref-1", "gp"), letter("ref-2", "patient")];

    const page = await listLetters(
      request("GET", "/letters", { session: CLERK, headers: { accept: "text/html" } }),
    );
    const json = await listLetters(
      request("GET", "/letters", {
        session: CLERK,
        headers: { accept: "application/json" },
        query: { status: "awaiting-postal" },
      }),
    );

    expect([page.statusCode, json.statusCode]).toEqual([200, 200]);
    expect(page.body).toContain("Storgata 1");
    expect(
      logged()
        .map((event) => `${event.referralId} ${event.what} ${event.who}`)
        .sort(),
    ).toEqual([
      "ref-1 postal-list kari.dahl@smerteklinikk.example",
      "ref-1 postal-list kari.dahl@smerteklinikk.example",
      "ref-2 postal-list kari.dahl@smerteklinikk.example",
      "ref-2 postal-list kari.dahl@smerteklinikk.example",
    ]);
  });

  it("has every handler that renders a referral or a patient list record an access event", () => {
    // What shows staff a referral's data or a list of patients (the views and their page helpers).
    const renders =
      /taskPageHtml\(|referralPageHtml\(|renderAgendaPage\(|renderPostalListPage\(|renderHelfoListPage\(|helfoNotificationsCsv\(|letter\.html|referralView\(/;
    const logs = /accessLog\.record\(|logTaskPageShownAgain\(|logReferralView\(|readLetter\(/;
    const dir = "functions/handlers";
    const unlogged = readdirSync(dir)
      .filter((file) => file.endsWith(".ts") && !file.endsWith("-view.ts"))
      .filter((file) => {
        const source = readFileSync(`${dir}/${file}`, "utf8");
        return renders.test(source) && !logs.test(source);
      });
    expect(unlogged).toEqual([]);
  });
});
