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
import type { AuditEventType } from "./records";
import { headlineOf, referralHeadlineSchema } from "./referral-headline";
import { startOfCareOf } from "./start-of-care";
import { startOfCareViewSchema } from "./start-of-care-view";

// Who a portal is lives in portal-identity.ts, without zod: every portal route asks who calls, and
// only GET /referrals/{id} needs the view schema below (and, through it, the referral's schemas).
export { type CallerIdentity, isOwnedBy, portalIdOf } from "./portal-identity";

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
export const portalReferralViewSchema = referralHeadlineSchema().extend({
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
  startOfCare: startOfCareViewSchema().optional(),
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
    ...headlineOf(referral),
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
