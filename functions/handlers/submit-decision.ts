/**
 * POST /tasks/{taskId}/decision: a clinician's decision or information request, from one of the task
 * page's forms or as JSON. The answer comes in the same form: a page for a form, JSON for JSON.
 *
 * Forgery: a form post must carry the task's own anti-forgery token (from the page's hidden field)
 * and, when the browser names one, an Origin of this host; otherwise 403 and nothing is recorded.
 * JSON needs `Content-Type: application/json`, which a cross-site HTML form cannot send.
 */
import { apiRoute, errorAnswer, html, jsonAnswer, validationFailedAnswer } from "../adapters/http";
import { logger } from "../adapters/logger";
import {
  accessLog,
  calendar,
  clock,
  config,
  dependencies,
  mailer,
  publicBaseUrl,
  renderLetters,
  store,
  workflow,
} from "../adapters/root";
import { submitDecision } from "../domain/assessment-answer";
import { osloDate } from "../domain/calendar";
import { startOfCareDeadlineWarnings } from "../domain/deadline-warnings";
import type { taskAnswerRecordedSchema } from "../domain/decision";
import type { guideSuggestionAnswerSchema } from "../domain/priority-guide";
import {
  renderDecisionRecordedPage,
  renderInformationReceivedPage,
  renderInformationRequestedPage,
  renderInformationRequestOpenPage,
} from "../views/message-pages";
import { logTaskPageShownAgain, readTaskFormPost, taskFormRoute, taskRefusalAnswer } from "./task-form";
import { taskPageHtml } from "./task-page-view";

const deps = dependencies(
  store,
  workflow,
  mailer,
  renderLetters,
  config,
  clock,
  calendar,
  publicBaseUrl,
  accessLog,
);
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
  taskFormRoute(deps.store, { name: "recording a decision", maxBodyBytes: MAX_BODY_BYTES }),
  async (request) => {
    const post = readTaskFormPost(request, deps.config.intakeTeam);
    const { fromForm, back } = post;
    // The author is the signed-in person: whatever the body says in `assessedBy` is replaced.
    const signedInAs = post.author;
    const body: Record<string, unknown> = { ...post.body, assessedBy: signedInAs };
    const result = await submitDecision(deps, post.taskId, body, {
      form: { csrfToken: post.csrfToken },
      confirmUnusualDeadline: fromForm,
    });
    const pageContext = {
      today: osloDate(deps.clock.now()),
      config: deps.config,
      servedFrom: "form-post" as const,
    };
    switch (result.kind) {
      case "unknown":
      case "gone":
      case "forbidden":
        return taskRefusalAnswer(result, post);
      case "busy": {
        // The workflow was between two waits (a reminder or an escalation going out): the task is
        // open again, and the same link works in a moment.
        const message =
          "Vurderingen ble ikke lagret fordi oppgaven var opptatt et øyeblikk. Prøv å sende den igjen.";
        if (!fromForm) {
          return errorAnswer(
            503,
            { error: "task_busy", message: "try again in a few seconds" },
            { "retry-after": "5" },
          );
        }
        await logTaskPageShownAgain(deps, request, result.view.referral.referralId);
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
        if (!fromForm) return validationFailedAnswer(result.issues);
        await logTaskPageShownAgain(deps, request, result.view.referral.referralId);
        return html(
          400,
          taskPageHtml(result.view, pageContext, {
            errors: result.issues,
            values: valuesOf(body),
            signedInAs,
          }),
        );
      }
      case "confirm-deadline": {
        // Only a form asks: the page again (a read of the referral, logged), filled in, with the
        // warnings and a box that confirms this date; nothing is recorded until it is posted.
        await logTaskPageShownAgain(deps, request, result.view.referral.referralId);
        return html(
          200,
          taskPageHtml(result.view, pageContext, {
            warnings: result.warnings,
            values: valuesOf(body),
            signedInAs,
          }),
        );
      }
      case "guide-suggestion": {
        // Nothing recorded: the page again (a read of the referral, logged) with the guide's
        // suggestion for the chosen condition; a JSON caller gets the suggestion itself.
        if (!fromForm) {
          return jsonAnswer<typeof guideSuggestionAnswerSchema>(200, {
            condition: result.condition.id,
            suggestion: result.suggestion,
          });
        }
        await logTaskPageShownAgain(deps, request, result.view.referral.referralId);
        return html(
          200,
          taskPageHtml(result.view, pageContext, { values: { condition: result.condition.id }, signedInAs }),
        );
      }
      case "information-requested":
        logger.info("information requested", { referralId: result.referralId, requestId: result.requestId });
        return fromForm
          ? html(200, renderInformationRequestedPage({ referralId: result.referralId, taskHref: back }))
          : jsonAnswer<typeof taskAnswerRecordedSchema>(200, {
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
                taskHref: back,
              }),
            )
          : errorAnswer(409, {
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
                taskHref: back,
              }),
            )
          : result.kind === "information-received"
            ? jsonAnswer<typeof taskAnswerRecordedSchema>(200, {
                referralId: result.referralId,
                outcome: "information-received",
                status: "recorded",
              })
            : // The fields it had before it carried the error's code, for callers that read them.
              errorAnswer(409, {
                error: "no_open_request",
                referralId: result.referralId,
                outcome: "information-received",
                status: "no_open_request",
              });
      default: {
        const warnings =
          result.decision.outcome === "granted"
            ? startOfCareDeadlineWarnings(
                result.decision.startOfCareDeadline,
                pageContext.today,
                deps.calendar,
              )
            : [];
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
          : jsonAnswer<typeof taskAnswerRecordedSchema>(200, {
              referralId: result.referralId,
              outcome: result.decision.outcome,
              status: "recorded",
              // What the form would have asked to confirm (a non-working day, the day after).
              ...(warnings.length > 0 ? { warnings } : {}),
            });
      }
    }
  },
);
