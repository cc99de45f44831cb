import { describe, expect, it } from "vitest";
import { builtOnFirstUse } from "../../functions/domain/validation";

describe("a value built on first use", () => {
  it("is not built until asked for, then built once: every later call gets the same value", () => {
    let builds = 0;
    const value = builtOnFirstUse(() => {
      builds += 1;
      return { built: builds };
    });

    expect(builds).toBe(0);
    const first = value();
    const second = value();

    expect(builds).toBe(1);
    expect(second).toBe(first);
    expect(first).toEqual({ built: 1 });
  });
});
