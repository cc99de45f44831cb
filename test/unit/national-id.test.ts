import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  makeNationalId,
  type NationalIdKind,
  validateHprNumber,
  validateNationalId,
  validateOrganisationNumber,
} from "../../functions/domain/national-id";

// ---------------------------------------------------------------------------------------------
// An independent oracle for the check digits, written from the rule text in shared/domain.md, so
// the tests do not trust the module's own arithmetic.

const K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function control(digits: string, weights: number[]): number | undefined {
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const k = 11 - (sum % 11);
  return k === 11 ? 0 : k === 10 ? undefined : k;
}

/** Appends strict check digits to a 9-digit prefix (undefined when one would be 10). */
function withCheckDigits(nine: string): string | undefined {
  const k1 = control(nine, K1);
  if (k1 === undefined) return undefined;
  const k2 = control(`${nine}${k1}`, K2);
  return k2 === undefined ? undefined : `${nine}${k1}${k2}`;
}

/** Every number whose k1 leaves one of `remainders` (mod 11, k1 weighted 1), with a strict k2. */
function variantsWithK1Remainder(nine: string, remainders: readonly number[]): string[] {
  const sum = K1.reduce((acc, w, i) => acc + w * Number(nine[i]), 0);
  const result: string[] = [];
  for (let k1 = 0; k1 <= 9; k1++) {
    if (!remainders.includes((sum + k1) % 11)) continue;
    const k2 = control(`${nine}${k1}`, K2);
    if (k2 !== undefined) result.push(`${nine}${k1}${k2}`);
  }
  return result;
}

/** Every number with a relaxed k1 (remainder 1, 2 or 3, so strictly invalid) and a strict k2. */
function relaxedOnlyVariants(nine: string): string[] {
  return variantsWithK1Remainder(nine, [1, 2, 3]);
}

/** A 9-digit prefix for 2020-01-01 whose strict first check digit would be 10. */
function prefixWithoutStrictNumber(): string {
  for (let individual = 500; individual <= 999; individual++) {
    const nine = `010120${individual}`;
    if (control(nine, K1) === undefined) return nine;
  }
  throw new Error("no such prefix");
}

/** The individual numbers the register uses for a birth year (standard century rules). */
function individualRanges(year: number): [number, number][] {
  if (year >= 1854 && year <= 1899) return [[500, 749]];
  if (year >= 1900 && year <= 1939) return [[0, 499]];
  if (year >= 1940 && year <= 1999) {
    return [
      [0, 499],
      [900, 999],
    ];
  }
  if (year >= 2000 && year <= 2039) return [[500, 999]];
  return [];
}

const birthDateArb = fc
  .date({ min: new Date("1854-01-01T00:00:00Z"), max: new Date("2039-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const kindArb = fc.constantFrom<NationalIdKind>("fodselsnummer", "d-nummer", "h-nummer");

/** A valid national ID together with what it encodes. */
const validIdArb = fc
  .tuple(birthDateArb, fc.nat({ max: 10_000 }), kindArb)
  .map(([birthDate, pick, kind]) => {
    const ranges = individualRanges(Number(birthDate.slice(0, 4)));
    const [low, high] = ranges[pick % ranges.length] ?? [0, 0];
    const individual = low + (pick % (high - low + 1));
    return { birthDate, individual, kind, id: makeNationalId(birthDate, individual, kind) };
  })
  .filter((x): x is typeof x & { id: string } => x.id !== undefined);

const REASONS = new Set([
  "must be 11 digits",
  "check digits do not match",
  "date part is not a valid date",
  "individual number does not fit the birth year",
]);

function reasonOf(value: string, options?: Parameters<typeof validateNationalId>[1]): string | undefined {
  const result = validateNationalId(value, options);
  return result.ok ? undefined : result.reason;
}

describe("validateNationalId", () => {
  it("accepts a fødselsnummer whose check digits were verified by hand", () => {
    // Prepare: 150785 123 k1 k2.
    // k1: 3·1+7·5+6·0+1·7+8·8+9·5+4·1+5·2+2·3 = 174; 174 mod 11 = 9; k1 = 11 − 9 = 2.
    // k2: 5·1+4·5+3·0+2·7+7·8+6·5+5·1+4·2+3·3+2·2 = 151; 151 mod 11 = 8; k2 = 11 − 8 = 3.
    const id = "15078512323";

    // Act
    const result = validateNationalId(id);

    // Assess
    expect(result).toEqual({ ok: true, kind: "fodselsnummer", birthDate: "1985-07-15" });
  });

  it("recognises a D-nummer (day + 40) and an H-nummer (month + 40) and reports the real birth date", () => {
    // Prepare
    const dNumber = withCheckDigits("550785123");
    const hNumber = withCheckDigits("154785123");

    // Act / Assess
    expect(dNumber).toBe("55078512317");
    expect(hNumber).toBe("15478512306");
    expect(validateNationalId("55078512317")).toEqual({
      ok: true,
      kind: "d-nummer",
      birthDate: "1985-07-15",
    });
    expect(validateNationalId("15478512306")).toEqual({
      ok: true,
      kind: "h-nummer",
      birthDate: "1985-07-15",
    });
  });

  it("rejects a number with a wrong check digit", () => {
    expect(reasonOf("15078512324")).toBe("check digits do not match");
    expect(reasonOf("15078512313")).toBe("check digits do not match");
  });

  it.each([
    ["too short", "1507851232"],
    ["too long", "150785123234"],
    ["empty", ""],
    ["a letter", "1507851232a"],
    ["a leading space", " 15078512323"],
    ["a trailing space", "15078512323 "],
    ["an inner space", "150785 12323"],
    ["a dash", "150785-12323"],
    ["Arabic-Indic digits", "١٥٠٧٨٥١٢٣٢٣"],
    ["full-width digits", "１５０７８５１２３２３"],
  ])("rejects input that is not exactly 11 ASCII digits (%s)", (_label, value) => {
    expect(reasonOf(value)).toBe("must be 11 digits");
  });

  it("rejects input that is not a string at run time (e.g. a JSON number)", () => {
    expect(reasonOf(15078512323 as unknown as string)).toBe("must be 11 digits");
  });

  it.each([
    ["31 February", "310285123"],
    ["30 February", "300285123"],
    ["31 April", "310485123"],
    ["day 00", "000185123"],
    ["day 32", "320185123"],
    ["day 40", "400185123"],
    ["D-nummer day 72 (32 + 40)", "720185123"],
    ["month 00", "010085123"],
    ["month 13", "011385123"],
    ["H-nummer month 53 (13 + 40)", "015385123"],
    ["both D and H (day + 40 and month + 40)", "414185123"],
    ["synthetic test number (month + 80)", "018185123"],
    ["29 February 1900 (not a leap year)", "290200123"],
    ["D-nummer 31 February", "710285123"],
  ])("rejects a date part that is not a real date: %s", (_label, nine) => {
    // Prepare: correct check digits, so only the date can be at fault.
    const id = withCheckDigits(nine) ?? withCheckDigits(`${nine.slice(0, 6)}124`);
    expect(id).toBeDefined();

    // Act / Assess
    expect(reasonOf(id as string)).toBe("date part is not a valid date");
  });

  it("accepts 29 February in leap years, with the century taken from the individual number", () => {
    // 000–499 → 1900s, 500–999 with year 00 → 2000 (a leap year); 500–749 with year 96 → 1896.
    const id2000 = withCheckDigits("290200523") ?? withCheckDigits("290200524");
    const id1996 = withCheckDigits("290296123") ?? withCheckDigits("290296124");
    const id1896 = withCheckDigits("290296523") ?? withCheckDigits("290296524");

    expect(validateNationalId(id2000 as string)).toMatchObject({ ok: true, birthDate: "2000-02-29" });
    expect(validateNationalId(id1996 as string)).toMatchObject({ ok: true, birthDate: "1996-02-29" });
    expect(validateNationalId(id1896 as string)).toMatchObject({ ok: true, birthDate: "1896-02-29" });
  });

  it.each([
    ["99", 0, "1999"],
    ["99", 499, "1999"],
    ["99", 500, "1899"],
    ["54", 749, "1854"],
    ["99", 900, "1999"],
    ["40", 900, "1940"],
    ["39", 499, "1939"],
    ["39", 500, "2039"],
    ["00", 999, "2000"],
    ["25", 750, "2025"],
    ["99", 750, undefined],
    ["54", 899, undefined],
    ["53", 500, undefined],
    ["40", 500, undefined],
    ["40", 899, undefined],
  ])("maps year %s with individual number %i to century %s", (yy, individual, expectedYear) => {
    // Prepare: keep the individual number under test and pick the first day of January for which
    // no check digit is 10.
    const day = [1, 2, 3, 4, 5, 6, 7, 8, 9].find(
      (d) => withCheckDigits(`0${d}01${yy}${String(individual).padStart(3, "0")}`) !== undefined,
    ) as number;
    const id = withCheckDigits(`0${day}01${yy}${String(individual).padStart(3, "0")}`) as string;

    // Act
    const result = validateNationalId(id);

    // Assess
    if (expectedYear === undefined) {
      expect(result).toEqual({ ok: false, reason: "individual number does not fit the birth year" });
    } else {
      expect(result).toEqual({ ok: true, kind: "fodselsnummer", birthDate: `${expectedYear}-01-0${day}` });
    }
  });

  it("accepts a relaxed first check digit only when asked, or by default from 2032", () => {
    // Prepare: a prefix (born 2020-01-01) whose strict k1 would be 10, so no strict number exists
    // and only the relaxed variants do.
    const nine = prefixWithoutStrictNumber();
    expect(withCheckDigits(nine)).toBeUndefined();
    const relaxed = relaxedOnlyVariants(nine);
    expect(relaxed.length).toBeGreaterThan(0);

    for (const id of relaxed) {
      // Act / Assess
      expect(reasonOf(id)).toBe("check digits do not match");
      expect(reasonOf(id, { asOf: new Date("2031-12-31T12:00:00Z") })).toBe("check digits do not match");
      expect(validateNationalId(id, { asOf: new Date("2032-01-01T12:00:00Z") })).toEqual({
        ok: true,
        kind: "fodselsnummer",
        birthDate: "2020-01-01",
      });
      expect(validateNationalId(id, { relaxedFirstCheckDigit: true })).toMatchObject({ ok: true });
      expect(reasonOf(id, { relaxedFirstCheckDigit: false, asOf: new Date("2040-01-01T00:00:00Z") })).toBe(
        "check digits do not match",
      );
    }
  });

  it("rejects a first check digit with remainder 4 to 10 even in relaxed mode", () => {
    fc.assert(
      fc.property(validIdArb, ({ id }) => {
        const outside = variantsWithK1Remainder(id.slice(0, 9), [4, 5, 6, 7, 8, 9, 10]);
        for (const candidate of outside) {
          expect(reasonOf(candidate, { relaxedFirstCheckDigit: true })).toBe("check digits do not match");
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the second check digit strict in relaxed mode", () => {
    const [id] = relaxedOnlyVariants(prefixWithoutStrictNumber());
    const k2 = Number(id?.[10]);
    const wrong = `${id?.slice(0, 10)}${(k2 + 1) % 10}`;

    expect(reasonOf(wrong, { relaxedFirstCheckDigit: true })).toBe("check digits do not match");
  });

  it("accepts every number the generator makes, with the kind and birth date it encodes", () => {
    fc.assert(
      fc.property(validIdArb, ({ id, birthDate, kind }) => {
        expect(validateNationalId(id)).toEqual({ ok: true, kind, birthDate });
        expect(validateNationalId(id, { relaxedFirstCheckDigit: true })).toEqual({
          ok: true,
          kind,
          birthDate,
        });
      }),
      { numRuns: 2000 },
    );
  });

  // Why this holds: the second check digit makes S2 = Σ w_i·d_i ≡ 0 (mod 11) over all 11 digits with
  // weights 5,4,3,2,7,6,5,4,3,2,1. Changing digit i by δ (1 ≤ |δ| ≤ 9) changes S2 by w_i·δ. 11 is prime
  // and neither w_i (1..7) nor δ is a multiple of 11, so w_i·δ ≢ 0 and the k2 check fails. That argument
  // uses k2 alone, so the property holds in the relaxed mode too (which relaxes only k1).
  it("rejects every single-digit change of a valid number, strict and relaxed", () => {
    fc.assert(
      fc.property(validIdArb, ({ id }) => {
        for (let position = 0; position < 11; position++) {
          for (let digit = 0; digit <= 9; digit++) {
            if (String(digit) === id[position]) continue;
            const changed = `${id.slice(0, position)}${digit}${id.slice(position + 1)}`;
            expect(validateNationalId(changed).ok).toBe(false);
            expect(validateNationalId(changed, { relaxedFirstCheckDigit: true }).ok).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  // Why this holds: swapping different digits a, b at positions i, i+1 changes S2 by (a−b)(w_{i+1}−w_i).
  // Neighbouring k2 weights differ by −1 or +5 (never a multiple of 11), so the change is never ≡ 0.
  it("rejects every swap of two different neighbouring digits of a valid number", () => {
    fc.assert(
      fc.property(validIdArb, ({ id }) => {
        for (let position = 0; position < 10; position++) {
          if (id[position] === id[position + 1]) continue;
          const swapped = `${id.slice(0, position)}${id[position + 1]}${id[position]}${id.slice(position + 2)}`;
          expect(validateNationalId(swapped, { relaxedFirstCheckDigit: true }).ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("accepts in strict mode exactly what makeNationalId would build (round trip)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (nine) => {
        const id = withCheckDigits(nine);
        fc.pre(id !== undefined);
        const result = validateNationalId(id as string);
        if (result.ok) {
          expect(makeNationalId(result.birthDate, Number(nine.slice(6)), result.kind)).toBe(id);
        } else {
          // Correct check digits: only the date or the century can be at fault.
          expect([
            "date part is not a valid date",
            "individual number does not fit the birth year",
          ]).toContain(result.reason);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("never echoes the number, or any part of it, in the rejection reason", () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^\d{11}$/), fc.string({ maxLength: 20 })), (value) => {
        const reason = reasonOf(value);
        if (reason === undefined) return;
        // A fixed sentence cannot carry the input.
        expect(REASONS.has(reason)).toBe(true);
        // No run of three digits: not even the date part or individual number can leak.
        expect(/\d{3}/.test(reason)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("makeNationalId", () => {
  it("returns undefined exactly when a check digit would be 10, and a valid number otherwise", () => {
    // Prepare: all 500 individual numbers of one birth date in the 1900s band.
    let skipped = 0;
    for (let individual = 0; individual <= 499; individual++) {
      // Act
      const id = makeNationalId("1985-07-15", individual);
      const expected = withCheckDigits(`150785${String(individual).padStart(3, "0")}`);

      // Assess
      expect(id).toBe(expected);
      if (id === undefined) skipped++;
      else expect(validateNationalId(id).ok).toBe(true);
    }
    // Roughly 1 in 11 fails each check digit: about 90 of 500 are never issued.
    expect(skipped).toBeGreaterThan(50);
    expect(skipped).toBeLessThan(150);
  });

  it.each([
    ["a malformed date", "15.07.1985", 123],
    ["a date that does not exist", "1985-02-29", 123],
    ["an individual number above 999", "1985-07-15", 1000],
    ["a negative individual number", "1985-07-15", -1],
    ["a fractional individual number", "1985-07-15", 12.5],
    ["an individual number outside the year's band", "1985-07-15", 600],
    ["a year the register cannot encode", "1850-07-15", 600],
    ["a year after 2039", "2040-07-15", 600],
  ])("throws a RangeError for %s", (_label, birthDate, individual) => {
    expect(() => makeNationalId(birthDate, individual)).toThrow(RangeError);
  });
});

describe("validateHprNumber", () => {
  it.each(["1", "0", "1234567", "123456789"])("accepts %s (1 to 9 digits)", (value) => {
    expect(validateHprNumber(value)).toBe(true);
  });

  it.each(["", "1234567890", "12a", " 123", "123 ", "-1", "1.5", "１２３"])("rejects %j", (value) => {
    expect(validateHprNumber(value)).toBe(false);
  });
});

describe("validateOrganisationNumber", () => {
  it("accepts real organisation numbers", () => {
    // Brønnøysundregistrene: 9747606 7 3:
    // 3·9+2·7+7·4+6·7+5·6+4·0+3·6+2·7 = 173; 173 mod 11 = 8; 11 − 8 = 3 ✓
    expect(validateOrganisationNumber("974760673")).toBe(true);
    // Equinor ASA
    expect(validateOrganisationNumber("923609016")).toBe(true);
  });

  it.each(["974760674", "97476067", "9747606730", "97476067a", " 974760673", ""])("rejects %j", (value) => {
    expect(validateOrganisationNumber(value)).toBe(false);
  });

  it("rejects all nine-digit numbers whose check digit would be 10", () => {
    // Prepare: the first 8-digit prefix whose weighted sum is 1 mod 11 (its check digit would be 10).
    const prefix = Array.from({ length: 100_000 }, (_, i) => `${String(i).padStart(8, "0")}`).find(
      (p) => [3, 2, 7, 6, 5, 4, 3, 2].reduce((acc, w, i) => acc + w * Number(p[i]), 0) % 11 === 1,
    ) as string;

    // Act / Assess
    for (let last = 0; last <= 9; last++) expect(validateOrganisationNumber(`${prefix}${last}`)).toBe(false);
  });

  it("rejects every single-digit change of a valid organisation number", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{8}$/), (prefix) => {
        const sum = [3, 2, 7, 6, 5, 4, 3, 2].reduce((acc, w, i) => acc + w * Number(prefix[i]), 0);
        const k = 11 - (sum % 11);
        fc.pre(k !== 10);
        const valid = `${prefix}${k === 11 ? 0 : k}`;
        expect(validateOrganisationNumber(valid)).toBe(true);
        for (let position = 0; position < 9; position++) {
          for (let digit = 0; digit <= 9; digit++) {
            if (String(digit) === valid[position]) continue;
            expect(
              validateOrganisationNumber(`${valid.slice(0, position)}${digit}${valid.slice(position + 1)}`),
            ).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
