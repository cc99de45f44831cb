/**
 * Every outcome end to end on the local default (same synthesized state machine and handlers,
 * DynamoDB Local, the SES emulator), driven over HTTP as a clinician's browser and operations would:
 * a forward, a forespørsel that keeps the task open, and a patient without email whose letter waits
 * on the postal list until it is marked posted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { formatNorwegianDate } from "../../functions/views/norwegian-time";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  daysFromNow,
  emailsOf,
  eventTypes,
  lead,
  letterText,
  patientEmail,
  patientNationalId,
  postForm,
  referralFile,
  referrerEmail,
  referrerHpr,
  signInAsAssessor,
  submitAndAwaitTask,
  workingDayFromNow,
} from "../support/e2e";
import { eventually, fetchAs, type SignedIn, sampleReferral, signIn } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

/** The clerk of cdk.json's `frist:staff`, who posts letters. */
const CLERK = "kari.dahl@smerteklinikk.example";

const completed = (file: Record<string, unknown>) => eventTypes(file).includes("workflow-completed");

let stack: LocalStack;
/** A signed-in assessor: task pages need a session. */
let staff: SignedIn;

beforeAll(async () => {
  stack = await sharedLocalStack();
  staff = await signInAsAssessor(stack);
});

describe("every outcome on the local stack", () => {
  it("forwards a referral: the referrer (the sample's GP too: one letter) and the patient learn where to, why, and that the ansiennitetsdato follows", async () => {
    // Prepare: itself a forward, first received in the specialist health service three days ago.
    const originalReceivedDate = daysFromNow(-3);
    const referral = {
      ...sampleReferral(),
      kind: "forwarded",
      originalReceivedDate,
      previousInstitution: "Sykehuset Innlandet",
    };
    const { referralId, taskLink } = await submitAndAwaitTask(stack, referral, "outcome-forward-1");
    const page = await (await fetchAs(staff, taskLink)).text();
    expect(page).toContain(`<dt>Ansiennitetsdato</dt><dd>${formatNorwegianDate(originalReceivedDate)}</dd>`);
    expect(page).toContain("Sykehuset Innlandet");

    // Act
    const decided = await postForm(
      taskLink,
      {
        outcome: "forwarded",
        forwardTo: "Smertesenteret, St. Olavs hospital",
        forwardToContact: "telefon 72 57 30 00",
        justification: "Pasienten bor nærmere St. Olavs hospital.",
        assessedBy: "1234567",
      },
      staff,
    );

    // Assess
    expect(decided.status).toBe(200);
    const file = await awaitFile(stack, referralId, completed, "the forward completed");
    expect(file).toMatchObject({
      status: "decided",
      decision: { outcome: "forwarded", forwardTo: "Smertesenteret, St. Olavs hospital" },
    });
    const letters = await emailsOf(stack, referralId);
    expect(letters.map((email) => email.destination.to[0]).sort()).toEqual(
      [referrerEmail, patientEmail].sort(),
    );
    for (const letter of letters) {
      expect(letter.body.text).not.toContain("St. Olavs");
      const text = await letterText(
        stack,
        letter,
        letter.destination.to[0] === patientEmail ? patientNationalId : referrerHpr,
      );
      expect(text).toContain("Henvisningen er sendt videre til Smertesenteret, St. Olavs hospital");
      expect(text).toContain("Pasienten bor nærmere St. Olavs hospital.");
      expect(text).toContain(
        `Ansiennitetsdatoen ${formatNorwegianDate(originalReceivedDate)} følger henvisningen til Smertesenteret`,
      );
      expect(text).toContain("telefon 72 57 30 00");
      // A forward decides no right: nothing to complain about here.
      expect(text).not.toContain("Statsforvalteren");
    }
    const patientsCopy = letters.find((l) => l.destination.to[0] === patientEmail);
    expect(patientsCopy && (await letterText(stack, patientsCopy, patientNationalId))).toContain(
      "Kopi til pasient",
    );
    expect((await fetchAs(staff, taskLink)).status).toBe(410);
  });

  it("asks the referrer for more information: the forespørsel goes out, the task stays open, and a later grant completes", async () => {
    // Prepare
    const { referralId, taskLink } = await submitAndAwaitTask(
      stack,
      sampleReferral(),
      "outcome-information-request-1",
    );

    // Act
    const asked = await postForm(
      taskLink,
      {
        outcome: "information-requested",
        question: "Hvilke legemidler er prøvd, og med hvilken effekt?",
        assessedBy: "1234567",
      },
      staff,
    );

    // Assess: the referrer, and only the referrer, got the forespørsel; the task and the clock go on.
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain(
      "Forespørselen er sendt. Oppgaven er fortsatt åpen, og fristen løper.",
    );
    const forespørsel = await eventually(async () => {
      const found = await emailsOf(stack, referralId);
      return found.length > 0 ? found : undefined;
    }, "the forespørsel letter");
    expect(forespørsel.map((email) => email.destination.to)).toEqual([[referrerEmail]]);
    expect(forespørsel[0]?.subject).toBe(`Forespørsel om tilleggsopplysninger (ref. ${referralId})`);
    const [notice] = forespørsel;
    expect(notice?.body.text).not.toContain("legemidler");
    const asking = notice ? await letterText(stack, notice, referrerHpr) : "";
    expect(asking).toContain("Hvilke legemidler er prøvd, og med hvilken effekt?");
    expect(asking).toContain("Fristen for vurdering løper som før");
    expect((await fetchAs(staff, taskLink)).status).toBe(200);

    // Act: a second question while the first is open is refused; nothing more goes to the referrer.
    const second = await postForm(
      taskLink,
      { outcome: "information-requested", question: "Foreligger det MR-bilder?" },
      staff,
    );
    expect(second.status).toBe(409);
    expect(await second.text()).toContain("En forespørsel er allerede åpen");
    const waiting = await referralFile(stack, referralId);
    expect(waiting.status).toBe("awaiting-assessment");
    expect(eventTypes(waiting)).toContain("information-requested");
    expect(waiting.letters).toEqual([
      expect.objectContaining({
        letterKind: "information-request",
        recipientRole: "referrer",
        status: "sent",
      }),
    ]);
    expect(eventTypes(waiting).filter((type) => type === "information-requested")).toHaveLength(1);
    expect(await emailsOf(stack, referralId)).toHaveLength(1);

    // Act: the answer came; the team grants through the same link.
    const careDeadline = workingDayFromNow(28);
    const decided = await postForm(
      taskLink,
      {
        outcome: "granted",
        careForm: "mapping-consultation",
        startOfCareDeadline: careDeadline,
        startNoticeBy: daysFromNow(14),
        assessedBy: "1234567",
      },
      staff,
    );

    // Assess
    expect(decided.status).toBe(200);
    const file = await awaitFile(stack, referralId, completed, "the grant completed");
    expect(file.decision).toMatchObject({ outcome: "granted", careForm: "mapping-consultation" });
    const answers = (await emailsOf(stack, referralId)).filter((email) =>
      /svar på henvisning/i.test(email.subject),
    );
    expect(answers.map((email) => email.destination.to[0]).sort()).toEqual(
      [referrerEmail, patientEmail].sort(),
    );
    const answer = answers.find((email) => email.destination.to[0] === referrerEmail);
    const answered = answer ? await letterText(stack, answer, referrerHpr) : "";
    expect(answered).toContain(formatNorwegianDate(careDeadline));
    expect(answered).toContain("kartleggingskonsultasjon");
  });

  it("refuses a form post without the page's token with 403 and records nothing", async () => {
    // Prepare
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "outcome-csrf-1");

    // Act: a cross-site form would post without the token (and from another origin).
    const forged = await fetchAs(staff, `${taskLink}/decision`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: new URLSearchParams({
        outcome: "refused",
        justification: "x",
        advice: "y",
        assessedBy: "1",
      }).toString(),
    });
    const noToken = await fetchAs(staff, `${taskLink}/decision`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        outcome: "refused",
        justification: "x",
        advice: "y",
        assessedBy: "1",
      }).toString(),
    });

    // Assess
    expect(forged.status).toBe(403);
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain("Skjemaet er utløpt");
    const file = await referralFile(stack, referralId);
    expect(eventTypes(file)).not.toContain("decision-submitted");
    expect((await fetchAs(staff, taskLink)).status).toBe(200);
  });

  it("lists a patient's letter without email for the signed-in clerk, who prints it and marks it sent", async () => {
    // Prepare: a patient with a postal address and no email.
    const referral = sampleReferral();
    const { email: _none, ...patient } = referral.patient as Record<string, unknown>;
    referral.patient = patient;
    const { referralId, taskLink } = await submitAndAwaitTask(stack, referral, "outcome-postal-1");
    const decided = await postForm(
      taskLink,
      {
        outcome: "refused",
        justification: "Kan følges opp i primærhelsetjenesten.",
        advice: "Fysioterapi med fokus på mestring.",
        assessedBy: "1234567",
      },
      staff,
    );
    expect(decided.status).toBe(200);
    await awaitFile(stack, referralId, completed, "the refusal completed");

    // Act: without a session the list shows nothing; the clerk signs in and lists the letters.
    const listUrl = `${stack.apiUrl}/letters?status=awaiting-postal`;
    const anonymous = await fetchAs(undefined, listUrl);
    const clerk = await signIn(stack, CLERK);
    const listed = await fetchAs(clerk, listUrl);

    // Assess: the patient's copy waits for post, with the address; the referrer (also the GP) got email.
    expect(anonymous.status).toBe(303);
    expect(await anonymous.text()).not.toContain("Storgata");
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { letters: Record<string, unknown>[]; csrfToken: string };
    const mine = body.letters.filter((l) => l.referralId === referralId);
    expect(mine).toEqual([
      {
        letterId: expect.any(String),
        referralId,
        letterKind: "decision",
        recipientRole: "patient",
        createdAt: expect.any(String),
        subject: `Kopi til pasient: svar på henvisning (ref. ${referralId})`,
        postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
      },
    ]);
    expect((await emailsOf(stack, referralId)).map((email) => email.destination.to[0]).sort()).toEqual([
      referrerEmail,
    ]);

    // Act: the clerk opens the page, prints the letter, posts it and marks it sent; without a
    // session or as an assessor the mark is refused; a second mark is refused too.
    const letterId = String(mine[0]?.letterId);
    const pageHtml = await (await fetchAs(clerk, listUrl, { headers: { accept: "text/html" } })).text();
    const printed = await fetchAs(clerk, `${stack.apiUrl}/letters/${letterId}/print`);
    const sentUrl = `${stack.apiUrl}/letters/${letterId}/sent`;
    const unauthenticated = await fetchAs(undefined, sentUrl, { method: "POST" });
    const asAssessor = await fetchAs(staff, sentUrl, {
      method: "POST",
      headers: { "x-csrf-token": body.csrfToken },
    });
    const withoutToken = await fetchAs(clerk, sentUrl, { method: "POST" });
    const marked = await fetchAs(clerk, sentUrl, {
      method: "POST",
      headers: { "x-csrf-token": body.csrfToken },
    });
    const again = await fetchAs(clerk, sentUrl, {
      method: "POST",
      headers: { "x-csrf-token": body.csrfToken },
    });

    // Assess
    expect(pageHtml).toContain(`letters/${letterId}/print`);
    expect(printed.status).toBe(200);
    expect(await printed.text()).toContain("Kari Nordmann");
    expect([unauthenticated.status, asAssessor.status, withoutToken.status]).toEqual([401, 403, 403]);
    expect(marked.status).toBe(200);
    expect(await marked.json()).toMatchObject({ letterId, status: "sent" });
    expect(again.status).toBe(409);
    const after = (await (await fetchAs(clerk, listUrl)).json()) as { letters: { referralId: string }[] };
    expect(after.letters.some((l) => l.referralId === referralId)).toBe(false);
    const leadSession = await signIn(stack, lead);
    const accessLog = (await (
      await fetchAs(leadSession, `${stack.apiUrl}/access-log/${referralId}`, {
        headers: { accept: "application/json" },
      })
    ).json()) as { events: { who: string; role: string; what: string; outcome: string }[] };
    expect(accessLog.events).toContainEqual(
      expect.objectContaining({ who: CLERK, role: "clerk", what: "postal-letter", outcome: "viewed" }),
    );
    const file = await referralFile(stack, referralId);
    expect(eventTypes(file)).toEqual(expect.arrayContaining(["letter-awaiting-postal", "letter-posted"]));
    expect(
      (file.events as { type: string; actor: { id: string } }[]).find((e) => e.type === "letter-posted")
        ?.actor.id,
    ).toBe(CLERK);
    expect(
      (file.letters as { recipientRole: string; status: string }[]).map((l) => [l.recipientRole, l.status]),
    ).toEqual(
      expect.arrayContaining([
        ["referrer", "sent"],
        ["patient", "sent"],
      ]),
    );
    expect(file.letters).toHaveLength(2);
  });
});
