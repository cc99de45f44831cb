/**
 * POST /tasks/{taskId}/decision: a clinician's decision or information request, from one of the task
 * page's forms or as JSON. The answer comes in the same form: a page for a form, JSON for JSON.
 *
 * Forgery: a form post must carry the task's own anti-forgery token (from the page's hidden field)
 * and, when the browser names one, an Origin of this host; otherwise 403 and nothing is recorded.
 * JSON needs `Content-Type: application/json`, which a cross-site HTML form cannot send.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { bodyText, header, html, internalError, json, mediaType } from "../adapters/http";
import { logger } from "../adapters/logger";
import { mailerFromEnv, referralStoreFromEnv, workflowFromEnv } from "../adapters/wiring";
import { submitDecision } from "../domain/assessment";
import { osloDate } from "../domain/calendar";
import { calendarRulesOf } from "../domain/clinic";
import { originAllowed } from "../domain/csrf";
import {
  renderDecisionRecordedPage,
  renderFormExpiredPage,
  renderInformationRequestedPage,
  renderTaskGonePage,
} from "../views/staff-pages";
import { taskLinks, taskPageHtml } from "./task-page-view";

const config = clinicConfigFromEnv();
const deps = {
  store: referralStoreFromEnv(),
  workflow: workflowFromEnv(),
  mailer: mailerFromEnv(),
  config,
  clock: systemClock,
  calendar: calendarRulesOf(config.legalClock),
};
const MAX_BODY_BYTES = 64 * 1024;

/** What a rejected form shows back: the submitted values, never the anti-forgery token. */
function valuesOf(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([key]) => key !== "csrfToken")
      .map(([key, value]) => [key, String(value)]),
  );
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const taskId = event.pathParameters?.taskId ?? "";
  const links = taskLinks(taskId);
  const type = mediaType(event);
  const fromForm = type === "application/x-www-form-urlencoded";
  if (!fromForm && type !== "application/json") {
    return json(415, {
      error: "unsupported_media_type",
      message: "Content-Type must be application/x-www-form-urlencoded or application/json",
    });
  }
  if (fromForm && !originAllowed(header(event, "origin"), header(event, "host"))) {
    return html(403, renderFormExpiredPage({ taskHref: links.fromDecision }));
  }
  const text = bodyText(event);
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    return json(413, {
      error: "payload_too_large",
      message: `the body must be at most ${MAX_BODY_BYTES} bytes`,
    });
  }
  let body: Record<string, unknown>;
  if (fromForm) {
    body = Object.fromEntries(new URLSearchParams(text));
  } else {
    try {
      body = JSON.parse(text);
    } catch {
      return json(400, { error: "invalid_json", message: "the body is not valid JSON" });
    }
  }

  try {
    const result = await submitDecision(
      deps,
      taskId,
      body,
      fromForm ? { form: { csrfToken: body.csrfToken } } : {},
    );
    const pageContext = { today: osloDate(deps.clock.now()), config };
    switch (result.kind) {
      case "unknown":
        return fromForm
          ? html(404, renderTaskGonePage({ reason: "unknown" }))
          : json(404, { error: "not_found", message: "no task with this id" });
      case "gone":
        return fromForm
          ? html(410, renderTaskGonePage({ reason: result.reason }))
          : json(410, { error: "task_gone", reason: result.reason });
      case "forbidden":
        return html(403, renderFormExpiredPage({ taskHref: links.fromDecision }));
      case "busy": {
        // The workflow was between two waits (a reminder or an escalation going out): the task is
        // open again, and the same link works in a moment.
        const message =
          "Vurderingen ble ikke lagret fordi oppgaven var opptatt et øyeblikk. Prøv å sende den igjen.";
        if (!fromForm) {
          return json(
            503,
            { error: "task_busy", message: "try again in a few seconds" },
            { "retry-after": "5" },
          );
        }
        return html(
          503,
          taskPageHtml(result.view, pageContext, {
            errors: [{ path: "form", message }],
            values: valuesOf(body),
          }),
        );
      }
      case "invalid": {
        if (!fromForm) return json(400, { error: "validation_failed", issues: result.issues });
        return html(
          400,
          taskPageHtml(result.view, pageContext, { errors: result.issues, values: valuesOf(body) }),
        );
      }
      case "information-requested":
        logger.info("information requested", { referralId: result.referralId, requestId: result.requestId });
        return fromForm
          ? html(
              200,
              renderInformationRequestedPage({ referralId: result.referralId, taskHref: links.fromDecision }),
            )
          : json(200, {
              referralId: result.referralId,
              outcome: "information-requested",
              status: "requested",
              requestId: result.requestId,
            });
      default:
        logger.info("decision recorded", { referralId: result.referralId, outcome: result.decision.outcome });
        return fromForm
          ? html(200, renderDecisionRecordedPage({ referralId: result.referralId }))
          : json(200, {
              referralId: result.referralId,
              outcome: result.decision.outcome,
              status: "recorded",
            });
    }
  } catch (error) {
    logger.error("recording a decision failed", error);
    return internalError();
  }
};
