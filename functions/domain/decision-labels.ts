/**
 * The decision's names and date arithmetic: the forms of care, the outcome names, the bound on a
 * start-of-care deadline and addDays. Plain constants and functions with no schema, so that a
 * letter, a page or a statistic that only shows them does not build decision.ts's zod schemas at
 * cold start; decision.ts builds its schemas from these and re-exports them.
 */
import type { IsoDate } from "./calendar";

/** The forms of care a granted right can take, as the letters name them. */
export const CARE_FORMS = [
  { key: "team", label: "tverrfaglig utredning i team" },
  { key: "single-discipline", label: "utredning ved én eller to faggrupper" },
  { key: "mapping-consultation", label: "kartleggingskonsultasjon" },
] as const;

export type CareForm = (typeof CARE_FORMS)[number]["key"];

/** Norwegian name of each outcome, for pages and letters. */
export const OUTCOME_LABELS = {
  granted: "Rett til nødvendig helsehjelp",
  refused: "Avslag",
  forwarded: "Videresendt",
  "information-requested": "Forespørsel til henviser",
} as const;

/**
 * The default upper bound on a start-of-care deadline. Guideline deadlines are weeks (12, 26); a
 * year catches a mistyped year without second-guessing the clinician.
 */
export const MAX_DEADLINE_DAYS = 365;

/** The date `days` calendar days after `date` (UTC arithmetic on a date has no DST to trip on). */
export function addDays(date: IsoDate, days: number): IsoDate {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}
