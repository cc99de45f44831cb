/**
 * The sign-in routes, one function:
 * - `GET /auth/login?audience=staff|patient|professional&returnTo=/path`: on to the OpenID provider;
 * - `GET /auth/callback`: back from it; the code becomes a session, and the browser returns to the page;
 * - `GET /auth/session`: who is signed in, with sign-out;
 * - `POST /auth/logout`: ends the session (form with the session's anti-forgery token).
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { apiRoute, html } from "../adapters/http";
import { logger } from "../adapters/logger";
import { dependencies, signIn, signInStateKey } from "../adapters/root";
import {
  audienceOf,
  beginSignIn,
  finishSignIn,
  resolveSession,
  type SignInFailure,
  signInUrl,
  signOut,
} from "../adapters/sign-in";
import { SIGNED_IN_PATH, type SignInAudience } from "../domain/session";
import { renderMessagePage } from "../views/message-pages";
import { renderSessionPage } from "../views/sign-in-pages";

const deps = dependencies(signIn, signInStateKey);
/** Starting and finishing a sign-in: the sessions and providers, and the key of the state cookie. */
const flow = { ...deps.signIn, stateKey: deps.signInStateKey };

const FAILURES: Record<SignInFailure, string> = {
  "no-sign-in-under-way":
    "Innloggingen ble ikke fullført i tide, eller den ble startet i en annen nettleser. Prøv igjen.",
  "sign-in-expired": "Innloggingen tok mer enn 10 minutter og er utløpt. Start innloggingen på nytt.",
  "sign-in-forged":
    "Innloggingen kunne ikke bekreftes (ugyldig innloggingsinformasjon). Start innloggingen på nytt.",
  "not-recognised": "Identiteten fra innloggingen gir ikke tilgang til Frist.",
  "provider-refused": "Innloggingstjenesten avviste innloggingen. Prøv igjen.",
};

function seeOther(location: string, cookies: string[] = []): APIGatewayProxyResult {
  return {
    statusCode: 303,
    headers: { location, "cache-control": "no-store" },
    ...(cookies.length > 0 ? { multiValueHeaders: { "set-cookie": cookies } } : {}),
    body: "",
  };
}

function withCookies(result: APIGatewayProxyResult, cookies: string[]): APIGatewayProxyResult {
  return { ...result, multiValueHeaders: { ...result.multiValueHeaders, "set-cookie": cookies } };
}

const ROLE_NAMES: Record<string, string> = {
  assessor: "vurderer",
  lead: "leder",
  clerk: "merkantil",
  operations: "drift",
};

export const handler = apiRoute(
  { name: "signing in", page: true, accepts: ["application/x-www-form-urlencoded"], maxBodyBytes: 4096 },
  async (request) => {
    const { event } = request;
    const route = `${event.httpMethod} ${event.resource}`;
    switch (route) {
      case "GET /auth/login": {
        const query = event.queryStringParameters ?? {};
        const audience: SignInAudience = audienceOf(query.audience);
        const started = await beginSignIn(flow, audience, query.returnTo ?? SIGNED_IN_PATH);
        if (!started) {
          return html(
            404,
            renderMessagePage({
              title: "Innlogging er ikke satt opp",
              paragraphs: ["Denne typen innlogging er ikke satt opp for klinikken."],
            }),
          );
        }
        return seeOther(started.location, [started.setCookie]);
      }
      case "GET /auth/callback": {
        const result = await finishSignIn(flow, event);
        if (!result.ok) {
          logger.warn("sign-in failed", { reason: result.reason });
          return withCookies(
            html(
              result.reason === "not-recognised" ? 403 : 400,
              renderMessagePage({
                title: "Innloggingen mislyktes",
                paragraphs: [FAILURES[result.reason]],
                link: { href: `${deps.signIn.publicBaseUrl}${SIGNED_IN_PATH}`, text: "Til innlogging" },
              }),
            ),
            result.setCookies,
          );
        }
        logger.info("signed in", { kind: result.principal.kind });
        return seeOther(`${deps.signIn.publicBaseUrl}${result.returnTo}`, result.setCookies);
      }
      case "GET /auth/session": {
        const session = await resolveSession(deps.signIn, event);
        if (!session) {
          return html(
            200,
            renderSessionPage({ loginHref: signInUrl(deps.signIn.publicBaseUrl, "staff", SIGNED_IN_PATH) }),
          );
        }
        const { principal } = session;
        const person =
          principal.kind === "staff"
            ? principal.name
            : principal.kind === "professional"
              ? `${principal.name ?? "helsepersonell"} (HPR ${principal.hprNumber})`
              : (principal.name ?? "pasient");
        const roles =
          principal.kind === "staff"
            ? principal.roles.map((role) => ROLE_NAMES[role] ?? role).join(", ")
            : principal.kind === "patient"
              ? "pasient"
              : "helsepersonell";
        return html(
          200,
          renderSessionPage({
            person,
            roles,
            csrfToken: session.csrfToken,
            logoutAction: `${deps.signIn.publicBaseUrl}/auth/logout`,
          }),
        );
      }
      case "POST /auth/logout": {
        const session = await resolveSession(deps.signIn, event);
        const body = request.body() as Record<string, string>;
        if (session && body.csrfToken !== session.csrfToken) {
          return html(
            403,
            renderMessagePage({
              title: "Skjemaet er utløpt",
              paragraphs: ["Utloggingen kom ikke fra Frist sin side. Du er fortsatt logget inn."],
              link: { href: `${deps.signIn.publicBaseUrl}${SIGNED_IN_PATH}`, text: "Tilbake" },
            }),
          );
        }
        const clear = await signOut(deps.signIn, session);
        return withCookies(
          html(
            200,
            renderMessagePage({ title: "Du er logget ut", paragraphs: ["Du kan lukke denne siden."] }),
          ),
          [clear],
        );
      }
      default:
        return html(404, renderMessagePage({ title: "Fant ikke siden", paragraphs: [] }));
    }
  },
);
