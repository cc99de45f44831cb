/**
 * GET /access-log/{referralId}: the clinic lead reads who opened a referral's health data (and who
 * was refused), as a page or, with `Accept: application/json`, as JSON.
 */
import { apiRoute, header, html, json } from "../adapters/http";
import { accessLog, dependencies } from "../adapters/root";
import { renderAccessLogPage } from "../views/access-log-page";

const deps = dependencies(accessLog);
const REFERRAL_ID = /^[0-9a-f-]{36}$/;

export const handler = apiRoute(
  { name: "reading the access log", page: true, access: { roles: ["lead"] } },
  async ({ event }) => {
    const referralId = event.pathParameters?.referralId ?? "";
    const events = REFERRAL_ID.test(referralId) ? await deps.accessLog.list(referralId) : [];
    if ((header(event, "accept") ?? "").includes("application/json")) {
      return json(200, { referralId, events });
    }
    return html(200, renderAccessLogPage({ referralId, events }));
  },
);
