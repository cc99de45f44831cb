/**
 * The published request body of POST /referrals and the zod schema the handler validates with give
 * the same verdict on the same body. Generated bodies (fast-check) break the rules JSON Schema can
 * carry (types, required fields, enums, lengths, counts, dates, postal codes, emails, the kind's own
 * fields); the document, checked by a JSON Schema 2020-12 validator, and the parser must agree on
 * every one. Where the two differ by design (refinements with no JSON Schema form, and text the
 * parser trims or upper-cases before it checks) a table pins each difference, so a new one fails.
 */
import Ajv2020 from "ajv/dist/2020";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeNationalId } from "../../functions/domain/national-id";
import { buildOpenApiDocument } from "../../functions/domain/openapi";
import { FLAGS, LIMITS, parseReferralSubmission } from "../../functions/domain/referral";

// biome-ignore lint/suspicious/noExplicitAny: bodies are built and broken at run time, path by path.
type Json = Record<string, any>;

/** The document's schema for the JSON body of POST /referrals, as a validator reads it. */
function documentedSubmission(): (body: unknown) => boolean {
  const document = buildOpenApiDocument() as Json;
  const schema = document.paths["/referrals"].post.requestBody.content["application/json"].schema;
  // Formats are annotations in 2020-12; the date and email rules travel as `pattern`, which is checked.
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema({ $id: "https://frist.example/openapi.json", components: document.components });
  const validate = ajv.compile({ $ref: `https://frist.example/openapi.json${schema.$ref}` });
  return (body) => validate(body) === true;
}

const documentAccepts = documentedSubmission();
const parserAccepts = (body: unknown) => parseReferralSubmission(body).ok;

const NATIONAL_ID = makeNationalId("1985-03-15", 122) ?? "15038512282";

/** A body of each kind that both accept, as a portal sends it. */
function validBody(kind: "new" | "forwarded" | "secondary"): Json {
  return {
    kind,
    priority: "ordinary",
    patient: {
      nationalId: NATIONAL_ID,
      name: "Kari Nordmann",
      email: "kari@pasient.example",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    },
    referrer: {
      hprNumber: "1234567",
      name: "Per Hansen",
      organisation: "Legesenteret",
      email: "per@lege.example",
    },
    gp: { hprNumber: "1234567", name: "Per Hansen", email: "fastlege@lege.example" },
    diagnoses: [{ system: "ICPC-2", code: "L18", text: "Muskelsmerter" }],
    reason: "Langvarige smerter; ønsker tverrfaglig utredning.",
    content: { painDescription: "Daglige smerter i nakken." },
    flags: [],
    ...(kind === "forwarded" ? { originalReceivedDate: "2025-01-06", previousInstitution: "St. Olavs" } : {}),
    ...(kind === "secondary" ? { previousDecisionRef: "SAK-2024-117" } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Values as a portal may send them: text without surrounding spaces or control characters that shows
// a letter or digit (the rules the parser adds to JSON Schema's are kept by construction), at and
// around each limit; the parser's refinements are in the table of differences below.

const CHARS = [..."abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ0123456789 -.,;()'"];

/** A text of up to `limit` + 1 characters, or exactly at the limit, or one over. */
const text = (limit: number, { empty }: { empty: boolean }) =>
  fc
    .oneof(
      fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 12 }),
      fc.constantFrom(limit - 1, limit, limit + 1).map((length) => "x".repeat(length)),
    )
    .map((value) => value.trim())
    .map((value) => (value === "" || /[\p{L}\p{N}]/u.test(value) ? value : `K${value}`))
    .filter((value) => empty || value !== "");

const line = (limit: number) => text(limit, { empty: true });
const email = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom("", "per@lege.example", "not-an-email", "per@lege", "per@@lege.example"),
  fc.constant(`${"p".repeat(250)}@lege.example`),
);
const date = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1999, max: 2031 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
    )
    .map(([y, m, d]) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`),
  fc.constantFrom("2024-02-29", "2025-02-29", "2025-1-6", "06.01.2025", "2025-01-06T00:00:00Z"),
);
const hprNumber = fc.stringMatching(/^\d{1,9}$/);
const diagnosis = fc.record(
  {
    system: fc.constantFrom("ICD-10", "ICPC-2", "ICD-11"),
    code: fc.oneof(fc.constantFrom("L18", "M79.7", "R52", "F32.1A"), fc.stringMatching(/^[A-Z0-9.]{1,8}$/)),
    text: line(LIMITS.shortText),
  },
  { requiredKeys: ["system", "code"] },
);

/** What a mutation may put at each path (besides deleting it or a value of the wrong type). */
const VALUES: Record<string, fc.Arbitrary<unknown>> = {
  kind: fc.constantFrom("new", "forwarded", "secondary", "tertiary", ""),
  priority: fc.constantFrom("ordinary", "urgent", "haster", ""),
  // Any other string is for the check digits to refuse: in the table below.
  "patient.nationalId": fc.constant(NATIONAL_ID),
  "patient.name": line(LIMITS.name),
  "patient.email": email,
  "patient.interpreterLanguage": line(100),
  "patient.postalAddress.line1": line(LIMITS.name),
  "patient.postalAddress.postalCode": fc.stringMatching(/^[0-9A-Z]{3,5}$/),
  "patient.postalAddress.city": line(100),
  "referrer.type": fc.constantFrom("primary-care", "specialist", "gp"),
  "referrer.hprNumber": hprNumber,
  "referrer.name": line(LIMITS.name),
  "referrer.organisation": line(LIMITS.name),
  "referrer.email": email,
  "gp.hprNumber": fc.oneof(fc.constant(""), hprNumber),
  "gp.name": line(LIMITS.name),
  "gp.email": email,
  diagnoses: fc.array(diagnosis, { maxLength: LIMITS.diagnoses + 2 }),
  "diagnoses.0.system": fc.constantFrom("ICD-10", "ICPC-2", "icpc-2"),
  "diagnoses.0.code": fc.stringMatching(/^[A-Z0-9.]{0,9}$/),
  "diagnoses.0.text": line(LIMITS.shortText),
  reason: text(LIMITS.freeText, { empty: false }),
  content: fc.dictionary(
    fc.constantFrom("painDescription", "motivation", "portalNote"),
    line(LIMITS.freeText),
  ),
  "content.painDescription": line(LIMITS.freeText),
  flags: fc.array(fc.constantFrom(...FLAGS.map((flag) => flag.key), "other"), { maxLength: 22 }),
  originalReceivedDate: date,
  previousInstitution: line(LIMITS.name),
  previousDecisionRef: line(128),
  portalTrace: fc.anything(),
};

const DELETE = Symbol("delete");
const wrongType = fc.constantFrom<unknown>(null, 7, true, [], {});

const mutation = fc
  .constantFrom(...Object.keys(VALUES))
  .chain((path) =>
    fc.tuple(
      fc.constant(path),
      fc.oneof(
        { weight: 3, arbitrary: VALUES[path] as fc.Arbitrary<unknown> },
        { weight: 1, arbitrary: wrongType },
        { weight: 1, arbitrary: fc.constant<unknown>(DELETE) },
      ),
    ),
  );

/** Sets (or deletes) the value at a dotted path, when every parent on the way is an object. */
function put(body: Json, path: string, value: unknown): void {
  const keys = path.split(".");
  const last = keys.pop() as string;
  let parent: unknown = body;
  for (const key of keys) {
    parent = (parent as Json)[key];
    if (parent === null || typeof parent !== "object") return;
  }
  if (value === DELETE) delete (parent as Json)[last];
  else (parent as Json)[last] = value;
}

const submission = fc
  .tuple(fc.constantFrom("new", "forwarded", "secondary" as const), fc.array(mutation, { maxLength: 3 }))
  .map(([kind, mutations]) => {
    const body = validBody(kind);
    for (const [path, value] of mutations) put(body, path, value);
    return body;
  });

describe("the documented body of POST /referrals", () => {
  it("takes the valid body of each kind, as the parser does", () => {
    for (const kind of ["new", "forwarded", "secondary"] as const) {
      expect(parserAccepts(validBody(kind)), kind).toBe(true);
      expect(documentAccepts(validBody(kind)), kind).toBe(true);
    }
  });

  it("accepts and refuses the same generated bodies as the parser", () => {
    fc.assert(
      fc.property(submission, (body) => {
        expect(documentAccepts(body)).toBe(parserAccepts(body));
      }),
      { numRuns: 400 },
    );
  });

  it("refuses what is not a JSON object, as the parser does", () => {
    for (const body of [null, [], "referral", 42, {}]) {
      expect(documentAccepts(body), JSON.stringify(body)).toBe(false);
      expect(parserAccepts(body), JSON.stringify(body)).toBe(false);
    }
  });

  /** A rule the parser adds to what JSON Schema can say: the document describes it, the parser checks it. */
  const refined = (what: string, path: string, value: unknown) => ({
    what,
    path,
    value,
    document: true,
    parser: false,
  });
  /** Text the parser trims or upper-cases before it checks: the document states the checked form. */
  const normalised = (what: string, path: string, value: unknown) => ({
    what,
    path,
    value,
    document: false,
    parser: true,
  });
  const DIFFERENCES = [
    refined("check digits that do not match", "patient.nationalId", "15038512283"),
    refined("an HPR number with a letter", "referrer.hprNumber", "12A4567"),
    refined("a name of spaces only", "patient.name", "   "),
    refined("a name of punctuation only", "patient.name", "..."),
    refined("a name with a bidi override", "patient.name", "Kari\u202eNordmann"),
    refined("an empty reason", "reason", ""),
    refined("a reason with a control character", "reason", "Smerter\u0007"),
    normalised("a diagnosis code in lower case", "diagnoses.0.code", "l18"),
    normalised("a postal code with spaces around it", "patient.postalAddress.postalCode", " 0150 "),
    normalised("a name at the limit plus a trailing space", "patient.name", `${"x".repeat(LIMITS.name)} `),
  ];

  it.each(DIFFERENCES)("differs only as designed: $what", ({ path, value, document, parser }) => {
    // Prepare
    const body = validBody("new");
    put(body, path, value);

    // Act and assess
    expect(documentAccepts(body)).toBe(document);
    expect(parserAccepts(body)).toBe(parser);
  });
});
