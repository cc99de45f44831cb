/**
 * Small helpers for API Gateway proxy events: header lookup, JSON and HTML answers. HTML answers carry
 * headers that keep staff pages (which show health data) out of caches and frames.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

/** A header's value, whatever case the client or API Gateway gave its name. */
export function header(event: Pick<APIGatewayProxyEvent, "headers">, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value ?? undefined;
  }
  return undefined;
}

/** The request body as text (API Gateway may hand it over base64-encoded). */
export function bodyText(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): string {
  if (!event.body) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
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
  return json(500, { error: "internal_error" });
}
