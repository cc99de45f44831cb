/**
 * GET /referrals: the calling portal's worklist, soonest deadline first, with working days left. No
 * patient data.
 */
import { apiRoute, json, validationFailed } from "../adapters/http";
import { callingPortal } from "../adapters/portal-caller";
import { dependencies } from "../adapters/root";
import { InvalidCursor, parseWorklistQuery, readWorklist } from "../domain/worklist";

const { worklist, calendar, clock } = dependencies("worklist", "calendar", "clock");
const deps = { worklist, rules: calendar };

export const handler = apiRoute({ name: "reading the worklist" }, async ({ event }) => {
  const portal = callingPortal(event);
  const query = parseWorklistQuery(event.queryStringParameters);
  if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
  const page = await readWorklist(deps, query.value, portal, clock.now()).catch((error: unknown) => {
    throw error instanceof InvalidCursor ? validationFailed("cursor", error.message) : error;
  });
  return json(200, page);
});
