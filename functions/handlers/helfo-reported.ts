/**
 * POST /helfo-notifications/{referralId}/reported: the clerk or the clinic lead records that a
 * fristbrudd's Helfo notification (expected or confirmed) has been reported to Helfo (`reportedOn`,
 * default today; who: the signed-in person). Then the patient's "Varsel om fristbrudd" goes out (and
 * the parents' copy for a patient under 16), never before. JSON (token in `X-CSRF-Token`) or form
 * (`csrfToken`, and a same-host Origin): the session's anti-forgery token, checked by the wrapper
 * (the route's `form` security). GET /helfo-notifications then shows it `reported`, in JSON and CSV. A letter that could not be sent (the mail service down)
 * answers 503 with the mark kept; the list shows the letter as not sent, and marking it again sends
 * what is missing and answers 200 (409 only once every letter is out).
 */
import {
  type AnswerOf,
  apiRoute,
  errorAnswer,
  html,
  jsonAnswer,
  validationFailedAnswer,
} from "../adapters/http";
import { logger } from "../adapters/logger";
import { clock, config, dependencies, mailer, publicBaseUrl, renderLetters, store } from "../adapters/root";
import { type helfoReportedAnswerSchema, markHelfoReported } from "../domain/helfo-notification";
import type { HelfoNotificationRecord } from "../domain/records";
import { actorIdOf } from "../domain/session";
import { renderMessagePage } from "../views/message-pages";

/** A referral id (a UUID): anything else is no referral, and is not looked up. */
const REFERRAL_ID = /^[0-9a-f-]{36}$/;

const deps = dependencies(store, clock, mailer, renderLetters, config, publicBaseUrl);

/** The answer names the record, not the patient: the national ID stays in the export. */
const reportedOf = (n: HelfoNotificationRecord): AnswerOf<typeof helfoReportedAnswerSchema> => ({
  referralId: n.referralId,
  status: n.status,
  reportedOn: n.reportedOn,
  reportedBy: n.reportedBy,
  ...(n.patientInformedAt ? { patientInformedAt: n.patientInformedAt } : {}),
});

const formExpired = () =>
  html(
    403,
    renderMessagePage({
      title: "Skjemaet er utløpt",
      paragraphs: ["Skjemaet er utløpt eller kom ikke fra Frist, så ingenting er registrert."],
    }),
  );

export const handler = apiRoute(
  {
    name: "marking a Helfo notification reported",
    accepts: ["application/json", "application/x-www-form-urlencoded"],
    maxBodyBytes: 4 * 1024,
    access: {
      roles: ["clerk", "lead"],
      referralOf: async (event) => {
        const id = event.pathParameters?.referralId ?? "";
        return REFERRAL_ID.test(id) ? id : undefined;
      },
    },
    form: { token: "session", expired: formExpired },
  },
  async (request) => {
    const { session, fromForm, event } = request;
    if (!session) throw new Error("a staff route without a session");
    const referralId = event.pathParameters?.referralId ?? "";
    const raw = request.body();
    const body = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    const input = fromForm
      ? typeof body.reportedOn === "string" && body.reportedOn.trim() !== ""
        ? { reportedOn: body.reportedOn.trim() }
        : {}
      : raw;
    const result = await markHelfoReported(
      deps,
      REFERRAL_ID.test(referralId) ? referralId : "",
      input,
      actorIdOf(session.principal),
    );
    switch (result.kind) {
      case "unknown":
        return fromForm
          ? html(404, renderMessagePage({ title: "Fant ikke Helfo-meldingen", paragraphs: [] }))
          : errorAnswer(404, { error: "not_found", message: "no Helfo notification for this referral" });
      case "invalid":
        return fromForm
          ? html(
              400,
              renderMessagePage({
                title: "Ikke registrert",
                paragraphs: result.issues.map((issue) => `${issue.path}: ${issue.message}`),
              }),
            )
          : validationFailedAnswer(result.issues);
      case "already":
        return fromForm
          ? html(
              409,
              renderMessagePage({
                title: "Allerede meldt til Helfo",
                paragraphs: [
                  `Fristbruddet ble registrert meldt til Helfo ${result.notification.reportedOn ?? ""} av ${result.notification.reportedBy ?? ""}.`,
                ],
              }),
            )
          : errorAnswer(409, { error: "already_reported", ...reportedOf(result.notification) });
      case "letters-sent":
        logger.info("Helfo notification's letters sent", { referralId });
        return fromForm
          ? html(
              200,
              renderMessagePage({
                title: "Varselet er sendt",
                paragraphs: [
                  `Fristbruddet var registrert meldt til Helfo ${result.notification.reportedOn ?? ""}, men varselet til pasienten var ikke sendt. Nå er det sendt.`,
                ],
              }),
            )
          : jsonAnswer<typeof helfoReportedAnswerSchema>(200, reportedOf(result.notification));
      default:
        logger.info("Helfo notification reported", { referralId });
        return fromForm
          ? html(
              200,
              renderMessagePage({
                title: "Registrert meldt til Helfo",
                paragraphs: [`Fristbruddet er registrert meldt til Helfo ${result.notification.reportedOn}.`],
              }),
            )
          : jsonAnswer<typeof helfoReportedAnswerSchema>(200, reportedOf(result.notification));
    }
  },
);
