/**
 * GET /helfo-notifications: the notices of missed start-of-care deadlines (fristbrudd), one per
 * breach, for the clinic to send on to Helfo. A page for a browser (Accept: text/html), CSV with
 * `Accept: text/csv` (or `format=csv`), else JSON. They identify the patient (Helfo must), so only a
 * signed-in clerk or lead reads them, like the postal list, and every read is recorded in the access
 * log of each referral listed before anything is shown. No portal or other IAM caller reads it.
 * The page marks each notice reported (POST /helfo-notifications/{referralId}/reported); the JSON
 * carries the session's `csrfToken` for a script to do the same.
 */
import { apiRoute, header, html, json, wantsCsv } from "../adapters/http";
import { accessLog, clock, dependencies, store } from "../adapters/root";
import { accessEventOf } from "../domain/access-log";
import { helfoNotificationsCsv } from "../domain/helfo-notification";
import { renderHelfoListPage } from "../views/helfo-pages";

const deps = dependencies(store, clock, accessLog);

/** What a read of the Helfo list is called in the access log. */
export const HELFO_LIST_VIEW = "helfo-notifications";

export const handler = apiRoute(
  { name: HELFO_LIST_VIEW, access: { roles: ["clerk", "lead"] } },
  async ({ event, session }) => {
    if (!session) throw new Error("a staff route without a session");
    const notifications = await deps.store.listHelfoNotifications();
    // Logged before it is shown: a read that cannot be logged is not shown.
    const at = deps.clock.now();
    await Promise.all(
      notifications.map((n) =>
        deps.accessLog.record(
          accessEventOf(session.principal, { referralId: n.referralId, what: HELFO_LIST_VIEW, at }),
        ),
      ),
    );
    if (wantsCsv(event)) {
      return {
        statusCode: 200,
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": 'attachment; filename="frist-helfo-notifications.csv"',
          "cache-control": "no-store",
        },
        body: helfoNotificationsCsv(notifications),
      };
    }
    if ((header(event, "accept") ?? "").toLowerCase().includes("text/html")) {
      return html(200, renderHelfoListPage(notifications, session.csrfToken));
    }
    // The session's anti-forgery token, for a script that then marks a notice reported.
    return json(200, { notifications, csrfToken: session.csrfToken });
  },
);
