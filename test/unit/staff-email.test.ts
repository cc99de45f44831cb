import { describe, expect, it } from "vitest";
import { renderAssessmentTaskEmail } from "../../functions/views/staff-email";

describe("the task email to intake staff", () => {
  const email = renderAssessmentTaskEmail({
    taskUrl: "https://abc.execute-api.eu-north-1.amazonaws.com/prod/tasks/Zm9vYmFy",
    assessmentDueDate: "2025-05-07",
    clinicName: "Smerteklinikken",
  });

  it("says a referral waits, by when, and links to the task", () => {
    for (const body of [email.text, email.html]) {
      expect(body).toContain("En ny henvisning venter på vurdering");
      expect(body).toContain("7. mai 2025");
      expect(body).toContain("https://abc.execute-api.eu-north-1.amazonaws.com/prod/tasks/Zm9vYmFy");
    }
    expect(email.subject).toBe("En ny henvisning venter på vurdering");
    expect(email.html).toContain(
      '<a href="https://abc.execute-api.eu-north-1.amazonaws.com/prod/tasks/Zm9vYmFy">',
    );
  });

  it("carries no patient data: no name, national ID, diagnosis or referral text", () => {
    // Prepare: what the referral behind this task held.
    const patientData = ["Kari", "Nordmann", "14038512324", "L18", "M79.7", "Langvarige smerter", "nakke"];

    // Assess
    const everything = `${email.subject}\n${email.text}\n${email.html}`;
    for (const datum of patientData) expect(everything).not.toContain(datum);
    // Nothing the sender could pass: the input type has no room for patient data.
    expect(Object.keys(email).sort()).toEqual(["html", "subject", "text"]);
  });

  it("refuses a link that is not http(s)", () => {
    expect(() =>
      renderAssessmentTaskEmail({
        taskUrl: "javascript:alert(1)",
        assessmentDueDate: "2025-05-07",
        clinicName: "X",
      }),
    ).toThrow(RangeError);
  });

  it("escapes the link in HTML", () => {
    const withQuery = renderAssessmentTaskEmail({
      taskUrl: 'https://example.no/tasks/a"b',
      assessmentDueDate: "2025-05-07",
      clinicName: "A & B",
    });
    expect(withQuery.html).toContain('href="https://example.no/tasks/a&quot;b"');
    expect(withQuery.html).toContain("A &amp; B");
    expect(withQuery.text).toContain("A & B");
  });
});
