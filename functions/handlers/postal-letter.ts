/**
 * GET /letters/{letterId}/print: a letter that goes by post, as it was written, for a signed-in
 * clerk (or the lead) to print. It holds health data, so every view is recorded in the referral's
 * access log before it is shown. Letters that went by email are not the clerk's: 404.
 */
import { apiRoute, html } from "../adapters/http";
import { accessLog, clock, dependencies, store } from "../adapters/root";
import { accessEventOf } from "../domain/access-log";
import { parseLetterId } from "../domain/postal";
import { renderMessagePage } from "../views/message-pages";

const deps = dependencies(store, clock, accessLog);

/** What a printed letter is called in the access log. */
export const POSTAL_LETTER_VIEW = "postal-letter";

const notFound = () =>
  html(
    404,
    renderMessagePage({
      title: "Fant ikke brevet",
      paragraphs: ["Det finnes ikke noe brev til postlegging med denne lenken."],
    }),
  );

export const handler = apiRoute(
  {
    name: POSTAL_LETTER_VIEW,
    page: true,
    access: {
      roles: ["clerk", "lead"],
      referralOf: async (event) => parseLetterId(event.pathParameters?.letterId ?? "")?.referralId,
    },
  },
  async ({ event, session }) => {
    if (!session) throw new Error("a staff route without a session");
    const ref = parseLetterId(event.pathParameters?.letterId ?? "");
    if (!ref) return notFound();
    const file = await deps.store.getReferralFile(ref.referralId);
    const letter = file?.letters.find(
      (candidate) =>
        candidate.letterKind === ref.letterKind &&
        candidate.recipientRole === ref.recipientRole &&
        (candidate.requestId ?? undefined) === ref.requestId,
    );
    if (letter?.channel !== "postal") return notFound();
    // Logged before it is shown: a read that cannot be logged is not shown.
    await deps.accessLog.record(
      accessEventOf(session.principal, {
        referralId: ref.referralId,
        what: POSTAL_LETTER_VIEW,
        at: deps.clock.now(),
      }),
    );
    return html(200, letter.html);
  },
);
