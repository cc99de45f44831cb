/**
 * The local stack's services: started in order, stopped in reverse, and a failure half-way through
 * start-up stops exactly what had started.
 */
import { describe, expect, it } from "vitest";
import { type LocalService, ServiceList, service, step } from "../../lib/local/services";

/** A service that writes down its start and its stop, and fails to start when told to. */
function recorded(name: string, events: string[], fails = false): LocalService<{ stop(): Promise<void> }> {
  return service(name, async () => {
    if (fails) throw new Error(`${name} did not start`);
    events.push(`start ${name}`);
    return {
      stop: async () => {
        events.push(`stop ${name}`);
      },
    };
  });
}

describe("the local stack's services", () => {
  it("start in order and stop in reverse, each once", async () => {
    // Prepare
    const events: string[] = [];
    const services = new ServiceList(() => undefined);

    // Act
    await services.start(recorded("a", events));
    await services.start(recorded("b", events));
    await services.start(
      step(
        "c",
        () => events.push("start c"),
        () => events.push("stop c"),
      ),
    );
    await services.stopAll();
    await services.stopAll();

    // Assess
    expect(events).toEqual(["start a", "start b", "start c", "stop c", "stop b", "stop a"]);
    expect(Object.keys(services.timings)).toEqual(["a", "b", "c"]);
  });

  it("stop what had started when one fails to start, and nothing after it", async () => {
    // Prepare
    const events: string[] = [];
    const services = new ServiceList(() => undefined);
    await services.start(recorded("a", events));

    // Act
    const failed = services.start(recorded("b", events, true));
    await expect(failed).rejects.toThrow("b did not start");
    await services.stopAll();

    // Assess
    expect(events).toEqual(["start a", "stop a"]);
  });

  it("stop a service started in the background in its place, once it has finished starting", async () => {
    // Prepare
    const events: string[] = [];
    const services = new ServiceList(() => undefined);
    const { promise: booted, resolve: boot } = Promise.withResolvers<void>();
    const slow = service("slow", async () => {
      await booted;
      events.push("start slow");
      return { stop: async () => void events.push("stop slow") };
    });

    // Act: it is still starting when the next one fails and everything stops.
    void services.startInBackground(slow);
    await services.start(recorded("a", events));
    const stopping = services.stopAll();
    boot();
    await stopping;

    // Assess
    expect(events).toEqual(["start a", "stop a", "start slow", "stop slow"]);
  });

  it("go on stopping the others when one fails to stop, and say so", async () => {
    // Prepare
    const events: string[] = [];
    const lines: string[] = [];
    const services = new ServiceList((line) => lines.push(line));
    await services.start(recorded("a", events));
    await services.start(
      service("broken", async () => ({
        stop: async () => {
          throw new Error("broken would not stop");
        },
      })),
    );

    // Act
    await services.stopAll();

    // Assess
    expect(events).toEqual(["start a", "stop a"]);
    expect(lines).toEqual(["stop: broken would not stop"]);
  });
});
