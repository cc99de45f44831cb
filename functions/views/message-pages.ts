/**
 * Message pages: a title, a few paragraphs and at most one link (errors, refusals, confirmations).
 * A module of their own, apart from the task page's templates and form definitions, because every
 * page route's failure answer is one of these (adapters/http.ts): a function that only needs a
 * message page then bundles and loads this and the engine, not the task page and what it imports.
 */
import { osloDate } from "../domain/calendar";
import { htmlTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";

const MESSAGE_PAGE = `{{#> page title=title}}
<h1>{{title}}</h1>
{{#each paragraphs}}
<p>{{this}}</p>
{{/each}}
{{#if link}}
<p><a href="{{link.href}}">{{link.text}}</a></p>
{{/if}}
{{/page}}
`;

const messagePageTemplate = htmlTemplate(MESSAGE_PAGE);

// ---------------------------------------------------------------------------------------------
// Gone and done

const GONE_PAGES = {
  answered: {
    title: "Denne oppgaven er allerede behandlet",
    paragraphs: [
      "Vurderingen av denne henvisningen er allerede registrert, og svarbrevet er på vei.",
      "Du trenger ikke gjøre noe mer.",
    ],
  },
  expired: {
    title: "Denne oppgaven er utløpt",
    paragraphs: [
      "Oppgaven kan ikke lenger besvares via denne lenken.",
      "Kontakt den som leder inntaksmøtet dersom henvisningen fortsatt skal vurderes.",
    ],
  },
  withdrawn: {
    title: "Henvisningen er trukket tilbake",
    paragraphs: [
      "Henviser har trukket tilbake denne henvisningen (kansellering) før den ble vurdert.",
      "Den skal ikke vurderes, og oppgaven er avsluttet. Du trenger ikke gjøre noe mer.",
    ],
  },
  unknown: {
    title: "Fant ikke oppgaven",
    paragraphs: [
      "Lenken er ugyldig eller ufullstendig.",
      "Kontroller at hele lenken fra e-posten er med, eller kontakt den som leder inntaksmøtet.",
    ],
  },
} as const;

/** A page with a title, a few paragraphs and at most one link: errors, refusals, confirmations. */
export function renderMessagePage(input: {
  title: string;
  paragraphs: readonly string[];
  link?: { href: string; text: string } | null;
}): string {
  return messagePageTemplate({ link: null, ...input });
}

/** The page for a task that can no longer be answered (410), or was never there. */
export function renderTaskGonePage(input: {
  reason: "answered" | "expired" | "withdrawn" | "unknown";
}): string {
  return messagePageTemplate(GONE_PAGES[input.reason]);
}

/**
 * The confirmation after a decision was recorded, with a link to the referral's staff page (where
 * the start of care is recorded later) when the caller gives one.
 */
export function renderDecisionRecordedPage(input: { referralId: string; referralHref?: string }): string {
  return messagePageTemplate({
    title: "Vurderingen er registrert",
    paragraphs: [
      `Vurderingen av henvisning ${input.referralId} er registrert.`,
      "Svarbrev sendes til henviser med kopi til pasient og fastlege. Du kan lukke denne siden.",
    ],
    link: input.referralHref
      ? { href: input.referralHref, text: "Åpne henvisningen (her registreres oppstart av helsehjelp)" }
      : null,
  });
}

/** The confirmation after an information request: the referrer was asked, the task stays open. */
export function renderInformationRequestedPage(input: { referralId: string; taskHref: string }): string {
  return messagePageTemplate({
    title: "Forespørselen er sendt",
    paragraphs: [
      "Forespørselen er sendt. Oppgaven er fortsatt åpen, og fristen løper.",
      `Henviser har fått brevet «Forespørsel om tilleggsopplysninger» om henvisning ${input.referralId}. Henvisningen må fortsatt vurderes innen fristen, også om svaret ikke kommer.`,
    ],
    link: { href: input.taskHref, text: "Tilbake til oppgaven" },
  });
}

/** The answer to a second information request while one is open (409): nothing was sent. */
export function renderInformationRequestOpenPage(input: { openSince?: string; taskHref: string }): string {
  return messagePageTemplate({
    title: "En forespørsel er allerede åpen",
    paragraphs: [
      `Henviser har allerede fått en forespørsel om tilleggsopplysninger${
        input.openSince ? ` (sendt ${formatNorwegianDate(osloDate(new Date(input.openSince)))})` : ""
      }, og svaret er ikke registrert. Ingenting er sendt nå.`,
      "Registrer svaret fra henviser på oppgavesiden før du sender en ny forespørsel. Fristen løper uansett.",
    ],
    link: { href: input.taskHref, text: "Tilbake til oppgaven" },
  });
}

/** The answer to "the referrer answered": the request is closed (or none was open). */
export function renderInformationReceivedPage(input: { closed: boolean; taskHref: string }): string {
  return messagePageTemplate({
    title: input.closed ? "Svaret er registrert" : "Ingen åpen forespørsel",
    paragraphs: input.closed
      ? [
          "Svaret fra henviser er registrert, og forespørselen er lukket. Oppgaven er fortsatt åpen, og fristen løper.",
        ]
      : ["Oppgaven har ingen åpen forespørsel, så ingenting er endret."],
    link: { href: input.taskHref, text: "Tilbake til oppgaven" },
  });
}

/** The answer to a form post without the task's own anti-forgery token (403): nothing was recorded. */
export function renderFormExpiredPage(input: { taskHref?: string } = {}): string {
  return messagePageTemplate({
    title: "Skjemaet er utløpt",
    paragraphs: [
      "Skjemaet er utløpt eller kom ikke fra oppgavesiden, så ingenting er registrert.",
      "Åpne oppgaven på nytt fra lenken i e-posten, og send inn vurderingen derfra.",
    ],
    link: input.taskHref ? { href: input.taskHref, text: "Åpne oppgaven på nytt" } : null,
  });
}
