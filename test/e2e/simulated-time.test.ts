/**
 * End to end on the local default with simulated time: the deadline timer of the synthesized workflow
 * (reminder at the start of working day 8, breach and escalation after the 10th) runs on the local
 * runtime's clock, which this test moves over HTTP (POST /clock/advance on the operations server).
 * Driven over HTTP only, as a portal, a clinician and an operator would.
 *
 * The referral arrives on Monday 2 March 2026 at 09:00 in Oslo (day 0). `npx frist deadline
 * 2026-03-02T08:00:00Z` gives its clock: reminder point 12 March 00:00 Oslo (2026-03-11T23:00Z), due
 * date 16 March, deadline at the end of that day (2026-03-16T22:59:59.999Z).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  emailsOf,
  eventTypes,
  intakeTeam,
  lead,
  ofSubject,
  patientEmail,
  referralFile,
  referrerEmail,
  signInAsAssessor,
  withPatient,
} from "../support/e2e";
import {
  eventually,
  fetchAs,
  getJson,
  type MailboxEmail,
  mailbox,
  postDecisionJson,
  type SignedIn,
  submitReferral,
  taskLinkIn,
} from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

const MONDAY_0900_OSLO = "2026-03-02T08:00:00Z";
const REMINDER_POINT = "2026-03-11T23:00:00.000Z";
const DEADLINE = "2026-03-16T22:59:59.999Z";

const SUBJECTS = {
  task: "En ny henvisning venter på vurdering",
  reminder: "Påminnelse: en henvisning venter fortsatt på vurdering",
  escalation: "Fristen for vurdering av en henvisning er passert",
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves the local runtime's clock, as a tester or a demo does. */
async function advanceClock(stack: LocalStack, body: { by: string | number } | { to: string }) {
  const response = await fetch(`${stack.clockUrl}/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { now: string; scale: number };
}

/** Health data that must never be in a staff email: the patient, the national ID, the diagnosis. */
function expectNeutral(email: MailboxEmail, patientName: string): void {
  const everything = `${email.subject}\n${email.body.text}\n${email.body.html}`;
  for (const part of patientName.split(" ")) expect(everything).not.toContain(part);
  expect(everything).not.toContain("15038512282");
  expect(everything).not.toContain("L18");
  expect(everything).not.toContain("Muskelsmerter");
}

describe("the deadline timer on simulated time, moved over HTTP", () => {
  let stack: LocalStack;
  /** A signed-in assessor: task pages need a session. */
  let staff: SignedIn;

  beforeAll(async () => {
    stack = await startTestStack({
      clock: MONDAY_0900_OSLO,
      timeScale: 1,
    });
    staff = await signInAsAssessor(stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("reminds the assessors at working day 8, escalates and records the breach after day 10, and still takes the decision", async () => {
    // Prepare: the simulated clock starts on Monday 09:00 in Oslo.
    const clock = (await getJson(stack.clockUrl)).body;
    expect(clock).toMatchObject({ now: expect.stringMatching(/^2026-03-02T08:00/), scale: 1 });
    const patientName = "Tora Tidsreise";
    const receipt = await submitReferral(stack.apiUrl, withPatient(patientName), "simulated-time-1");
    expect(receipt.status).toBe(202);
    expect(receipt.body).toMatchObject({
      receivedAt: expect.stringMatching(/^2026-03-02T08:0/),
      assessmentDueDate: "2026-03-16",
    });
    const referralId = String(receipt.body.referralId);
    const taskEmails = await eventually(async () => {
      const emails = ofSubject(await mailbox(stack.mailboxJsonUrl), SUBJECTS.task);
      return emails.length === intakeTeam.length ? emails : undefined;
    }, "the task emails to the intake team");
    expect(taskEmails.map((email) => email.destination.to[0]).sort()).toEqual([...intakeTeam].sort());
    const taskLink = taskLinkIn(taskEmails[0] as MailboxEmail);

    // Act: to a minute before the reminder point.
    await advanceClock(stack, { to: new Date(Date.parse(REMINDER_POINT) - 60_000).toISOString() });
    await pause(1_500);

    // Assess: no reminder yet.
    expect(ofSubject(await mailbox(stack.mailboxJsonUrl), SUBJECTS.reminder)).toEqual([]);
    expect(eventTypes(await referralFile(stack, referralId))).not.toContain("assessors-reminded");

    // Act: past the reminder point, the start of working day 8.
    await advanceClock(stack, { by: "PT2M" });

    // Assess: a neutral reminder to each assessor, with the same task link.
    const reminders = await eventually(async () => {
      const emails = ofSubject(await mailbox(stack.mailboxJsonUrl), SUBJECTS.reminder);
      return emails.length === intakeTeam.length ? emails : undefined;
    }, "the reminder emails");
    expect(reminders.map((email) => email.destination.to[0]).sort()).toEqual([...intakeTeam].sort());
    for (const email of reminders) {
      expectNeutral(email, patientName);
      expect(taskLinkIn(email)).toBe(taskLink);
    }
    const reminded = await awaitFile(
      stack,
      referralId,
      (body) => eventTypes(body).includes("assessors-reminded"),
      "the reminder in the referral's events",
    );
    expect(reminded.deadlineBreached).not.toBe(true);
    expect(ofSubject(await mailbox(stack.mailboxJsonUrl), SUBJECTS.escalation)).toEqual([]);

    // Act: past the end of the due date (Tuesday 17 March, 08:00 in Oslo).
    await advanceClock(stack, { to: "2026-03-17T07:00:00Z" });

    // Assess: the clinic lead gets the escalation; the referral and the worklist show the breach.
    const [escalation] = await eventually(async () => {
      const emails = ofSubject(await mailbox(stack.mailboxJsonUrl), SUBJECTS.escalation);
      return emails.length > 0 ? emails : undefined;
    }, "the escalation email");
    expect(escalation?.destination.to).toEqual([lead]);
    expectNeutral(escalation as MailboxEmail, patientName);
    expect(taskLinkIn(escalation as MailboxEmail)).toBe(taskLink);
    const breached = await awaitFile(
      stack,
      referralId,
      (body) => body.deadlineBreached === true && eventTypes(body).includes("deadline-breached"),
      "the breach on the referral",
    );
    expect(breached.status).toBe("awaiting-assessment");
    const breachEvent = (breached.events as { type: string; at: string }[]).find(
      (event) => event.type === "deadline-breached",
    );
    expect(Date.parse(String(breachEvent?.at))).toBeGreaterThan(Date.parse(DEADLINE));
    const worklist = await getJson(`${stack.apiUrl}/referrals?status=awaiting-assessment`);
    expect(worklist.status).toBe(200);
    const line = (worklist.body.items as Record<string, unknown>[]).find(
      (item) => item.referralId === referralId,
    );
    expect(line).toMatchObject({ deadlineBreached: true, assessmentDueDate: "2026-03-16" });
    expect(Number(line?.workingDaysLeft)).toBeLessThan(0);

    // Act: a decision after the breach, through the link of the first email.
    expect((await fetchAs(staff, taskLink)).status).toBe(200);
    const decided = await postDecisionJson(
      taskLink,
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2026-05-15",
        plannedStart: "2026-05-04",
        assessedBy: "1234567",
      },
      staff,
    );

    // Assess: letters go out, the referral is decided and keeps its breach on record.
    expect(decided.status).toBe(200);
    await eventually(async () => {
      const letters = await emailsOf(stack, referralId);
      const to = letters.flatMap((email) => email.destination.to);
      return [referrerEmail, patientEmail].every((address) => to.includes(address)) ? to : undefined;
    }, "the decision letters to the referrer (who is the GP) and the patient");
    const decidedFile = await awaitFile(
      stack,
      referralId,
      (body) => body.status === "decided" && eventTypes(body).includes("workflow-completed"),
      "the referral decided",
    );
    expect(decidedFile.deadlineBreached).toBe(true);
    expect((await fetchAs(staff, taskLink)).status).toBe(410);
  });
});

describe("the deadline timer at --time-scale 43200", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack({
      clock: MONDAY_0900_OSLO,
      timeScale: 43_200,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("runs a referral's 10 working days out to the breach in well under a minute of real time", {
    timeout: 90_000,
  }, async () => {
    // Prepare: 43200x is twelve simulated hours per real second; the deadline is ~14.6 days away.
    const started = Date.now();

    // Act: nobody decides, and nobody moves the clock.
    const receipt = await submitReferral(stack.apiUrl, withPatient("Frida Fartsen"), "simulated-time-fast");
    expect(receipt.status).toBe(202);
    expect(receipt.body.assessmentDueDate).toBe("2026-03-16");
    const breached = await awaitFile(
      stack,
      String(receipt.body.referralId),
      (body) => body.deadlineBreached === true,
      "the breach",
      60_000,
    );
    const elapsedMs = Date.now() - started;

    // Assess
    expect(elapsedMs).toBeLessThan(60_000);
    expect(eventTypes(breached)).toEqual(
      expect.arrayContaining(["assessors-notified", "assessors-reminded", "deadline-breached"]),
    );
    const now = (await getJson(stack.clockUrl)).body;
    expect(Date.parse(String(now.now))).toBeGreaterThan(Date.parse(DEADLINE));
    console.log(`43200x: received to breached in ${(elapsedMs / 1000).toFixed(1)} s of real time`);
  });
});
