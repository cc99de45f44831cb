/**
 * Patients under 18 (outside the guideline's pathway for adults) and patients who need an
 * interpreter: the flags on the task page, the optional referral field, and the letters' handling.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dispatchDecisionLetters,
  isYoungerThan,
  letterPatientOf,
  letterRecipients,
} from "../../functions/domain/dispatch";
import { makeNationalId } from "../../functions/domain/national-id";
import { isUnder18 } from "../../functions/handlers/task-page-view";
import { renderDecisionLetter } from "../../functions/views/letters";
import { renderer } from "../../functions/views/renderer";
import { renderTaskPage, type TaskPageInput } from "../../functions/views/staff-pages";
import {
  FakeClock,
  InMemoryReferralStore,
  LETTER_TEST_CLINIC,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const clinic = LETTER_TEST_CLINIC;

function page(referral: Partial<TaskPageInput["referral"]>): string {
  return renderTaskPage({
    taskId: "t-1",
    formAction: "t-1/decision",
    referral: {
      referralId: "ref-1",
      kind: "new",
      priority: "ordinary",
      receivedAt: "2025-03-03T09:00:00.000Z",
      assessmentDueDate: "2025-03-17",
      workingDaysLeft: 8,
      patient: { name: "Kari Nordmann" },
      referrer: { name: "Per Hansen", organisation: "Legesenteret" },
      diagnoses: [{ system: "ICPC-2", code: "L18" }],
      reason: "Smerter",
      content: {},
      flags: [],
      missingContent: [],
      ...referral,
    },
  });
}

describe("under 18", () => {
  it("is under 18 until the 18th birthday, counted on the Oslo day of receipt", () => {
    expect(isUnder18("2007-03-03", "2025-03-02T22:59:59.000Z")).toBe(true); // 2 March in Oslo
    expect(isUnder18("2007-03-03", "2025-03-02T23:00:00.000Z")).toBe(false); // 3 March in Oslo
    expect(isUnder18(undefined, "2025-03-02T23:00:00.000Z")).toBe(false);
  });

  it("is flagged on the task page as outside the guideline's pathway for adults", () => {
    expect(page({ under18: true })).toContain(
      "<li>Under 18 år ved mottak: utenfor veilederens pasientforløp for voksne; vurder barneklinikk</li>",
    );
    expect(page({})).not.toContain("Under 18 år");
  });

  it("says on the task page when the parents will get a copy of the answer", () => {
    expect(page({ under16: true })).toContain(
      "<li>Under 16 år: foreldre eller andre med foreldreansvar får kopi av svaret i posten (pasient- og brukerrettighetsloven § 3-4)</li>",
    );
    expect(page({ under18: true })).not.toContain("Under 16 år");
  });
});

describe("the need for an interpreter", () => {
  it("is an optional field of the referral, kept as sent", () => {
    const submission = testSubmission({
      patient: { ...testSubmission().patient, interpreterLanguage: " arabisk " },
    });
    expect(submission.patient.interpreterLanguage).toBe("arabisk");
    expect(letterPatientOf(submission).interpreterLanguage).toBe("arabisk");
    expect(testSubmission().patient.interpreterLanguage).toBeUndefined();
  });

  it("is flagged on the task page, escaped", () => {
    expect(page({ interpreterLanguage: "arabisk" })).toContain("<li>Trenger tolk: arabisk</li>");
    expect(page({ interpreterLanguage: "<b>x</b>" })).toContain("Trenger tolk: &lt;b&gt;x&lt;/b&gt;");
  });

  it("is handled in a granted right's letters: the interpreter is booked, free for the patient", () => {
    const letter = (recipientRole: "patient" | "referrer", interpreterLanguage?: string) =>
      renderDecisionLetter({
        referralId: "ref-1",
        recipientRole,
        receivedDate: "2025-03-03",
        patient: { name: "Kari Nordmann", ...(interpreterLanguage ? { interpreterLanguage } : {}) },
        referrer: { name: "Per Hansen", organisation: "Legesenteret" },
        decision: {
          outcome: "granted",
          careForm: "team",
          startOfCareDeadline: "2025-06-27",
          plannedStart: "2025-06-02",
          assessedBy: "x",
        },
        decidedDate: "2025-03-14",
        assessment: {
          track: "single-assessor",
          participantRoles: ["physician"],
          responsible: { name: "Ingrid Lie", role: "physician" },
        },
        clinic,
      }).text;
    expect(letter("patient", "arabisk")).toContain(
      "Vi bestiller tolk (arabisk) til timen din. Tolk er gratis for deg.",
    );
    expect(letter("referrer", "arabisk")).toContain(
      "Pasienten trenger tolk (arabisk). Vi bestiller tolk til timen.",
    );
    expect(letter("patient")).not.toContain("tolk");
  });
});

/** A valid national ID for a birth date (the first individual number that fits the year). */
function nationalIdBornOn(birthDate: string): string {
  for (let individual = 0; individual < 1000; individual++) {
    try {
      const id = makeNationalId(birthDate, individual);
      if (id) return id;
    } catch {
      // This individual number is not used for this birth year: try the next.
    }
  }
  throw new Error("no national ID");
}

/** A decided referral of a patient born on `birthDate`, decided on `decidedAt`. */
function decided(birthDate: string, decidedAt: string, patient: Record<string, unknown> = {}) {
  const submission = testSubmission({
    patient: { ...testSubmission().patient, nationalId: nationalIdBornOn(birthDate), ...patient },
  });
  return testReferral({
    submission,
    status: "decided",
    decision: {
      decision: {
        outcome: "refused",
        justification: "Kan følges opp av fastlegen.",
        advice: "Fysioterapi.",
        assessedBy: "ingrid.lie@smerteklinikk.example",
      },
      taskId: "task-1",
      decidedAt,
    },
  });
}

describe("a patient under 16: the parents are informed too (pbrl § 3-4)", () => {
  it("counts a birthday as the day one turns a year older, for any date", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1950-01-01T00:00:00Z"),
          max: new Date("2030-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 40_000 }),
        (birth, days) => {
          const birthDate = birth.toISOString().slice(0, 10);
          const date = new Date(birth.getTime() + days * 86_400_000).toISOString().slice(0, 10);
          // The oracle: whole years from the calendar fields.
          const [by, bm, bd] = birthDate.split("-").map(Number) as [number, number, number];
          const [y, m, d] = date.split("-").map(Number) as [number, number, number];
          const age = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
          expect(isYoungerThan(birthDate, 16, date)).toBe(age < 16);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("posts a copy to the parents of a patient under 16 on the day of the decision, at the patient's address", async () => {
    // Prepare: 15 years old on 14 March 2025 (16 on 15 March).
    const store = new InMemoryReferralStore().seed(decided("2009-03-15", "2025-03-14T10:00:00.000Z"));
    const deps = {
      render: renderer,
      store,
      clock: new FakeClock(new Date("2025-03-14T10:05:00Z")),
      mailer: new RecordingMailer(),
      config: testClinicConfig(),
      publicBaseUrl: "https://api.example/prod",
    };

    // Act
    await dispatchDecisionLetters(deps, "ref-1");

    // Assess
    const letters = (await store.getReferralFile("ref-1"))?.letters ?? [];
    const guardian = letters.find((letter) => letter.recipientRole === "guardian");
    expect(guardian).toMatchObject({
      channel: "postal",
      status: "awaiting-postal",
      postalAddress: testSubmission().patient.postalAddress,
    });
    expect(guardian?.text).toContain("Til: Foreldre eller andre med foreldreansvar for Kari Nordmann");
    expect(guardian?.text).toContain("(pasient- og brukerrettighetsloven § 3-4)");
    expect(guardian?.text).not.toContain(testSubmission().patient.nationalId);
    const referrer = letters.find((letter) => letter.recipientRole === "referrer");
    expect(referrer?.text).toContain(
      "Kopi til: pasient (Kari Nordmann) og foreldre eller andre med foreldreansvar",
    );
    expect(deps.mailer.sent.map((email) => email.to)).not.toContain(undefined);
  });

  it("sends no parents' copy from the 16th birthday on, nor for an adult", () => {
    expect(
      letterRecipients(decided("2009-03-14", "2025-03-14T10:00:00.000Z")).map((r) => r.role),
    ).not.toContain("guardian");
    expect(
      letterRecipients(decided("1985-03-15", "2025-03-14T10:00:00.000Z")).map((r) => r.role),
    ).not.toContain("guardian");
    // The Oslo date of the decision counts: 23:30 UTC on 13 March is 14 March in Oslo.
    expect(
      letterRecipients(decided("2009-03-14", "2025-03-13T23:30:00.000Z")).map((r) => r.role),
    ).not.toContain("guardian");
    expect(letterRecipients(decided("2009-03-15", "2025-03-13T23:30:00.000Z")).map((r) => r.role)).toContain(
      "guardian",
    );
  });
});

describe("the need for an interpreter in every decision letter", () => {
  const refused = (recipientRole: "patient" | "referrer" | "gp", interpreterLanguage?: string) =>
    renderDecisionLetter({
      referralId: "ref-1",
      recipientRole,
      receivedDate: "2025-03-03",
      patient: { name: "Kari Nordmann", ...(interpreterLanguage ? { interpreterLanguage } : {}) },
      referrer: { name: "Per Hansen", organisation: "Legesenteret" },
      gp: { name: "Gro Lege" },
      decision: {
        outcome: "refused",
        justification: "Primærhelsetjenesten.",
        advice: "Fysioterapi.",
        assessedBy: "x",
      },
      decidedDate: "2025-03-14",
      assessment: {
        track: "single-assessor",
        participantRoles: ["physician"],
        responsible: { name: "Ingrid Lie", role: "physician" },
      },
      clinic,
    }).text;

  it("offers the patient the letter explained with an interpreter, free, and tells the referrer and GP of the need", () => {
    expect(refused("patient", "polsk")).toContain(
      "Vi har fått vite at du trenger tolk (polsk). Vil du ha dette brevet forklart, kan du ringe oss, så bruker vi tolk. Tolk er gratis for deg.",
    );
    for (const role of ["referrer", "gp"] as const) {
      expect(refused(role, "polsk")).toContain(
        "Pasienten trenger tolk (polsk). Informasjon til pasienten skal tilpasses språkbakgrunnen, med tolk (pasient- og brukerrettighetsloven § 3-5).",
      );
    }
    expect(refused("patient")).not.toMatch(/tolk/i);
  });
});
