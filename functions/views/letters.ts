/**
 * The letters in Norwegian bokmål: the answer to a referral (svarbrev) to the referrer with copies to
 * the patient and the GP, the forespørsel, the acknowledgement of a secondary referral, and the letter
 * to the patient about a missed start of care. Every letter is built as a list of sections in this
 * file, in the order a reader meets them, and rendered through one HTML and one plain-text template,
 * so the law's sentences are written once and read here line by line:
 *
 * - the decision and its legal basis (pasient- og brukerrettighetsloven, pbrl, § 2-1 b), who assessed
 *   the referral and who is responsible for the assessment, the patient by name and birth date;
 * - a right: what care, when (the planned start, or the date by which the patient will be told) and
 *   where (the visiting address, never a PO box), the latest start (juridisk frist, § 2-1 b andre
 *   ledd, told with the decision as § 2-2 asks), the free choice of hospital (§ 2-4, helsenorge.no),
 *   and that the hospital reports a missed start to Helfo, whose Pasientformidling then finds an
 *   offer, with how to reach Helfo;
 * - a refusal: that there is no right to specialist care (the right, not the place), the
 *   justification, the advice, and the right to a renewed assessment (§ 2-3);
 * - a forward: where and why, that the ansiennitetsdato is kept, by when the patient will hear, and
 *   how to reach the receiving clinic; a forward decides no right, so it carries no complaint section;
 * - a complaint: to the clinic, which forwards it to the Statsforvalteren (§ 7-2), within four weeks
 *   (§ 7-5).
 *
 * The patient's copy speaks to the patient ("du"); the referrer's letter and the GP's copy speak of
 * "pasienten". No letter carries the national ID, and no subject names the patient, because subjects
 * travel unencrypted through mail logs and notification previews.
 */
import type { Decision } from "../domain/decision";
import { CARE_FORMS } from "../domain/decision-labels";
import type {
  AcknowledgementLetterInput,
  DecisionLetterInput,
  InformationRequestLetterInput,
  LetterAssessment,
  LetterClinic,
  LetterPatient,
  LetterRecipient,
  LetterReferrer,
  RenderedLetter,
  StartOfCareBreachLetterInput,
} from "../domain/rendering";
import { htmlTemplate, registerPartial, textTemplate } from "./engine";
import { formatNorwegianDate, formatNorwegianWeekdayDate } from "./norwegian-time";

/** The facts each view takes live with the rendering port in the domain. */
export type {
  AcknowledgementLetterInput,
  DecisionLetterInput,
  InformationRequestLetterInput,
  LetterAssessment,
  LetterClinic,
  LetterPatient,
  LetterRecipient,
  LetterReferrer,
  RenderedLetter,
  StartOfCareBreachLetterInput,
} from "../domain/rendering";

// ---------------------------------------------------------------------------------------------
// The one letter layout

/** A piece of a paragraph: plain, emphasised, or free text whose line breaks are kept. */
interface Segment {
  text: string;
  strong?: boolean;
  multiline?: boolean;
}

type Paragraph = (string | Segment)[];

/** A section of a letter: an optional heading and its paragraphs. */
interface Section {
  heading?: string;
  paragraphs: Paragraph[];
}

/** Everything the layout shows, already in words. */
interface LetterView {
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

registerPartial(
  "letterSegments",
  "{{#each this}}{{#if strong}}<strong>{{text}}</strong>{{else if multiline}}{{multiline text}}{{else}}{{text}}{{/if}}{{/each}}",
);

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

const renderHtml = htmlTemplate(LETTER_HTML);
const renderText = textTemplate(LETTER_TEXT);

function render(view: LetterView): RenderedLetter {
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
const ROLE_LABELS: Record<string, string> = {
  physician: "lege",
  psychologist: "psykolog",
  physiotherapist: "fysioterapeut",
  nurse: "sykepleier",
};

function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

/** "a, b og c". */
function listNb(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} og ${items.at(-1)}`;
}

function regardingOf(patient: LetterPatient): string {
  return patient.birthDate ? `${patient.name}, født ${formatNorwegianDate(patient.birthDate)}` : patient.name;
}

function letterheadOf(clinic: LetterClinic): string[] {
  return [clinic.name, clinic.department, clinic.postalAddress];
}

/** Who this copy is to, as the address block says it. */
function addresseeOf(
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
function copyListOf(
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

const COPY_NOTES: Record<LetterRecipient, string | null> = {
  referrer: null,
  patient: "Kopi til pasient",
  gp: "Kopi til fastlege",
  guardian: "Kopi til foreldre/foresatte",
};

/** The contact section every letter ends with. */
function contactSection(clinic: LetterClinic, referralId: string, toPatient: boolean): Section {
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

/** Helsenorge's page on the right to choose where to be treated (pbrl § 2-4). */
const CHOOSE_PLACE_URL = "helsenorge.no/velg-behandlingssted";

const TITLES: Record<Decision["outcome"], string> = {
  granted: "Svar på henvisning – rett til nødvendig helsehjelp",
  refused: "Svar på henvisning – avslag på rett til nødvendig helsehjelp",
  forwarded: "Svar på henvisning – henvisningen er sendt videre",
};

const SUBJECT_PREFIXES: Record<LetterRecipient, string> = {
  referrer: "Svar på henvisning",
  patient: "Kopi til pasient: svar på henvisning",
  gp: "Kopi til fastlege: svar på henvisning",
  guardian: "Kopi til foreldre/foresatte: svar på henvisning",
};

/** The sentence that says who assessed the referral, and who is responsible. */
function assessedBySentence(assessment: LetterAssessment): string {
  const responsible = `${assessment.responsible.name}, ${roleLabel(assessment.responsible.role)}`;
  if (assessment.track === "single-assessor") {
    return `Henvisningen er vurdert av ${responsible}, som er ansvarlig for vurderingen.`;
  }
  const roles = [...new Set(assessment.participantRoles.map(roleLabel))];
  const team = roles.length > 0 ? ` (${listNb(roles)})` : "";
  return `Henvisningen er vurdert i vårt tverrfaglige inntaksteam${team}. Ansvarlig for vurderingen er ${responsible}.`;
}

/**
 * Who a letter's complaint section speaks to: the patient ("du"), the parents of a patient under 16
 * (who may complain on the child's behalf, pbrl § 3-4 and § 7-2), or health personnel (about "the
 * patient").
 */
type ComplaintAudience = "patient" | "guardian" | "professional";

function audienceOf(recipient: LetterRecipient): ComplaintAudience {
  return recipient === "patient" ? "patient" : recipient === "guardian" ? "guardian" : "professional";
}

/** The complaint section: to the clinic, which forwards to the Statsforvalteren (§ 7-2), within four weeks (§ 7-5). */
function complaintSection(
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

function grantedSections(
  decision: Extract<Decision, { outcome: "granted" }>,
  input: DecisionLetterInput,
  toPatient: boolean,
): Section[] {
  const { clinic } = input;
  const careForm = CARE_FORMS.find((form) => form.key === decision.careForm)?.label ?? decision.careForm;
  const deadline = formatNorwegianWeekdayDate(decision.startOfCareDeadline);
  const you = toPatient ? "du" : "pasienten";
  const You = toPatient ? "Du" : "Pasienten";
  const your = toPatient ? "deg" : "pasienten";
  const when: Paragraph = decision.plannedStart
    ? [
        "Planlagt oppstart: ",
        { text: formatNorwegianWeekdayDate(decision.plannedStart), strong: true },
        `. ${You} får innkalling med klokkeslett.`,
      ]
    : decision.startNoticeBy
      ? [
          "Tidspunktet for oppstart er ikke fastsatt ennå. ",
          {
            text: `${You} får innkalling med dato og klokkeslett senest ${formatNorwegianWeekdayDate(decision.startNoticeBy)}.`,
            strong: true,
          },
        ]
      : [
          `Tidspunktet for oppstart er ikke fastsatt ennå. ${You} får innkalling i god tid før fristen nedenfor.`,
        ];
  return [
    {
      paragraphs: [
        [
          {
            text: `${You} har rett til nødvendig helsehjelp i spesialisthelsetjenesten (pasient- og brukerrettighetsloven § 2-1 b).`,
            strong: true,
          },
        ],
      ],
    },
    {
      heading: "Tilbud",
      paragraphs: [[`${You} får tilbud om ${careForm}.`]],
    },
    {
      heading: "Når og hvor",
      paragraphs: [
        when,
        [`Sted: ${clinic.name}, ${clinic.department}, ${clinic.visitingAddress}.`],
        ...(input.patient.interpreterLanguage
          ? [
              [
                toPatient
                  ? `Vi bestiller tolk (${input.patient.interpreterLanguage}) til timen din. Tolk er gratis for deg.`
                  : `Pasienten trenger tolk (${input.patient.interpreterLanguage}). Vi bestiller tolk til timen.`,
              ],
            ]
          : []),
        [
          "Helsehjelpen skal starte senest ",
          { text: deadline, strong: true },
          ". Dette er den juridiske fristen for når helsehjelpen skal være satt i gang (pasient- og brukerrettighetsloven § 2-1 b andre ledd).",
        ],
      ],
    },
    {
      heading: "Hvis fristen ikke holdes",
      paragraphs: [
        [
          `Er helsehjelpen ikke satt i gang innen ${deadline}, melder sykehuset fra til Helfo. ${clinic.helfo.name} skal da skaffe ${your} et tilbud om helsehjelp uten opphold, om nødvendig hos en privat tjenesteyter eller i utlandet (pasient- og brukerrettighetsloven § 2-1 b fjerde ledd). ${You} beholder plassen på ventelisten hos oss til ${you} eventuelt takker ja til et slikt tilbud.`,
        ],
        [
          `Spørsmål om fristbrudd kan ${you} stille Fristbruddtelefonen hos ${clinic.helfo.name}, telefon ${clinic.helfo.phone} (${clinic.helfo.phoneHours}), eller på ${clinic.helfo.web}.`,
        ],
      ],
    },
    {
      heading: "Rett til valg av behandlingssted",
      paragraphs: [
        [
          `${You} kan selv velge hvor helsehjelpen skal gis: ved et offentlig sykehus eller en privat virksomhet som har avtale med et regionalt helseforetak (rett til valg av behandlingssted, pasient- og brukerrettighetsloven § 2-4). Ventetider og behandlingssteder ${toPatient ? "finner du" : "står"} på ${CHOOSE_PLACE_URL}. Ta kontakt med oss hvis ${you} ønsker et annet behandlingssted.`,
        ],
      ],
    },
    complaintSection(clinic, audienceOf(input.recipientRole)),
  ];
}

function refusedSections(
  decision: Extract<Decision, { outcome: "refused" }>,
  input: DecisionLetterInput,
  toPatient: boolean,
): Section[] {
  const You = toPatient ? "Du" : "Pasienten";
  const you = toPatient ? "du" : "pasienten";
  return [
    {
      paragraphs: [
        [
          {
            text: `Vi har kommet fram til at ${you} ikke har rett til nødvendig helsehjelp i spesialisthelsetjenesten (pasient- og brukerrettighetsloven § 2-1 b). Henvisningen får derfor avslag.`,
            strong: true,
          },
        ],
      ],
    },
    { heading: "Begrunnelse", paragraphs: [[{ text: decision.justification, multiline: true }]] },
    {
      heading: "Råd om videre oppfølging",
      paragraphs: [
        [{ text: decision.advice, multiline: true }],
        [
          toPatient
            ? "Fastlegen din har fått kopi av dette brevet og kan følge deg opp videre."
            : "Henviser og fastlege kan kontakte oss for faglige råd om videre oppfølging.",
        ],
      ],
    },
    {
      heading: "Fornyet vurdering",
      paragraphs: [
        [
          `${You} har rett til én fornyet vurdering av helsetilstanden i spesialisthelsetjenesten (pasient- og brukerrettighetsloven § 2-3). ${toPatient ? "Snakk med fastlegen din eller den som henviste deg" : "Henviser kan be om det med en ny henvisning"} hvis ${you} ønsker det. Endrer situasjonen seg, kan henviser også sende en ny henvisning.`,
        ],
      ],
    },
    complaintSection(input.clinic, audienceOf(input.recipientRole)),
  ];
}

function forwardedSections(
  decision: Extract<Decision, { outcome: "forwarded" }>,
  input: DecisionLetterInput,
  toPatient: boolean,
): Section[] {
  const you = toPatient ? "du" : "pasienten";
  const You = toPatient ? "Du" : "Pasienten";
  const ansiennitet = formatNorwegianDate(input.receivedDate);
  const answerBy = input.answerByDate;
  const hear: Paragraph = !answerBy
    ? [`${You} får svar fra ${decision.forwardTo}.`]
    : answerBy >= input.decidedDate
      ? [
          `${decision.forwardTo} skal gi ${toPatient ? "deg" : "pasienten"} svar på om ${you} har rett til nødvendig helsehjelp senest `,
          { text: formatNorwegianWeekdayDate(answerBy), strong: true },
          ".",
        ]
      : [
          `Fristen for å gi ${toPatient ? "deg" : "pasienten"} svar, ${formatNorwegianWeekdayDate(answerBy)}, er passert. ${decision.forwardTo} skal gi svar så snart som mulig.`,
        ];
  return [
    {
      paragraphs: [
        [
          { text: `Henvisningen er sendt videre til ${decision.forwardTo}`, strong: true },
          `, som vurderer om ${you} har rett til nødvendig helsehjelp i spesialisthelsetjenesten, og gir svar.`,
        ],
      ],
    },
    { heading: "Begrunnelse", paragraphs: [[{ text: decision.justification, multiline: true }]] },
    {
      heading: toPatient ? "Når du får svar" : "Når pasienten får svar",
      paragraphs: [
        [
          "Ansiennitetsdatoen ",
          { text: ansiennitet, strong: true },
          ` følger henvisningen til ${decision.forwardTo}. Fristen for vurderingen regnes fortsatt fra denne datoen, ikke fra når ${decision.forwardTo} mottar henvisningen.`,
        ],
        hear,
      ],
    },
    {
      heading: "Rett til valg av behandlingssted",
      paragraphs: [
        [
          `${You} kan selv velge hvilken virksomhet som skal vurdere henvisningen: et offentlig sykehus eller en privat virksomhet som har avtale med et regionalt helseforetak (rett til valg av behandlingssted, pasient- og brukerrettighetsloven § 2-4 første ledd). Ventetider og behandlingssteder ${toPatient ? "finner du" : "står"} på ${CHOOSE_PLACE_URL}. Ønsker ${you} at henvisningen skal vurderes et annet sted enn ${decision.forwardTo}, kan ${you} kontakte oss eller henviser.`,
        ],
      ],
    },
    {
      heading: `Kontakt ${decision.forwardTo}`,
      paragraphs: [
        [
          decision.forwardToContact
            ? `${decision.forwardTo}: ${decision.forwardToContact}.`
            : `Spør oss om kontaktinformasjon til ${decision.forwardTo}.`,
        ],
      ],
    },
    // Past its date already, the missed assessment deadline is something to complain of (§ 7-2).
    ...(answerBy && answerBy < input.decidedDate
      ? [
          complaintSection(input.clinic, audienceOf(input.recipientRole), {
            what: "at fristen for vurdering av henvisningen ikke er holdt",
            known: "at fristen ikke ble holdt",
          }),
        ]
      : []),
  ];
}

/**
 * The need for an interpreter (pbrl § 3-5: information adapted to the recipient's language
 * background). The patient is offered the letter explained with an interpreter, free of charge; the
 * referrer, the GP and the guardians are told of the need, for the follow-up (a granted right's
 * "Når og hvor" already says an interpreter is booked for the appointment).
 */
function interpreterSection(input: DecisionLetterInput, toPatient: boolean): Section[] {
  const language = input.patient.interpreterLanguage;
  if (!language) return [];
  // A granted right's professional copies say it under "Når og hvor" already.
  if (!toPatient && input.decision.outcome === "granted") return [];
  return [
    {
      heading: "Tolk",
      paragraphs: [
        [
          toPatient
            ? `Vi har fått vite at du trenger tolk (${language}). Vil du ha dette brevet forklart, kan du ringe oss, så bruker vi tolk. Tolk er gratis for deg.`
            : `Pasienten trenger tolk (${language}). Informasjon til pasienten skal tilpasses språkbakgrunnen, med tolk (pasient- og brukerrettighetsloven § 3-5).`,
        ],
      ],
    },
  ];
}

/** Renders one recipient's letter: the referrer's, or the patient's, the GP's or the guardians' copy. */
export function renderDecisionLetter(input: DecisionLetterInput): RenderedLetter {
  const { decision, clinic } = input;
  const toPatient = input.recipientRole === "patient";
  const intro: Section = {
    paragraphs: [
      [
        `Vi viser til ${toPatient ? "henvisningen din, " : "henvisning "}mottatt ${formatNorwegianDate(input.receivedDate)}. ${assessedBySentence(input.assessment)}`,
      ],
      ...(toPatient
        ? [
            [
              `Dette er din kopi av svaret til ${input.referrer.name}, ${input.referrer.organisation}, som henviste deg.`,
            ],
          ]
        : []),
      ...(input.recipientRole === "guardian"
        ? [
            [
              `Dette er en kopi til foreldre eller andre med foreldreansvar. Pasienten er under 16 år, og da skal både pasienten og foreldrene eller andre med foreldreansvaret informeres (pasient- og brukerrettighetsloven § 3-4). Pasienten har fått et eget brev.`,
            ],
          ]
        : []),
    ],
  };
  const body =
    decision.outcome === "granted"
      ? grantedSections(decision, input, toPatient)
      : decision.outcome === "refused"
        ? refusedSections(decision, input, toPatient)
        : forwardedSections(decision, input, toPatient);
  return render({
    subject: `${SUBJECT_PREFIXES[input.recipientRole]} (ref. ${input.referralId})`,
    copyNote: COPY_NOTES[input.recipientRole],
    letterhead: letterheadOf(clinic),
    to: addresseeOf(input.recipientRole, input),
    copyList: copyListOf(input.recipientRole, input),
    letterDate: formatNorwegianDate(input.decidedDate),
    referralId: input.referralId,
    title: TITLES[decision.outcome],
    regarding: regardingOf(input.patient),
    sections: [
      intro,
      ...body,
      ...interpreterSection(input, toPatient),
      contactSection(clinic, input.referralId, toPatient),
    ],
    signature: [
      "Med vennlig hilsen",
      `${input.assessment.responsible.name}, ${roleLabel(input.assessment.responsible.role)}`,
      "Ansvarlig for vurderingen",
      `${clinic.name}, ${clinic.department}`,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// The acknowledgement of a secondary referral

const ACKNOWLEDGEMENT_TITLE = "Bekreftelse på mottatt henvisning";

/**
 * The acknowledgement to the referrer of a secondary referral (sekundærhenvisning): received, not
 * rights-assessed again because the condition already was (it names that assessment), and whom to
 * contact. It decides nothing, so it carries no complaint section.
 */
export function renderAcknowledgementLetter(input: AcknowledgementLetterInput): RenderedLetter {
  return render({
    subject: `${ACKNOWLEDGEMENT_TITLE} (ref. ${input.referralId})`,
    copyNote: null,
    letterhead: letterheadOf(input.clinic),
    to: addresseeOf("referrer", input),
    copyList: null,
    letterDate: formatNorwegianDate(input.date),
    referralId: input.referralId,
    title: ACKNOWLEDGEMENT_TITLE,
    regarding: regardingOf(input.patient),
    sections: [
      {
        paragraphs: [
          [`Vi bekrefter at vi har mottatt henvisningen ${formatNorwegianDate(input.receivedDate)}.`],
          [
            "Henvisningen er en sekundærhenvisning for en tilstand som allerede er rettighetsvurdert (tidligere vurdering: ",
            { text: input.previousDecisionRef, strong: true },
            "). ",
            { text: "Den blir derfor ikke rettighetsvurdert på nytt", strong: true },
            ", og pasienten får ikke et nytt svar om rett til nødvendig helsehjelp. Den tidligere vurderingen og fristen som ble satt der, gjelder fortsatt.",
          ],
          [
            `Henvisningen er registrert hos ${input.clinic.name}, ${input.clinic.department}, og følges opp i det pågående forløpet.`,
          ],
        ],
      },
      contactSection(input.clinic, input.referralId, false),
    ],
    signature: ["Med vennlig hilsen", `${input.clinic.name}, ${input.clinic.department}`],
  });
}

// ---------------------------------------------------------------------------------------------
// The forespørsel

const INFORMATION_REQUEST_TITLE = "Forespørsel om tilleggsopplysninger";

/**
 * The forespørsel to the referrer: what the intake team needs, how to send it, and that this is not
 * an answer and the assessment deadline still holds. To the referrer only (the patient and the GP
 * get the answer later), and without a complaint section, because nothing is decided yet.
 */
export function renderInformationRequestLetter(input: InformationRequestLetterInput): RenderedLetter {
  return render({
    subject: `${INFORMATION_REQUEST_TITLE} (ref. ${input.referralId})`,
    copyNote: null,
    letterhead: letterheadOf(input.clinic),
    to: addresseeOf("referrer", input),
    copyList: null,
    letterDate: formatNorwegianDate(input.date),
    referralId: input.referralId,
    title: INFORMATION_REQUEST_TITLE,
    regarding: regardingOf(input.patient),
    sections: [
      {
        paragraphs: [
          [
            `Vi viser til henvisning mottatt ${formatNorwegianDate(input.receivedDate)}. For å vurdere henvisningen trenger inntaksteamet flere opplysninger.`,
          ],
        ],
      },
      { heading: "Hva vi trenger", paragraphs: [[{ text: input.question, multiline: true }]] },
      {
        heading: "Slik svarer du",
        paragraphs: [
          [
            `Send opplysningene som tillegg til henvisningen gjennom den vanlige elektroniske meldingsutvekslingen, og oppgi vår referanse ${input.referralId}.`,
          ],
        ],
      },
      {
        heading: "Fristen løper",
        paragraphs: [
          [
            "Dette er ikke et svar på henvisningen, og henvisningen er ikke sendt i retur. Fristen for vurdering løper som før: henvisningen blir vurdert senest ",
            { text: formatNorwegianDate(input.assessmentDueDate), strong: true },
            ", også om opplysningene ikke har kommet innen da.",
          ],
        ],
      },
      contactSection(input.clinic, input.referralId, false),
    ],
    signature: [
      "Med vennlig hilsen",
      `${input.clinic.name}, ${input.clinic.department}`,
      "Tverrfaglig inntaksteam",
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// A missed start of care (fristbrudd)

const BREACH_TITLE = "Varsel om fristbrudd";

/**
 * The "Varsel om fristbrudd", sent when the clinic has notified Helfo, never before (Helfo: the
 * original place informs the patient with this letter when it notifies): the right and its
 * deadline, that it was not (or cannot be) kept, that Helfo was notified and on which day, that
 * Helfo Pasientformidling must find an offer without delay (pbrl § 2-1 b fjerde ledd) and will phone
 * to ask whether the patient wants one elsewhere, that the place on the waiting list is kept until
 * the patient accepts such an offer, that travel costs are covered, the Fristbruddtelefonen and its
 * hours, and how to complain (§ 7-2, § 7-5). To the patient as "du"; the parents' copy speaks of the
 * child by name and says they may complain on the child's behalf.
 */
export function renderStartOfCareBreachLetter(input: StartOfCareBreachLetterInput): RenderedLetter {
  const { clinic, patient } = input;
  const helfo = clinic.helfo;
  const deadline = formatNorwegianWeekdayDate(input.startOfCareDeadline);
  const toPatient = input.recipientRole === "patient";
  const You = toPatient ? "Du" : patient.name;
  const you = toPatient ? "du" : patient.name;
  const yourPlace = toPatient ? "plassen din" : "plassen";
  const them = toPatient ? "deg" : "dere";
  const notKept: Paragraph = input.passed
    ? [
        `${You} har rett til nødvendig helsehjelp i spesialisthelsetjenesten, og helsehjelpen skulle vært satt i gang senest `,
        { text: deadline, strong: true },
        ". ",
        { text: "Helsehjelpen er ikke satt i gang innen fristen.", strong: true },
        " Vi beklager det.",
      ]
    : [
        `${You} har rett til nødvendig helsehjelp i spesialisthelsetjenesten, og helsehjelpen skal være satt i gang senest `,
        { text: deadline, strong: true },
        ". ",
        { text: "Vi kan ikke sette i gang helsehjelpen innen denne fristen.", strong: true },
        " Vi beklager det.",
      ];
  return render({
    subject: `${toPatient ? "" : "Kopi til foreldre/foresatte: "}${BREACH_TITLE} (ref. ${input.referralId})`,
    copyNote: toPatient ? null : COPY_NOTES.guardian,
    letterhead: letterheadOf(clinic),
    to: addresseeOf(input.recipientRole, { ...input, referrer: { name: "", organisation: "" } }),
    copyList: null,
    letterDate: formatNorwegianDate(input.date),
    referralId: input.referralId,
    title: BREACH_TITLE,
    regarding: regardingOf(patient),
    sections: [
      {
        paragraphs: [
          notKept,
          ...(toPatient
            ? []
            : [
                [
                  `Dette er en kopi til foreldre eller andre med foreldreansvar. ${patient.name} er under 16 år, og da skal både barnet og foreldrene eller andre med foreldreansvaret informeres (pasient- og brukerrettighetsloven § 3-4). ${patient.name} har fått et eget brev.`,
                ] as Paragraph,
              ]),
        ],
      },
      {
        heading: "Vi har meldt fra til Helfo",
        paragraphs: [
          [
            "Vi meldte fristbruddet til Helfo ",
            { text: formatNorwegianDate(input.reportedOn), strong: true },
            `. ${helfo.name} skal skaffe ${toPatient ? "deg" : patient.name} et tilbud om helsehjelp uten opphold, om nødvendig hos en privat tjenesteyter eller i utlandet (pasient- og brukerrettighetsloven § 2-1 b fjerde ledd).`,
          ],
          [
            `${helfo.name} skal ringe ${them} og spørre om ${toPatient ? "du" : "dere"} ønsker et tilbud et annet sted.`,
          ],
        ],
      },
      {
        heading: toPatient ? "Du beholder plassen din" : "Plassen på ventelisten beholdes",
        paragraphs: [
          [
            `${You} beholder ${yourPlace} på ventelisten hos oss til ${you} eventuelt takker ja til et tilbud fra ${helfo.name}.`,
          ],
          [`Takker ${you} ja til et tilbud et annet sted, dekkes reiseutgiftene.`],
        ],
      },
      {
        heading: "Fristbruddtelefonen",
        paragraphs: [
          [
            `${toPatient ? "Du" : "Dere"} kan selv ringe Fristbruddtelefonen hos ${helfo.name}, `,
            { text: helfo.phone, strong: true },
            ` (${helfo.phoneHours}), eller lese mer på ${helfo.web}. Oppgi at fristen for helsehjelp ${input.passed ? "var" : "er"} ${deadline}.`,
          ],
        ],
      },
      complaintSection(clinic, toPatient ? "patient" : "guardian", {
        what: input.passed
          ? "at helsehjelpen ikke er satt i gang innen fristen"
          : "at helsehjelpen ikke kan settes i gang innen fristen",
        known: "fristbruddet",
      }),
      contactSection(clinic, input.referralId, toPatient),
    ],
    signature: ["Med vennlig hilsen", `${clinic.name}, ${clinic.department}`],
  });
}
