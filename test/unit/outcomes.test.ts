/**
 * Every outcome of the assessment over in-memory ports: the forespørsel that keeps the task open and
 * the clock running, the anti-forgery token on form posts, the forward's letters, and the postal
 * list's "posted" mark.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { recordDecision, submitDecision, viewTask } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { csrfTokenMatches, originAllowed } from "../../functions/domain/csrf";
import { parseTaskAnswer } from "../../functions/domain/decision";
import { dispatchDecisionLetters } from "../../functions/domain/dispatch";
import { letterIdOf, markLetterPosted, parseLetterId } from "../../functions/domain/postal";
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

const REFERRER = "per.hansen@legesenter.example";
const PATIENT = "kari.nordmann@pasient.example";

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let clock: FakeClock;
let workflow: FakeWorkflow;
const config = testClinicConfig();

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  // Monday 3 March 2025, 10:00 in Oslo: due Monday 17 March.
  clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
  workflow = new FakeWorkflow();
});

const deps = () => ({
  store,
  mailer,
  render: renderer,
  clock,
  workflow,
  config,
  publicBaseUrl: "https://api.example/prod",
  calendar: calendarRulesOf(config.legalClock),
});

/** A referral planned and waiting on its task, as after PlanIntake and AwaitAssessment. */
async function waitingReferral(overrides: Parameters<typeof testReferral>[0] = {}) {
  store.seed(testReferral(overrides));
  await planIntake(deps(), "ref-1");
  const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
  workflow.waiting.add("token-1");
  mailer.sent.length = 0;
  return taskId;
}

const csrfOf = async (taskId: string) => (await store.findTask(taskId))?.csrfToken;

const granted = {
  outcome: "granted",
  careForm: "team",
  startOfCareDeadline: "2025-05-26",
  plannedStart: "2025-03-17",
  assessedBy: "1234567",
};

describe("an information request (forespørsel)", () => {
  const request = {
    outcome: "information-requested",
    question: "Hvilke legemidler er prøvd, og med hvilken effekt?",
    assessedBy: "1234567",
  };

  it("sends the forespørsel to the referrer only and leaves the task open and the workflow waiting", async () => {
    // Prepare
    const taskId = await waitingReferral();

    // Act
    const result = await submitDecision(deps(), taskId, request);

    // Assess
    expect(result).toMatchObject({ kind: "information-requested", referralId: "ref-1", letterSent: true });
    expect(mailer.sent.map((email) => email.to)).toEqual([REFERRER]);
    expect(mailer.sent[0]?.subject).toBe("Forespørsel om tilleggsopplysninger (ref. ref-1)");
    // The email is a notice with a link; the question is in the letter behind it.
    expect(mailer.sent[0]?.text).not.toContain("legemidler");
    expect(mailer.sent[0]?.text).toMatch(/\/inbox\/ref-1\.[\w-]+/);
    const [stored] = [...store.letters.values()];
    expect(stored?.text).toContain("Hvilke legemidler er prøvd, og med hvilken effekt?");
    expect(stored?.text).toContain("henvisningen blir vurdert senest 17. mars 2025");
    expect(workflow.resumed).toEqual([]);
    expect(workflow.waiting.has("token-1")).toBe(true);
    expect((await viewTask(deps(), taskId)).kind).toBe("open");
    const referral = await store.getReferral("ref-1");
    expect(referral).toMatchObject({ status: "awaiting-assessment" });
    expect(referral?.decision).toBeUndefined();
    const event = store.eventsOf("ref-1").find((e) => e.type === "information-requested");
    expect(event).toMatchObject({ actor: { kind: "staff", id: "1234567" }, details: { taskId } });
    expect(JSON.stringify(event)).not.toContain("legemidler");
    const [letter] = [...store.letters.values()];
    expect(letter).toMatchObject({
      letterKind: "information-request",
      recipientRole: "referrer",
      status: "sent",
      to: REFERRER,
    });
  });

  it("sends one letter per request: a repeat of the same question sends nothing", async () => {
    // Prepare
    const taskId = await waitingReferral();

    // Act
    const first = await submitDecision(deps(), taskId, request);
    const repeat = await submitDecision(deps(), taskId, request);

    // Assess
    expect(first).toMatchObject({ letterSent: true });
    expect(repeat).toMatchObject({
      kind: "information-requested",
      letterSent: false,
      requestId: (first as { requestId: string }).requestId,
    });
    expect(mailer.sent).toHaveLength(1);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "information-requested")).toHaveLength(1);
  });

  it("keeps one open request per task: another question while one is open is refused, nothing sent or recorded", async () => {
    // Prepare
    const taskId = await waitingReferral();
    await submitDecision(deps(), taskId, request);

    // Act
    const second = await submitDecision(deps(), taskId, {
      ...request,
      question: "Foreligger det MR-bilder?",
    });

    // Assess
    expect(second).toEqual({
      kind: "information-request-open",
      referralId: "ref-1",
      openSince: "2025-03-03T09:00:00.000Z",
    });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.text).not.toContain("MR-bilder");
    expect(store.eventTypesOf("ref-1").filter((type) => type === "information-requested")).toHaveLength(1);
    expect([...store.letters.values()].filter((l) => l.letterKind === "information-request")).toHaveLength(1);
  });

  it("lets two different questions sent at once through as one: one letter, the other refused", async () => {
    // Prepare
    const taskId = await waitingReferral();

    // Act
    const answers = await Promise.all([
      submitDecision(deps(), taskId, request),
      submitDecision(deps(), taskId, { ...request, question: "Foreligger det MR-bilder?" }),
    ]);

    // Assess
    expect(answers.map((answer) => answer.kind).sort()).toEqual([
      "information-request-open",
      "information-requested",
    ]);
    expect(mailer.sent).toHaveLength(1);
  });

  it("opens the way for a new question once the referrer's answer is recorded", async () => {
    // Prepare
    const taskId = await waitingReferral();
    await submitDecision(deps(), taskId, request);

    // Act
    const received = await submitDecision(deps(), taskId, {
      outcome: "information-received",
      assessedBy: "1234567",
    });
    const again = await submitDecision(deps(), taskId, {
      outcome: "information-received",
      assessedBy: "1234567",
    });
    const second = await submitDecision(deps(), taskId, {
      ...request,
      question: "Foreligger det MR-bilder?",
    });

    // Assess
    expect(received).toEqual({ kind: "information-received", referralId: "ref-1" });
    expect(again).toEqual({ kind: "no-open-request", referralId: "ref-1" });
    expect(second).toMatchObject({ kind: "information-requested", letterSent: true });
    expect(mailer.sent).toHaveLength(2);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "information-received")).toHaveLength(1);
    expect((await viewTask(deps(), taskId)).kind).toBe("open");
    expect(workflow.resumed).toEqual([]);
  });

  it("is followed by a decision through the same task, which resumes the workflow and sends the answer", async () => {
    // Prepare
    const taskId = await waitingReferral();
    await submitDecision(deps(), taskId, request);

    // Act
    const decided = await submitDecision(deps(), taskId, granted);
    await recordDecision(deps(), { referralId: "ref-1", taskId });
    await dispatchDecisionLetters(deps(), "ref-1");

    // Assess
    expect(decided.kind).toBe("recorded");
    expect(workflow.resumed).toEqual([{ taskToken: "token-1", output: { taskId, outcome: "granted" } }]);
    // The sample's GP is the referrer (the same HPR number): one letter per person.
    expect(mailer.sent.map((email) => email.to)).toEqual([REFERRER, REFERRER, PATIENT]);
  });

  it("requires the question and the assessor, with Norwegian messages, and records nothing without them", async () => {
    // Prepare
    const taskId = await waitingReferral();

    // Act
    const result = await submitDecision(deps(), taskId, { outcome: "information-requested", question: " " });

    // Assess
    expect(result.kind).toBe("invalid");
    expect((result as { issues: { path: string; message: string }[] }).issues).toEqual([
      { path: "question", message: "Skriv hva du vil spørre henviser om" },
      { path: "assessedBy", message: "Oppgi HPR-nummer eller ansatt-ID (høyst 64 tegn)" },
    ]);
    expect(mailer.sent).toEqual([]);
    expect(store.eventTypesOf("ref-1")).not.toContain("information-requested");
  });
});

describe("a form post's anti-forgery token", () => {
  it("is set, random, on every new task", async () => {
    const taskId = await waitingReferral();
    expect(await csrfOf(taskId)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("refuses a form post without the token or with another, and records nothing", async () => {
    // Prepare
    const taskId = await waitingReferral();
    const eventsBefore = store.eventsOf("ref-1").length;

    // Act
    const missing = await submitDecision(deps(), taskId, granted, { form: { csrfToken: undefined } });
    const empty = await submitDecision(deps(), taskId, granted, { form: { csrfToken: "" } });
    const wrong = await submitDecision(deps(), taskId, granted, { form: { csrfToken: "forged" } });
    const requestWithoutToken = await submitDecision(
      deps(),
      taskId,
      { outcome: "information-requested", question: "?", assessedBy: "1" },
      { form: { csrfToken: "forged" } },
    );

    // Assess
    for (const result of [missing, empty, wrong, requestWithoutToken])
      expect(result).toEqual({ kind: "forbidden" });
    expect(store.eventsOf("ref-1")).toHaveLength(eventsBefore);
    expect(workflow.resumed).toEqual([]);
    expect(mailer.sent).toEqual([]);
    expect((await viewTask(deps(), taskId)).kind).toBe("open");
  });

  it("lets the form post with the task's own token record the decision", async () => {
    // Prepare
    const taskId = await waitingReferral();

    // Act
    const result = await submitDecision(deps(), taskId, granted, {
      form: { csrfToken: await csrfOf(taskId) },
    });

    // Assess
    expect(result.kind).toBe("recorded");
    expect(workflow.resumed).toHaveLength(1);
  });

  it("compares in constant time and never matches a task without a token", () => {
    expect(csrfTokenMatches("abc", "abc")).toBe(true);
    expect(csrfTokenMatches("abc", "abcd")).toBe(false);
    expect(csrfTokenMatches(undefined, "")).toBe(false);
    expect(csrfTokenMatches("abc", ["abc"])).toBe(false);
  });

  it("accepts a form post's Origin only from the host it was posted to (null and absent count as absent)", () => {
    expect(originAllowed(undefined, "api.example")).toBe(true);
    expect(originAllowed("null", "api.example")).toBe(true);
    expect(originAllowed("https://api.example", "api.example")).toBe(true);
    expect(originAllowed("http://localhost:3000", "localhost:3000")).toBe(true);
    expect(originAllowed("https://evil.example", "api.example")).toBe(false);
    expect(originAllowed("https://api.example.evil.example", "api.example")).toBe(false);
    expect(originAllowed("not a url", "api.example")).toBe(false);
  });
});

describe("the deadline bounds of a granted right", () => {
  it("follow the clinic's configured maximum", async () => {
    // Prepare: a clinic that allows at most 12 weeks.
    const strict = testClinicConfig({ decision: { maxStartOfCareDeadlineDays: 84 } });
    store.seed(testReferral());
    await planIntake(deps(), "ref-1");
    const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
    workflow.waiting.add("token-1");

    // Act
    const tooLate = await submitDecision({ ...deps(), config: strict }, taskId, {
      ...granted,
      startOfCareDeadline: "2025-06-01",
    });

    // Assess
    expect(tooLate).toMatchObject({
      kind: "invalid",
      issues: [
        {
          path: "startOfCareDeadline",
          message: "Fristen for igangsetting kan være høyst 84 dager fram i tid",
        },
      ],
    });
    expect(workflow.resumed).toEqual([]);
  });

  it("refuse a deadline not after today and a planned start after the deadline", () => {
    const today = "2025-03-03";
    const pathsOf = (body: Record<string, string>) => {
      const parsed = parseTaskAnswer({ ...granted, ...body }, today);
      return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
    };
    expect(pathsOf({ startOfCareDeadline: "2025-03-03", plannedStart: "2025-03-03" })).toEqual([
      "startOfCareDeadline",
    ]);
    expect(pathsOf({ startOfCareDeadline: "2025-04-01", plannedStart: "2025-04-02" })).toEqual([
      "plannedStart",
    ]);
    expect(pathsOf({ startOfCareDeadline: "2025-04-01", plannedStart: "2025-04-01" })).toEqual([]);
  });
});

describe("a forwarded referral", () => {
  it("is recorded and answered to the referrer (who is the GP) with a copy to the patient: where to, why and the ansiennitetsdato", async () => {
    // Prepare: itself a forward, first received in the specialist health service on 20 February.
    const taskId = await waitingReferral({
      clockStartDate: "2025-02-20",
      submission: testSubmission({
        kind: "forwarded",
        originalReceivedDate: "2025-02-20",
        previousInstitution: "Sykehuset Innlandet",
      }),
    });

    // Act
    const result = await submitDecision(deps(), taskId, {
      outcome: "forwarded",
      forwardTo: "Smertesenteret, St. Olavs hospital",
      forwardToContact: "telefon 72 57 30 00",
      justification: "Nærmere bosted for pasienten og kortere ventetid.",
      assessedBy: "1234567",
    });
    await recordDecision(deps(), { referralId: "ref-1", taskId });
    const { sent } = await dispatchDecisionLetters(deps(), "ref-1");

    // Assess
    expect(result.kind).toBe("recorded");
    expect(workflow.resumed[0]?.output).toEqual({ taskId, outcome: "forwarded" });
    // The sample's GP is the referrer (the same HPR number): one letter per person.
    expect(sent).toBe(2);
    expect(mailer.sent.map((email) => email.to)).toEqual([REFERRER, PATIENT]);
    for (const email of mailer.sent) {
      expect(email.text).not.toContain("Nærmere bosted for pasienten og kortere ventetid.");
      expect(email.text).not.toContain("St. Olavs");
    }
    const letters = [...store.letters.values()];
    expect(letters.map((letter) => letter.recipientRole)).toEqual(["referrer", "patient"]);
    for (const letter of letters) {
      expect(letter.text).toContain("Henvisningen er sendt videre til Smertesenteret, St. Olavs hospital");
      expect(letter.text).toContain("Nærmere bosted for pasienten og kortere ventetid.");
      expect(letter.text).toContain("Ansiennitetsdatoen 20. februar 2025 følger henvisningen");
    }
    expect(letters[1]?.text.startsWith("Kopi til pasient")).toBe(true);
    expect((await store.getReferral("ref-1"))?.decision?.decision).toMatchObject({ outcome: "forwarded" });
  });
});

describe("postal dispatch", () => {
  it("queues the patient's copy with the postal address when the patient has no email, and marks it posted once", async () => {
    // Prepare
    const submission = testSubmission();
    submission.patient = { ...submission.patient, email: undefined };
    delete submission.patient.email;
    const taskId = await waitingReferral({ submission });
    await submitDecision(deps(), taskId, granted);
    await recordDecision(deps(), { referralId: "ref-1", taskId });

    // Act
    const { sent } = await dispatchDecisionLetters(deps(), "ref-1");

    // Assess
    expect(sent).toBe(1); // the referrer's; the GP is the referrer, the patient's copy waits for post
    const patientLetter = [...store.letters.values()].find((letter) => letter.recipientRole === "patient");
    expect(patientLetter).toMatchObject({
      status: "awaiting-postal",
      channel: "postal",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    });

    // Act: someone posts it.
    const letterId = letterIdOf(patientLetter as NonNullable<typeof patientLetter>);
    const operator = { kind: "staff" as const, id: "arn:aws:iam::123:user/ops" };
    const posted = await markLetterPosted(deps(), letterId, operator);
    const again = await markLetterPosted(deps(), letterId, operator);

    // Assess
    expect(posted).toEqual({ kind: "posted", letterId, sentAt: "2025-03-03T09:00:00.000Z" });
    expect(again).toEqual({ kind: "not-awaiting" });
    expect(patientLetter && store.letters.get(`ref-1#decision##patient`)).toMatchObject({
      status: "sent",
      postedBy: operator.id,
    });
    expect(store.eventsOf("ref-1").filter((e) => e.type === "letter-posted")).toEqual([
      {
        type: "letter-posted",
        at: "2025-03-03T09:00:00.000Z",
        actor: operator,
        details: { letterKind: "decision", recipientRole: "patient" },
      },
    ]);
  });

  it("will not mark an emailed letter posted, and knows no forged letter id", async () => {
    const taskId = await waitingReferral();
    await submitDecision(deps(), taskId, granted);
    await recordDecision(deps(), { referralId: "ref-1", taskId });
    await dispatchDecisionLetters(deps(), "ref-1");
    const actor = { kind: "staff" as const, id: "ops" };

    const emailed = letterIdOf({ referralId: "ref-1", letterKind: "decision", recipientRole: "gp" });
    expect(await markLetterPosted(deps(), emailed, actor)).toEqual({ kind: "not-awaiting" });
    expect(await markLetterPosted(deps(), "bm90IGEgbGV0dGVy", actor)).toEqual({ kind: "unknown" });
    expect(await markLetterPosted(deps(), "../../etc", actor)).toEqual({ kind: "unknown" });
  });

  it("round-trips a letter id, information requests included", () => {
    const ref = {
      referralId: "r-1",
      letterKind: "information-request",
      recipientRole: "referrer",
      requestId: "abc",
    } as const;
    const id = letterIdOf(ref);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parseLetterId(id)).toEqual(ref);
  });
});
