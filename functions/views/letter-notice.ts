/**
 * What a letter's recipient gets by email, and the page where they read the letter.
 *
 * Ordinary email is not a channel for health information (Normen), so the email to the patient, the
 * referrer or the GP is a neutral notice: that a letter from the clinic waits, the link, how to sign
 * in, and whom to call. No patient name, national ID, birth date, diagnosis, decision or
 * justification, and a subject that says nothing of the outcome. The letter itself (letters.ts) is
 * shown on a page after sign-in as its recipient: the patient through ID-porten, health personnel
 * through HelseID.
 */
import type { LetterRecord } from "../domain/records";
import type { LetterNotice, LetterNoticeInput } from "../domain/rendering";
import { htmlTemplate, textTemplate } from "./engine";

/** The facts each view takes live with the rendering port in the domain. */
export type { LetterNotice, LetterNoticeInput } from "../domain/rendering";

/**
 * The subjects: what kind of letter, never what it says. "Svar på henvisning" does not tell a
 * right from a refusal; a missed start of care (which would tell that a right was granted and not
 * kept) is announced as a letter about the referral.
 */
function subjectOf(input: LetterNoticeInput): string {
  const ref = `(ref. ${input.referralId})`;
  switch (input.letterKind) {
    case "decision":
      return input.recipientRole === "patient"
        ? `Kopi til pasient: svar på henvisning ${ref}`
        : input.recipientRole === "gp"
          ? `Kopi til fastlege: svar på henvisning ${ref}`
          : `Svar på henvisning ${ref}`;
    case "information-request":
      return `Forespørsel om tilleggsopplysninger ${ref}`;
    case "acknowledgement":
      return `Bekreftelse på mottatt henvisning ${ref}`;
    case "start-of-care-breach":
      return `Nytt brev om henvisningen din ${ref}`;
  }
}

const TEXT = `{{intro}}

Brevet kan inneholde helseopplysninger, og derfor sender vi det ikke med e-post. Du leser det etter innlogging her:
{{link}}

{{signIn}}

Vi spør aldri etter fødselsnummer, passord eller helseopplysninger på e-post. Har du spørsmål, ring {{clinicName}} på {{phone}} og oppgi referanse {{referralId}}.

{{clinicName}}, {{department}}
`;

const HTML = `{{#> emailHtml}}
<p><strong>{{intro}}</strong></p>
<p>Brevet kan inneholde helseopplysninger, og derfor sender vi det ikke med e-post. Du leser det etter innlogging.</p>
<p><a href="{{link}}">Les brevet</a></p>
<p>{{signIn}}</p>
<p>Vi spør aldri etter fødselsnummer, passord eller helseopplysninger på e-post. Har du spørsmål, ring {{clinicName}} på {{phone}} og oppgi referanse {{referralId}}.</p>
<p>{{clinicName}}, {{department}}</p>
{{/emailHtml}}
`;

const renderText = textTemplate(TEXT);
const renderHtml = htmlTemplate(HTML);

/** The neutral notice email of one letter to one recipient. */
export function renderLetterNotice(input: LetterNoticeInput): LetterNotice {
  if (!/^https?:\/\//i.test(input.link)) throw new RangeError("link must be an http(s) URL");
  const toPatient = input.recipientRole === "patient";
  const view = {
    subject: subjectOf(input),
    intro: `Du har fått et brev fra ${input.clinic.name}.`,
    signIn: toPatient
      ? "Du logger inn med ID-porten (for eksempel BankID eller MinID). Brevet åpnes bare for deg."
      : "Du logger inn med HelseID. Brevet åpnes bare for helsepersonellet det er adressert til.",
    link: input.link,
    referralId: input.referralId,
    clinicName: input.clinic.name,
    department: input.clinic.department,
    phone: input.clinic.phone,
  };
  return { subject: view.subject, text: renderText(view), html: renderHtml(view) };
}

const PAGE = `{{#> page title=subject}}
<p class="hint">Du er logget inn som {{signedInAs}}. Denne siden lagres ikke i nettleseren; skriv den ut om du vil ta vare på brevet.</p>
<article class="letter">
{{{letterBody}}}
</article>
<form method="post" action="{{logoutAction}}">
<input type="hidden" name="csrfToken" value="{{csrfToken}}">
<button type="submit">Logg ut</button>
</form>
{{/page}}
`;

const letterPage = htmlTemplate(PAGE);

/** The body of a letter as letters.ts rendered and the store keeps it (inside its email shell). */
function bodyOf(letterHtml: string): string {
  return /<body[^>]*>([\s\S]*)<\/body>/i.exec(letterHtml)?.[1] ?? "";
}

/**
 * The page that shows a letter to its signed-in recipient: the letter as rendered when it was
 * sent (the stored HTML came out of letters.ts, which escaped every value), and sign-out.
 */
export function renderLetterPage(input: {
  letter: Pick<LetterRecord, "subject" | "html">;
  signedInAs: string;
  csrfToken: string;
  logoutAction: string;
}): string {
  return letterPage({
    subject: input.letter.subject,
    letterBody: bodyOf(input.letter.html),
    signedInAs: input.signedInAs,
    csrfToken: input.csrfToken,
    logoutAction: input.logoutAction,
  });
}
