/**
 * Faults lose nothing, over in-memory ports: a decision that answered "recorded" is stored even when
 * the workflow cannot be told, letters go out once per recipient through retries, overlapping
 * attempts and a mail service that fails for a while, and a double-clicked information request
 * sends one letter.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { recordDecision, submitDecision } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import {
  deliverLetter,
  dispatchDecisionLetters,
  LETTER_CLAIM_LEASE_MS,
  letterRecipients,
} from "../../functions/domain/dispatch";
import {
  LetterInFlight,
  MailUnanswered,
  MailUnavailable,
  WorkflowUnavailable,
} from "../../functions/domain/errors";
import type { LetterRecord } from "../../functions/domain/records";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
} from "../support/fakes";

const REFERRER = "per.hansen@legesenter.example";

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let clock: FakeClock;
let workflow: FakeWorkflow;
const config = testClinicConfig();

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
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

async function waitingReferral() {
  store.seed(testReferral());
  await planIntake(deps(), "ref-1");
  const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
  workflow.waiting.add("token-1");
  mailer.sent.length = 0;
  return taskId;
}

const granted = {
  outcome: "granted",
  careForm: "team",
  startOfCareDeadline: "2025-05-26",
  plannedStart: "2025-03-17",
  assessedBy: "1234567",
};

/** A workflow engine that is down: every resume fails as the adapter reports an outage. */
class UnavailableWorkflow extends FakeWorkflow {
  calls = 0;
  override async resume(_taskToken: string, _output: { taskId: string; outcome: Decision["outcome"] }) {
    this.calls += 1;
    throw new WorkflowUnavailable();
  }
}

describe("a decision while the workflow engine is unavailable", () => {
  it("answers recorded, keeps the decision on the task and files it as pending for the reconciler", async () => {
    // Prepare
    const taskId = await waitingReferral();
    const down = new UnavailableWorkflow();

    // Act
    const result = await submitDecision({ ...deps(), workflow: down }, taskId, granted);

    // Assess
    expect(result).toMatchObject({ kind: "recorded", resumed: false });
    expect(down.calls).toBe(3);
    const task = await store.findTask(taskId);
    expect(task).toMatchObject({ state: "answered", decision: { outcome: "granted" } });
    expect(await store.listPendingDecisions(new Date("2030-01-01"))).toEqual([
      { referralId: "ref-1", taskId, outcome: "granted", answeredAt: "2025-03-03T09:00:00.000Z" },
    ]);
  });

  it("drops the pending decision once RecordDecision has recorded it", async () => {
    // Prepare
    const taskId = await waitingReferral();
    await submitDecision({ ...deps(), workflow: new UnavailableWorkflow() }, taskId, granted);

    // Act
    await recordDecision(deps(), { referralId: "ref-1", taskId });

    // Assess
    expect((await store.getReferral("ref-1"))?.status).toBe("decided");
    expect(await store.listPendingDecisions(new Date("2030-01-01"))).toEqual([]);
  });

  it("lists only the pending decisions answered before the given time", async () => {
    // Prepare
    const taskId = await waitingReferral();
    await submitDecision({ ...deps(), workflow: new UnavailableWorkflow() }, taskId, granted);

    // Act
    const before = await store.listPendingDecisions(new Date("2025-03-03T09:00:00.000Z"));
    const after = await store.listPendingDecisions(new Date("2025-03-03T09:00:00.001Z"));

    // Assess
    expect(before).toEqual([]);
    expect(after.map((pending) => pending.taskId)).toEqual([taskId]);
  });
});

/** A decided referral, ready for DispatchLetters. */
async function decidedReferral() {
  const taskId = await waitingReferral();
  await submitDecision(deps(), taskId, granted);
  await recordDecision(deps(), { referralId: "ref-1", taskId });
}

const sentTo = () => mailer.sent.map((email) => email.to).sort();
/** Every address the decision letters of the test referral go to (one letter per person). */
const everyRecipient = () =>
  letterRecipients(testReferral())
    .flatMap((recipient) => recipient.email ?? [])
    .sort();

describe("decision letters through faults", () => {
  it("sends the others when one recipient's email fails, fails the step, and the retry completes the set once each", async () => {
    // Prepare
    await decidedReferral();
    mailer.failNext = 1; // the referrer's letter, the first one
    expect(everyRecipient().length).toBeGreaterThan(1);

    // Act
    await expect(dispatchDecisionLetters(deps(), "ref-1")).rejects.toThrow(MailUnavailable);
    const afterFirst = sentTo();
    const retried = await dispatchDecisionLetters(deps(), "ref-1");
    const again = await dispatchDecisionLetters(deps(), "ref-1");

    // Assess
    expect(afterFirst).toEqual(everyRecipient().filter((address) => address !== REFERRER));
    expect(retried.sent).toBe(1);
    expect(again.sent).toBe(0);
    expect(sentTo()).toEqual(everyRecipient());
  });

  it("sends each letter once when two dispatches of the same referral overlap", async () => {
    // Prepare
    await decidedReferral();

    // Act
    const results = await Promise.allSettled([
      dispatchDecisionLetters(deps(), "ref-1"),
      dispatchDecisionLetters(deps(), "ref-1"),
    ]);

    // Assess: the loser stood back (LetterInFlight, retried by the workflow), nobody sent twice.
    expect(sentTo()).toEqual(everyRecipient());
    for (const result of results.filter((r) => r.status === "rejected")) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(LetterInFlight);
    }
    expect((await dispatchDecisionLetters(deps(), "ref-1")).sent).toBe(0);
  });
});

/** One email letter to the referrer, not yet claimed. */
function aLetter(): LetterRecord {
  return {
    referralId: "ref-1",
    letterKind: "decision",
    recipientRole: "referrer",
    channel: "email",
    to: REFERRER,
    status: "sending",
    subject: "Svar på henvisning",
    html: "<p>brev</p>",
    text: "brev",
    createdAt: "2025-03-03T09:00:00.000Z",
  };
}
const actor = { kind: "system" as const, id: "test" };

/** A mailer that never answers: as the SES adapter reports a timeout. */
class SilentMailer extends RecordingMailer {
  override async send(): Promise<string> {
    throw new MailUnanswered();
  }
}

describe("one letter's claim", () => {
  it("keeps another attempt off a letter that is being sent, until the claim's lease runs out", async () => {
    // Prepare: an attempt claimed the letter and died without an answer from the mail service.
    store.seed(testReferral());
    await expect(deliverLetter({ ...deps(), mailer: new SilentMailer() }, aLetter(), actor)).rejects.toThrow(
      MailUnanswered,
    );

    // Act
    const fresh = deliverLetter(deps(), aLetter(), actor);
    await expect(fresh).rejects.toThrow(LetterInFlight);
    const stored = [...store.letters.values()][0];
    if (!stored) throw new Error("no claim stored");
    stored.claimedAt = new Date(Date.now() - LETTER_CLAIM_LEASE_MS - 1).toISOString();
    const afterLease = await deliverLetter(deps(), aLetter(), actor);

    // Assess
    expect(afterLease).toBe(true);
    expect(sentTo()).toEqual([REFERRER]);
    expect([...store.letters.values()][0]?.status).toBe("sent");
  });

  it("frees the letter at once when the mail service answered that it did not send", async () => {
    // Prepare
    store.seed(testReferral());
    mailer.failNext = 1;

    // Act
    await expect(deliverLetter(deps(), aLetter(), actor)).rejects.toThrow(MailUnavailable);
    const retried = await deliverLetter(deps(), aLetter(), actor);

    // Assess
    expect(retried).toBe(true);
    expect(sentTo()).toEqual([REFERRER]);
  });

  it("lets only one of two late attempts take over an abandoned claim", async () => {
    // Prepare
    store.seed(testReferral());
    await expect(
      deliverLetter({ ...deps(), mailer: new SilentMailer() }, aLetter(), actor),
    ).rejects.toThrow();
    const stored = [...store.letters.values()][0];
    if (!stored) throw new Error("no claim stored");
    stored.claimedAt = new Date(Date.now() - LETTER_CLAIM_LEASE_MS - 1).toISOString();

    // Act
    const results = await Promise.allSettled([
      deliverLetter(deps(), aLetter(), actor),
      deliverLetter(deps(), aLetter(), actor),
    ]);

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(sentTo()).toEqual([REFERRER]);
  });
});

describe("an information request submitted twice at once (a double click)", () => {
  it("sends one letter and answers both submissions as requested", async () => {
    // Prepare
    const taskId = await waitingReferral();
    const request = {
      outcome: "information-requested",
      question: "Hvilke legemidler er prøvd?",
      assessedBy: "1234567",
    };

    // Act
    const answers = await Promise.all([
      submitDecision(deps(), taskId, request),
      submitDecision(deps(), taskId, request),
    ]);

    // Assess
    expect(answers.map((answer) => answer.kind)).toEqual(["information-requested", "information-requested"]);
    expect(sentTo()).toEqual([REFERRER]);
  });
});
