/**
 * Norsk Helsenett's EDI 2.0 REST API ("Meldingstjener", MSH API v2; its OpenAPI spec is public, e.g.
 * in ks-no/fiks-nhn-client `msh-api-v2/spec/msh-api-v2.json`): sending a business document with
 * `POST /Messages` (the MsgHead XML, UTF-8, base64), which answers 201 with the message's id. The
 * meldingstjener does the ebXML envelope, encryption and signing. Locally the stand-in in
 * lib/local/edi-local.ts answers the same calls.
 *
 * Not built yet: the HelseID access token with DPoP the real API requires (client credentials with
 * `private_key_jwt`); without it the real API refuses every call (EdiRejected).
 */
import { EdiRejected, EdiUnavailable } from "../domain/errors";
import type { OutboundMessages } from "../domain/ports";
import { requireEnv } from "./env";

/** Within the Lambda's own timeout, with room for the retry's next attempt. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The headers every call carries (the spec's required `api-version` and `nhn-source-system`). */
const HEADERS = { "api-version": "2", "nhn-source-system": "Frist, v1" } as const;

/** The EDI 2.0 API at `baseUrl`, as the outbound port. */
export class Edi20Client implements OutboundMessages {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(businessDocument: string): Promise<string> {
    let response: Response;
    try {
      response = await this.fetchImpl(new URL("Messages", withSlash(this.baseUrl)), {
        method: "POST",
        headers: { ...HEADERS, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          businessDocument: Buffer.from(businessDocument, "utf8").toString("base64"),
          contentType: "application/xml",
          contentTransferEncoding: "base64",
        }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      // A refused connection, a reset or a timeout: nothing the API said, and nothing to quote.
      throw new EdiUnavailable();
    }
    if (response.status === 201 || response.status === 200) {
      const id = (await response.json().catch(() => undefined)) as unknown;
      if (typeof id === "string" && id.length > 0) return id;
      throw new EdiUnavailable();
    }
    // The body is not read: an error message may quote the document.
    if (response.status === 429 || response.status >= 500) throw new EdiUnavailable();
    throw new EdiRejected();
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** The client of the API this function is given (EDI_API_URL). */
export function outboundFromEnv(): OutboundMessages {
  return new Edi20Client(requireEnv("EDI_API_URL"));
}
