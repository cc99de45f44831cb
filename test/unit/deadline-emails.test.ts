import { describe, expect, it } from "vitest";
import { renderAcknowledgementLetter } from "../../functions/views/letters";
import {
  renderAtRiskEmail,
  renderEscalationEmail,
  renderReminderEmail,
} from "../../functions/views/staff-email";
import { testClinicConfig } from "../support/fakes";

const taskUrl = "https://abc.execute-api.eu-north-1.amazonaws.com/prod/tasks/Zm9vYmFy";

describe("the staff emails of the deadline timer", () => {
  it("remind with the task link and the due date", () => {
    const email = renderReminderEmail({
      taskUrl,
      assessmentDueDate: "2025-03-17",
      clinicName: "Smerteklinikken",
    });

    expect(email.subject).toBe("Påminnelse: en henvisning venter fortsatt på vurdering");
    for (const body of [email.text, email.html]) {
      expect(body).toContain("17. mars 2025");
      expect(body).toContain(taskUrl);
    }
  });

  it("tell the lead the deadline has passed, with the task link", () => {
    const email = renderEscalationEmail({
      taskUrl,
      assessmentDueDate: "2025-03-17",
      clinicName: "Smerteklinikken",
    });

    expect(email.subject).toBe("Fristen for vurdering av en henvisning er passert");
    expect(email.text).toContain("skulle vært gjort innen 17. mars 2025");
    expect(email.html).toContain(`<a href="${taskUrl}">`);
  });

  it("mark an urgent referral with Haster in the subject and the text", () => {
    const email = renderEscalationEmail({
      taskUrl,
      assessmentDueDate: "2025-03-17",
      clinicName: "Smerteklinikken",
      urgent: true,
      internalTargetDate: "2025-03-10",
    });

    expect(email.subject).toBe("Haster: Fristen for vurdering av en henvisning er passert");
    expect(email.text).toContain(
      "Henvisningen haster. Klinikkens frist for raskere vurdering er 10. mars 2025.",
    );
  });

  it("alert the lead to a forward that arrives late, without a link (the task does not exist yet)", () => {
    const email = renderAtRiskEmail({
      assessmentDueDate: "2025-03-17",
      clinicName: "Smerteklinikken",
      deadlinePassed: true,
    });

    expect(email.subject).toBe("En henvisning har kort frist for vurdering");
    expect(email.text).toContain("allerede passert");
    expect(email.text).not.toContain("https://");
    expect(Object.keys(email).sort()).toEqual(["html", "subject", "text"]);
  });

  it("refuse a link that is not http(s)", () => {
    expect(() =>
      renderReminderEmail({
        taskUrl: "javascript:alert(1)",
        assessmentDueDate: "2025-03-17",
        clinicName: "X",
      }),
    ).toThrow(RangeError);
  });
});

describe("the acknowledgement of a secondary referral", () => {
  const letter = renderAcknowledgementLetter({
    referralId: "ref-1",
    receivedDate: "2025-03-03",
    patient: { name: "Kari <Nordmann>" },
    referrer: { name: "Per Hansen", organisation: "Grünerløkka legesenter" },
    previousDecisionRef: "SAK-2024-117",
    date: "2025-03-04",
    clinic: testClinicConfig().clinic,
  });

  it("confirms receipt, names the earlier assessment and says it is not assessed again", () => {
    for (const body of [letter.text, letter.html]) {
      expect(body).toContain("Bekreftelse på mottatt henvisning");
      expect(body).toContain("3. mars 2025");
      expect(body).toContain("SAK-2024-117");
      expect(body).toContain("rettighetsvurdert på nytt");
    }
    expect(letter.subject).toBe("Bekreftelse på mottatt henvisning (ref. ref-1)");
  });

  it("says whom to contact and carries no complaint section (it decides nothing)", () => {
    expect(letter.text).toContain("telefon 23 00 00 00, e-post smerteklinikken@smerteklinikk.example");
    expect(letter.text).not.toContain("KLAGE");
    expect(letter.html).not.toContain("Klagefrist");
  });

  it("escapes names in HTML and keeps them as written in text", () => {
    expect(letter.html).toContain("Kari &lt;Nordmann&gt;");
    expect(letter.text).toContain("Kari <Nordmann>");
  });
});
