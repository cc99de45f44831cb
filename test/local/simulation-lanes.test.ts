import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eachAtOnce } from "../../lib/local/simulation/lanes";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("eachAtOnce, how frist simulate posts a meeting's decisions", () => {
  it("does every item once and never more than the limit at a time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        async (turns, limit) => {
          const done: number[] = [];
          let running = 0;
          let most = 0;
          await eachAtOnce(
            turns.map((_, index) => index),
            limit,
            async (index) => {
              running += 1;
              most = Math.max(most, running);
              for (let turn = 0; turn < (turns[index] ?? 0); turn++) await tick();
              running -= 1;
              done.push(index);
            },
          );
          expect([...done].sort((a, b) => a - b)).toEqual(turns.map((_, index) => index));
          expect(most).toBeLessThanOrEqual(Math.min(limit, Math.max(turns.length, 1)));
          if (turns.length >= limit) expect(most).toBe(limit);
        },
      ),
    );
  });

  it("rejects with the first failure and starts nothing after it", async () => {
    const started: number[] = [];
    const items = Array.from({ length: 10 }, (_, index) => index);
    const run = eachAtOnce(items, 2, async (index) => {
      started.push(index);
      await tick();
      if (index === 3) throw new Error("the decision form answered 500");
    });
    await expect(run).rejects.toThrow("the decision form answered 500");
    // Items 0–3 had started when 3 failed; the lane beside it may have taken one more before.
    expect(started.length).toBeLessThanOrEqual(5);
    expect(started).toEqual(items.slice(0, started.length));
  });

  it("refuses a limit that would do nothing", async () => {
    await expect(eachAtOnce([1, 2], 0, async () => undefined)).rejects.toThrow(RangeError);
  });
});
