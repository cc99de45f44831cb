/**
 * POST /referrals/{referralId}/start-of-care: a signed-in assessor or lead records the planned start,
 * or the day care started, of a granted right; or, with `breach`, that the start cannot be kept
 * (`{"breach": "expected", "reason"}`, before the deadline: the Helfo notice goes on the clerk's list
 * at once) or, the lead only, that a probable breach is one (`{"breach": "confirmed"}`, after the
 * deadline). From the staff referral page's forms (answered with the page) or as JSON (answered with
 * the referral's `startOfCare`). Portals cannot: the route has no IAM authorization on AWS, and
 * without a staff session it answers 401 and records nothing.
 *
 * Forgery: the route's `form` security (checked by the wrapper, functions/adapters/http.ts): a form
 * post carries the session's anti-forgery token (`csrfToken`) and, when the browser names one, an
 * Origin of this host; JSON carries the token in `X-CSRF-Token` (from the referral page, or its
 * JSON). Otherwise 403, nothing recorded.
 */
import { apiRoute, errorAnswer, html, jsonAnswer, validationFailedAnswer } from "../adapters/http";
import { logger } from "../adapters/logger";
import { accessLog, clock, config, dependencies, metrics, store } from "../adapters/root";
import { osloDate } from "../domain/calendar";
import { actorIdOf, hasRole } from "../domain/session";
import {
  type BreachResult,
  confirmStartOfCareBreach,
  type RecordStartOfCareResult,
  recordExpectedBreach,
  recordStartOfCare,
  type startOfCareRecordedSchema,
} from "../domain/start-of-care-records";
import { renderMessagePage } from "../views/message-pages";
import { logReferralView, REFERRAL_ID, referralLinks, referralPageHtml } from "./referral-page-view";

const deps = dependencies(store, clock, accessLog, config, metrics);

const formExpired = (referralId: string) =>
  html(
    403,
    renderMessagePage({
      title: "Skjemaet er utløpt",
      paragraphs: [
        "Skjemaet er utløpt eller kom ikke fra henvisningssiden, så ingenting er registrert.",
        "Åpne henvisningen på nytt og registrer oppstarten derfra.",
      ],
      link: { href: referralLinks(referralId).fromStartOfCare, text: "Åpne henvisningen på nytt" },
    }),
  );

/** The form's fields as the domain reads them: no token, and an empty date field is no date. */
function formFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([key, value]) => key !== "csrfToken" && typeof value === "string" && value.trim() !== "")
      .map(([key, value]) => [key, String(value).trim()]),
  );
}

export const handler = apiRoute(
  {
    name: "recording the start of care",
    accepts: ["application/json", "application/x-www-form-urlencoded"],
    maxBodyBytes: 16 * 1024,
    access: {
      roles: ["assessor", "lead"],
      referralOf: async (event) => {
        const id = event.pathParameters?.referralId ?? "";
        return REFERRAL_ID.test(id) ? id : undefined;
      },
    },
    form: {
      token: "session",
      expired: (event) => formExpired(event.pathParameters?.referralId ?? ""),
      tokenFrom: "GET /staff/referrals/{id}",
    },
  },
  async (request) => {
    const { session, fromForm, event } = request;
    if (!session) throw new Error("a staff route without a session");
    const referralId = event.pathParameters?.referralId ?? "";
    const raw = request.body();
    const body = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    const input = fromForm ? formFields(body) : raw;
    const actor = { kind: "staff" as const, id: actorIdOf(session.principal) };
    const id = REFERRAL_ID.test(referralId) ? referralId : "";
    const breach = input && typeof input === "object" ? (input as Record<string, unknown>).breach : undefined;
    const result: RecordStartOfCareResult | BreachResult =
      breach === "confirmed"
        ? await confirmStartOfCareBreach(deps, id, input, actor, hasRole(session.principal, ["lead"]))
        : breach !== undefined
          ? await recordExpectedBreach(deps, id, input, actor)
          : await recordStartOfCare(deps, id, input, actor);
    const what = breach === undefined ? "start of care recorded" : "start-of-care breach recorded";
    if (!fromForm) {
      switch (result.kind) {
        case "invalid":
          return validationFailedAnswer(result.issues);
        case "unknown":
          return errorAnswer(404, { error: "not_found", message: "no referral with this id" });
        case "not-granted":
          return errorAnswer(409, {
            error: "not_granted",
            message: "the referral has no granted right whose start of care can be recorded",
          });
        case "forbidden":
          return errorAnswer(403, { error: "forbidden", message: "only the clinic lead confirms a breach" });
        case "already":
          return errorAnswer(409, { error: "already_recorded", referralId, startOfCare: result.startOfCare });
        default:
          logger.info(what, { referralId });
          return jsonAnswer<typeof startOfCareRecordedSchema>(200, {
            referralId,
            startOfCare: result.startOfCare,
          });
      }
    }
    if (result.kind === "unknown") {
      return html(404, renderMessagePage({ title: "Fant ikke henvisningen", paragraphs: [] }));
    }
    if (result.kind === "recorded") logger.info(what, { referralId });
    // The form's answer is the referral page again (a view of health data, so logged like one).
    const file = await deps.store.getReferralFile(referralId);
    if (!file) return html(404, renderMessagePage({ title: "Fant ikke henvisningen", paragraphs: [] }));
    await logReferralView(deps, session.principal, referralId);
    const page = (status: number, extra: Parameters<typeof referralPageHtml>[1]) =>
      html(status, referralPageHtml(file, extra));
    const context = {
      csrfToken: session.csrfToken,
      formAction: referralLinks(referralId).startOfCareAction,
      lead: hasRole(session.principal, ["lead"]),
      today: osloDate(deps.clock.now()),
    };
    const field = breach === undefined ? "startedOn" : breach === "confirmed" ? "breach" : "reason";
    switch (result.kind) {
      case "invalid":
        return page(400, { ...context, errors: result.issues, values: formFields(body) });
      case "not-granted":
        return page(409, {
          ...context,
          errors: [
            { path: field, message: "Henvisningen har ingen innvilget rett å registrere oppstart for" },
          ],
        });
      case "forbidden":
        return page(403, {
          ...context,
          errors: [{ path: field, message: "Bare klinikkleder kan bekrefte et fristbrudd" }],
        });
      case "already":
        return page(409, { ...context, notice: "Fristbruddet var allerede registrert" });
      default:
        return page(200, {
          ...context,
          notice:
            breach === undefined
              ? "Oppstarten er registrert"
              : breach === "confirmed"
                ? "Fristbruddet er bekreftet, og meldingen til Helfo ligger i listen"
                : "Registrert at fristen ikke kan holdes, og meldingen til Helfo ligger i listen",
        });
    }
  },
);
