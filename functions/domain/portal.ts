/**
 * Referral portals: who a portal is, and what a portal may see.
 *
 * A portal is an AWS principal: API Gateway checks its SigV4 signature (IAM auth) and hands the
 * handler the principal in `requestContext.identity`. The portal's id is that principal's ARN, an
 * assumed role counted as its role (not its session, which changes every hour), so the referrals a
 * portal submitted stay its own across sessions. The account alone is not an identity: two portals
 * may share one.
 *
 * A portal sees its own referrals, and of them only the clock, the outcome and the letters: no task
 * ids (the key to the task page), no staff identities, no internal events. `portalReferralViewSchema`
 * is the whole of it; the view is parsed through it, so a field added to the referral elsewhere
 * never reaches a portal by accident.
 */
import * as z from "zod";
import type { ReferralFile } from "./ports";
import type { AuditEventType, ReferralRecord } from "./records";
import { REFERRAL_STATUSES, startOfCareViewSchema } from "./referral";
import { startOfCareOf } from "./start-of-care";

/** The fields of API Gateway's `requestContext.identity` a portal's id is made from. */
export interface CallerIdentity {
  userArn?: string | null;
}

const IAM_USER = /^arn:([a-z-]+):iam::(\d{12}):user\/.+$/;
const IAM_ROLE = /^arn:([a-z-]+):iam::(\d{12}):role\/.+$/;
const ASSUMED_ROLE = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/**
 * The portal's id for a caller: an IAM user's ARN as it is, an assumed role's session as its role's
 * ARN (`arn:aws:iam::<account>:role/<name>`). Undefined when the request carries no IAM principal
 * (the route was not IAM-authorized, or the identity is of another kind): such a caller is no portal.
 */
export function portalIdOf(identity: CallerIdentity | null | undefined): string | undefined {
  const arn = identity?.userArn ?? "";
  if (IAM_USER.test(arn) || IAM_ROLE.test(arn)) return arn;
  const assumed = ASSUMED_ROLE.exec(arn);
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  return undefined;
}

/**
 * Whether the referral is the portal's own. A referral stored before portals were told apart has no
 * owner and is nobody's: no portal can tell that it sent it, so none may read it (staff still can).
 */
export function isOwnedBy(referral: Pick<ReferralRecord, "portal">, portalId: string): boolean {
  return referral.portal !== undefined && referral.portal === portalId;
}

/**
 * The events a portal sees: what happened to its referral as the referrer would learn it by letter.
 * Planning, tasks, reminders, escalations and failures are the clinic's own business.
 */
export const PORTAL_EVENT_TYPES = [
  "referral-received",
  "secondary-acknowledged",
  "information-requested",
  "decision-recorded",
  "deadline-breached",
  "letter-sent",
  "letter-awaiting-postal",
  "letter-posted",
] as const satisfies readonly AuditEventType[];

/** GET /referrals/{referralId} for the portal that submitted it. */
export const portalReferralViewSchema = z.object({
  referralId: z.string(),
  status: z.enum(REFERRAL_STATUSES),
  kind: z.enum(["new", "forwarded", "secondary"]),
  priority: z.enum(["ordinary", "urgent"]),
  receivedAt: z.iso.datetime(),
  /** The date the legal clock counts from: the Oslo date of receipt, or a forward's ansiennitetsdato. */
  clockStartDate: z.iso.date(),
  assessmentDueDate: z.iso.date(),
  deadlineBreached: z.boolean(),
  missingContent: z.array(z.string()),
  /** How the referral is assessed (no names: who assesses is the clinic's). */
  assignment: z.object({ track: z.enum(["intake-meeting", "single-assessor"]) }).optional(),
  /** The outcome; its reasons are in the letter to the referrer. */
  decision: z
    .object({
      outcome: z.string(),
      decidedAt: z.iso.datetime(),
      careForm: z.string().optional(),
      startOfCareDeadline: z.iso.date().optional(),
      plannedStart: z.iso.date().optional(),
      forwardTo: z.string().optional(),
    })
    .optional(),
  /** A granted referral's start of care: the deadline, the planned and the actual start, a breach. */
  startOfCare: startOfCareViewSchema.optional(),
  letters: z.array(
    z.object({
      letterKind: z.string(),
      recipientRole: z.enum(["referrer", "patient", "gp", "guardian"]),
      channel: z.enum(["email", "postal"]),
      status: z.string(),
      sentAt: z.iso.datetime().optional(),
    }),
  ),
  /** Milestones only: the type and when, no actor and no details. */
  events: z.array(z.object({ type: z.enum(PORTAL_EVENT_TYPES), at: z.iso.datetime() })),
});
export type PortalReferralView = z.output<typeof portalReferralViewSchema>;

const portalEventTypes: ReadonlySet<string> = new Set(PORTAL_EVENT_TYPES);

/** The portal's view of a referral file: picked field by field, then held to the schema. */
export function portalReferralView({ referral, events, letters }: ReferralFile): PortalReferralView {
  const decision = referral.decision?.decision as Record<string, unknown> | undefined;
  const startOfCare = startOfCareOf(referral);
  const decisionField = (name: string) =>
    typeof decision?.[name] === "string" ? { [name]: decision[name] as string } : {};
  return portalReferralViewSchema.parse({
    referralId: referral.referralId,
    status: referral.status,
    kind: referral.kind,
    priority: referral.priority,
    receivedAt: referral.receivedAt,
    clockStartDate: referral.clockStartDate,
    assessmentDueDate: referral.assessmentDueDate,
    deadlineBreached: referral.deadlineBreached,
    missingContent: referral.missingContent,
    ...(referral.assignment ? { assignment: { track: referral.assignment.track } } : {}),
    ...(referral.decision && decision
      ? {
          decision: {
            outcome: String(decision.outcome),
            decidedAt: referral.decision.decidedAt,
            ...decisionField("careForm"),
            ...decisionField("startOfCareDeadline"),
            ...decisionField("plannedStart"),
            ...decisionField("forwardTo"),
          },
        }
      : {}),
    ...(startOfCare ? { startOfCare } : {}),
    letters: letters.map((letter) => ({
      letterKind: letter.letterKind,
      recipientRole: letter.recipientRole,
      channel: letter.channel,
      status: letter.status,
      ...(letter.sentAt ? { sentAt: letter.sentAt } : {}),
    })),
    events: [...events]
      .filter((event) => portalEventTypes.has(event.type))
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((event) => ({ type: event.type, at: event.at })),
  });
}
