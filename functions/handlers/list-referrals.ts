/**
 * GET /referrals: the calling portal's worklist, soonest deadline first, with working days left. No
 * patient data.
 */
import { jsonAnswer, jsonRoute, validationFailed, validationFailedAnswer } from "../adapters/http";
import { callingPortal } from "../adapters/portal-caller";
import { calendar, clock, dependencies, worklist } from "../adapters/root";
import { InvalidCursor, parseWorklistQuery, readWorklist, type worklistSchema } from "../domain/worklist";

const ports = dependencies(worklist, calendar, clock);
const deps = { worklist: ports.worklist, rules: ports.calendar };

export const handler = jsonRoute({ name: "reading the worklist" }, async ({ event }) => {
  const portal = callingPortal(event);
  const query = parseWorklistQuery(event.queryStringParameters);
  if (!query.ok) return validationFailedAnswer(query.issues);
  const page = await readWorklist(deps, query.value, portal, ports.clock.now()).catch((error: unknown) => {
    throw error instanceof InvalidCursor ? validationFailed("cursor", error.message) : error;
  });
  return jsonAnswer<typeof worklistSchema>(200, page);
});
