/**
 * The decision handler (POST /tasks/{taskId}/decision) over in-memory ports: forms need the task's
 * anti-forgery token and a same-host Origin, JSON needs its content type, and an information request
 * answers with a page that says the task is still open.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";
import { expectDocumentedAnswer } from "../support/openapi-answers";

const ports = vi.hoisted(() => ({}) as { store: unknown; mailer: unknown; workflow: unknown });
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => ports.store,
  mailerFromEnv: () => ports.mailer,
  workflowFromEnv: () => ports.workflow,
  // The reconciler's port: the decision handler never names it.
  executionsFromEnv: () => {
    throw new Error("the decision handler does not list executions");
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
  systemClock: { now: () => new Date("2025-03-03T09:00:00Z") },
}));

const config = testClinicConfig();
let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let workflow: FakeWorkflow;
let handler: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;

/** The handler builds its deps once, so the fakes are the same objects throughout; reset in place. */
beforeAll(async () => {
  process.env.CLINIC_CONFIG = JSON.stringify(config);
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.FRIST_QUIET = "1";
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  workflow = new FakeWorkflow();
  Object.assign(ports, { store, mailer, workflow });
  ({ handler } = await import("../../functions/handlers/submit-decision"));
});

let taskId: string;
let csrfToken: string;

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
  mailer.sent.length = 0;
  signedIn.accessEvents.length = 0;
  const now = new Date();
  const session = (roles: string[], email: string, name: string) => ({
    principal: { kind: "staff", subject: email, email, name, roles },
    csrfToken: "session-csrf",
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
  signedIn.sessions.set(
    ASSESSOR_SESSION,
    session(["assessor"], config.intakeTeam[1]?.email ?? "", "Ola Haugen"),
  );
  signedIn.sessions.set(CLERK_SESSION, session(["clerk"], "kari.dahl@example.org", "Kari Dahl"));
  workflow.resumed.length = 0;
  workflow.waiting.clear();
  await waitingOnItsTask(testReferral());
});

/** `referral` stored, planned and waiting on its task (token-1): sets `taskId` and `csrfToken`. */
async function waitingOnItsTask(referral: ReturnType<typeof testReferral>): Promise<void> {
  const deps = {
    store,
    mailer,
    render: renderer,
    workflow,
    config,
    clock: new FakeClock(new Date("2025-03-03T09:00:00Z")),
    publicBaseUrl: "https://api.example/prod",
  };
  store.seed(referral);
  await planIntake(deps, "ref-1");
  ({ taskId } = await notifyAssessors(deps, { referralId: "ref-1", taskToken: "token-1" }));
  workflow.waiting.add("token-1");
  csrfToken = (await store.findTask(taskId))?.csrfToken ?? "";
  mailer.sent.length = 0;
}

const ASSESSOR_SESSION = "A".repeat(43);
const CLERK_SESSION = "C".repeat(43);

function post(
  body: string,
  headers: Record<string, string>,
  sessionId = ASSESSOR_SESSION,
): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    path: `/tasks/${taskId}/decision`,
    resource: "/tasks/{taskId}/decision",
    pathParameters: { taskId },
    headers: {
      Host: "api.example",
      ...(sessionId ? { Cookie: `frist_session=${sessionId}` } : {}),
      ...headers,
    },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

const form = (
  fields: Record<string, string>,
  headers: Record<string, string> = {},
  sessionId = ASSESSOR_SESSION,
) =>
  post(
    new URLSearchParams(fields).toString(),
    { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    sessionId,
  );

const granted = {
  outcome: "granted",
  careForm: "team",
  startOfCareDeadline: "2025-05-26",
  plannedStart: "2025-03-17",
  assessedBy: "1234567",
};

describe("POST /tasks/{taskId}/decision", () => {
  it("answers a form without the token, or with a wrong one, 403 'form expired' and records nothing", async () => {
    for (const event of [form(granted), form({ ...granted, csrfToken: "forged" })]) {
      // Act
      const response = await handler(event);

      // Assess
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain("Skjemaet er utløpt");
    }
    expect(store.eventTypesOf("ref-1")).not.toContain("decision-submitted");
    expect(workflow.resumed).toEqual([]);
    expect([...store.tasks.values()][0]?.state).toBe("open");
  });

  it("answers a form from another origin 403, even with the right token", async () => {
    const response = await handler(form({ ...granted, csrfToken }, { Origin: "https://evil.example" }));
    expect(response.statusCode).toBe(403);
    expect(workflow.resumed).toEqual([]);
  });

  it("records a form with the task's token from the same origin (or Origin: null)", async () => {
    const response = await handler(form({ ...granted, csrfToken }, { Origin: "null" }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("Vurderingen er registrert");
    expect(response.body).toContain(`href="../../staff/referrals/ref-1"`);
    expect(workflow.resumed).toEqual([{ taskToken: "token-1", output: { taskId, outcome: "granted" } }]);
  });

  it("takes JSON with the task page's token in X-CSRF-Token, and refuses JSON without it", async () => {
    const without = await handler(post(JSON.stringify(granted), { "Content-Type": "application/json" }));
    expect(without.statusCode).toBe(403);
    expect(workflow.resumed).toEqual([]);

    const response = await handler(
      post(JSON.stringify(granted), { "Content-Type": "application/json", "X-CSRF-Token": csrfToken }),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      referralId: "ref-1",
      outcome: "granted",
      status: "recorded",
    });
  });

  it("refuses a justification that says nothing: a page naming the field in Norwegian for a form, the field's path in JSON", async () => {
    const fields = { outcome: "refused", justification: ".", advice: "Fysioterapi med gradert aktivitet." };

    const page = await handler(form({ ...fields, csrfToken }));
    const json = await handler(
      post(JSON.stringify(fields), { "Content-Type": "application/json", "X-CSRF-Token": csrfToken }),
    );

    expect(page.statusCode).toBe(400);
    expect(page.body).toContain("Begrunnelsen må ha minst 20 tegn og minst 3 ord");
    expect(json.statusCode).toBe(400);
    expect(JSON.parse(json.body)).toEqual({
      error: "validation_failed",
      issues: [{ path: "justification", message: expect.stringContaining("Begrunnelsen") }],
    });
    expect(workflow.resumed).toEqual([]);
  });

  it("asks on the form to confirm a deadline on a public holiday, records nothing and logs the page shown again; the confirmed form records it", async () => {
    // Prepare: 17 May 2025 is a Saturday and Grunnlovsdagen.
    const fields = { ...granted, startOfCareDeadline: "2025-05-17", csrfToken };

    // Act
    const asked = await handler(form(fields));

    // Assess: a warning with the form filled in and a box confirming this date; nothing recorded.
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain("Bekreft fristen for igangsetting");
    expect(asked.body).toContain(
      "Fristen for igangsetting er grunnlovsdagen, en helligdag, ikke en virkedag.",
    );
    expect(asked.body).toContain('name="confirmStartOfCareDeadline" value="2025-05-17"');
    expect(asked.body).toContain('value="2025-05-17"');
    expect(asked.body).toContain(testReferral().submission.patient.name);
    expect(workflow.resumed).toEqual([]);
    expect(store.eventTypesOf("ref-1")).not.toContain("decision-submitted");
    expect(signedIn.accessEvents).toEqual([
      expect.objectContaining({ referralId: "ref-1", what: "task-page", outcome: "viewed" }),
    ]);

    const confirmed = await handler(form({ ...fields, confirmStartOfCareDeadline: "2025-05-17" }));
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain("Vurderingen er registrert");
    expect(workflow.resumed).toEqual([{ taskToken: "token-1", output: { taskId, outcome: "granted" } }]);
  });

  it("asks again when the date posted is not the one confirmed, and asks about the day after the decision", async () => {
    const saturday = await handler(
      form({
        ...granted,
        startOfCareDeadline: "2025-03-08",
        plannedStart: "2025-03-05",
        confirmStartOfCareDeadline: "2025-05-17",
        csrfToken,
      }),
    );
    const nextDay = await handler(
      form({ ...granted, startOfCareDeadline: "2025-03-04", plannedStart: "2025-03-04", csrfToken }),
    );

    expect(saturday.statusCode).toBe(200);
    expect(saturday.body).toContain("Fristen for igangsetting er en lørdag, ikke en virkedag.");
    expect(nextDay.statusCode).toBe(200);
    expect(nextDay.body).toContain("Fristen for igangsetting er dagen etter vurderingen.");
    expect(workflow.resumed).toEqual([]);
    expect(signedIn.accessEvents).toHaveLength(2);
  });

  it("records a JSON decision with a deadline on a Sunday and answers the warning beside it", async () => {
    const response = await handler(
      post(JSON.stringify({ ...granted, startOfCareDeadline: "2025-05-18" }), {
        "Content-Type": "application/json",
        "X-CSRF-Token": csrfToken,
      }),
    );

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      referralId: "ref-1",
      outcome: "granted",
      status: "recorded",
      warnings: [{ path: "startOfCareDeadline", message: expect.stringContaining("en søndag") }],
    });
    expectDocumentedAnswer("POST /tasks/{taskId}/decision", response);
    expect(workflow.resumed).toHaveLength(1);
  });

  it("shows bad form input back with Norwegian messages and the values, never echoing the token", async () => {
    const response = await handler(
      form({
        outcome: "forwarded",
        forwardTo: "",
        justification: "Nærmere <b>bosted</b>",
        assessedBy: "1",
        csrfToken,
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('<a href="#forwarded-forwardTo">Oppgi hvor henvisningen sendes</a>');
    expect(response.body).toContain("Nærmere &lt;b&gt;bosted&lt;/b&gt;</textarea>");
    expect(response.body.match(new RegExp(csrfToken, "g"))).toHaveLength(6); // one per form (four outcomes, the priority and the guide picker), from the task
    expect(workflow.resumed).toEqual([]);
  });

  it("answers an information request with a page saying the task stays open, and sends the letter", async () => {
    const response = await handler(
      form({ outcome: "information-requested", question: "MR-svar?", assessedBy: "1234567", csrfToken }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("Forespørselen er sendt. Oppgaven er fortsatt åpen, og fristen løper.");
    expect(response.body).toContain(`href="../${taskId}"`);
    expect(mailer.sent.map((email) => email.subject)).toEqual([
      "Forespørsel om tilleggsopplysninger (ref. ref-1)",
    ]);
    expect(workflow.resumed).toEqual([]);
  });

  it("refuses a second information request while one is open with a 409 page (form) or JSON, sending nothing", async () => {
    await handler(form({ outcome: "information-requested", question: "MR-svar?", csrfToken }));
    mailer.sent.length = 0;

    const page = await handler(
      form({ outcome: "information-requested", question: "Og røntgen?", csrfToken }),
    );
    const fromJson = await handler(
      post(JSON.stringify({ outcome: "information-requested", question: "Og røntgen?" }), {
        "Content-Type": "application/json",
        "X-CSRF-Token": csrfToken,
      }),
    );

    expect(page.statusCode).toBe(409);
    expect(page.body).toContain("En forespørsel er allerede åpen");
    expect(page.body).toContain("Ingenting er sendt nå.");
    expect(fromJson.statusCode).toBe(409);
    expect(JSON.parse(fromJson.body)).toMatchObject({ error: "information_request_open" });
    expectDocumentedAnswer("POST /tasks/{taskId}/decision", fromJson);
    expect(mailer.sent).toEqual([]);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "information-requested")).toHaveLength(1);
  });

  it("shows the open request on the task page with a form to record the answer, which closes it", async () => {
    const { handler: page } = await import("../../functions/handlers/task-page");
    await handler(form({ outcome: "information-requested", question: "MR-svar?", csrfToken }));

    const open = await page({ ...post("", {}), httpMethod: "GET", body: null });
    const received = await handler(form({ outcome: "information-received", csrfToken }));
    const reopened = await page({ ...post("", {}), httpMethod: "GET", body: null });

    expect(open.statusCode).toBe(200);
    expect(open.body).toContain('value="information-received"');
    expect(open.body).toContain("Registrer at svaret er mottatt");
    expect(open.body).not.toContain('value="information-requested"');
    expect(received.statusCode).toBe(200);
    expect(received.body).toContain("Svaret er registrert");
    expect(reopened.body).toContain('value="information-requested"');
    expect(store.eventsOf("ref-1").find((e) => e.type === "information-received")?.actor.id).toContain(
      "Ola Haugen",
    );
  });

  it("answers an information request in JSON with status requested", async () => {
    const response = await handler(
      post(JSON.stringify({ outcome: "information-requested", question: "MR-svar?", assessedBy: "1" }), {
        "Content-Type": "application/json",
        "X-CSRF-Token": csrfToken,
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      referralId: "ref-1",
      outcome: "information-requested",
      status: "requested",
    });
    expectDocumentedAnswer("POST /tasks/{taskId}/decision", response);
  });

  it("answers the referrer's answer in JSON as recorded, and 409 no_open_request when no request is open", async () => {
    // Prepare: one open request.
    const asJson = (body: object) =>
      post(JSON.stringify(body), { "Content-Type": "application/json", "X-CSRF-Token": csrfToken });
    await handler(asJson({ outcome: "information-requested", question: "MR-svar?" }));

    // Act: the answer recorded, then recorded again with none open.
    const received = await handler(asJson({ outcome: "information-received" }));
    const again = await handler(asJson({ outcome: "information-received" }));

    // Assess
    expect(received.statusCode).toBe(200);
    expect(JSON.parse(received.body)).toEqual({
      referralId: "ref-1",
      outcome: "information-received",
      status: "recorded",
    });
    expectDocumentedAnswer("POST /tasks/{taskId}/decision", received);
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body)).toEqual({
      error: "no_open_request",
      referralId: "ref-1",
      outcome: "information-received",
      status: "no_open_request",
    });
    expectDocumentedAnswer("POST /tasks/{taskId}/decision", again);
  });

  it("answers 401 without a session, form or JSON, and records nothing", async () => {
    const fromForm = await handler(
      post(
        new URLSearchParams({ ...granted, csrfToken }).toString(),
        {
          "Content-Type": "application/x-www-form-urlencoded",
        },
        "",
      ),
    );
    const fromJson = await handler(
      post(JSON.stringify(granted), { "Content-Type": "application/json", "X-CSRF-Token": csrfToken }, ""),
    );
    expect(fromForm.statusCode).toBe(401);
    expect(fromJson.statusCode).toBe(401);
    expect(store.eventTypesOf("ref-1")).not.toContain("decision-submitted");
    expect(workflow.resumed).toEqual([]);
  });

  it("answers 403 to a clerk, records nothing, and logs the attempt against the referral", async () => {
    const response = await handler(form({ ...granted, csrfToken }, {}, CLERK_SESSION));
    expect(response.statusCode).toBe(403);
    expect(workflow.resumed).toEqual([]);
    expect(signedIn.accessEvents).toEqual([
      expect.objectContaining({
        referralId: "ref-1",
        who: "kari.dahl@example.org",
        role: "clerk",
        outcome: "refused",
      }),
    ]);
  });

  it("makes the signed-in assessor the decision's author, whatever assessedBy says", async () => {
    const response = await handler(form({ ...granted, assessedBy: "Dr. Hvemsomhelst", csrfToken }));
    expect(response.statusCode).toBe(200);
    const task = [...store.tasks.values()][0] as { answeredBy?: string };
    expect(task.answeredBy).toMatch(/^Ola Haugen, /);
    expect(JSON.stringify([...store.events.values()])).not.toContain("Hvemsomhelst");
  });

  describe("with the priority guide", () => {
    // Today is Monday 2025-03-03: facial pain's 26 weeks end on Monday 2025-09-01, a working day.
    const SUGGESTED = "2025-09-01";

    it("shows the guide's suggestion for a picked condition, with the latest start prefilled, recording nothing", async () => {
      const response = await handler(
        form({ outcome: "guide-suggestion", condition: "Ansiktssmerter", csrfToken }),
      );

      expect(response.statusCode).toBe(200);
      expect(response.body).toContain("Forslag: Ansiktssmerter");
      expect(response.body).toContain("<strong>rett til nødvendig helsehjelp</strong>");
      expect(response.body).toMatch(
        new RegExp(
          `<input type="date" id="granted-startOfCareDeadline" name="startOfCareDeadline" value="${SUGGESTED}"`,
        ),
      );
      expect(
        response.body.match(/<input type="hidden" name="condition" value="ansiktssmerter">/g),
      ).toHaveLength(3);
      expect(response.body).toContain('id="granted-deviationReason"');
      // Served at /tasks/{taskId}/decision: its forms post to their siblings, as from the task page.
      expect(response.body).toContain('<form method="post" action="decision" id="granted-form">');
      expect(response.body).toContain('<form method="post" action="priority" id="priority-form">');
      expect(signedIn.accessEvents).toHaveLength(1);
      expect(workflow.resumed).toEqual([]);
      expect([...store.tasks.values()][0]).toMatchObject({ state: "open" });
    });

    it("answers a JSON caller with the suggestion itself", async () => {
      const response = await handler(
        post(JSON.stringify({ outcome: "guide-suggestion", condition: "ansiktssmerter" }), {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrfToken,
        }),
      );

      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toEqual({
        condition: "ansiktssmerter",
        suggestion: { conditionId: "ansiktssmerter", advisedRight: "granted", latestStart: SUGGESTED },
      });
      expectDocumentedAnswer("POST /tasks/{taskId}/decision", response);
    });

    it("asks for the reason when the deadline departs from the suggestion, and records nothing without one", async () => {
      const response = await handler(
        form({ ...granted, condition: "ansiktssmerter", startOfCareDeadline: "2025-06-02", csrfToken }),
      );

      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('<a href="#granted-deviationReason">Prioriteringsveilederen foreslår');
      expect(response.body).toContain('<input type="hidden" name="condition" value="ansiktssmerter">');
      expect(workflow.resumed).toEqual([]);
      expect([...store.tasks.values()][0]).toMatchObject({ state: "open" });
    });

    it("records the condition, the suggestion and the reason with a departing decision; the event says a reason was given", async () => {
      const reason = "Ung pasient med omsorg for små barn, trenger rask start av behandling.";
      const response = await handler(
        form({
          ...granted,
          condition: "ansiktssmerter",
          startOfCareDeadline: "2025-06-02",
          deviationReason: reason,
          csrfToken,
        }),
      );

      expect(response.statusCode).toBe(200);
      const task = [...store.tasks.values()][0] as { decision?: { guide?: unknown } };
      expect(task.decision?.guide).toEqual({
        conditionId: "ansiktssmerter",
        conditionName: "Ansiktssmerter",
        guideVersion: config.priorityGuide.version,
        suggestion: { advisedRight: "granted", latestStart: SUGGESTED },
        deviates: true,
        deviationReason: reason,
      });
      // The body's own fields are not kept beside it: the guide record is the decision's word.
      expect(task.decision).not.toHaveProperty("deviationReason");
      expect(task.decision).not.toHaveProperty("condition");
      const submitted = store.eventsOf("ref-1").find((event) => event.type === "decision-submitted");
      expect(submitted?.details).toMatchObject({
        condition: "ansiktssmerter",
        suggestedRight: "granted",
        suggestedLatestStart: SUGGESTED,
        deviatesFromGuide: true,
        deviationReasonRecorded: true,
      });
      expect(JSON.stringify(store.eventsOf("ref-1"))).not.toContain(reason);
    });

    it("records a decision that follows the suggestion without asking for a reason", async () => {
      const response = await handler(
        form({ ...granted, condition: "ansiktssmerter", startOfCareDeadline: SUGGESTED, csrfToken }),
      );

      expect(response.statusCode).toBe(200);
      const task = [...store.tasks.values()][0] as { decision?: { guide?: { deviates: boolean } } };
      expect(task.decision?.guide?.deviates).toBe(false);
    });

    it("refuses a condition the clinic's guide does not hold, naming the field", async () => {
      const response = await handler(
        post(JSON.stringify({ ...granted, condition: "ukjent-tilstand" }), {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrfToken,
        }),
      );

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).issues).toEqual([expect.objectContaining({ path: "condition" })]);
      expect(workflow.resumed).toEqual([]);
    });
  });
});

describe("the task's other JSON posts, answered as GET /openapi.json documents them", () => {
  const asJson = (body: object, route: "priority" | "secondary") => ({
    ...post(JSON.stringify(body), { "Content-Type": "application/json", "X-CSRF-Token": csrfToken }),
    path: `/tasks/${taskId}/${route}`,
    resource: `/tasks/{taskId}/${route}`,
  });

  it("answers a priority change with the referral's new priority", async () => {
    const { handler: prioritise } = await import("../../functions/handlers/change-priority");

    const response = await prioritise(
      asJson({ priority: "urgent", reason: "Mistanke om alvorlig tilstand" }, "priority"),
    );

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ referralId: "ref-1", priority: "urgent", status: "changed" });
    expectDocumentedAnswer("POST /tasks/{taskId}/priority", response);
  });

  it("answers a secondary referral's confirmation with what was confirmed, and a second one 409", async () => {
    // Prepare: a secondary referral waiting on its confirmation task instead.
    for (const map of [store.referrals, store.events, store.tasks, store.taskPlaces, store.staffEmails]) {
      map.clear();
    }
    workflow.waiting.clear();
    await waitingOnItsTask(
      testReferral({ submission: testSubmission({ kind: "secondary", previousDecisionRef: "SAK-1" }) }),
    );
    const { handler: confirm } = await import("../../functions/handlers/confirm-secondary");

    // Act
    const confirmed = await confirm(asJson({ sameCondition: "no" }, "secondary"));
    const again = await confirm(asJson({ sameCondition: "no" }, "secondary"));

    // Assess
    expect(confirmed.statusCode).toBe(200);
    expect(JSON.parse(confirmed.body)).toEqual({
      referralId: "ref-1",
      sameCondition: false,
      status: "confirmed",
    });
    expectDocumentedAnswer("POST /tasks/{taskId}/secondary", confirmed);
    expect(again.statusCode).toBe(409);
    expectDocumentedAnswer("POST /tasks/{taskId}/secondary", again);
  });
});
