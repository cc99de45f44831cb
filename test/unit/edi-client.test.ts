/**
 * The EDI 2.0 client (the outbound port to Norsk Helsenett): `POST /Messages` as the MSH API v2 spec
 * says, every call with its HelseID token and DPoP proof, and its answers turned into what the
 * workflow step can act on.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Edi20Client, type EdiAuthorization } from "../../functions/adapters/edi-client";
import { HelseIdTokens } from "../../functions/adapters/helseid";
import { EdiRejected, EdiUnavailable } from "../../functions/domain/errors";
import { startEdiLocal } from "../../lib/local/emulators/edi-local";
import {
  EDI_API_RESOURCE,
  localClientKeyPair,
  startHelseIdLocal,
} from "../../lib/local/emulators/helseid-local";

const XML = '<?xml version="1.0" encoding="UTF-8"?><MsgHead>æøå</MsgHead>';

/** A fetch that answers `response` and records the request. */
function answering(response: () => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = (async (url: URL | string, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return response();
  }) as typeof fetch;
  return { calls, fetchImpl };
}

/** An authorization that names each call in its proof, and records what it was told. */
function fakeAuthorization() {
  const told = { nonceRetries: 0, forgotten: 0, tokens: 0 };
  const auth: EdiAuthorization = {
    authorize: async (method, url) => {
      told.tokens += 1;
      return { authorization: `DPoP token-${told.forgotten}`, dpop: `proof ${method} ${url.href}` };
    },
    observe: (_url, response) => {
      const retry = response.status === 401 && response.headers.has("dpop-nonce");
      if (retry) told.nonceRetries += 1;
      return retry;
    },
    forget: () => {
      told.forgotten += 1;
    },
  };
  return { auth, told };
}

describe("the EDI 2.0 client", () => {
  it("posts the document base64-encoded as UTF-8, with the spec's headers, and returns the message's id", async () => {
    // Prepare
    const { calls, fetchImpl } = answering(
      () => new Response(JSON.stringify("e1d496b1-19d5-4e50-9450-327c57d14d28"), { status: 201 }),
    );

    // Act
    const id = await new Edi20Client("http://127.0.0.1:9/api", fakeAuthorization().auth, fetchImpl).send(XML);

    // Assess
    expect(id).toBe("e1d496b1-19d5-4e50-9450-327c57d14d28");
    expect(calls[0]?.url).toBe("http://127.0.0.1:9/api/Messages");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.headers).toMatchObject({
      "api-version": "2",
      "nhn-source-system": expect.any(String),
      authorization: "DPoP token-0",
      dpop: "proof POST http://127.0.0.1:9/api/Messages",
    });
    const body = JSON.parse(String(calls[0]?.init.body));
    expect(body).toMatchObject({ contentType: "application/xml", contentTransferEncoding: "base64" });
    expect(Buffer.from(body.businessDocument, "base64").toString("utf8")).toBe(XML);
  });

  it.each([
    [500, EdiUnavailable],
    [503, EdiUnavailable],
    [429, EdiUnavailable],
    [400, EdiRejected],
    [401, EdiRejected],
    [403, EdiRejected],
  ])("answers HTTP %i with %O, quoting nothing the API said", async (status, expected) => {
    const { fetchImpl } = answering(() => new Response('{"error":"Kari Nordmann 13116900216"}', { status }));
    const sending = new Edi20Client("http://127.0.0.1:9/", fakeAuthorization().auth, fetchImpl).send(XML);
    await expect(sending).rejects.toBeInstanceOf(expected);
    await expect(sending).rejects.not.toThrow(/13116900216/);
  });

  it("answers a connection that fails with EdiUnavailable", async () => {
    const fetchImpl = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    await expect(
      new Edi20Client("http://127.0.0.1:9/", fakeAuthorization().auth, fetchImpl).send(XML),
    ).rejects.toBeInstanceOf(EdiUnavailable);
  });

  it("reads the mailbox as the spec says: unread by HER-ids, the document decoded, an AppRec once, read without a body", async () => {
    // Prepare
    const answers = [
      () => new Response(JSON.stringify([{ id: "m-1", receiverHerId: 90998 }]), { status: 200 }),
      () =>
        new Response(
          JSON.stringify({
            businessDocument: Buffer.from(XML).toString("base64"),
            contentType: "application/xml",
            contentTransferEncoding: "base64",
          }),
          { status: 200 },
        ),
      () => new Response(null, { status: 201 }),
      () => new Response('{"error":"An AppRec was already sent"}', { status: 400 }),
      () => new Response(null, { status: 204 }),
    ];
    const { calls, fetchImpl } = answering(() => (answers.shift() as () => Response)());
    const client = new Edi20Client("http://127.0.0.1:9/", fakeAuthorization().auth, fetchImpl);

    // Act
    const unread = await client.unread(["59", "90998"]);
    const document = await client.businessDocument("m-1");
    const first = await client.sendAppRec("m-1", "90998", { status: "Ok", errors: [] });
    const again = await client.sendAppRec("m-1", "90998", { status: "Ok", errors: [] });
    await client.markRead("m-1", "90998");

    // Assess
    expect(unread).toEqual([{ id: "m-1", receiverHerId: "90998" }]);
    expect(calls[0]?.url).toBe(
      "http://127.0.0.1:9/Messages?ReceiverHerIds=59&ReceiverHerIds=90998&MessagesToFetch=10",
    );
    expect(document).toBe(XML);
    expect([first, again]).toEqual([true, false]);
    expect(JSON.parse(String(calls[2]?.init.body))).toEqual({ appRecStatus: "Ok" });
    expect(calls[4]).toMatchObject({
      url: "http://127.0.0.1:9/Messages/m-1/read/90998",
      init: { method: "PUT" },
    });
    expect(calls[4]?.init.headers).not.toHaveProperty("content-type");
    // Every mailbox call carries the token and a proof of that very call (method and URL).
    for (const call of calls) {
      expect(call.init.headers, call.url).toMatchObject({
        authorization: "DPoP token-0",
        dpop: `proof ${call.init.method} ${call.url}`,
      });
    }
  });

  it("answers the API's use_dpop_nonce once, with the nonce, and sends the message once", async () => {
    // Prepare: a first answer asking for a nonce, then the created message
    const answers = [
      () =>
        new Response(null, {
          status: 401,
          headers: { "dpop-nonce": "n-1", "www-authenticate": 'DPoP error="use_dpop_nonce"' },
        }),
      () => new Response(JSON.stringify("id-1"), { status: 201 }),
    ];
    const { calls, fetchImpl } = answering(() => (answers.shift() as () => Response)());
    const { auth, told } = fakeAuthorization();

    // Act
    const id = await new Edi20Client("http://127.0.0.1:9/", auth, fetchImpl).send(XML);

    // Assess
    expect(id).toBe("id-1");
    expect(calls).toHaveLength(2);
    expect(told).toEqual({ nonceRetries: 1, forgotten: 0, tokens: 2 });
  });

  it("takes a new token once when the API refuses the cached one, and then gives up with EdiRejected", async () => {
    // Prepare: the API refuses every token
    const { calls, fetchImpl } = answering(
      () =>
        new Response(null, { status: 401, headers: { "www-authenticate": 'DPoP error="invalid_token"' } }),
    );
    const { auth, told } = fakeAuthorization();

    // Act
    const reading = new Edi20Client("http://127.0.0.1:9/", auth, fetchImpl).unread(["8100002"]);

    // Assess
    await expect(reading).rejects.toBeInstanceOf(EdiRejected);
    expect(calls.map((call) => (call.init.headers as Record<string, string>).authorization)).toEqual([
      "DPoP token-0",
      "DPoP token-1",
    ]);
    expect(told.forgotten).toBe(1);
  });

  it("calls nothing when HelseID refuses the token, and says EdiRejected", async () => {
    const { calls, fetchImpl } = answering(() => new Response(null, { status: 201 }));
    const auth: EdiAuthorization = {
      authorize: async () => {
        throw new EdiRejected();
      },
      observe: () => false,
      forget: () => undefined,
    };
    await expect(new Edi20Client("http://127.0.0.1:9/", auth, fetchImpl).send(XML)).rejects.toBeInstanceOf(
      EdiRejected,
    );
    expect(calls).toEqual([]);
  });

  it("reads a sent message's receipts from the local stand-in, one per receiver and copy receiver: none until each answers, then its status and error codes", async () => {
    // Prepare: the stand-ins (HelseID, whose DPoP-bound token the API requires), and a Status på
    // henvisning sent through them
    const keys = localClientKeyPair();
    const helseId = await startHelseIdLocal({ clientPublicKey: keys.publicJwk });
    const edi = await startEdiLocal({ helseId });
    try {
      const status = readFileSync(
        new URL(
          "../fixtures/messages/eksempel/Dialogmelding_v1-1/Status_paa_henvisning-InnkaltEtterViderehenvisning.xml",
          import.meta.url,
        ),
        "utf8",
      );
      const tokens = new HelseIdTokens(
        { ...helseId, scope: EDI_API_RESOURCE.scope },
        async () => keys.privateJwk,
      );
      const client = new Edi20Client(edi.url, tokens);
      const id = await client.send(status);

      // Act: before and after the receiver's AppRec (posted as the receiving system would)
      const before = await client.receipts(id);
      const answered = await fetch(new URL(`sent/${id}/apprec`, edi.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          appRecStatus: "Rejected",
          appRecErrorList: [{ errorCode: "E21", details: "Mottaker finnes ikke" }],
        }),
      });
      const after = await client.receipts(id);
      const unknown = client.receipts("00000000-0000-4000-8000-000000000000");

      // Assess: HIS 1206's example is copied to the GP (OtherReceiver, HER-id 258521), who answers for itself.
      expect(before).toEqual([
        { receiverHerId: "62", errors: [] },
        { receiverHerId: "258521", errors: [] },
      ]);
      expect(answered.status).toBe(201);
      expect(after).toEqual([
        {
          receiverHerId: "62",
          status: "rejected",
          errors: [{ code: "E21", detail: "Mottaker finnes ikke" }],
        },
        { receiverHerId: "258521", errors: [] },
      ]);
      await expect(unknown).rejects.toBeInstanceOf(EdiRejected);
      const copyAnswered = await fetch(new URL(`sent/${id}/apprec`, edi.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ appRecStatus: "Ok", receiverHerId: 258521 }),
      });
      const again = await fetch(new URL(`sent/${id}/apprec`, edi.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ appRecStatus: "Rejected", receiverHerId: 258521 }),
      });
      expect(copyAnswered.status).toBe(201);
      expect(again.status).toBe(409);
      expect((await client.receipts(id))[1]).toEqual({ receiverHerId: "258521", status: "ok", errors: [] });
    } finally {
      await edi.stop();
      await helseId.stop();
    }
  });
});
