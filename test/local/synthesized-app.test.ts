/**
 * The synthesized app is kept per context for a test run, and in the build directory of `npm start`
 * and `frist` (bin/built-entry.js): a context is synthesized once, and every start still gets a
 * sign-in state key of its own.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BUILD_DIR_ENV,
  SYNTH_DIR_ENV,
  type SynthesizedApp,
  synthesizeLocalApp,
} from "../../lib/local/synthesized-app";

/** Every SIGN_IN_STATE_KEY a function of the template is given. */
function signInStateKeys(app: SynthesizedApp): string[] {
  return Object.values(app.template.Resources ?? {}).flatMap((resource) => {
    const variables = (resource as { Properties?: { Environment?: { Variables?: Record<string, unknown> } } })
      .Properties?.Environment?.Variables;
    return typeof variables?.SIGN_IN_STATE_KEY === "string" ? [variables.SIGN_IN_STATE_KEY] : [];
  });
}

describe("the synthesized app of a test run", () => {
  let dir: string;
  let previous: string | undefined;

  beforeEach(() => {
    previous = process.env[SYNTH_DIR_ENV];
    dir = mkdtempSync(path.join(tmpdir(), "frist-synth-test-"));
    process.env[SYNTH_DIR_ENV] = dir;
  });

  afterEach(() => {
    if (previous === undefined) delete process.env[SYNTH_DIR_ENV];
    else process.env[SYNTH_DIR_ENV] = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("synthesizes a context once and gives every start a fresh sign-in state key", async () => {
    // Act
    const first = await synthesizeLocalApp(undefined);
    const kept = readdirSync(dir);
    const writtenAt = statSync(path.join(dir, String(kept[0]))).mtimeMs;
    const second = await synthesizeLocalApp(undefined);

    // Assess
    expect(kept).toHaveLength(1);
    // Read back, not synthesized and written again.
    expect(readdirSync(dir)).toEqual(kept);
    expect(statSync(path.join(dir, String(kept[0]))).mtimeMs).toBe(writtenAt);
    const [firstKey] = signInStateKeys(first);
    const [secondKey] = signInStateKeys(second);
    expect(firstKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secondKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secondKey).not.toBe(firstKey);
    expect({ ...second, template: undefined }).toEqual({ ...first, template: undefined });
    expect(Object.keys(second.template.Resources ?? {})).toEqual(Object.keys(first.template.Resources ?? {}));
  });
});

describe("the synthesized app of a built command", () => {
  const names = [SYNTH_DIR_ENV, BUILD_DIR_ENV, "CDK_DEFAULT_ACCOUNT"] as const;
  let buildDir: string;
  let previous: Record<string, string | undefined>;

  beforeEach(() => {
    previous = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    buildDir = mkdtempSync(path.join(tmpdir(), "frist-build-test-"));
    delete process.env[SYNTH_DIR_ENV];
    delete process.env.CDK_DEFAULT_ACCOUNT;
    process.env[BUILD_DIR_ENV] = buildDir;
  });

  afterEach(() => {
    for (const name of names) {
      if (previous[name] === undefined) delete process.env[name];
      else process.env[name] = previous[name];
    }
    rmSync(buildDir, { recursive: true, force: true });
  });

  it("is kept in the build's directory and synthesized again when a CDK variable changes", async () => {
    // Act
    await synthesizeLocalApp(undefined);
    const kept = readdirSync(path.join(buildDir, "synthesized"));
    await synthesizeLocalApp(undefined);
    const readBack = readdirSync(path.join(buildDir, "synthesized"));
    process.env.CDK_DEFAULT_ACCOUNT = "111122223333";
    await synthesizeLocalApp(undefined);
    const afterChange = readdirSync(path.join(buildDir, "synthesized"));

    // Assess
    expect(kept).toHaveLength(1);
    expect(readBack).toEqual(kept);
    expect(afterChange).toHaveLength(2);
    expect(afterChange).toEqual(expect.arrayContaining(kept));
  });
});
