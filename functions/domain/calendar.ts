/**
 * The Norwegian working-day calendar behind the 10-virkedager clock.
 *
 * Dates are plain "YYYY-MM-DD" strings: a calendar date has no time zone, so carrying it as a
 * `Date` invites off-by-one-day bugs. Internally a date is a day number (days since 1970-01-01,
 * proleptic Gregorian), computed with integer arithmetic, so no `Date` or host time zone is involved.
 * Only the conversions between instants and Oslo dates use the time-zone database (Intl).
 */

/** A calendar date, "YYYY-MM-DD" (years 0001–9999). */
export type IsoDate = string;

/**
 * What counts as a working day for a clinic. Treat a rules object as immutable: it is validated and
 * compiled once per object (cached in a WeakMap), so later mutations would go unnoticed.
 */
export interface CalendarRules {
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  workingWeekdays: readonly number[];
  /** Local closure dates (e.g. 24 and 31 December), on top of the public holidays. */
  closures: readonly IsoDate[];
}

/** A public holiday with its Norwegian (bokmål) name. */
export interface Holiday {
  date: IsoDate;
  name: string;
}

/**
 * Monday to Friday, no closures: the domain default. The law has no single definition of
 * virkedag, so clinics that count Saturdays (as holiday law does) pass their own rules.
 */
export const defaultCalendarRules: CalendarRules = Object.freeze({
  workingWeekdays: Object.freeze([1, 2, 3, 4, 5]),
  closures: Object.freeze([]),
});

const OSLO = "Europe/Oslo";
const MS_PER_DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Day numbers (H. Hinnant's civil-date algorithms; exact for the proleptic Gregorian calendar)

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5) + day - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = floorDiv(z, 146_097);
  const doe = z - era * 146_097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses an IsoDate to a day number; throws a RangeError for anything that is not a real date. */
function toDayNumber(date: IsoDate): number {
  const match = typeof date === "string" ? ISO_DATE.exec(date) : null;
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    if (year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) {
      return daysFromCivil(year, month, day);
    }
  }
  throw new RangeError(`not a valid YYYY-MM-DD date: ${String(date)}`);
}

function fromDayNumber(days: number): IsoDate {
  const [year, month, day] = civilFromDays(days);
  if (year < 1 || year > 9999) throw new RangeError("date out of range (years 0001-9999)");
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

// ---------------------------------------------------------------------------------------------
// Easter and the holidays

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < 1 || year > 9999) {
    throw new RangeError("year must be an integer 1-9999");
  }
}

function easterDayNumber(year: number): number {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return daysFromCivil(year, month, day);
}

/**
 * Easter Sunday of `year` by the Gregorian computus (also applied to years before 1583,
 * proleptically). Throws a RangeError for years outside 1–9999.
 */
export function easterSunday(year: number): IsoDate {
  assertYear(year);
  return fromDayNumber(easterDayNumber(year));
}

interface YearHolidays {
  list: readonly Holiday[];
  days: ReadonlySet<number>;
}

const holidayCache = new Map<number, YearHolidays>();

function holidaysOfYear(year: number): YearHolidays {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const easter = easterDayNumber(year);
  const entries: [number, string][] = [
    [daysFromCivil(year, 1, 1), "Første nyttårsdag"],
    [easter - 3, "Skjærtorsdag"],
    [easter - 2, "Langfredag"],
    [easter, "Første påskedag"],
    [easter + 1, "Andre påskedag"],
    [daysFromCivil(year, 5, 1), "Arbeidernes dag"],
    [daysFromCivil(year, 5, 17), "Grunnlovsdagen"],
    [easter + 39, "Kristi himmelfartsdag"],
    [easter + 49, "Første pinsedag"],
    [easter + 50, "Andre pinsedag"],
    [daysFromCivil(year, 12, 25), "Første juledag"],
    [daysFromCivil(year, 12, 26), "Andre juledag"],
  ];
  // Stable sort: holidays that fall on the same date (e.g. Ascension on 1 May 2008) keep both entries.
  entries.sort((x, y) => x[0] - y[0]);
  const result: YearHolidays = {
    list: Object.freeze(entries.map(([days, name]) => Object.freeze({ date: fromDayNumber(days), name }))),
    days: new Set(entries.map(([days]) => days)),
  };
  holidayCache.set(year, result);
  return result;
}

function isHolidayDay(days: number): boolean {
  return holidaysOfYear(civilFromDays(days)[0]).days.has(days);
}

/**
 * The public holidays (helligdager and public high days) of `year`, sorted by date. When two
 * coincide (Ascension on 1 May, Whit Monday on 17 May) both are listed. 24 and 31 December are
 * not holidays: clinics that close then configure them as closures.
 */
export function holidaysOf(year: number): readonly Holiday[] {
  assertYear(year);
  return holidaysOfYear(year).list;
}

/** Whether `date` is a Norwegian public holiday. Sundays that are not holidays return false. */
export function isHoliday(date: IsoDate): boolean {
  return isHolidayDay(toDayNumber(date));
}

// ---------------------------------------------------------------------------------------------
// Working days

interface CompiledRules {
  weekdays: readonly boolean[]; // index 1..7
  closures: ReadonlySet<number>;
}

const compiledRulesCache = new WeakMap<CalendarRules, CompiledRules>();

function compileRules(rules: CalendarRules): CompiledRules {
  const cached = compiledRulesCache.get(rules);
  if (cached) return cached;
  const weekdays = [false, false, false, false, false, false, false, false];
  for (const weekday of rules.workingWeekdays) {
    if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) {
      throw new RangeError("workingWeekdays must hold ISO weekdays 1-7");
    }
    weekdays[weekday] = true;
  }
  // Without a working weekday no due date exists; fail loudly instead of looping forever.
  if (!weekdays.includes(true)) throw new RangeError("workingWeekdays must not be empty");
  const compiled: CompiledRules = { weekdays, closures: new Set(rules.closures.map(toDayNumber)) };
  compiledRulesCache.set(rules, compiled);
  return compiled;
}

function isWorkingDayNumber(days: number, rules: CompiledRules): boolean {
  return rules.weekdays[isoWeekday(days)] === true && !rules.closures.has(days) && !isHolidayDay(days);
}

/** Whether `date` is a working day: a working weekday that is neither a holiday nor a closure. */
export function isWorkingDay(date: IsoDate, rules: CalendarRules = defaultCalendarRules): boolean {
  return isWorkingDayNumber(toDayNumber(date), compileRules(rules));
}

/**
 * The `n`-th working day after `date`. Day 0 is `date` itself, working day or not, so a
 * referral received on a weekend or holiday gets day 1 on the next working day; `n = 0` returns `date`.
 */
export function addWorkingDays(
  date: IsoDate,
  n: number,
  rules: CalendarRules = defaultCalendarRules,
): IsoDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError("n must be a non-negative integer");
  const compiled = compileRules(rules);
  let days = toDayNumber(date);
  for (let counted = 0; counted < n; ) {
    days += 1;
    if (isWorkingDayNumber(days, compiled)) counted += 1;
  }
  return fromDayNumber(days);
}

/**
 * The number of working days d with `from` < d <= `to` (so `addWorkingDays(from, n)` is n working
 * days after `from`). When `to` is before `from` the count is mirrored and negative.
 */
export function workingDaysBetween(
  from: IsoDate,
  to: IsoDate,
  rules: CalendarRules = defaultCalendarRules,
): number {
  const compiled = compileRules(rules);
  const start = toDayNumber(from);
  const end = toDayNumber(to);
  const [low, high, sign] = start <= end ? [start, end, 1] : [end, start, -1];
  let count = 0;
  for (let days = low + 1; days <= high; days++) {
    if (isWorkingDayNumber(days, compiled)) count += 1;
  }
  // `-1 * 0` is -0, which Object.is and some serialisers tell apart from 0.
  return count === 0 ? 0 : sign * count;
}

// ---------------------------------------------------------------------------------------------
// Instants and Oslo dates

let osloFormat: Intl.DateTimeFormat | undefined;

/**
 * The formatter that reads Oslo's wall clock, made on first use: creating it loads the zone's ICU
 * data (about 10 ms), which a function that imports this module but never converts an instant
 * (pure date arithmetic, labels) should not pay at cold start.
 */
function osloParts(): Intl.DateTimeFormat {
  osloFormat ??= new Intl.DateTimeFormat("en-US", {
    timeZone: OSLO,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return osloFormat;
}

/** Oslo's UTC offset at an instant, read from Intl (exact, but a formatToParts call each time). */
function intlOffsetMsAt(instantMs: number): number {
  const fields: Record<string, number> = {};
  for (const part of osloParts().formatToParts(instantMs)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const days = daysFromCivil(fields.year ?? Number.NaN, fields.month ?? Number.NaN, fields.day ?? Number.NaN);
  const msOfDay = (((fields.hour ?? 0) * 60 + (fields.minute ?? 0)) * 60 + (fields.second ?? 0)) * 1000;
  return days * MS_PER_DAY + msOfDay + (((instantMs % 1000) + 1000) % 1000) - instantMs;
}

const MS_PER_HOUR = 3_600_000;
/** Oslo's offset per UTC hour, for the hours it does not change in (all but the transition hours). */
const offsetByHour = new Map<number, number>();
const OFFSET_CACHE_LIMIT = 100_000;

/**
 * Oslo's UTC offset in milliseconds at an instant given in epoch milliseconds. Every receipt,
 * deadline and page asks this; Intl's formatToParts was 4 % of a referral's CPU. The offset is the
 * same at both ends of a UTC hour unless a clock change falls inside it, and then Intl answers
 * exactly; otherwise the hour's offset is remembered.
 */
function offsetMsAt(instantMs: number): number {
  const hour = Math.floor(instantMs / MS_PER_HOUR);
  const cached = offsetByHour.get(hour);
  if (cached !== undefined) return cached;
  const first = intlOffsetMsAt(hour * MS_PER_HOUR);
  if (intlOffsetMsAt(hour * MS_PER_HOUR + MS_PER_HOUR - 1) !== first) return intlOffsetMsAt(instantMs);
  if (offsetByHour.size >= OFFSET_CACHE_LIMIT) offsetByHour.clear();
  offsetByHour.set(hour, first);
  return first;
}

/** Oslo wall-clock fields of an instant, as a day number and milliseconds into that day. */
function osloWallClock(instantMs: number): { days: number; msOfDay: number } {
  const wallMs = instantMs + offsetMsAt(instantMs);
  const days = Math.floor(wallMs / MS_PER_DAY);
  return { days, msOfDay: wallMs - days * MS_PER_DAY };
}

function assertInstant(instant: Date): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError("not a valid Date");
  return ms;
}

/** Oslo's offset from UTC at `instant`, in milliseconds (+1 h in winter, +2 h in summer). */
export function osloOffsetMs(instant: Date): number {
  return offsetMsAt(assertInstant(instant));
}

/**
 * The instant Oslo's clocks show `hour`:`minute` on `date`, in the offset in force then. Tries the
 * offsets in force a day before and a day after: a time in the autumn overlap takes the earlier
 * instant (summer time), a time in the spring gap is moved forward by the gap (02:30 becomes 03:30),
 * as Temporal's "compatible" disambiguation does. Throws a RangeError for a bad date or time.
 */
export function osloInstant(date: IsoDate, hour: number, minute: number): Date {
  if (
    !Number.isInteger(hour) ||
    hour < 0 ||
    hour > 23 ||
    !Number.isInteger(minute) ||
    minute < 0 ||
    minute > 59
  ) {
    throw new RangeError(`not a valid time of day: ${String(hour)}:${String(minute)}`);
  }
  const wallMs = toDayNumber(date) * MS_PER_DAY + (hour * 60 + minute) * 60_000;
  const before = wallMs - offsetMsAt(wallMs - MS_PER_DAY);
  const after = wallMs - offsetMsAt(wallMs + MS_PER_DAY);
  const valid = [before, after].filter((instant) => instant + offsetMsAt(instant) === wallMs);
  return new Date(valid.length > 0 ? Math.min(...valid) : before);
}

/** The calendar date in Europe/Oslo at `instant` (receipt time is taken in Oslo, whatever the server's zone). */
export function osloDate(instant: Date): IsoDate {
  return fromDayNumber(osloWallClock(assertInstant(instant)).days);
}

const startOfDayCache = new Map<number, number>();
const START_OF_DAY_CACHE_LIMIT = 10_000;

function osloStartOfDayMs(days: number): number {
  const cached = startOfDayCache.get(days);
  if (cached !== undefined) return cached;
  // Guess with the offset at UTC midnight, then correct with the offset at the guess. Under the EU
  // rules Oslo changes clocks at 01:00 UTC, never at local midnight, so local midnight exists and is unique.
  const wallMs = days * MS_PER_DAY;
  const guess = wallMs - offsetMsAt(wallMs);
  const result = wallMs - offsetMsAt(guess);
  if (startOfDayCache.size >= START_OF_DAY_CACHE_LIMIT) startOfDayCache.clear();
  startOfDayCache.set(days, result);
  return result;
}

/** The instant Oslo's clocks show 00:00:00.000 on `date` (23:00 or 22:00 UTC the day before). */
export function osloStartOfDay(date: IsoDate): Date {
  return new Date(osloStartOfDayMs(toDayNumber(date)));
}

/**
 * The last millisecond of `date` in Oslo: the start of the next day minus 1 ms, so a 23-hour
 * (last Sunday of March) or 25-hour (last Sunday of October) day is handled without special cases.
 */
export function osloEndOfDay(date: IsoDate): Date {
  return new Date(osloStartOfDayMs(toDayNumber(date) + 1) - 1);
}

// ---------------------------------------------------------------------------------------------
// The legal clock

/** The statutory assessment period: 10 virkedager after receipt. */
export const ASSESSMENT_WORKING_DAYS = 10;
/** Staff are reminded at the start of working day 8, leaving two working days to act. */
export const REMINDER_WORKING_DAY = 8;

/**
 * The date by which the rights assessment must be done: working day `workingDays` counted from the
 * Oslo date of receipt (day 0). A forwarded referral passes its original receipt (ansiennitetsdato).
 */
export function assessmentDueDate(
  receivedAt: Date,
  rules: CalendarRules = defaultCalendarRules,
  workingDays: number = ASSESSMENT_WORKING_DAYS,
): IsoDate {
  return addWorkingDays(osloDate(receivedAt), workingDays, rules);
}

/** The instant to remind staff: Oslo 00:00 at the start of working day `reminderWorkingDay`. */
export function reminderPoint(
  receivedAt: Date,
  rules: CalendarRules = defaultCalendarRules,
  reminderWorkingDay: number = REMINDER_WORKING_DAY,
): Date {
  return osloStartOfDay(addWorkingDays(osloDate(receivedAt), reminderWorkingDay, rules));
}

/** The last instant (Oslo end of the due date) at which an assessment is still within the deadline. */
export function assessmentDeadline(
  receivedAt: Date,
  rules: CalendarRules = defaultCalendarRules,
  workingDays: number = ASSESSMENT_WORKING_DAYS,
): Date {
  return osloEndOfDay(assessmentDueDate(receivedAt, rules, workingDays));
}
