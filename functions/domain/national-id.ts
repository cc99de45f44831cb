/**
 * Norwegian identifiers: fødselsnummer, D-nummer, H-nummer, HPR-nummer and organisasjonsnummer.
 *
 * Pure functions: no I/O, no clock (the caller passes `asOf` when the date matters).
 * Rejection reasons are short, fixed English sentences that never contain the input: a national ID
 * is personal data and error messages end up in logs and API responses.
 */

/** Which register a national ID belongs to. */
export type NationalIdKind = "fodselsnummer" | "d-nummer" | "h-nummer";

/** The outcome of {@link validateNationalId}. `birthDate` is the real birth date (YYYY-MM-DD). */
export type NationalIdValidation =
  | { ok: true; kind: NationalIdKind; birthDate: string }
  | { ok: false; reason: string };

/** Options for {@link validateNationalId}. */
export interface NationalIdOptions {
  /**
   * Accept the first check digit when the weighted sum (k1 included) leaves remainder 0, 1, 2 or 3
   * mod 11, as numbers issued from 2032 may. The second check digit stays strict.
   * Default: `true` when `asOf` is in 2032 or later, otherwise `false`.
   */
  relaxedFirstCheckDigit?: boolean;
  /**
   * "Now" for the caller. Only its (UTC) year is used, to pick the default of
   * `relaxedFirstCheckDigit`; the hour around New Year 2032 where UTC and Oslo disagree does not matter.
   */
  asOf?: Date;
}

const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;
const ORG_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** The year from which numbers may carry a relaxed first check digit. */
export const RELAXED_FIRST_CHECK_DIGIT_FROM_YEAR = 2032;

const REASONS = {
  format: "must be 11 digits",
  checkDigits: "check digits do not match",
  date: "date part is not a valid date",
  century: "individual number does not fit the birth year",
} as const;

function digitsOf(value: string): number[] {
  const digits: number[] = [];
  for (let i = 0; i < value.length; i++) digits.push(value.charCodeAt(i) - 48);
  return digits;
}

function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  return sum;
}

/** The mod-11 check digit for `digits`, or undefined when it would be 10 (no valid number exists). */
function mod11CheckDigit(digits: readonly number[], weights: readonly number[]): number | undefined {
  const result = 11 - (weightedSum(digits, weights) % 11);
  if (result === 11) return 0;
  if (result === 10) return undefined;
  return result;
}

/**
 * The full birth year for a two-digit year and an individual number, by the rules of the
 * National Population Register; undefined for combinations that are never issued.
 */
function centuryYear(yy: number, individual: number): number | undefined {
  if (individual <= 499) return 1900 + yy;
  if (individual <= 749 && yy >= 54) return 1800 + yy;
  if (individual >= 500 && yy <= 39) return 2000 + yy;
  if (individual >= 900 && yy >= 40) return 1900 + yy;
  return undefined;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** Whether the check digits of an 11-digit number hold. */
function checkDigitsHold(digits: readonly number[], relaxedFirst: boolean): boolean {
  const k1 = digits[9] ?? -1;
  const k2 = digits[10] ?? -1;
  // The full sum with k1 weighted 1 is 0 mod 11 for a strict k1, and 0..3 for a relaxed one.
  const k1Remainder = (weightedSum(digits, K1_WEIGHTS) + k1) % 11;
  const k1Ok = relaxedFirst ? k1Remainder <= 3 : k1Remainder === 0;
  return k1Ok && mod11CheckDigit(digits, K2_WEIGHTS) === k2;
}

/**
 * Validates a fødselsnummer, D-nummer (day + 40) or H-nummer (month + 40).
 *
 * The input must be exactly 11 ASCII digits: callers strip spaces or dots first, so that what is
 * stored is what was checked. The birth date must exist in the calendar (29 February only in leap
 * years, with the century taken from the individual number). Synthetic test numbers (month + 80)
 * are rejected on purpose: they must never reach production data.
 */
export function validateNationalId(value: string, options: NationalIdOptions = {}): NationalIdValidation {
  if (typeof value !== "string" || !/^\d{11}$/.test(value)) return { ok: false, reason: REASONS.format };
  const digits = digitsOf(value);

  const relaxedFirst =
    options.relaxedFirstCheckDigit ??
    (options.asOf !== undefined && options.asOf.getUTCFullYear() >= RELAXED_FIRST_CHECK_DIGIT_FROM_YEAR);
  if (!checkDigitsHold(digits, relaxedFirst)) return { ok: false, reason: REASONS.checkDigits };

  let day = Number(value.slice(0, 2));
  let month = Number(value.slice(2, 4));
  const yy = Number(value.slice(4, 6));
  const individual = Number(value.slice(6, 9));

  let kind: NationalIdKind = "fodselsnummer";
  if (day > 40) {
    kind = "d-nummer";
    day -= 40;
  }
  if (month > 40) {
    // A number cannot be both a D-nummer and an H-nummer.
    if (kind !== "fodselsnummer") return { ok: false, reason: REASONS.date };
    kind = "h-nummer";
    month -= 40;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return { ok: false, reason: REASONS.date };

  const year = centuryYear(yy, individual);
  if (year === undefined) return { ok: false, reason: REASONS.century };
  if (day > daysInMonth(year, month)) return { ok: false, reason: REASONS.date };

  return { ok: true, kind, birthDate: `${year}-${pad(month, 2)}-${pad(day, 2)}` };
}

/** Whether `value` is an HPR-nummer (Helsepersonellregisteret): 1 to 9 digits, no check digit. */
export function validateHprNumber(value: string): boolean {
  return typeof value === "string" && /^\d{1,9}$/.test(value);
}

/**
 * Whether `value` is an organisasjonsnummer: 9 digits, the last a mod-11 check digit with weights
 * 3,2,7,6,5,4,3,2 (a remainder giving 10 is never issued).
 */
export function validateOrganisationNumber(value: string): boolean {
  if (typeof value !== "string" || !/^\d{9}$/.test(value)) return false;
  const digits = digitsOf(value);
  return mod11CheckDigit(digits, ORG_WEIGHTS) === digits[8];
}

/**
 * Test support: builds a valid (strict check digits) national ID for a birth date and a
 * three-digit individual number. Returns undefined when a check digit would be 10, which is how
 * the register skips such individual numbers; callers try the next individual number.
 *
 * Throws a RangeError for a malformed or non-existent date, an individual number outside 0–999,
 * or an individual number that the register never uses for that birth year (years 1854–2039).
 */
export function makeNationalId(
  birthDate: string,
  individual: number,
  kind: NationalIdKind = "fodselsnummer",
): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) throw new RangeError("birthDate must be YYYY-MM-DD");
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError("birthDate is not a valid date");
  }
  if (!Number.isInteger(individual) || individual < 0 || individual > 999) {
    throw new RangeError("individual number must be an integer 0-999");
  }
  if (centuryYear(year % 100, individual) !== year) {
    throw new RangeError("individual number does not fit the birth year");
  }

  const dd = kind === "d-nummer" ? day + 40 : day;
  const mm = kind === "h-nummer" ? month + 40 : month;
  const nine = `${pad(dd, 2)}${pad(mm, 2)}${pad(year % 100, 2)}${pad(individual, 3)}`;
  const digits = digitsOf(nine);
  const k1 = mod11CheckDigit(digits, K1_WEIGHTS);
  if (k1 === undefined) return undefined;
  digits.push(k1);
  const k2 = mod11CheckDigit(digits, K2_WEIGHTS);
  if (k2 === undefined) return undefined;
  return `${nine}${k1}${k2}`;
}
