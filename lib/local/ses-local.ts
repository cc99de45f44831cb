/**
 * The SES emulator `aws-ses-v2-local`, started in-process on a loopback port. Its page shows every
 * email sent; `GET /store` lists them as JSON (`{ emails: [...] }`). It answers nothing to
 * SendTemplatedEmail, which is why the handlers send plain or raw email with a request timeout.
 * Emails live in memory: a restart of the local stack empties the mailbox.
 */
import type { Server } from "node:http";
import * as sesLocal from "aws-ses-v2-local";
import { findFreePort } from "./ports";

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
  const host = "127.0.0.1";
  const port = await findFreePort(host, options.port);
  const server = await startFunction()({ host, port });
  const endpoint = `http://${host}:${port}`;
  const clear = async (): Promise<void> => {
    const response = await fetch(`${endpoint}/clear-store`, { method: "POST" });
    await response.body?.cancel();
  };
  await clear();
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    mailboxUrl: `${endpoint}/`,
    mailboxJsonUrl: `${endpoint}/store`,
    port,
    clear,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
