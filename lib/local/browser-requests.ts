/**
 * Telling a web page's request from a local tool's, for the local servers that must not answer a page
 * of another site: the Step Functions API (only an SDK calls it) and the operations server's clock and
 * resume posts (only this machine, or the operations page itself).
 */
import type { IncomingHttpHeaders } from "node:http";

/** A header's first value. */
export const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The request's media type, lower-case, without parameters ("" when none). */
export function mediaTypeOf(headers: IncomingHttpHeaders): string {
  return (headerValue(headers, "content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Whether a browser sent this request from another site: `Sec-Fetch-Site: cross-site`, or an
 * `Origin` whose host is not the one the request is addressed to (`Origin: null`, from a sandboxed
 * frame or a file, is another site too).
 */
export function fromAnotherSite(headers: IncomingHttpHeaders): boolean {
  if (headerValue(headers, "sec-fetch-site")?.toLowerCase() === "cross-site") return true;
  const origin = headerValue(headers, "origin");
  if (origin === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() !== (headerValue(headers, "host") ?? "").toLowerCase();
  } catch {
    return true;
  }
}
