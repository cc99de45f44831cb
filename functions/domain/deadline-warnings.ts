/**
 * Warnings, not refusals, about a start-of-care deadline as an assessor types it on the task page:
 * a deadline on a day the clinic does not work (a weekend, a Norwegian public holiday, a local
 * closure) or on the day after the decision is lawful but most often a slip of the date picker. The
 * form asks the assessor to confirm such a date (the confirmation names the date it confirms, so a
 * date changed afterwards is asked about again); a JSON caller gets the same warnings in its answer.
 */
import { type CalendarRules, holidaysOf, type IsoDate, isWorkingDay } from "./calendar";
import { addDays } from "./decision-labels";
import type { Issue } from "./validation";

/** The form field that confirms a warned deadline: its value is the deadline it confirms. */
export const CONFIRM_DEADLINE_FIELD = "confirmStartOfCareDeadline";

const WEEKDAYS = ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"] as const;

/** What is unusual about `deadline` for a decision made on `decidedOn`; empty when nothing is. */
export function startOfCareDeadlineWarnings(
  deadline: IsoDate,
  decidedOn: IsoDate,
  rules: CalendarRules,
): Issue[] {
  const warnings: Issue[] = [];
  if (!isWorkingDay(deadline, rules)) {
    const holiday = holidaysOf(Number(deadline.slice(0, 4))).find((day) => day.date === deadline);
    const weekday = WEEKDAYS[new Date(`${deadline}T12:00:00Z`).getUTCDay()] ?? "";
    const what = holiday
      ? `${holiday.name.toLowerCase()}, en helligdag`
      : weekday === "lørdag" || weekday === "søndag"
        ? `en ${weekday}`
        : "en dag klinikken har stengt";
    warnings.push({
      path: "startOfCareDeadline",
      message: `Fristen for igangsetting er ${what}, ikke en virkedag. Sjekk datoen, eller bekreft at den er riktig.`,
    });
  }
  if (deadline === addDays(decidedOn, 1)) {
    warnings.push({
      path: "startOfCareDeadline",
      message:
        "Fristen for igangsetting er dagen etter vurderingen. Sjekk datoen, eller bekreft at den er riktig.",
    });
  }
  return warnings;
}

/** Whether the body confirms exactly this deadline (the form's checkbox carries the date it confirms). */
export function deadlineConfirmed(body: unknown, deadline: IsoDate): boolean {
  const value = (body as Record<string, unknown> | null)?.[CONFIRM_DEADLINE_FIELD];
  return typeof value === "string" && value.trim() === deadline;
}
