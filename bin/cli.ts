/**
 * `frist`: the command line of Frist (package.json "bin", started by bin/frist-cli.js).
 *
 *   frist deadline <timestamp>… [--json] [--priority ordinary|urgent] [--forwarded-from YYYY-MM-DD]
 *
 * prints the legal clock of a referral received at each moment given: day 0, the assessment due
 * date, the reminder point and, for an urgent referral, the internal target, under the calendar rules
 * of cdk.json's "frist:legalClock". It computes them with the service's own clock (`legalClockFor`,
 * the function the receipt and the workflow's timers use), so the CLI and the service cannot differ.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  ASSESSMENT_WORKING_DAYS,
  type IsoDate,
  isWorkingDay,
  osloDate,
  osloInstant,
  osloOffsetMs,
} from "../functions/domain/calendar";
import { calendarRulesOf, type LegalClockConfig, legalClockConfigSchema } from "../functions/domain/clinic";
import { isAtRisk, legalClockFor } from "../functions/domain/legal-clock";
import { formatNorwegianDate } from "../functions/views/norwegian-time";
import { statsCommand } from "./stats";

/** Where the CLI writes, and where it reads the CDK context from (tests pass their own). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The CDK context ("context" of cdk.json). Default: the repository's cdk.json. */
  context?: () => Record<string, unknown>;
}

/** Exit codes: 2 for a usage error (bad arguments), as most Unix tools do; 1 for a broken configuration. */
export const EXIT = { ok: 0, config: 1, usage: 2 } as const;

export const USAGE = `Usage: frist deadline <timestamp>... [options]

Prints the assessment deadline of a referral received at each <timestamp>, in the order given:
day 0 (the day of receipt in Oslo), the due date (${ASSESSMENT_WORKING_DAYS} working days later), the reminder
point and, for an urgent referral, the internal target, as the service computes them. Calendar
rules come from cdk.json ("frist:legalClock"). A bad timestamp stops the run before any output.

<timestamp>  ISO 8601 with Z or an offset (2025-04-16T10:00:00+02:00, 2025-04-16T08:00Z),
             or a date (2025-04-16), read as 12:00 Oslo time that day. Give as many as you like.

Options:
  --json                       print one JSON object per line, one per timestamp, in order
  --priority ordinary|urgent   urgent adds the internal target and reminds earlier (default: ordinary)
  --forwarded-from YYYY-MM-DD  a forwarded referral: the clock counts from this original
                               receipt date (ansiennitetsdato), which cannot be after <timestamp>
  -h, --help                   show this text

Commands:
  frist deadline <timestamp>...  as above
  frist stats --from … --to …    statistics per year or month as CSV (frist stats --help)
  frist simulate [options]       replays a period of a centre on the local default (frist simulate --help)
  frist backfill-portal-index    keys referrals stored before the portal index (once, after deploying it)
  frist help                   show this text`;

/** The legal clock of one referral, as `--json` prints it. */
export interface DeadlineReport {
  receivedAt: string;
  receivedAtOslo: string;
  /** The day of receipt in Oslo. */
  receivedOn: IsoDate;
  kind: "new" | "forwarded";
  priority: "ordinary" | "urgent";
  /** Day 0 of the clock: the day of receipt, or a forwarded referral's ansiennitetsdato. */
  clockStartDate: IsoDate;
  assessmentDueDate: IsoDate;
  /** The last instant within the deadline: the end of the due date in Oslo. */
  deadline: { oslo: string; utc: string };
  /** Staff are reminded at the start (Oslo 00:00) of this working day. */
  reminder: { workingDay: number; date: IsoDate; oslo: string; utc: string };
  /** Urgent referrals only: the clinic's internal target. */
  urgentTarget?: { workingDays: number; date: IsoDate };
  /** A forwarded referral may arrive late: these are true when the point had passed at receipt. */
  passedAtReceipt: { reminder: boolean; deadline: boolean };
  calendar: { workingWeekdays: number[]; closures: IsoDate[] };
}

class UsageError extends Error {}
class ConfigError extends Error {}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit code. It never
 * calls process.exit, so tests run it in-process.
 */
export function runCli(argv: readonly string[], io: CliIo = processIo): number | Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === "help" || command === "--help" || command === "-h") {
      io.out(USAGE);
      return EXIT.ok;
    }
    if (command === undefined) throw new UsageError("missing a command");
    if (command === "stats") return statsCommand(rest, io);
    if (command === "backfill-portal-index") {
      return import("./backfill").then(({ backfillCommand }) => backfillCommand(rest, io));
    }
    // Runs the local default for minutes: loaded only when asked.
    if (command === "simulate") {
      return import("./simulate").then(({ runSimulate }) =>
        runSimulate(rest, { ...io, progress: process.stderr.isTTY ? process.stderr : undefined }),
      );
    }
    if (command !== "deadline") throw new UsageError(`unknown command "${command}"`);
    return deadlineCommand(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`frist: ${error.message}\nRun "frist --help" for usage.`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`frist: ${error.message}`);
      return EXIT.config;
    }
    throw error;
  }
}

function deadlineCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseOptions(args);
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    throw new UsageError("missing the timestamp of receipt, e.g. frist deadline 2025-04-16T10:00:00+02:00");
  }
  // Every timestamp is read before anything is printed: a script gets all its lines or none.
  const receipts = positionals.map(parseReceipt);

  const priority = values.priority ?? "ordinary";
  if (priority !== "ordinary" && priority !== "urgent") {
    throw new UsageError(`--priority must be "ordinary" or "urgent", not "${priority}"`);
  }
  const forwardedFrom = values["forwarded-from"];
  if (forwardedFrom !== undefined) {
    if (!isRealDate(forwardedFrom)) {
      throw new UsageError(`--forwarded-from must be a date as YYYY-MM-DD, not "${forwardedFrom}"`);
    }
    for (const receivedAt of receipts) {
      if (forwardedFrom > osloDate(receivedAt)) {
        throw new UsageError(
          `--forwarded-from ${forwardedFrom} is after the day of receipt (${osloDate(receivedAt)}): the original receipt cannot be in the future`,
        );
      }
    }
  }

  const clock = legalClockOf(io);
  const reports = receipts.map((receivedAt) =>
    deadlineReport({ receivedAt, priority, forwardedFrom }, clock),
  );
  io.out(
    values.json
      ? reports.map((report) => JSON.stringify(report)).join("\n")
      : reports.map((report) => describeDeadline(report).join("\n")).join("\n\n"),
  );
  return EXIT.ok;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        priority: { type: "string" },
        "forwarded-from": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util's parse errors (unknown option, missing value) say what is wrong; keep their words.
    if (error instanceof Error && String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The legal clock of one referral

/**
 * Day 0, the due date, the reminder point and the urgent target of a referral received at
 * `receivedAt`, under the clinic's legal-clock configuration, from the service's `legalClockFor`.
 */
export function deadlineReport(
  input: { receivedAt: Date; priority: "ordinary" | "urgent"; forwardedFrom?: IsoDate | undefined },
  config: LegalClockConfig,
): DeadlineReport {
  const receivedOn = osloDate(input.receivedAt);
  const clockStartDate = input.forwardedFrom ?? receivedOn;
  // The service's clock: the same function the receipt, PlanIntake and the timers call.
  const clock = legalClockFor({ clockStartDate, priority: input.priority }, config);
  const urgent = input.priority === "urgent";
  return {
    receivedAt: input.receivedAt.toISOString(),
    receivedAtOslo: osloIso(input.receivedAt),
    receivedOn,
    kind: input.forwardedFrom === undefined ? "new" : "forwarded",
    priority: input.priority,
    clockStartDate,
    assessmentDueDate: clock.assessmentDueDate,
    deadline: { oslo: osloIso(clock.deadline), utc: clock.deadline.toISOString() },
    reminder: {
      workingDay: urgent ? config.urgentReminderWorkingDay : config.reminderWorkingDay,
      date: osloDate(clock.reminderAt),
      oslo: osloIso(clock.reminderAt),
      utc: clock.reminderAt.toISOString(),
    },
    ...(clock.internalTargetDate
      ? { urgentTarget: { workingDays: config.urgentTargetWorkingDays, date: clock.internalTargetDate } }
      : {}),
    passedAtReceipt: {
      reminder: isAtRisk(clock, input.receivedAt),
      deadline: clock.deadline.getTime() < input.receivedAt.getTime(),
    },
    calendar: { workingWeekdays: [...config.workingWeekdays], closures: [...config.closures] },
  };
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The report as plain English lines, dates written the Norwegian way (as in the letters). */
export function describeDeadline(report: DeadlineReport): string[] {
  const day = (date: IsoDate) => `${formatNorwegianDate(date)} (${date})`;
  const lines = [
    `Received:        ${formatNorwegianDate(report.receivedOn)} at ${clockTime(report.receivedAtOslo)} Oslo time (${report.receivedAt})`,
    report.kind === "forwarded"
      ? `Day 0:           ${day(report.clockStartDate)}, the original receipt (ansiennitetsdato) of a forwarded referral`
      : `Day 0:           ${day(report.clockStartDate)}, the day of receipt in Oslo`,
    `Assessment due:  ${day(report.assessmentDueDate)}, working day ${ASSESSMENT_WORKING_DAYS}; the deadline runs out at the end of that day in Oslo (${report.deadline.utc})`,
    `Reminder point:  ${formatNorwegianDate(report.reminder.date)} at 00:00 Oslo time (${report.reminder.utc}), the start of working day ${report.reminder.workingDay}`,
  ];
  if (report.urgentTarget) {
    lines.push(
      `Urgent target:   ${day(report.urgentTarget.date)}, working day ${report.urgentTarget.workingDays} (the clinic's internal target for urgent referrals)`,
    );
  }
  const weekdays = report.calendar.workingWeekdays
    .slice()
    .sort((a, b) => a - b)
    .map((weekday) => WEEKDAYS[weekday - 1])
    .join(", ");
  const closures = report.calendar.closures.length;
  lines.push(
    `Calendar:        working weekdays ${weekdays}; Norwegian public holidays; ${closures === 0 ? "no local closures" : `${closures} local closure date${closures === 1 ? "" : "s"}`}`,
  );
  if (report.passedAtReceipt.deadline) {
    lines.push("Note:            the deadline had already run out at receipt: flag the referral at once.");
  } else if (report.passedAtReceipt.reminder) {
    lines.push(
      "Note:            the reminder point had already passed at receipt: flag the referral at once.",
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Configuration

function legalClockOf(io: CliIo): LegalClockConfig {
  const context = io.context ? io.context() : readCdkJsonContext();
  let raw = context["frist:legalClock"];
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new ConfigError('the context value "frist:legalClock" is not valid JSON');
    }
  }
  const result = legalClockConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`,
    );
    throw new ConfigError(`the context value "frist:legalClock" is invalid: ${problems.join("; ")}`);
  }
  try {
    // The calendar checks what the schema cannot (that closures are real dates).
    isWorkingDay("2000-01-03", calendarRulesOf(result.data));
  } catch (error) {
    throw new ConfigError(`the context value "frist:legalClock" is invalid: ${(error as Error).message}`);
  }
  return result.data;
}

/** cdk.json's "context", next to this file's folder; without a cdk.json every default applies. */
function readCdkJsonContext(): Record<string, unknown> {
  const file = fileURLToPath(new URL("../cdk.json", import.meta.url));
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  try {
    return (JSON.parse(text) as { context?: Record<string, unknown> }).context ?? {};
  } catch {
    throw new ConfigError(`${file} is not valid JSON`);
  }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EXAMPLES = "use ISO 8601 with Z or an offset (2025-04-16T10:00:00+02:00) or a date (2025-04-16)";

function isRealDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return year >= 1900 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The moment of receipt. An ISO 8601 timestamp must say its offset (or Z): "10:00" alone is
 * ambiguous by an hour or two, and the day of receipt hangs on it. A plain date means 12:00 in Oslo,
 * a moment that lies on that Oslo day whatever the season.
 */
export function parseReceipt(text: string): Date {
  if (DATE.test(text)) {
    if (!isRealDate(text)) throw new UsageError(`"${text}" is not a real date (years from 1900)`);
    // Noon is never in a clock change (Oslo changes at 01:00 UTC), so it is one unambiguous instant.
    return osloInstant(text, 12, 0);
  }
  const match = TIMESTAMP.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a timestamp: ${EXAMPLES}`);
  const [, y, mo, d, h, mi, s = "0", fraction = "", zone] = match;
  if (zone === undefined) {
    throw new UsageError(`"${text}" has no time zone: add Z or an offset such as +02:00`);
  }
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!isRealDate(`${y}-${mo}-${d}`)) throw new UsageError(`"${text}" is not a real date (years from 1900)`);
  if (hour > 23 || minute > 59 || second > 59) throw new UsageError(`"${text}" is not a real time of day`);
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const digits = zone.slice(1).replace(":", "");
    const [offsetHours, offsetMins] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || "0")];
    if (offsetHours > 14 || offsetMins > 59) throw new UsageError(`"${text}" has an impossible offset`);
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
}

/** An instant as Oslo local time in ISO 8601 with its offset: "2025-05-02T00:00:00+02:00". */
function osloIso(instant: Date): string {
  const offset = osloOffsetMs(instant);
  const local = new Date(instant.getTime() + offset).toISOString(); // the wall clock, labelled "Z"
  const millis = instant.getUTCMilliseconds();
  const minutes = Math.abs(offset) / 60_000;
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  return `${local.slice(0, 19)}${millis === 0 ? "" : local.slice(19, 23)}${zone}`;
}

/** "HH:MM" of an Oslo ISO timestamp made by osloIso. */
function clockTime(osloTimestamp: string): string {
  return osloTimestamp.slice(11, 16);
}
