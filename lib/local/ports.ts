/** Loopback port helpers for the local services. */
import type { Server } from "node:http";
import { type AddressInfo, createServer } from "node:net";

/** Whether `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port on `host`: `preferred` when it is free (a restarted local stack in the same process keeps
 * its ports, because the handlers' SDK clients cache their endpoints), else one the OS picks.
 */
export async function findFreePort(host = "127.0.0.1", preferred?: number): Promise<number> {
  if (preferred && (await isPortFree(preferred, host))) return preferred;
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Listens with `server` on `host` and answers the port: `preferred` when it is free, else one the OS
 * picks as it binds. Nothing is probed first, so nothing can take the port between its choice and
 * the listen (an outgoing connection's ephemeral port, another stack's service: a test run saw
 * EADDRINUSE that way).
 */
export async function listenOnFreePort(server: Server, host: string, preferred?: number): Promise<number> {
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  if (preferred) {
    try {
      await listen(preferred);
      return preferred;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
  }
  await listen(0);
  return (server.address() as AddressInfo).port;
}

/** Where every local service listens: IPv4 loopback, never an interface another machine reaches. */
export const LOOPBACK = "127.0.0.1";

/**
 * The address to listen on for a service reached as `host`: `localhost` (the name the API and the
 * operations page are opened under, so they share the browser's session cookie) listens on
 * {@link LOOPBACK}; a loopback address as it is. Anything else is refused: a local service holds
 * health data and answers without AWS's authentication.
 */
export function loopbackListenAddress(host: string): string {
  if (host === "localhost") return LOOPBACK;
  if (/^127(\.\d{1,3}){3}$/.test(host) || host === "::1") return host;
  throw new Error(`a local service listens on loopback only, not on ${host}`);
}
