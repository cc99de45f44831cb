/**
 * The local stack as a list of services: each one starts, and stops what it started. They start one
 * after the other, each given what it needs from those before it, and stop in reverse, so that a
 * failure half-way through start-up stops exactly what had started.
 */

/** One part of the local stack. */
export interface LocalService<Started> {
  /** Its name in the start-up timings and in a failed stop's log line. */
  readonly name: string;
  start(): Promise<Started>;
  stop(): Promise<void>;
}

/** A running stand-in or server that stops itself (most of the local runtime's parts). */
interface Stoppable {
  stop(): Promise<void>;
}

/** A service around a `start` that resolves with something that stops itself. */
export function service<Started extends Stoppable>(
  name: string,
  start: () => Promise<Started>,
): LocalService<Started> {
  let started: Started | undefined;
  return {
    name,
    async start() {
      started = await start();
      return started;
    },
    async stop() {
      await started?.stop();
    },
  };
}

/** A service with nothing to wait for: `start` runs at once, `undo` on stop. */
export function step<Started>(
  name: string,
  start: () => Started,
  undo: (started: Started) => unknown = () => {},
) {
  let started: { value: Started } | undefined;
  return {
    name,
    async start() {
      started = { value: start() };
      return started.value;
    },
    async stop() {
      if (started) await undo(started.value);
    },
  } satisfies LocalService<Started>;
}

/** The services started so far, in order, with how long each took to start. */
export class ServiceList {
  private readonly started: Array<LocalService<unknown>> = [];
  /** Milliseconds each service took to start, by name. */
  readonly timings: Record<string, number> = {};

  constructor(private readonly log: (line: string) => void) {}

  /** Starts a service; it stops before every service started earlier. */
  async start<Started>(service: LocalService<Started>): Promise<Started> {
    const began = Date.now();
    const value = await service.start();
    this.started.push(service);
    this.timings[service.name] = Date.now() - began;
    return value;
  }

  /**
   * Starts a service without waiting for it (what boots slowly, while the others start): it takes its
   * place in the order now, and on stop it first finishes starting, then stops. Await the answer
   * before using it; a failure to start is then thrown where it is awaited.
   */
  startInBackground<Started>(service: LocalService<Started>): Promise<Started> {
    const began = Date.now();
    const starting = service.start().then((value) => {
      this.timings[service.name] = Date.now() - began;
      return value;
    });
    starting.catch(() => undefined);
    this.started.push({
      name: service.name,
      start: () => starting,
      stop: () =>
        starting.then(
          () => service.stop(),
          () => undefined,
        ),
    });
    return starting;
  }

  /** Stops every service started, the last one first; a failed stop is logged and the others go on. */
  async stopAll(): Promise<void> {
    for (const started of this.started.splice(0).reverse()) {
      await started.stop().catch((error: unknown) => this.log(`stop: ${(error as Error).message}`));
    }
  }
}
