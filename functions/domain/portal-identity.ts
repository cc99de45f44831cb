/**
 * Who a referral portal is (its AWS principal, see portal.ts) and which referrals are its own. No
 * zod here: every portal route asks who calls, and most never build a portal's view of a referral.
 */
import type { ReferralRecord } from "./records";

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
