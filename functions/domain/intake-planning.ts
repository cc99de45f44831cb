/**
 * Intake planning: which intake meeting (or which single clinician) assesses a referral.
 *
 * The clinic holds weekly meeting slots in Oslo local time (for example Tuesday and Thursday 12:00)
 * with a fixed capacity each. A referral goes to the earliest meeting with room that starts before
 * its reminder point; when none does, to the earliest meeting with room at all, flagged at risk so
 * the lead is told. Seats are taken by the adapter with a conditional counter (`planWithSeats`), so
 * concurrent referrals never overbook a meeting.
 *
 * Pure: no AWS, no I/O, no clock. A meeting is identified by its Oslo date and time,
 * "2026-11-24T12:00", which is stable, sortable, and readable in the table and in logs.
 */
import * as z from "zod";
import {
  type CalendarRules,
  defaultCalendarRules,
  type IsoDate,
  isWorkingDay,
  osloDate,
  osloInstant,
  reminderPoint,
} from "./calendar";
import type { Assignment } from "./records";
import type { KIND_LABELS, PRIORITY_LABELS } from "./referral";

const MS_PER_DAY = 86_400_000;

/** How far ahead a meeting is searched for: 8 weeks, far beyond any 10-working-day deadline. */
export const PLANNING_HORIZON_DAYS = 56;

/** Seat attempts before giving up; the candidate meetings in the horizon run out long before. */
export const DEFAULT_MAX_SEAT_ATTEMPTS = 100;

/** The referral kinds (as in the submission schema). */
export const REFERRAL_KINDS = [
  "new",
  "forwarded",
  "secondary",
] as const satisfies readonly (keyof typeof KIND_LABELS)[];
/** The referral priorities (as in the submission schema). */
export const REFERRAL_PRIORITIES = [
  "ordinary",
  "urgent",
] as const satisfies readonly (keyof typeof PRIORITY_LABELS)[];

export type ReferralKind = (typeof REFERRAL_KINDS)[number];
export type ReferralPriority = (typeof REFERRAL_PRIORITIES)[number];
/** How a referral is assessed: by one clinician, or by the team in an intake meeting. */
export type Track = Assignment["track"];

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MEETING_ID = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/;

const meetingSlotSchema = z.object({
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: z.int().min(1).max(7),
  /** Oslo local time, "HH:MM" (24-hour). */
  time: z.string().regex(TIME, 'must be a time "HH:MM" (00:00-23:59)'),
});

/**
 * The intake-planning part of the clinic configuration. Every field has a default, so
 * `intakePlanningConfigSchema.parse({})` gives Tuesday and Thursday 12:00 with 20 seats: the
 * pattern the centres report (1–2 meetings a week, 10–30 referrals each). When merging into the
 * clinic config, use `.prefault({})` rather than `.default({})`: zod 4 returns a `.default` value
 * as is, without applying these inner defaults.
 */
export const intakePlanningConfigSchema = z.object({
  /** The weekly meeting slots. A slot on a day that is not a working day is skipped that week. */
  meetings: z
    .array(meetingSlotSchema)
    .min(1, "at least one weekly meeting is needed")
    .max(50)
    .superRefine((slots, ctx) => {
      const seen = new Set<string>();
      slots.forEach((slot, index) => {
        const key = `${slot.weekday}@${slot.time}`;
        if (seen.has(key)) ctx.addIssue({ code: "custom", message: "duplicate meeting slot", path: [index] });
        seen.add(key);
      });
    })
    .default([
      { weekday: 2, time: "12:00" },
      { weekday: 4, time: "12:00" },
    ]),
  /** Referrals per meeting. */
  capacityPerMeeting: z.int().min(1).max(1000).default(20),
  /**
   * Which referrals one clinician assesses instead of the meeting (for example secondary referrals,
   * which are not rights-assessed again). A referral matches when every list given contains its
   * value; an omitted list matches anything, so at least one list must be given.
   */
  singleAssessorTrack: z
    .object({
      kinds: z.array(z.enum(REFERRAL_KINDS)).min(1).optional(),
      priorities: z.array(z.enum(REFERRAL_PRIORITIES)).min(1).optional(),
    })
    .refine((track) => track.kinds !== undefined || track.priorities !== undefined, {
      message: "name kinds or priorities: an empty track would send every referral to one clinician",
    })
    .optional(),
  /** The clinician (email or name, as on the intake team) for the single-assessor track; default: the lead. */
  singleAssessor: z.string().trim().min(1).max(254).optional(),
  /** How many hours before a meeting its team gets the agenda email (one email per meeting). */
  agendaLeadHours: z.number().min(1).max(168).default(24),
});

/** The parsed intake-planning configuration (defaults applied). */
export type IntakePlanningConfig = z.output<typeof intakePlanningConfigSchema>;
/** The intake-planning configuration as written in CLINIC_CONFIG (defaults optional). */
export type IntakePlanningConfigInput = z.input<typeof intakePlanningConfigSchema>;

/**
 * Thrown when no meeting can be planned: no meeting with room in the horizon, or the seat attempts
 * ran out. The referral still needs an assessment, so the caller must raise it with a person.
 */
export class IntakePlanningError extends Error {
  override readonly name = "IntakePlanningError";
}

// ---------------------------------------------------------------------------------------------
// Dates and times

/** UTC milliseconds of a civil date and time (safe for years below 100, unlike Date.UTC). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** The day number (days since 1970-01-01) of a valid IsoDate; throws a RangeError otherwise. */
function dayNumber(date: IsoDate): number {
  const match = typeof date === "string" ? ISO_DATE.exec(date) : null;
  if (match) {
    const days = utcMs(Number(match[1]), Number(match[2]), Number(match[3])) / MS_PER_DAY;
    // A date like 2026-02-30 rolls over to another day: the round trip catches it.
    if (Number(match[1]) >= 1 && fromDayNumber(days) === date) return days;
  }
  throw new RangeError(`not a valid YYYY-MM-DD date: ${String(date)}`);
}

function fromDayNumber(days: number): IsoDate {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

function parseTime(time: string): [hour: number, minute: number] {
  const match = typeof time === "string" ? TIME.exec(time) : null;
  if (!match) throw new RangeError(`not a valid HH:MM time: ${String(time)}`);
  return [Number(match[1]), Number(match[2])];
}

// ---------------------------------------------------------------------------------------------
// Meetings

/** A meeting on the calendar: its id, its Oslo date and the instant it starts. */
export interface Meeting {
  meetingId: string;
  startsAt: Date;
  date: IsoDate;
}

/**
 * The id of the meeting on `date` at `time` (Oslo local), e.g. "2026-11-24T12:00". Ids sort in
 * time order, and name the meeting as the team does. Throws a RangeError for a bad date or time.
 */
export function meetingId(date: IsoDate, time: string): string {
  dayNumber(date);
  parseTime(time);
  return `${date}T${time}`;
}

/**
 * The instant a meeting starts: its Oslo wall-clock time in the offset in force that day, so a
 * 12:00 meeting is 11:00Z in winter and 10:00Z in summer. Throws a RangeError for a malformed id.
 */
export function meetingStartsAt(id: string): Date {
  const match = typeof id === "string" ? MEETING_ID.exec(id) : null;
  if (!match) throw new RangeError(`not a meeting id (YYYY-MM-DDTHH:MM): ${String(id)}`);
  const date = match[1] as IsoDate;
  dayNumber(date);
  const [hour, minute] = parseTime(match[2] as string);
  return osloInstant(date, hour, minute);
}

function assertInstant(instant: Date, what: string): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid Date`);
  return ms;
}

/**
 * The meetings that start strictly after `from` and no later than `until`, in time order. Dates
 * that are not working days under `rules` (weekends, public holidays, local closures) hold no
 * meeting, so a Thursday slot simply skips Ascension Day.
 */
export function upcomingMeetings(
  config: Pick<IntakePlanningConfig, "meetings">,
  from: Date,
  until: Date,
  rules: CalendarRules = defaultCalendarRules,
): Meeting[] {
  return [...meetingsInTimeOrder(config, from, until, rules)];
}

/**
 * {@link upcomingMeetings} one at a time: a planner that stops at the first meeting with room does
 * not work out the calendar of the weeks after it.
 */
function* meetingsInTimeOrder(
  config: Pick<IntakePlanningConfig, "meetings">,
  from: Date,
  until: Date,
  rules: CalendarRules,
): Generator<Meeting> {
  const fromMs = assertInstant(from, "from");
  const untilMs = assertInstant(until, "until");
  if (untilMs <= fromMs) return;
  const slots = [...config.meetings].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const lastDay = dayNumber(osloDate(until));
  for (let days = dayNumber(osloDate(from)); days <= lastDay; days++) {
    const weekday = isoWeekday(days);
    const todays = slots.filter((slot) => slot.weekday === weekday);
    if (todays.length === 0) continue;
    const date = fromDayNumber(days);
    if (!isWorkingDay(date, rules)) continue;
    let previous: string | undefined;
    for (const slot of todays) {
      if (slot.time === previous) continue; // a duplicate slot is one meeting, not two
      previous = slot.time;
      const id = meetingId(date, slot.time);
      const startsAt = meetingStartsAt(id);
      if (startsAt.getTime() > fromMs && startsAt.getTime() <= untilMs) {
        yield { meetingId: id, startsAt, date };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Planning

/** A planned meeting. `atRisk` means it starts at or after the reminder point: the lead must be told. */
export type MeetingPlan =
  | { kind: "meeting"; meetingId: string; startsAt: Date; atRisk: false }
  | { kind: "meeting"; meetingId: string; startsAt: Date; atRisk: true };

export interface PlanMeetingInput {
  /** When the clock started (for a forwarded referral: the ansiennitetsdato). */
  receivedAt: Date;
  now: Date;
  /** The reminder point; default `reminderPoint(receivedAt, rules)`, the start of working day 8. */
  reminderAt?: Date;
  config: Pick<IntakePlanningConfig, "meetings">;
  rules?: CalendarRules;
  /** Whether a meeting has no seat left, read from one snapshot of the counters. */
  isFull: (meetingId: string) => boolean;
  /** How many days ahead to look; default PLANNING_HORIZON_DAYS. */
  horizonDays?: number;
}

/**
 * The meeting a referral should go to: the earliest meeting after `now` with room that starts
 * before the reminder point; when none does, the earliest meeting with room within the horizon,
 * flagged `atRisk`. The earliest meeting with room decides both cases: if it is before the
 * reminder point nothing is at risk, and if it is not, no meeting before the reminder point has room.
 * `isFull` is asked about meetings in time order and no further than the chosen one.
 * Throws IntakePlanningError when no meeting in the horizon has room.
 */
export function planMeeting(input: PlanMeetingInput): MeetingPlan {
  const rules = input.rules ?? defaultCalendarRules;
  const nowMs = assertInstant(input.now, "now");
  const reminderAt = input.reminderAt ?? reminderPoint(input.receivedAt, rules);
  const reminderMs = assertInstant(reminderAt, "reminderAt");
  const horizonDays = input.horizonDays ?? PLANNING_HORIZON_DAYS;
  if (!Number.isInteger(horizonDays) || horizonDays < 1) {
    throw new RangeError("horizonDays must be a positive integer");
  }
  const until = new Date(nowMs + horizonDays * MS_PER_DAY);
  for (const meeting of meetingsInTimeOrder(input.config, input.now, until, rules)) {
    if (input.isFull(meeting.meetingId)) continue;
    const { meetingId: id, startsAt } = meeting;
    return startsAt.getTime() < reminderMs
      ? { kind: "meeting", meetingId: id, startsAt, atRisk: false }
      : { kind: "meeting", meetingId: id, startsAt, atRisk: true };
  }
  throw new IntakePlanningError(
    `no intake meeting with room between ${input.now.toISOString()} and ${until.toISOString()}`,
  );
}

export interface PlanWithSeatsInput extends Omit<PlanMeetingInput, "isFull" | "config"> {
  config: Pick<IntakePlanningConfig, "meetings" | "capacityPerMeeting">;
  /** Optional snapshot of full meetings, to skip seats that are known to be taken. */
  isFull?: (meetingId: string) => boolean;
  /**
   * Reads which meetings are full, once, after the first refusal. The first meeting with room is
   * nearly always the first one tried, so it costs nothing then; when referrals arrive faster than
   * meetings are held, it saves a refused seat attempt for each full meeting ahead.
   */
  loadFull?: () => Promise<(meetingId: string) => boolean>;
  /** Default DEFAULT_MAX_SEAT_ATTEMPTS. */
  maxAttempts?: number;
}

/**
 * Plans a meeting and takes a seat in it. `tryTakeSeat` must be atomic, like a DynamoDB conditional
 * update "seats < capacity, then add 1", and resolve false when the meeting is full. A refused
 * meeting counts as full from then on and the next candidate is tried, so a referral that lost the
 * race for the last seat moves to the next meeting and the capacity is never exceeded. Attempts run
 * one after another in time order (deterministic for the same answers) and end when a seat is
 * taken, the candidates run out, or `maxAttempts` is reached; the last two throw IntakePlanningError.
 * Errors from `tryTakeSeat` propagate (the workflow retries the step).
 */
export async function planWithSeats(
  input: PlanWithSeatsInput,
  tryTakeSeat: (meetingId: string, capacity: number) => Promise<boolean>,
): Promise<MeetingPlan> {
  const { isFull: given, loadFull, maxAttempts = DEFAULT_MAX_SEAT_ATTEMPTS, ...planInput } = input;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError("maxAttempts must be a positive integer");
  }
  const refused = new Set<string>();
  let snapshot = given;
  const isFull = (id: string) => refused.has(id) || (snapshot?.(id) ?? false);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const plan = planMeeting({ ...planInput, isFull });
    if (await tryTakeSeat(plan.meetingId, input.config.capacityPerMeeting)) return plan;
    refused.add(plan.meetingId);
    if (attempt === 0 && loadFull) {
      const loaded = await loadFull();
      snapshot = (id) => loaded(id) || (given?.(id) ?? false);
    }
  }
  throw new IntakePlanningError(`no seat taken in an intake meeting after ${maxAttempts} attempts`);
}

/**
 * Whether a referral goes to one clinician or to the intake meeting: the single-assessor track
 * when the configuration names it (every given list contains the referral's value), the meeting
 * otherwise.
 */
export function chooseTrack(
  referral: { kind: ReferralKind; priority: ReferralPriority },
  config: Pick<IntakePlanningConfig, "singleAssessorTrack">,
): Track {
  const track = config.singleAssessorTrack;
  if (!track) return "intake-meeting";
  const kindMatches = track.kinds === undefined || track.kinds.includes(referral.kind);
  const priorityMatches = track.priorities === undefined || track.priorities.includes(referral.priority);
  return kindMatches && priorityMatches ? "single-assessor" : "intake-meeting";
}

/**
 * What these rules read of an intake team member (the clinic config's `intakeTeam` entries). Said
 * here rather than imported from clinic.ts, which imports this module's config schema.
 */
interface TeamMember {
  name: string;
  email: string;
  lead?: boolean | undefined;
}

/** The meeting lead: the member marked `lead`, else the first member (as planAssignment does). */
export function meetingLead<Member extends TeamMember>(team: readonly Member[]): Member {
  const lead = team.find((member) => member.lead) ?? team[0];
  if (!lead) throw new IntakePlanningError("the intake team is empty");
  return lead;
}

/**
 * The clinician for the single-assessor track: the member whose email (any case) or name matches
 * `singleAssessor`, or the meeting lead when none is configured. Throws IntakePlanningError when
 * the configured clinician is not on the team, so a typo fails loudly instead of mailing no one.
 */
export function singleAssessorOf<Member extends TeamMember>(
  config: Pick<IntakePlanningConfig, "singleAssessor">,
  team: readonly Member[],
): Member {
  const wanted = config.singleAssessor?.trim();
  if (!wanted) return meetingLead(team);
  const member = team.find(
    (candidate) => candidate.email.toLowerCase() === wanted.toLowerCase() || candidate.name.trim() === wanted,
  );
  if (!member) throw new IntakePlanningError("the configured single assessor is not on the intake team");
  return member;
}
