import { describe, expect, it } from "vitest";
import { createActivity } from "../../lib/local/lambda/activity";

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Work tracked by the activity that ends when `finish` is called. */
function trackedWork(activity: ReturnType<typeof createActivity>) {
  let finish = () => {};
  const done = activity.track(() => new Promise<void>((resolve) => (finish = resolve)));
  return { done, finish: () => finish() };
}

describe("the local runtime's activity", () => {
  it("settles once the last invocation ends, not while one runs", async () => {
    const activity = createActivity();
    const first = trackedWork(activity);
    const second = trackedWork(activity);
    let settled = false;
    const waiting = activity.settled().then(() => {
      settled = true;
    });
    first.finish();
    await later(30);
    expect(settled).toBe(false);
    second.finish();
    await waiting;
    expect(activity.inFlight()).toBe(0);
  });

  it("keeps waiting when the ending invocation hands on to the next in the same turn", async () => {
    const activity = createActivity();
    const step = trackedWork(activity);
    let next: ReturnType<typeof trackedWork> | undefined;
    // As the workflow engine does: the next task starts as the previous one's result arrives.
    void step.done.then(() => {
      next = trackedWork(activity);
    });
    let settled = false;
    const waiting = activity.settled().then(() => {
      settled = true;
    });
    step.finish();
    await later(30);
    expect(next).toBeDefined();
    expect(settled).toBe(false);
    next?.finish();
    await waiting;
    expect(settled).toBe(true);
  });

  it("waits for work it is not told about (the engine's Retry waits) by looking again", async () => {
    const activity = createActivity();
    let retriesWaiting = 1;
    activity.alsoBusy(() => retriesWaiting);
    let settled = false;
    const waiting = activity.settled().then(() => {
      settled = true;
    });
    await later(40);
    expect(settled).toBe(false);
    retriesWaiting = 0;
    await waiting;
    expect(settled).toBe(true);
  });

  it("waits for a quiet stretch when asked, starting over when work comes in it", async () => {
    const activity = createActivity();
    const started = performance.now();
    const waiting = activity.settled(60);
    await later(20);
    const late = trackedWork(activity);
    await later(20);
    late.finish();
    await waiting;
    // 40 ms before the late work ended, then the whole quiet stretch after it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("stops waiting when its signal aborts, even with work under way", async () => {
    const activity = createActivity();
    const stuck = trackedWork(activity);
    const controller = new AbortController();
    const waiting = activity.settled(0, controller.signal);
    await later(20);
    controller.abort();
    await waiting;
    expect(activity.inFlight()).toBe(1);
    stuck.finish();
  });
});
