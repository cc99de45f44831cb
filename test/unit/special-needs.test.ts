/**
 * Patients under 18 (outside the guideline's pathway for adults) and patients who need an
 * interpreter: the flags on the task page, the optional referral field, and the letters' handling.
 */
import { describe, expect, it } from "vitest";
import { parseClinicConfig } from "../../functions/domain/clinic";
import { letterPatientOf } from "../../functions/domain/dispatch";
import { isUnder18 } from "../../functions/handlers/task-page-view";
import { renderDecisionLetter } from "../../functions/views/letters";
import { renderTaskPage, type TaskPageInput } from "../../functions/views/staff-pages";
import { testSubmission } from "../support/fakes";

const clinic = parseClinicConfig(
  JSON.stringify({
    clinic: {
      name: "Smerteklinikken",
      department: "Avdeling for smertebehandling",
      postalAddress: "Postboks 4950 Nydalen, 0424 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "22 11 80 80",
      email: "smerteklinikken@example.no",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    },
    intakeTeam: [{ name: "Ingrid Lie", role: "physician", email: "ingrid@example.no", lead: true }],
  }),
).clinic;

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
