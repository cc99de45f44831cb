/** POST /letters/{letterId}/sent: someone in operations posted a letter; it leaves the postal list. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { internalError, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { referralStoreFromEnv } from "../adapters/wiring";
import { markLetterPosted } from "../domain/postal";
import type { Actor } from "../domain/records";

const deps = { store: referralStoreFromEnv(), clock: systemClock };

/** The IAM caller API Gateway authenticated (SigV4), for the audit trail. */
function callerOf(event: APIGatewayProxyEvent): Actor {
  const identity = event.requestContext?.identity;
  return { kind: "staff", id: identity?.userArn || identity?.caller || "operations" };
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const letterId = event.pathParameters?.letterId ?? "";
  try {
    const result = await markLetterPosted(deps, letterId, callerOf(event));
    switch (result.kind) {
      case "unknown":
        return json(404, { error: "not_found", message: "no letter with this id" });
      case "not-awaiting":
        return json(409, {
          error: "not_awaiting_postal",
          message: "the letter is not waiting for postal dispatch (already posted, emailed or unknown)",
        });
      default:
        logger.info("letter posted", { letterId });
        return json(200, { letterId: result.letterId, status: "sent", sentAt: result.sentAt });
    }
  } catch (error) {
    logger.error("marking a letter posted failed", error);
    return internalError();
  }
};
