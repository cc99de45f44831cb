import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeNationalId } from "../../functions/domain/national-id";
import {
  CONTENT_ITEMS,
  canonicalJson,
  missingContent,
  parseReferralSubmission,
  type ReferralSubmission,
} from "../../functions/domain/referral";

/** A valid fødselsnummer: the first individual number whose check digits exist. */
function validNationalId(birthDate = "1985-03-14"): string {
  for (let individual = 100; individual < 500; individual++) {
    const id = makeNationalId(birthDate, individual);
    if (id) return id;
  }
  throw new Error("no valid national ID found");
}

/** The sample body of api.md, with a real national ID. */
function sampleBody(): Record<string, unknown> {
  return {
    kind: "new",
    priority: "ordinary",
    patient: {
      nationalId: validNationalId(),
      name: "Kari Nordmann",
      email: "kari@example.no",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    },
    referrer: {
      hprNumber: "123456789",
      name: "Lege Legesen",
      organisation: "Sentrum legekontor",
      email: "lege@example.no",
    },
    gp: { hprNumber: "987654", name: "Fastlege Fastlegesen", email: "fastlege@example.no" },
    diagnoses: [{ system: "ICPC-2", code: "L18", text: "Muskelsmerter" }],
    reason: "Langvarige, sammensatte smerter; ønsker tverrfaglig vurdering.",
    content: Object.fromEntries(CONTENT_ITEMS.map((item) => [item.key, `Opplysninger om ${item.key}`])),
    flags: ["young-adult-at-risk"],
  };
}

function withBrokenCheckDigit(id: string): string {
  const last = Number(id.at(-1));
  return `${id.slice(0, 10)}${(last + 1) % 10}`;
}

describe("the referral submission schema", () => {
  it("accepts the api.md sample with a valid national ID", () => {
    // Prepare
    const body = sampleBody();

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.kind).toBe("new");
    expect(result.value.patient.name).toBe("Kari Nordmann");
    expect(result.value.flags).toEqual(["young-adult-at-risk"]);
  });

  it("rejects a national ID whose check digit fails, naming the field without echoing the number", () => {
    // Prepare
    const body = sampleBody();
    const badId = withBrokenCheckDigit(validNationalId());
    (body.patient as Record<string, unknown>).nationalId = badId;

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["patient.nationalId"]);
    expect(JSON.stringify(result.issues)).not.toContain(badId);
  });

  it("never echoes an invalid national ID in its messages", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (candidate) => {
        const body = sampleBody();
        (body.patient as Record<string, unknown>).nationalId = candidate;
        const result = parseReferralSubmission(body);
        return result.ok || !JSON.stringify(result.issues).includes(candidate);
      }),
    );
  });

  it("rejects a forwarded referral without its original receipt date", () => {
    // Prepare
    const body = { ...sampleBody(), kind: "forwarded", previousInstitution: "Sykehuset Innlandet" };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["originalReceivedDate"]);
  });

  it("accepts a forwarded referral with its ansiennitetsdato and previous institution", () => {
    // Prepare
    const body = {
      ...sampleBody(),
      kind: "forwarded",
      originalReceivedDate: "2025-04-28",
      previousInstitution: "Sykehuset Innlandet",
    };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok || result.value.kind !== "forwarded") throw new Error("expected a forwarded referral");
    expect(result.value.originalReceivedDate).toBe("2025-04-28");
  });

  it("requires a secondary referral to name the decision it builds on", () => {
    // Prepare
    const body = { ...sampleBody(), kind: "secondary" };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([{ path: "previousDecisionRef", message: "is required" }]);
  });

  it("rejects an unknown kind, a body that is no object and a referral without diagnoses", () => {
    // Prepare
    const unknownKind = { ...sampleBody(), kind: "urgent-ish" };
    const noDiagnoses = { ...sampleBody(), diagnoses: [] };

    // Act
    const results = [unknownKind, "not an object", noDiagnoses].map((body) => parseReferralSubmission(body));

    // Assess
    expect(results.map((result) => (result.ok ? [] : result.issues.map((issue) => issue.path)))).toEqual([
      ["kind"],
      [""],
      ["diagnoses"],
    ]);
  });

  it("takes a forwarded message's referral (Viderehenvisning) without a diagnosis, and still checks the rest of it", () => {
    // Prepare
    const noDiagnoses = { ...sampleBody(), diagnoses: [] };
    const noDiagnosesNoReason = { ...noDiagnoses, reason: "" };

    // Act
    const forwarded = parseReferralSubmission(noDiagnoses, { diagnosesOptional: true });
    const incomplete = parseReferralSubmission(noDiagnosesNoReason, { diagnosesOptional: true });

    // Assess
    expect(forwarded.ok && forwarded.value.diagnoses).toEqual([]);
    expect(incomplete.ok ? [] : incomplete.issues.map((issue) => issue.path)).toEqual(["reason"]);
  });

  it("reports nested problems with dotted paths", () => {
    // Prepare
    const body = {
      ...sampleBody(),
      diagnoses: [
        { system: "ICPC-2", code: "L18" },
        { system: "ICD-10", code: "not a code" },
      ],
      referrer: { hprNumber: "12345678901", name: "", organisation: "Legekontor", email: "not-an-email" },
      flags: ["left-handed"],
    };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path).sort()).toEqual([
      "diagnoses.1.code",
      "flags.0",
      "referrer.email",
      "referrer.hprNumber",
      "referrer.name",
    ]);
    expect(JSON.stringify(result.issues)).not.toContain("12345678901");
  });

  it("strips keys it does not know instead of rejecting the referral", () => {
    // Prepare
    const body = {
      ...sampleBody(),
      portalTrackingId: "abc",
      patient: { ...(sampleBody().patient as object), shoeSize: 42 },
    };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).not.toHaveProperty("portalTrackingId");
    expect(result.value.patient).not.toHaveProperty("shoeSize");
  });

  it("treats empty optional fields as absent and leaves no empty attributes behind", () => {
    // Prepare
    const body = {
      ...sampleBody(),
      patient: { nationalId: validNationalId(), name: " Kari Nordmann ", email: "" },
      gp: { hprNumber: "", name: "Fastlege", email: null },
      diagnoses: [{ system: "ICD-10", code: "m79.7", text: "  " }],
      content: undefined,
      flags: undefined,
    };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.patient).toEqual({ nationalId: validNationalId(), name: "Kari Nordmann" });
    expect(result.value.gp).toEqual({ name: "Fastlege" });
    expect(result.value.diagnoses).toEqual([{ system: "ICD-10", code: "M79.7" }]);
    expect(result.value.content).toEqual({});
    expect(result.value.flags).toEqual([]);
  });

  it("bounds free text", () => {
    // Prepare
    const body = { ...sampleBody(), reason: "x".repeat(20_001) };

    // Act
    const result = parseReferralSubmission(body);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["reason"]);
  });
});

describe("missing content", () => {
  it("lists exactly the content items that are absent, blank or whitespace, in guideline order", () => {
    // Prepare
    const body = {
      ...sampleBody(),
      content: {
        patientPerspective: "Ønsker hjelp til å komme tilbake i jobb.",
        painDescription: "",
        physicalFunction: "   ",
        comorbidity: "Søvnvansker.",
        medications: null,
        motivation: "Motivert.",
      },
    };
    const parsed = parseReferralSubmission(body);
    if (!parsed.ok) throw new Error("fixture should parse");

    // Act
    const missing = missingContent(parsed.value);

    // Assess
    expect(missing).toEqual([
      "painDescription",
      "physicalFunction",
      "psychosocial",
      "medications",
      "dependency",
      "substanceUse",
      "examinations",
      "previousInvestigations",
      "previousTreatments",
      "expectations",
    ]);
  });

  it("lists nothing for a complete referral and all 13 items for an empty one", () => {
    // Prepare
    const complete = parseReferralSubmission(sampleBody());
    const empty = parseReferralSubmission({ ...sampleBody(), content: {} });
    if (!complete.ok || !empty.ok) throw new Error("fixtures should parse");

    // Act + Assess
    expect(missingContent(complete.value)).toEqual([]);
    expect(missingContent(empty.value)).toEqual(CONTENT_ITEMS.map((item) => item.key));
    expect(CONTENT_ITEMS).toHaveLength(13);
  });

  it("labels each item in Norwegian", () => {
    expect(CONTENT_ITEMS[0]).toEqual({
      key: "patientPerspective",
      label: "Pasientens opplevelse av egen situasjon og ønske om hjelp",
    });
    expect(new Set(CONTENT_ITEMS.map((item) => item.label)).size).toBe(13);
  });
});

describe("canonical JSON for idempotency", () => {
  it("ignores key order and whitespace but keeps array order", () => {
    // Prepare
    const a = JSON.parse('{"b": 1, "a": {"y": [2, 1], "x": null}}');
    const b = JSON.parse('{"a":{"x":null,"y":[2,1]},"b":1}');
    const c = JSON.parse('{"a":{"x":null,"y":[1,2]},"b":1}');

    // Act + Assess
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":null,"y":[2,1]},"b":1}');
    expect(canonicalJson(a)).not.toBe(canonicalJson(c));
  });

  it("gives the same text for any reordering of an object's keys", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        return canonicalJson(object) === canonicalJson(reversed);
      }),
    );
  });

  it("keeps a key named __proto__ as data", () => {
    // Prepare
    const withProto = JSON.parse('{"__proto__": {"x": 1}, "a": 2}');

    // Act + Assess
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it("keeps a clean submission exactly as sent", () => {
    // Prepare
    const parsed = parseReferralSubmission(sampleBody());
    if (!parsed.ok) throw new Error("fixture should parse");
    const value: ReferralSubmission = parsed.value;

    // Act + Assess
    expect(canonicalJson(value)).toBe(canonicalJson(sampleBody()));
  });
});
