/** POST /letters/{letterId}/sent: someone in operations posted a letter; it leaves the postal list. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { json, jsonRoute } from "../adapters/http";
import { logger } from "../adapters/logger";
import { clock, dependencies, store } from "../adapters/root";
import { markLetterPosted } from "../domain/postal";
import type { Actor } from "../domain/records";

const deps = dependencies(store, clock);

/** The IAM caller API Gateway authenticated (SigV4), for the audit trail. */
function callerOf(event: APIGatewayProxyEvent): Actor {
  const identity = event.requestContext?.identity;
  return { kind: "staff", id: identity?.userArn || identity?.caller || "operations" };
}

export const handler = jsonRoute({ name: "marking a letter posted" }, async ({ event }) => {
  const letterId = event.pathParameters?.letterId ?? "";
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
});
