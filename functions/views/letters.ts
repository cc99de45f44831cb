/**
 * The decision letter (svarbrev) in Norwegian bokmål: to the referrer, with copies to the patient and
 * the GP. One template per outcome, in HTML and plain text, compiled once at module scope.
 *
 * What a letter may carry: names, the decision and its reasons, dates and the clinic. What it never
 * carries: the national ID. The subject names no patient either, because subjects travel unencrypted
 * through mail logs and notification previews.
 */
import type { IsoDate } from "../domain/calendar";
import type { ClinicConfig } from "../domain/clinic";
import { CARE_FORMS, type Decision } from "../domain/decision";
import { htmlTemplate, textTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";

const HTML_HEAD = `{{#> emailHtml}}
{{#if copyNote}}
<p style="font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em;">{{copyNote}}</p>
{{/if}}
<p><strong>{{clinic.name}}</strong><br>{{clinic.department}}<br>{{clinic.address}}</p>
<p>Til: {{referrer.name}}, {{referrer.organisation}}{{#if copyList}}<br>Kopi til: {{copyList}}{{/if}}</p>
<p>Dato: {{decidedDate}}<br>Vår referanse: {{referralId}}</p>
<h1 style="font-size: 1.3em;">{{title}}</h1>
<p><strong>Gjelder:</strong> {{patientName}}</p>
`;

const HTML_COMPLAINT = `<h2 style="font-size: 1.1em;">Klage</h2>
<p>Pasienten kan klage på vurderingen til {{clinic.complaintsTo}}. Klagen sendes til {{clinic.name}}, {{clinic.department}}, som vurderer saken på nytt. Gir vi ikke pasienten medhold, sender vi klagen videre til {{clinic.complaintsTo}}.</p>
<p>Klagefrist er fire uker fra pasienten fikk eller burde ha fått kjennskap til vurderingen (pasient- og brukerrettighetsloven § 7-2). Klagen bør være skriftlig og begrunnet.</p>
`;

const HTML_FOOT = `<h2 style="font-size: 1.1em;">Kontakt</h2>
<p>Spørsmål om henvisningen kan rettes til {{clinic.name}}, {{clinic.department}}, telefon {{clinic.phone}}, e-post {{clinic.email}}. Oppgi referanse {{referralId}}. Send ikke helseopplysninger med vanlig e-post.</p>
<p>Med vennlig hilsen<br>{{clinic.name}}, {{clinic.department}}<br>Tverrfaglig inntaksteam</p>
{{/emailHtml}}
`;

const HTML_GRANTED = `<p>Vi viser til henvisning mottatt {{receivedDate}}. Henvisningen er vurdert av vårt tverrfaglige inntaksteam.</p>
<p><strong>Pasienten har rett til nødvendig helsehjelp i spesialisthelsetjenesten.</strong></p>
<h2 style="font-size: 1.1em;">Tilbud</h2>
<p>Pasienten får tilbud om {{careForm}} ved {{clinic.name}}, {{clinic.department}}, {{clinic.address}}.</p>
{{#if plannedStart}}
<p>Planlagt oppstart: <strong>{{plannedStart}}</strong>. Pasienten får innkalling med nærmere tidspunkt.</p>
{{else}}
<p>Tidspunkt for oppstart er ikke fastsatt ennå. Pasienten får innkalling i god tid før fristen nedenfor.</p>
{{/if}}
<p>Frist for igangsetting av helsehjelp: <strong>{{startOfCareDeadline}}</strong>. Dette er den juridiske fristen: helsehjelpen skal være satt i gang senest denne dagen.</p>
<h2 style="font-size: 1.1em;">Hvis fristen ikke holdes</h2>
<p>Er helsehjelpen ikke satt i gang innen {{startOfCareDeadline}}, har pasienten rett til å kontakte Helfo. Helfo skal da skaffe pasienten et tilbud om helsehjelp hos en annen tjenesteyter, om nødvendig hos en privat tjenesteyter eller i utlandet.</p>
`;

const HTML_REFUSED = `<p>Vi viser til henvisning mottatt {{receivedDate}}. Henvisningen er vurdert av vårt tverrfaglige inntaksteam.</p>
<p><strong>Vi har kommet fram til at pasienten ikke har rett til nødvendig helsehjelp i spesialisthelsetjenesten ved vår klinikk. Henvisningen får derfor avslag.</strong></p>
<h2 style="font-size: 1.1em;">Begrunnelse</h2>
<p>{{multiline justification}}</p>
<h2 style="font-size: 1.1em;">Råd om videre oppfølging</h2>
<p>{{multiline advice}}</p>
<p>Henviser kan sende ny henvisning dersom situasjonen endrer seg.</p>
`;

const HTML_FORWARDED = `<p>Vi viser til henvisning mottatt {{receivedDate}}. Henvisningen er vurdert av vårt tverrfaglige inntaksteam.</p>
<p><strong>Henvisningen er sendt videre til {{forwardTo}}</strong>, som vurderer pasientens rett til nødvendig helsehjelp og gir svar.</p>
<h2 style="font-size: 1.1em;">Begrunnelse</h2>
<p>{{multiline justification}}</p>
<h2 style="font-size: 1.1em;">Ansiennitetsdato</h2>
<p>Ansiennitetsdatoen <strong>{{receivedDate}}</strong> følger henvisningen til {{forwardTo}}. Pasienten beholder sin opprinnelige mottaksdato, og fristen for vurdering regnes fortsatt fra denne datoen.</p>
`;

const TEXT_HEAD = `{{#if copyNote}}
{{copyNote}}

{{/if}}
{{clinic.name}}
{{clinic.department}}
{{clinic.address}}

Til: {{referrer.name}}, {{referrer.organisation}}
{{#if copyList}}
Kopi til: {{copyList}}
{{/if}}
Dato: {{decidedDate}}
Vår referanse: {{referralId}}

{{title}}

Gjelder: {{patientName}}

`;

const TEXT_COMPLAINT = `KLAGE
Pasienten kan klage på vurderingen til {{clinic.complaintsTo}}. Klagen sendes til {{clinic.name}}, {{clinic.department}}, som vurderer saken på nytt. Gir vi ikke pasienten medhold, sender vi klagen videre til {{clinic.complaintsTo}}.

Klagefrist er fire uker fra pasienten fikk eller burde ha fått kjennskap til vurderingen (pasient- og brukerrettighetsloven § 7-2). Klagen bør være skriftlig og begrunnet.

`;

const TEXT_FOOT = `KONTAKT
Spørsmål om henvisningen kan rettes til {{clinic.name}}, {{clinic.department}}, telefon {{clinic.phone}}, e-post {{clinic.email}}. Oppgi referanse {{referralId}}. Send ikke helseopplysninger med vanlig e-post.

Med vennlig hilsen
{{clinic.name}}, {{clinic.department}}
Tverrfaglig inntaksteam
`;

const TEXT_GRANTED = `Vi viser til henvisning mottatt {{receivedDate}}. Henvisningen er vurdert av vårt tverrfaglige inntaksteam.

Pasienten har rett til nødvendig helsehjelp i spesialisthelsetjenesten.

TILBUD
Pasienten får tilbud om {{careForm}} ved {{clinic.name}}, {{clinic.department}}, {{clinic.address}}.

{{#if plannedStart}}
Planlagt oppstart: {{plannedStart}}. Pasienten får innkalling med nærmere tidspunkt.
{{else}}
Tidspunkt for oppstart er ikke fastsatt ennå. Pasienten får innkalling i god tid før fristen nedenfor.
{{/if}}

Frist for igangsetting av helsehjelp: {{startOfCareDeadline}}. Dette er den juridiske fristen: helsehjelpen skal være satt i gang senest denne dagen.

HVIS FRISTEN IKKE HOLDES
Er helsehjelpen ikke satt i gang innen {{startOfCareDeadline}}, har pasienten rett til å kontakte Helfo. Helfo skal da skaffe pasienten et tilbud om helsehjelp hos en annen tjenesteyter, om nødvendig hos en privat tjenesteyter eller i utlandet.

`;

const TEXT_REFUSED = `Vi viser til henvisning mottatt {{receivedDate}}. Henvisningen er vurdert av vårt tverrfaglige inntaksteam.

Vi har kommet fram til at pasienten ikke har rett til nødvendig helsehjelp i spesialisthelsetjenesten ved vår klinikk. Henvisningen får derfor avslag.

BEGRUNNELSE
{{justification}}

RÅD OM VIDERE OPPFØLGING
{{advice}}

Henviser kan sende ny henvisning dersom situasjonen endrer seg.

`;

const TEXT_FORWARDED = `Vi viser til henvisning mottatt {{receivedDate}}. Henvisningen er vurdert av vårt tverrfaglige inntaksteam.

Henvisningen er sendt videre til {{forwardTo}}, som vurderer pasientens rett til nødvendig helsehjelp og gir svar.

BEGRUNNELSE
{{justification}}

ANSIENNITETSDATO
Ansiennitetsdatoen {{receivedDate}} følger henvisningen til {{forwardTo}}. Pasienten beholder sin opprinnelige mottaksdato, og fristen for vurdering regnes fortsatt fra denne datoen.

`;

const HTML_INFORMATION_REQUEST = `<p>Vi viser til henvisning mottatt {{receivedDate}}. For å vurdere henvisningen trenger inntaksteamet flere opplysninger.</p>
<h2 style="font-size: 1.1em;">Hva vi trenger</h2>
<p>{{multiline question}}</p>
<h2 style="font-size: 1.1em;">Slik svarer du</h2>
<p>Send opplysningene som tillegg til henvisningen gjennom den vanlige elektroniske meldingsutvekslingen, og oppgi vår referanse {{referralId}}.</p>
<h2 style="font-size: 1.1em;">Fristen løper</h2>
<p>Dette er ikke et svar på henvisningen, og henvisningen er ikke sendt i retur. Fristen for vurdering løper som før: henvisningen blir vurdert senest <strong>{{dueDate}}</strong>, også om opplysningene ikke har kommet innen da.</p>
`;

const TEXT_INFORMATION_REQUEST = `Vi viser til henvisning mottatt {{receivedDate}}. For å vurdere henvisningen trenger inntaksteamet flere opplysninger.

HVA VI TRENGER
{{question}}

SLIK SVARER DU
Send opplysningene som tillegg til henvisningen gjennom den vanlige elektroniske meldingsutvekslingen, og oppgi vår referanse {{referralId}}.

FRISTEN LØPER
Dette er ikke et svar på henvisningen, og henvisningen er ikke sendt i retur. Fristen for vurdering løper som før: henvisningen blir vurdert senest {{dueDate}}, også om opplysningene ikke har kommet innen da.

`;

const HTML_ACKNOWLEDGEMENT = `<p>Vi bekrefter at vi har mottatt henvisningen {{receivedDate}}.</p>
<p>Henvisningen er en sekundærhenvisning for en tilstand som allerede er rettighetsvurdert (tidligere vurdering: <strong>{{previousDecisionRef}}</strong>). <strong>Den blir derfor ikke rettighetsvurdert på nytt</strong>, og pasienten får ikke et nytt svar om rett til nødvendig helsehjelp. Den tidligere vurderingen og fristen som ble satt der, gjelder fortsatt.</p>
<p>Henvisningen er registrert hos {{clinic.name}}, {{clinic.department}}, og følges opp i det pågående forløpet.</p>
`;

const TEXT_ACKNOWLEDGEMENT = `Vi bekrefter at vi har mottatt henvisningen {{receivedDate}}.

Henvisningen er en sekundærhenvisning for en tilstand som allerede er rettighetsvurdert (tidligere vurdering: {{previousDecisionRef}}). Den blir derfor ikke rettighetsvurdert på nytt, og pasienten får ikke et nytt svar om rett til nødvendig helsehjelp. Den tidligere vurderingen og fristen som ble satt der, gjelder fortsatt.

Henvisningen er registrert hos {{clinic.name}}, {{clinic.department}}, og følges opp i det pågående forløpet.

`;

/** Every decision letter, the forward included, says how to complain. */
const templates = {
  granted: {
    html: htmlTemplate(HTML_HEAD + HTML_GRANTED + HTML_COMPLAINT + HTML_FOOT),
    text: textTemplate(TEXT_HEAD + TEXT_GRANTED + TEXT_COMPLAINT + TEXT_FOOT),
  },
  refused: {
    html: htmlTemplate(HTML_HEAD + HTML_REFUSED + HTML_COMPLAINT + HTML_FOOT),
    text: textTemplate(TEXT_HEAD + TEXT_REFUSED + TEXT_COMPLAINT + TEXT_FOOT),
  },
  forwarded: {
    html: htmlTemplate(HTML_HEAD + HTML_FORWARDED + HTML_COMPLAINT + HTML_FOOT),
    text: textTemplate(TEXT_HEAD + TEXT_FORWARDED + TEXT_COMPLAINT + TEXT_FOOT),
  },
} satisfies Record<
  Decision["outcome"],
  { html: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate }
>;

const TITLES: Record<Decision["outcome"], string> = {
  granted: "Vurdering av henvisning – rett til nødvendig helsehjelp",
  refused: "Vurdering av henvisning – avslag",
  forwarded: "Vurdering av henvisning – videresendt",
};

const COPY_NOTES = { referrer: null, patient: "Kopi til pasient", gp: "Kopi til fastlege" } as const;

const SUBJECT_PREFIXES = {
  referrer: "Svar på henvisning",
  patient: "Kopi til pasient: svar på henvisning",
  gp: "Kopi til fastlege: svar på henvisning",
} as const;

// ---------------------------------------------------------------------------------------------
// Rendering

export interface DecisionLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  /** The referrer gets the letter; patient and GP get marked copies. */
  recipientRole: "referrer" | "patient" | "gp";
  /** The date the clock counts from (for a forward, the ansiennitetsdato). */
  receivedDate: IsoDate;
  patient: { name: string };
  referrer: { name: string; organisation: string };
  gp: { name: string };
  decision: Decision;
  decidedDate: IsoDate;
  clinic: ClinicConfig["clinic"];
}

export interface RenderedLetter {
  subject: string;
  html: string;
  text: string;
}

/** Renders one recipient's copy of the decision letter. */
export function renderDecisionLetter(input: DecisionLetterInput): RenderedLetter {
  const { decision } = input;
  const subject = `${SUBJECT_PREFIXES[input.recipientRole]} (ref. ${input.referralId})`;
  const view = {
    subject,
    title: TITLES[decision.outcome],
    copyNote: COPY_NOTES[input.recipientRole],
    copyList:
      input.recipientRole === "referrer"
        ? `pasient (${input.patient.name}) og fastlege (${input.gp.name})`
        : null,
    referralId: input.referralId,
    receivedDate: formatNorwegianDate(input.receivedDate),
    decidedDate: formatNorwegianDate(input.decidedDate),
    patientName: input.patient.name,
    referrer: input.referrer,
    clinic: input.clinic,
    ...outcomeView(decision),
  };
  const template = templates[decision.outcome];
  return { subject, html: template.html(view), text: template.text(view) };
}

const acknowledgementTemplate = {
  html: htmlTemplate(HTML_HEAD + HTML_ACKNOWLEDGEMENT + HTML_FOOT),
  text: textTemplate(TEXT_HEAD + TEXT_ACKNOWLEDGEMENT + TEXT_FOOT),
};

const ACKNOWLEDGEMENT_TITLE = "Bekreftelse på mottatt henvisning";

export interface AcknowledgementLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  /** The Oslo date the referral was received. */
  receivedDate: IsoDate;
  patient: { name: string };
  referrer: { name: string; organisation: string };
  /** The earlier rights assessment the secondary referral builds on. */
  previousDecisionRef: string;
  /** The date of the letter. */
  date: IsoDate;
  clinic: ClinicConfig["clinic"];
}

/**
 * The acknowledgement to the referrer of a secondary referral (sekundærhenvisning): received, not
 * rights-assessed again because the condition already was (it names that assessment), and whom to
 * contact. It decides nothing, so it carries no complaint section.
 */
export function renderAcknowledgementLetter(input: AcknowledgementLetterInput): RenderedLetter {
  const subject = `${ACKNOWLEDGEMENT_TITLE} (ref. ${input.referralId})`;
  const view = {
    subject,
    title: ACKNOWLEDGEMENT_TITLE,
    copyNote: null,
    copyList: null,
    referralId: input.referralId,
    receivedDate: formatNorwegianDate(input.receivedDate),
    decidedDate: formatNorwegianDate(input.date),
    patientName: input.patient.name,
    referrer: input.referrer,
    clinic: input.clinic,
    previousDecisionRef: input.previousDecisionRef,
  };
  return { subject, html: acknowledgementTemplate.html(view), text: acknowledgementTemplate.text(view) };
}

const informationRequestTemplate = {
  html: htmlTemplate(HTML_HEAD + HTML_INFORMATION_REQUEST + HTML_FOOT),
  text: textTemplate(TEXT_HEAD + TEXT_INFORMATION_REQUEST + TEXT_FOOT),
};

const INFORMATION_REQUEST_TITLE = "Forespørsel om tilleggsopplysninger";

export interface InformationRequestLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  /** The date the clock counts from (for a forward, the ansiennitetsdato). */
  receivedDate: IsoDate;
  /** The assessment due date: the letter says the clock keeps running until then. */
  assessmentDueDate: IsoDate;
  patient: { name: string };
  referrer: { name: string; organisation: string };
  /** What the intake team asks, as typed on the task page. */
  question: string;
  /** The date of the letter. */
  date: IsoDate;
  clinic: ClinicConfig["clinic"];
}

/**
 * The forespørsel to the referrer: what the intake team needs, how to send it, and that this is not
 * an answer and the assessment deadline still holds. To the referrer only (the patient and the GP
 * get the answer later), and without a complaint section, because nothing is decided yet.
 */
export function renderInformationRequestLetter(input: InformationRequestLetterInput): RenderedLetter {
  const subject = `${INFORMATION_REQUEST_TITLE} (ref. ${input.referralId})`;
  const view = {
    subject,
    title: INFORMATION_REQUEST_TITLE,
    copyNote: null,
    copyList: null,
    referralId: input.referralId,
    receivedDate: formatNorwegianDate(input.receivedDate),
    decidedDate: formatNorwegianDate(input.date),
    dueDate: formatNorwegianDate(input.assessmentDueDate),
    patientName: input.patient.name,
    referrer: input.referrer,
    clinic: input.clinic,
    question: input.question,
  };
  return {
    subject,
    html: informationRequestTemplate.html(view),
    text: informationRequestTemplate.text(view),
  };
}

function outcomeView(decision: Decision): Record<string, string | null> {
  switch (decision.outcome) {
    case "granted":
      return {
        careForm: CARE_FORMS.find((form) => form.key === decision.careForm)?.label ?? decision.careForm,
        startOfCareDeadline: formatNorwegianDate(decision.startOfCareDeadline),
        plannedStart: decision.plannedStart ? formatNorwegianDate(decision.plannedStart) : null,
      };
    case "refused":
      return { justification: decision.justification, advice: decision.advice };
    case "forwarded":
      return { forwardTo: decision.forwardTo, justification: decision.justification };
  }
}
