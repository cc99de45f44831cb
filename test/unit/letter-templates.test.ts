/**
 * Golden tests of every letter template: each rendered letter is kept under __golden__/ as readable
 * .txt and .html files (reviewed like code; `vitest -u` rewrites them after a deliberate change), and
 * the sentences that carry the law are asserted explicitly as well.
 */
import { describe, expect, it } from "vitest";
import { type ClinicConfig, parseClinicConfig } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import {
  type DecisionLetterInput,
  type RenderedLetter,
  renderAcknowledgementLetter,
  renderDecisionLetter,
  renderInformationRequestLetter,
} from "../../functions/views/letters";

const clinic: ClinicConfig["clinic"] = parseClinicConfig(
  JSON.stringify({
    clinic: {
      name: "Smerteklinikken",
      department: "Avdeling for smertebehandling",
      address: "Sognsvannsveien 20, 0372 Oslo",
      phone: "22 11 80 80",
      email: "smerteklinikken@example.no",
      complaintsTo: "Statsforvalteren i Oslo og Viken",
    },
    intakeTeam: [{ name: "Lege Lise", role: "physician", email: "lise@example.no", lead: true }],
  }),
).clinic;

const DECISIONS = {
  granted: {
    outcome: "granted",
    careForm: "team",
    startOfCareDeadline: "2025-07-25",
    plannedStart: "2025-06-10",
    assessedBy: "1234567",
  },
  refused: {
    outcome: "refused",
    justification:
      "Smertene kan følges opp i primærhelsetjenesten.\nDet er ikke behov for tverrfaglig utredning nå.",
    advice: "Gradert aktivitetsøkning med støtte fra fysioterapeut.",
    assessedBy: "1234567",
  },
  forwarded: {
    outcome: "forwarded",
    forwardTo: "Smertesenteret, St. Olavs hospital",
    justification: "Pasienten bor nærmere St. Olavs hospital, som har tilbud for denne tilstanden.",
    assessedBy: "1234567",
  },
} satisfies Record<string, Decision>;

function decisionLetter(decision: Decision, overrides: Partial<DecisionLetterInput> = {}): RenderedLetter {
  return renderDecisionLetter({
    referralId: "R-2025-0001",
    recipientRole: "referrer",
    receivedDate: "2025-04-22",
    patient: { name: "Kari Nordmann" },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    gp: { name: "Fastlege Fastlegesen" },
    decision,
    decidedDate: "2025-05-02",
    clinic,
    ...overrides,
  });
}

const informationRequest = (question = "Hvilke legemidler har pasienten prøvd, og med hvilken effekt?") =>
  renderInformationRequestLetter({
    referralId: "R-2025-0001",
    receivedDate: "2025-04-22",
    assessmentDueDate: "2025-05-07",
    patient: { name: "Kari Nordmann" },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    question,
    date: "2025-05-02",
    clinic,
  });

const acknowledgement = () =>
  renderAcknowledgementLetter({
    referralId: "R-2025-0002",
    receivedDate: "2025-05-02",
    patient: { name: "Kari Nordmann" },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    previousDecisionRef: "SAK-2024-117",
    date: "2025-05-02",
    clinic,
  });

async function expectGolden(name: string, letter: RenderedLetter) {
  await expect(`Emne: ${letter.subject}\n\n${letter.text}`).toMatchFileSnapshot(`./__golden__/${name}.txt`);
  await expect(letter.html).toMatchFileSnapshot(`./__golden__/${name}.html`);
}

describe("the letter templates (golden files)", () => {
  it("granted: to the referrer, and the copies to the patient and the GP", async () => {
    await expectGolden("granted.referrer", decisionLetter(DECISIONS.granted));
    await expectGolden("granted.patient", decisionLetter(DECISIONS.granted, { recipientRole: "patient" }));
    await expectGolden("granted.gp", decisionLetter(DECISIONS.granted, { recipientRole: "gp" }));
  });

  it("refused", async () => {
    await expectGolden("refused.referrer", decisionLetter(DECISIONS.refused));
  });

  it("forwarded", async () => {
    await expectGolden("forwarded.referrer", decisionLetter(DECISIONS.forwarded));
  });

  it("information request (forespørsel)", async () => {
    await expectGolden("information-request.referrer", informationRequest());
  });

  it("acknowledgement of a secondary referral", async () => {
    await expectGolden("acknowledgement.referrer", acknowledgement());
  });
});

describe("what each letter says", () => {
  it("a granted right: the decision, the care, where, the planned start and the legal deadline, as Norwegian dates", () => {
    const { text, html } = decisionLetter(DECISIONS.granted);
    for (const body of [text, html]) {
      expect(body).toContain("Pasienten har rett til nødvendig helsehjelp i spesialisthelsetjenesten.");
      expect(body).toContain(
        "tverrfaglig utredning i team ved Smerteklinikken, Avdeling for smertebehandling",
      );
      expect(body).toContain("Sognsvannsveien 20, 0372 Oslo");
      expect(body).toMatch(/Planlagt oppstart: (<strong>)?10\. juni 2025/);
      expect(body).toMatch(/Frist for igangsetting av helsehjelp: (<strong>)?25\. juli 2025/);
      expect(body).toContain("Dato: 2. mai 2025");
      expect(body).toContain("klage på vurderingen til Statsforvalteren i Oslo og Viken");
      expect(body).toContain("telefon 22 11 80 80");
    }
  });

  it("a refusal: the justification and the advice, and how to complain", () => {
    const { text } = decisionLetter(DECISIONS.refused);
    expect(text).toContain("Henvisningen får derfor avslag.");
    expect(text).toContain("BEGRUNNELSE\nSmertene kan følges opp i primærhelsetjenesten.");
    expect(text).toContain(
      "RÅD OM VIDERE OPPFØLGING\nGradert aktivitetsøkning med støtte fra fysioterapeut.",
    );
    expect(text).toContain("Statsforvalteren i Oslo og Viken");
  });

  it("a forward: where to, why, that the ansiennitetsdato travels with it, and how to complain", () => {
    const { text, html } = decisionLetter(DECISIONS.forwarded);
    for (const body of [text, html]) {
      expect(body).toContain("Henvisningen er sendt videre til Smertesenteret, St. Olavs hospital");
      expect(body).toContain("Pasienten bor nærmere St. Olavs hospital");
      expect(body).toMatch(
        /Ansiennitetsdatoen (<strong>)?22\. april 2025(<\/strong>)? følger henvisningen til Smertesenteret/,
      );
      expect(body).toContain("fristen for vurdering regnes fortsatt fra denne datoen");
      expect(body).toContain("Statsforvalteren i Oslo og Viken");
    }
    expect(text).toContain("Kopi til: pasient (Kari Nordmann) og fastlege (Fastlege Fastlegesen)");
  });

  it("an information request: the question, that it is no answer, that the clock runs, whom to contact, no complaint", () => {
    const letter = informationRequest();
    expect(letter.subject).toBe("Forespørsel om tilleggsopplysninger (ref. R-2025-0001)");
    for (const body of [letter.text, letter.html]) {
      expect(body).toContain("Forespørsel om tilleggsopplysninger");
      expect(body).toContain("Hvilke legemidler har pasienten prøvd, og med hvilken effekt?");
      expect(body).toContain("Dette er ikke et svar på henvisningen");
      expect(body).toMatch(/henvisningen blir vurdert senest (<strong>)?7\. mai 2025/);
      expect(body).toContain("henvisning mottatt 22. april 2025");
      expect(body).toContain("telefon 22 11 80 80");
      expect(body).not.toContain("Statsforvalteren");
      expect(body).not.toContain("Kopi til");
    }
  });

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
      decisionLetter({ ...DECISIONS.forwarded, forwardTo: evil, justification: evil }, people),
      decisionLetter(DECISIONS.granted, people),
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
      expect(letter.text).toContain("A & B <b>legekontor</b>");
    }
  });
});
