import { describe, expect, it } from "vitest";
import { CONTENT_ITEMS } from "../../functions/domain/referral";
import {
  renderDecisionRecordedPage,
  renderFormExpiredPage,
  renderInformationRequestedPage,
  renderTaskGonePage,
  renderTaskPage,
  type TaskPageInput,
} from "../../functions/views/staff-pages";

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
      patient: { name: "Kari Nordmann", birthDate: "1985-03-15" },
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
    expect(html).toContain("<dd>Kari Nordmann, født 15. mars 1985</dd>");
    expect(html).toContain("Lege Legesen, Sentrum legekontor");
    expect(html).toContain("ICPC-2 L18: Muskelsmerter");
    expect(html).toContain("Langvarige smerter i nakke og skuldre.");
    expect(html).toContain("<strong>7. mai 2025</strong>: 4 virkedager igjen.");
    expect(html).toContain("22. april 2025");
    expect(html).toContain("Ung voksen med risiko for frafall fra skole eller arbeid");
    expect(html).not.toContain("<script");
  });

  it("says that no diagnosis was given, for a forwarded referral that came without one", () => {
    const html = renderTaskPage(pageInput({ diagnoses: [] }));
    expect(contentValue(html, "Diagnoser")).toBe(
      "Ingen oppgitt (viderehenvisning: se den opprinnelige henvisningen)",
    );
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

  it("has one POST form per outcome, each with its hidden outcome, the anti-forgery token and labelled fields", () => {
    // Act
    const html = renderTaskPage({ ...pageInput(), csrfToken: "tok-123" });

    // Assess
    const forms = [...html.matchAll(/<form [^>]*>([\s\S]*?)<\/form>/g)];
    expect(forms).toHaveLength(4);
    const outcomes = forms.map((form) => /name="outcome" value="([^"]+)"/.exec(form[1] ?? "")?.[1]);
    expect(outcomes).toEqual(["granted", "refused", "forwarded", "information-requested"]);
    for (const [form] of forms) {
      expect(form).toContain('<form method="post" action="secret-task-id-0123456789/decision"');
      expect(form).toContain('<input type="hidden" name="csrfToken" value="tok-123">');
      expect(form).toContain('name="assessedBy"');
    }
    for (const value of ["team", "single-discipline", "mapping-consultation"]) {
      expect(html).toContain(`name="careForm" id="granted-careForm-${value}" value="${value}"`);
    }
    expect(forms[0]?.[0]).toContain('name="startOfCareDeadline"');
    expect(forms[0]?.[0]).toContain('name="plannedStart"');
    expect(forms[0]?.[0]).toContain('name="startNoticeBy"');
    expect(forms[1]?.[0]).toMatch(/name="justification"[\s\S]*name="advice"/);
    expect(forms[2]?.[0]).toMatch(
      /name="forwardTo"[\s\S]*name="forwardToContact"[\s\S]*name="justification"/,
    );
    expect(html).toContain("Ansiennitetsdatoen følger henvisningen, og svarbrevet sier det.");
    expect(forms[3]?.[0]).toContain('name="question"');
    expect(html).toContain("Forespørsel til henviser");
    expect(html).toContain("fristen for vurdering løper videre");
    // Every input, textarea and radio has a label pointing at it, and ids are unique across forms.
    const ids = [...html.matchAll(/<(?:input|textarea)[^>]* id="([^"]+)"/g)].map((match) => match[1]);
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(html).toContain(`<label for="${id}">`);
  });

  it("puts no token field in the forms of a task that has none", () => {
    expect(renderTaskPage(pageInput())).not.toContain('name="csrfToken"');
  });

  it("shows errors next to their fields in the form that was posted, and keeps what was typed", () => {
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
    expect(html).toContain('<a href="#refused-advice">Skriv råd om videre oppfølging</a>');
    expect(html).toContain("<li>Noe annet gikk galt</li>");
    expect(html).toContain(
      '<p class="field-error" id="refused-advice-error">Skriv råd om videre oppfølging</p>',
    );
    expect(html).toMatch(
      /<textarea id="refused-advice"[^>]*aria-describedby="refused-advice-hint refused-advice-error" aria-invalid="true">/,
    );
    expect(html).toContain(">Følges opp hos fastlege.</textarea>");
    // The forward form has its own justification field, untouched.
    expect(html).toMatch(/<textarea id="forwarded-justification"[^>]*><\/textarea>/);
  });

  it("shows the errors of every outcome at their own fields", () => {
    const cases = [
      { outcome: "granted", path: "careForm", anchor: "#granted-careForm-team" },
      { outcome: "granted", path: "startOfCareDeadline", anchor: "#granted-startOfCareDeadline" },
      { outcome: "forwarded", path: "forwardTo", anchor: "#forwarded-forwardTo" },
      { outcome: "information-requested", path: "question", anchor: "#information-requested-question" },
    ];
    for (const { outcome, path, anchor } of cases) {
      const html = renderTaskPage({
        ...pageInput(),
        errors: [{ path, message: "Feil her" }],
        values: { outcome, [path]: "verdi" },
      });
      expect(html, path).toContain(`<a href="${anchor}">Feil her</a>`);
      expect(html, path).toContain(`id="${anchor.slice(1).replace(/-team$/, "")}-error">Feil her</p>`);
    }
  });

  it("escapes markup in referral text and in submitted values of every form", () => {
    // Prepare
    const input: TaskPageInput = {
      ...pageInput({
        reason: '<script>alert("reason")</script>',
        patient: { name: "<img src=x onerror=alert(1)>" },
        content: { patientPerspective: "</dd><script>x</script>" },
        diagnoses: [{ system: "ICD-10", code: "M79.7", text: "<b>fet</b>" }],
        kind: "forwarded",
        forwarded: { ansiennitetsdato: "2025-04-01", previousInstitution: "<i>Sykehus</i>" },
      }),
      values: {
        outcome: "forwarded",
        forwardTo: '"><script>alert(2)</script>',
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
    expect(html).not.toContain("<i>Sykehus</i>");
    expect(html).not.toContain('" autofocus');
    expect(html).toContain("&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;/textarea&gt;&lt;script&gt;");
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
  });

  it("shows a forwarded referral's ansiennitetsdato and previous institution, and Haster", () => {
    const html = renderTaskPage(
      pageInput({
        kind: "forwarded",
        priority: "urgent",
        forwarded: { ansiennitetsdato: "2025-04-01", previousInstitution: "Sykehuset Innlandet" },
      }),
    );
    expect(html).toContain("<dt>Type</dt><dd>Videresendt henvisning</dd>");
    expect(html).toContain("<dt>Ansiennitetsdato</dt><dd>1. april 2025</dd>");
    expect(html).toContain("<dt>Tidligere institusjon</dt><dd>Sykehuset Innlandet</dd>");
    expect(html).toContain('<strong class="urgent">Haster</strong>');
  });

  it("shows every flag by its Norwegian name", () => {
    const html = renderTaskPage(
      pageInput({
        flags: ["young-adult-at-risk", "trauma", "elderly", "mental-health", "substance-dependency"],
      }),
    );
    for (const label of [
      "Ung voksen med risiko for frafall fra skole eller arbeid",
      "Traumer",
      "Eldre pasient",
      "Psykisk helse",
      "Rus- eller legemiddelavhengighet",
    ]) {
      expect(html).toContain(`<li>${label}</li>`);
    }
    expect(renderTaskPage(pageInput({ flags: [] }))).toContain("<dt>Særlige hensyn</dt>\n<dd>Ingen</dd>");
  });

  it("suggests a short deadline, four weeks out, for a young adult at risk", () => {
    // Act
    const html = renderTaskPage({ ...pageInput(), today: "2025-04-25" });
    const other = renderTaskPage({ ...pageInput({ flags: [] }), today: "2025-04-25" });

    // Assess
    expect(html).toContain("Forslag: 4 uker, 23. mai 2025.");
    expect(html).toMatch(/id="granted-startOfCareDeadline" name="startOfCareDeadline" value="2025-05-23"/);
    expect(other).not.toContain("Forslag:");
    expect(other).toMatch(/id="granted-startOfCareDeadline" name="startOfCareDeadline" value=""/);
  });

  it("keeps what was typed over the suggestion when a granted form comes back", () => {
    const html = renderTaskPage({
      ...pageInput(),
      today: "2025-04-25",
      values: { outcome: "granted", startOfCareDeadline: "2025-06-01" },
      errors: [{ path: "careForm", message: "Velg tilbudsform" }],
    });
    expect(html).toMatch(/name="startOfCareDeadline" value="2025-06-01"/);
  });

  it("warns with a banner when the deadline is at risk or breached", () => {
    expect(renderTaskPage(pageInput({ workingDaysLeft: 6 }))).not.toContain('class="banner');
    expect(renderTaskPage(pageInput({ workingDaysLeft: 6, atRisk: true }))).toContain(
      "Fristen for vurdering er nær",
    );
    expect(renderTaskPage(pageInput({ workingDaysLeft: 2 }))).toContain('class="banner at-risk"');
    const breached = renderTaskPage(pageInput({ workingDaysLeft: -1, deadlineBreached: true }));
    expect(breached).toContain('class="banner breached"');
    expect(breached).toContain("Fristen for vurdering er passert");
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
    expect(html).not.toContain("<a ");
    const linked = renderDecisionRecordedPage({
      referralId: "R-1",
      referralHref: "../../staff/referrals/R-1",
    });
    expect(linked).toContain('<a href="../../staff/referrals/R-1">Åpne henvisningen');
  });

  it("confirms an information request: the task stays open and the clock runs, with a link back", () => {
    const html = renderInformationRequestedPage({ referralId: "R-1", taskHref: "../abc" });
    expect(html).toContain("Forespørselen er sendt. Oppgaven er fortsatt åpen, og fristen løper.");
    expect(html).toContain('<a href="../abc">Tilbake til oppgaven</a>');
  });

  it("says an expired form recorded nothing", () => {
    const html = renderFormExpiredPage({ taskHref: "../abc" });
    expect(html).toContain("<h1>Skjemaet er utløpt</h1>");
    expect(html).toContain("ingenting er registrert");
  });
});
