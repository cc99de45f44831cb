/**
 * POST /tasks/{taskId}/priority: staff change a waiting referral's priority (urgent or ordinary) with
 * a reason, from the task page's form or as JSON. The author is the signed-in person. A form post
 * must carry the task's anti-forgery token and, when the browser names one, an Origin of this host.
 */
import { apiRoute, header, html, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { calendar, clock, config, dependencies, store, workflow } from "../adapters/root";
import { osloDate } from "../domain/calendar";
import { originAllowed } from "../domain/csrf";
import { changePriority } from "../domain/priority";
import { PRIORITY_LABELS } from "../domain/referral-labels";
import { authorOf } from "../domain/session";
import { renderFormExpiredPage, renderMessagePage, renderTaskGonePage } from "../views/message-pages";
import { referralOfTask, taskLinks, taskPageHtml } from "./task-page-view";

const deps = dependencies(store, workflow, config, clock, calendar);

export const handler = apiRoute(
  {
    name: "changing the priority",
    accepts: ["application/x-www-form-urlencoded", "application/json"],
    maxBodyBytes: 16 * 1024,
    access: {
      roles: ["assessor", "lead"],
      referralOf: (event) => referralOfTask(deps.store, event.pathParameters?.taskId),
    },
    guard: ({ event, fromForm }) =>
      fromForm && !originAllowed(header(event, "origin"), header(event, "host"))
        ? html(
            403,
            renderFormExpiredPage({ taskHref: taskLinks(event.pathParameters?.taskId ?? "").fromPriority }),
          )
        : undefined,
  },
  async (request) => {
    const taskId = request.event.pathParameters?.taskId ?? "";
    const links = taskLinks(taskId);
    const { fromForm } = request;
    const principal = request.session?.principal;
    if (principal?.kind !== "staff") throw new Error("a staff route without a staff session");
    const author = authorOf(principal, deps.config.intakeTeam);
    const body = request.body() as Record<string, unknown>;
    const csrfToken = fromForm ? body.csrfToken : header(request.event, "x-csrf-token");
    const result = await changePriority(deps, taskId, body, author, { form: { csrfToken } });
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
          ? html(403, renderFormExpiredPage({ taskHref: links.fromPriority }))
          : json(403, {
              error: "csrf_token_mismatch",
              message: "send the task page's csrfToken in the X-CSRF-Token header",
            });
      case "invalid":
        if (!fromForm) return json(400, { error: "validation_failed", issues: result.issues });
        return html(
          400,
          taskPageHtml(
            result.view,
            { today: osloDate(deps.clock.now()), config: deps.config },
            {
              errors: result.issues.map((issue) => ({ ...issue, path: `priority.${issue.path}` })),
              signedInAs: author,
            },
          ),
        );
      default:
        logger.info("priority changed", {
          referralId: result.referralId,
          to: result.change.to,
          // false: the workflow was not told at once; its next timer step reads the new priority.
          retimed: result.retimed,
        });
        return fromForm
          ? html(
              200,
              renderMessagePage({
                title: "Prioriteten er endret",
                paragraphs: [
                  `Henvisning ${result.referralId} har nå prioritet ${PRIORITY_LABELS[result.change.to].toLowerCase()}. Endringen og begrunnelsen er registrert på deg: ${author}.`,
                  "Påminnelser og interne frister følger den nye prioriteten. Den juridiske fristen for vurderingen er den samme.",
                ],
                link: { href: links.fromPriority, text: "Tilbake til oppgaven" },
              }),
            )
          : json(200, {
              referralId: result.referralId,
              priority: result.change.to,
              status: "changed",
            });
    }
  },
);
