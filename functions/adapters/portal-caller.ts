/** The calling portal of an IAM-authorized API Gateway request. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { portalIdOf } from "../domain/portal-identity";
import { HttpAnswer, json } from "./http";

/**
 * The calling portal's id, from the principal API Gateway verified (`requestContext.identity`).
 * A request without one never reaches a portal route on AWS (IAM auth refuses it first); should one
 * arrive anyway, it is refused with 403 rather than treated as some default portal.
 */
export function callingPortal(event: Pick<APIGatewayProxyEvent, "requestContext">): string {
  const portal = portalIdOf(event.requestContext?.identity);
  if (!portal) {
    throw new HttpAnswer(
      json(403, { error: "forbidden", message: "the request carries no portal identity" }),
    );
  }
  return portal;
}
