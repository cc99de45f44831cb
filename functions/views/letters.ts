/**
 * The letters in Norwegian bokmål: the answer to a referral (svarbrev) to the referrer with copies to
 * the patient and the GP, the forespørsel, the acknowledgement of a secondary referral, and the letter
 * to the patient about a missed start of care. Every letter is built as a list of sections, in the
 * order a reader meets them (the answer to a referral in decision-letter.ts, the others in this
 * file), and rendered through one layout (letter-layout.ts: HTML, plain text, and the PDF of
 * letter-pdf.ts), so the law's sentences are written once and read line by line:
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
import type {
  AcknowledgementLetterInput,
  InformationRequestLetterInput,
  RenderedLetter,
  StartOfCareBreachLetterInput,
} from "../domain/rendering";
import {
  addresseeOf,
  COPY_NOTES,
  complaintSection,
  contactSection,
  letterheadOf,
  type Paragraph,
  regardingOf,
  renderLetter,
} from "./letter-layout";
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
export { renderDecisionLetter } from "./decision-letter";

const ACKNOWLEDGEMENT_TITLE = "Bekreftelse på mottatt henvisning";

/**
 * The acknowledgement to the referrer of a secondary referral (sekundærhenvisning): received, not
 * rights-assessed again because the condition already was (it names that assessment), and whom to
 * contact. It decides nothing, so it carries no complaint section.
 */
export function renderAcknowledgementLetter(input: AcknowledgementLetterInput): RenderedLetter {
  return renderLetter({
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
  return renderLetter({
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
  return renderLetter({
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
