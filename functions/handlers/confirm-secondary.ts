/**
 * POST /tasks/{taskId}/secondary: a signed-in assessor or lead answers whether a secondary referral
 * concerns the condition already rights-assessed (`sameCondition`: `yes` → acknowledged and closed;
 * `no` → assessed as a new referral through the same task link). Form (with the task page's
 * anti-forgery token and a same-host Origin) or JSON (token in `X-CSRF-Token`).
 */
import { apiRoute, errorAnswer, html, jsonAnswer, validationFailedAnswer } from "../adapters/http";
import { logger } from "../adapters/logger";
import { calendar, clock, config, dependencies, store, workflow } from "../adapters/root";
import { confirmSecondary, type secondaryConfirmedSchema } from "../domain/secondary";
import { renderMessagePage } from "../views/message-pages";
import { readTaskFormPost, taskFormRoute, taskRefusalAnswer } from "./task-form";

const deps = dependencies(store, workflow, config, clock, calendar);

export const handler = apiRoute(
  taskFormRoute(deps.store, { name: "confirming a secondary referral", maxBodyBytes: 4 * 1024 }),
  async (request) => {
    const post = readTaskFormPost(request, deps.config.intakeTeam);
    const { fromForm, back } = post;
    const result = await confirmSecondary(deps, post.taskId, post.body, post.author, {
      form: { csrfToken: post.csrfToken },
    });
    switch (result.kind) {
      case "unknown":
      case "gone":
      case "forbidden":
        return taskRefusalAnswer(result, post);
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
          : errorAnswer(409, { error: "not_awaiting_confirmation" });
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
          : validationFailedAnswer(result.issues);
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
          : jsonAnswer<typeof secondaryConfirmedSchema>(200, {
              referralId: result.referralId,
              sameCondition: result.sameCondition,
              status: "confirmed",
            });
    }
  },
);
