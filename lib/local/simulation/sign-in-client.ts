/**
 * The local sign-in client of `frist simulate` and the end-to-end tests. Signs in over HTTP the way
 * a browser without JavaScript does: Frist's /auth/login, the local OpenID provider's form
 * (identifier + password), its redirects, Frist's callback. Returns the session cookie to send with
 * later requests. Only fetch and a small cookie jar per host.
 */
import type { LocalStack } from "../local-stack";

/** A signed-in browser: the Cookie header value that carries its Frist session. */
export interface SignedIn {
  cookie: string;
  /** Where the callback sent the browser (the page asked for, or /auth/session). */
  landedOn: string;
}

class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  store(url: string, response: Response): void {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/max-age=0/i.test(line) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(host, jar);
  }
  header(url: string): string {
    const jar = this.byHost.get(new URL(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join("; ") : "";
  }
  get(url: string, name: string): string | undefined {
    return this.byHost.get(new URL(url).host)?.get(name);
  }
}

/**
 * Signs in as `identifier` (a staff email, a national ID or an HPR number) for `audience`, and
 * comes back to `returnTo`. Throws when the provider's form answers anything but a redirect (a
 * wrong password shows the form again).
 */
export async function signIn(
  stack: Pick<LocalStack, "apiUrl" | "signIn">,
  identifier: string,
  options: { audience?: "staff" | "patient" | "professional"; returnTo?: string; password?: string } = {},
): Promise<SignedIn> {
  const jar = new CookieJar();
  const params = new URLSearchParams({ audience: options.audience ?? "staff" });
  if (options.returnTo) params.set("returnTo", options.returnTo);
  let url = `${stack.apiUrl}/auth/login?${params}`;
  let formPosted = false;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, { redirect: "manual", headers: { cookie: jar.header(url) } });
    jar.store(url, response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url).href;
      if (next.startsWith(stack.apiUrl) && !next.startsWith(`${stack.apiUrl}/auth/`) && formPosted) {
        return { cookie: `frist_session=${jar.get(stack.apiUrl, "frist_session")}`, landedOn: next };
      }
      if (next.startsWith(`${stack.apiUrl}/auth/session`) && formPosted) {
        return { cookie: `frist_session=${jar.get(stack.apiUrl, "frist_session")}`, landedOn: next };
      }
      url = next;
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action || formPosted) {
      throw new Error(`sign-in as ${identifier} stopped at ${url} with ${response.status}`);
    }
    const post = new URL(action, url).href;
    const posted = await fetch(post, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: jar.header(post), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        identifier,
        password: options.password ?? stack.signIn.password,
      }).toString(),
    });
    jar.store(post, posted);
    formPosted = true;
    const next = posted.headers.get("location");
    if (posted.status < 300 || posted.status >= 400 || !next) {
      throw new Error(`the local provider refused ${identifier} (${posted.status})`);
    }
    url = new URL(next, post).href;
  }
  throw new Error(`sign-in as ${identifier} did not finish`);
}

/** Fetches with the session's cookie, without following redirects (a 303 to sign-in stays visible). */
export function fetchAs(
  session: SignedIn | undefined,
  url: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (session) headers.set("cookie", session.cookie);
  return fetch(url, { ...init, headers, redirect: "manual" });
}
