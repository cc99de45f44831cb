import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { prepareLocalStack, startLocalStack } from "../../lib/local/local-stack";
import { SYNTH_DIR_ENV } from "../../lib/local/synthesized-app";

// A directory of this file's own for the synthesized app and the bundles, so that what the start
// adds or rebuilds there is this test's doing and no other file's.
const keptDir = mkdtempSync(path.join(tmpdir(), "frist-prepare-"));
vi.stubEnv(SYNTH_DIR_ENV, keptDir);

afterAll(() => {
  rmSync(keptDir, { recursive: true, force: true });
});

/** Every file and directory under `dir`, with its modification time. */
function snapshot(dir: string): Record<string, number> {
  const entries: Record<string, number> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    entries[name] = statSync(path.join(dir, name)).mtimeMs;
  }
  return entries;
}

describe("npm ci's prepare script (npm start -- --prepare)", () => {
  it("keeps the synthesized app, every function's bundle and DynamoDB Local's class archive; a start then builds nothing", async () => {
    // Act
    const prepared = await prepareLocalStack();
    const kept = snapshot(keptDir);
    const stack = await startLocalStack({ port: 0, inMemory: true, quiet: true });
    const health = await fetch(`${stack.apiUrl}/openapi.json`);
    await stack.stop();

    // Assess
    expect(prepared.functions).toBeGreaterThan(30);
    expect(prepared.classArchive && existsSync(prepared.classArchive)).toBe(true);
    expect(Object.keys(kept).some((name) => name.endsWith(".json") && !name.startsWith("bundles-"))).toBe(
      true,
    );
    expect(Object.keys(kept).filter((name) => name.endsWith(".mjs")).length).toBeGreaterThan(
      prepared.functions,
    );
    expect(health.status).toBe(200);
    expect(snapshot(keptDir), "the start synthesized or bundled again").toEqual(kept);
  });
});
