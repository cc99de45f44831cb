/**
 * End to end on the local default with simulated time: the start of care after a granted right. Two
 * referrals are granted on Monday 2 March 2026 with the start-of-care deadline Friday 17 April 2026.
 * The clinic lead is reminded at the start of the 10th working day before it (Tuesday 31 March: the
 * Easter holidays of 2, 3 and 6 April do not count). Staff record that care started for one of them;
 * the other passes its deadline without a start: a fristbrudd, with the Helfo notification (in the
 * JSON and CSV export), the patient's letter and the breach on `startOfCare`. Over HTTP only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  emailsOf,
  eventTypes,
  lead,
  letterText,
  ofSubject,
  patientNationalId,
  referralFile,
  signInAsAssessor,
  submitAndAwaitTask,
  withPatient,
} from "../support/e2e";
import { eventually, fetchAs, getJson, mailbox, postDecisionJson, signIn } from "../support/http";

const MONDAY_0900_OSLO = "2026-03-02T08:00:00Z";
const DEADLINE = "2026-04-17";
const DEADLINE_END = "2026-04-17T21:59:59.999Z";
const REMINDER_SUBJECT = "Påminnelse: frist for oppstart av helsehjelp nærmer seg";

async function advanceClock(stack: LocalStack, to: string) {
  const response = await fetch(`${stack.clockUrl}/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ to }),
  });
  expect(response.status).toBe(200);
}

async function grant(stack: LocalStack, patientName: string, email: string, key: string) {
  const { referralId, taskLink } = await submitAndAwaitTask(stack, withPatient(patientName, email), key);
  const decided = await postDecisionJson(
    taskLink,
    {
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: DEADLINE,
      plannedStart: "2026-04-01",
      assessedBy: "ingrid.lie@smerteklinikk.example",
    },
    await signInAsAssessor(stack),
  );
  expect(decided.status).toBe(200);
  await awaitFile(
    stack,
    referralId,
    (file) => eventTypes(file).includes("workflow-completed"),
    "the letters out",
  );
  return referralId;
}

describe("the start of care on simulated time", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      quiet: true,
      clock: MONDAY_0900_OSLO,
      timeScale: 1,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("from a granted right past a missed start-of-care deadline to the Helfo notification and the patient's letter", async () => {
    // Prepare: two granted rights with the same deadline.
    const missed = await grant(stack, "Mona Manglet", "mona@pasient.example", "start-of-care-missed");
    const kept = await grant(stack, "Stig Startet", "stig@pasient.example", "start-of-care-kept");
    const before = (await getJson(`${stack.apiUrl}/referrals/${missed}`)).body;
    expect(before.startOfCare).toEqual({
      deadline: DEADLINE,
      plannedStart: "2026-04-01",
      startedOn: null,
      breached: false,
    });

    // Act: to the reminder point, the start of Tuesday 31 March in Oslo.
    await advanceClock(stack, "2026-03-31T06:00:00Z");

    // Assess: the lead is reminded of each, neutrally.
    const reminders = await eventually(async () => {
      const emails = ofSubject(await mailbox(stack.mailboxJsonUrl), REMINDER_SUBJECT);
      return emails.length === 2 ? emails : undefined;
    }, "the start-of-care reminders");
    expect(reminders.map((email) => email.destination.to[0])).toEqual([lead, lead]);
    for (const email of reminders)
      expect(`${email.body.text}${email.subject}`).not.toMatch(/Mona|Stig|Manglet/);

    // Act: care starts for one of them on 1 April, and staff record it.
    await advanceClock(stack, "2026-04-01T10:00:00Z");
    const startOfCareUrl = `${stack.apiUrl}/referrals/${kept}/start-of-care`;
    const start = JSON.stringify({ startedOn: "2026-04-01" });
    // A portal (an unsigned request is the local default portal) and a browser without a session
    // cannot record it; the assessor does, with the session's token from the staff referral page.
    const fromPortal = await fetch(startOfCareUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: start,
    });
    expect(fromPortal.status).toBe(401);
    const assessor = await signInAsAssessor(stack);
    const staffView = await fetchAs(assessor, `${stack.apiUrl}/staff/referrals/${kept}`, {
      headers: { accept: "application/json" },
    });
    expect(staffView.status).toBe(200);
    const { csrfToken } = (await staffView.json()) as { csrfToken: string };
    const recorded = await fetchAs(assessor, startOfCareUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
      body: start,
    });
    expect(recorded.status).toBe(200);
    expect(await recorded.json()).toMatchObject({
      startOfCare: { startedOn: "2026-04-01", breached: false },
    });

    // Act: past the end of the deadline day.
    await advanceClock(stack, "2026-04-18T06:00:00Z");

    // Assess: the missed one is a fristbrudd with one Helfo notification and the patient's letter.
    const breached = await awaitFile(
      stack,
      missed,
      (file) => (file.startOfCare as { breached?: boolean } | undefined)?.breached === true,
      "the fristbrudd",
    );
    expect(breached.startOfCare).toEqual({
      deadline: DEADLINE,
      plannedStart: "2026-04-01",
      startedOn: null,
      breached: true,
    });
    const breachEvent = (breached.events as { type: string; at: string }[]).find(
      (e) => e.type === "start-of-care-breached",
    );
    expect(Date.parse(String(breachEvent?.at))).toBeGreaterThan(Date.parse(DEADLINE_END));
    const letter = await eventually(async () => {
      const emails = (await emailsOf(stack, missed)).filter((email) =>
        email.subject.startsWith("Nytt brev om henvisningen din"),
      );
      return emails.length > 0 ? emails : undefined;
    }, "the patient's letter about the missed start");
    expect(letter.map((email) => email.destination.to[0])).toEqual(["mona@pasient.example"]);
    expect(letter[0]?.body.text).not.toContain("fristbrudd");
    const text = letter[0] ? await letterText(stack, letter[0], patientNationalId) : "";
    expect(text).toContain("Sykehuset har meldt fristbruddet til Helfo.");
    expect(text).toContain("Helfo Pasientformidling");

    // The Helfo list is a clerk's (or the lead's): a portal or anonymous caller reads nothing.
    expect((await fetch(`${stack.apiUrl}/helfo-notifications`, { redirect: "manual" })).status).toBe(303);
    const clerk = await signIn(stack, "kari.dahl@smerteklinikk.example");
    const exported = await fetchAs(clerk, `${stack.apiUrl}/helfo-notifications`, {
      headers: { accept: "application/json" },
    });
    expect(exported.status).toBe(200);
    const notifications = ((await exported.json()) as { notifications: unknown[] }).notifications as {
      referralId: string;
      startOfCareDeadline: string;
    }[];
    expect(notifications.filter((n) => n.referralId === missed)).toHaveLength(1);
    expect(notifications.some((n) => n.referralId === kept)).toBe(false);
    expect(notifications.find((n) => n.referralId === missed)?.startOfCareDeadline).toBe(DEADLINE);
    const csv = await fetchAs(clerk, `${stack.apiUrl}/helfo-notifications`, {
      headers: { accept: "text/csv" },
    });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await csv.text()).split("\r\n").filter((row) => row.includes(missed))).toHaveLength(1);
    expect(notifications.find((n) => n.referralId === missed)).toMatchObject({ status: "to-report" });

    // Act: the clinic reports it to Helfo, and the lead records that (an assessor may not).
    const reportedUrl = `${stack.apiUrl}/helfo-notifications/${missed}/reported`;
    const mark = async (session: Awaited<ReturnType<typeof signIn>>) => {
      const view = await fetchAs(session, `${stack.apiUrl}/staff/referrals/${missed}`, {
        headers: { accept: "application/json" },
      });
      const { csrfToken: token } = (await view.json()) as { csrfToken: string };
      return fetchAs(session, reportedUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": token },
        body: JSON.stringify({ reportedOn: "2026-04-18" }),
      });
    };
    expect((await mark(assessor)).status).toBe(403);
    const theLead = await signIn(stack, lead);
    const marked = await mark(theLead);
    expect(marked.status).toBe(200);
    expect(await marked.json()).toEqual({
      referralId: missed,
      status: "reported",
      reportedOn: "2026-04-18",
      reportedBy: lead,
    });
    expect((await mark(theLead)).status).toBe(409);

    // Assess: the export carries the status, the date and who, in JSON and CSV.
    const after = (
      (await (
        await fetchAs(clerk, `${stack.apiUrl}/helfo-notifications`, {
          headers: { accept: "application/json" },
        })
      ).json()) as { notifications: { referralId: string }[] }
    ).notifications;
    expect(after.find((n) => n.referralId === missed)).toMatchObject({
      status: "reported",
      reportedOn: "2026-04-18",
      reportedBy: lead,
    });
    const csvAfter = await (
      await fetchAs(clerk, `${stack.apiUrl}/helfo-notifications`, { headers: { accept: "text/csv" } })
    ).text();
    const [header, ...rows] = csvAfter.split("\r\n");
    expect(header).toMatch(/"?status"?,"?reportedOn"?,"?reportedBy"?$/);
    expect(rows.find((row) => row.includes(missed))).toMatch(/"reported","2026-04-18","[^"]+"$/);
    expect(eventTypes(await referralFile(stack, missed))).toContain("helfo-reported");

    // Assess: the one that started in time kept its deadline.
    const keptFile = await awaitFile(
      stack,
      kept,
      (file) => eventTypes(file).includes("start-of-care-kept"),
      "the kept deadline",
    );
    expect(keptFile.startOfCare).toEqual({
      deadline: DEADLINE,
      plannedStart: "2026-04-01",
      startedOn: "2026-04-01",
      breached: false,
    });
  }, 120_000);
});
