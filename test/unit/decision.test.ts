import { describe, expect, it } from "vitest";
import { decisionSchema, parseDecision } from "../../functions/domain/decision";

const TODAY = "2025-05-02";

/** A form post from the task page: every field present, untouched ones empty. */
function formBody(fields: Record<string, string>): Record<string, string> {
  return {
    outcome: "",
    careForm: "",
    startOfCareDeadline: "",
    plannedStart: "",
    startNoticeBy: "",
    justification: "",
    advice: "",
    assessedBy: "",
    ...fields,
  };
}

function pathsOf(result: ReturnType<typeof parseDecision>): string[] {
  return result.ok ? [] : result.issues.map((issue) => issue.path);
}

describe("a decision", () => {
  it("grants a right from a form post, dropping the fields of the other outcome", () => {
    // Prepare
    const body = formBody({
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: "2025-07-25",
      plannedStart: "2025-06-10",
      assessedBy: " 1234567 ",
    });

    // Act
    const result = parseDecision(body, TODAY);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2025-07-25",
        plannedStart: "2025-06-10",
        assessedBy: "1234567",
      },
    });
  });

  it("treats an empty planned start as absent when the date the patient will be told is given", () => {
    // Prepare
    const body = formBody({
      outcome: "granted",
      careForm: "mapping-consultation",
      startOfCareDeadline: "2025-07-25",
      startNoticeBy: "2025-06-13",
      assessedBy: "ola.lege",
    });

    // Act
    const result = parseDecision(body, TODAY);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).not.toHaveProperty("plannedStart");
  });

  it("requires a care form, a deadline after today and the assessor for a granted right", () => {
    // Prepare
    const body = formBody({ outcome: "granted", startOfCareDeadline: TODAY });

    // Act
    const result = parseDecision(body, TODAY);

    // Assess
    expect(pathsOf(result)).toEqual(["careForm", "startOfCareDeadline", "assessedBy"]);
  });

  it("rejects a deadline more than a year ahead, or past a configured maximum", () => {
    // Prepare
    const granted = (deadline: string) =>
      formBody({
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: deadline,
        plannedStart: "2025-06-10",
        assessedBy: "123",
      });

    // Act + Assess
    expect(parseDecision(granted("2026-05-02"), TODAY).ok).toBe(true);
    expect(pathsOf(parseDecision(granted("2026-05-03"), TODAY))).toEqual(["startOfCareDeadline"]);
    expect(pathsOf(parseDecision(granted("2025-08-01"), TODAY, 84))).toEqual(["startOfCareDeadline"]);
    expect(parseDecision(granted("2025-07-25"), TODAY, 84).ok).toBe(true);
  });

  it("rejects a date that does not exist", () => {
    // Prepare
    const body = formBody({
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: "2025-06-31",
      plannedStart: "2025-06-10",
      assessedBy: "1",
    });

    // Act
    const result = parseDecision(body, TODAY);

    // Assess
    expect(pathsOf(result)).toEqual(["startOfCareDeadline"]);
  });

  it("rejects a planned start after the deadline", () => {
    // Prepare
    const body = formBody({
      outcome: "granted",
      careForm: "single-discipline",
      startOfCareDeadline: "2025-07-25",
      plannedStart: "2025-07-28",
      assessedBy: "123",
    });

    // Act
    const result = parseDecision(body, TODAY);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { path: "plannedStart", message: "Planlagt oppstart kan ikke være etter fristen for igangsetting" },
    ]);
  });

  it("refuses only with both a justification and advice, trimmed", () => {
    // Prepare
    const complete = formBody({
      outcome: "refused",
      justification: "  Smertene kan følges opp i primærhelsetjenesten.  ",
      advice: "Gradert aktivitet og fysioterapi.",
      assessedBy: "123",
    });
    const blankAdvice = formBody({
      outcome: "refused",
      justification: "Smertene kan følges opp i primærhelsetjenesten.",
      advice: "   ",
      assessedBy: "123",
    });

    // Act
    const ok = parseDecision(complete, TODAY);
    const missingAdvice = parseDecision(blankAdvice, TODAY);

    // Assess
    expect(ok).toEqual({
      ok: true,
      value: {
        outcome: "refused",
        justification: "Smertene kan følges opp i primærhelsetjenesten.",
        advice: "Gradert aktivitet og fysioterapi.",
        assessedBy: "123",
      },
    });
    expect(missingAdvice).toEqual({
      ok: false,
      issues: [{ path: "advice", message: "Skriv råd om videre oppfølging" }],
    });
  });

  it("parses a forward with its destination and justification (as JSON)", () => {
    // Act
    const result = parseDecision(
      {
        outcome: "forwarded",
        forwardTo: "Smertesenteret, St. Olavs hospital",
        forwardToContact: "telefon 72 57 30 00",
        justification: "Nærmere bosted for pasienten og kortere ventetid.",
        assessedBy: "1",
      },
      TODAY,
    );

    // Assess
    expect(result.ok).toBe(true);
  });

  it("asks a forward for the receiving clinic's contact, which the letter gives the patient", () => {
    const result = parseDecision(
      {
        outcome: "forwarded",
        forwardTo: "Smertesenteret",
        justification: "Nærmere bosted for pasienten og kortere ventetid.",
        assessedBy: "1",
      },
      TODAY,
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: "forwardToContact",
          message: "Oppgi kontaktinformasjon til mottakende klinikk (telefon eller adresse)",
        },
      ],
    });
  });

  it("asks a granted right for when care starts: a planned start, or the date by which the patient will be told (§ 2-2)", () => {
    // Prepare
    const granted = (fields: Record<string, string>) =>
      formBody({
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2025-07-25",
        assessedBy: "1",
        ...fields,
      });

    // Act + Assess
    expect(pathsOf(parseDecision(granted({}), TODAY))).toEqual(["plannedStart"]);
    expect(parseDecision(granted({ plannedStart: TODAY }), TODAY).ok).toBe(true);
    expect(parseDecision(granted({ startNoticeBy: "2025-07-25" }), TODAY).ok).toBe(true);
    expect(pathsOf(parseDecision(granted({ plannedStart: "2025-05-01" }), TODAY))).toEqual(["plannedStart"]);
    expect(pathsOf(parseDecision(granted({ startNoticeBy: "2025-05-01" }), TODAY))).toEqual([
      "startNoticeBy",
    ]);
    expect(pathsOf(parseDecision(granted({ startNoticeBy: "2025-07-26" }), TODAY))).toEqual([
      "startNoticeBy",
    ]);
  });

  it("reads a stored decision without a start back, whatever the date is today", () => {
    const stored = {
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: "2020-01-10",
      assessedBy: "1",
    };
    expect(decisionSchema.safeParse(stored).success).toBe(true);
  });

  it("asks for an outcome when none or an unknown one is chosen", () => {
    // Act
    const results = [formBody({}), { outcome: "maybe" }, "outcome=granted"].map((body) =>
      parseDecision(body, TODAY),
    );

    // Assess
    expect(results.map(pathsOf)).toEqual([["outcome"], ["outcome"], [""]]);
    expect(results[0]).toEqual({
      ok: false,
      issues: [{ path: "outcome", message: "Velg utfall av vurderingen" }],
    });
  });

  it("limits who assessed it to 64 characters", () => {
    // Prepare
    const body = formBody({
      outcome: "refused",
      justification: "Smertene kan følges opp i primærhelsetjenesten.",
      advice: "Gradert aktivitet og fysioterapi.",
      assessedBy: "x".repeat(65),
    });

    // Act + Assess
    expect(pathsOf(parseDecision(body, TODAY))).toEqual(["assessedBy"]);
  });

  it("reads a stored decision without the date checks that depend on today", () => {
    // Prepare
    const stored = {
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: "2020-01-10",
      assessedBy: "123",
    };

    // Act + Assess
    expect(decisionSchema.safeParse(stored).success).toBe(true);
  });
});
