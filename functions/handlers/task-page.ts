/**
 * GET /tasks/{taskId}: the staff task page, for a signed-in assessor or lead. It changes nothing but
 * the access log (mail scanners follow links, and without a session they reach only sign-in).
 */
import { apiRoute, html } from "../adapters/http";
import { accessLog, calendar, clock, config, dependencies, store } from "../adapters/root";
import { accessEventOf } from "../domain/access-log";
import { viewTask } from "../domain/assessment-answer";
import { osloDate } from "../domain/calendar";
import { authorOf } from "../domain/session";
import { renderTaskGonePage } from "../views/message-pages";
import { referralOfTask, TASK_PAGE_VIEW, taskPageHtml } from "./task-page-view";

const deps = dependencies(store, clock, calendar, config, accessLog);

export const handler = apiRoute(
  {
    name: "task-page",
    page: true,
    access: {
      roles: ["assessor", "lead"],
      referralOf: (event) => referralOfTask(deps.store, event.pathParameters?.taskId),
    },
  },
  async ({ event, session }) => {
    const view = await viewTask(deps, event.pathParameters?.taskId ?? "");
    switch (view.kind) {
      case "unknown":
        return html(404, renderTaskGonePage({ reason: "unknown" }));
      case "gone":
        return html(410, renderTaskGonePage({ reason: view.reason }));
      default: {
        const principal = session?.principal;
        if (principal?.kind !== "staff") throw new Error("a staff route without a staff session");
        await deps.accessLog.record(
          accessEventOf(principal, {
            referralId: view.referral.referralId,
            what: TASK_PAGE_VIEW,
            at: deps.clock.now(),
          }),
        );
        return html(
          200,
          taskPageHtml(
            view,
            { today: osloDate(deps.clock.now()), config: deps.config },
            { signedInAs: authorOf(principal, deps.config.intakeTeam) },
          ),
        );
      }
    }
  },
);
