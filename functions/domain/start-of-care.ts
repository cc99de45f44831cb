/**
 * The start of care, followed up after a granted right. The law's deadline (juridisk frist, pbrl
 * § 2-1 b andre ledd) binds the hospital: if care has not started by the end of that day, it is a
 * fristbrudd, which the hospital reports to Helfo, whose Pasientformidling then finds the patient an
 * offer. The workflow keeps a timer from the decision:
 *
 * - PlanStartOfCare: when to remind (the start of the working day `startOfCareReminderWorkingDays`
 *   before the deadline) and when the deadline runs out (the end of the deadline day, Oslo);
 * - RemindStartOfCare: unless a start is recorded, the clinic lead gets a neutral reminder (once);
 * - CheckStartOfCare: a start on or before the deadline keeps it; otherwise the breach is recorded
 *   once, with the Helfo notification, the patient's letter, the lead's notice and a metric.
 *
 * Staff record the planned start and the day care started (POST /referrals/{id}/start-of-care).
 */
import * as z from "zod";
import { renderStartOfCareBreachLetter } from "../views/letters";
import { renderStartOfCareBreachEmail, renderStartOfCareReminderEmail } from "../views/staff-email";
import { leadOf, mustGetReferral, workflowActor } from "./assessment";
import {
  type CalendarRules,
  type IsoDate,
  isWorkingDay,
  osloDate,
  osloEndOfDay,
  osloStartOfDay,
} from "./calendar";
import { type ClinicConfig, calendarRulesOf } from "./clinic";
import { addDays } from "./decision-labels";
import { deliverLetter, letterPatientOf } from "./dispatch";
import type { Clock, Mailer, Metrics, ReferralStore } from "./ports";
import { StaleStateError } from "./ports";
import type { Actor, HelfoNotificationRecord, LetterRecord, ReferralRecord } from "./records";
import { aboutReferral, sendStaffEmail } from "./staff-mail";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

/** The metric counted once per recorded fristbrudd. */
export const START_OF_CARE_BREACH_METRIC = "StartOfCareBreached";

/** What GET /referrals/{id} shows of a granted right's start of care. */
export interface StartOfCareView {
  deadline: IsoDate;
  plannedStart: IsoDate | null;
  startedOn: IsoDate | null;
  breached: boolean;
}

/**
 * What every view (staff and portal) shows of a granted right's start of care (api.md "Start of
 * care"), as a schema. The schemas of this module are built on first use: most functions import it
 * for the start-of-care rules and never parse a body or a view.
 */
export const startOfCareViewSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    deadline: z.iso.date(),
    plannedStart: z.iso.date().nullable(),
    startedOn: z.iso.date().nullable(),
    breached: z.boolean(),
  }),
);

type Granted = Extract<NonNullable<ReferralRecord["decision"]>["decision"], { outcome: "granted" }>;

function grantedOf(referral: ReferralRecord): Granted | undefined {
  const decision = referral.decision?.decision;
  return decision?.outcome === "granted" ? decision : undefined;
}

/** The start of care of a granted right (undefined for any other referral). */
export function startOfCareOf(referral: ReferralRecord): StartOfCareView | undefined {
  const granted = grantedOf(referral);
  if (!granted) return undefined;
  return {
    deadline: granted.startOfCareDeadline,
    plannedStart: referral.carePlannedStart ?? granted.plannedStart ?? null,
    startedOn: referral.careStartedOn ?? null,
    breached: referral.startOfCareBreached === true,
  };
}

/** Whether care started in time: a recorded start on or before the deadline. */
export function startedInTime(view: StartOfCareView): boolean {
  return view.startedOn !== null && view.startedOn <= view.deadline;
}

/** The date `n` working days before `date` (n ≥ 1). */
function workingDaysBefore(date: IsoDate, n: number, rules: CalendarRules): IsoDate {
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = addDays(day, -1);
    if (isWorkingDay(day, rules)) counted += 1;
  }
  return day;
}

/** The two points of the start-of-care timer, as ISO instants for the workflow's Wait states. */
export interface StartOfCareTimer {
  referralId: string;
  /** Oslo 00:00 of the reminder working day; never before `now` (a short deadline reminds at once). */
  remindAt: string;
  /** The end of the deadline day in Oslo: after it, a start not recorded is a fristbrudd. */
  deadlineAt: string;
}

/** PlanStartOfCare: the timer of a granted right. */
export async function planStartOfCare(
  deps: { store: ReferralStore; clock: Clock; config: ClinicConfig },
  referralId: string,
): Promise<StartOfCareTimer> {
  const referral = await mustGetReferral(deps.store, referralId);
  const granted = grantedOf(referral);
  if (!granted) throw new StaleStateError(`referral ${referralId} has no granted right`);
  const now = deps.clock.now();
  const rules = calendarRulesOf(deps.config.legalClock);
  const reminderDay = workingDaysBefore(
    granted.startOfCareDeadline,
    deps.config.decision.startOfCareReminderWorkingDays,
    rules,
  );
  const remindAt = new Date(Math.max(osloStartOfDay(reminderDay).getTime(), now.getTime()));
  return {
    referralId,
    remindAt: remindAt.toISOString(),
    deadlineAt: osloEndOfDay(granted.startOfCareDeadline).toISOString(),
  };
}

/** RemindStartOfCare: the lead is reminded once, unless a start is already recorded. */
export async function remindStartOfCare(
  deps: {
    store: ReferralStore;
    clock: Clock;
    mailer: Mailer;
    config: ClinicConfig;
    /** PUBLIC_BASE_URL: the reminder links to the referral's staff page. */
    publicBaseUrl?: string;
  },
  referralId: string,
): Promise<{ started: boolean }> {
  const referral = await mustGetReferral(deps.store, referralId);
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referralId} has no granted right`);
  if (view.startedOn !== null) return { started: true };
  if (referral.startOfCareReminded) return { started: false };
  const lead = leadOf(deps.config);
  // Remind first (once, by its claim), flag after: a retry after a crash in between reminds no more.
  if (lead) {
    await sendStaffEmail(
      deps,
      aboutReferral(referralId, "start-of-care-reminder", view.deadline),
      lead.email,
      renderStartOfCareReminderEmail({
        referralId,
        startOfCareDeadline: view.deadline,
        clinicName: deps.config.clinic.name,
        ...(deps.publicBaseUrl
          ? {
              referralUrl: `${deps.publicBaseUrl.replace(/\/+$/, "")}/staff/referrals/${encodeURIComponent(referralId)}`,
            }
          : {}),
      }),
    );
  }
  await deps.store.flagReferral(referralId, "startOfCareReminded", {
    type: "start-of-care-reminded",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("RemindStartOfCare"),
    details: { startOfCareDeadline: view.deadline, leadNotified: lead !== undefined },
  });
  return { started: false };
}

/**
 * CheckStartOfCare, at the end of the deadline day: a start recorded on or before the deadline keeps
 * it. Otherwise the fristbrudd is recorded once with its Helfo notification; then the patient's letter
 * (once per referral, by the letter store's claim), the lead's notice and the metric follow. A retry
 * after the breach was recorded finds it recorded and still sees the letter out.
 */
export async function checkStartOfCare(
  deps: {
    store: ReferralStore;
    clock: Clock;
    mailer: Mailer;
    metrics: Metrics;
    config: ClinicConfig;
    /** The base of the letter's link (the patient's letter is a notice with a link). */
    publicBaseUrl: string;
  },
  referralId: string,
): Promise<{ breached: boolean }> {
  const referral = await mustGetReferral(deps.store, referralId);
  const view = startOfCareOf(referral);
  if (!view) throw new StaleStateError(`referral ${referralId} has no granted right`);
  const now = deps.clock.now();
  const actor = workflowActor("CheckStartOfCare");
  if (startedInTime(view)) {
    await deps.store.appendEvent(referralId, {
      type: "start-of-care-kept",
      at: now.toISOString(),
      actor,
      details: { startOfCareDeadline: view.deadline, startedOn: view.startedOn ?? "" },
    });
    return { breached: false };
  }

  const patient = letterPatientOf(referral.submission);
  const granted = grantedOf(referral) as Granted;
  const notification: HelfoNotificationRecord = {
    referralId,
    breachedAt: now.toISOString(),
    startOfCareDeadline: view.deadline,
    decidedOn: osloDate(new Date(referral.decision?.decidedAt ?? now.toISOString())),
    careForm: granted.careForm,
    patient: {
      nationalId: referral.submission.patient.nationalId,
      name: patient.name,
      ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
    },
    clinic: { name: deps.config.clinic.name, department: deps.config.clinic.department },
    status: "to-report",
  };
  const firstTime = await deps.store.recordStartOfCareBreach(referralId, notification, {
    type: "start-of-care-breached",
    at: now.toISOString(),
    actor,
    details: { startOfCareDeadline: view.deadline, helfoNotification: true },
  });
  if (firstTime) deps.metrics.count(START_OF_CARE_BREACH_METRIC, { referralId });

  const rendered = renderStartOfCareBreachLetter({
    referralId,
    patient,
    startOfCareDeadline: view.deadline,
    date: osloDate(now),
    clinic: deps.config.clinic,
  });
  const email = referral.submission.patient.email;
  const letter: LetterRecord = {
    referralId,
    letterKind: "start-of-care-breach",
    recipientRole: "patient",
    channel: email ? "email" : "postal",
    ...(email ? { to: email } : {}),
    status: email ? "sending" : "awaiting-postal",
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    createdAt: now.toISOString(),
    ...(!email && referral.submission.patient.postalAddress
      ? { postalAddress: referral.submission.patient.postalAddress }
      : {}),
  };
  await deliverLetter(deps, letter, actor);

  // The lead's notice goes once (its claim), also when a retry finds the breach already recorded.
  const lead = leadOf(deps.config);
  if (lead) {
    await sendStaffEmail(
      deps,
      aboutReferral(referralId, "start-of-care-breach", view.deadline),
      lead.email,
      renderStartOfCareBreachEmail({
        referralId,
        startOfCareDeadline: view.deadline,
        clinicName: deps.config.clinic.name,
      }),
    );
  }
  return { breached: true };
}

// ---------------------------------------------------------------------------------------------
// Staff record the start

const isoDate = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .pipe(z.iso.date({ error: message }).optional())
    .optional();

/** POST /referrals/{id}/start-of-care: the planned start, the day care started, or both. */
export const startOfCareBodySchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z
    .object({
      plannedStart: isoDate("Oppgi planlagt oppstart som dato (ÅÅÅÅ-MM-DD)").describe(
        "The planned start (YYYY-MM-DD), when it is set or moved after the decision.",
      ),
      startedOn: isoDate("Oppgi dagen helsehjelpen startet som dato (ÅÅÅÅ-MM-DD)").describe(
        "The day care started (YYYY-MM-DD): not in the future.",
      ),
    })
    .refine((body) => body.plannedStart !== undefined || body.startedOn !== undefined, {
      message: "Oppgi planlagt oppstart eller dagen helsehjelpen startet",
      path: ["startedOn"],
    }),
);

export type StartOfCareBody = z.output<ReturnType<typeof startOfCareBodySchema>>;

/** 200 of POST /referrals/{id}/start-of-care. */
export const startOfCareRecordedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string(),
    startOfCare: z.object({
      deadline: z.iso.date(),
      plannedStart: z.iso.date().nullable(),
      startedOn: z.iso.date().nullable(),
      breached: z.boolean(),
    }),
  }),
);

/** What recording the start answered. */
export type RecordStartOfCareResult =
  | { kind: "recorded"; startOfCare: StartOfCareView }
  | { kind: "invalid"; issues: Issue[] }
  | { kind: "unknown" }
  | { kind: "not-granted" };

/**
 * Records the planned start or the day care started on a granted right. A start cannot be in the
 * future or before the decision; a planned start cannot be in the past. A start recorded after the
 * deadline is kept as it is (the breach stays on record).
 */
export async function recordStartOfCare(
  deps: { store: ReferralStore; clock: Clock },
  referralId: string,
  body: unknown,
  actor: Actor,
): Promise<RecordStartOfCareResult> {
  const parsed = startOfCareBodySchema().safeParse(body ?? {});
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error) };
  const referral = await deps.store.getReferral(referralId);
  if (!referral) return { kind: "unknown" };
  const view = startOfCareOf(referral);
  if (!view || !referral.decision) return { kind: "not-granted" };
  const today = osloDate(deps.clock.now());
  const decidedOn = osloDate(new Date(referral.decision.decidedAt));
  const { plannedStart, startedOn } = parsed.data;
  const issues: Issue[] = [];
  if (startedOn && startedOn > today)
    issues.push({ path: "startedOn", message: "Oppstart kan ikke være fram i tid" });
  if (startedOn && startedOn < decidedOn) {
    issues.push({ path: "startedOn", message: "Oppstart kan ikke være før vurderingen" });
  }
  if (plannedStart && plannedStart < today) {
    issues.push({ path: "plannedStart", message: "Planlagt oppstart kan ikke være før dagens dato" });
  }
  if (issues.length > 0) return { kind: "invalid", issues };

  try {
    await deps.store.recordStartOfCare(
      referralId,
      { ...(plannedStart ? { plannedStart } : {}), ...(startedOn ? { startedOn } : {}) },
      {
        type: "start-of-care-recorded",
        at: deps.clock.now().toISOString(),
        actor,
        details: {
          ...(plannedStart ? { plannedStart } : {}),
          ...(startedOn ? { startedOn, inTime: startedOn <= view.deadline } : {}),
        },
      },
    );
  } catch (error) {
    if (error instanceof StaleStateError) return { kind: "not-granted" };
    throw error;
  }
  const updated = await deps.store.getReferral(referralId);
  return { kind: "recorded", startOfCare: startOfCareOf(updated ?? referral) ?? view };
}

// ---------------------------------------------------------------------------------------------
// The Helfo notification reported

/** The body of POST /helfo-notifications/{referralId}/reported: the day it was reported (default today). */
export const helfoReportedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    reportedOn: z.iso.date("must be a date (YYYY-MM-DD)").optional(),
  }),
);

export type HelfoReportedResult =
  | { kind: "reported"; notification: HelfoNotificationRecord }
  | { kind: "already"; notification: HelfoNotificationRecord }
  | { kind: "invalid"; issues: Issue[] }
  | { kind: "unknown" };

/**
 * The lead records that the clinic has reported a fristbrudd to Helfo: the notification becomes
 * `reported` with the day (`reportedOn`, Oslo; not in the future, not before the breach) and who
 * recorded it (the signed-in person), with a "helfo-reported" event on the referral, once. A second
 * mark answers `already` with the first one's record and changes nothing.
 */
export async function markHelfoReported(
  deps: { store: ReferralStore; clock: Clock },
  referralId: string,
  body: unknown,
  reportedBy: string,
): Promise<HelfoReportedResult> {
  const notification = (await deps.store.listHelfoNotifications()).find((n) => n.referralId === referralId);
  if (!notification) return { kind: "unknown" };
  if (notification.status === "reported") return { kind: "already", notification };
  const parsed = helfoReportedSchema().safeParse(body ?? {});
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error) };
  const now = deps.clock.now();
  const today = osloDate(now);
  const reportedOn = parsed.data.reportedOn ?? today;
  const breachedOn = osloDate(new Date(notification.breachedAt));
  if (reportedOn > today) {
    return { kind: "invalid", issues: [{ path: "reportedOn", message: "must not be in the future" }] };
  }
  if (reportedOn < breachedOn) {
    return {
      kind: "invalid",
      issues: [{ path: "reportedOn", message: `must not be before the breach (${breachedOn})` }],
    };
  }
  const reported = { reportedOn, reportedBy, reportedAt: now.toISOString() };
  try {
    await deps.store.markHelfoReported(notification, reported, {
      type: "helfo-reported",
      at: reported.reportedAt,
      actor: { kind: "staff", id: reportedBy },
      details: { reportedOn, startOfCareDeadline: notification.startOfCareDeadline },
    });
  } catch (error) {
    if (!(error instanceof StaleStateError)) throw error;
    // Marked by someone else in the meantime.
    const current = (await deps.store.listHelfoNotifications()).find((n) => n.referralId === referralId);
    return current ? { kind: "already", notification: current } : { kind: "unknown" };
  }
  return { kind: "reported", notification: { ...notification, status: "reported", ...reported } };
}

// ---------------------------------------------------------------------------------------------
// The Helfo export

const CSV_COLUMNS = [
  "referralId",
  "breachedAt",
  "startOfCareDeadline",
  "decidedOn",
  "careForm",
  "nationalId",
  "name",
  "birthDate",
  "clinic",
  "status",
  "reportedOn",
  "reportedBy",
] as const;

function csvCell(value: string): string {
  // Quote every cell; a leading =, +, - or @ is neutralised so a spreadsheet never runs it.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

/** The Helfo notifications as CSV (one row per breach), for the clinic to send on to Helfo. */
export function helfoNotificationsCsv(notifications: readonly HelfoNotificationRecord[]): string {
  const rows = notifications.map((n) =>
    [
      n.referralId,
      n.breachedAt,
      n.startOfCareDeadline,
      n.decidedOn,
      n.careForm,
      n.patient.nationalId,
      n.patient.name,
      n.patient.birthDate ?? "",
      `${n.clinic.name}, ${n.clinic.department}`,
      n.status,
      n.reportedOn ?? "",
      n.reportedBy ?? "",
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[CSV_COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
}
