import { describe, expect, it } from "vitest";
import { type ClinicConfig, parseClinicConfig } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import { type DecisionLetterInput, renderDecisionLetter } from "../../functions/views/letters";
import { formatNorwegianDate } from "../../functions/views/norwegian-time";

const CLINIC_CONFIG_JSON = JSON.stringify({
  clinic: {
    name: "Smerteklinikken",
    department: "Avdeling for smertebehandling",
    address: "Sognsvannsveien 20, 0372 Oslo",
    phone: "22 11 80 80",
    email: "smerteklinikken@example.no",
    complaintsTo: "Statsforvalteren i Oslo og Viken",
  },
  intakeTeam: [
    { name: "Lege Lise", role: "physician", email: "lise@example.no", lead: true },
    { name: "Psykolog Per", role: "psychologist", email: "per@example.no" },
  ],
});

const granted: Decision = {
  outcome: "granted",
  careForm: "team",
  startOfCareDeadline: "2025-07-25",
  plannedStart: "2025-06-10",
  assessedBy: "1234567",
};

const refused: Decision = {
  outcome: "refused",
  justification: "Smertene kan følges opp i primærhelsetjenesten.",
  advice: "Gradert aktivitetsøkning med støtte fra fysioterapeut.",
  assessedBy: "1234567",
};

function letterInput(overrides: Partial<DecisionLetterInput> = {}): DecisionLetterInput {
  return {
    referralId: "R-2025-0001",
    recipientRole: "referrer",
    receivedDate: "2025-04-22",
    patient: { name: "Kari Nordmann" },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    gp: { name: "Fastlege Fastlegesen" },
    decision: granted,
    decidedDate: "2025-05-02",
    clinic: parseClinicConfig(CLINIC_CONFIG_JSON).clinic,
    ...overrides,
  };
}

describe("Norwegian dates", () => {
  it("writes dates as Norwegian letters do", () => {
    expect(formatNorwegianDate("2025-05-02")).toBe("2. mai 2025");
    expect(formatNorwegianDate("2024-12-31")).toBe("31. desember 2024");
    expect(formatNorwegianDate("2026-01-01")).toBe("1. januar 2026");
  });

  it("refuses what is not a date", () => {
    expect(() => formatNorwegianDate("2025-13-01")).toThrow(RangeError);
    expect(() => formatNorwegianDate("2025-05-02T10:00:00Z")).toThrow(RangeError);
  });
});

describe("the decision letter", () => {
  it("tells the referrer of a granted right: care form, where, planned start and the legal deadline", () => {
    // Act
    const letter = renderDecisionLetter(letterInput());

    // Assess
    for (const body of [letter.text, letter.html]) {
      expect(body).toContain("Vurdering av henvisning – rett til nødvendig helsehjelp");
      expect(body).toContain("Pasienten har rett til nødvendig helsehjelp i spesialisthelsetjenesten.");
      expect(body).toContain(
        "tverrfaglig utredning i team ved Smerteklinikken, Avdeling for smertebehandling",
      );
      expect(body).toContain("Sognsvannsveien 20, 0372 Oslo");
      expect(body).toContain("10. juni 2025");
      expect(body).toMatch(/Frist for igangsetting av helsehjelp: (<strong>)?25\. juli 2025/);
      expect(body).toContain("henvisning mottatt 22. april 2025");
      expect(body).toContain("2. mai 2025");
      expect(body).toContain("Helfo");
      expect(body).toContain("Vår referanse: R-2025-0001");
    }
    expect(letter.text).toContain("Kopi til: pasient (Kari Nordmann) og fastlege (Fastlege Fastlegesen)");
  });

  it("names each form of care in Norwegian", () => {
    const careForms = ["single-discipline", "mapping-consultation"] as const;
    const [single, mapping] = careForms.map(
      (careForm) => renderDecisionLetter(letterInput({ decision: { ...granted, careForm } })).text,
    );
    expect(single).toContain("utredning ved én eller to faggrupper");
    expect(mapping).toContain("kartleggingskonsultasjon");
  });

  it("says the start is not yet set when there is no planned start", () => {
    // Prepare
    const { plannedStart: _none, ...withoutStart } = granted as Extract<Decision, { outcome: "granted" }>;

    // Act
    const letter = renderDecisionLetter(letterInput({ decision: withoutStart }));

    // Assess
    expect(letter.text).toContain("Tidspunkt for oppstart er ikke fastsatt ennå.");
    expect(letter.text).not.toContain("Planlagt oppstart:");
  });

  it("always says how to complain, to whom, through the clinic and within four weeks", () => {
    for (const decision of [granted, refused]) {
      // Act
      const { text, html } = renderDecisionLetter(letterInput({ decision }));

      // Assess
      for (const body of [text, html]) {
        expect(body).toContain("klage på vurderingen til Statsforvalteren i Oslo og Viken");
        expect(body).toContain("Klagen sendes til Smerteklinikken");
        expect(body).toContain("Klagefrist er fire uker");
        expect(body).toContain("pasient- og brukerrettighetsloven § 7-2");
        expect(body).toContain("telefon 22 11 80 80, e-post smerte");
      }
    }
  });

  it("carries the justification and the advice of a refusal, and that the team assessed it", () => {
    // Act
    const letter = renderDecisionLetter(letterInput({ decision: refused }));

    // Assess
    for (const body of [letter.text, letter.html]) {
      expect(body).toContain("Vurdering av henvisning – avslag");
      expect(body).toContain("Henvisningen får derfor avslag.");
      expect(body).toContain("vurdert av vårt tverrfaglige inntaksteam");
      expect(body).toContain("Smertene kan følges opp i primærhelsetjenesten.");
      expect(body).toMatch(/Råd om videre oppfølging/i);
      expect(body).toContain("Gradert aktivitetsøkning med støtte fra fysioterapeut.");
      expect(body).not.toContain("Helfo");
    }
  });

  it("marks the copies to the patient and the GP", () => {
    // Act
    const patient = renderDecisionLetter(letterInput({ recipientRole: "patient" }));
    const gp = renderDecisionLetter(letterInput({ recipientRole: "gp" }));
    const referrer = renderDecisionLetter(letterInput());

    // Assess
    expect(patient.text.startsWith("Kopi til pasient\n")).toBe(true);
    expect(patient.html).toContain("Kopi til pasient");
    expect(gp.text.startsWith("Kopi til fastlege\n")).toBe(true);
    expect(referrer.text).not.toContain("Kopi til pasient\n");
    expect(patient.subject).toBe("Kopi til pasient: svar på henvisning (ref. R-2025-0001)");
  });

  it("keeps the patient's name out of every subject line", () => {
    for (const recipientRole of ["referrer", "patient", "gp"] as const) {
      for (const decision of [granted, refused]) {
        // Act
        const { subject } = renderDecisionLetter(letterInput({ recipientRole, decision }));

        // Assess
        expect(subject).toMatch(/svar på henvisning \(ref\. R-2025-0001\)$/i);
        expect(subject).not.toContain("Kari");
        expect(subject).not.toContain("Nordmann");
      }
    }
  });

  it("escapes markup from free text in the HTML letter and leaves the text letter verbatim", () => {
    // Prepare
    const decision: Decision = {
      ...refused,
      justification: 'Se <script>alert("x")</script> & vurder\nlinje to',
      advice: "<img src=x onerror=alert(1)>",
    };

    // Act
    const letter = renderDecisionLetter(
      letterInput({ decision, referrer: { name: "Lege <b>Fet</b>", organisation: "A & B legekontor" } }),
    );

    // Assess
    expect(letter.html).not.toContain("<script>");
    expect(letter.html).not.toContain("<img");
    expect(letter.html).not.toContain("<b>Fet</b>");
    expect(letter.html).toContain("&lt;script&gt;");
    expect(letter.html).toContain("&amp; vurder<br>\nlinje to");
    expect(letter.text).toContain('Se <script>alert("x")</script> & vurder\nlinje to');
    expect(letter.text).toContain("A & B legekontor");
  });

  it("tells of a forward where the referral went", () => {
    // Act
    const letter = renderDecisionLetter(
      letterInput({
        decision: {
          outcome: "forwarded",
          forwardTo: "Smertesenteret, St. Olavs hospital",
          justification: "Nærmere bosted.",
          assessedBy: "1",
        },
      }),
    );

    // Assess
    expect(letter.text).toContain("Vurdering av henvisning – videresendt");
    expect(letter.text).toContain("sendt videre til Smertesenteret, St. Olavs hospital");
    expect(letter.text).toContain("Nærmere bosted.");
  });
});

describe("the clinic configuration", () => {
  it("parses a valid configuration", () => {
    const config: ClinicConfig = parseClinicConfig(CLINIC_CONFIG_JSON);
    expect(config.intakeTeam.map((member) => member.role)).toEqual(["physician", "psychologist"]);
  });

  it("says clearly what is wrong with an invalid one", () => {
    const noTeam = JSON.stringify({ ...JSON.parse(CLINIC_CONFIG_JSON), intakeTeam: [] });
    const badRole = JSON.stringify({
      ...JSON.parse(CLINIC_CONFIG_JSON),
      intakeTeam: [{ name: "X", role: "surgeon", email: "x@example.no" }],
    });
    expect(() => parseClinicConfig("{not json")).toThrow("Clinic configuration is not valid JSON");
    expect(() => parseClinicConfig(noTeam)).toThrow(/intakeTeam: the intake team needs at least one member/);
    expect(() => parseClinicConfig(badRole)).toThrow(/intakeTeam\.0\.role/);
  });
});
