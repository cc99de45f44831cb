/**
 * The patient informed within the 10 working days: the law's test is that the patient knows, so the
 * clock runs until the patient's copy is emailed or posted. A copy waiting for post on the due date is
 * escalated to the clerk and the lead; a copy posted after the due date is a breach of the deadline.
 */

import { beforeEach, describe, expect, it } from "vitest";
import { dispatchDecisionLetters, escalateWaitingPatientLetter } from "../../functions/domain/dispatch";
import { makeNationalId } from "../../functions/domain/national-id";
import { letterIdOf, markLetterPosted } from "../../functions/domain/postal";
import type { ReferralRecord } from "../../functions/domain/records";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const LEAD = "ingrid.lie@smerteklinikk.example";
const CLERK = "post@smerteklinikk.example";

let store: InMemoryReferralStore;
let clock: FakeClock;
let mailer: RecordingMailer;
const config = testClinicConfig();
config.clinic.clerkEmail = CLERK;
const deps = () => ({
  store,
  clock,
  mailer,
  render: renderer,
  config,
  publicBaseUrl: "https://frist.example/prod",
});

/** A refusal decided on Friday 14 March 2025, due Monday 17 March; the patient has no email. */
function decidedWithoutPatientEmail(): ReferralRecord {
  const submission = testSubmission();
  const patient = { ...submission.patient };
  delete patient.email;
  return testReferral({
    status: "decided",
    assessmentDueDate: "2025-03-17",
    submission: { ...submission, patient },
    decision: {
      decision: { outcome: "refused", justification: "j", advice: "a", assessedBy: "x" },
      taskId: "t-1",
      decidedAt: "2025-03-14T10:00:00.000Z",
    },
  });
}

const patientLetterId = letterIdOf({ referralId: "ref-1", letterKind: "decision", recipientRole: "patient" });
const staff = { kind: "staff" as const, id: "clerk" };

beforeEach(() => {
  store = new InMemoryReferralStore();
  clock = new FakeClock(new Date("2025-03-14T10:05:00.000Z"));
  mailer = new RecordingMailer();
});

describe("the patient's copy waiting for post", () => {
  it("tells the workflow to follow it up on the morning of the due date (Oslo)", async () => {
    store.seed(decidedWithoutPatientEmail());

    const result = await dispatchDecisionLetters(deps(), "ref-1");

    expect(result).toMatchObject({ patientAwaitingPostal: true, escalateAt: "2025-03-16T23:00:00.000Z" });
  });

  it("has nothing to follow up when the patient has email", async () => {
    store.seed(testReferral({ ...decidedWithoutPatientEmail(), submission: testSubmission() }));
    expect(await dispatchDecisionLetters(deps(), "ref-1")).toMatchObject({ patientAwaitingPostal: false });
  });

  it("is escalated once to the clerk and the lead when still waiting on the due date, neutrally", async () => {
    store.seed(decidedWithoutPatientEmail());
    await dispatchDecisionLetters(deps(), "ref-1");
    mailer.sent.length = 0;
    clock.set("2025-03-16T23:00:00.000Z");

    const first = await escalateWaitingPatientLetter(deps(), "ref-1");
    const retry = await escalateWaitingPatientLetter(deps(), "ref-1");

    expect([first, retry]).toEqual([{ waiting: true }, { waiting: true }]);
    expect(mailer.sent.map((email) => email.to)).toEqual([CLERK, LEAD]);
    expect(mailer.sent[0]?.text).toContain("innen 17. mars 2025");
    expect(`${mailer.sent[0]?.subject}${mailer.sent[0]?.text}`).not.toMatch(/Kari|Nordmann|15038512282/);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "postal-letter-escalated")).toHaveLength(1);
  });

  it("says whose copy waits: the parents' copy of a patient under 16 whose own copy was emailed", async () => {
    // Prepare: a patient born 2015 (under 16), with email: only the parents' copy goes by post.
    const child = decidedWithoutPatientEmail();
    child.submission.patient.nationalId = nationalIdBornOn("2015-06-10");
    child.submission.patient.email = "kari.nordmann@pasient.example";
    store.seed(child);
    await dispatchDecisionLetters(deps(), "ref-1");
    mailer.sent.length = 0;
    clock.set("2025-03-16T23:00:00.000Z");

    // Act
    expect(await escalateWaitingPatientLetter(deps(), "ref-1")).toEqual({ waiting: true });

    // Assess: it names the parents' copy, not the patient's, and still nothing about the patient.
    const email = mailer.sent[0];
    expect(email?.subject).toContain("foreldre eller andre med foreldreansvar");
    expect(email?.text).toContain("Kopien til foreldre eller andre med foreldreansvar venter fortsatt");
    expect(email?.text).not.toContain("til pasienten venter");
    expect(`${email?.subject}${email?.text}`).not.toMatch(/Kari|Nordmann|2015/);
  });

  it("names both copies when the patient's and the parents' wait", async () => {
    const child = decidedWithoutPatientEmail();
    child.submission.patient.nationalId = nationalIdBornOn("2015-06-10");
    store.seed(child);
    await dispatchDecisionLetters(deps(), "ref-1");
    mailer.sent.length = 0;
    clock.set("2025-03-16T23:00:00.000Z");

    await escalateWaitingPatientLetter(deps(), "ref-1");

    expect(mailer.sent[0]?.text).toContain(
      "Svarbrevet til pasienten og kopien til foreldre eller andre med foreldreansvar venter fortsatt",
    );
  });

  it("names the patient's copy when it is the one that waits", async () => {
    store.seed(decidedWithoutPatientEmail());
    await dispatchDecisionLetters(deps(), "ref-1");
    mailer.sent.length = 0;
    clock.set("2025-03-16T23:00:00.000Z");

    await escalateWaitingPatientLetter(deps(), "ref-1");

    expect(mailer.sent[0]?.text).toContain("Svarbrevet til pasienten venter fortsatt");
  });

  it("is not escalated once posted", async () => {
    store.seed(decidedWithoutPatientEmail());
    await dispatchDecisionLetters(deps(), "ref-1");
    await markLetterPosted(deps(), patientLetterId, staff);
    mailer.sent.length = 0;

    expect(await escalateWaitingPatientLetter(deps(), "ref-1")).toEqual({ waiting: false });
    expect(mailer.sent).toEqual([]);
  });
});

describe("the 10 working days run until the patient is informed", () => {
  it("counts a copy posted on the due date as in time", async () => {
    store.seed(decidedWithoutPatientEmail());
    await dispatchDecisionLetters(deps(), "ref-1");
    clock.set("2025-03-17T15:00:00.000Z");

    await markLetterPosted(deps(), patientLetterId, staff);

    expect((await store.getReferral("ref-1"))?.deadlineBreached).toBe(false);
    expect(store.eventTypesOf("ref-1")).not.toContain("patient-informed-late");
  });

  it("records a breach when the copy is posted after the due date, though the decision was in time", async () => {
    store.seed(decidedWithoutPatientEmail());
    await dispatchDecisionLetters(deps(), "ref-1");
    clock.set("2025-03-18T08:00:00.000Z");

    await markLetterPosted(deps(), patientLetterId, staff);

    expect((await store.getReferral("ref-1"))?.deadlineBreached).toBe(true);
    const late = store.eventsOf("ref-1").find((event) => event.type === "patient-informed-late");
    expect(late?.details).toEqual({ assessmentDueDate: "2025-03-17", informedOn: "2025-03-18" });
  });
});

/** A valid national ID for a birth date (the first individual number that fits the year). */
function nationalIdBornOn(birthDate: string): string {
  for (let individual = 0; individual < 1000; individual++) {
    try {
      const id = makeNationalId(birthDate, individual);
      if (id) return id;
    } catch {
      // This individual number is not used for this birth year: try the next.
    }
  }
  throw new Error("no national ID");
}
