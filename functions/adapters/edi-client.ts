/**
 * Norsk Helsenett's EDI 2.0 REST API ("Meldingstjener", MSH API v2; its OpenAPI spec is public, e.g.
 * in ks-no/fiks-nhn-client `msh-api-v2/spec/msh-api-v2.json`): sending a business document with
 * `POST /Messages` (the MsgHead XML, UTF-8, base64), which answers 201 with the message's id. The
 * meldingstjener does the ebXML envelope, encryption and signing. Locally the stand-in in
 * lib/local/emulators/edi-local.ts answers the same calls, and refuses them as NHN does without a valid token.
 *
 * Every call carries a HelseID access token bound to this environment's key with DPoP
 * (`Authorization: DPoP <token>` and a `DPoP` proof for that very call; ./helseid.ts). A 401 is
 * answered once more: with the nonce the API asked for (`use_dpop_nonce`), or with a new token.
 */
import { EdiRejected, EdiUnavailable } from "../domain/errors";
import type { EdiMailbox, OutboundMessages, ReceiverReceipt, SentMessageReceipts } from "../domain/ports";
import { requireEnv } from "./env";
import type { DpopAuthorization } from "./helseid";
import { helseIdFromEnv } from "./helseid-env";

/** Within the Lambda's own timeout, with room for the retry's next attempt. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The spec's AppRecStatus values (an ApprecInfo without one: the receiver has not answered yet). */
const APPREC_STATUSES: Record<string, ReceiverReceipt["status"]> = {
  Ok: "ok",
  Rejected: "rejected",
  OkErrorInMessagePart: "ok-error-in-part",
};

/** The headers every call carries (the spec's required `api-version` and `nhn-source-system`). */
const HEADERS = { "api-version": "2", "nhn-source-system": "Frist, v1" } as const;

/**
 * What authorizes a call to the API (./helseid.ts HelseIdTokens): the headers of one call, what the
 * API answered (true: it asks for the call again with its DPoP nonce), and dropping a refused token.
 */
export interface EdiAuthorization {
  authorize(method: string, url: URL): Promise<DpopAuthorization>;
  observe(url: URL, response: Response): boolean;
  forget(): void;
}

/** The EDI 2.0 API at `baseUrl`, as the outbound port and the clinic's mailbox. */
export class Edi20Client implements OutboundMessages, EdiMailbox, SentMessageReceipts {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: EdiAuthorization,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(businessDocument: string): Promise<string> {
    const response = await this.call("Messages", {
      method: "POST",
      body: JSON.stringify({
        businessDocument: Buffer.from(businessDocument, "utf8").toString("base64"),
        contentType: "application/xml",
        contentTransferEncoding: "base64",
      }),
    });
    if (response.status === 201 || response.status === 200) {
      const id = (await response.json().catch(() => undefined)) as unknown;
      if (typeof id === "string" && id.length > 0) return id;
    }
    throw new EdiUnavailable();
  }

  async unread(receiverHerIds: string[]): Promise<{ id: string; receiverHerId: string }[]> {
    const query = new URLSearchParams();
    for (const herId of receiverHerIds) query.append("ReceiverHerIds", herId);
    query.set("MessagesToFetch", "10");
    const response = await this.call(`Messages?${query}`, { method: "GET" });
    const list = (await response.json().catch(() => undefined)) as unknown;
    if (!Array.isArray(list)) throw new EdiUnavailable();
    return list.flatMap((item) => {
      const { id, receiverHerId } = (item ?? {}) as { id?: unknown; receiverHerId?: unknown };
      return typeof id === "string" && receiverHerId != null
        ? [{ id, receiverHerId: String(receiverHerId) }]
        : [];
    });
  }

  async businessDocument(id: string): Promise<string> {
    const response = await this.call(`Messages/${encodeURIComponent(id)}/business-document`, {
      method: "GET",
    });
    const body = (await response.json().catch(() => undefined)) as { businessDocument?: unknown } | undefined;
    if (typeof body?.businessDocument !== "string") throw new EdiUnavailable();
    return Buffer.from(body.businessDocument, "base64").toString("utf8");
  }

  async sendAppRec(
    id: string,
    senderHerId: string,
    appRec: { status: "Ok" | "Rejected"; errors: { errorCode: string; details?: string }[] },
  ): Promise<boolean> {
    const response = await this.call(
      `Messages/${encodeURIComponent(id)}/apprec/${encodeURIComponent(senderHerId)}`,
      {
        method: "POST",
        body: JSON.stringify({
          appRecStatus: appRec.status,
          ...(appRec.errors.length > 0 ? { appRecErrorList: appRec.errors } : {}),
        }),
      },
      // An AppRec is final: one already there is refused, and that is what a retry finds.
      [400],
    );
    return response.ok;
  }

  /** `GET /Messages/{id}/apprec`: one ApprecInfo per receiver, `appRecStatus` null until it answered. */
  async receipts(transportId: string): Promise<ReceiverReceipt[]> {
    const response = await this.call(`Messages/${encodeURIComponent(transportId)}/apprec`, { method: "GET" });
    const list = (await response.json().catch(() => undefined)) as unknown;
    if (!Array.isArray(list)) throw new EdiUnavailable();
    return list.flatMap((item): ReceiverReceipt[] => {
      const info = (item ?? {}) as {
        receiverHerId?: unknown;
        appRecStatus?: unknown;
        appRecErrorList?: unknown;
      };
      if (info.receiverHerId == null) return [];
      const status = APPREC_STATUSES[String(info.appRecStatus)];
      const errors = Array.isArray(info.appRecErrorList) ? info.appRecErrorList : [];
      return [
        {
          receiverHerId: String(info.receiverHerId),
          ...(status ? { status } : {}),
          errors: errors.flatMap((error) => {
            const { errorCode, details } = (error ?? {}) as { errorCode?: unknown; details?: unknown };
            if (typeof errorCode !== "string") return [];
            return [
              { code: errorCode, ...(typeof details === "string" && details ? { detail: details } : {}) },
            ];
          }),
        },
      ];
    });
  }

  async markRead(id: string, herId: string): Promise<void> {
    await this.call(`Messages/${encodeURIComponent(id)}/read/${encodeURIComponent(herId)}`, {
      method: "PUT",
    });
  }

  /**
   * One call with the spec's headers and HelseID's, answered once more after a 401 (a refused call
   * changed nothing, so sending it again never duplicates); a failure as EdiUnavailable or
   * EdiRejected, quoting nothing (the body is not read: an error message may quote the document).
   */
  private async call(path: string, init: RequestInit, tolerated: number[] = []): Promise<Response> {
    const url = new URL(path, withSlash(this.baseUrl));
    let response = await this.attempt(url, init);
    if (!this.auth.observe(url, response) && response.status === 401) this.auth.forget();
    if (response.status === 401) {
      response = await this.attempt(url, init);
      this.auth.observe(url, response);
    }
    if (response.ok || tolerated.includes(response.status)) return response;
    if (response.status === 429 || response.status >= 500) throw new EdiUnavailable();
    throw new EdiRejected();
  }

  private async attempt(url: URL, init: RequestInit): Promise<Response> {
    const method = init.method ?? "GET";
    // Outside the try: a token HelseID refused is EdiRejected, not a network fault.
    const { authorization, dpop } = await this.auth.authorize(method, url);
    try {
      return await this.fetchImpl(url, {
        ...init,
        method,
        // A content type only with a body: an empty JSON body is refused.
        headers: {
          ...HEADERS,
          accept: "application/json",
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
          authorization,
          dpop,
        },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      // A refused connection, a reset or a timeout: nothing the API said, and nothing to quote.
      throw new EdiUnavailable();
    }
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * The client of the API this function is given (EDI_API_URL), with its HelseID client
 * (HELSEID_CLIENT and its key): the outbound port and the mailbox.
 */
export function ediFromEnv(): Edi20Client {
  return new Edi20Client(requireEnv("EDI_API_URL"), helseIdFromEnv());
}
