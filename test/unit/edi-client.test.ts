/**
 * The EDI 2.0 client (the outbound port to Norsk Helsenett): `POST /Messages` as the MSH API v2 spec
 * says, and its answers turned into what the workflow step can act on.
 */
import { describe, expect, it } from "vitest";
import { Edi20Client } from "../../functions/adapters/edi-client";
import { EdiRejected, EdiUnavailable } from "../../functions/domain/errors";

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

describe("the EDI 2.0 client", () => {
  it("posts the document base64-encoded as UTF-8, with the spec's headers, and returns the message's id", async () => {
    // Prepare
    const { calls, fetchImpl } = answering(
      () => new Response(JSON.stringify("e1d496b1-19d5-4e50-9450-327c57d14d28"), { status: 201 }),
    );

    // Act
    const id = await new Edi20Client("http://127.0.0.1:9/api", fetchImpl).send(XML);

    // Assess
    expect(id).toBe("e1d496b1-19d5-4e50-9450-327c57d14d28");
    expect(calls[0]?.url).toBe("http://127.0.0.1:9/api/Messages");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.headers).toMatchObject({
      "api-version": "2",
      "nhn-source-system": expect.any(String),
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
    const sending = new Edi20Client("http://127.0.0.1:9/", fetchImpl).send(XML);
    await expect(sending).rejects.toBeInstanceOf(expected);
    await expect(sending).rejects.not.toThrow(/13116900216/);
  });

  it("answers a connection that fails with EdiUnavailable", async () => {
    const fetchImpl = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    await expect(new Edi20Client("http://127.0.0.1:9/", fetchImpl).send(XML)).rejects.toBeInstanceOf(
      EdiUnavailable,
    );
  });
});
