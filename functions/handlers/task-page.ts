/** GET /tasks/{taskId}: the staff task page. It only reads: mail scanners follow links. */
import { apiRoute, html } from "../adapters/http";
import { dependencies } from "../adapters/root";
import { viewTask } from "../domain/assessment";
import { osloDate } from "../domain/calendar";
import { renderTaskGonePage } from "../views/staff-pages";
import { taskPageHtml } from "./task-page-view";

const deps = dependencies("store", "clock", "calendar", "config");

export const handler = apiRoute({ name: "showing a task", page: true }, async ({ event }) => {
  const view = await viewTask(deps, event.pathParameters?.taskId ?? "");
  switch (view.kind) {
    case "unknown":
      return html(404, renderTaskGonePage({ reason: "unknown" }));
    case "gone":
      return html(410, renderTaskGonePage({ reason: view.reason }));
    default:
      return html(200, taskPageHtml(view, { today: osloDate(deps.clock.now()), config: deps.config }));
  }
});
