/**
 * The emails to a letter's recipients are neutral notices with a link, kept as golden files beside
 * the letters they announce; and whatever the letter says, the notice says none of it.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LetterRecord, RecipientRole } from "../../functions/domain/records";
import { renderLetterNotice, renderLetterPage } from "../../functions/views/letter-notice";
import { renderDecisionLetter } from "../../functions/views/letters";
import { LETTER_TEST_CLINIC } from "../support/fakes";

const clinic = LETTER_TEST_CLINIC;

const LINK = "https://frist.example/prod/inbox/R-2025-0001.q3Jm0cX8aB2nD4eF6gH8iJ0k";
const KINDS = ["decision", "information-request", "acknowledgement", "start-of-care-breach"] as const;

const notice = (letterKind: LetterRecord["letterKind"], recipientRole: RecipientRole) =>
  renderLetterNotice({ letterKind, recipientRole, referralId: "R-2025-0001", link: LINK, clinic });

describe("the notice emails (golden files, one per recipient)", () => {
  for (const recipientRole of ["referrer", "patient", "gp"] as const) {
    it(`announces the answer to a referral to the ${recipientRole} with a link and nothing of the letter`, async () => {
      const email = notice("decision", recipientRole);
      await expect(`Emne: ${email.subject}\n\n${email.text}`).toMatchFileSnapshot(
        `./__golden__/notice.${recipientRole}.txt`,
      );
      await expect(email.html).toMatchFileSnapshot(`./__golden__/notice.${recipientRole}.html`);
    });
  }

  it("announces a missed start of care without saying so: a letter about the referral", async () => {
    const email = notice("start-of-care-breach", "patient");
    expect(email.subject).toBe("Nytt brev om henvisningen din (ref. R-2025-0001)");
    expect(`${email.subject}${email.text}${email.html}`).not.toMatch(/fristbrudd|helfo|ikke satt i gang/i);
  });

  it("tells the patient to sign in with ID-porten and health personnel with HelseID", () => {
    expect(notice("decision", "patient").text).toContain("ID-porten");
    for (const role of ["referrer", "gp"] as const) {
      expect(notice("decision", role).text).toContain("HelseID");
      expect(notice("information-request", role).text).not.toContain("ID-porten");
    }
  });

  it("carries the link in both bodies, and refuses a link that is not http(s)", () => {
    for (const kind of KINDS) {
      const email = notice(kind, "referrer");
      expect(email.text).toContain(LINK);
      expect(email.html).toContain(`href="${LINK}"`);
    }
    expect(() =>
      renderLetterNotice({
        letterKind: "decision",
        recipientRole: "patient",
        referralId: "R-1",
        link: "javascript:alert(1)",
        clinic,
      }),
    ).toThrow(RangeError);
  });
});

describe("what a notice never carries", () => {
  it("holds no word of the letter it announces: name, birth date, decision, justification, advice", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("referrer", "patient", "gp" as const),
        fc.constantFrom(...KINDS),
        fc.stringMatching(/^[A-ZÆØÅ][a-zæøå]{3,12} [A-ZÆØÅ][a-zæøå]{3,12}$/),
        fc.stringMatching(/^[A-Za-zæøå]{6,14}( [a-zæøå]{4,12}){2,5}\.$/),
        (recipientRole, letterKind, name, justification) => {
          const letter = renderDecisionLetter({
            referralId: "R-2025-0001",
            recipientRole,
            receivedDate: "2025-04-22",
            patient: { name, birthDate: "1985-03-15" },
            referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
            decision: {
              outcome: "refused",
              justification,
              advice: "Gradert aktivitet.",
              assessedBy: "ingrid.lie@example.no",
            },
            decidedDate: "2025-05-02",
            assessment: {
              track: "single-assessor",
              participantRoles: ["physician"],
              responsible: { name: "Ingrid Lie", role: "physician" },
            },
            clinic,
          });
          // The letter says it all; the notice of the same letter says none of it.
          expect(letter.text).toContain(name);
          expect(letter.text).toContain(justification);
          const email = renderLetterNotice({
            letterKind,
            recipientRole,
            referralId: "R-2025-0001",
            link: LINK,
            clinic,
          });
          const everything = `${email.subject}\n${email.text}\n${email.html}`;
          for (const secret of [
            name,
            justification,
            "Gradert aktivitet",
            "1985",
            "15. mars",
            "avslag",
            "rett til",
            "Ingrid Lie",
          ]) {
            expect(everything).not.toContain(secret);
          }
          expect(everything).not.toMatch(/\d{11}/);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("the letter page", () => {
  it("shows the letter's own body under the page shell, with who is signed in and sign-out", () => {
    const letter = renderDecisionLetter({
      referralId: "R-2025-0001",
      recipientRole: "patient",
      receivedDate: "2025-04-22",
      patient: { name: "Kari <b>Nordmann</b>", birthDate: "1985-03-15" },
      referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
      decision: {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2025-07-25",
        plannedStart: "2025-06-10",
        assessedBy: "ingrid.lie@example.no",
      },
      decidedDate: "2025-05-02",
      assessment: {
        track: "single-assessor",
        participantRoles: ["physician"],
        responsible: { name: "Ingrid Lie", role: "physician" },
      },
      clinic,
    });
    const page = renderLetterPage({
      letter,
      signedInAs: "pasient",
      csrfToken: "token-1",
      logoutAction: "https://frist.example/prod/auth/logout",
    });
    expect(page).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(page).toContain("Du har rett til nødvendig helsehjelp");
    expect(page).toContain("Kari &lt;b&gt;Nordmann&lt;/b&gt;");
    expect(page).not.toContain("<b>Nordmann</b>");
    expect(page).toContain('name="csrfToken" value="token-1"');
    expect(page).toContain('action="https://frist.example/prod/auth/logout"');
    expect(page.match(/<body/g)).toHaveLength(1);
  });
});
