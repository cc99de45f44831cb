/**
 * Dates and times as Norwegian letters and pages write them: "2. mai 2025", "tirsdag 4. mars 2025
 * kl. 12.00". The one place for these helpers; templates reach them as the `date` helper. By hand
 * rather than with Intl, so the result does not depend on which ICU locale data the runtime carries.
 */
import { type IsoDate, osloDate } from "../domain/calendar";

const MONTHS = [
  "januar",
  "februar",
  "mars",
  "april",
  "mai",
  "juni",
  "juli",
  "august",
  "september",
  "oktober",
  "november",
  "desember",
] as const;

const WEEKDAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"] as const;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_MINUTE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/;

function parts(iso: IsoDate): { year: string; month: number; day: number } {
  const match = typeof iso === "string" ? ISO_DATE.exec(iso) : null;
  const month = match ? Number(match[2]) : 0;
  const day = match ? Number(match[3]) : 0;
  if (!match || month < 1 || month > 12 || day < 1 || day > 31) {
    throw new RangeError("expected a date as YYYY-MM-DD");
  }
  return { year: match[1] as string, month, day };
}

/** "2025-05-02" → "2. mai 2025". Throws a RangeError for anything but a date. */
export function formatNorwegianDate(iso: IsoDate): string {
  const { year, month, day } = parts(iso);
  return `${day}. ${MONTHS[month - 1]} ${year}`;
}

/** "2025-05-02" → "fredag 2. mai 2025": for dates a reader must put in a calendar. */
export function formatNorwegianWeekdayDate(iso: IsoDate): string {
  const { year, month, day } = parts(iso);
  const weekday = new Date(Date.UTC(Number(year), month - 1, day)).getUTCDay(); // 0 = Sunday
  return `${WEEKDAYS[(weekday + 6) % 7]} ${formatNorwegianDate(iso)}`;
}

/**
 * An Oslo wall-clock minute ("2025-03-04T12:00", as meeting ids are written) →
 * "tirsdag 4. mars 2025 kl. 12.00". Throws a RangeError for anything else.
 */
export function formatMeetingTime(localMinute: string): string {
  const match = typeof localMinute === "string" ? LOCAL_MINUTE.exec(localMinute) : null;
  if (!match || Number(match[2]) > 23 || Number(match[3]) > 59) {
    throw new RangeError(`not an Oslo time (YYYY-MM-DDTHH:MM): ${String(localMinute)}`);
  }
  return `${formatNorwegianWeekdayDate(match[1] as IsoDate)} kl. ${match[2]}.${match[3]}`;
}

/** An instant's Oslo date, written out: "2. mai 2025". */
export function formatOsloDate(instant: Date): string {
  return formatNorwegianDate(osloDate(instant));
}
