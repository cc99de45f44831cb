/**
 * Staff emails go out once per occurrence and recipient, over in-memory ports: a step retried after
 * it crashed between its emails and its record, two invocations at once, a mail service that fails
 * for one recipient, and a failed referral resumed with the task (and link) it had.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { markFailed, submitDecision, viewTask } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { recordBreach, remindAssessors } from "../../functions/domain/deadline-timer";
import type { Decision } from "../../functions/domain/decision";
import { dispatchDecisionLetters, escalateWaitingPatientLetter } from "../../functions/domain/dispatch";
import { DynamoUnavailable, EmailInFlight, MailUnavailable } from "../../functions/domain/errors";
import type { ReferralStore } from "../../functions/domain/ports";
import { CLAIM_LEASE_MS } from "../../functions/domain/send-once";
import { sendStaffEmail } from "../../functions/domain/staff-mail";
import { checkStartOfCare, remindStartOfCare } from "../../functions/domain/start-of-care";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const LEAD = "ingrid.lie@smerteklinikk.example";
const TEAM = [LEAD, "ola.haugen@smerteklinikk.example", "sara.nilsen@smerteklinikk.example"];
const CLERK = "post@smerteklinikk.example";

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let metrics: RecordingMetrics;
let clock: FakeClock;
let workflow: FakeWorkflow;
const config = testClinicConfig();
config.clinic.clerkEmail = CLERK;

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  metrics = new RecordingMetrics();
  // Monday 3 March 2025, 10:00 in Oslo: due Monday 17 March.
  clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
  workflow = new FakeWorkflow();
});

const deps = () => ({
  store,
  mailer,
  render: renderer,
  metrics,
  clock,
  workflow,
  config,
  publicBaseUrl: "https://api.example/prod",
  calendar: calendarRulesOf(config.legalClock),
});

/** Makes the store's `method` fail once as an outage would, as if the step died right there. */
function failOnce(method: keyof ReferralStore) {
  const original = store[method] as (...args: unknown[]) => Promise<unknown>;
  let failed = false;
  (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    if (!failed) {
      failed = true;
      throw new DynamoUnavailable();
    }
    return original.apply(store, args);
  };
}

const addresses = () => mailer.sent.map((email) => email.to).sort();

async function planned(overrides: Parameters<typeof testReferral>[0] = {}) {
  store.seed(testReferral(overrides));
  await planIntake(deps(), "ref-1");
}

describe("the assessors' task email", () => {
  it("goes to each assessor once when the step is retried after it crashed between the emails and its record", async () => {
    await planned();
    failOnce("appendEvent");

    await expect(notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" })).rejects.toThrow(
      DynamoUnavailable,
    );
    const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2" });

    expect(addresses()).toEqual([...TEAM].sort());
    expect(new Set(mailer.sent.map((email) => email.text)).size).toBe(1);
    expect(mailer.sent[0]?.text).toContain(`/tasks/${taskId}`);
    expect((await store.getTask("ref-1", taskId))?.taskToken).toBe("token-2");
  });

  it("goes to each assessor once when two invocations overlap", async () => {
    await planned();

    const results = await Promise.allSettled([
      notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" }),
      notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2" }),
    ]);
    // The one that stood back (EmailInFlight) is retried by the workflow and finds them sent.
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(EmailInFlight);
    }
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-3" });

    expect(addresses()).toEqual([...TEAM].sort());
    expect(store.eventTypesOf("ref-1").filter((type) => type === "assessment-task-created")).toHaveLength(1);
  });

  it("still reaches the others when one assessor's email fails, and the retry sends only the missing one", async () => {
    await planned();
    mailer.failNext = 1;

    await expect(notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" })).rejects.toThrow(
      MailUnavailable,
    );
    expect(mailer.sent).toHaveLength(TEAM.length - 1);
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-2" });

    expect(addresses()).toEqual([...TEAM].sort());
  });
});

describe("a failed referral resumed", () => {
  it("takes up the task it had: the old link works again and no new link is emailed", async () => {
    await planned();
    const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
    const emailed = mailer.sent.length;
    await markFailed(deps(), { referralId: "ref-1", error: { Error: "DynamoUnavailable" } });
    expect(await viewTask(deps(), taskId)).toEqual({ kind: "gone", reason: "expired" });

    // Recovery puts the referral back and starts a new execution, which waits with a new token.
    await store.changeStatus(
      "ref-1",
      { from: ["failed"], to: "awaiting-assessment" },
      { type: "workflow-resumed", at: clock.now().toISOString(), actor: { kind: "system", id: "t" } },
    );
    const resumed = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-r1" });
    workflow.waiting.add("token-r1");

    expect(resumed.taskId).toBe(taskId);
    expect(mailer.sent).toHaveLength(emailed);
    expect((await store.listTasks("ref-1")).map((task) => task.state)).toEqual(["open"]);
    expect((await viewTask(deps(), taskId)).kind).toBe("open");
    const task = await store.getTask("ref-1", taskId);
    const answer = await submitDecision(deps(), taskId, {
      outcome: "refused",
      justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
      advice: "Fysioterapi med gradert aktivitet, oppfølging hos fastlege.",
      assessedBy: "1234567",
      csrfToken: task?.csrfToken,
    });
    expect(answer.kind).toBe("recorded");
    expect(workflow.resumed.map((resume) => resume.taskToken)).toEqual(["token-r1"]);
  });
});

describe("the deadline timer's emails", () => {
  it("reminds each assessor once per reminder point, however often the step is retried", async () => {
    await planned();
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
    mailer.sent.length = 0;
    clock.set("2025-03-12T23:00:00Z");
    failOnce("appendEvent");

    await expect(remindAssessors(deps(), { referralId: "ref-1" })).rejects.toThrow(DynamoUnavailable);
    await remindAssessors(deps(), { referralId: "ref-1" });
    await remindAssessors(deps(), { referralId: "ref-1" });

    expect(addresses()).toEqual([...TEAM].sort());
  });

  it("escalates to the lead once per day: a retry the same day sends nothing, the next working day escalates again", async () => {
    await planned();
    await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });
    mailer.sent.length = 0;
    clock.set("2025-03-18T08:00:00Z"); // Tuesday after the due Monday
    failOnce("flagReferral");

    await expect(recordBreach(deps(), { referralId: "ref-1" })).rejects.toThrow(DynamoUnavailable);
    await recordBreach(deps(), { referralId: "ref-1" });
    expect(addresses()).toEqual([LEAD]);
    expect(metrics.records).toHaveLength(1);

    clock.set("2025-03-19T08:00:00Z");
    await recordBreach(deps(), { referralId: "ref-1" });
    expect(addresses()).toEqual([LEAD, LEAD]);
  });

  it("alerts the lead once about a referral at risk, also when flagging it failed the first time", async () => {
    // A forward whose ansiennitetsdato makes the reminder point already past.
    store.seed(testReferral({ clockStartDate: "2025-02-20", assessmentDueDate: "2025-03-06" }));
    failOnce("flagReferral");

    await expect(planIntake(deps(), "ref-1")).rejects.toThrow(DynamoUnavailable);
    await planIntake(deps(), "ref-1");
    await planIntake(deps(), "ref-1");

    expect(addresses()).toEqual([LEAD]);
  });
});

const granted: Decision = {
  outcome: "granted",
  careForm: "team",
  startOfCareDeadline: "2025-06-27",
  plannedStart: "2025-06-02",
  assessedBy: LEAD,
};

describe("the start of care's emails", () => {
  it("reminds the lead once, also when the step is retried after its flag failed", async () => {
    store.seed(
      testReferral({
        status: "decided",
        decision: { decision: granted, taskId: "t", decidedAt: "2025-03-14T10:00:00.000Z" },
      }),
    );
    failOnce("flagReferral");

    await expect(remindStartOfCare(deps(), "ref-1")).rejects.toThrow(DynamoUnavailable);
    await remindStartOfCare(deps(), "ref-1");

    expect(addresses()).toEqual([LEAD]);
  });

  it("asks the lead to confirm a probable breach once, also when the first attempt's email failed", async () => {
    store.seed(
      testReferral({
        status: "decided",
        decision: { decision: granted, taskId: "t", decidedAt: "2025-03-14T10:00:00.000Z" },
      }),
    );
    clock.set("2025-06-27T22:00:00.000Z");
    // The lead's email fails once.
    const send = mailer.send.bind(mailer);
    let calls = 0;
    mailer.send = async (email) => {
      calls += 1;
      if (calls === 1) throw new MailUnavailable();
      return send(email);
    };

    await expect(checkStartOfCare(deps(), "ref-1")).rejects.toThrow(MailUnavailable);
    await checkStartOfCare(deps(), "ref-1");
    await checkStartOfCare(deps(), "ref-1");

    expect(mailer.to(LEAD)).toHaveLength(1);
  });
});

describe("the postal escalation", () => {
  it("tells the clerk and the lead once each when the step is retried after its record failed", async () => {
    const submission = testSubmission();
    const patient = { ...submission.patient };
    delete patient.email;
    store.seed(
      testReferral({
        status: "decided",
        submission: { ...submission, patient },
        decision: {
          decision: {
            ...granted,
            outcome: "refused",
            justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
            advice: "Fysioterapi med gradert aktivitet, oppfølging hos fastlege.",
          } as unknown as Decision,
          taskId: "t",
          decidedAt: "2025-03-14T10:00:00.000Z",
        },
      }),
    );
    await dispatchDecisionLetters(deps(), "ref-1");
    mailer.sent.length = 0;
    clock.set("2025-03-16T23:00:00.000Z");
    failOnce("appendEvent");

    await expect(escalateWaitingPatientLetter(deps(), "ref-1")).rejects.toThrow(DynamoUnavailable);
    await escalateWaitingPatientLetter(deps(), "ref-1");

    expect(addresses()).toEqual([CLERK, LEAD].sort());
  });
});

describe("one staff email's claim", () => {
  it("keeps another attempt off while it is fresh, and lets one take it over once its lease ran out", async () => {
    const slot = { about: "referral" as const, aboutId: "ref-1", kind: "reminder" as const, occurrence: "x" };
    const content = { subject: "s", text: "t", html: "h" };
    // An attempt claimed it and died before sending.
    const dead = {
      ...slot,
      to: LEAD,
      status: "sending" as const,
      createdAt: clock.now().toISOString(),
      claimId: "dead",
      claimedAt: new Date().toISOString(),
    };
    await store.claimStaffEmails([dead]);

    await expect(sendStaffEmail(deps(), slot, LEAD, content)).rejects.toThrow(EmailInFlight);
    const stored = [...store.staffEmails.values()][0];
    if (!stored) throw new Error("no claim");
    stored.claimedAt = new Date(Date.now() - CLAIM_LEASE_MS - 1).toISOString();
    const late = await Promise.allSettled([
      sendStaffEmail(deps(), slot, LEAD, content),
      sendStaffEmail(deps(), slot, LEAD, content),
    ]);

    expect(mailer.sent).toHaveLength(1);
    // One of the two late attempts took it over and sent; the other stood back or found it sent.
    for (const result of late) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(EmailInFlight);
    }
    expect(await sendStaffEmail(deps(), slot, LEAD, content)).toBe(false);
    expect(mailer.sent).toHaveLength(1);
  });
});
