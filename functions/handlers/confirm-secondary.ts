/**
 * POST /tasks/{taskId}/secondary: a signed-in assessor or lead answers whether a secondary referral
 * concerns the condition already rights-assessed (`sameCondition`: `yes` → acknowledged and closed;
 * `no` → assessed as a new referral through the same task link). Form (with the task page's
 * anti-forgery token and a same-host Origin) or JSON (token in `X-CSRF-Token`).
 */
import { apiRoute, header, html, json } from "../adapters/http";
import { logger } from "../adapters/logger";
import { calendar, clock, config, dependencies, store, workflow } from "../adapters/root";
import { originAllowed } from "../domain/csrf";
import { confirmSecondary } from "../domain/secondary";
import { authorOf } from "../domain/session";
import { renderFormExpiredPage, renderMessagePage, renderTaskGonePage } from "../views/message-pages";
import { referralOfTask, taskLinks } from "./task-page-view";

const deps = dependencies(store, workflow, config, clock, calendar);

export const handler = apiRoute(
  {
    name: "confirming a secondary referral",
    accepts: ["application/x-www-form-urlencoded", "application/json"],
    maxBodyBytes: 4 * 1024,
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
    const back = taskLinks(taskId).fromPriority;
    const { fromForm } = request;
    const principal = request.session?.principal;
    if (principal?.kind !== "staff") throw new Error("a staff route without a staff session");
    const author = authorOf(principal, deps.config.intakeTeam);
    const body = request.body() as Record<string, unknown>;
    const csrfToken = fromForm ? body.csrfToken : header(request.event, "x-csrf-token");
    const result = await confirmSecondary(deps, taskId, body, author, { form: { csrfToken } });
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
          ? html(403, renderFormExpiredPage({ taskHref: back }))
          : json(403, {
              error: "csrf_token_mismatch",
              message: "send the task page's csrfToken in the X-CSRF-Token header",
            });
      case "not-awaiting":
        return fromForm
          ? html(
              409,
              renderMessagePage({
                title: "Henvisningen venter ikke på bekreftelse",
                paragraphs: ["Den er allerede bekreftet, eller den vurderes nå som en ny henvisning."],
                link: { href: back, text: "Tilbake til oppgaven" },
              }),
            )
          : json(409, { error: "not_awaiting_confirmation" });
      case "invalid":
        return fromForm
          ? html(
              400,
              renderMessagePage({
                title: "Ikke registrert",
                paragraphs: ["Velg om henvisningen gjelder samme tilstand som den tidligere vurderingen."],
                link: { href: back, text: "Tilbake til oppgaven" },
              }),
            )
          : json(400, { error: "validation_failed", issues: result.issues });
      default:
        logger.info("secondary referral confirmed", {
          referralId: result.referralId,
          sameCondition: result.sameCondition,
        });
        return fromForm
          ? html(
              200,
              renderMessagePage({
                title: result.sameCondition ? "Bekreftet: samme tilstand" : "Vurderes som ny henvisning",
                paragraphs: [
                  result.sameCondition
                    ? "Henviser får en bekreftelse på mottatt henvisning, og henvisningen avsluttes uten ny rettighetsvurdering."
                    : "Henvisningen rettighetsvurderes som en ny henvisning innen fristen. Oppgaven åpnes for vurdering om et øyeblikk.",
                ],
                link: result.sameCondition ? null : { href: back, text: "Til vurderingen" },
              }),
            )
          : json(200, {
              referralId: result.referralId,
              sameCondition: result.sameCondition,
              status: "confirmed",
            });
    }
  },
);
