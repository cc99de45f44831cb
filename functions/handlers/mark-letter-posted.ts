/**
 * POST /letters/{letterId}/sent: a signed-in clerk (or the lead) posted a letter; it leaves the
 * postal list, and the audit trail names who. From the list page's form (answered by going back to
 * the list) or by a script (no body or JSON, answered with JSON).
 *
 * Forgery: the route's `form` security (checked by the wrapper): a form post carries the session's
 * anti-forgery token (`csrfToken`) and, when the browser names one, an Origin of this host; a script
 * sends the token in `X-CSRF-Token` (from the JSON list). Otherwise 403, nothing recorded.
 */
import { apiRoute, errorAnswer, html, jsonAnswer } from "../adapters/http";
import { logger } from "../adapters/logger";
import { clock, dependencies, store } from "../adapters/root";
import { type letterPostedSchema, markLetterPosted, parseLetterId } from "../domain/postal";
import { actorIdOf } from "../domain/session";
import { renderMessagePage } from "../views/message-pages";

const deps = dependencies(store, clock);

const MAX_FORM_BYTES = 4 * 1024;

/** Back to the list from /letters/{letterId}/sent. */
const LIST = "../../letters?status=awaiting-postal";

const page = (status: number, title: string, paragraphs: string[]) =>
  html(status, renderMessagePage({ title, paragraphs, link: { href: LIST, text: "Tilbake til listen" } }));

const formExpired = () =>
  page(403, "Skjemaet er utløpt", [
    "Skjemaet er utløpt eller kom ikke fra listen over brev til postlegging, så ingenting er registrert.",
  ]);

export const handler = apiRoute(
  {
    name: "marking a letter posted",
    access: {
      roles: ["clerk", "lead"],
      referralOf: async (event) => parseLetterId(event.pathParameters?.letterId ?? "")?.referralId,
    },
    // No `accepts`: a script may post no body at all (as before sign-in); a form's is read for its token.
    maxBodyBytes: MAX_FORM_BYTES,
    form: { token: "session", expired: formExpired, tokenFrom: "GET /letters" },
  },
  async (request) => {
    const { event, fromForm, session } = request;
    if (!session) throw new Error("a staff route without a session");
    const letterId = event.pathParameters?.letterId ?? "";
    const actor = { kind: "staff" as const, id: actorIdOf(session.principal) };
    const result = await markLetterPosted(deps, letterId, actor);
    switch (result.kind) {
      case "unknown":
        return fromForm
          ? page(404, "Fant ikke brevet", ["Det finnes ikke noe brev med denne lenken."])
          : errorAnswer(404, { error: "not_found", message: "no letter with this id" });
      case "not-awaiting":
        return fromForm
          ? page(409, "Brevet venter ikke på postlegging", [
              "Brevet er allerede merket som sendt, eller det gikk med e-post. Ingenting er endret.",
            ])
          : errorAnswer(409, {
              error: "not_awaiting_postal",
              message: "the letter is not waiting for postal dispatch (already posted, emailed or unknown)",
            });
      default:
        logger.info("letter posted", { referralId: parseLetterId(letterId)?.referralId });
        return fromForm
          ? {
              statusCode: 303,
              headers: { location: `${LIST}&posted=1`, "cache-control": "no-store" },
              body: "",
            }
          : jsonAnswer<typeof letterPostedSchema>(200, {
              letterId: result.letterId,
              status: "sent",
              sentAt: result.sentAt,
            });
    }
  },
);
