/** GET /tasks/{taskId}: the staff task page. It only reads: mail scanners follow links. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { html, internalError } from "../adapters/http";
import { logger } from "../adapters/logger";
import { referralStoreFromEnv } from "../adapters/wiring";
import { viewTask } from "../domain/assessment";
import { osloDate } from "../domain/calendar";
import { calendarRulesOf } from "../domain/clinic";
import { renderTaskGonePage } from "../views/staff-pages";
import { taskPageHtml } from "./task-page-view";

const config = clinicConfigFromEnv();
const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  calendar: calendarRulesOf(config.legalClock),
};

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const taskId = event.pathParameters?.taskId ?? "";
  try {
    const view = await viewTask(deps, taskId);
    switch (view.kind) {
      case "unknown":
        return html(404, renderTaskGonePage({ reason: "unknown" }));
      case "gone":
        return html(410, renderTaskGonePage({ reason: view.reason }));
      default:
        return html(200, taskPageHtml(view, { today: osloDate(deps.clock.now()), config }));
    }
  } catch (error) {
    logger.error("showing a task failed", error);
    return internalError();
  }
};
