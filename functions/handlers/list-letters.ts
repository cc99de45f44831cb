/** GET /letters?status=awaiting-postal: the letters someone must post, oldest first, from an index. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { postalQueueFromEnv } from "../adapters/dynamo-postal-queue";
import { internalError, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { InvalidPostalCursor, parsePostalQuery } from "../domain/postal";

const deps = { queue: postalQueueFromEnv() };

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const query = parsePostalQuery(event.queryStringParameters);
  if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
  try {
    return json(200, await deps.queue.page(query.value));
  } catch (error) {
    if (error instanceof InvalidPostalCursor) {
      return json(400, { error: "validation_failed", issues: [{ path: "cursor", message: error.message }] });
    }
    logger.error("reading the postal list failed", error);
    return internalError();
  }
};
