/**
 * POST /referrals/{referralId}/start-of-care: staff record the planned start, or the day care
 * started, of a granted right (JSON or form). Answers the referral's `startOfCare`.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { apiRoute, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { dependencies } from "../adapters/root";
import type { Actor } from "../domain/records";
import { recordStartOfCare } from "../domain/start-of-care";

const deps = dependencies("store", "clock");

/** The IAM caller API Gateway authenticated (SigV4), for the audit trail. */
function callerOf(event: APIGatewayProxyEvent): Actor {
  const identity = event.requestContext?.identity;
  return { kind: "staff", id: identity?.userArn || identity?.caller || "staff" };
}

export const handler = apiRoute(
  { name: "recording the start of care", accepts: ["application/json", "application/x-www-form-urlencoded"] },
  async (request) => {
    const referralId = request.event.pathParameters?.referralId ?? "";
    const result = await recordStartOfCare(deps, referralId, request.body(), callerOf(request.event));
    switch (result.kind) {
      case "invalid":
        return json(400, { error: "validation_failed", issues: result.issues });
      case "unknown":
        return json(404, { error: "not_found", message: "no referral with this id" });
      case "not-granted":
        return json(409, {
          error: "not_granted",
          message: "the referral has no granted right whose start of care can be recorded",
        });
      default:
        logger.info("start of care recorded", { referralId });
        return json(200, { referralId, startOfCare: result.startOfCare });
    }
  },
);
