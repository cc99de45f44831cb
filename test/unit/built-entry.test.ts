/**
 * `npm start` and `frist` run their entry from a kept build (bin/built-entry.js): each module still
 * knows its source file's URL, and the build is reused until a file it was built from changes.
 */
import { statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { importBuilt } from "../../bin/built-entry.js";

const ENTRY = "test/support/built-entry-fixture.ts";
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const entryFile = path.join(REPO_ROOT, ENTRY);

describe("a command's kept build", () => {
  const previous = process.env.FRIST_BUILD_DIR;

  afterEach(() => {
    if (previous === undefined) delete process.env.FRIST_BUILD_DIR;
    else process.env.FRIST_BUILD_DIR = previous;
  });

  it("gives each module its source file's URL and tells the command its build directory", async () => {
    // Act
    const built = (await importBuilt(ENTRY)) as typeof import("../support/built-entry-fixture");

    // Assess
    expect(built.ownUrl).toBe(pathToFileURL(entryFile).href);
    expect(path.resolve(built.repoRoot)).toBe(path.resolve(REPO_ROOT));
    expect(process.env.FRIST_BUILD_DIR).toContain(path.join("node_modules", ".cache", "frist"));
    expect(statSync(path.join(String(process.env.FRIST_BUILD_DIR), "main.mjs")).isFile()).toBe(true);
  });

  it("is reused while its inputs are unchanged and built again after one changes", async () => {
    // Arrange
    await importBuilt(ENTRY);
    const first = process.env.FRIST_BUILD_DIR;

    // Act
    await importBuilt(ENTRY);
    const unchanged = process.env.FRIST_BUILD_DIR;
    const later = new Date(statSync(entryFile).mtimeMs + 1_000);
    utimesSync(entryFile, later, later);
    await importBuilt(ENTRY);
    const afterChange = process.env.FRIST_BUILD_DIR;

    // Assess
    expect(unchanged).toBe(first);
    expect(afterChange).not.toBe(first);
  });
});
