/**
 * GET /staff/referrals/{referralId}: one referral for a signed-in assessor or lead: the submission,
 * the clock, the decision, the start of care (with its form) and the letters. Every read is recorded
 * in the access log (who, role, when, what) before anything is shown; a refused attempt is logged
 * too. With `Accept: application/json` the same read answers the staff view as JSON, with the
 * session's anti-forgery token for scripts that then record the start of care.
 * GET /referrals/{referralId} stays the portals' view.
 */
import { apiRoute, header, html, jsonAnswer } from "../adapters/http";
import { accessLog, clock, dependencies, store } from "../adapters/root";
import { osloDate } from "../domain/calendar";
import type { staffReferralPageSchema } from "../domain/referral";
import { referralView } from "../domain/referral-view";
import { hasRole } from "../domain/session";
import { renderMessagePage } from "../views/message-pages";
import { logReferralView, REFERRAL_ID, referralLinks, referralPageHtml } from "./referral-page-view";

const deps = dependencies(store, clock, accessLog);

const notFound = () =>
  html(
    404,
    renderMessagePage({
      title: "Fant ikke henvisningen",
      paragraphs: ["Det finnes ingen henvisning med denne referansen."],
    }),
  );

export const handler = apiRoute(
  {
    name: "referral-view",
    page: true,
    access: {
      roles: ["assessor", "lead"],
      referralOf: async (event) => {
        const id = event.pathParameters?.referralId ?? "";
        return REFERRAL_ID.test(id) ? id : undefined;
      },
    },
  },
  async ({ event, session }) => {
    if (!session) throw new Error("a staff route without a session");
    const referralId = event.pathParameters?.referralId ?? "";
    const file = REFERRAL_ID.test(referralId) ? await deps.store.getReferralFile(referralId) : undefined;
    if (!file) return notFound();
    // Logged before it is shown: a read that cannot be logged is not shown.
    await logReferralView(deps, session.principal, referralId);
    if ((header(event, "accept") ?? "").includes("application/json")) {
      return jsonAnswer<typeof staffReferralPageSchema>(200, {
        referral: referralView(file),
        csrfToken: session.csrfToken,
      });
    }
    return html(
      200,
      referralPageHtml(file, {
        csrfToken: session.csrfToken,
        formAction: referralLinks(referralId).startOfCareAction,
        lead: hasRole(session.principal, ["lead"]),
        today: osloDate(deps.clock.now()),
      }),
    );
  },
);
