/**
 * The one layout every letter is written in (views/letters.ts and views/decision-letter.ts build
 * the words; this renders them): a letter as a list of sections in the order a reader meets them,
 * rendered through one HTML and one plain-text template, and, for the Status på henvisning's
 * attachment, through views/letter-pdf.ts from the very same view, so the page, the email and the
 * PDF cannot say different things. Also the parts every letter shares: who it is to, the letterhead,
 * the contact section and the complaint section.
 */
import type {
  LetterClinic,
  LetterPatient,
  LetterRecipient,
  LetterReferrer,
  RenderedLetter,
} from "../domain/rendering";
import { htmlTemplate, registerPartial, textTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";

// ---------------------------------------------------------------------------------------------
// The one letter layout

/** A piece of a paragraph: plain, emphasised, or free text whose line breaks are kept. */
export interface Segment {
  text: string;
  strong?: boolean;
  multiline?: boolean;
}

export type Paragraph = (string | Segment)[];

/** A section of a letter: an optional heading and its paragraphs. */
export interface Section {
  heading?: string;
  paragraphs: Paragraph[];
}

/** Everything the layout shows, already in words. */
export interface LetterView {
  subject: string;
  /** Over the letterhead: whose copy this is ("Kopi til pasient"). */
  copyNote: string | null;
  letterhead: string[];
  /** The addressee, one line each; the first starts "Til: ". */
  to: string[];
  copyList: string | null;
  letterDate: string;
  referralId: string;
  title: string;
  /** "Kari Nordmann, født 15. mars 1985". */
  regarding: string;
  sections: Section[];
  signature: string[];
}

const LETTER_HTML = `{{#> emailHtml}}
{{#if copyNote}}
<p style="font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em;">{{copyNote}}</p>
{{/if}}
<p>{{#each letterhead}}{{#if @first}}<strong>{{this}}</strong>{{else}}<br>{{this}}{{/if}}{{/each}}</p>
<p>{{#each to}}{{#unless @first}}<br>{{/unless}}{{this}}{{/each}}{{#if copyList}}<br>Kopi til: {{copyList}}{{/if}}</p>
<p>Dato: {{letterDate}}<br>Vår referanse: {{referralId}}</p>
<h1 style="font-size: 1.3em;">{{title}}</h1>
<p><strong>Gjelder:</strong> {{regarding}}</p>
{{#each sections}}
{{#if heading}}
<h2 style="font-size: 1.1em;">{{heading}}</h2>
{{/if}}
{{#each html}}
<p>{{> letterSegments this}}</p>
{{/each}}
{{/each}}
<p>{{#each signature}}{{#unless @first}}<br>{{/unless}}{{this}}{{/each}}</p>
{{/emailHtml}}
`;

const LETTER_TEXT = `{{#if copyNote}}
{{copyNote}}

{{/if}}
{{#each letterhead}}
{{this}}
{{/each}}

{{#each to}}
{{this}}
{{/each}}
{{#if copyList}}
Kopi til: {{copyList}}
{{/if}}
Dato: {{letterDate}}
Vår referanse: {{referralId}}

{{title}}

Gjelder: {{regarding}}

{{#each sections}}
{{#if heading}}
{{heading}}
{{/if}}
{{#each text}}
{{this}}

{{/each}}
{{/each}}
{{#each signature}}
{{this}}
{{/each}}
`;

/**
 * The templates, compiled at the first letter rendered: a function that only draws the PDF
 * (letter-pdf.ts, the Status på henvisning) then bundles no template engine.
 */
let templates: { html: (view: object) => string; text: (view: object) => string } | undefined;

function letterTemplates(): NonNullable<typeof templates> {
  if (!templates) {
    registerPartial(
      "letterSegments",
      "{{#each this}}{{#if strong}}<strong>{{text}}</strong>{{else if multiline}}{{multiline text}}{{else}}{{text}}{{/if}}{{/each}}",
    );
    templates = { html: htmlTemplate(LETTER_HTML), text: textTemplate(LETTER_TEXT) };
  }
  return templates;
}

export function renderLetter(view: LetterView): RenderedLetter {
  const segments = (paragraph: Paragraph): Segment[] =>
    paragraph.map((part) => (typeof part === "string" ? { text: part } : part));
  const sections = view.sections.map((section) => ({
    heading: section.heading ?? null,
    html: section.paragraphs.map(segments),
    text: section.paragraphs.map((paragraph) =>
      segments(paragraph)
        .map((segment) => segment.text)
        .join(""),
    ),
  }));
  const { html: renderHtml, text: renderText } = letterTemplates();
  const html = renderHtml({ ...view, sections });
  const text = renderText({
    ...view,
    sections: sections.map((section) => ({
      ...section,
      heading: section.heading?.toLocaleUpperCase("nb-NO") ?? null,
    })),
  });
  return { subject: view.subject, html, text };
}

// ---------------------------------------------------------------------------------------------
// People and the clinic

/** The professions of the intake team, as a letter names them. */
export const ROLE_LABELS: Record<string, string> = {
  physician: "lege",
  psychologist: "psykolog",
  physiotherapist: "fysioterapeut",
  nurse: "sykepleier",
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

/** "a, b og c". */
export function listNb(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} og ${items.at(-1)}`;
}

export function regardingOf(patient: LetterPatient): string {
  return patient.birthDate ? `${patient.name}, født ${formatNorwegianDate(patient.birthDate)}` : patient.name;
}

export function letterheadOf(clinic: LetterClinic): string[] {
  return [clinic.name, clinic.department, clinic.postalAddress];
}

/** Who this copy is to, as the address block says it. */
export function addresseeOf(
  recipient: LetterRecipient,
  people: { patient: LetterPatient; referrer: LetterReferrer; gp?: { name: string } },
): string[] {
  switch (recipient) {
    case "patient": {
      const address = people.patient.postalAddress;
      return [
        `Til: ${people.patient.name}`,
        ...(address ? [address.line1, `${address.postalCode} ${address.city}`] : []),
      ];
    }
    case "gp":
      return [`Til: ${people.gp?.name ?? people.referrer.name}, fastlege`];
    case "guardian": {
      // The referral names no guardian: the copy goes to the patient's home, to whoever has custody.
      const address = people.patient.postalAddress;
      return [
        `Til: Foreldre eller andre med foreldreansvar for ${people.patient.name}`,
        ...(address ? [address.line1, `${address.postalCode} ${address.city}`] : []),
      ];
    }
    case "referrer":
      return [`Til: ${people.referrer.name}, ${people.referrer.organisation}`];
  }
}

/**
 * The copy list of the referrer's letter: the patient, and the GP unless the GP is the referrer
 * (then the GP's copy is this very letter: one letter per person).
 */
export function copyListOf(
  recipient: LetterRecipient,
  people: { patient: LetterPatient; gp?: { name: string }; guardianCopy?: boolean },
): string | null {
  if (recipient !== "referrer") return null;
  const copies = [
    `pasient (${people.patient.name})`,
    ...(people.guardianCopy ? ["foreldre eller andre med foreldreansvar"] : []),
    ...(people.gp ? [`fastlege (${people.gp.name})`] : []),
  ];
  return listNb(copies);
}

export const COPY_NOTES: Record<LetterRecipient, string | null> = {
  referrer: null,
  patient: "Kopi til pasient",
  gp: "Kopi til fastlege",
  guardian: "Kopi til foreldre/foresatte",
};

/** The contact section every letter ends with. */
export function contactSection(clinic: LetterClinic, referralId: string, toPatient: boolean): Section {
  return {
    heading: "Kontakt",
    paragraphs: [
      [
        `${toPatient ? "Har du spørsmål, kan du kontakte" : "Spørsmål om henvisningen kan rettes til"} ${clinic.name}, ${clinic.department}, telefon ${clinic.phone}, e-post ${clinic.email}, postadresse ${clinic.postalAddress}. Oppgi referanse ${referralId}. Send ikke helseopplysninger med vanlig e-post.`,
      ],
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The answer to a referral

/**
 * Who a letter's complaint section speaks to: the patient ("du"), the parents of a patient under 16
 * (who may complain on the child's behalf, pbrl § 3-4 and § 7-2), or health personnel (about "the
 * patient").
 */
export type ComplaintAudience = "patient" | "guardian" | "professional";

export function audienceOf(recipient: LetterRecipient): ComplaintAudience {
  return recipient === "patient" ? "patient" : recipient === "guardian" ? "guardian" : "professional";
}

/** The complaint section: to the clinic, which forwards to the Statsforvalteren (§ 7-2), within four weeks (§ 7-5). */
export function complaintSection(
  clinic: LetterClinic,
  audience: ComplaintAudience,
  about: { what: string; known: string } = { what: "vurderingen", known: "vurderingen" },
): Section {
  const sendTo = `Klagen sendes til ${clinic.name}, ${clinic.department}, ${clinic.postalAddress}. Vi vurderer saken på nytt.`;
  if (audience === "guardian") {
    return {
      heading: "Klage",
      paragraphs: [
        [
          `Som foreldre eller andre med foreldreansvar kan dere klage på ${about.what} på vegne av barnet (pasient- og brukerrettighetsloven §§ 3-4 og 7-2). ${sendTo} Gir vi ikke medhold, sender vi klagen videre til ${clinic.complaintsTo}.`,
        ],
        [
          `Klagefristen er fire uker fra dere fikk eller burde ha fått kjennskap til ${about.known} (pasient- og brukerrettighetsloven § 7-5). Klagen bør være skriftlig og begrunnet.`,
        ],
      ],
    };
  }
  const toPatient = audience === "patient";
  const who = toPatient ? "Du" : "Pasienten";
  const subject = toPatient ? "du" : "pasienten";
  const notUpheld = toPatient ? "Gir vi deg ikke medhold" : "Gir vi ikke pasienten medhold";
  return {
    heading: "Klage",
    paragraphs: [
      [
        `${who} kan klage på ${about.what} (pasient- og brukerrettighetsloven § 7-2). ${sendTo} ${notUpheld}, sender vi klagen videre til ${clinic.complaintsTo}.`,
      ],
      [
        `Klagefristen er fire uker fra ${subject} fikk eller burde ha fått kjennskap til ${about.known} (pasient- og brukerrettighetsloven § 7-5). Klagen bør være skriftlig og begrunnet.`,
      ],
    ],
  };
}
