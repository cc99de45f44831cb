/**
 * The assessment: plan who assesses, hand them a task (a link, no health data), take their decision
 * and record it (the answer itself is in assessment-answer.ts). The workflow calls these through thin
 * handlers; the staff pages call the task ones.
 */

import { randomBytes } from "node:crypto";
import { addWorkingDays, osloStartOfDay } from "./calendar";
import { type ClinicConfig, calendarRulesOf } from "./clinic";
import { newCsrfToken } from "./csrf";
import { ReferralNotFound, ReferralWithdrawn } from "./errors";
import {
  chooseTrack,
  IntakePlanningError,
  meetingLead,
  meetingStartsAt,
  PLANNING_HORIZON_DAYS,
  planWithSeats,
  singleAssessorOf,
} from "./intake-planning";
import { isAtRisk, type LegalClock, legalClockFor, secondsUntil } from "./legal-clock";
import type { Clock, Mailer, MeetingRecords, OutboxRecords, ReferralRecords, TaskRecords } from "./ports";
import { StaleStateError } from "./ports";
import type { Actor, Assignment, ReferralRecord, TaskRecord } from "./records";
import type { StaffEmailRenderer } from "./rendering";
import { aboutReferral, sendStaffEmail, sendStaffEmails } from "./staff-mail";

/** The audit actor of a workflow step. */
export const workflowActor = (step: string): Actor => ({ kind: "system", id: `workflow:${step}` });

export { ReferralNotFound } from "./errors";

/** Reads a referral a workflow step works on; throws ReferralNotFound when it is not there. */
export async function mustGetReferral(
  store: Pick<ReferralRecords, "getReferral">,
  referralId: string,
): Promise<ReferralRecord> {
  const referral = await store.getReferral(referralId);
  if (!referral) throw new ReferralNotFound();
  return referral;
}

/** Who assesses: the clinic's intake team in its meeting, led by the configured lead. */
export function planAssignment(config: ClinicConfig): Assignment {
  const lead = leadOf(config);
  return {
    track: "intake-meeting",
    assessors: config.intakeTeam.map(({ name, role }) => ({ name, role })),
    ...(lead ? { lead: lead.name } : {}),
  };
}

/**
 * Who assesses this referral, and when. The single-assessor track (the kinds and priorities
 * `intakePlanning.singleAssessorTrack` names) gets one clinician and no seat. Every other referral
 * takes a seat in the earliest intake meeting with room (the conditional counter `store.takeSeat`,
 * so a meeting is never overbooked); the meeting's team is the intake team, led by its lead.
 * `meetingLate` says that meeting starts at or after the reminder point. When no meeting in the
 * planning horizon has room, the team still gets the referral, without a meeting, and it is late.
 */
export async function assignAssessors(
  deps: { store: MeetingRecords; config: ClinicConfig },
  /** With its id, the referral holds at most one seat however often this is retried. */
  referral: Pick<ReferralRecord, "kind" | "priority"> & { referralId?: string },
  now: Date,
  reminderAt: Date,
): Promise<{ assignment: Assignment; meetingLate: boolean }> {
  const team = deps.config.intakeTeam;
  const planning = deps.config.intakePlanning;
  const lead = meetingLead(team);
  if (chooseTrack(referral, planning) === "single-assessor") {
    const assessor = singleAssessorOf(planning, team);
    return {
      assignment: {
        track: "single-assessor",
        assessors: [{ name: assessor.name, role: assessor.role }],
        lead: lead.name,
      },
      meetingLate: false,
    };
  }
  const base = planAssignment(deps.config);
  try {
    const plan = await planWithSeats(
      {
        receivedAt: now,
        now,
        reminderAt,
        config: planning,
        rules: calendarRulesOf(deps.config.legalClock),
        loadFull: () => fullMeetings(deps.store, now, planning.capacityPerMeeting, referral.referralId),
      },
      (meetingId, capacity) =>
        deps.store.takeSeat(meetingId, meetingStartsAt(meetingId), capacity, referral.referralId),
    );
    return {
      assignment: { ...base, meetingId: plan.meetingId, startsAt: plan.startsAt.toISOString() },
      meetingLate: plan.atRisk,
    };
  } catch (error) {
    if (!(error instanceof IntakePlanningError)) throw error;
    return { assignment: base, meetingLate: true };
  }
}

/**
 * Which meetings within the planning horizon have no seat for `holder`: full, and not holding one of
 * its seats already (a retried step finds its own seat again). Read from the index, which may lag a
 * seat or two: a meeting shown with room that has none is refused by the seat's own condition.
 */
async function fullMeetings(
  store: MeetingRecords,
  now: Date,
  capacity: number,
  holder: string | undefined,
): Promise<(meetingId: string) => boolean> {
  const until = new Date(now.getTime() + PLANNING_HORIZON_DAYS * 86_400_000);
  const full = new Set(
    (await store.meetingsStartingBetween(now, until))
      .filter((meeting) => meeting.seats >= capacity && !(holder && meeting.holders?.includes(holder)))
      .map((meeting) => meeting.meetingId),
  );
  return (meetingId) => full.has(meetingId);
}

/**
 * The team members a referral's task goes to: its assignment's assessors (the single assessor, or
 * the meeting's team), found on the intake team by name. A referral without an assignment, or one
 * whose assessors are no longer on the team, goes to the whole team: someone must get it.
 */
export function assessorsOf(
  referral: Pick<ReferralRecord, "assignment">,
  config: ClinicConfig,
): ClinicConfig["intakeTeam"] {
  const named = (referral.assignment?.assessors ?? []).flatMap(
    (assessor) => config.intakeTeam.find((member) => member.name === assessor.name) ?? [],
  );
  return named.length > 0 ? named : config.intakeTeam;
}

/** The clinic lead: the team member marked `lead`, else the first. Escalations go here. */
export function leadOf(config: ClinicConfig): ClinicConfig["intakeTeam"][number] | undefined {
  return config.intakeTeam.find((member) => member.lead) ?? config.intakeTeam[0];
}

/** The task link of a staff email: the opaque id under the public base URL, never the token. */
export function taskUrlOf(publicBaseUrl: string, taskId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/tasks/${taskId}`;
}

/**
 * What PlanIntake tells the workflow: which path the referral takes, and how long to wait for a
 * decision before reminding the assessors (at least 1 s; 1 when the reminder point has passed).
 */
export interface IntakePlan {
  referralId: string;
  /**
   * `secondary`: waits for staff to confirm it concerns the condition already assessed (then it is
   * only acknowledged); `assessment`: the human task.
   */
  track: "assessment" | "secondary";
  untilReminderSeconds: number;
  /** How long a secondary referral waits for that confirmation (the start of its confirmation day). */
  untilConfirmationSeconds: number;
}

/**
 * PlanIntake: assigns the referral and sets the first timer of its legal clock. A secondary referral
 * is not assessed again and gets no assignment. A referral whose reminder point has already passed
 * (a forward with an old ansiennitetsdato) is flagged at once and the clinic lead is told; its
 * timers then fire at once, because the seconds are clamped to 1.
 */
export async function planIntake(
  deps: {
    store: ReferralRecords & MeetingRecords & OutboxRecords;
    clock: Clock;
    mailer: Mailer;
    render: StaffEmailRenderer;
    config: ClinicConfig;
  },
  referralId: string,
  options: {
    /**
     * AssessAsNew: a secondary referral staff did not confirm as the same condition (or no one
     * confirmed in time) is planned like a new one (who said so is in the "secondary-confirmed" event).
     */
    assessAsNew?: boolean;
  } = {},
): Promise<IntakePlan> {
  const referral = await mustGetReferral(deps.store, referralId);
  throwIfWithdrawn(referral);
  const now = deps.clock.now();
  const clock = legalClockFor(referral, deps.config.legalClock);
  const untilReminderSeconds = secondsUntil(clock.reminderAt, now);
  const untilConfirmationSeconds = secondsUntil(
    osloStartOfDay(
      addWorkingDays(
        referral.clockStartDate,
        deps.config.legalClock.secondaryConfirmationWorkingDay,
        calendarRulesOf(deps.config.legalClock),
      ),
    ),
    now,
  );
  if (referral.kind === "secondary" && !options.assessAsNew) {
    return { referralId, track: "secondary", untilReminderSeconds, untilConfirmationSeconds };
  }

  // A retried step finds the referral already assigned (status and assignment are one write) and
  // takes no second seat.
  let assignment = referral.assignment;
  let meetingLate =
    assignment?.startsAt !== undefined && Date.parse(assignment.startsAt) >= clock.reminderAt.getTime();
  if (referral.status === "received") {
    ({ assignment, meetingLate } = await assignAssessors(deps, referral, now, clock.reminderAt));
    await deps.store.changeStatus(
      referralId,
      {
        from: ["received"],
        to: "awaiting-assessment",
        assignment,
        read: referral,
        // Receipt counts with the default calendar; the clinic's own rules (closures, Saturdays) win.
        ...(clock.assessmentDueDate !== referral.assessmentDueDate
          ? { assessmentDueDate: clock.assessmentDueDate }
          : {}),
      },
      {
        type: "intake-planned",
        at: now.toISOString(),
        actor: workflowActor(options.assessAsNew ? "AssessAsNew" : "PlanIntake"),
        details: {
          ...(options.assessAsNew ? { secondaryAssessedAsNew: true } : {}),
          track: assignment.track,
          assessors: assignment.assessors.length,
          ...(assignment.meetingId ? { meetingId: assignment.meetingId } : {}),
          assessmentDueDate: clock.assessmentDueDate,
          reminderAt: clock.reminderAt.toISOString(),
          ...(clock.internalTargetDate ? { internalTargetDate: clock.internalTargetDate } : {}),
        },
      },
    );
  }

  if (isAtRisk(clock, now) && !referral.atRisk) {
    // Alert first (once, by its claim), flag after: a retry after a crash in between alerts no more.
    const deadlinePassed = now.getTime() > clock.deadline.getTime();
    const lead = leadOf(deps.config);
    if (lead) {
      const email = deps.render.atRiskEmail({
        ...staffEmailFacts(referral, clock, deps.config),
        deadlinePassed,
      });
      await sendStaffEmail(
        deps,
        aboutReferral(referralId, "at-risk", clock.assessmentDueDate),
        lead.email,
        email,
      );
    }
    await deps.store.flagReferral(referralId, "atRisk", {
      type: "deadline-at-risk",
      at: deps.clock.now().toISOString(),
      actor: workflowActor("PlanIntake"),
      details: {
        assessmentDueDate: clock.assessmentDueDate,
        reminderAt: clock.reminderAt.toISOString(),
        deadlinePassed,
        leadNotified: lead !== undefined,
      },
    });
  } else if (meetingLate && !referral.atRisk) {
    // No meeting with room before the reminder point: the meeting lead is told, neutrally.
    const lead = leadOf(deps.config);
    const meetingId = assignment?.meetingId;
    if (lead) {
      const email = deps.render.meetingAtRiskEmail({
        ...staffEmailFacts(referral, clock, deps.config),
        ...(meetingId ? { meetingTime: deps.render.meetingTime(meetingId) } : {}),
      });
      await sendStaffEmail(
        deps,
        aboutReferral(referralId, "meeting-at-risk", clock.assessmentDueDate),
        lead.email,
        email,
      );
    }
    await deps.store.flagReferral(referralId, "atRisk", {
      type: "meeting-at-risk",
      at: deps.clock.now().toISOString(),
      actor: workflowActor("PlanIntake"),
      details: {
        ...(meetingId ? { meetingId } : {}),
        assessmentDueDate: clock.assessmentDueDate,
        reminderAt: clock.reminderAt.toISOString(),
        leadNotified: lead !== undefined,
      },
    });
  }
  return { referralId, track: "assessment", untilReminderSeconds, untilConfirmationSeconds };
}

/** The facts every staff email of a referral may carry: dates, urgency and the clinic's name. */
export function staffEmailFacts(
  referral: Pick<ReferralRecord, "priority">,
  clock: LegalClock,
  config: ClinicConfig,
) {
  return {
    assessmentDueDate: clock.assessmentDueDate,
    clinicName: config.clinic.name,
    urgent: referral.priority === "urgent",
    ...(clock.internalTargetDate ? { internalTargetDate: clock.internalTargetDate } : {}),
  };
}

/**
 * Ends the workflow of a referral its sender withdrew (a cancellation message): the step throws
 * ReferralWithdrawn, which the workflow catches to end (a wait the cancellation could not end, because
 * the workflow was between two waits or not yet waiting, ends at its next step).
 */
function throwIfWithdrawn(referral: Pick<ReferralRecord, "withdrawnAt">): void {
  if (referral.withdrawnAt) throw new ReferralWithdrawn();
}

/** A task id for a staff link: 256 random bits, so a link cannot be guessed. */
export function newTaskId(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The referral's task the workflow may still take an answer from: open, or answered but not yet
 * taken (a decision in flight while the workflow was between two waits).
 */
export async function liveTaskOf(
  store: Pick<TaskRecords, "listTasks">,
  referralId: string,
): Promise<TaskRecord | undefined> {
  const tasks = await store.listTasks(referralId);
  return tasks.filter((task) => task.state === "open" || task.state === "answered").at(-1);
}

/** How AwaitAssessment and the later waits call notify-assessors. */
export type NotifyPhase = "initial" | "rearm";

/**
 * The Lambda of every Await* state. `initial` creates the task (an opaque id mapped to the task
 * token) and emails the assignment's assessors (the single assessor, or the meeting's team) a
 * neutral message with its link and the meeting's time. `rearm` (after a reminder or an
 * escalation) swaps the new token into the same task, so the link in every email keeps working,
 * and emails no one. A retried `initial` re-arms the task it created; the task email goes once per
 * task and assessor (a claim, see staff-mail.ts), so the retry sends only what is missing. A resumed
 * workflow whose task was expired when it failed takes that task up again (same link, no new email);
 * a `rearm` that finds no task at all starts a new one, as `initial`.
 * The emails name no patient, diagnosis or referral text.
 */
export async function notifyAssessors(
  deps: {
    store: ReferralRecords & TaskRecords & OutboxRecords;
    clock: Clock;
    mailer: Mailer;
    render: StaffEmailRenderer;
    config: ClinicConfig;
    publicBaseUrl: string;
  },
  input: { referralId: string; taskToken: string; phase?: NotifyPhase },
): Promise<{ taskId: string }> {
  const referral = await mustGetReferral(deps.store, input.referralId);
  // Before the task is armed: a withdrawn referral's task stays expired (its link says withdrawn).
  throwIfWithdrawn(referral);
  const phase = input.phase ?? "initial";
  const step = "NotifyAssessors";
  const armed = await armTask(deps, referral.referralId, input.taskToken, phase, step);
  if (!armed.email) return { taskId: armed.taskId };
  const taskId = armed.taskId;

  const clock = legalClockFor(referral, deps.config.legalClock);
  const meetingId = referral.assignment?.meetingId;
  const email = deps.render.assessmentTaskEmail({
    taskUrl: taskUrlOf(deps.publicBaseUrl, taskId),
    ...staffEmailFacts(referral, clock, deps.config),
    ...(meetingId ? { meetingTime: deps.render.meetingTime(meetingId) } : {}),
  });
  const assessors = assessorsOf(referral, deps.config);
  // Once per task and assessor: a retried step, or a resumed one that took up the task it had,
  // sends the link only to those who do not have it yet.
  const sent = await sendStaffEmails(
    deps,
    aboutReferral(referral.referralId, "task", taskId),
    assessors.map((assessor) => assessor.email),
    email,
  );
  if (sent > 0) {
    await deps.store.appendEvent(referral.referralId, {
      type: "assessors-notified",
      at: deps.clock.now().toISOString(),
      actor: workflowActor(step),
      details: { taskId, recipients: sent },
    });
  }
  return { taskId };
}

/**
 * The task a wait takes its answer from, holding the wait's token: the live task re-armed; else the
 * task a failed workflow left expired, revived (its link works again); else a new one. A new task
 * takes the referral's next task place (`ordinal`), so of two overlapping invocations one creates it
 * and the other re-arms it. `email` says whether the task email is (still) due: not for a plain re-arm.
 */
async function armTask(
  deps: { store: TaskRecords; clock: Clock },
  referralId: string,
  taskToken: string,
  phase: NotifyPhase,
  step: string,
): Promise<{ taskId: string; email: boolean }> {
  for (let pass = 1; ; pass++) {
    const now = deps.clock.now().toISOString();
    const tasks = await deps.store.listTasks(referralId);
    const live = tasks.filter((task) => task.state === "open" || task.state === "answered").at(-1);
    const rearmed = (taskId: string, revived?: true) => ({
      type: "assessment-task-rearmed" as const,
      at: now,
      actor: workflowActor(step),
      details: { taskId, phase, ...(revived ? { revived } : {}) },
    });
    if (live) {
      await deps.store.rearmTask(live, { taskToken, rearmedAt: now }, rearmed(live.taskId));
      return { taskId: live.taskId, email: phase !== "rearm" };
    }
    // A resumed workflow (its referral had failed, and MarkFailed expired the task) takes up the task
    // it had: the link the assessors already hold works again, and no new link is emailed.
    const expired = tasks.filter((task) => task.state === "expired" && !task.decision).at(-1);
    if (expired) {
      await deps.store.reviveTask(expired, { taskToken, rearmedAt: now }, rearmed(expired.taskId, true));
      return { taskId: expired.taskId, email: true };
    }
    const task: TaskRecord = {
      taskId: newTaskId(),
      referralId,
      taskToken,
      state: "open",
      createdAt: now,
      csrfToken: newCsrfToken(),
    };
    try {
      await deps.store.createTask(
        task,
        {
          type: "assessment-task-created",
          at: now,
          actor: workflowActor(step),
          details: { taskId: task.taskId, phase },
        },
        { ordinal: tasks.length },
      );
      return { taskId: task.taskId, email: true };
    } catch (error) {
      // An overlapping invocation created the task first: take that one (the next pass re-arms it).
      if (!(error instanceof StaleStateError) || pass > 1) throw error;
    }
  }
}
