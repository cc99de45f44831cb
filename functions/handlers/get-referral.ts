/** GET /referrals/{referralId}: the referral with its assignment, decision, letters and audit trail. */
import { apiRoute, json } from "../adapters/http";
import { dependencies } from "../adapters/root";
import { referralView } from "../domain/referral-view";

const { store } = dependencies("store");

export const handler = apiRoute({ name: "reading a referral" }, async ({ event }) => {
  const file = await store.getReferralFile(event.pathParameters?.referralId ?? "");
  if (!file) return json(404, { error: "not_found", message: "no referral with this id" });
  return json(200, referralView(file));
});
