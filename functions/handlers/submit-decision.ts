/**
 * POST /tasks/{taskId}/decision: a clinician's decision, from the task page's form or as JSON. The
 * answer comes in the same form: a page for the form, JSON for JSON.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { bodyText, html, internalError, json, mediaType } from "../adapters/http";
import { logger } from "../adapters/logger";
import { referralStoreFromEnv, workflowFromEnv } from "../adapters/wiring";
import { submitDecision } from "../domain/assessment";
import { calendarRulesOf } from "../domain/clinic";
import { renderDecisionRecordedPage, renderTaskGonePage } from "../domain/staff-pages";
import { taskPageHtml } from "./task-page-view";

const deps = {
  store: referralStoreFromEnv(),
  workflow: workflowFromEnv(),
  clock: systemClock,
  calendar: calendarRulesOf(clinicConfigFromEnv().legalClock),
};
const MAX_BODY_BYTES = 64 * 1024;

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const taskId = event.pathParameters?.taskId ?? "";
  const type = mediaType(event);
  const fromForm = type === "application/x-www-form-urlencoded";
  if (!fromForm && type !== "application/json") {
    return json(415, {
      error: "unsupported_media_type",
      message: "Content-Type must be application/x-www-form-urlencoded or application/json",
    });
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
    const result = await submitDecision(deps, taskId, body);
    switch (result.kind) {
      case "unknown":
        return fromForm
          ? html(404, renderTaskGonePage({ reason: "unknown" }))
          : json(404, { error: "not_found", message: "no task with this id" });
      case "gone":
        return fromForm
          ? html(410, renderTaskGonePage({ reason: result.reason }))
          : json(410, { error: "task_gone", reason: result.reason });
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
        const values = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
        return html(503, taskPageHtml(result.view, { errors: [{ path: "form", message }], values }));
      }
      case "invalid": {
        if (!fromForm) return json(400, { error: "validation_failed", issues: result.issues });
        const values = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
        return html(400, taskPageHtml(result.view, { errors: result.issues, values }));
      }
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
