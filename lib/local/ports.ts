/** Loopback port helpers for the local services. */
import { createServer } from "node:net";

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
