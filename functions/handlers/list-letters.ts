/**
 * GET /letters?status=awaiting-postal: the letters someone must post, oldest first, from an index,
 * for a signed-in clerk (or the lead). A browser (Accept: text/html) gets the clerk's page, with a
 * print link and a "sent" form per letter; anything else gets the JSON list, with the session's
 * anti-forgery token for a script that then marks letters sent.
 */
import {
  apiRoute,
  header,
  html,
  jsonAnswer,
  validationFailed,
  validationFailedAnswer,
} from "../adapters/http";
import { accessLog, clock, dependencies, postalQueue } from "../adapters/root";
import { accessEventOf } from "../domain/access-log";
import { InvalidPostalCursor, parsePostalQuery, type postalListSchema } from "../domain/postal";
import { renderPostalListPage } from "../views/postal-pages";

const deps = dependencies(postalQueue, accessLog, clock);

/** What a read of the postal list (names, addresses) is called in the access log. */
export const POSTAL_LIST_VIEW = "postal-list";

/** True when the caller asked for a page (a browser's Accept names text/html). */
const wantsPage = (accept: string | undefined) => (accept ?? "").toLowerCase().includes("text/html");

export const handler = apiRoute(
  { name: "reading the postal list", access: { roles: ["clerk", "lead"] } },
  async ({ event, session }) => {
    if (!session) throw new Error("a staff route without a session");
    const page = wantsPage(header(event, "accept"));
    const { posted, ...params } = event.queryStringParameters ?? {};
    // The clerk's bookmark may be plain /letters: the page shows the one list there is.
    const query = parsePostalQuery(page ? { status: "awaiting-postal", ...params } : params);
    if (!query.ok) return validationFailedAnswer(query.issues);
    const list = await deps.postalQueue.page(query.value).catch((error: unknown) => {
      throw error instanceof InvalidPostalCursor ? validationFailed("cursor", error.message) : error;
    });
    // The list names recipients and the patient's address: logged per referral before it is shown.
    const at = deps.clock.now();
    const referralIds = [...new Set(list.letters.map((letter) => letter.referralId))];
    await Promise.all(
      referralIds.map((referralId) =>
        deps.accessLog.record(accessEventOf(session.principal, { referralId, what: POSTAL_LIST_VIEW, at })),
      ),
    );
    if (!page) return jsonAnswer<typeof postalListSchema>(200, { ...list, csrfToken: session.csrfToken });
    return html(
      200,
      renderPostalListPage({
        letters: list.letters,
        csrfToken: session.csrfToken,
        ...(list.nextCursor ? { nextCursor: list.nextCursor } : {}),
        ...(posted === "1" ? { notice: "Brevet er merket som sendt" } : {}),
      }),
    );
  },
);
