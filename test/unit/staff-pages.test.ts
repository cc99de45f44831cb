import { describe, expect, it } from "vitest";
import { CONTENT_ITEMS } from "../../functions/domain/referral";
import {
  renderDecisionRecordedPage,
  renderTaskGonePage,
  renderTaskPage,
  type TaskPageInput,
} from "../../functions/domain/staff-pages";

function pageInput(overrides: Partial<TaskPageInput["referral"]> = {}): TaskPageInput {
  return {
    taskId: "secret-task-id-0123456789",
    referral: {
      referralId: "R-2025-0001",
      kind: "new",
      priority: "ordinary",
      receivedAt: "2025-04-22T08:15:00.000Z",
      assessmentDueDate: "2025-05-07",
      workingDaysLeft: 4,
      patient: { name: "Kari Nordmann", birthYear: 1985 },
      referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
      diagnoses: [{ system: "ICPC-2", code: "L18", text: "Muskelsmerter" }],
      reason: "Langvarige smerter i nakke og skuldre.",
      content: {
        patientPerspective: "Ønsker å komme tilbake i jobb.",
        painDescription: "Brennende, daglig.",
      },
      flags: ["young-adult-at-risk"],
      missingContent: CONTENT_ITEMS.map((item) => item.key).filter(
        (key) => key !== "patientPerspective" && key !== "painDescription",
      ),
      ...overrides,
    },
    formAction: "secret-task-id-0123456789/decision",
  };
}

/** The text of the <dd> that follows the <dt> with this label. */
function contentValue(html: string, label: string): string | undefined {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`<dt>${escaped}</dt>\\s*<dd[^>]*>([\\s\\S]*?)</dd>`).exec(html)?.[1];
}

describe("the task page", () => {
  it("shows the summary, the deadline with working days left, and the flags", () => {
    // Act
    const html = renderTaskPage(pageInput());

    // Assess
    expect(html).toContain('<html lang="nb">');
    expect(html).toContain("R-2025-0001");
    expect(html).toContain("Kari Nordmann (født 1985)");
    expect(html).toContain("Lege Legesen, Sentrum legekontor");
    expect(html).toContain("ICPC-2 L18: Muskelsmerter");
    expect(html).toContain("Langvarige smerter i nakke og skuldre.");
    expect(html).toContain("<strong>7. mai 2025</strong>: 4 virkedager igjen.");
    expect(html).toContain("22. april 2025");
    expect(html).toContain("Ung voksen med risiko for frafall fra skole eller arbeid");
    expect(html).not.toContain("<script");
  });

  it("lists all 13 content items and marks exactly the missing ones", () => {
    // Act
    const html = renderTaskPage(pageInput());

    // Assess
    const values = CONTENT_ITEMS.map((item) => contentValue(html, item.label));
    expect(values[0]).toBe("Ønsker å komme tilbake i jobb.");
    expect(values[1]).toBe("Brennende, daglig.");
    expect(values.slice(2)).toEqual(Array(11).fill("<strong>Mangler</strong>"));
    expect(html).toContain("Mangler 11 av 13 anbefalte opplysninger.");
  });

  it("says when the deadline is today or has passed", () => {
    expect(renderTaskPage(pageInput({ workingDaysLeft: 0 }))).toContain("fristen er i dag");
    expect(renderTaskPage(pageInput({ workingDaysLeft: -2 }))).toContain(
      "fristen er passert med 2 virkedager",
    );
    expect(renderTaskPage(pageInput({ workingDaysLeft: 1 }))).toContain("1 virkedag igjen");
  });

  it("has one POST form with labelled fields for both outcomes", () => {
    // Act
    const html = renderTaskPage(pageInput());

    // Assess
    expect(html.match(/<form /g)).toHaveLength(1);
    expect(html).toContain('<form method="post" action="secret-task-id-0123456789/decision">');
    for (const value of ["granted", "refused"]) {
      expect(html).toContain(`name="outcome" id="outcome-${value}" value="${value}"`);
    }
    for (const value of ["team", "single-discipline", "mapping-consultation"]) {
      expect(html).toContain(`name="careForm" id="careForm-${value}" value="${value}"`);
    }
    expect(html).toContain("<legend>Ved rett til nødvendig helsehjelp</legend>");
    expect(html).toContain("<legend>Ved avslag</legend>");
    // Every input, textarea and radio has a label pointing at it.
    const ids = [...html.matchAll(/<(?:input|textarea)[^>]* id="([^"]+)"/g)].map((match) => match[1]);
    expect(ids).toHaveLength(10);
    for (const id of ids) expect(html).toContain(`<label for="${id}">`);
    expect(html).not.toContain('value="forwarded"');
  });

  it("shows errors next to their fields and keeps what was typed", () => {
    // Prepare
    const input: TaskPageInput = {
      ...pageInput(),
      errors: [
        { path: "advice", message: "Skriv råd om videre oppfølging" },
        { path: "", message: "Noe annet gikk galt" },
      ],
      values: { outcome: "refused", justification: "Følges opp hos fastlege.", advice: "" },
    };

    // Act
    const html = renderTaskPage(input);

    // Assess
    expect(html).toContain('role="alert"');
    expect(html).toContain('<a href="#field-advice">Skriv råd om videre oppfølging</a>');
    expect(html).toContain("<li>Noe annet gikk galt</li>");
    expect(html).toContain('<p class="field-error" id="error-advice">Skriv råd om videre oppfølging</p>');
    expect(html).toMatch(
      /<textarea id="field-advice"[^>]*aria-describedby="hint-advice error-advice" aria-invalid="true">/,
    );
    expect(html).toContain('id="outcome-refused" value="refused" checked');
    expect(html).toContain(">Følges opp hos fastlege.</textarea>");
  });

  it("escapes markup in referral text and in submitted values", () => {
    // Prepare
    const input: TaskPageInput = {
      ...pageInput({
        reason: '<script>alert("reason")</script>',
        patient: { name: "<img src=x onerror=alert(1)>" },
        content: { patientPerspective: "</dd><script>x</script>" },
        diagnoses: [{ system: "ICD-10", code: "M79.7", text: "<b>fet</b>" }],
      }),
      values: {
        justification: "</textarea><script>alert(1)</script>",
        assessedBy: '" autofocus onfocus="alert(1)',
      },
    };

    // Act
    const html = renderTaskPage(input);

    // Assess
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>fet</b>");
    expect(html).not.toContain('" autofocus');
    expect(html).toContain("&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;/textarea&gt;&lt;script&gt;");
  });

  it("does not show the task id, which is the link's credential", () => {
    const html = renderTaskPage({ ...pageInput(), formAction: "decision" });
    expect(html).not.toContain("secret-task-id-0123456789");
  });
});

describe("the pages around the task", () => {
  it("says a task that was already answered is already handled", () => {
    const html = renderTaskGonePage({ reason: "answered" });
    expect(html).toContain("<h1>Denne oppgaven er allerede behandlet</h1>");
    expect(html).toContain('<html lang="nb">');
  });

  it("has its own words for an expired and an unknown task", () => {
    expect(renderTaskGonePage({ reason: "expired" })).toContain("Denne oppgaven er utløpt");
    expect(renderTaskGonePage({ reason: "unknown" })).toContain("Fant ikke oppgaven");
  });

  it("confirms a recorded decision with the referral's reference", () => {
    const html = renderDecisionRecordedPage({ referralId: "R-2025-0001<x>" });
    expect(html).toContain("Vurderingen er registrert");
    expect(html).toContain("R-2025-0001&lt;x&gt;");
  });
});
