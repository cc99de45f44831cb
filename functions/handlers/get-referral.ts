/**
 * GET /referrals/{referralId}: the calling portal's view of one of its referrals. Another portal's
 * referral (or one with no owner) answers the same 404 as one that does not exist.
 */
import { errorAnswer, jsonAnswer, jsonRoute } from "../adapters/http";
import { callingPortal } from "../adapters/portal-caller";
import { dependencies, store } from "../adapters/root";
import { isOwnedBy, portalReferralView, type portalReferralViewSchema } from "../domain/portal";

const deps = dependencies(store);

export const handler = jsonRoute({ name: "reading a referral" }, async ({ event }) => {
  const portal = callingPortal(event);
  const file = await deps.store.getReferralFile(event.pathParameters?.referralId ?? "");
  if (!file || !isOwnedBy(file.referral, portal)) {
    return errorAnswer(404, { error: "not_found", message: "no referral with this id" });
  }
  return jsonAnswer<typeof portalReferralViewSchema>(200, portalReferralView(file));
});
