/**
 * The SES emulator `aws-ses-v2-local`, started in-process on a loopback port. Its page shows every
 * email sent; `GET /store` lists them as JSON (`{ emails: [...] }`). It answers nothing to
 * SendTemplatedEmail, which is why the handlers send plain or raw email with a request timeout.
 * Emails live in memory: a restart of the local stack empties the mailbox.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import * as sesLocal from "aws-ses-v2-local";
import { findFreePort, LOOPBACK } from "../ports";

/** A running SES emulator. */
export interface SesLocal {
  /** What AWS_ENDPOINT_URL_SES is set to. */
  endpoint: string;
  /** The mailbox page. */
  mailboxUrl: string;
  /** Every email as JSON. */
  mailboxJsonUrl: string;
  port: number;
  /** Empties the mailbox. */
  clear(): Promise<void>;
  /**
   * Local only, for fault-injection tests: while on, every SES API call (any POST but the mailbox's
   * own) answers 503 ServiceUnavailable, as SES does in an outage, and nothing is delivered. With
   * `{ every: n }` SES is flaky instead: every n-th call is refused, the others delivered.
   */
  failSends(failing: boolean | { every: number }): void;
  /** How many SES API calls were refused by `failSends` so far. */
  readonly refusedSends: number;
  stop(): Promise<void>;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

/** The package is CommonJS with `exports.default`: find the function whatever the interop layer did. */
function startFunction(): StartServer {
  const candidates: unknown[] = [
    (sesLocal as { default?: unknown }).default,
    ((sesLocal as { default?: { default?: unknown } }).default as { default?: unknown } | undefined)?.default,
  ];
  const start = candidates.find((candidate) => typeof candidate === "function");
  if (!start) throw new Error("aws-ses-v2-local exports no server function");
  return start as StartServer;
}

/** Starts the SES emulator (in-process, loopback) with an empty mailbox. */
export async function startSesLocal(options: { port?: number } = {}): Promise<SesLocal> {
  const host = LOOPBACK;
  const port = await findFreePort(host, options.port);
  const server = await startFunction()({ host, port });
  // The fault switch sits in front of the emulator's own request handlers.
  /** 0: off; 1: every call refused; n: every n-th call refused. */
  let failEvery = 0;
  let calls = 0;
  let refusedSends = 0;
  const emulator = server.listeners("request") as ((...args: unknown[]) => void)[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const isSend = request.method === "POST" && !request.url?.startsWith("/clear-store");
    if (isSend && failEvery > 0 && ++calls % failEvery === 0) {
      refusedSends += 1;
      request.resume();
      response.writeHead(503, { "content-type": "text/xml" });
      response.end(
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Receiver</Type>' +
          "<Code>ServiceUnavailable</Code><Message>Service unavailable (local fault switch)</Message></Error>" +
          "<RequestId>local-fault</RequestId></ErrorResponse>",
      );
      return;
    }
    for (const handle of emulator) handle.call(server, request, response);
  });
  const endpoint = `http://${host}:${port}`;
  const clear = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(`${endpoint}/clear-store`, { method: "POST" });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`the SES emulator did not empty its mailbox (${response.status})`);
        return;
      } catch (error) {
        // Started again in the same process on the same port a moment after the last one stopped,
        // the request can go out on a connection kept alive to that one, closed under it: emptying
        // the mailbox twice is harmless, so it is sent again.
        const closedUnderIt = (error as { cause?: { code?: string } }).cause?.code === "UND_ERR_SOCKET";
        if (!closedUnderIt || attempt >= 3) throw error;
      }
    }
  };
  await clear();
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    mailboxUrl: `${endpoint}/`,
    mailboxJsonUrl: `${endpoint}/store`,
    port,
    clear,
    failSends(on: boolean | { every: number }) {
      failEvery = on === true ? 1 : on === false ? 0 : Math.max(1, Math.floor(on.every));
      calls = 0;
    },
    get refusedSends() {
      return refusedSends;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
