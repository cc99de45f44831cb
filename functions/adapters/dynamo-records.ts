/**
 * The records of the table as stored items are read back: a zod schema per record, so an item that
 * is not what its record says fails here, at the edge, and not deep in a use case (the store used to
 * cast). The schemas are built on first read.
 */

import * as z from "zod";
import type { Decision } from "../domain/decision";
import type { IdempotencyRecord } from "../domain/ports";
import type {
  AuditEvent,
  AuditEventType,
  HelfoNotificationRecord,
  LetterRecord,
  MeetingRecord,
  OutgoingMessageRecord,
  PendingDecision,
  ReferralRecord,
  StaffEmailKind,
  StaffEmailRecord,
  TaskRecord,
} from "../domain/records";
import type { ReferralSubmission } from "../domain/referral";
import { referralHeadlineSchema } from "../domain/referral-headline";
import { CONTENT_ITEMS, type ContentItem } from "../domain/referral-labels";
import { builtOnFirstUse } from "../domain/validation";

/**
 * Every value of a string union as a zod enum's values. The record lists them all, so a value added
 * to the union in the domain and not here fails `tsc` instead of failing a read in production.
 */
const everyValue = <U extends string>(values: Record<U, true>) => Object.keys(values) as [U, ...U[]];

const AUDIT_EVENT_TYPES = everyValue<AuditEventType>({
  "referral-received": true,
  "intake-planned": true,
  "deadline-at-risk": true,
  "meeting-at-risk": true,
  "assessment-task-created": true,
  "assessment-task-rearmed": true,
  "assessors-notified": true,
  "assessors-reminded": true,
  "deadline-breached": true,
  escalated: true,
  "urgent-target-missed": true,
  "priority-changed": true,
  "secondary-acknowledged": true,
  "secondary-confirmed": true,
  "decision-submitted": true,
  "decision-recorded": true,
  "letter-sent": true,
  "letter-awaiting-postal": true,
  "letter-posted": true,
  "information-requested": true,
  "information-received": true,
  "workflow-completed": true,
  "postal-letter-escalated": true,
  "patient-informed-late": true,
  "start-of-care-recorded": true,
  "start-of-care-reminded": true,
  "start-of-care-kept": true,
  "start-of-care-breached": true,
  "start-of-care-breach-expected": true,
  "start-confirmation-requested": true,
  "start-of-care-probable-breach": true,
  "helfo-reported": true,
  "workflow-failed": true,
  "workflow-resumed": true,
  "gp-looked-up": true,
  "referral-amended": true,
  "referral-withdrawn": true,
  "status-on-referral-sent": true,
  "message-receipt-received": true,
  "message-receipt-overdue": true,
});

const STAFF_EMAIL_KINDS = everyValue<StaffEmailKind>({
  task: true,
  reminder: true,
  escalation: true,
  "urgent-target": true,
  "at-risk": true,
  "meeting-at-risk": true,
  "start-of-care-reminder": true,
  "start-of-care-breach": true,
  "start-confirmation": true,
  "start-of-care-probable-breach": true,
  "postal-escalation": true,
  agenda: true,
});

const DECISION_OUTCOMES = everyValue<Decision["outcome"]>({ granted: true, refused: true, forwarded: true });
const SUBMISSION_KINDS = everyValue<ReferralSubmission["kind"]>({
  new: true,
  forwarded: true,
  secondary: true,
});

/** An object whose `field` is one of `values`: the part of a nested domain value a store relies on. */
const objectWith =
  (field: string, values: readonly string[]) =>
  (value: unknown): boolean =>
    typeof value === "object" &&
    value !== null &&
    values.includes(String((value as Record<string, unknown>)[field]));

// The schemas are built on first read: a function that never reads a record never builds them. Loose
// objects keep attributes the schema does not name, as the store kept them before it parsed.
const schemas = builtOnFirstUse(() => {
  const optionalString = z.string().optional();
  const priority = referralHeadlineSchema().shape.priority;
  const breachBasis = z.enum(["expected", "confirmed", "default"]);
  const actor = z.looseObject({ kind: z.enum(["portal", "staff", "system"]), id: z.string() });
  // The submission and the decision were validated by their own schemas when they were taken in; a
  // read checks what the store and the views branch on (their kind), not every rule of the form.
  const submission = z.custom<ReferralSubmission>(objectWith("kind", SUBMISSION_KINDS));
  const decision = z.custom<Decision>(objectWith("outcome", DECISION_OUTCOMES));
  const party = z.looseObject({
    name: optionalString,
    herId: optionalString,
    unit: z
      .looseObject({ name: optionalString, herId: optionalString, kind: z.enum(["department", "person"]) })
      .optional(),
  });

  const referral: z.ZodType<ReferralRecord> = z.looseObject({
    // The headline as every view shows it: one schema, so a stored value no view could show fails here.
    ...referralHeadlineSchema().shape,
    missingContent: z.array(z.enum(CONTENT_ITEMS.map((item) => item.key) as [ContentItem, ...ContentItem[]])),
    deadlineBreached: z.boolean(),
    atRisk: z.boolean().optional(),
    submission,
    submittedBy: actor,
    portal: optionalString,
    message: z.looseObject({ msgId: z.string(), type: z.string(), sender: party }).optional(),
    assignment: z
      .looseObject({
        track: z.enum(["intake-meeting", "single-assessor"]),
        assessors: z.array(z.looseObject({ name: z.string(), role: z.string() })),
        lead: optionalString,
        meetingId: optionalString,
        startsAt: optionalString,
      })
      .optional(),
    decision: z.looseObject({ decision, taskId: z.string(), decidedAt: z.string() }).optional(),
    failure: z.looseObject({ error: z.string(), at: z.string() }).optional(),
    carePlannedStart: optionalString,
    careStartedOn: optionalString,
    urgentTargetEscalated: z.boolean().optional(),
    priorityChanges: z
      .array(
        z.looseObject({ from: priority, to: priority, reason: z.string(), by: z.string(), at: z.string() }),
      )
      .optional(),
    startOfCareReminded: z.boolean().optional(),
    startOfCareBreached: z.boolean().optional(),
    startOfCareBreachBasis: breachBasis.optional(),
    startOfCareExpectedBreach: z
      .looseObject({ reason: z.string(), by: z.string(), at: z.string() })
      .optional(),
    startOfCareProbableBreach: z.boolean().optional(),
  });

  const event: z.ZodType<AuditEvent> = z.looseObject({
    type: z.enum(AUDIT_EVENT_TYPES),
    at: z.string(),
    actor,
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  });

  const task: z.ZodType<TaskRecord> = z.looseObject({
    taskId: z.string(),
    referralId: z.string(),
    taskToken: z.string(),
    state: z.enum(["open", "answered", "expired"]),
    createdAt: z.string(),
    rearmedAt: optionalString,
    answeredAt: optionalString,
    answerStoredAt: optionalString,
    answeredBy: optionalString,
    decision: decision.optional(),
    csrfToken: optionalString,
    openRequestId: optionalString,
    openRequestAt: optionalString,
  });

  const letter: z.ZodType<LetterRecord> = z.looseObject({
    referralId: z.string(),
    letterKind: z.enum(["decision", "acknowledgement", "information-request", "start-of-care-breach"]),
    requestId: optionalString,
    recipientRole: z.enum(["referrer", "patient", "gp", "guardian"]),
    channel: z.enum(["email", "postal"]),
    to: optionalString,
    status: z.enum(["sending", "sent", "awaiting-postal"]),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    createdAt: z.string(),
    sentAt: optionalString,
    messageId: optionalString,
    postalAddress: z.looseObject({ line1: z.string(), postalCode: z.string(), city: z.string() }).optional(),
    postedBy: optionalString,
    linkId: optionalString,
    claimId: optionalString,
    claimedAt: optionalString,
  });

  const staffEmail: z.ZodType<StaffEmailRecord> = z.looseObject({
    about: z.enum(["referral", "meeting"]),
    aboutId: z.string(),
    kind: z.enum(STAFF_EMAIL_KINDS),
    occurrence: z.string(),
    to: z.string(),
    status: z.enum(["sending", "sent"]),
    createdAt: z.string(),
    claimId: optionalString,
    claimedAt: optionalString,
    sentAt: optionalString,
    messageId: optionalString,
  });

  const outgoingMessage: z.ZodType<OutgoingMessageRecord> = z.looseObject({
    referralId: z.string(),
    msgId: z.string(),
    kind: z.literal("status-on-referral"),
    theme: z.string(),
    status: z.enum(["sending", "sent"]),
    xml: z.string(),
    createdAt: z.string(),
    copyReceiverHerIds: z.array(z.string()).optional(),
    claimId: optionalString,
    claimedAt: optionalString,
    sentAt: optionalString,
    transportId: optionalString,
    receipt: z
      .object({
        status: z.enum(["ok", "rejected", "ok-error-in-part"]),
        errors: z.array(z.object({ code: z.string(), detail: optionalString })),
        readAt: z.string(),
      })
      .optional(),
    receiptOverdueAt: optionalString,
  });

  const helfoNotification: z.ZodType<HelfoNotificationRecord> = z.looseObject({
    referralId: z.string(),
    breachedAt: z.string(),
    expected: z.boolean().optional(),
    basis: breachBasis.optional(),
    startOfCareDeadline: z.string(),
    decidedOn: z.string(),
    careForm: z.string(),
    patient: z.looseObject({
      nationalId: z.string(),
      name: z.string(),
      birthDate: optionalString,
      phone: optionalString,
    }),
    clinic: z.looseObject({ name: z.string(), department: z.string() }),
    status: z.enum(["to-report", "reported"]),
    reportedOn: optionalString,
    reportedBy: optionalString,
    reportedAt: optionalString,
    patientInformedAt: optionalString,
  });

  const idempotency: z.ZodType<IdempotencyRecord> = z.looseObject({
    scope: z.string(),
    key: z.string(),
    bodyHash: z.string(),
    referralId: z.string(),
    response: z.unknown(),
    createdAt: z.string(),
  });

  // The two below name every attribute of their record (an index query may project more).
  const pendingDecision: z.ZodType<PendingDecision> = z.object({
    referralId: z.string(),
    taskId: z.string(),
    outcome: z.enum(DECISION_OUTCOMES),
    answeredAt: z.string(),
  });

  const meeting: z.ZodType<MeetingRecord> = z.object({
    meetingId: z.string(),
    startsAt: z.string(),
    capacity: z.number(),
    seats: z.number(),
    // A string set in DynamoDB; the record lists its holders in order.
    holders: z
      .set(z.string())
      .transform((holders) => [...holders].sort())
      .optional(),
    agendaId: z.string(),
    agendaSentAt: optionalString,
    agendaDeliveredAt: optionalString,
  });

  return {
    referral,
    event,
    task,
    letter,
    staffEmail,
    outgoingMessage,
    helfoNotification,
    idempotency,
    pendingDecision,
    meeting,
  };
});

export type RecordName = keyof ReturnType<typeof schemas>;
export type RecordOf<N extends RecordName> = z.output<ReturnType<typeof schemas>[N]>;

/** The table's own attributes: keys, index keys and the record type, none part of a record. */
const TABLE_ATTRIBUTES = [
  "pk",
  "sk",
  "gsi1pk",
  "gsi1sk",
  "gsi2pk",
  "gsi2sk",
  "gsi3pk",
  "gsi3sk",
  "recordType",
];

/**
 * Reads a stored item back as the record `name`, without the table's own attributes. An item that
 * does not parse throws an error that names the record and the attributes at fault, never a value
 * (an item may hold health data).
 */
export function recordFrom<N extends RecordName>(name: N, item: Record<string, unknown>): RecordOf<N> {
  const attributes = Object.fromEntries(
    Object.entries(item).filter(([attribute]) => !TABLE_ATTRIBUTES.includes(attribute)),
  );
  const result = schemas()[name].safeParse(attributes);
  if (result.success) return result.data as RecordOf<N>;
  const paths = [...new Set(result.error.issues.map((issue) => issue.path.join(".") || "(item)"))];
  throw new Error(`a stored ${name} item does not match its record: ${paths.join(", ")}`);
}
