/** Test helpers that talk to a running local stack over HTTP only, as a portal or a clinician would. */
import { readFileSync } from "node:fs";
import { fetchAs, type SignedIn } from "../../lib/local/simulation/sign-in-client";

export { fetchAs, type SignedIn, signIn } from "../../lib/local/simulation/sign-in-client";

export const sampleReferral = (): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL("../fixtures/sample-referral.json", import.meta.url), "utf8"));

export interface MailboxEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

/** POSTs a referral as a portal does. */
export async function submitReferral(apiUrl: string, body: unknown, idempotencyKey: string) {
  const response = await fetch(`${apiUrl}/referrals`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * POSTs a referral as a well-behaved portal does under load: a 503 is retried with the same
 * Idempotency-Key after its Retry-After (the contract says that is always safe), up to `attempts`.
 */
export async function submitReferralRetrying(
  apiUrl: string,
  body: unknown,
  idempotencyKey: string,
  attempts = 6,
) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${apiUrl}/referrals`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
    if (answer.status !== 503 || attempt >= attempts) return answer;
    const retryAfter = Number(response.headers.get("retry-after") ?? "1");
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 10) * 1000));
  }
}

/**
 * Posts a decision as {@link postDecisionJson}, and again, as a person or a script would, while the
 * answer is 503 with Retry-After (the workflow between two waits for a moment, a stand-in slow to
 * answer on a busy machine).
 */
export async function postDecisionJsonRetrying(
  taskLink: string,
  decision: Record<string, unknown>,
  session: SignedIn | undefined,
  attempts = 10,
) {
  for (let attempt = 1; ; attempt++) {
    const response = await postDecisionJson(taskLink, decision, session);
    if (response.status !== 503 || attempt >= attempts) return response;
    await response.body?.cancel();
    const retryAfter = Number(response.headers.get("retry-after") ?? "1");
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 5) * 1000));
  }
}

export async function getJson(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function mailbox(mailboxJsonUrl: string): Promise<MailboxEmail[]> {
  const response = await fetch(mailboxJsonUrl);
  return ((await response.json()) as { emails: MailboxEmail[] }).emails;
}

/**
 * Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. The default is
 * long enough for a workflow step on a busy two-core machine running the whole suite (20 s was not:
 * a timer's step once took longer there), and still under the 60 s a test may take.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The task link from an assessor's email: the only way a clinician reaches a task. */
export function taskLinkIn(email: MailboxEmail): string {
  const match = /https?:\/\/\S+\/tasks\/[A-Za-z0-9_-]+/.exec(email.body.text ?? "");
  if (!match) throw new Error("no task link in the email");
  return match[0];
}

/** The letter link from a letter's notice email: the only way a recipient reaches a letter. */
export function letterLinkIn(email: MailboxEmail): string {
  const match = /https?:\/\/\S+\/inbox\/[A-Za-z0-9._-]+/.exec(email.body.text ?? "");
  if (!match) throw new Error(`no letter link in the email "${email.subject}"`);
  return match[0];
}

/** A page's visible text: tags dropped, the entities Handlebars writes decoded, spaces collapsed. */
export function pageText(html: string): string {
  return html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, "=")
    .replace(/&#x60;/g, "`")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

/** The anti-forgery token of a task page's forms, or "" when the page has none. */
export const csrfTokenIn = (html: string): string => /name="csrfToken" value="([^"]+)"/.exec(html)?.[1] ?? "";

/** Posts a task page's form as a browser does: form-encoded, from the page's own origin, signed in. */
export function postDecisionForm(
  taskLink: string,
  fields: Record<string, string>,
  session: SignedIn | undefined,
) {
  return fetchAs(session, `${taskLink}/decision`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(taskLink).origin },
    body: new URLSearchParams(fields).toString(),
  });
}

/**
 * Posts a decision as JSON to a task link, as an API client with a session does: with the task
 * page's anti-forgery token in X-CSRF-Token (read from the page when it opens).
 */
export async function postDecisionJson(
  taskLink: string,
  decision: Record<string, unknown>,
  session: SignedIn | undefined,
) {
  const page = await fetchAs(session, taskLink);
  const csrfToken = page.status === 200 ? csrfTokenIn(await page.text()) : "";
  return fetchAs(session, `${taskLink}/decision`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(csrfToken ? { "x-csrf-token": csrfToken } : {}) },
    body: JSON.stringify(decision),
  });
}
