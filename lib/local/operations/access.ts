/**
 * Who may open the local operations page and use its resume action: a signed-in operations person or
 * the clinic lead, as on the other staff pages. Without a session `GET` of the page answers 303 to
 * sign-in for a browser (and comes back to the page through the API's `/_local/operations`), 401 JSON
 * otherwise; another role gets a 403 page; before DynamoDB Local is up, 503. Nothing of the page (ids,
 * deadlines, counts) is rendered before that. The page is served by the operations server (server.ts) on
 * the same host name as the API, so the browser sends the API's session cookie along; the session is read
 * from the same store the handlers use (DynamoDB Local). A resume post must carry the session's
 * anti-forgery token (form field `csrfToken`, or `X-CSRF-Token` with JSON) and, when the browser names
 * one, an Origin of this host. Without a session it answers 401, with another role 403, a missing or
 * wrong token or a foreign Origin 403: nothing is resumed.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { resolveSession, signInUrl } from "../../../functions/adapters/sign-in";
import { csrfTokenMatches, originAllowed } from "../../../functions/domain/csrf";
import { actorIdOf, hasRole, type SessionStore, type StaffRole } from "../../../functions/domain/session";

/** The roles that may open the page and resume a referral by hand. */
export const RESUME_ROLES: readonly StaffRole[] = ["operations", "lead"];

/**
 * The API path sign-in returns to for the operations page (sign-in returns only to the API's own
 * paths); the local API emulation answers it with 303 to the page.
 */
export const OPERATIONS_RETURN_PATH = "/_local/operations";

/** Who looks at the page, as far as the resume action goes. */
export type OperationsViewer =
  | { kind: "signed-out"; signInUrl: string }
  | { kind: "forbidden"; who: string }
  | { kind: "allowed"; who: string; csrfToken: string };

/** A resume post, as the operations server read it. */
export interface ResumeRequest {
  headers: IncomingHttpHeaders;
  fromForm: boolean;
  /** The form's fields, or the JSON body's. */
  fields: Record<string, unknown>;
}

/** Why a resume post was refused: the answer to send. */
export interface ResumeRefusal {
  status: 401 | 403 | 503;
  contentType: string;
  body: string;
}

/** What `GET` of the page answers: the page for an allowed viewer, else the refusal. */
export type PageAdmission =
  | { show: true; viewer: Extract<OperationsViewer, { kind: "allowed" }> }
  | {
      show: false;
      status: 303 | 401 | 403 | 503;
      headers: Record<string, string>;
      contentType: string;
      body: string;
    };

/** The page's gate: who is viewing it, whether it is shown, and whether a post may resume. */
export interface OperationsAccess {
  viewer(headers: IncomingHttpHeaders): Promise<OperationsViewer>;
  /** Whether `GET` of the page shows it to the one asking. */
  page(headers: IncomingHttpHeaders): Promise<PageAdmission>;
  /** Undefined when the post may go on; else the refusal to answer with. */
  admit(request: ResumeRequest): Promise<ResumeRefusal | undefined>;
}

const asEvent = (
  headers: IncomingHttpHeaders,
): Pick<APIGatewayProxyEvent, "headers" | "multiValueHeaders"> => ({
  headers: Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join("; ") : value]),
  ),
  multiValueHeaders: {},
});

const headerOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

const page = (title: string, text: string, link?: { href: string; text: string }) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p>${
    link ? `<p><a href="${link.href}">${link.text}</a></p>` : ""
  }</body></html>`;

/**
 * The gate over `sessions` (undefined until DynamoDB Local is up: then every post answers 503).
 * `apiUrl` is where sign-in lives.
 */
export function operationsAccess(deps: {
  sessions: () => SessionStore | undefined;
  apiUrl: () => string;
}): OperationsAccess {
  const viewer = async (headers: IncomingHttpHeaders): Promise<OperationsViewer> => {
    const sessions = deps.sessions();
    const session = sessions ? await resolveSession({ sessions }, asEvent(headers)) : undefined;
    if (!session)
      return { kind: "signed-out", signInUrl: signInUrl(deps.apiUrl(), "staff", OPERATIONS_RETURN_PATH) };
    const who = actorIdOf(session.principal);
    if (!hasRole(session.principal, RESUME_ROLES)) return { kind: "forbidden", who };
    return { kind: "allowed", who, csrfToken: session.csrfToken };
  };
  const html = "text/html; charset=utf-8";
  const noStore = { "cache-control": "no-store" };
  return {
    viewer,
    async page(headers) {
      const accept = (headerOf(headers, "accept") ?? "").toLowerCase();
      const browser = accept.split(",").some((part) => part.split(";")[0]?.trim() === "text/html");
      if (!deps.sessions()) {
        return {
          show: false,
          status: 503,
          headers: { ...noStore, "retry-after": "5" },
          contentType: browser ? html : "application/json",
          body: browser
            ? page("Not ready", "The local stack is still starting. Try again.")
            : JSON.stringify({ error: "unavailable" }),
        };
      }
      const seen = await viewer(headers);
      if (seen.kind === "allowed") return { show: true, viewer: seen };
      if (seen.kind === "forbidden") {
        return {
          show: false,
          status: 403,
          headers: noStore,
          contentType: html,
          body: page("Not allowed", "The operations page is for operations and the clinic lead."),
        };
      }
      return browser
        ? {
            show: false,
            status: 303,
            headers: { ...noStore, location: seen.signInUrl },
            contentType: html,
            body: "",
          }
        : {
            show: false,
            status: 401,
            headers: noStore,
            contentType: "application/json",
            body: JSON.stringify({ error: "unauthenticated", message: "sign in first" }),
          };
    },
    async admit(request) {
      const refuse = (status: ResumeRefusal["status"], error: string, title: string, text: string) =>
        request.fromForm
          ? {
              status,
              contentType: html,
              body: page(
                title,
                text,
                status === 401
                  ? { href: signInUrl(deps.apiUrl(), "staff", OPERATIONS_RETURN_PATH), text: "Sign in" }
                  : undefined,
              ),
            }
          : { status, contentType: "application/json", body: JSON.stringify({ error }) };
      if (!deps.sessions()) {
        return refuse(503, "unavailable", "Not ready", "The local stack is still starting. Try again.");
      }
      const seen = await viewer(request.headers);
      if (seen.kind === "signed-out") {
        return refuse(
          401,
          "sign_in_required",
          "Sign in first",
          "Resuming a referral needs a signed-in operations person or the lead. Nothing was resumed.",
        );
      }
      if (seen.kind === "forbidden") {
        return refuse(
          403,
          "forbidden",
          "Not allowed",
          "Only operations or the clinic lead may resume a referral. Nothing was resumed.",
        );
      }
      if (
        request.fromForm &&
        !originAllowed(headerOf(request.headers, "origin"), headerOf(request.headers, "host"))
      ) {
        return refuse(
          403,
          "origin_mismatch",
          "Form not accepted",
          "The form did not come from this page. Nothing was resumed.",
        );
      }
      const token = request.fromForm ? request.fields.csrfToken : headerOf(request.headers, "x-csrf-token");
      if (!csrfTokenMatches(seen.csrfToken, token)) {
        return refuse(
          403,
          "csrf_token_mismatch",
          "Form expired",
          "Open the operations page again and resume from there. Nothing was resumed.",
        );
      }
      return undefined;
    },
  };
}
