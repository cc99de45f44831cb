/**
 * POST /tasks/{taskId}/decision: a clinician's decision or information request, from one of the task
 * page's forms or as JSON. The answer comes in the same form: a page for a form, JSON for JSON.
 *
 * Forgery: a form post must carry the task's own anti-forgery token (from the page's hidden field)
 * and, when the browser names one, an Origin of this host; otherwise 403 and nothing is recorded.
 * JSON needs `Content-Type: application/json`, which a cross-site HTML form cannot send.
 */
import { apiRoute, header, html, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import {
  calendar,
  clock,
  config,
  dependencies,
  mailer,
  publicBaseUrl,
  store,
  workflow,
} from "../adapters/root";
import { submitDecision } from "../domain/assessment";
import { osloDate } from "../domain/calendar";
import { originAllowed } from "../domain/csrf";
import { authorOf } from "../domain/session";
import {
  renderDecisionRecordedPage,
  renderFormExpiredPage,
  renderInformationReceivedPage,
  renderInformationRequestedPage,
  renderInformationRequestOpenPage,
  renderTaskGonePage,
} from "../views/message-pages";
import { referralOfTask, taskLinks, taskPageHtml } from "./task-page-view";

const deps = dependencies(store, workflow, mailer, config, clock, calendar, publicBaseUrl);
const MAX_BODY_BYTES = 64 * 1024;

/** What a rejected form shows back: the submitted values, never the anti-forgery token. */
function valuesOf(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([key]) => key !== "csrfToken")
      .map(([key, value]) => [key, String(value)]),
  );
}

export const handler = apiRoute(
  {
    name: "recording a decision",
    accepts: ["application/x-www-form-urlencoded", "application/json"],
    maxBodyBytes: MAX_BODY_BYTES,
    access: {
      roles: ["assessor", "lead"],
      referralOf: (event) => referralOfTask(deps.store, event.pathParameters?.taskId),
    },
    guard: ({ event, fromForm }) =>
      fromForm && !originAllowed(header(event, "origin"), header(event, "host"))
        ? html(
            403,
            renderFormExpiredPage({ taskHref: taskLinks(event.pathParameters?.taskId ?? "").fromDecision }),
          )
        : undefined,
  },
  async (request) => {
    const taskId = request.event.pathParameters?.taskId ?? "";
    const links = taskLinks(taskId);
    const { fromForm } = request;
    const principal = request.session?.principal;
    if (principal?.kind !== "staff") throw new Error("a staff route without a staff session");
    // The author is the signed-in person: whatever the body says in `assessedBy` is replaced.
    const signedInAs = authorOf(principal, deps.config.intakeTeam);
    const body: Record<string, unknown> = {
      ...(request.body() as Record<string, unknown>),
      assessedBy: signedInAs,
    };
    const csrfToken = fromForm ? body.csrfToken : header(request.event, "x-csrf-token");
    const result = await submitDecision(deps, taskId, body, { form: { csrfToken } });
    const pageContext = { today: osloDate(deps.clock.now()), config: deps.config };
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
        return fromForm
          ? html(403, renderFormExpiredPage({ taskHref: links.fromDecision }))
          : json(403, {
              error: "csrf_token_mismatch",
              message: "send the task page's csrfToken in the X-CSRF-Token header",
            });
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
            signedInAs,
          }),
        );
      }
      case "invalid": {
        if (!fromForm) return json(400, { error: "validation_failed", issues: result.issues });
        return html(
          400,
          taskPageHtml(result.view, pageContext, {
            errors: result.issues,
            values: valuesOf(body),
            signedInAs,
          }),
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
      case "information-request-open":
        // One open request per task: nothing recorded, nothing sent.
        return fromForm
          ? html(
              409,
              renderInformationRequestOpenPage({
                ...(result.openSince ? { openSince: result.openSince } : {}),
                taskHref: links.fromDecision,
              }),
            )
          : json(409, {
              error: "information_request_open",
              message:
                "the task already has an open information request; record the referrer's answer (outcome information-received) before asking again",
              ...(result.openSince ? { openSince: result.openSince } : {}),
            });
      case "information-received":
      case "no-open-request":
        logger.info("information received", { referralId: result.referralId, closed: result.kind });
        return fromForm
          ? html(
              result.kind === "information-received" ? 200 : 409,
              renderInformationReceivedPage({
                closed: result.kind === "information-received",
                taskHref: links.fromDecision,
              }),
            )
          : json(result.kind === "information-received" ? 200 : 409, {
              referralId: result.referralId,
              outcome: "information-received",
              status: result.kind === "information-received" ? "recorded" : "no_open_request",
            });
      default:
        logger.info("decision recorded", {
          referralId: result.referralId,
          outcome: result.decision.outcome,
          // false: stored, the workflow not yet told; the pending decision is resumed by the reconciler.
          resumed: result.resumed,
        });
        return fromForm
          ? html(
              200,
              renderDecisionRecordedPage({
                referralId: result.referralId,
                // From /tasks/{taskId}/decision to /staff/referrals/{referralId}.
                referralHref: `../../staff/referrals/${encodeURIComponent(result.referralId)}`,
              }),
            )
          : json(200, {
              referralId: result.referralId,
              outcome: result.decision.outcome,
              status: "recorded",
            });
    }
  },
);
