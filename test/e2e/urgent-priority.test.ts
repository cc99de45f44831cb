/**
 * End to end on the local default with simulated time: an urgent referral's internal target (day 5)
 * escalates to the clinic lead like the legal deadline, and a priority changed on the task page (with
 * a reason, by the signed-in clinician) moves the timer with it. Driven over HTTP only.
 *
 * Received Monday 2 March 2026 at 09:00 in Oslo (day 0): the urgent reminder is at the start of
 * Thursday 5 March (day 3), the internal target is Monday 9 March (day 5, missed from
 * 2026-03-09T23:00Z), the legal due date Monday 16 March (day 10) whatever the priority.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  eventTypes,
  lead,
  ofSubject,
  referralFile,
  signInAsAssessor,
  submitAndAwaitTask,
  withoutRandomTokens,
  withPatient,
} from "../support/e2e";
import { csrfTokenIn, fetchAs, mailbox, type SignedIn } from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

const MONDAY_0900_OSLO = "2026-03-02T08:00:00Z";
const TARGET_MISSED = "2026-03-09T23:00:00.000Z";
const URGENT_ESCALATION = "Haster: Fristen for raskere vurdering av en henvisning som haster er passert";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function advanceClock(stack: LocalStack, body: { by: string } | { to: string }) {
  const response = await fetch(`${stack.clockUrl}/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

/** Posts the task page's priority form, as a signed-in browser does (with the page's token). */
async function changePriorityByForm(taskLink: string, reason: string, session: SignedIn) {
  const page = await fetchAs(session, taskLink);
  expect(page.status).toBe(200);
  const html = await page.text();
  const to = /name="priority" value="(\w+)"/.exec(html)?.[1] ?? "";
  return fetchAs(session, `${taskLink}/priority`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(taskLink).origin },
    body: new URLSearchParams({ priority: to, reason, csrfToken: csrfTokenIn(html) }).toString(),
  });
}

/** How long a workflow step may take with its retries on a busy machine. */
const STEP_WITH_RETRIES_MS = 180_000;

describe("the urgent target and priority changes on simulated time", () => {
  let stack: LocalStack;
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

  // The escalation step retries a failed call on the workflow's Retry policy (full jitter, 2 s
  // doubling): on a busy machine a DynamoDB call that outlasts its 2 s timeout costs a retry, and a
  // few of them outlast the usual 45 s wait; the wait for the step allows three minutes.
  it("escalates a missed day-5 target once to the lead, also for a referral made urgent, and not for one made ordinary", {
    timeout: 300_000,
  }, async () => {
    // Prepare: one urgent referral, one ordinary made urgent, one urgent made ordinary.
    const urgent = await submitAndAwaitTask(
      stack,
      { ...withPatient("Una Berg"), priority: "urgent" },
      "urg-1",
    );
    const raised = await submitAndAwaitTask(stack, withPatient("Rolf Dahl"), "urg-2");
    const lowered = await submitAndAwaitTask(
      stack,
      { ...withPatient("Lise Moen"), priority: "urgent" },
      "urg-3",
    );

    // Act: the clinician changes two priorities on the task pages.
    const raise = await changePriorityByForm(raised.taskLink, "Forverring siste uke", staff);
    const lower = await changePriorityByForm(lowered.taskLink, "Avklart med henviser: ikke hast", staff);

    // Assess: recorded with the author and the reason; the legal due date is unchanged.
    expect(raise.status).toBe(200);
    expect(await raise.text()).toContain("Prioriteten er endret");
    expect(lower.status).toBe(200);
    const raisedFile = await referralFile(stack, raised.referralId);
    expect(raisedFile).toMatchObject({ priority: "urgent", assessmentDueDate: "2026-03-16" });
    const change = (raisedFile.events as { type: string; actor: { kind: string; id: string } }[]).find(
      (event) => event.type === "priority-changed",
    );
    expect(change?.actor).toEqual({ kind: "staff", id: expect.stringContaining("psychologist") });
    const page = await (await fetchAs(staff, raised.taskLink)).text();
    expect(page).toContain("Begrunnelse: Forverring siste uke");
    expect(page).toContain("Klinikkens frist for raskere vurdering: 9. mars 2026");
    expect((await referralFile(stack, lowered.referralId)).priority).toBe("ordinary");

    // Act: to a minute before the internal target is missed.
    await advanceClock(stack, { to: new Date(Date.parse(TARGET_MISSED) - 60_000).toISOString() });
    await pause(1_500);

    // Assess: nothing escalated yet.
    expect(ofSubject(await mailbox(stack.mailboxJsonUrl), URGENT_ESCALATION)).toEqual([]);

    // Act: past the end of day 5, and on for half a day more.
    await advanceClock(stack, { by: "PT2M" });
    for (const { referralId } of [urgent, raised]) {
      await awaitFile(
        stack,
        referralId,
        (file) => eventTypes(file).includes("urgent-target-missed"),
        "the missed urgent target in the referral's events",
        STEP_WITH_RETRIES_MS,
      );
    }
    await advanceClock(stack, { by: "PT12H" });
    await pause(1_500);

    // Assess: one neutral escalation per urgent referral, to the lead, and none for the lowered one.
    const escalations = ofSubject(await mailbox(stack.mailboxJsonUrl), URGENT_ESCALATION);
    expect(escalations.map((email) => email.destination.to[0])).toEqual([lead, lead]);
    for (const email of escalations) {
      const everything = withoutRandomTokens(`${email.subject}\n${email.body.text}\n${email.body.html}`);
      for (const datum of ["Una", "Berg", "Rolf", "Dahl", "15038512282", "L18", "Forverring"]) {
        expect(everything).not.toContain(datum);
      }
      expect([urgent.taskLink, raised.taskLink]).toContain(
        /https?:\/\/\S+\/tasks\/[\w-]+/.exec(email.body.text ?? "")?.[0],
      );
    }
    for (const { referralId } of [urgent, raised]) {
      const events = eventTypes(await referralFile(stack, referralId));
      expect(events.filter((type) => type === "urgent-target-missed")).toHaveLength(1);
      expect(events).not.toContain("deadline-breached");
    }
    expect(eventTypes(await referralFile(stack, lowered.referralId))).not.toContain("urgent-target-missed");
  });
});
