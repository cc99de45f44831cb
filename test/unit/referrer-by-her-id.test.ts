/**
 * A referral that came as a Henvisning message names its referrer by HER-id, not by email: the
 * referral schema takes that, and every letter to such a referrer waits in the postal queue (until
 * answers go back as Status på henvisning), while the patient's letters go as before.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { recordDecision, submitDecision } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { dispatchDecisionLetters } from "../../functions/domain/dispatch";
import { parseReferralSubmission } from "../../functions/domain/referral";
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
import { sampleReferral } from "../support/http";

const PATIENT = "kari.nordmann@pasient.example";
const config = testClinicConfig();
let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let workflow: FakeWorkflow;
const clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
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

const referrerByHerId = () => {
  const { email: _email, ...referrer } = sampleReferral().referrer as Record<string, unknown>;
  return { ...referrer, herId: "91100" };
};

async function waitingReferral() {
  store.seed(testReferral({ submission: testSubmission({ referrer: referrerByHerId() }) }));
  await planIntake(deps(), "ref-1");
  const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
  workflow.waiting.add("token-1");
  mailer.sent.length = 0;
  return taskId;
}

describe("a referrer known by HER-id only", () => {
  it("is a valid referrer; one with neither an email address nor a HER-id is not", () => {
    expect(parseReferralSubmission({ ...sampleReferral(), referrer: referrerByHerId() }).ok).toBe(true);
    const { herId: _herId, ...neither } = referrerByHerId();
    expect(parseReferralSubmission({ ...sampleReferral(), referrer: neither })).toEqual({
      ok: false,
      issues: [{ path: "referrer.email", message: "is required" }],
    });
  });

  it("gets the forespørsel by post: nothing is emailed, the letter waits for the clerk", async () => {
    const taskId = await waitingReferral();

    await submitDecision(deps(), taskId, {
      outcome: "information-requested",
      question: "Hvilke legemidler er prøvd, og med hvilken effekt?",
      assessedBy: "1234567",
    });

    expect(mailer.sent).toEqual([]);
    expect([...store.letters.values()]).toMatchObject([
      {
        letterKind: "information-request",
        recipientRole: "referrer",
        channel: "postal",
        status: "awaiting-postal",
      },
    ]);
  });

  it("gets the decision letter by post while the patient's goes by email", async () => {
    const taskId = await waitingReferral();

    await submitDecision(deps(), taskId, {
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: "2025-05-26",
      plannedStart: "2025-03-17",
      assessedBy: "1234567",
    });
    await recordDecision(deps(), { referralId: "ref-1", taskId });
    await dispatchDecisionLetters(deps(), "ref-1");

    expect(mailer.sent.map((email) => email.to)).toEqual([PATIENT]);
    const referrerLetter = [...store.letters.values()].find((letter) => letter.recipientRole === "referrer");
    expect(referrerLetter).toMatchObject({ channel: "postal", status: "awaiting-postal" });
  });
});
