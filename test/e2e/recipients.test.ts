/**
 * The letters' recipients on the local stack (the synthesized routes, DynamoDB Local, the SES
 * emulator, the local OpenID provider): every email the referral causes (the intake team's, and the
 * referrer's, the patient's and the GP's notices) is read back from the SES emulator and holds no
 * patient name, national ID, birth date or decision text; each recipient reads their letter after
 * signing in as who they are, another patient is refused, and the lead sees every read in the
 * referral's access log.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AccessEvent } from "../../functions/domain/access-log";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  eventTypes,
  gpEmail,
  lead,
  letterText,
  ownGpHpr,
  patientEmail,
  patientNationalId,
  postForm,
  readLetterAs,
  referrerEmail,
  referrerHpr,
  signInAsAssessor,
  submitAndAwaitTask,
  withOwnGp,
  withPatient,
} from "../support/e2e";
import {
  eventually,
  fetchAs,
  letterLinkIn,
  type MailboxEmail,
  mailbox,
  type SignedIn,
  signIn,
} from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

const PATIENT_NAME = "Ingeborg Sæther";
const QUESTION = "Hvilke opioider har Ingeborg brukt det siste året?";
const JUSTIFICATION = "Fibromyalgien kan følges opp i primærhelsetjenesten med god effekt.";
const ADVICE = "Gradert trening i varmtvannsbasseng to ganger i uken.";
/** What no email may carry: the patient, the birth date (15 March 1985), the diagnosis, the decision. */
const NEVER_IN_EMAIL = [
  "Ingeborg",
  "Sæther",
  patientNationalId,
  "150385",
  "15. mars 1985",
  "1985-03-15",
  "15.03.1985",
  "Muskelsmerter",
  "L18",
  "opioider",
  "Fibromyalgien",
  "primærhelsetjenesten",
  "varmtvannsbasseng",
  "avslag",
  "Avslag",
  "rett til nødvendig helsehjelp",
];

let stack: LocalStack;
let staff: SignedIn;
let referralId: string;
let emails: MailboxEmail[];

beforeAll(async () => {
  stack = await sharedLocalStack({ empty: true });
  staff = await signInAsAssessor(stack);

  // A referral with a GP of their own: the team asks the referrer a question, then refuses.
  const submitted = await submitAndAwaitTask(stack, withOwnGp(withPatient(PATIENT_NAME)), "recipients-1");
  referralId = submitted.referralId;
  const asked = await postForm(
    submitted.taskLink,
    { outcome: "information-requested", question: QUESTION },
    staff,
  );
  expect(asked.status).toBe(200);
  const refused = await postForm(
    submitted.taskLink,
    { outcome: "refused", justification: JUSTIFICATION, advice: ADVICE },
    staff,
  );
  expect(refused.status).toBe(200);
  await awaitFile(
    stack,
    referralId,
    (file) => eventTypes(file).includes("workflow-completed"),
    "the refusal's letters sent",
  );
  emails = await eventually(async () => {
    const all = await mailbox(stack.mailboxJsonUrl);
    const to = all.flatMap((email) => email.destination.to);
    return [referrerEmail, patientEmail, gpEmail].every((address) => to.includes(address)) ? all : undefined;
  }, "the notices to the referrer, the patient and the GP");
}, 180_000);

/** The emails to one address, about this referral. */
const to = (address: string) => emails.filter((email) => email.destination.to.includes(address));

describe("what the emails of a referral carry", () => {
  it("reach the intake team and the letters' recipients, from the SES emulator", () => {
    expect(to(referrerEmail)).toHaveLength(2); // the forespørsel and the answer
    expect(to(patientEmail)).toHaveLength(1);
    expect(to(gpEmail)).toHaveLength(1);
    const staffEmails = emails.filter(
      (email) => ![referrerEmail, patientEmail, gpEmail].includes(email.destination.to[0] ?? ""),
    );
    expect(staffEmails.length).toBeGreaterThan(0);
  });

  it("hold no patient name, national ID, birth date, diagnosis or decision text: not to staff, the patient, the referrer or the GP", () => {
    for (const email of emails) {
      const everything = `${email.subject}\n${email.body.text ?? ""}\n${email.body.html ?? ""}`;
      for (const secret of NEVER_IN_EMAIL) {
        expect(everything, `"${email.subject}" to ${email.destination.to[0]}`).not.toContain(secret);
      }
      expect(everything).not.toMatch(/\b\d{11}\b/);
    }
  });

  it("give each recipient a link of their own, whose URL holds nothing but the reference and a random id", () => {
    const links = [...to(referrerEmail), ...to(patientEmail), ...to(gpEmail)].map(letterLinkIn);
    expect(new Set(links).size).toBe(4);
    for (const link of links) {
      expect(link).toMatch(new RegExp(`/inbox/${referralId}\\.[A-Za-z0-9_-]{24}$`));
    }
  });
});

describe("reading the letters after sign-in", () => {
  it("shows the patient, signed in by national ID, the copy with the decision and its justification", async () => {
    const [notice] = to(patientEmail);
    const text = await letterText(stack, notice as MailboxEmail, patientNationalId);
    expect(text).toContain("Kopi til pasient");
    expect(text).toContain(`Gjelder: ${PATIENT_NAME}, født 15. mars 1985`);
    expect(text).toContain(JUSTIFICATION);
    expect(text).toContain(ADVICE);
    expect(text).not.toContain(patientNationalId);
  });

  it("refuses another patient with a page that reveals nothing", async () => {
    const [notice] = to(patientEmail);
    const read = await readLetterAs(stack, notice as MailboxEmail, "01010112345");
    expect(read.status).toBe(404);
    expect(read.text).toContain("Fant ikke brevet");
    for (const secret of ["Ingeborg", "Sæther", "Fibromyalgien", referralId]) {
      expect(read.text).not.toContain(secret);
    }
  });

  it("shows the referrer (by HPR number) the forespørsel and the answer, and the GP (by HPR number) the copy; not each other's", async () => {
    const texts = await Promise.all(to(referrerEmail).map((email) => letterText(stack, email, referrerHpr)));
    expect(texts.join("\n")).toContain(QUESTION);
    expect(texts.join("\n")).toContain(JUSTIFICATION);
    const gpNotice = to(gpEmail)[0] as MailboxEmail;
    expect(await letterText(stack, gpNotice, ownGpHpr)).toContain("Kopi til fastlege");
    expect((await readLetterAs(stack, gpNotice, referrerHpr)).status).toBe(404);
  });

  it("sends someone without a session, or signed in as personnel, to the patient's sign-in for the patient's copy", async () => {
    const link = letterLinkIn(to(patientEmail)[0] as MailboxEmail);
    for (const session of [undefined, await signIn(stack, referrerHpr, { audience: "professional" })]) {
      const answer = await fetchAs(session, link);
      expect(answer.status).toBe(303);
      const location = new URL(String(answer.headers.get("location")));
      expect(location.searchParams.get("audience")).toBe("patient");
      expect(await answer.text()).toBe("");
    }
  });

  it("records every read and refusal in the referral's access log, which the lead reads", async () => {
    const leadSession = await signIn(stack, lead);
    const response = await fetchAs(leadSession, `${stack.apiUrl}/access-log/${referralId}`, {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(200);
    const { events } = (await response.json()) as { events: AccessEvent[] };
    const letterEvents = events.filter((event) => event.what.startsWith("letter:"));
    expect(letterEvents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          who: "patient",
          role: "patient",
          what: "letter:decision:patient",
          outcome: "viewed",
        }),
        expect.objectContaining({ who: "patient", what: "letter:decision:patient", outcome: "refused" }),
        expect.objectContaining({
          who: `hpr:${referrerHpr}`,
          what: "letter:decision:referrer",
          outcome: "viewed",
        }),
        expect.objectContaining({
          who: `hpr:${referrerHpr}`,
          what: "letter:information-request:referrer",
          outcome: "viewed",
        }),
        expect.objectContaining({ who: `hpr:${ownGpHpr}`, what: "letter:decision:gp", outcome: "viewed" }),
        expect.objectContaining({
          who: `hpr:${referrerHpr}`,
          what: "letter:decision:gp",
          outcome: "refused",
        }),
      ]),
    );
    for (const event of letterEvents) expect(Date.parse(event.at)).not.toBeNaN();
    expect(JSON.stringify(events)).not.toContain(patientNationalId);
  });
});
