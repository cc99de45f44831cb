/**
 * The staff home (GET /staff): one signed-in place to start the day, by role. Each section comes from
 * an index query (the worklist index's status, meeting, postal, start-of-care and information-request
 * partitions, the Helfo partition), never a scan, and each row links to the page where the work is done:
 * - assessor: the next intake meetings with the referrals on each, and the open referrals by deadline;
 * - lead: the open referrals by deadline, the meetings and their seats, the starts of care due or
 *   unconfirmed (by due day), the information requests awaiting the referrer's answer (oldest first),
 *   the letters to post and the Helfo notices (expected and confirmed breaches) to report;
 * - clerk: the letters to post and the Helfo notices to report, with counts;
 * - operations: the referrals whose workflow failed (to recover), what the reconciler's last run
 *   found and did (each finding linked to the workflow's executions in the Step Functions console,
 *   where a person looks into one), the stack's alarms (those in ALARM with what to do, the rest
 *   counted; operations-alarms.ts), and the statistics.
 *
 * It shows referral ids, dates, counts and flags: no patient name, national ID or referral text, so a
 * glance at the home reads no health data (the pages it links to log their reads).
 */
import * as z from "zod";
import { addWorkingDays, type CalendarRules, type IsoDate, osloDate, workingDaysBetween } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { workingDaysLeft } from "./legal-clock";
import { type HomeAlarms, type OperationsAlarms, readHomeAlarms } from "./operations-alarms";
import { cursorParam, limitParam } from "./paging";
import type { Clock, OpenInformationRequest, ReferralStore, StartOfCareToConfirm } from "./ports";
import type { PostalQueue } from "./postal";
import type { RecoveryRun, RecoveryRunFinding, RecoveryRuns } from "./recovery";
import type { StaffRole } from "./session";
import { formatIssues, type Issue } from "./validation";
import { InvalidCursor, type Worklist, type WorklistItem, type WorklistRow, worklistItem } from "./worklist";

/** Page sizes of the open referrals: 25 fills a screen; 100 caps one request's read. */
export const STAFF_HOME_LIMITS = { default: 25, max: 100 } as const;

/** Due within this many working days (or recorded at risk): flagged at risk on the home. */
export const AT_RISK_WORKING_DAYS = 2;

/** How far ahead the home lists intake meetings. */
export const MEETINGS_AHEAD_DAYS = 14;

/** How many letters to post the home counts before it says "more than". */
export const POSTAL_COUNT_LIMIT = 200;

/**
 * The query string of GET /staff: the page size of the paged sections, and each section's cursor
 * (`cursor` the open referrals', `startsCursor` the starts of care's, `requestsCursor` the
 * information requests'). Unknown parameters are ignored.
 */
export const staffHomeQuerySchema = z.object({
  limit: limitParam(STAFF_HOME_LIMITS),
  cursor: cursorParam(),
  startsCursor: cursorParam(),
  requestsCursor: cursorParam(),
});
export type StaffHomeQuery = z.output<typeof staffHomeQuerySchema>;

/** Parses the query string of GET /staff; `issues` are ready for the 400 answer. */
export function parseStaffHomeQuery(
  params: Record<string, string | undefined> | null | undefined,
): { ok: true; value: StaffHomeQuery } | { ok: false; issues: Issue[] } {
  const result = staffHomeQuerySchema.safeParse(params ?? {});
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

/** Where the work on a referral is done, relative to the API's base URL. */
export const staffReferralPath = (referralId: string) => `/staff/referrals/${encodeURIComponent(referralId)}`;

/** One open referral on the home: its clock and flags, and the page to work on it. */
export interface HomeReferral
  extends Pick<WorklistItem, "referralId" | "kind" | "priority" | "receivedAt" | "assessmentDueDate"> {
  /** Working days from today to the due date: 0 on the due date, negative once it has passed. */
  workingDaysLeft: number;
  /** Recorded at risk, or due within {@link AT_RISK_WORKING_DAYS} working days. */
  atRisk: boolean;
  urgent: boolean;
  /** The 10 working days passed without a decision (recorded, or the due date is behind us). */
  overdue: boolean;
  /** A secondary referral: the team confirms it concerns the condition assessed before. */
  secondaryToConfirm: boolean;
  /** Relative to the API's base URL. */
  href: string;
}

/** One intake meeting ahead, with its seats and the referrals holding them. */
export interface HomeMeeting {
  meetingId: string;
  startsAt: string;
  capacity: number;
  seats: number;
  full: boolean;
  /** The agenda page, once its agenda has gone out (before that the link does not open). */
  agendaHref?: string;
  referrals: { referralId: string; href: string }[];
}

/**
 * A granted right whose start of care is due or unconfirmed: no start and no breach on record, and
 * its planned start (or, without one before the deadline, the deadline) within the clinic's reminder
 * window. The lead confirms the start (or records the breach) on the referral's page.
 */
export interface HomeStartOfCare {
  referralId: string;
  startOfCareDeadline: IsoDate;
  plannedStart: IsoDate | null;
  /** Working days from today to the deadline: 0 on the deadline, negative once it has passed. */
  workingDaysLeft: number;
  /** The planned start is behind us and no start is on record: confirm that care started. */
  plannedStartPassed: boolean;
  /** The deadline is within the reminder window (and not yet passed). */
  deadlineNear: boolean;
  /** The deadline passed with no start on record: confirm the start or the breach. */
  deadlinePassed: boolean;
  /** Relative to the API's base URL. */
  href: string;
}

/** An information request awaiting the referrer's answer: the task that asked, and since when. */
export interface HomeInformationRequest {
  referralId: string;
  taskId: string;
  requestedAt: string;
  /** Working days since the request (Oslo dates): 0 on the day it was made. */
  workingDaysWaiting: number;
  /** The task's page, where the answer is recorded (relative to the API's base URL). */
  href: string;
}

/** What the home shows; a section is present only for a role that needs it. */
export interface StaffHome {
  /** The Oslo date the working days count from. */
  asOf: IsoDate;
  roles: StaffRole[];
  openReferrals?: { items: HomeReferral[]; nextCursor?: string };
  meetings?: HomeMeeting[];
  startsOfCare?: { items: HomeStartOfCare[]; nextCursor?: string };
  informationRequests?: { items: HomeInformationRequest[]; nextCursor?: string };
  letters?: { toPost: number; more: boolean; href: string };
  helfo?: { toReport: number; expected: number; confirmed: number; href: string };
  operations?: {
    failed: HomeReferral[];
    /** The reconciler's last scheduled run; null until one has been recorded. */
    recovery: HomeRecoveryRun | null;
    /** The stack's CloudWatch alarms, or that they could not be read (the home is shown anyway). */
    alarms: HomeAlarms;
    statisticsHref: string;
  };
  statisticsHref?: string;
}

/** A finding of the reconciler's last run, linked to where it is looked into. */
export interface HomeRecoveryFinding extends RecoveryRunFinding {
  /** The execution it started, else the state machine's executions, in the Step Functions console. */
  href: string;
}

/** The reconciler's last run on operations' home. */
export interface HomeRecoveryRun extends Omit<RecoveryRun, "findings" | "stateMachineArn"> {
  findings: HomeRecoveryFinding[];
}

/**
 * Where a finding is looked into on AWS: the execution the reconciler started for it, or (when it
 * started none: a person must look) the state machine's executions, whose names begin with the
 * referral id. The console's address for the ARN's region.
 */
export function stepFunctionsConsoleHref(stateMachineArn: string, executionName?: string): string {
  const region = stateMachineArn.split(":")[3] ?? "";
  const base = `https://${region}.console.aws.amazon.com/states/home?region=${encodeURIComponent(region)}`;
  return executionName
    ? `${base}#/v2/executions/details/${encodeURIComponent(`${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`)}`
    : `${base}#/v2/statemachines/view/${encodeURIComponent(stateMachineArn)}`;
}

/** A recorded run as the home shows it. */
function homeRecoveryRun(run: RecoveryRun): HomeRecoveryRun {
  const { stateMachineArn, findings, ...rest } = run;
  return {
    ...rest,
    findings: findings.map((finding) => ({
      ...finding,
      href: stepFunctionsConsoleHref(stateMachineArn, finding.executionName),
    })),
  };
}

/** What the home reads: index queries only. */
export interface StaffHomeDeps {
  worklist: Worklist;
  store: Pick<
    ReferralStore,
    "meetingsStartingBetween" | "listHelfoNotifications" | "startsOfCareToConfirm" | "openInformationRequests"
  >;
  postalQueue: PostalQueue;
  calendar: CalendarRules;
  /** The clinic's reminder window before a start-of-care deadline (the timer's, clinic.ts). */
  config: { decision: Pick<ClinicConfig["decision"], "startOfCareReminderWorkingDays"> };
  clock: Clock;
  /** The reconciler's last run (operations only). */
  recoveryRuns: Pick<RecoveryRuns, "latest">;
  /** The stack's alarms (operations only). */
  alarms: OperationsAlarms;
}

/** Where a task is worked on (and an answer to its information request recorded). */
export const taskPath = (taskId: string) => `/tasks/${encodeURIComponent(taskId)}`;

/**
 * The day before which a start of care is due on the home (exclusive): the first working day after
 * the reminder window from `today`, so a deadline on the weekend or holiday after the window's last
 * working day (no more working days left than the window) is due too. A start planned or a deadline
 * within the window is due; one already behind us is due (and flagged) until a start or a breach is
 * on record.
 */
export function startsOfCareDueBefore(
  today: IsoDate,
  reminderWorkingDays: number,
  rules: CalendarRules,
): IsoDate {
  return addWorkingDays(today, reminderWorkingDays + 1, rules);
}

/** The home line of a start of care to confirm, counted from `today`. */
export function homeStartOfCare(
  row: StartOfCareToConfirm,
  today: IsoDate,
  reminderWorkingDays: number,
  rules: CalendarRules,
): HomeStartOfCare {
  const daysLeft = workingDaysLeft(today, row.startOfCareDeadline, rules);
  return {
    referralId: row.referralId,
    startOfCareDeadline: row.startOfCareDeadline,
    plannedStart: row.plannedStart ?? null,
    workingDaysLeft: daysLeft,
    plannedStartPassed: row.plannedStart !== undefined && row.plannedStart < today,
    deadlineNear: daysLeft >= 0 && daysLeft <= reminderWorkingDays,
    deadlinePassed: daysLeft < 0,
    href: staffReferralPath(row.referralId),
  };
}

/** The home line of an information request awaiting an answer, counted from `today`. */
export function homeInformationRequest(
  row: OpenInformationRequest,
  today: IsoDate,
  rules: CalendarRules,
): HomeInformationRequest {
  const asked = osloDate(new Date(row.requestedAt));
  return {
    referralId: row.referralId,
    taskId: row.taskId,
    requestedAt: row.requestedAt,
    workingDaysWaiting: Math.max(0, workingDaysBetween(asked, today, rules)),
    href: taskPath(row.taskId),
  };
}

/** The home line of a worklist row, counted from `today`. */
export function homeReferral(row: WorklistRow, today: IsoDate, rules: CalendarRules): HomeReferral {
  const item = worklistItem(row, today, rules);
  return {
    referralId: item.referralId,
    kind: item.kind,
    priority: item.priority,
    receivedAt: item.receivedAt,
    assessmentDueDate: item.assessmentDueDate,
    workingDaysLeft: item.workingDaysLeft,
    atRisk: item.atRisk === true || item.workingDaysLeft <= AT_RISK_WORKING_DAYS,
    urgent: item.priority === "urgent",
    overdue: item.deadlineBreached || item.workingDaysLeft < 0,
    secondaryToConfirm: item.kind === "secondary",
    href: staffReferralPath(item.referralId),
  };
}

/** A section's cursor that its list did not issue: `param` names the query parameter at fault. */
export class InvalidHomeCursor extends InvalidCursor {
  constructor(
    readonly param: "cursor" | "startsCursor" | "requestsCursor",
    message: string,
  ) {
    super(message);
  }
}

/** The section's read, with an InvalidCursor told apart by the parameter that carried it. */
const cursorOf =
  (param: InvalidHomeCursor["param"]) =>
  (error: unknown): never => {
    throw error instanceof InvalidCursor ? new InvalidHomeCursor(param, error.message) : error;
  };

const has = (roles: readonly StaffRole[], ...wanted: StaffRole[]) => wanted.some((r) => roles.includes(r));

/**
 * Reads the home of a person holding `roles`: only the sections those roles need, each from its
 * index, in parallel. The open referrals come soonest deadline first (the index's order), one page
 * of `query.limit`; `query.cursor` continues them. The lead's starts of care come soonest due first
 * and the information requests oldest first, each paged the same way by its own cursor. Throws
 * InvalidHomeCursor (an InvalidCursor naming its parameter) for a cursor a list did not issue.
 */
export async function readStaffHome(
  deps: StaffHomeDeps,
  roles: readonly StaffRole[],
  query: StaffHomeQuery,
): Promise<StaffHome> {
  const now = deps.clock.now();
  const today = osloDate(now);
  const line = (row: WorklistRow) => homeReferral(row, today, deps.calendar);
  const reminderDays = deps.config.decision.startOfCareReminderWorkingDays;
  const [open, meetings, starts, requests, letters, helfo, failed, recovery, alarms] = await Promise.all([
    has(roles, "assessor", "lead")
      ? deps.worklist
          .page({ status: "awaiting-assessment", limit: query.limit, cursor: query.cursor })
          .catch(cursorOf("cursor"))
      : undefined,
    has(roles, "assessor", "lead")
      ? deps.store.meetingsStartingBetween(now, new Date(now.getTime() + MEETINGS_AHEAD_DAYS * 86_400_000))
      : undefined,
    has(roles, "lead")
      ? deps.store
          .startsOfCareToConfirm({
            dueBefore: startsOfCareDueBefore(today, reminderDays, deps.calendar),
            limit: query.limit,
            ...(query.startsCursor ? { cursor: query.startsCursor } : {}),
          })
          .catch(cursorOf("startsCursor"))
      : undefined,
    has(roles, "lead")
      ? deps.store
          .openInformationRequests({
            limit: query.limit,
            ...(query.requestsCursor ? { cursor: query.requestsCursor } : {}),
          })
          .catch(cursorOf("requestsCursor"))
      : undefined,
    has(roles, "clerk", "lead")
      ? deps.postalQueue.page({ status: "awaiting-postal", limit: POSTAL_COUNT_LIMIT })
      : undefined,
    has(roles, "clerk", "lead") ? deps.store.listHelfoNotifications() : undefined,
    has(roles, "operations") ? deps.worklist.page({ status: "failed", limit: 50 }) : undefined,
    has(roles, "operations") ? deps.recoveryRuns.latest() : undefined,
    has(roles, "operations") ? readHomeAlarms(deps.alarms) : undefined,
  ]);
  const statisticsHref = has(roles, "lead", "operations") ? "/statistics" : undefined;
  const toReport = helfo?.filter((n) => n.status === "to-report") ?? [];
  return {
    asOf: today,
    roles: [...roles],
    ...(open
      ? {
          openReferrals: {
            items: open.rows.map(line),
            ...(open.nextCursor ? { nextCursor: open.nextCursor } : {}),
          },
        }
      : {}),
    ...(meetings
      ? {
          meetings: [...meetings]
            .sort((a, b) => a.startsAt.localeCompare(b.startsAt))
            .map((meeting) => ({
              meetingId: meeting.meetingId,
              startsAt: meeting.startsAt,
              capacity: meeting.capacity,
              seats: meeting.seats,
              full: meeting.seats >= meeting.capacity,
              ...(meeting.agendaSentAt
                ? { agendaHref: `/agendas/${encodeURIComponent(meeting.agendaId)}` }
                : {}),
              referrals: (meeting.holders ?? []).map((referralId) => ({
                referralId,
                href: staffReferralPath(referralId),
              })),
            })),
        }
      : {}),
    ...(starts
      ? {
          startsOfCare: {
            items: starts.rows.map((row) => homeStartOfCare(row, today, reminderDays, deps.calendar)),
            ...(starts.nextCursor ? { nextCursor: starts.nextCursor } : {}),
          },
        }
      : {}),
    ...(requests
      ? {
          informationRequests: {
            items: requests.rows.map((row) => homeInformationRequest(row, today, deps.calendar)),
            ...(requests.nextCursor ? { nextCursor: requests.nextCursor } : {}),
          },
        }
      : {}),
    ...(letters
      ? {
          letters: {
            toPost: letters.letters.length,
            more: letters.nextCursor !== undefined,
            href: "/letters",
          },
        }
      : {}),
    ...(helfo
      ? {
          helfo: {
            toReport: toReport.length,
            expected: toReport.filter((n) => n.expected === true).length,
            confirmed: toReport.filter((n) => n.expected !== true).length,
            href: "/helfo-notifications",
          },
        }
      : {}),
    ...(failed
      ? {
          operations: {
            failed: failed.rows.map(line),
            recovery: recovery ? homeRecoveryRun(recovery) : null,
            alarms: alarms ?? { readable: false },
            statisticsHref: "/statistics",
          },
        }
      : {}),
    ...(statisticsHref ? { statisticsHref } : {}),
  };
}
