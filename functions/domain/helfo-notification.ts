/**
 * The Helfo notification of a fristbrudd, after it is on the list: staff mark it reported to Helfo
 * (POST /helfo-notifications/{referralId}/reported), which sends the patient's "Varsel om
 * fristbrudd" (and the parents' copy), and the list's CSV export. The breach itself is recorded by
 * the start-of-care timer (start-of-care.ts) or by staff (start-of-care-records.ts).
 */
import * as z from "zod";
import { workflowActor } from "./assessment";
import { osloDate } from "./calendar";
import { deliverLetter, isYoungerThan, type LetterDeps, letterPatientOf } from "./dispatch";
import { ReferralNotFound } from "./errors";
import { StaleStateError } from "./ports";
import type { HelfoNotificationRecord, LetterRecord } from "./records";
import { startOfCareOf } from "./start-of-care";
import { tallyOfHelfoReported } from "./statistics";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

// The Helfo notification reported

/** The body of POST /helfo-notifications/{referralId}/reported: the day it was reported (default today). */
export const helfoReportedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    reportedOn: z.iso.date("must be a date (YYYY-MM-DD)").optional(),
  }),
);

/**
 * 200 of POST /helfo-notifications/{referralId}/reported with a JSON body, and the fields of its 409
 * (documents the API; built on first use).
 */
export const helfoReportedAnswerSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string(),
    status: z.enum(["to-report", "reported"]),
    reportedOn: z.iso.date().optional(),
    reportedBy: z.string().optional().describe("The signed-in person who marked it reported."),
    patientInformedAt: z.iso
      .datetime()
      .optional()
      .describe("When the patient's Varsel om fristbrudd went out."),
  }),
);

export type HelfoReportedResult =
  | { kind: "reported"; notification: HelfoNotificationRecord }
  /** Reported before, but a letter of that report had not gone out (the mail service failed): sent now. */
  | { kind: "letters-sent"; notification: HelfoNotificationRecord }
  | { kind: "already"; notification: HelfoNotificationRecord }
  | { kind: "invalid"; issues: Issue[] }
  | { kind: "unknown" };

/**
 * The clinic (a clerk or the lead) records that it has reported a fristbrudd, expected or confirmed,
 * to Helfo: the notification becomes `reported` with the day (`reportedOn`, Oslo; not in the future,
 * not before the notice was filed) and who recorded it (the signed-in person), with a "helfo-reported"
 * event on the referral, once. Then, and only then, the patient's "Varsel om fristbrudd" goes out,
 * saying that Helfo has been notified (and, for a patient under 16, the parents' copy); once they are
 * all out, the notice records `patientInformedAt`. A letter the mail service refused makes this throw
 * (the API answers 503) with the mark kept and `patientInformedAt` absent: the Helfo list shows the
 * letter as not sent, and marking it again sends what is missing (each letter once, by its claim) and
 * answers `letters-sent`. A mark of a notice whose letters are out answers `already`, changing and
 * sending nothing.
 */
export async function markHelfoReported(
  deps: LetterDeps,
  referralId: string,
  body: unknown,
  reportedBy: string,
): Promise<HelfoReportedResult> {
  const notification = (await deps.store.listHelfoNotifications()).find((n) => n.referralId === referralId);
  if (!notification) return { kind: "unknown" };
  if (notification.status === "reported") {
    if (notification.patientInformedAt) return { kind: "already", notification };
    return { kind: "letters-sent", notification: await informPatient(deps, notification) };
  }
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
  const referral = await deps.store.getReferral(referralId);
  const reported = { reportedOn, reportedBy, reportedAt: now.toISOString() };
  try {
    await deps.store.markHelfoReported(
      notification,
      reported,
      {
        type: "helfo-reported",
        at: reported.reportedAt,
        actor: { kind: "staff", id: reportedBy },
        details: {
          reportedOn,
          startOfCareDeadline: notification.startOfCareDeadline,
          expected: notification.expected === true,
        },
      },
      referral ? tallyOfHelfoReported(referral) : undefined,
    );
  } catch (error) {
    if (!(error instanceof StaleStateError)) throw error;
    // Marked by someone else in the meantime.
    const current = (await deps.store.listHelfoNotifications()).find((n) => n.referralId === referralId);
    return current ? { kind: "already", notification: current } : { kind: "unknown" };
  }
  const marked: HelfoNotificationRecord = { ...notification, status: "reported", ...reported };
  return { kind: "reported", notification: await informPatient(deps, marked) };
}

/** Sends the report's letters (each once), then records that they are all out. */
async function informPatient(
  deps: LetterDeps,
  notification: HelfoNotificationRecord,
): Promise<HelfoNotificationRecord> {
  await sendBreachLetters(deps, notification);
  const patientInformedAt = deps.clock.now().toISOString();
  await deps.store.markHelfoPatientInformed(notification, patientInformedAt);
  return { ...notification, patientInformedAt };
}

/**
 * The "Varsel om fristbrudd" of a notice reported to Helfo: to the patient, and for a patient under
 * 16 on the day of the letter, to the parents or others with parental responsibility too (their copy
 * posted to the patient's address: the referral names no guardian). Each letter once (its claim);
 * one recipient's failure does not hold up the other, and the first error is thrown after.
 */
export async function sendBreachLetters(
  deps: LetterDeps,
  notification: HelfoNotificationRecord,
): Promise<void> {
  if (notification.status !== "reported" || !notification.reportedOn) return;
  const referral = await deps.store.getReferral(notification.referralId);
  if (!referral) throw new ReferralNotFound();
  const view = startOfCareOf(referral);
  if (!view) return;
  const now = deps.clock.now();
  const patient = letterPatientOf(referral.submission);
  const date = osloDate(now);
  const underSixteen = patient.birthDate !== undefined && isYoungerThan(patient.birthDate, 16, date);
  const { email, postalAddress } = referral.submission.patient;
  const recipients: { role: "patient" | "guardian"; email?: string }[] = [
    { role: "patient", ...(email ? { email } : {}) },
    ...(underSixteen ? [{ role: "guardian" as const }] : []),
  ];
  const actor = workflowActor("HelfoReported");
  let firstError: { error: unknown } | undefined;
  for (const recipient of recipients) {
    const rendered = deps.render.startOfCareBreachLetter({
      referralId: referral.referralId,
      recipientRole: recipient.role,
      patient,
      startOfCareDeadline: view.deadline,
      // Reported before the deadline ran out: the start cannot be kept; after: it was not.
      passed:
        osloDate(new Date(notification.breachedAt)) > view.deadline || referral.startOfCareBreached === true,
      reportedOn: notification.reportedOn,
      date,
      clinic: deps.config.clinic,
    });
    const letter: LetterRecord = {
      referralId: referral.referralId,
      letterKind: "start-of-care-breach",
      recipientRole: recipient.role,
      channel: recipient.email ? "email" : "postal",
      ...(recipient.email ? { to: recipient.email } : {}),
      status: recipient.email ? "sending" : "awaiting-postal",
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      createdAt: now.toISOString(),
      ...(!recipient.email && postalAddress ? { postalAddress } : {}),
    };
    try {
      await deliverLetter(deps, letter, actor);
    } catch (error) {
      firstError ??= { error };
    }
  }
  if (firstError) throw firstError.error;
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
  // Last, so a script reading the columns by position keeps them: expected, confirmed or default.
  "breachKind",
] as const;

function csvCell(value: string): string {
  // Quote every cell; a leading =, +, - or @ is neutralised so a spreadsheet never runs it.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

/**
 * How a notice's breach was established: `expected`, `confirmed` or `default` (a notice filed before
 * the kind was kept and not expected: "").
 */
export function breachKindOf(notification: Pick<HelfoNotificationRecord, "basis" | "expected">): string {
  return notification.basis ?? (notification.expected ? "expected" : "");
}

/**
 * The Helfo notifications as CSV (one row per breach), for the clinic to send on to Helfo. The breach
 * kind, never the reason given for an expected breach (it may be clinical).
 */
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
      breachKindOf(n),
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[CSV_COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
}
