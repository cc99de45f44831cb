/**
 * Who gets a letter and what the letters know of the people in them: one letter per person, the
 * patient by name and birth date, the responsible clinician. And the clinic configuration the
 * letters quote: today's Statsforvalteren and a visiting address that is not a PO box.
 */
import { describe, expect, it } from "vitest";
import { parseClinicConfig } from "../../functions/domain/clinic";
import {
  gpIsReferrer,
  letterAssessmentOf,
  letterPatientOf,
  letterRecipients,
} from "../../functions/domain/dispatch";
import { testClinicConfig, testReferral, testSubmission } from "../support/fakes";

const CLINIC = {
  name: "Smerteklinikken",
  department: "Avdeling for smertebehandling",
  postalAddress: "Postboks 4950 Nydalen, 0424 Oslo",
  visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
  phone: "22 11 80 80",
  email: "smerteklinikken@example.no",
  complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
};
const TEAM = [
  { name: "Lege Lise", role: "physician", email: "lise@example.no", lead: true },
  { name: "Psykolog Per", role: "psychologist", email: "per@example.no", hprNumber: "7654321" },
];
const configJson = (clinic: Record<string, unknown> = {}) =>
  JSON.stringify({ clinic: { ...CLINIC, ...clinic }, intakeTeam: TEAM });

const decided = (assessedBy: string) => ({
  decision: {
    decision: {
      outcome: "refused" as const,
      justification: "…",
      advice: "…",
      assessedBy,
    },
    taskId: "t-1",
    decidedAt: "2025-03-10T10:00:00.000Z",
  },
});

describe("who gets the answer", () => {
  it("sends one letter to a GP who is also the referrer (the same HPR number), as in the sample referral", () => {
    // Prepare: the sample's GP and referrer share HPR 1234567 but not the email address.
    const referral = testReferral();

    // Act
    const recipients = letterRecipients(referral);

    // Assess
    expect(recipients.map((recipient) => recipient.role)).toEqual(["referrer", "patient"]);
    expect(recipients[0]?.email).toBe("per.hansen@legesenter.example");
  });

  it("sends the GP a copy when the GP is someone else", () => {
    const submission = testSubmission({
      gp: { hprNumber: "7777777", name: "Fastlege Fastlegesen", email: "fastlege@example.no" },
    });
    expect(letterRecipients(testReferral({ submission })).map((recipient) => recipient.role)).toEqual([
      "referrer",
      "patient",
      "gp",
    ]);
  });

  it("takes a GP without an HPR number for the referrer when the email address is the same", () => {
    const referrer = testSubmission().referrer;
    expect(gpIsReferrer({ referrer, gp: { name: "X", email: referrer.email?.toUpperCase() } })).toBe(true);
    expect(gpIsReferrer({ referrer, gp: { name: referrer.name } })).toBe(false);
  });
});

describe("the people in a letter", () => {
  it("names the patient by birth date from the national ID, and keeps the ID out", () => {
    const patient = letterPatientOf(testSubmission());
    expect(patient).toEqual({
      name: "Kari Nordmann",
      birthDate: "1985-03-15",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    });
    expect(JSON.stringify(patient)).not.toContain("15038512282");
  });

  it("names as responsible the team member who signed the decision, by email, HPR number or name", () => {
    const config = parseClinicConfig(configJson());
    const onTeam = { assignment: { track: "intake-meeting" as const, assessors: TEAM, lead: "Lege Lise" } };
    for (const signedBy of ["PER@example.no", "7654321", "Psykolog Per"]) {
      const facts = letterAssessmentOf(testReferral({ ...onTeam, ...decided(signedBy) }), config);
      expect(facts.responsible).toEqual({ name: "Psykolog Per", role: "psychologist" });
      expect(facts.participantRoles).toEqual(["physician", "psychologist"]);
      expect(facts.track).toBe("intake-meeting");
    }
  });

  it("falls back to the single assessor, or the meeting's lead, when the signature names no one on the team", () => {
    const config = parseClinicConfig(configJson());
    const single = testReferral({
      assignment: { track: "single-assessor", assessors: [{ name: "Psykolog Per", role: "psychologist" }] },
      ...decided("staff-42"),
    });
    expect(letterAssessmentOf(single, config)).toEqual({
      track: "single-assessor",
      participantRoles: ["psychologist"],
      responsible: { name: "Psykolog Per", role: "psychologist" },
    });
    const meeting = testReferral({
      assignment: { track: "intake-meeting", assessors: TEAM, lead: "Lege Lise" },
      ...decided("staff-42"),
    });
    expect(letterAssessmentOf(meeting, config).responsible).toEqual({ name: "Lege Lise", role: "physician" });
  });
});

describe("the clinic configuration", () => {
  it("parses a valid configuration, with Helfo's contact by default", () => {
    const config = parseClinicConfig(configJson());
    expect(config.intakeTeam.map((member) => member.role)).toEqual(["physician", "psychologist"]);
    expect(config.clinic.helfo).toEqual({
      name: "Helfo Pasientformidling",
      phone: "23 32 70 03",
      phoneHours: "hverdager kl. 9.00–14.00",
      web: "helsenorge.no",
    });
    expect(testClinicConfig().clinic.complaintsTo).toBe(
      "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    );
  });

  it("rejects a Statsforvalteren office that no longer exists, naming the one to use", () => {
    for (const old of ["Statsforvalteren i Oslo og Viken", "Statsforvalteren i Oslo og Akershus"]) {
      expect(() => parseClinicConfig(configJson({ complaintsTo: old }))).toThrow(
        /clinic\.complaintsTo: no such office today: use "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus"/,
      );
    }
    expect(() => parseClinicConfig(configJson({ complaintsTo: "Klagenemnda" }))).toThrow(
      /clinic\.complaintsTo: must name a Statsforvalteren office/,
    );
  });

  it("rejects a PO box as the visiting address, where patients come", () => {
    for (const box of ["Postboks 4950 Nydalen, 0424 Oslo", "Pb. 12, 7006 Trondheim"]) {
      expect(() => parseClinicConfig(configJson({ visitingAddress: box }))).toThrow(
        /clinic\.visitingAddress: must be a street address/,
      );
    }
  });

  it("says clearly what is wrong with an invalid one", () => {
    const noTeam = JSON.stringify({ ...JSON.parse(configJson()), intakeTeam: [] });
    const badRole = JSON.stringify({
      ...JSON.parse(configJson()),
      intakeTeam: [{ name: "X", role: "surgeon", email: "x@example.no" }],
    });
    expect(() => parseClinicConfig("{not json")).toThrow("Clinic configuration is not valid JSON");
    expect(() => parseClinicConfig(noTeam)).toThrow(/intakeTeam: the intake team needs at least one member/);
    expect(() => parseClinicConfig(badRole)).toThrow(/intakeTeam\.0\.role/);
  });
});
