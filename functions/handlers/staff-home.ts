/**
 * GET /staff: the signed-in staff home, by role (functions/domain/staff-home.ts). A browser
 * (Accept: text/html) gets the page; `Accept: application/json` the same home as JSON, links relative
 * to the API's base URL. Paged by `limit`, each list by its own cursor (`cursor` the open referrals,
 * `startsCursor` the starts of care, `requestsCursor` the information requests). An unsigned visitor is
 * sent to sign-in and back. It shows no patient data, so it writes no access-log entry; the pages it
 * links to log their own reads. Operations' home reads the stack's CloudWatch alarms too; with
 * CloudWatch unreadable the page is still shown, its alarm section saying so.
 */
import { apiRoute, header, html, json, jsonAnswer, validationFailed } from "../adapters/http";
import {
  calendar,
  clock,
  config,
  dependencies,
  operationsAlarms,
  postalQueue,
  publicBaseUrl,
  recoveryRuns,
  store,
  worklist,
} from "../adapters/root";
import { hasRole, STAFF_ROLES } from "../domain/session";
import { InvalidHomeCursor, parseStaffHomeQuery, readStaffHome } from "../domain/staff-home";
import type { staffHomeAnswerSchema } from "../domain/staff-home-answer";
import { renderStaffHomePage } from "../views/staff-home";

const deps = dependencies(
  worklist,
  store,
  postalQueue,
  calendar,
  config,
  clock,
  publicBaseUrl,
  recoveryRuns,
  operationsAlarms,
);
/** The API's base path ("" behind a custom domain or locally, "/prod" on the execute-api host). */
const basePath = new URL(deps.publicBaseUrl).pathname.replace(/\/+$/, "");

export const handler = apiRoute(
  { name: "staff-home", page: true, access: { roles: STAFF_ROLES } },
  async ({ event, session }) => {
    if (session?.principal.kind !== "staff") throw new Error("a staff route without a session");
    const query = parseStaffHomeQuery(event.queryStringParameters);
    if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
    const home = await readStaffHome(deps, session.principal.roles, query.value).catch((error: unknown) => {
      throw error instanceof InvalidHomeCursor ? validationFailed(error.param, error.message) : error;
    });
    if (!(header(event, "accept") ?? "").toLowerCase().includes("text/html")) {
      return jsonAnswer<typeof staffHomeAnswerSchema>(200, { ...home, csrfToken: session.csrfToken });
    }
    const limit = event.queryStringParameters?.limit;
    // A section's next page: its own cursor (the other sections start over on that page).
    const nextHref = (param: string, cursor: string | undefined) =>
      cursor
        ? `${basePath}/staff?${new URLSearchParams({ [param]: cursor, ...(limit ? { limit } : {}) })}`
        : undefined;
    const next = nextHref("cursor", home.openReferrals?.nextCursor);
    const startsNext = nextHref("startsCursor", home.startsOfCare?.nextCursor);
    const requestsNext = nextHref("requestsCursor", home.informationRequests?.nextCursor);
    return html(
      200,
      renderStaffHomePage({
        home,
        basePath,
        ...(next ? { nextHref: next } : {}),
        ...(startsNext ? { startsNextHref: startsNext } : {}),
        ...(requestsNext ? { requestsNextHref: requestsNext } : {}),
        // Finding a referral again: for those who open referrals (a POST, so no national ID in a URL).
        ...(hasRole(session.principal, ["assessor", "lead"])
          ? { search: { action: `${basePath}/staff/search`, csrfToken: session.csrfToken } }
          : {}),
      }),
    );
  },
);
