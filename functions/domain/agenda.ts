/**
 * The intake meeting's agenda: one neutral email to the meeting's team before each meeting, with a
 * link to the agenda page, and the page itself (the referrals of the meeting, soonest deadline
 * first, each with a link to its task). The email says only when the meeting is and how many
 * referrals it holds; the page, behind an unguessable id like the task pages, shows the rest.
 */

import { type CalendarRules, osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import { EmailInFlight } from "./errors";
import { workingDaysLeft } from "./legal-clock";
import type { Clock, Mailer, MeetingRecords, OutboxRecords, TaskRecords } from "./ports";
import type { MeetingRecord, ReferralRecord, TaskRecord } from "./records";
import type { AgendaEmailRenderer } from "./rendering";
import { CLAIM_LEASE_MS } from "./send-once";
import { sendStaffEmails } from "./staff-mail";

const MS_PER_HOUR = 3_600_000;

/** The agenda page of a meeting, under the public base URL. */
export function agendaUrlOf(publicBaseUrl: string, agendaId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/agendas/${agendaId}`;
}

/** The members of a meeting's team: the clinic's intake team (every meeting has the whole roster). */
export function meetingTeamOf(config: ClinicConfig): ClinicConfig["intakeTeam"] {
  return config.intakeTeam;
}

/** What one run of SendAgendas did. */
export interface SendAgendasResult {
  /** The meetings whose agenda this run sent. */
  meetingIds: string[];
  emails: number;
}

/**
 * SendAgendas (every 15 minutes): for each meeting with a seat taken that starts within the next
 * `agendaLeadHours` and whose agenda is not yet delivered, claims the agenda (a conditional write, so
 * of two overlapping runs one sends it) and emails each member of the meeting's team one neutral
 * message with the agenda link, once per member (a staff email claim, see staff-mail.ts). If an email
 * fails, the claim is given back and the next run sends only to those who lack it; a claim left by a
 * run that died is taken up after its lease. The run fails after the other meetings had their turn.
 */
export async function sendAgendas(deps: {
  store: MeetingRecords & OutboxRecords;
  clock: Clock;
  mailer: Mailer;
  render: AgendaEmailRenderer;
  config: ClinicConfig;
  publicBaseUrl: string;
}): Promise<SendAgendasResult> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + deps.config.intakePlanning.agendaLeadHours * MS_PER_HOUR);
  const meetings = await deps.store.meetingsStartingBetween(now, until);
  const result: SendAgendasResult = { meetingIds: [], emails: 0 };
  const failures: unknown[] = [];
  for (const meeting of meetings) {
    if (meeting.seats < 1 || meeting.agendaDeliveredAt !== undefined) continue;
    let claimedAt = meeting.agendaSentAt;
    if (claimedAt === undefined) {
      claimedAt = deps.clock.now().toISOString();
      if (!(await deps.store.claimAgenda(meeting, claimedAt))) continue;
    } else if (deps.clock.now().getTime() - Date.parse(claimedAt) < CLAIM_LEASE_MS) {
      continue; // another run is sending it now
    }
    const email = deps.render.agendaEmail({
      agendaUrl: agendaUrlOf(deps.publicBaseUrl, meeting.agendaId),
      meetingId: meeting.meetingId,
      referralCount: meeting.seats,
      clinicName: deps.config.clinic.name,
    });
    try {
      const sent = await sendStaffEmails(
        deps,
        { about: "meeting", aboutId: meeting.meetingId, kind: "agenda", occurrence: meeting.agendaId },
        meetingTeamOf(deps.config).map((member) => member.email),
        email,
      );
      await deps.store.completeAgenda(meeting, deps.clock.now().toISOString());
      result.emails += sent;
      if (sent > 0) result.meetingIds.push(meeting.meetingId);
    } catch (error) {
      await deps.store.releaseAgenda(meeting, claimedAt).catch(() => undefined);
      // Another run holds a member's email: it completes the agenda; not this run's failure.
      if (!(error instanceof EmailInFlight)) failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
  return result;
}

// ---------------------------------------------------------------------------------------------
// The agenda page

/** One line of the agenda. */
export interface AgendaRow {
  referral: ReferralRecord;
  workingDaysLeft: number;
  /** The referral's task, while it can still be answered (open). */
  openTaskId?: string;
}

/** What the agenda page shows, or that there is no such agenda. */
export type AgendaView = { kind: "agenda"; meeting: MeetingRecord; rows: AgendaRow[] } | { kind: "unknown" };

/**
 * Reads a meeting's agenda by its id: the meeting and its referrals, soonest due date first (then
 * the earliest received). Changes nothing: mail scanners follow links.
 */
export async function viewAgenda(
  deps: { store: MeetingRecords & TaskRecords; clock: Clock; calendar: CalendarRules },
  agendaId: string,
): Promise<AgendaView> {
  const meeting = await deps.store.findMeetingByAgendaId(agendaId);
  if (!meeting) return { kind: "unknown" };
  const today = osloDate(deps.clock.now());
  const referrals = await deps.store.listMeetingReferrals(meeting.meetingId);
  const rows = await Promise.all(
    referrals.map(async (referral): Promise<AgendaRow> => {
      const tasks: TaskRecord[] = await deps.store.listTasks(referral.referralId);
      const open = tasks.filter((task) => task.state === "open").at(-1);
      return {
        referral,
        workingDaysLeft: workingDaysLeft(today, referral.assessmentDueDate, deps.calendar),
        ...(open ? { openTaskId: open.taskId } : {}),
      };
    }),
  );
  rows.sort(
    (a, b) =>
      a.referral.assessmentDueDate.localeCompare(b.referral.assessmentDueDate) ||
      a.referral.receivedAt.localeCompare(b.referral.receivedAt) ||
      a.referral.referralId.localeCompare(b.referral.referralId),
  );
  return { kind: "agenda", meeting, rows };
}
