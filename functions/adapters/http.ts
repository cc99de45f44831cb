/**
 * The API handlers' one wrapper ({@link apiRoute}: media types, body, errors) and its helpers for
 * API Gateway proxy events: header lookup, JSON and HTML answers. HTML answers carry headers that
 * keep staff pages (which show health data) out of caches and frames; every answer to a request
 * that came over https carries HSTS.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type * as z from "zod";
import { accessEventOf } from "../domain/access-log";
import { csrfTokenMatches, originAllowed } from "../domain/csrf";
import type { errorSchema, validationErrorSchema } from "../domain/error-answers";
import { isUnavailable } from "../domain/errors";
import { hasRole, type SignInAudience, type StaffRole } from "../domain/session";
import { MAX_JSON_DEPTH, tooDeeplyNested } from "../domain/validation";
import { renderMessagePage } from "../views/message-pages";
import { renderStaffNav, withStaffNav } from "../views/staff-nav";
import { header } from "./headers";
import { type HandlerMark, invocation, type MarkedHandler } from "./invocation";
import { logger } from "./logger";
import { accessLog, clock, type Dependencies, dependencies, signIn } from "./root";
import { type ActiveSession, resolveSession, signInUrl } from "./sign-in";

// The header lookup lives on its own so sign-in.ts can read a cookie without importing this
// wrapper (which imports sign-in.ts): the two would form an import cycle.
export { header } from "./headers";

/** The request body as text (API Gateway may hand it over base64-encoded). */
export function bodyText(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): string {
  if (!event.body) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

/**
 * Whether the caller asked for CSV: `format=csv`, or an Accept header preferring text/csv. Here
 * rather than in a handler, so a route that offers CSV does not import another route's module.
 */
export function wantsCsv(event: Pick<APIGatewayProxyEvent, "headers" | "queryStringParameters">): boolean {
  if (event.queryStringParameters?.format === "csv") return true;
  const accept = (header(event, "accept") ?? "").toLowerCase();
  return accept.split(",").some((part) => part.split(";")[0]?.trim() === "text/csv");
}

/** The media type of the request, lower-case and without parameters such as charset. */
export function mediaType(event: Pick<APIGatewayProxyEvent, "headers">): string {
  return (header(event, "content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

/** A zod schema, or the thunk that builds it on first use. */
type DocumentingSchema = z.ZodType | (() => z.ZodType);

/** What a JSON answer of the schema `S` (or of its thunk) is: the body the schema takes. */
export type AnswerOf<S extends DocumentingSchema> = z.input<S extends () => infer Built ? Built : S>;

/**
 * A JSON answer built to the zod schema that documents it in GET /openapi.json (a component of
 * functions/domain/openapi-parts.ts), named as the type argument: `jsonAnswer<typeof
 * worklistSchema>(200, page)`. The compiler holds `body` to what that schema takes (a field more,
 * one missing or of another type does not compile; without the type argument nothing does), so the
 * answer and the document cannot drift apart. The schema is named as a type only: a handler then
 * bundles and builds no answer schema (a module of schemas pulled in costs every cold start), and
 * an answer refused at run time after a write would turn a recorded decision into a 500. The
 * handler tests check each route's answers against the document (test/support/openapi-answers.ts).
 */
export function jsonAnswer<DocumentedBy extends DocumentingSchema = never>(
  statusCode: number,
  body: [DocumentedBy] extends [never] ? never : NoInfer<AnswerOf<DocumentedBy>>,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return json(statusCode, body, headers);
}

/** An error answer (`Error` in GET /openapi.json): its code, a message, and what it names beside them. */
export const errorAnswer = (
  statusCode: number,
  body: AnswerOf<typeof errorSchema>,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => jsonAnswer<typeof errorSchema>(statusCode, body, headers);

/** A 400 `validation_failed` answer (`ValidationError` in GET /openapi.json), naming each field. */
export const validationFailedAnswer = (
  issues: AnswerOf<typeof validationErrorSchema>["issues"],
): APIGatewayProxyResult =>
  jsonAnswer<typeof validationErrorSchema>(400, { error: "validation_failed", issues });

/** An XML answer (a message's receipt), never cached: it may name the message it answers. */
export function xml(statusCode: number, body: string): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/xml; charset=utf-8", "cache-control": "no-store" },
    body,
  };
}

export function html(statusCode: number, body: string): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
    body,
  };
}

/** The answer to a failure we did not foresee: no message, no stack, nothing from the request. */
export function internalError(): APIGatewayProxyResult {
  return errorAnswer(500, { error: "internal_error" });
}

/** An answer decided before the handler's work is done: thrown, and sent as it is by {@link apiRoute}. */
export class HttpAnswer extends Error {
  override readonly name = "HttpAnswer";
  constructor(readonly result: APIGatewayProxyResult) {
    super(`HTTP ${result.statusCode}`);
  }
}

/** A 400 naming the field, in the contract's shape. */
export function validationFailed(path: string, message: string): HttpAnswer {
  return new HttpAnswer(validationFailedAnswer([{ path, message }]));
}

/**
 * A route as Lambda calls it: the event and the invocation's context (absent when a test calls it),
 * marked as an API route with the options it declared (./invocation.ts).
 */
export type ApiHandler = MarkedHandler<
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Extract<HandlerMark<RouteOptions>, { kind: "api-route" }>
>;

/** What a route's handler gets: the event and its body, read the way the route declared. */
export interface ApiRequest {
  event: APIGatewayProxyEvent;
  /** The body's media type, lower-case without parameters ("" when none). */
  mediaType: string;
  /** True when the body is an HTML form post (application/x-www-form-urlencoded). */
  fromForm: boolean;
  /**
   * The body: form fields for a form post, the parsed value for JSON. Invalid JSON throws the
   * contract's 400 `invalid_json`, so a handler can check headers first and read the body after.
   */
  body(): unknown;
  /** The body as text, unparsed (an XML message's route reads it this way). */
  text(): string;
  /** The signed-in session (routes with `access` only; always set there). */
  session?: ActiveSession;
}

/** Who may use a route: signed in for one of `audiences` (default staff), holding one of `roles`. */
export interface RouteAccess {
  /**
   * Where the person must have signed in; the first is where sign-in sends someone who has not. A
   * function when the request decides it (a letter's link: the patient's copy needs the patient).
   */
  audiences?:
    | readonly SignInAudience[]
    | ((event: APIGatewayProxyEvent) => Promise<readonly SignInAudience[]>);
  roles?: readonly StaffRole[];
  /** The referral a request is about, so a refused attempt lands in that referral's access log. */
  referralOf?: (event: APIGatewayProxyEvent) => Promise<string | undefined>;
}

/** How a route reads requests and answers failures. */
export interface RouteOptions {
  /** What the route does, for the log line of an unforeseen failure ("showing a task"). */
  name: string;
  /** The route answers with HTML pages: an unforeseen failure is a page too. */
  page?: boolean;
  /** The request media types the route takes a body in; others answer 415. None: no body is read. */
  accepts?: readonly (
    | "application/json"
    | "application/x-www-form-urlencoded"
    | "application/xml"
    | "text/xml"
  )[];
  /** The largest body the route reads (413 above it); default 256 KB. */
  maxBodyBytes?: number;
  /**
   * The route takes posts from a signed-in person's browser, so a page on another site must not be
   * able to make one for them (cross-site request forgery): declared here, checked once by the wrapper
   * before the handler runs (see {@link FormSecurity}).
   */
  form?: FormSecurity;
  /**
   * Needs a signed-in person: without a session a GET answers 303 to sign-in (and back after), any
   * other method 401; a signed-in person without the role gets a 403 page, and the attempt is logged.
   */
  access?: RouteAccess;
}

/**
 * How a route that takes a signed-in person's posts refuses a forged one. A form post whose Origin
 * (when the browser names one) is another host gets the `expired` answer (403), after the media type
 * and before the size check. With `token: "session"` the post must then also carry the session's
 * anti-forgery token, the form's `csrfToken` field or, from a script, the `X-CSRF-Token` header: else
 * a form gets `expired` and a script 403 `csrf_token_mismatch`, saying where to read the token
 * (`tokenFrom`). With `token: "task"` the token is the task's own (its page's hidden field), so the
 * use case that reads the task compares it. Either way nothing is recorded.
 */
export interface FormSecurity {
  token: "session" | "task";
  /** The page a refused form post gets (403): nothing was recorded, and where to start again. */
  expired: (event: APIGatewayProxyEvent) => APIGatewayProxyResult;
  /** Where a script reads the session's token ("GET /letters"), for the 403's message. */
  tokenFrom?: string;
}

/** A form posted from another site's page (its Origin names another host): see {@link FormSecurity}. */
function crossSiteForm(request: ApiRequest): boolean {
  const { event, fromForm } = request;
  return fromForm && !originAllowed(header(event, "origin"), header(event, "host"));
}

/** The answer to a post without the session's token, or undefined when it has it (see {@link FormSecurity}). */
function tokenRefused(form: FormSecurity, request: ApiRequest): APIGatewayProxyResult | undefined {
  const { event, fromForm, session } = request;
  if (form.token !== "session") return undefined;
  const body = fromForm ? (request.body() as Record<string, unknown>) : {};
  const token = fromForm ? body.csrfToken : header(event, "x-csrf-token");
  if (csrfTokenMatches(session?.csrfToken, token)) return undefined;
  if (fromForm) return form.expired(event);
  const from = form.tokenFrom ? ` (from ${form.tokenFrom})` : "";
  return errorAnswer(403, {
    error: "csrf_token_mismatch",
    message: `send the session's csrfToken${from} in the X-CSRF-Token header`,
  });
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

const failurePage = (): string =>
  renderMessagePage({
    title: "Noe gikk galt",
    paragraphs: ["Siden kunne ikke vises akkurat nå, og ingenting er endret. Prøv igjen om litt."],
  });

/**
 * Wraps an API handler in what every route shares: the request media type (415), the body limit
 * (413), the body parsed once (400 `invalid_json`), and one error path. An {@link HttpAnswer} thrown
 * anywhere is sent as it is; anything else is logged by name only (its message may quote data) and
 * answers without detail, as JSON or, for a page route, as a page: 503 with Retry-After when a
 * dependency was unavailable (functions/domain/errors.ts), else 500. Routes with `access` admit
 * signed-in people only.
 *
 * A route that takes neither `page` nor `access` should use {@link jsonRoute}: the same wrapper
 * without the sign-in and the page rendering, which then stay out of its function's bundle.
 */
export function apiRoute(
  options: RouteOptions,
  handle: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): ApiHandler {
  const access = options.access;
  // A session's token needs a session: a route declared without one fails at cold start, not per request.
  if (options.form?.token === "session" && !access) {
    throw new Error(`${options.name}: a form checked against the session's token needs access`);
  }
  // Built at cold start, so a missing SIGN_IN_PROVIDERS fails there, with its name.
  const signedIn = access ? dependencies(signIn, accessLog, clock) : undefined;
  return routeWith(options, handle, {
    admit: access && signedIn ? (event) => admit(options, access, signedIn, event) : undefined,
    failure: (error) => failureResponse(error, options.page ? "html" : "json"),
    ...(signedIn
      ? {
          decorate: (event, session, answer) =>
            withNavigation(new URL(signedIn.signIn.publicBaseUrl).pathname, event, session, answer),
        }
      : {}),
  });
}

/**
 * A page answered to a signed-in member of staff, with the navigation bar in the page shell's slot
 * (views/staff-nav.ts): here, so every staff page has it and none can forget it. Anything else (JSON,
 * CSV, a redirect, a page for a patient) as it is.
 */
function withNavigation(
  basePathname: string,
  event: APIGatewayProxyEvent,
  session: ActiveSession,
  answer: APIGatewayProxyResult,
): APIGatewayProxyResult {
  const type = String(answer.headers?.["content-type"] ?? "");
  if (session.principal.kind !== "staff" || !type.startsWith("text/html")) return answer;
  const nav = renderStaffNav({
    name: session.principal.name,
    roles: session.principal.roles,
    csrfToken: session.csrfToken,
    basePath: basePathname.replace(/\/+$/, ""),
    currentPath: event.path,
  });
  return { ...answer, body: withStaffNav(answer.body, nav) };
}

/** Options of a JSON route open to its callers as API Gateway admits them (no session, no pages). */
export type JsonRouteOptions = Omit<RouteOptions, "page" | "access">;

/**
 * {@link apiRoute} for a route that answers JSON only and needs no sign-in (a portal's routes, IAM
 * routes): the same media types, limits, body and error path, with nothing of the sign-in or the
 * page templates in its function's bundle.
 */
export function jsonRoute(
  options: JsonRouteOptions,
  handle: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): ApiHandler {
  return routeWith(options, handle, {
    failure: (error) => (isUnavailable(error) ? jsonUnavailable() : internalError()),
  });
}

/** What {@link apiRoute} adds to the shared wrapper: admission and the failure answer. */
interface RouteShell {
  admit?: (event: APIGatewayProxyEvent) => Promise<{ session: ActiveSession } | APIGatewayProxyResult>;
  failure: (error: unknown) => APIGatewayProxyResult;
  /** Finishes the handler's answer to a signed-in request (the staff pages' navigation bar). */
  decorate?: (
    event: APIGatewayProxyEvent,
    session: ActiveSession,
    answer: APIGatewayProxyResult,
  ) => APIGatewayProxyResult;
}

/** HSTS: a year, subdomains included (the API's own host; a custom domain's too). */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

/** Whether the request reached API Gateway over https (its `X-Forwarded-Proto`; the first hop's). */
export function cameOverHttps(event: Pick<APIGatewayProxyEvent, "headers">): boolean {
  return (header(event, "x-forwarded-proto") ?? "").split(",")[0]?.trim().toLowerCase() === "https";
}

/**
 * `answer` with Strict-Transport-Security when the request came over https, so a browser that has
 * been here once never again opens a staff page or a letter over plain http. Not on plain-http
 * answers (the local runtime): there the header means nothing, and a browser ignores it.
 */
export function withTransportSecurity(
  event: Pick<APIGatewayProxyEvent, "headers">,
  answer: APIGatewayProxyResult,
): APIGatewayProxyResult {
  if (!cameOverHttps(event)) return answer;
  return {
    ...answer,
    headers: { ...answer.headers, "strict-transport-security": STRICT_TRANSPORT_SECURITY },
  };
}

function routeWith(
  options: RouteOptions,
  handle: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
  shell: RouteShell,
): ApiHandler {
  const answer = answerWith(options, handle, shell);
  // Every answer of every route passes here: the handler's, a refusal, a failure. Every log line of
  // the invocation carries its Lambda context.
  return invocation({ kind: "api-route", route: options }, async (event: APIGatewayProxyEvent) =>
    withTransportSecurity(event, await answer(event)),
  );
}

function answerWith(
  options: RouteOptions,
  handle: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
  shell: RouteShell,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (event) => {
    try {
      let session: ActiveSession | undefined;
      if (shell.admit) {
        const admitted = await shell.admit(event);
        if ("statusCode" in admitted) return admitted;
        session = admitted.session;
      }
      const type = mediaType(event);
      let parsed: { value: unknown } | undefined;
      // A form-secured route without `accepts` (a script may post no body) still reads a form's token.
      const readsBody = options.accepts !== undefined || options.form !== undefined;
      const text = readsBody ? bodyText(event) : "";
      const request: ApiRequest = {
        event,
        mediaType: type,
        ...(session ? { session } : {}),
        fromForm: type === "application/x-www-form-urlencoded",
        body() {
          parsed ??= { value: parseBody(text, request.fromForm) };
          return parsed.value;
        },
        text: () => text,
      };
      const hasBody = event.httpMethod !== "GET" && event.httpMethod !== "HEAD";
      if (options.accepts && hasBody && !options.accepts.includes(type as never)) {
        return errorAnswer(415, {
          error: "unsupported_media_type",
          message: `Content-Type must be ${options.accepts.join(" or ")}`,
        });
      }
      if (options.form && crossSiteForm(request)) return options.form.expired(event);
      if (readsBody && hasBody && Buffer.byteLength(text, "utf8") > maxBodyBytes) {
        return errorAnswer(413, {
          error: "payload_too_large",
          message: `the body must be at most ${maxBodyBytes} bytes`,
        });
      }
      const refused = options.form ? tokenRefused(options.form, request) : undefined;
      if (refused) return refused;
      const answer = await handle(request);
      return session && shell.decorate ? shell.decorate(event, session, answer) : answer;
    } catch (error) {
      if (error instanceof HttpAnswer) return error.result;
      logger.error(`${options.name} failed`, error);
      return shell.failure(error);
    }
  };
}

/** The path and query of the request, as the page to come back to after sign-in. */
function pathOf(event: APIGatewayProxyEvent): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query.set(name, value);
  }
  const search = query.toString();
  return `${event.path}${search ? `?${search}` : ""}`;
}

/** The session that may use the route, or the answer for a request that may not. */
async function admit(
  options: RouteOptions,
  access: RouteAccess,
  deps: Dependencies<[typeof signIn, typeof accessLog, typeof clock]>,
  event: APIGatewayProxyEvent,
): Promise<{ session: ActiveSession } | APIGatewayProxyResult> {
  const audiences =
    typeof access.audiences === "function" ? await access.audiences(event) : (access.audiences ?? ["staff"]);
  const session = await resolveSession(deps.signIn, event);
  if (!session || !audiences.includes(session.principal.kind)) {
    // A signed request (a portal's SigV4 Authorization) is a program, not a browser to send to
    // sign-in: it gets the 401 below.
    const browserRead =
      (event.httpMethod === "GET" || event.httpMethod === "HEAD") && !header(event, "authorization");
    if (browserRead) {
      return {
        statusCode: 303,
        headers: {
          location: signInUrl(deps.signIn.publicBaseUrl, audiences[0] ?? "staff", pathOf(event)),
          "cache-control": "no-store",
        },
        body: "",
      };
    }
    return options.page || mediaType(event) === "application/x-www-form-urlencoded"
      ? html(401, renderMessagePage({ title: "Du er ikke logget inn", paragraphs: [SIGNED_OUT] }))
      : errorAnswer(401, { error: "unauthenticated", message: "sign in first" });
  }
  if (access.roles && !hasRole(session.principal, access.roles)) {
    const referralId = (await access.referralOf?.(event).catch(() => undefined)) ?? "";
    logger.warn("access refused", { route: options.name, referralId });
    await deps.accessLog.record(
      accessEventOf(session.principal, {
        referralId,
        what: options.name,
        at: deps.clock.now(),
        outcome: "refused",
      }),
    );
    return html(
      403,
      renderMessagePage({
        title: "Du har ikke tilgang til denne siden",
        paragraphs: [
          "Siden krever en annen rolle enn den du er logget inn med. Forsøket er registrert.",
          "Kontakt den som leder inntaksmøtet om du mener du skal ha tilgang.",
        ],
      }),
    );
  }
  return { session };
}

const SIGNED_OUT =
  "Økten din er utløpt eller du er ikke logget inn, så ingenting er registrert. Åpne lenken på nytt for å logge inn.";

function parseBody(text: string, fromForm: boolean): unknown {
  if (fromForm) return Object.fromEntries(new URLSearchParams(text));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpAnswer(errorAnswer(400, { error: "invalid_json", message: "the body is not valid JSON" }));
  }
  // Hashing and storing a body recurse; one nested thousands deep (even in a field nobody reads)
  // is refused here rather than overflowing the stack there.
  const deepPath = tooDeeplyNested(value);
  if (deepPath !== undefined) {
    throw validationFailed(deepPath, `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/** How long a client should wait before retrying after a 503, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The answer while a dependency (DynamoDB, SES, Step Functions) is unavailable: 503 with
 * Retry-After, never 500, so a portal can tell a passing outage from a permanent failure and retry
 * with the same Idempotency-Key. A staff page gets a short page that says so.
 */
export function serviceUnavailable(format: "json" | "html" = "json"): APIGatewayProxyResult {
  if (format === "html") {
    const retryAfter = { "retry-after": String(RETRY_AFTER_SECONDS) };
    const page = html(
      503,
      renderMessagePage({
        title: "Midlertidig utilgjengelig",
        paragraphs: [
          "Frist får ikke kontakt med en tjeneste den trenger, og ingenting er endret. Prøv igjen om litt.",
        ],
      }),
    );
    return { ...page, headers: { ...page.headers, ...retryAfter } };
  }
  return jsonUnavailable();
}

/** {@link serviceUnavailable} as JSON (no page template needed). */
function jsonUnavailable(): APIGatewayProxyResult {
  return errorAnswer(
    503,
    { error: "service_unavailable", message: "a dependency is unavailable; retry after Retry-After seconds" },
    { "retry-after": String(RETRY_AFTER_SECONDS) },
  );
}

/**
 * The answer to an error a route did not handle itself: 503 with Retry-After when a dependency was
 * unavailable, else the bare 500 (a page for page routes). Neither says anything about the error.
 */
export function failureResponse(error: unknown, format: "json" | "html" = "json"): APIGatewayProxyResult {
  if (isUnavailable(error)) return serviceUnavailable(format);
  return format === "html" ? html(500, failurePage()) : internalError();
}
