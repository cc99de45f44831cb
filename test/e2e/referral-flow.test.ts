/**
 * End to end on the local default: the same synthesized state machine, the same handlers, DynamoDB
 * Local, the SES emulator and the local Step Functions endpoint, driven over HTTP only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { formatNorwegianDate } from "../../functions/views/norwegian-time";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  daysFromNow,
  emailsOf,
  eventTypes,
  gpEmail,
  intakeTeam,
  lead,
  letterText,
  mailboxSize,
  newEmails,
  notifiedTaskIdOf,
  ofSubject,
  ownGpHpr,
  patientEmail,
  patientNationalId,
  referralFile,
  referrerEmail,
  referrerHpr,
  signInAsAssessor,
  submitAndAwaitTask,
  withOwnGp,
  withPatient,
  workingDayFromNow,
} from "../support/e2e";
import {
  csrfTokenIn,
  eventually,
  fetchAs,
  type MailboxEmail,
  postDecisionForm,
  postDecisionJson,
  type SignedIn,
  sampleReferral,
  submitReferral,
  taskLinkIn,
} from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

let stack: LocalStack;
/** A signed-in assessor: task pages need a session. */
let staff: SignedIn;

beforeAll(async () => {
  stack = await sharedLocalStack({ empty: true });
  staff = await signInAsAssessor(stack);
});

async function lettersTo(referralId: string) {
  const ofReferral = await emailsOf(stack, referralId);
  return {
    referrer: ofReferral.find((email) => email.destination.to.includes(referrerEmail)),
    patient: ofReferral.find((email) => email.destination.to.includes(patientEmail)),
    gp: ofReferral.find((email) => email.destination.to.includes(gpEmail)),
  };
}

/** The letters to the referrer, the patient and (when the GP is someone else) the GP. */
async function awaitLetters(referralId: string, withGp = true) {
  return eventually(async () => {
    const letters = await lettersTo(referralId);
    return letters.referrer && letters.patient && (letters.gp || !withGp)
      ? (letters as Record<keyof typeof letters, MailboxEmail>)
      : undefined;
  }, "the decision letters");
}

async function awaitStatus(referralId: string, status: string) {
  return eventually(async () => {
    const body = await referralFile(stack, String(referralId));
    const completed = (body.events as { type: string }[] | undefined)?.some(
      (e) => e.type === "workflow-completed",
    );
    return body.status === status && completed ? body : undefined;
  }, `referral ${status}`);
}

describe("a referral travels from the portal to the letters on the local stack", () => {
  it("grants a right: task email without health data, task page, decision, letters to referrer, patient and GP", async () => {
    // Prepare
    const referral = withOwnGp(withPatient("Astrid Granberg"));
    const { receipt, referralId, taskEmails, taskLink } = await submitAndAwaitTask(
      stack,
      referral,
      "grant-1",
    );
    expect(receipt.status).toBe("received");
    expect(receipt.assessmentDueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(receipt.missingContent).toEqual(["dependency", "substanceUse", "previousInvestigations"]);

    // The staff email is a neutral message with a link: no name, national ID, diagnosis or referral text.
    for (const email of taskEmails) {
      const everything = `${email.subject}\n${email.body.text}\n${email.body.html}`;
      expect(everything).not.toContain("Astrid");
      expect(everything).not.toContain("Granberg");
      expect(everything).not.toContain("15038512282");
      expect(everything).not.toContain("L18");
      expect(everything).not.toContain("Muskelsmerter");
      expect(everything).not.toContain("muskel- og skjelettsmerter");
      expect(everything).toContain(taskLink);
    }

    const careDeadline = workingDayFromNow(60);

    // Act: the clinician opens the page twice (opening changes nothing) and grants.
    // The form carries the task's anti-forgery token, as a browser would post it back.
    const page = await fetchAs(staff, taskLink);
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    expect(pageHtml).toContain("Astrid Granberg");
    const csrfToken = csrfTokenIn(pageHtml);
    expect(csrfToken).not.toBe("");
    expect((await fetchAs(staff, taskLink)).status).toBe(200);
    const decided = await postDecisionForm(
      taskLink,
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: careDeadline,
        plannedStart: daysFromNow(30),
        assessedBy: "1234567",
        csrfToken,
      },
      staff,
    );

    // Assess
    expect(decided.status).toBe(200);
    const letters = await awaitLetters(referralId);
    // Each email is a notice with a link; each recipient reads the letter after signing in.
    const read = {
      referrer: await letterText(stack, letters.referrer, referrerHpr),
      patient: await letterText(stack, letters.patient, patientNationalId),
      gp: await letterText(stack, letters.gp, ownGpHpr),
    };
    expect(read.referrer).toContain("rett til nødvendig helsehjelp");
    expect(read.referrer).toContain(formatNorwegianDate(careDeadline));
    expect(read.patient).toContain("Kopi til pasient");
    expect(read.gp).toContain("Kopi til fastlege");
    for (const text of Object.values(read)) {
      expect(text).toContain("Statsforvalteren");
      expect(text).toContain("Astrid Granberg");
      expect(text).not.toContain("15038512282");
    }
    for (const letter of Object.values(letters)) {
      const everything = `${letter.body.text}${letter.body.html}${letter.subject}`;
      expect(everything).not.toContain("15038512282");
      expect(everything).not.toContain("Astrid");
      expect(everything).not.toContain("nødvendig helsehjelp");
    }

    const file = await awaitStatus(referralId, "decided");
    expect(file.decision).toMatchObject({
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: careDeadline,
    });
    expect((file.letters as { status: string }[]).map((l) => l.status)).toEqual(["sent", "sent", "sent"]);
    expect((file.events as { type: string }[]).map((e) => e.type)).toEqual(
      expect.arrayContaining([
        "referral-received",
        "intake-planned",
        "assessment-task-created",
        "assessors-notified",
        "decision-submitted",
        "decision-recorded",
        "letter-sent",
        "workflow-completed",
      ]),
    );

    // A reused link is gone, for the page and for another decision.
    expect((await fetchAs(staff, taskLink)).status).toBe(410);
    const again = await postDecisionJson(
      taskLink,
      {
        outcome: "refused",
        justification: "x",
        advice: "y",
        assessedBy: "1234567",
      },
      staff,
    );
    expect(again.status).toBe(410);
  });

  it("refuses with a justification and advice that reach every letter, one per person", async () => {
    // Prepare
    const { referralId, taskLink } = await submitAndAwaitTask(
      stack,
      withPatient("Bjørn Avslagsen"),
      "refuse-1",
    );

    // Act
    const decided = await postDecisionJson(
      taskLink,
      {
        outcome: "refused",
        justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
        advice: "Gradert aktivitet og fysioterapi med fokus på mestring.",
        assessedBy: "7654321",
      },
      staff,
    );

    // Assess
    expect(decided.status).toBe(200);
    // The sample's GP is the referrer: one letter per person, so no separate GP copy.
    const letters = await awaitLetters(referralId, false);
    expect(letters.gp).toBeUndefined();
    for (const [letter, identifier] of [
      [letters.referrer, referrerHpr],
      [letters.patient, patientNationalId],
    ] as const) {
      expect(letter.body.text).not.toContain("primærhelsetjenesten");
      const text = await letterText(stack, letter, identifier);
      expect(text).toContain("Tilstanden kan følges opp i primærhelsetjenesten.");
      expect(text).toContain("Gradert aktivitet og fysioterapi med fokus på mestring.");
    }
    const file = await awaitStatus(referralId, "decided");
    // The author is the signed-in assessor, whatever the body said in assessedBy.
    expect(file.decision).toMatchObject({ outcome: "refused", assessedBy: "Ola Haugen, psychologist" });
  });

  it("answers a portal retry with the same 202 and creates nothing new", async () => {
    // Prepare
    const referral = withPatient("Rune Retry");
    const { receipt } = await submitAndAwaitTask(stack, referral, "retry-1");
    const before = await mailboxSize(stack);
    const executionsBefore = stack.stepFunctions.engine.listExecutions(stack.stateMachineArn).length;

    // Act: the same body with its keys in another order is the same body.
    const reordered = Object.fromEntries(Object.entries(referral).reverse());
    const retry = await submitReferral(stack.apiUrl, reordered, "retry-1");

    // Assess
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(receipt);
    const body = await referralFile(stack, String(receipt.referralId));
    expect((body.events as { type: string }[]).filter((e) => e.type === "referral-received")).toHaveLength(1);
    // No workflow started for it (a POST starts its execution before answering), and so no email: the
    // file's other referrals are at rest (decided, or awaiting their decision), so any new email
    // within the second would be the retry's.
    expect(stack.stepFunctions.engine.listExecutions(stack.stateMachineArn)).toHaveLength(executionsBefore);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await newEmails(stack, before)).toEqual([]);
  });

  it("answers 409 to the same key with another body", async () => {
    const first = await submitReferral(stack.apiUrl, withPatient("Kari Konflikt"), "conflict-1");
    expect(first.status).toBe(202);

    const second = await submitReferral(stack.apiUrl, withPatient("Kari Annen"), "conflict-1");

    expect(second.status).toBe(409);
    expect(second.body.error).toBe("idempotency_conflict");
  });

  it("rejects a bad national ID with 400 naming patient.nationalId and writes nothing", async () => {
    // Prepare: a check digit off by one.
    const referral = sampleReferral();
    referral.patient = { ...(referral.patient as object), nationalId: "15038512283" };

    // Act
    const rejected = await submitReferral(stack.apiUrl, referral, "bad-id-1");

    // Assess: the issue names the field and does not echo the number; the key stays unused.
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toBe("validation_failed");
    expect(rejected.body.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "patient.nationalId" })]),
    );
    expect(JSON.stringify(rejected.body)).not.toContain("15038512283");
    const valid = await submitReferral(stack.apiUrl, sampleReferral(), "bad-id-1");
    expect(valid.status).toBe(202);
  });

  it("answers invalid JSON, a wrong content type and an oversized body with clear 4xx", async () => {
    const invalid = await submitReferral(stack.apiUrl, "{not json", "bad-json-1");
    expect(invalid).toMatchObject({ status: 400, body: { error: "invalid_json" } });

    const wrongType = await fetch(`${stack.apiUrl}/referrals`, {
      method: "POST",
      headers: { "content-type": "text/plain", "idempotency-key": "bad-type-1" },
      body: "hello",
    });
    expect(wrongType.status).toBe(415);

    const huge = sampleReferral();
    huge.reason = "x".repeat(300 * 1024);
    expect((await submitReferral(stack.apiUrl, huge, "huge-1")).status).toBe(413);
  });
});

describe("the legal clock on the local stack", () => {
  it("marks an urgent referral's staff emails Haster, still without health data", async () => {
    // Prepare: other referrals' task emails may still arrive; these are told apart by the subject.
    const before = await mailboxSize(stack);
    const referral = { ...withPatient("Una Urgentsen"), priority: "urgent" };

    // Act
    const receipt = await submitReferral(stack.apiUrl, referral, "urgent-1");

    // Assess
    expect(receipt.status).toBe(202);
    const taskEmails = await eventually(async () => {
      const emails = ofSubject(
        await newEmails(stack, before),
        "Haster: En ny henvisning venter på vurdering",
      );
      return emails.length === intakeTeam.length ? emails : undefined;
    }, "the urgent task emails");
    for (const email of taskEmails) {
      expect(email.body.text).toContain("Henvisningen haster.");
      const everything = `${email.subject}\n${email.body.text}\n${email.body.html}`;
      expect(everything).not.toContain("Urgentsen");
      expect(everything).not.toContain("15038512282");
      expect(everything).not.toContain("Muskelsmerter");
    }
  });

  /** Posts the task page's secondary-confirmation form, as a signed-in browser does. */
  async function confirmSecondaryByForm(taskLink: string, sameCondition: "yes" | "no") {
    const page = await fetchAs(staff, taskLink);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Sekundærhenvisning: samme tilstand?");
    expect(html).not.toContain('id="granted-form"');
    return fetchAs(staff, `${taskLink}/secondary`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(taskLink).origin },
      body: new URLSearchParams({ sameCondition, csrfToken: csrfTokenIn(html) }).toString(),
    });
  }

  it("acknowledges a secondary referral and closes it once staff confirm it concerns the same condition", async () => {
    // Prepare: the portal's label alone decides nothing; the team gets a task link.
    const referral = {
      ...withPatient("Siri Sekundær"),
      kind: "secondary",
      previousDecisionRef: "SAK-2024-117",
    };
    const { referralId, taskLink } = await submitAndAwaitTask(stack, referral, "secondary-1");
    const before = await mailboxSize(stack);
    expect((await referralFile(stack, referralId)).status).toBe("received");

    // Act
    const confirmed = await confirmSecondaryByForm(taskLink, "yes");

    // Assess
    expect(confirmed.status).toBe(200);
    // The referral closes in one step and its task expires in a later one: wait for both.
    const file = await awaitFile(
      stack,
      referralId,
      (body) =>
        body.status === "closed" &&
        (body.tasks as { state: string }[]).every((task) => task.state === "expired"),
      "the referral closed and its task expired",
    );
    expect(eventTypes(file)).toEqual(
      expect.arrayContaining(["secondary-confirmed", "letter-sent", "secondary-acknowledged"]),
    );
    expect((file.tasks as { state: string }[]).map((task) => task.state)).toEqual(["expired"]);
    const emails = (await newEmails(stack, before)).filter((email) => email.subject.includes(referralId));
    expect(emails.map((email) => email.destination.to[0])).toEqual([referrerEmail]);
    expect(emails[0]?.subject).toBe(`Bekreftelse på mottatt henvisning (ref. ${referralId})`);
    expect(emails[0]?.body.text).not.toContain("SAK-2024-117");
    expect(await letterText(stack, emails[0] as MailboxEmail, referrerHpr)).toContain("SAK-2024-117");
    expect((await fetchAs(staff, taskLink)).status).toBe(410);
  });

  it("assesses a secondary referral as new, through the same link, when staff say it is another condition", async () => {
    // Prepare
    const referral = {
      ...withPatient("Sverre Sekundær"),
      kind: "secondary",
      previousDecisionRef: "SAK-2024-118",
    };
    const { referralId, taskLink } = await submitAndAwaitTask(stack, referral, "secondary-2");

    // Act
    const answered = await confirmSecondaryByForm(taskLink, "no");

    // Assess: planned like a new referral, with the normal deadline, and the page now takes a decision.
    expect(answered.status).toBe(200);
    const file = await awaitFile(
      stack,
      referralId,
      (body) => body.status === "awaiting-assessment",
      "the referral assessed as new",
    );
    expect(file.assignment).toBeDefined();
    expect(eventTypes(file)).toEqual(expect.arrayContaining(["secondary-confirmed", "intake-planned"]));
    expect(eventTypes(file)).not.toContain("secondary-acknowledged");
    const page = await eventually(async () => {
      const html = await (await fetchAs(staff, taskLink)).text();
      return html.includes('id="granted-form"') ? html : undefined;
    }, "the decision forms on the same task page");
    expect(page).not.toContain("Sekundærhenvisning: samme tilstand?");
    const decided = await postDecisionJson(
      taskLink,
      {
        outcome: "refused",
        justification: "Ikke behov for tverrfaglig behandling nå.",
        advice: "Fastlegen følger opp med fysioterapi.",
      },
      staff,
    );
    expect(decided.status).toBe(200);
    await awaitFile(
      stack,
      referralId,
      (body) => body.status === "closed" || body.status === "decided",
      "the decision",
    );
  });

  it("counts a forward from its ansiennitetsdato: at risk on arrival, reminded, breached, escalated, and still decided", async () => {
    // Prepare: first received in the specialist health service a month ago, so every timer fires at once.
    const before = await mailboxSize(stack);
    const referral = {
      ...withPatient("Frode Videresendt"),
      kind: "forwarded",
      originalReceivedDate: daysFromNow(-30),
      previousInstitution: "Sykehuset Innlandet",
    };

    // Act
    const receipt = await submitReferral(stack.apiUrl, referral, "forwarded-1");
    const referralId = String(receipt.body.referralId);
    const breached = await awaitFile(
      stack,
      referralId,
      (body) => eventTypes(body).filter((type) => type === "assessment-task-rearmed").length >= 2,
      "the breach and the wait after it",
    );

    // Assess: the due date counts from the ansiennitetsdato, and it has passed.
    expect(String(receipt.body.assessmentDueDate) < daysFromNow(0)).toBe(true);
    expect(breached).toMatchObject({ deadlineBreached: true, atRisk: true, status: "awaiting-assessment" });
    expect(eventTypes(breached)).toEqual(
      expect.arrayContaining(["deadline-at-risk", "assessors-reminded", "deadline-breached", "escalated"]),
    );
    const emails = await newEmails(stack, before);
    const [alert] = ofSubject(emails, "En henvisning har kort frist for vurdering");
    // This referral's task emails: those with the link to its task (an earlier test's referral may
    // still be emailing its own task, under the same subject).
    const taskId = notifiedTaskIdOf(breached) as string;
    const tasks = ofSubject(emails, "En ny henvisning venter på vurdering").filter((email) =>
      (email.body.text ?? "").includes(`/tasks/${taskId}`),
    );
    const reminders = ofSubject(emails, "Påminnelse: en henvisning venter fortsatt på vurdering");
    const [escalation] = ofSubject(emails, "Fristen for vurdering av en henvisning er passert");
    expect(alert?.destination.to).toEqual([lead]);
    expect(tasks.map((email) => email.destination.to[0]).sort()).toEqual([...intakeTeam].sort());
    expect(reminders.map((email) => email.destination.to[0]).sort()).toEqual([...intakeTeam].sort());
    expect(escalation?.destination.to).toEqual([lead]);
    const link = taskLinkIn(tasks[0] as MailboxEmail);
    expect(taskLinkIn(reminders[0] as MailboxEmail)).toBe(link);
    expect(taskLinkIn(escalation as MailboxEmail)).toBe(link);
    for (const email of [alert, ...tasks, ...reminders, escalation]) {
      expect(`${email?.subject}${email?.body.text}${email?.body.html}`).not.toContain("Videresendt");
    }

    // Act: a decision after the breach, through the same link.
    const decided = await postDecisionJson(
      link,
      {
        outcome: "refused",
        justification: "Kan følges opp i primærhelsetjenesten.",
        advice: "Fysioterapi med fokus på mestring.",
        assessedBy: "7654321",
      },
      staff,
    );

    // Assess
    expect(decided.status).toBe(200);
    const letters = await awaitLetters(referralId, false);
    expect(await letterText(stack, letters.referrer, referrerHpr)).toContain(
      "Kan følges opp i primærhelsetjenesten.",
    );
    const file = await awaitStatus(referralId, "decided");
    expect(file.deadlineBreached).toBe(true);
    expect((await fetchAs(staff, link)).status).toBe(410);
  });
});
