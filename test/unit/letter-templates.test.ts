/**
 * The letters, checked against the law line by line. Every letter is kept under __golden__/ as
 * readable .txt and .html files (reviewed like code; `vitest -u` rewrites them after a deliberate
 * change), and the sentences that carry the law are asserted explicitly for every outcome and
 * recipient: pbrl § 2-1 b (the right and the deadline), § 2-2 (told when and where), § 2-3 (renewed
 * assessment), § 2-4 (free choice of hospital), § 7-2 (complaint to the Statsforvalteren), § 7-5
 * (four weeks), Helfo after a missed start, the responsible clinician, the patient by name and birth
 * date, the patient's copy in the second person.
 */

import { describe, expect, it } from "vitest";
import type { Decision } from "../../functions/domain/decision";
import {
  type DecisionLetterInput,
  type LetterAssessment,
  type RenderedLetter,
  renderAcknowledgementLetter,
  renderDecisionLetter,
  renderInformationRequestLetter,
  renderStartOfCareBreachLetter,
} from "../../functions/views/letters";
import { LETTER_TEST_CLINIC } from "../support/fakes";

const clinic = LETTER_TEST_CLINIC;

const DECISIONS = {
  granted: {
    outcome: "granted",
    careForm: "team",
    startOfCareDeadline: "2025-07-25",
    plannedStart: "2025-06-10",
    assessedBy: "ingrid.lie@example.no",
  },
  grantedNotice: {
    outcome: "granted",
    careForm: "mapping-consultation",
    startOfCareDeadline: "2025-07-25",
    startNoticeBy: "2025-06-13",
    assessedBy: "ingrid.lie@example.no",
  },
  refused: {
    outcome: "refused",
    justification:
      "Smertene kan følges opp i primærhelsetjenesten.\nDet er ikke behov for tverrfaglig utredning nå.",
    advice: "Gradert aktivitetsøkning med støtte fra fysioterapeut.",
    assessedBy: "ingrid.lie@example.no",
  },
  forwarded: {
    outcome: "forwarded",
    forwardTo: "Smertesenteret, St. Olavs hospital",
    forwardToContact: "telefon 72 57 30 00, Postboks 3250 Torgarden, 7006 Trondheim",
    justification: "Pasienten bor nærmere St. Olavs hospital, som har tilbud for denne tilstanden.",
    assessedBy: "ingrid.lie@example.no",
  },
} satisfies Record<string, Decision>;

const TEAM: LetterAssessment = {
  track: "intake-meeting",
  participantRoles: ["physician", "psychologist", "physiotherapist"],
  responsible: { name: "Ingrid Lie", role: "physician" },
};

const SINGLE: LetterAssessment = {
  track: "single-assessor",
  participantRoles: ["physician"],
  responsible: { name: "Ingrid Lie", role: "physician" },
};

const RECIPIENTS = ["referrer", "patient", "gp"] as const;

function decisionLetter(decision: Decision, overrides: Partial<DecisionLetterInput> = {}): RenderedLetter {
  return renderDecisionLetter({
    referralId: "R-2025-0001",
    recipientRole: "referrer",
    receivedDate: "2025-04-22",
    patient: {
      name: "Kari Nordmann",
      birthDate: "1985-03-15",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    gp: { name: "Fastlege Fastlegesen" },
    decision,
    decidedDate: "2025-05-02",
    assessment: TEAM,
    assessmentDueDate: "2025-05-07",
    clinic,
    ...overrides,
  });
}

const informationRequest = (question = "Hvilke legemidler har pasienten prøvd, og med hvilken effekt?") =>
  renderInformationRequestLetter({
    referralId: "R-2025-0001",
    receivedDate: "2025-04-22",
    assessmentDueDate: "2025-05-07",
    patient: { name: "Kari Nordmann", birthDate: "1985-03-15" },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    question,
    date: "2025-05-02",
    clinic,
  });

const acknowledgement = () =>
  renderAcknowledgementLetter({
    referralId: "R-2025-0002",
    receivedDate: "2025-05-02",
    patient: { name: "Kari Nordmann", birthDate: "1985-03-15" },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    previousDecisionRef: "SAK-2024-117",
    date: "2025-05-02",
    clinic,
  });

const breachLetter = (
  overrides: Partial<Parameters<typeof renderStartOfCareBreachLetter>[0]> = {},
): RenderedLetter =>
  renderStartOfCareBreachLetter({
    referralId: "R-2025-0001",
    recipientRole: "patient",
    patient: {
      name: "Kari Nordmann",
      birthDate: "1985-03-15",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    },
    startOfCareDeadline: "2025-07-25",
    passed: true,
    reportedOn: "2025-07-28",
    date: "2025-07-28",
    clinic,
    ...overrides,
  });

/** A 13-year-old's breach letter, reported before the deadline (an expected breach). */
const childBreach = {
  name: "Ola Nordmann",
  birthDate: "2012-02-01",
  postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
};

async function expectGolden(name: string, letter: RenderedLetter) {
  await expect(`Emne: ${letter.subject}\n\n${letter.text}`).toMatchFileSnapshot(`./__golden__/${name}.txt`);
  await expect(letter.html).toMatchFileSnapshot(`./__golden__/${name}.html`);
}

/** Both bodies of a letter: every sentence the law asks for must be in each. */
const bodies = (letter: RenderedLetter) => [letter.text, letter.html];

describe("the letters (golden files, one per outcome and recipient)", () => {
  for (const recipientRole of RECIPIENTS) {
    it(`granted with a planned start, team track: ${recipientRole}`, async () => {
      await expectGolden(`granted.${recipientRole}`, decisionLetter(DECISIONS.granted, { recipientRole }));
    });
    it(`granted with the date the patient will be told, single assessor: ${recipientRole}`, async () => {
      await expectGolden(
        `granted-notice.${recipientRole}`,
        decisionLetter(DECISIONS.grantedNotice, { recipientRole, assessment: SINGLE }),
      );
    });
    it(`refused: ${recipientRole}`, async () => {
      await expectGolden(`refused.${recipientRole}`, decisionLetter(DECISIONS.refused, { recipientRole }));
    });
    it(`forwarded: ${recipientRole}`, async () => {
      await expectGolden(
        `forwarded.${recipientRole}`,
        decisionLetter(DECISIONS.forwarded, { recipientRole }),
      );
    });
  }

  it("granted, when the GP is the referrer: one letter, copied to the patient only", async () => {
    const { gp: _gp, ...input } = { gp: undefined };
    await expectGolden("granted-gp-is-referrer.referrer", decisionLetter(DECISIONS.granted, input));
  });

  it("granted for a patient under 16: the parents' copy, and the referrer's copy list naming it", async () => {
    const child = {
      name: "Ola Nordmann",
      birthDate: "2011-09-01",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    };
    await expectGolden(
      "granted-under-16.guardian",
      decisionLetter(DECISIONS.granted, { recipientRole: "guardian", patient: child, guardianCopy: true }),
    );
    await expectGolden(
      "granted-under-16.referrer",
      decisionLetter(DECISIONS.granted, { recipientRole: "referrer", patient: child, guardianCopy: true }),
    );
  });

  for (const recipientRole of ["patient", "referrer"] as const) {
    it(`refused, the patient needs an interpreter: ${recipientRole}`, async () => {
      await expectGolden(
        `refused-interpreter.${recipientRole}`,
        decisionLetter(DECISIONS.refused, {
          recipientRole,
          patient: {
            name: "Kari Nordmann",
            birthDate: "1985-03-15",
            postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
            interpreterLanguage: "arabisk",
          },
        }),
      );
    });
  }

  it("information request (forespørsel)", async () => {
    await expectGolden("information-request.referrer", informationRequest());
  });

  it("acknowledgement of a secondary referral", async () => {
    await expectGolden("acknowledgement.referrer", acknowledgement());
  });

  it("a missed start of care (Varsel om fristbrudd), to the patient", async () => {
    await expectGolden("start-of-care-breach.patient", breachLetter());
  });

  it("a start of care that cannot be kept, reported before the deadline, to the patient", async () => {
    await expectGolden(
      "start-of-care-breach-expected.patient",
      breachLetter({ passed: false, reportedOn: "2025-07-10", date: "2025-07-10" }),
    );
  });

  it("a missed start of care for a patient under 16: the parents' copy", async () => {
    await expectGolden(
      "start-of-care-breach-under-16.guardian",
      breachLetter({ recipientRole: "guardian", patient: childBreach }),
    );
  });

  it("a forward past its assessment date: the complaint route for the missed deadline", async () => {
    await expectGolden(
      "forwarded-late.patient",
      decisionLetter(DECISIONS.forwarded, {
        recipientRole: "patient",
        assessmentDueDate: "2025-05-16",
        decidedDate: "2025-05-20",
      }),
    );
  });
});

describe("the Varsel om fristbrudd", () => {
  it("tells the patient, as 'du', that Helfo was notified and when, that Helfo finds an offer and will phone, the place kept, travel costs, the Fristbruddtelefonen and how to complain", () => {
    for (const body of bodies(breachLetter())) {
      expect(body).toMatch(/skulle vært satt i gang senest (<strong>)?fredag 25\. juli 2025/);
      expect(body).toMatch(/Vi meldte fristbruddet til Helfo (<strong>)?28\. juli 2025/);
      expect(body).toContain(
        "Helfo Pasientformidling skal skaffe deg et tilbud om helsehjelp uten opphold, om nødvendig hos en privat tjenesteyter eller i utlandet (pasient- og brukerrettighetsloven § 2-1 b fjerde ledd).",
      );
      expect(body).toContain(
        "Helfo Pasientformidling skal ringe deg og spørre om du ønsker et tilbud et annet sted.",
      );
      expect(body).toContain(
        "Du beholder plassen din på ventelisten hos oss til du eventuelt takker ja til et tilbud fra Helfo Pasientformidling.",
      );
      expect(body).toContain("dekkes reiseutgiftene");
      expect(body).toMatch(
        /Fristbruddtelefonen hos Helfo Pasientformidling, (<strong>)?23 32 70 03(<\/strong>)? \(hverdager kl\. 9\.00–14\.00\)/,
      );
      expect(body).not.toContain("33 52 80 00");
      expect(body).toContain("(pasient- og brukerrettighetsloven § 7-2)");
      expect(body).toContain("(pasient- og brukerrettighetsloven § 7-5)");
      expect(body).toContain("Kari Nordmann, født 15. mars 1985");
      expect(body).not.toMatch(/\bpasienten\b/i);
    }
    expect(breachLetter().subject).not.toMatch(/Kari|Nordmann/);
  });

  it("reported before the deadline, says the start cannot be kept, not that it was missed", () => {
    for (const body of bodies(
      breachLetter({ passed: false, reportedOn: "2025-07-10", date: "2025-07-10" }),
    )) {
      expect(body).toContain("Vi kan ikke sette i gang helsehjelpen innen denne fristen.");
      expect(body).not.toContain("er ikke satt i gang innen fristen");
      expect(body).toMatch(/Vi meldte fristbruddet til Helfo (<strong>)?10\. juli 2025/);
    }
  });

  it("to the parents of a patient under 16: about the child by name, and that they may complain on the child's behalf", () => {
    const letter = breachLetter({ recipientRole: "guardian", patient: childBreach });
    for (const body of bodies(letter)) {
      expect(body).toContain("Til: Foreldre eller andre med foreldreansvar for Ola Nordmann");
      expect(body).toContain("Ola Nordmann beholder plassen på ventelisten");
      expect(body).toContain(
        "kan dere klage på at helsehjelpen ikke er satt i gang innen fristen på vegne av barnet",
      );
      expect(body).not.toMatch(/\bdu\b/);
    }
  });
});

describe("what the law asks of every answer", () => {
  const decided = [DECISIONS.granted, DECISIONS.grantedNotice, DECISIONS.refused, DECISIONS.forwarded];

  it("is dated, with the clinic's reference", () => {
    for (const body of bodies(decisionLetter(DECISIONS.granted))) {
      expect(body).toMatch(/Dato: 2\. mai 2025(<br>|\n)Vår referanse: R-2025-0001/);
    }
  });

  it("names the patient with the birth date beside the name, and never a national ID", () => {
    for (const decision of decided) {
      for (const recipientRole of RECIPIENTS) {
        const letter = decisionLetter(decision, { recipientRole });
        expect(letter.text).toContain("Gjelder: Kari Nordmann, født 15. mars 1985");
        expect(letter.html).toContain("<strong>Gjelder:</strong> Kari Nordmann, født 15. mars 1985");
        expect(letter.text).not.toMatch(/\d{11}/);
        expect(letter.subject).not.toMatch(/Kari|Nordmann/);
      }
    }
  });

  it("names the responsible clinician and the team that took part, on the team track", () => {
    for (const decision of decided) {
      for (const body of bodies(decisionLetter(decision))) {
        expect(body).toContain(
          "Henvisningen er vurdert i vårt tverrfaglige inntaksteam (lege, psykolog og fysioterapeut). Ansvarlig for vurderingen er Ingrid Lie, lege.",
        );
        expect(body).toMatch(/Ingrid Lie, lege(<br>|\n)Ansvarlig for vurderingen/);
      }
    }
  });

  it("says one clinician assessed it alone on the single-assessor track, and no team", () => {
    for (const decision of decided) {
      for (const body of bodies(decisionLetter(decision, { assessment: SINGLE }))) {
        expect(body).toContain(
          "Henvisningen er vurdert av Ingrid Lie, lege, som er ansvarlig for vurderingen.",
        );
        expect(body).not.toMatch(/inntaksteam/i);
      }
    }
  });

  it("speaks to the patient as 'du' in the patient's copy, and of 'pasienten' to the professionals", () => {
    for (const decision of decided) {
      const patient = decisionLetter(decision, { recipientRole: "patient" });
      // What staff wrote (a justification) is quoted as written; the letter's own words say "du".
      const quoted = "justification" in decision ? decision.justification : "";
      for (const body of bodies(patient)) {
        expect(body.replace(quoted, "")).not.toMatch(/\bpasienten\b/i);
        expect(body).toMatch(/\b(du|deg|din)\b/i);
      }
      expect(patient.text).toMatch(/^Til: Kari Nordmann\nStorgata 1\n0150 Oslo$/m);
      expect(patient.text).toContain("Dette er din kopi av svaret til Lege Legesen, Sentrum legekontor");
      for (const recipientRole of ["referrer", "gp"] as const) {
        const text = decisionLetter(decision, { recipientRole }).text;
        expect(text).not.toMatch(/\b(du|deg)\b/);
      }
    }
    expect(decisionLetter(DECISIONS.granted, { recipientRole: "patient" }).text).toContain(
      "Du har rett til nødvendig helsehjelp i spesialisthelsetjenesten (pasient- og brukerrettighetsloven § 2-1 b).",
    );
  });

  it("tells how to complain on a right and on a refusal: through the clinic to today's Statsforvalteren (§ 7-2), within four weeks (§ 7-5)", () => {
    for (const decision of [DECISIONS.granted, DECISIONS.grantedNotice, DECISIONS.refused]) {
      for (const recipientRole of RECIPIENTS) {
        for (const body of bodies(decisionLetter(decision, { recipientRole }))) {
          expect(body).toMatch(
            /(Du|Pasienten) kan klage på vurderingen \(pasient- og brukerrettighetsloven § 7-2\)/,
          );
          expect(body).toContain(
            "Klagen sendes til Smerteklinikken, Avdeling for smertebehandling, Postboks 4950 Nydalen, 0424 Oslo.",
          );
          expect(body).toContain(
            "sender vi klagen videre til Statsforvalteren i Østfold, Buskerud, Oslo og Akershus.",
          );
          expect(body).toMatch(
            /Klagefristen er fire uker fra (du|pasienten) fikk eller burde ha fått kjennskap til vurderingen \(pasient- og brukerrettighetsloven § 7-5\)/,
          );
          expect(body).not.toContain("Oslo og Viken");
        }
      }
    }
  });

  it("a forward decides no right, so it carries no complaint section", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.forwarded, { recipientRole }))) {
        expect(body).not.toMatch(/klage/i);
        expect(body).not.toContain("Statsforvalteren");
      }
    }
  });
});

describe("a granted right", () => {
  it("says what care, when (the planned start) and where (the visiting address, not the PO box), and the latest start", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.granted, { recipientRole }))) {
        expect(body).toMatch(/(Du|Pasienten) får tilbud om tverrfaglig utredning i team\./);
        expect(body).toMatch(/Planlagt oppstart: (<strong>)?tirsdag 10\. juni 2025/);
        expect(body).toContain(
          "Sted: Smerteklinikken, Avdeling for smertebehandling, Sognsvannsveien 20, 0372 Oslo.",
        );
        expect(body).not.toMatch(/Sted:[^\n<]*Postboks/);
        expect(body).toMatch(/Helsehjelpen skal starte senest (<strong>)?fredag 25\. juli 2025/);
        expect(body).toContain("(pasient- og brukerrettighetsloven § 2-1 b andre ledd)");
      }
    }
  });

  it("without a planned start, gives the date by which the patient will be told", () => {
    for (const body of bodies(decisionLetter(DECISIONS.grantedNotice, { recipientRole: "patient" }))) {
      expect(body).toMatch(/Du får innkalling med dato og klokkeslett senest fredag 13\. juni 2025\./);
      expect(body).not.toContain("Planlagt oppstart");
      expect(body).toContain("kartleggingskonsultasjon");
    }
  });

  it("tells of the right to choose where to be treated (§ 2-4) by its current name, and helsenorge's page for choosing", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.granted, { recipientRole }))) {
        expect(body).toContain("(rett til valg av behandlingssted, pasient- og brukerrettighetsloven § 2-4)");
        expect(body).toContain("helsenorge.no/velg-behandlingssted");
        expect(body).not.toContain("fritt behandlingsvalg");
      }
    }
  });

  it("tells, in a forward, that the patient may choose where the referral is assessed (§ 2-4 første ledd)", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.forwarded, { recipientRole }))) {
        expect(body).toContain(
          "(rett til valg av behandlingssted, pasient- og brukerrettighetsloven § 2-4 første ledd)",
        );
        expect(body).toContain("helsenorge.no/velg-behandlingssted");
      }
    }
  });

  it("gives a forward past its assessment date a complaint route for the missed deadline, and one in time none", () => {
    const late = decisionLetter(DECISIONS.forwarded, {
      recipientRole: "patient",
      assessmentDueDate: "2025-05-16",
      decidedDate: "2025-05-20",
    });
    for (const body of bodies(late)) {
      expect(body).toContain(
        "Du kan klage på at fristen for vurdering av henvisningen ikke er holdt (pasient- og brukerrettighetsloven § 7-2).",
      );
    }
    for (const body of bodies(decisionLetter(DECISIONS.forwarded, { recipientRole: "patient" }))) {
      expect(body).not.toContain("§ 7-2");
    }
  });

  it("tells the parents of a patient under 16 that they may complain on the child's behalf", () => {
    const child = { name: "Ola Nordmann", birthDate: "2011-09-01" };
    for (const decision of [DECISIONS.granted, DECISIONS.refused]) {
      for (const body of bodies(
        decisionLetter(decision, { recipientRole: "guardian", patient: child, guardianCopy: true }),
      )) {
        expect(body).toContain(
          "Som foreldre eller andre med foreldreansvar kan dere klage på vurderingen på vegne av barnet",
        );
        expect(body).not.toContain("Pasienten kan klage");
      }
    }
  });

  it("says the hospital reports a missed start to Helfo, that Helfo Pasientformidling finds an offer, and how to reach Helfo", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.granted, { recipientRole }))) {
        expect(body).toContain(
          "Er helsehjelpen ikke satt i gang innen fredag 25. juli 2025, melder sykehuset fra til Helfo.",
        );
        expect(body).toMatch(
          /Helfo Pasientformidling skal da skaffe (deg|pasienten) et tilbud om helsehjelp uten opphold, om nødvendig hos en privat tjenesteyter eller i utlandet/,
        );
        expect(body).toMatch(
          /Fristbruddtelefonen hos Helfo Pasientformidling, telefon 23 32 70 03 \(hverdager kl\. 9\.00–14\.00\)/,
        );
        expect(body).toMatch(/(Du|Pasienten) beholder plassen på ventelisten/);
        expect(body).not.toContain("33 52 80 00");
      }
    }
  });
});

describe("a refusal", () => {
  it("is about the right to specialist care as a whole, not the place, with justification and advice", () => {
    for (const recipientRole of RECIPIENTS) {
      const letter = decisionLetter(DECISIONS.refused, { recipientRole });
      for (const body of bodies(letter)) {
        expect(body).toMatch(
          /Vi har kommet fram til at (du|pasienten) ikke har rett til nødvendig helsehjelp i spesialisthelsetjenesten \(pasient- og brukerrettighetsloven § 2-1 b\)\. Henvisningen får derfor avslag\./,
        );
        expect(body).not.toMatch(/ved vår klinikk/);
        expect(body).not.toContain("Helfo");
      }
      expect(letter.text).toContain(
        "BEGRUNNELSE\nSmertene kan følges opp i primærhelsetjenesten.\nDet er ikke behov",
      );
      expect(letter.text).toContain(
        "RÅD OM VIDERE OPPFØLGING\nGradert aktivitetsøkning med støtte fra fysioterapeut.",
      );
      expect(letter.html).toContain("primærhelsetjenesten.<br>\nDet er ikke behov");
    }
  });

  it("tells of the right to a renewed assessment (§ 2-3)", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.refused, { recipientRole }))) {
        expect(body).toMatch(
          /(Du|Pasienten) har rett til én fornyet vurdering av helsetilstanden i spesialisthelsetjenesten \(pasient- og brukerrettighetsloven § 2-3\)/,
        );
      }
    }
  });
});

describe("a forward", () => {
  it("says where and why, that the ansiennitetsdato is kept, by when the patient hears, and how to reach the receiving clinic", () => {
    for (const recipientRole of RECIPIENTS) {
      for (const body of bodies(decisionLetter(DECISIONS.forwarded, { recipientRole }))) {
        expect(body).toMatch(/Henvisningen er sendt videre til Smertesenteret, St\. Olavs hospital/);
        expect(body).toContain("Pasienten bor nærmere St. Olavs hospital");
        expect(body).toMatch(
          /Ansiennitetsdatoen (<strong>)?22\. april 2025(<\/strong>)? følger henvisningen/,
        );
        expect(body).toMatch(
          /svar på om (du|pasienten) har rett til nødvendig helsehjelp senest (<strong>)?onsdag 7\. mai 2025/,
        );
        expect(body).toContain(
          "Smertesenteret, St. Olavs hospital: telefon 72 57 30 00, Postboks 3250 Torgarden, 7006 Trondheim.",
        );
      }
    }
  });

  it("says the answer is overdue when the due date has passed", () => {
    const letter = decisionLetter(DECISIONS.forwarded, {
      assessmentDueDate: "2025-04-30",
      recipientRole: "patient",
    });
    expect(letter.text).toContain("Fristen for å gi deg svar, onsdag 30. april 2025, er passert.");
  });
});

describe("one letter per person", () => {
  it("copies the referrer's letter to the patient and the GP, and to the patient only when the GP is the referrer", () => {
    expect(decisionLetter(DECISIONS.granted).text).toContain(
      "Kopi til: pasient (Kari Nordmann) og fastlege (Fastlege Fastlegesen)",
    );
    const { text } = decisionLetter(DECISIONS.granted, { gp: undefined });
    expect(text).toContain("Kopi til: pasient (Kari Nordmann)\n");
    expect(text).not.toContain("fastlege (");
  });

  it("marks the copies to the patient and the GP", () => {
    expect(
      decisionLetter(DECISIONS.granted, { recipientRole: "patient" }).text.startsWith("Kopi til pasient\n"),
    ).toBe(true);
    expect(
      decisionLetter(DECISIONS.granted, { recipientRole: "gp" }).text.startsWith("Kopi til fastlege\n"),
    ).toBe(true);
    expect(decisionLetter(DECISIONS.granted, { recipientRole: "patient" }).subject).toBe(
      "Kopi til pasient: svar på henvisning (ref. R-2025-0001)",
    );
  });
});

describe("the letters to the referrer alone", () => {
  it("an information request: the question, that it is no answer, that the clock runs, whom to contact, no complaint", () => {
    const letter = informationRequest();
    expect(letter.subject).toBe("Forespørsel om tilleggsopplysninger (ref. R-2025-0001)");
    for (const body of bodies(letter)) {
      expect(body).toContain("Hvilke legemidler har pasienten prøvd, og med hvilken effekt?");
      expect(body).toContain("Dette er ikke et svar på henvisningen");
      expect(body).toMatch(/henvisningen blir vurdert senest (<strong>)?7\. mai 2025/);
      expect(body).toContain("telefon 22 11 80 80");
      expect(body).toContain("Kari Nordmann, født 15. mars 1985");
      expect(body).not.toContain("Statsforvalteren");
      expect(body).not.toContain("Kopi til");
    }
  });

  it("an acknowledgement of a secondary referral names the earlier assessment and carries no complaint", () => {
    for (const body of bodies(acknowledgement())) {
      expect(body).toMatch(/tidligere vurdering: (<strong>)?SAK-2024-117/);
      expect(body).not.toContain("Statsforvalteren");
    }
  });
});

describe("escaping", () => {
  it("escapes markup from the referral and the form in every HTML letter, and keeps the text letter verbatim", () => {
    // Prepare
    const evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    const people = {
      patient: { name: `Kari ${evil}` },
      referrer: { name: `Lege ${evil}`, organisation: "A & B <b>legekontor</b>" },
      gp: { name: `Fastlege ${evil}` },
    };
    const letters = [
      decisionLetter({ ...DECISIONS.refused, justification: evil, advice: evil }, people),
      decisionLetter(
        { ...DECISIONS.forwarded, forwardTo: evil, forwardToContact: evil, justification: evil },
        people,
      ),
      decisionLetter(DECISIONS.granted, { ...people, recipientRole: "patient" }),
      renderInformationRequestLetter({
        referralId: "R-1",
        receivedDate: "2025-04-22",
        assessmentDueDate: "2025-05-07",
        ...people,
        question: evil,
        date: "2025-05-02",
        clinic,
      }),
    ];

    // Assess
    for (const letter of letters) {
      expect(letter.html).not.toContain("<script");
      expect(letter.html).not.toContain("<img");
      expect(letter.html).not.toContain("<b>legekontor</b>");
      expect(letter.html).toContain("&lt;script&gt;");
      expect(letter.text).toContain(evil);
    }
  });
});

describe("the parents' copy of a patient under 16 (pbrl § 3-4)", () => {
  const child = {
    name: "Ola Nordmann",
    birthDate: "2011-09-01",
    postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
  };
  for (const [outcome, decision] of Object.entries(DECISIONS)) {
    it(`${outcome}: is addressed to those with parental responsibility at the patient's address, says why, and speaks of the patient`, () => {
      const letter = decisionLetter(decision, {
        recipientRole: "guardian",
        patient: child,
        guardianCopy: true,
      });
      expect(letter.subject).toBe("Kopi til foreldre/foresatte: svar på henvisning (ref. R-2025-0001)");
      for (const body of bodies(letter)) {
        expect(body).toContain("Til: Foreldre eller andre med foreldreansvar for Ola Nordmann");
        expect(body).toMatch(/Storgata 1(<br>|\n)0150 Oslo/);
        expect(body).toContain("Kopi til foreldre/foresatte");
        expect(body).toContain(
          "Pasienten er under 16 år, og da skal både pasienten og foreldrene eller andre med foreldreansvaret informeres (pasient- og brukerrettighetsloven § 3-4).",
        );
        expect(body).toContain("Ola Nordmann, født 1. september 2011");
        expect(body).not.toMatch(/\bdu\b/);
      }
    });
  }
});

describe("an interpreter's need in the letters (pbrl § 3-5)", () => {
  const withInterpreter = {
    name: "Kari Nordmann",
    birthDate: "1985-03-15",
    interpreterLanguage: "arabisk",
  };
  for (const [outcome, decision] of Object.entries(DECISIONS)) {
    it(`${outcome}: offers the patient an interpreter for the letter and tells the others of the need`, () => {
      const patient = decisionLetter(decision, { recipientRole: "patient", patient: withInterpreter });
      for (const body of bodies(patient)) {
        expect(body).toContain("Vi har fått vite at du trenger tolk (arabisk).");
        expect(body).toContain("Tolk er gratis for deg.");
      }
      for (const recipientRole of ["referrer", "gp"] as const) {
        const text = decisionLetter(decision, { recipientRole, patient: withInterpreter }).text;
        expect(text).toContain("Pasienten trenger tolk (arabisk).");
        // Said once: a granted right says it where the appointment is.
        expect(text.match(/Pasienten trenger tolk/g)).toHaveLength(1);
      }
    });
  }
});
