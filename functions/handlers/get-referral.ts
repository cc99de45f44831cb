/** GET /referrals/{referralId}: the referral with its assignment, decision, letters and audit trail. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { internalError, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { referralStoreFromEnv } from "../adapters/wiring";
import { referralView } from "../domain/referral-view";

const store = referralStoreFromEnv();

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const referralId = event.pathParameters?.referralId ?? "";
  try {
    const file = await store.getReferralFile(referralId);
    if (!file) return json(404, { error: "not_found", message: "no referral with this id" });
    return json(200, referralView(file));
  } catch (error) {
    logger.error("reading a referral failed", error, { referralId });
    return internalError();
  }
};
