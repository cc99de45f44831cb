/**
 * POST /staff/search: a signed-in assessor or lead finds a referral again by its reference or the
 * patient's national ID (functions/domain/staff-search.ts). A form post from the home's search form
 * (with the session's token and this API's Origin) answers the results page; a JSON post (with the
 * token in X-CSRF-Token) answers the results as JSON. A POST, so the national ID is never in a URL;
 * each search is in the access log before anything is shown, and in no log line.
 */
import { apiRoute, html, json } from "../adapters/http";
import { accessLog, clock, dependencies, patientIndex, publicBaseUrl, store } from "../adapters/root";
import { letterPatientOf } from "../domain/dispatch";
import { parseSearchQuery, type SearchRefusal, searchReferrals } from "../domain/staff-search";
import { renderMessagePage } from "../views/message-pages";
import { renderStaffSearchPage } from "../views/staff-search";

const deps = dependencies(patientIndex, store, accessLog, clock, publicBaseUrl);
const basePath = new URL(deps.publicBaseUrl).pathname.replace(/\/+$/, "");

/** The field's error on the page, by why it was refused. */
const FIELD_ERRORS: Record<SearchRefusal, string> = {
  empty: "Skriv en referanse eller et fødselsnummer",
  "invalid-national-id": "Fødselsnummeret er ikke gyldig: kontrollsifrene stemmer ikke",
  unrecognised: "Skriv referansen slik den står i e-posten, eller et fødselsnummer med 11 siffer",
};

const formExpired = () =>
  html(
    403,
    renderMessagePage({
      title: "Skjemaet er utløpt",
      paragraphs: [
        "Søket kom ikke fra Frist sin side, eller økten er fornyet. Åpne oversikten og søk på nytt.",
      ],
      link: { href: `${basePath}/staff`, text: "Til oversikten" },
    }),
  );

export const handler = apiRoute(
  {
    name: "staff-search",
    page: true,
    accepts: ["application/x-www-form-urlencoded", "application/json"],
    maxBodyBytes: 4 * 1024,
    access: { roles: ["assessor", "lead"] },
    form: { token: "session", expired: formExpired, tokenFrom: "GET /staff" },
  },
  async (request) => {
    const { fromForm, session } = request;
    if (!session) throw new Error("a staff route without a session");
    const body = (request.body() ?? {}) as Record<string, unknown>;
    const page = {
      action: `${basePath}/staff/search`,
      csrfToken: session.csrfToken,
      basePath,
      value: typeof body.query === "string" ? body.query.slice(0, 100) : "",
    };
    const query = parseSearchQuery(body.query);
    if (!query.ok) {
      return fromForm
        ? html(400, renderStaffSearchPage({ ...page, error: FIELD_ERRORS[query.reason] }))
        : json(400, { error: "validation_failed", issues: query.issues });
    }
    const result = await searchReferrals(deps, session.principal, query.value);
    if (fromForm) return html(200, renderStaffSearchPage({ ...page, result }));
    return json(200, {
      by: result.query.by,
      referrals: result.hits.map(({ referral }) => ({
        referralId: referral.referralId,
        status: referral.status,
        receivedAt: referral.receivedAt,
        assessmentDueDate: referral.assessmentDueDate,
        patient: {
          name: referral.submission.patient.name,
          ...(letterPatientOf(referral.submission).birthDate
            ? { birthDate: letterPatientOf(referral.submission).birthDate }
            : {}),
        },
        href: `/staff/referrals/${encodeURIComponent(referral.referralId)}`,
      })),
    });
  },
);
