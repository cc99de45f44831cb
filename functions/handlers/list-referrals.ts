/** GET /referrals: the worklist, soonest deadline first, with working days left. No patient data. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { worklistFromEnv } from "../adapters/dynamo-worklist";
import { clinicConfigFromEnv } from "../adapters/env";
import { internalError, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { calendarRulesOf } from "../domain/clinic";
import { InvalidCursor, parseWorklistQuery, readWorklist } from "../domain/worklist";

const deps = { worklist: worklistFromEnv(), rules: calendarRulesOf(clinicConfigFromEnv().legalClock) };

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const query = parseWorklistQuery(event.queryStringParameters);
  if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
  try {
    return json(200, await readWorklist(deps, query.value, systemClock.now()));
  } catch (error) {
    if (error instanceof InvalidCursor) {
      return json(400, { error: "validation_failed", issues: [{ path: "cursor", message: error.message }] });
    }
    logger.error("reading the worklist failed", error, { status: query.value.status });
    return internalError();
  }
};
