/**
 * GET /helfo-notifications: the notices of missed start-of-care deadlines (fristbrudd), one per
 * breach, for the clinic to send on to Helfo. JSON, or CSV with `Accept: text/csv` (or `format=csv`).
 * They identify the patient (Helfo must), so the route is for staff only, like the postal list.
 */
import { json, jsonRoute, wantsCsv } from "../adapters/http";
import { dependencies, store } from "../adapters/root";
import { helfoNotificationsCsv } from "../domain/start-of-care";

const deps = dependencies(store);

export const handler = jsonRoute({ name: "reading the Helfo notifications" }, async ({ event }) => {
  const notifications = await deps.store.listHelfoNotifications();
  if (!wantsCsv(event)) return json(200, { notifications });
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="frist-helfo-notifications.csv"',
      "cache-control": "no-store",
    },
    body: helfoNotificationsCsv(notifications),
  };
});
