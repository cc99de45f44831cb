/**
 * POST /tasks/{taskId}/priority: staff change a waiting referral's priority (urgent or ordinary) with
 * a reason, from the task page's form or as JSON. The author is the signed-in person. A form post
 * must carry the task's anti-forgery token and, when the browser names one, an Origin of this host.
 */
import { apiRoute, html, jsonAnswer, validationFailedAnswer } from "../adapters/http";
import { logger } from "../adapters/logger";
import { accessLog, calendar, clock, config, dependencies, store, workflow } from "../adapters/root";
import { osloDate } from "../domain/calendar";
import { changePriority, type priorityChangedSchema } from "../domain/priority";
import { PRIORITY_LABELS } from "../domain/referral-labels";
import { renderMessagePage } from "../views/message-pages";
import { logTaskPageShownAgain, readTaskFormPost, taskFormRoute, taskRefusalAnswer } from "./task-form";
import { taskPageHtml } from "./task-page-view";

const deps = dependencies(store, workflow, config, clock, calendar, accessLog);

export const handler = apiRoute(
  taskFormRoute(deps.store, { name: "changing the priority", maxBodyBytes: 16 * 1024 }),
  async (request) => {
    const post = readTaskFormPost(request, deps.config.intakeTeam);
    const { fromForm, author } = post;
    const result = await changePriority(deps, post.taskId, post.body, author, {
      form: { csrfToken: post.csrfToken },
    });
    switch (result.kind) {
      case "unknown":
      case "gone":
      case "forbidden":
        return taskRefusalAnswer(result, post);
      case "invalid":
        if (!fromForm) return validationFailedAnswer(result.issues);
        await logTaskPageShownAgain(deps, request, result.view.referral.referralId);
        return html(
          400,
          taskPageHtml(
            result.view,
            { today: osloDate(deps.clock.now()), config: deps.config, servedFrom: "form-post" },
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
                link: { href: post.back, text: "Tilbake til oppgaven" },
              }),
            )
          : jsonAnswer<typeof priorityChangedSchema>(200, {
              referralId: result.referralId,
              priority: result.change.to,
              status: "changed",
            });
    }
  },
);
