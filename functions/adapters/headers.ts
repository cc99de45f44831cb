/** Header lookup for API Gateway proxy events, for the HTTP wrapper and for sign-in alike. */
import type { APIGatewayProxyEvent } from "aws-lambda";

/** A header's value, whatever case the client or API Gateway gave its name. */
export function header(event: Pick<APIGatewayProxyEvent, "headers">, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value ?? undefined;
  }
  return undefined;
}
