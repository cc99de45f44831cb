/**
 * The referral's headline: which referral, where it stands, and its legal clock. One schema, so the
 * fields keep one name and one meaning wherever a referral is listed or shown: the portal's view, the
 * staff view, the worklist line (and the index attributes it is read from), the staff home and the
 * 202 answer are each picked or extended from it, and GET /openapi.json documents them from it.
 */
import * as z from "zod";
import { PRIORITIES, REFERRAL_KINDS, REFERRAL_STATUSES } from "./referral-labels";
import { builtOnFirstUse } from "./validation";

/** The headline fields; built on first use, like the other schemas only some functions need. */
export const referralHeadlineSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string().describe("Frist's id of the referral."),
    status: z.enum(REFERRAL_STATUSES),
    kind: z.enum(REFERRAL_KINDS),
    priority: z.enum(PRIORITIES),
    receivedAt: z.iso.datetime().describe("When the clinic received it."),
    clockStartDate: z.iso
      .date()
      .describe(
        "The date the legal clock counts from: the Oslo date of receipt, or a forward's ansiennitetsdato.",
      ),
    assessmentDueDate: z.iso
      .date()
      .describe("The last day of the 10 working days within which the patient must have the answer."),
    deadlineBreached: z
      .boolean()
      .describe("Recorded by the workflow when the 10 working days ran out without a decision."),
  }),
);

/** A referral's headline. */
export type ReferralHeadline = z.output<ReturnType<typeof referralHeadlineSchema>>;

/**
 * The headline of a referral record, field by field, so whatever else the record holds (the
 * submission, the patient) never comes along into a view that spreads it.
 */
export function headlineOf(referral: ReferralHeadline): ReferralHeadline {
  return {
    referralId: referral.referralId,
    status: referral.status,
    kind: referral.kind,
    priority: referral.priority,
    receivedAt: referral.receivedAt,
    clockStartDate: referral.clockStartDate,
    assessmentDueDate: referral.assessmentDueDate,
    deadlineBreached: referral.deadlineBreached,
  };
}
