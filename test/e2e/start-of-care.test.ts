/**
 * End to end on the local default with simulated time: what follows a granted right when its start
 * of care cannot be kept, over HTTP only. Nothing reaches the patient before the clinic has told
 * Helfo: the "Varsel om fristbrudd" goes out when the Helfo notice is marked reported, and says so.
 *
 * 1. A 13-year-old's right, granted Monday 2 March 2026 with the deadline Friday 17 April: the lead
 *    is reminded on Tuesday 31 March (the Easter holidays do not count), an assessor records that the
 *    start cannot be kept, the notice is on the clerk's list at once (expected), the clerk marks it
 *    reported, and only then the patient's letter (and the parents' posted copy) goes out.
 * 2. Two adults' rights with the deadline Friday 29 May 2026 and the planned start Wednesday 20 May:
 *    after the planned start staff are asked to confirm it; one is confirmed with one click and keeps
 *    its deadline; for the other nobody records a start, so at the deadline it is a probable breach
 *    the lead is asked about, no notice and no letter, until the lead confirms it and the clerk marks
 *    the notice reported.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  eventTypes,
  lead,
  letterText,
  ofSubject,
  referralFile,
  signInAsAssessor,
  submitAndAwaitTask,
  withPatient,
} from "../support/e2e";
import {
  eventually,
  fetchAs,
  type MailboxEmail,
  mailbox,
  postDecisionJson,
  type SignedIn,
  signIn,
} from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

const MONDAY_0900_OSLO = "2026-03-02T08:00:00Z";
const CLERK = "kari.dahl@smerteklinikk.example";
const REMINDER_SUBJECT = "Påminnelse: frist for oppstart av helsehjelp nærmer seg";
const CONFIRM_START_SUBJECT = "Bekreft oppstart av helsehjelp";
const PROBABLE_BREACH_SUBJECT = "Bekreft: oppstart ikke registrert innen fristen";
/** A patient born 1 September 2012: 13 years old in spring 2026. */
const CHILD_NATIONAL_ID = "01091250043";

type Letter = { letterKind: string; recipientRole: string; channel: string; status: string };
type Notification = { referralId: string; status: string; expected?: boolean };

async function advanceClock(stack: LocalStack, to: string) {
  const response = await fetch(`${stack.clockUrl}/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ to }),
  });
  expect(response.status).toBe(200);
}

async function grant(
  stack: LocalStack,
  referral: Record<string, unknown>,
  key: string,
  dates: { startOfCareDeadline: string; plannedStart: string },
) {
  const { referralId, taskLink } = await submitAndAwaitTask(stack, referral, key);
  const decided = await postDecisionJson(
    taskLink,
    { outcome: "granted", careForm: "team", ...dates, assessedBy: "ingrid.lie@smerteklinikk.example" },
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

/**
 * A staff member's POST with the session's anti-forgery token: from the staff referral page's JSON,
 * or for the clerk (who does not read referrals) from the Helfo list's.
 */
async function postAsStaff(
  stack: LocalStack,
  session: SignedIn,
  referralId: string,
  url: string,
  body: unknown,
) {
  const source = url.includes("/helfo-notifications/")
    ? `${stack.apiUrl}/helfo-notifications`
    : `${stack.apiUrl}/staff/referrals/${referralId}`;
  const view = await fetchAs(session, source, { headers: { accept: "application/json" } });
  expect(view.status).toBe(200);
  const { csrfToken } = (await view.json()) as { csrfToken: string };
  return fetchAs(session, url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
    body: JSON.stringify(body),
  });
}

async function helfoList(stack: LocalStack, clerk: SignedIn): Promise<Notification[]> {
  const response = await fetchAs(clerk, `${stack.apiUrl}/helfo-notifications`, {
    headers: { accept: "application/json" },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { notifications: Notification[] }).notifications;
}

const breachLettersOf = (file: Record<string, unknown>) =>
  (file.letters as Letter[]).filter((letter) => letter.letterKind === "start-of-care-breach");

/** The staff emails with this subject that name the referral. */
async function staffEmails(stack: LocalStack, subject: string, referralId: string): Promise<MailboxEmail[]> {
  return ofSubject(await mailbox(stack.mailboxJsonUrl), subject).filter((email) =>
    (email.body.text ?? "").includes(referralId),
  );
}

/** The patient's notice of a new letter about this referral (the letter itself opens after sign-in). */
async function letterNotices(stack: LocalStack, referralId: string, to: string) {
  return (await mailbox(stack.mailboxJsonUrl)).filter(
    (email) =>
      email.subject === `Nytt brev om henvisningen din (ref. ${referralId})` &&
      email.destination.to[0] === to,
  );
}

describe("a start of care that cannot be kept, on simulated time", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack({
      clock: MONDAY_0900_OSLO,
      timeScale: 1,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("from a grant through the reminder, 'cannot be kept', the notice on the clerk's list and marked reported, to the patient's and the parents' letters, in that order", async () => {
    // Prepare: a 13-year-old's right, deadline Friday 17 April, planned start Wednesday 15 April.
    const child = withPatient("Ola Barnesen", "ola.barnesen@pasient.example");
    child.patient = { ...(child.patient as object), nationalId: CHILD_NATIONAL_ID };
    const referralId = await grant(stack, child, "breach-expected-child", {
      startOfCareDeadline: "2026-04-17",
      plannedStart: "2026-04-15",
    });

    // Act: to the reminder point, the start of Tuesday 31 March in Oslo.
    await advanceClock(stack, "2026-03-31T06:00:00Z");

    // Assess: the lead is asked to confirm the planned start or record that it cannot be kept.
    const [reminder] = await eventually(async () => {
      const emails = await staffEmails(stack, REMINDER_SUBJECT, referralId);
      return emails.length > 0 ? emails : undefined;
    }, "the start-of-care reminder");
    expect(reminder?.destination.to).toEqual([lead]);
    expect(reminder?.body.text).toContain("registrer på henvisningen at fristen ikke kan holdes");
    expect(`${reminder?.subject}${reminder?.body.text}`).not.toMatch(/Ola|Barnesen/);

    // Act: an assessor records that the start cannot be kept, with a reason.
    const assessor = await signInAsAssessor(stack);
    const expected = await postAsStaff(
      stack,
      assessor,
      referralId,
      `${stack.apiUrl}/referrals/${referralId}/start-of-care`,
      {
        breach: "expected",
        reason: "Ingen ledige timer i teamet før fristen på grunn av sykefravær",
      },
    );

    // Assess: recorded, and the notice is on the clerk's list at once, marked expected; no letter.
    expect(expected.status).toBe(200);
    expect(await expected.json()).toMatchObject({ startOfCare: { expectedBreach: true, breached: false } });
    const clerk = await signIn(stack, CLERK);
    expect((await helfoList(stack, clerk)).filter((n) => n.referralId === referralId)).toEqual([
      expect.objectContaining({ referralId, status: "to-report", expected: true }),
    ]);
    expect(breachLettersOf(await referralFile(stack, referralId))).toEqual([]);
    expect(await letterNotices(stack, referralId, "ola.barnesen@pasient.example")).toEqual([]);

    // Act: the next day the clerk reports it to Helfo and marks it reported.
    await advanceClock(stack, "2026-04-01T08:00:00Z");
    const marked = await postAsStaff(
      stack,
      clerk,
      referralId,
      `${stack.apiUrl}/helfo-notifications/${referralId}/reported`,
      {
        reportedOn: "2026-04-01",
      },
    );
    expect(marked.status).toBe(200);

    // Assess: now the patient's letter goes out by email, and the parents' copy waits for post.
    const file = await awaitFile(
      stack,
      referralId,
      (f) =>
        breachLettersOf(f).some((l) => l.recipientRole === "patient" && l.status === "sent") &&
        breachLettersOf(f).some((l) => l.recipientRole === "guardian" && l.status === "awaiting-postal"),
      "the patient's letter and the parents' copy",
    );
    expect(
      breachLettersOf(file)
        .map((l) => `${l.recipientRole}:${l.channel}`)
        .sort(),
    ).toEqual(["guardian:postal", "patient:email"]);
    const [notice] = await letterNotices(stack, referralId, "ola.barnesen@pasient.example");
    expect(notice?.body.text).not.toMatch(/fristbrudd|Ola|Barnesen/i);
    const text = notice ? await letterText(stack, notice, CHILD_NATIONAL_ID) : "";
    expect(text).toContain("Vi kan ikke sette i gang helsehjelpen innen denne fristen.");
    expect(text).toContain("Vi meldte fristbruddet til Helfo 1. april 2026");
    expect(text).toContain("23 32 70 03");
    expect(text).toContain("Du beholder plassen din på ventelisten");

    // In that order: reminded, expected, reported, and only then the letter.
    const types = eventTypes(file);
    const letterSent = (file.events as { type: string; details?: Record<string, unknown> }[]).findIndex(
      (e) => e.type === "letter-sent" && e.details?.letterKind === "start-of-care-breach",
    );
    const order = [
      types.indexOf("start-of-care-reminded"),
      types.indexOf("start-of-care-breach-expected"),
      types.indexOf("helfo-reported"),
      letterSent,
    ];
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  }, 180_000);

  it("a planned start that passes with no start recorded: staff asked to confirm, a probable breach at the deadline, and no notice or letter until the lead confirms and the clerk reports", async () => {
    // Prepare: two adults' rights, deadline Friday 29 May 2026, planned start Wednesday 20 May.
    const dates = { startOfCareDeadline: "2026-05-29", plannedStart: "2026-05-20" };
    const missed = await grant(
      stack,
      withPatient("Mona Manglet", "mona@pasient.example"),
      "breach-missed",
      dates,
    );
    const kept = await grant(
      stack,
      withPatient("Stig Startet", "stig@pasient.example"),
      "breach-kept",
      dates,
    );

    // Act: to the working day after the planned start.
    await advanceClock(stack, "2026-05-21T06:00:00Z");

    // Assess: staff are asked to confirm the start of each; the page offers it with the date prefilled.
    await eventually(async () => {
      const emails = await staffEmails(stack, CONFIRM_START_SUBJECT, missed);
      return emails.length > 0 ? emails : undefined;
    }, "the request to confirm the start");
    const assessor = await signInAsAssessor(stack);
    const page = await (await fetchAs(assessor, `${stack.apiUrl}/staff/referrals/${kept}`)).text();
    expect(page).toContain('<input type="hidden" name="startedOn" value="2026-05-20">');

    // Act: the one click for one of them.
    const confirmed = await postAsStaff(
      stack,
      assessor,
      kept,
      `${stack.apiUrl}/referrals/${kept}/start-of-care`,
      {
        startedOn: "2026-05-20",
      },
    );
    expect(confirmed.status).toBe(200);

    // Act: past the end of the deadline day.
    await advanceClock(stack, "2026-05-30T06:00:00Z");

    // Assess: the one without a start is a probable breach, put to the lead; nothing is filed or sent.
    const probable = await awaitFile(
      stack,
      missed,
      (file) => (file.startOfCare as { probableBreach?: boolean }).probableBreach === true,
      "the probable breach",
    );
    expect(probable.startOfCare).toMatchObject({ breached: false, startedOn: null });
    const [question] = await eventually(async () => {
      const emails = await staffEmails(stack, PROBABLE_BREACH_SUBJECT, missed);
      return emails.length > 0 ? emails : undefined;
    }, "the lead asked to confirm");
    expect(question?.destination.to).toEqual([lead]);
    const clerk = await signIn(stack, CLERK);
    expect((await helfoList(stack, clerk)).some((n) => n.referralId === missed)).toBe(false);
    expect(breachLettersOf(probable)).toEqual([]);
    expect(await letterNotices(stack, missed, "mona@pasient.example")).toEqual([]);
    // The one confirmed kept its deadline.
    const keptFile = await awaitFile(
      stack,
      kept,
      (file) => eventTypes(file).includes("start-of-care-kept"),
      "the kept deadline",
    );
    expect(keptFile.startOfCare).toMatchObject({
      startedOn: "2026-05-20",
      breached: false,
      probableBreach: false,
    });

    // Act: an assessor may not confirm the breach; the lead does.
    const confirmUrl = `${stack.apiUrl}/referrals/${missed}/start-of-care`;
    expect((await postAsStaff(stack, assessor, missed, confirmUrl, { breach: "confirmed" })).status).toBe(
      403,
    );
    const theLead = await signIn(stack, lead);
    const breach = await postAsStaff(stack, theLead, missed, confirmUrl, { breach: "confirmed" });

    // Assess: the notice is on the list; still no letter.
    expect(breach.status).toBe(200);
    expect(await breach.json()).toMatchObject({ startOfCare: { breached: true, probableBreach: false } });
    expect((await helfoList(stack, clerk)).filter((n) => n.referralId === missed)).toEqual([
      expect.objectContaining({ status: "to-report" }),
    ]);
    expect(breachLettersOf(await referralFile(stack, missed))).toEqual([]);

    // Act: the clerk reports it to Helfo.
    const marked = await postAsStaff(
      stack,
      clerk,
      missed,
      `${stack.apiUrl}/helfo-notifications/${missed}/reported`,
      {
        reportedOn: "2026-05-30",
      },
    );
    expect(marked.status).toBe(200);

    // Assess: the patient's letter, saying it was reported that day; an adult's, so no parents' copy.
    const [notice] = await eventually(async () => {
      const notices = await letterNotices(stack, missed, "mona@pasient.example");
      return notices.length > 0 ? notices : undefined;
    }, "the patient's letter");
    const text = notice ? await letterText(stack, notice, "15038512282") : "";
    expect(text).toContain("Helsehjelpen er ikke satt i gang innen fristen.");
    expect(text).toContain("Vi meldte fristbruddet til Helfo 30. mai 2026");
    const letters = breachLettersOf(await referralFile(stack, missed));
    expect(letters.map((l) => l.recipientRole)).toEqual(["patient"]);
  }, 240_000);
});
