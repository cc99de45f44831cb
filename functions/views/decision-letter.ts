/**
 * The answer to a referral (svarbrev), in Norwegian bokmål: the referrer's letter and the patient's,
 * the GP's and the guardians' copies, as views/letters.ts describes them. Built as a letter view
 * (views/letter-layout.ts), so the page, the email and the PDF attached to the Status på henvisning
 * (views/letter-pdf.ts) are the same words.
 */
import type { Decision } from "../domain/decision";
import { CARE_FORMS } from "../domain/decision-labels";
import type {
  DecisionLetterInput,
  LetterAssessment,
  LetterRecipient,
  RenderedLetter,
} from "../domain/rendering";
import {
  addresseeOf,
  audienceOf,
  COPY_NOTES,
  complaintSection,
  contactSection,
  copyListOf,
  type LetterView,
  letterheadOf,
  listNb,
  type Paragraph,
  regardingOf,
  renderLetter,
  roleLabel,
  type Section,
} from "./letter-layout";
import { formatNorwegianDate, formatNorwegianWeekdayDate } from "./norwegian-time";

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
  // The receiving clinic answers by the assessment due date the forward keeps.
  const { assessmentDueDate } = input;
  const hear: Paragraph = !assessmentDueDate
    ? [`${You} får svar fra ${decision.forwardTo}.`]
    : assessmentDueDate >= input.decidedDate
      ? [
          `${decision.forwardTo} skal gi ${toPatient ? "deg" : "pasienten"} svar på om ${you} har rett til nødvendig helsehjelp senest `,
          { text: formatNorwegianWeekdayDate(assessmentDueDate), strong: true },
          ".",
        ]
      : [
          `Fristen for å gi ${toPatient ? "deg" : "pasienten"} svar, ${formatNorwegianWeekdayDate(assessmentDueDate)}, er passert. ${decision.forwardTo} skal gi svar så snart som mulig.`,
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
    ...(assessmentDueDate && assessmentDueDate < input.decidedDate
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
  return renderLetter(decisionLetterView(input));
}

/**
 * One recipient's letter in words, before any format: what the page and the email render, and what
 * the PDF attached to the Status på henvisning is drawn from (views/letter-pdf.ts).
 */
export function decisionLetterView(input: DecisionLetterInput): LetterView {
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
  return {
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
  };
}
