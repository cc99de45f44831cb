/**
 * `npm start --data-dir <dir>` survives a restart: referrals awaiting assessment, the local stack
 * stopped and started again on the same data directory, and then their task links open, the deadline
 * timer fires on the simulated clock (the reminder at working day 8), and a decision sends its letters.
 * Driven over HTTP, as a portal, a clinician and an operator would; the stack is started in-process
 * twice, as `npm start` would be.
 *
 * The referrals arrive on Monday 2 March 2026 at 09:00 in Oslo; their reminder point is 12 March 00:00
 * in Oslo (2026-03-11T23:00Z), their due date 16 March.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../lib/local/local-stack";
import { executionArnFor } from "../../lib/local/stepfunctions/endpoint";
import {
  awaitFile,
  emailsOf,
  eventTypes,
  intakeTeam,
  ofSubject,
  patientEmail,
  referrerEmail,
  signInAsAssessor,
  submitAndAwaitTask,
  withPatient,
} from "../support/e2e";
import { eventually, fetchAs, getJson, mailbox, postDecisionJsonRetrying, taskLinkIn } from "../support/http";

const MONDAY_0900_OSLO = "2026-03-02T08:00:00Z";
const REMINDER_POINT = Date.parse("2026-03-11T23:00:00Z");
const REMINDER_SUBJECT = "Påminnelse: en henvisning venter fortsatt på vurdering";

/** A link of the stopped stack on the running one (the path is what a link is; the port may differ). */
const on = (stack: LocalStack, link: string) => new URL(new URL(link).pathname, stack.apiUrl).toString();

describe("npm start with a data directory, stopped and started again", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "frist-restart-"));
  let stack: LocalStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  type Referral = Awaited<ReturnType<typeof submitAndAwaitTask>>;
  let first: Referral;
  let second: Referral;
  let stoppedAt: number;
  /** Signed in before the restart: the session lives in DynamoDB, so it survives it too. */
  let staff: Awaited<ReturnType<typeof signInAsAssessor>>;
  const lines: string[] = [];

  // Starting the stack twice (Java each time) is the slow part: in the hooks, with their room.
  beforeAll(async () => {
    // Prepare: two referrals awaiting assessment, each with its task emailed to the intake team.
    stack = await startLocalStack({
      port: 0,
      dataDir,
      quiet: true,
      clock: MONDAY_0900_OSLO,
      log: () => undefined,
    });
    first = await submitAndAwaitTask(stack, withPatient("Rita Restart"), "restart-1");
    second = await submitAndAwaitTask(stack, withPatient("Ola Omstart"), "restart-2");
    // Both executions wait for a decision: their notify step returned (a step still running at the
    // stop runs again after the restart; its task email is claimed per task and assessor, so nobody
    // who already had it is emailed again).
    const engine = stack.stepFunctions.engine;
    for (const { referralId } of [first, second]) {
      const arn = executionArnFor(stack.stateMachineArn, referralId);
      await eventually(
        async () =>
          engine.history(arn, false).some((event) => event.type === "TaskSubmitted") ? true : undefined,
        "the execution waiting for the decision",
      );
    }
    staff = await signInAsAssessor(stack);
    stoppedAt = stack.clock.nowMs();

    // Act: stop the stack, start it again on the same data directory (no --clock: it goes on).
    await stack.stop();
    stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: (line) => lines.push(line) });
  });

  it("keeps the referrals' task links and timers, and a decision after the restart sends the letters", async () => {
    const running = stack as LocalStack;
    const clockOnMs = running.clock.nowMs() - stoppedAt;

    // Assess: simulated time goes on from where it stopped; both executions were resumed.
    expect(running.clock.nowMs()).toBeGreaterThanOrEqual(stoppedAt);
    expect(running.clock.nowMs()).toBeLessThan(stoppedAt + 60 * 60_000);
    expect(lines.join("\n")).toMatch(/resumed 2 execution/);
    for (const { referralId } of [first, second]) {
      const execution = running.stepFunctions.engine
        .listExecutions(running.stateMachineArn)
        .find((candidate) => candidate.name === referralId);
      expect(execution?.status).toBe("RUNNING");
    }

    // Assess: the links sent before the restart open their task pages.
    for (const { taskLink } of [first, second]) {
      const page = await fetchAs(staff, on(running, taskLink));
      expect(page.status).toBe(200);
    }
    // The mailbox is the emulator's, in memory: it starts empty after a restart, and nobody was
    // emailed again about the tasks they already have.
    expect(await mailbox(running.mailboxJsonUrl)).toEqual([]);

    // Act: the clock passes the reminder point, working day 8.
    const advanced = await fetch(`${running.clockUrl}/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: new Date(REMINDER_POINT + 60_000).toISOString() }),
    });
    expect(advanced.status).toBe(200);

    // Assess: each referral's assessors get the reminder, with the link they had before the restart.
    const reminders = await eventually(async () => {
      const emails = ofSubject(await mailbox(running.mailboxJsonUrl), REMINDER_SUBJECT);
      return emails.length === 2 * intakeTeam.length ? emails : undefined;
    }, "the reminders of both referrals");
    const remindedLinks = new Set(reminders.map((email) => new URL(taskLinkIn(email)).pathname));
    expect(remindedLinks).toEqual(new Set([first, second].map(({ taskLink }) => new URL(taskLink).pathname)));
    await awaitFile(
      running,
      first.referralId,
      (file) => eventTypes(file).includes("assessors-reminded"),
      "the reminder on the first referral",
    );

    // Act: a decision on the first referral, through its link from before the restart (sent again
    // on a 503, as the API asks, while the workflow is between the reminder and its wait).
    const decided = await postDecisionJsonRetrying(
      on(running, first.taskLink),
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2026-05-15",
        plannedStart: "2026-05-04",
        assessedBy: "1234567",
      },
      staff,
    );

    // Assess: the letters go out to the referrer, the patient and the GP; the referral is decided.
    expect(decided.status).toBe(200);
    await eventually(async () => {
      const to = (await emailsOf(running, first.referralId)).flatMap((email) => email.destination.to);
      return [referrerEmail, patientEmail].every((address) => to.includes(address)) ? to : undefined;
    }, "the decision letters");
    const file = await awaitFile(
      running,
      first.referralId,
      (body) => body.status === "decided" && eventTypes(body).includes("workflow-completed"),
      "the first referral decided",
    );
    expect(file.deadlineBreached).toBe(false);
    // The other referral still waits, its link still open.
    expect((await getJson(`${running.apiUrl}/referrals/${second.referralId}`)).body.status).toBe(
      "awaiting-assessment",
    );
    expect((await fetchAs(staff, on(running, second.taskLink))).status).toBe(200);
    const letters = (await emailsOf(running, first.referralId)).flatMap((email) => email.destination.to);

    console.log(
      [
        "restart on the same data directory:",
        `  referrals: 2 awaiting assessment, their task emails sent (${first.taskEmails.length + second.taskEmails.length}) before the stop`,
        `  fault: the stack stopped and started again in the process (${lines.join("\n").match(/resumed (\d+) execution/)?.[1] ?? "?"} executions resumed, simulated clock on from where it stopped, ${Math.round(clockOnMs / 1000)} s later)`,
        `  outcomes: links opened after the restart 2 of 2; task emails again 0; reminders ${reminders.length} (${remindedLinks.size} links, the old ones); decision after the restart 200, letters ${letters.length} (${[...new Set(letters)].length} recipients), duplicate letters ${letters.length - new Set(letters).size}`,
      ].join("\n"),
    );
    expect(letters.length).toBe(new Set(letters).size);
  });
});
