// Builds kept on disk and reused while none of their inputs changed: the functions' bundles
// (./lambda/bundles.ts) and the entries of `npm start` and `frist` (bin/built-entry.js). An input is
// compared by size and modification time. Each build has a directory of its own (a process still
// running an earlier one keeps it) and a record file naming it with its inputs. Plain JavaScript:
// bin/built-entry.js loads it before anything is built.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `size:mtimeMs` of `file` (relative to `root`), or undefined if it is gone.
 * @param {string} root
 * @param {string} file
 * @returns {string | undefined}
 */
function stampOf(root, file) {
  try {
    const stats = statSync(path.join(root, file));
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * The directory of the build recorded in `recordFile`, if it is there and none of its inputs changed.
 * @param {string} recordFile
 * @param {string} root the directory the inputs are relative to
 * @returns {string | undefined}
 */
export function unchangedBuild(recordFile, root) {
  /** @type {{ dir: string; inputs: Record<string, string> }} */
  let record;
  try {
    record = JSON.parse(readFileSync(recordFile, "utf8"));
  } catch {
    return undefined;
  }
  if (!existsSync(record.dir)) return undefined;
  for (const [input, was] of Object.entries(record.inputs)) {
    if (stampOf(root, input) !== was) return undefined;
  }
  return record.dir;
}

/**
 * A fresh directory for the next build of `recordFile`'s entry, beside the record.
 * @param {string} recordFile
 * @returns {string}
 */
export function newBuildDir(recordFile) {
  return `${recordFile.replace(/\.json$/, "")}-${Date.now()}-${randomBytes(4).toString("hex")}`;
}

/**
 * Records `dir` as the build of `recordFile` with its inputs as they are now (written whole, then
 * renamed: a reader sees the old record or the new one), and removes earlier builds of the same
 * record once they are a day old (a process loads its build in its first seconds).
 * @param {string} recordFile
 * @param {string} dir the build's directory, from {@link newBuildDir}
 * @param {string} root the directory the inputs are relative to
 * @param {readonly string[]} inputs the files the build was made from
 */
export function keepBuild(recordFile, dir, root, inputs) {
  /** @type {Record<string, string>} */
  const stamps = {};
  for (const input of inputs) {
    const stamp = stampOf(root, input);
    if (stamp) stamps[input] = stamp;
  }
  const cacheDir = path.dirname(recordFile);
  const prefix = `${path.basename(recordFile, ".json")}-`;
  for (const earlier of readdirSync(cacheDir)) {
    const earlierDir = path.join(cacheDir, earlier);
    if (!earlier.startsWith(prefix) || earlierDir === dir) continue;
    try {
      if (Date.now() - statSync(earlierDir).mtimeMs > DAY_MS)
        rmSync(earlierDir, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another process's build.
    }
  }
  const partial = `${recordFile}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(partial, JSON.stringify({ dir, inputs: stamps }));
  renameSync(partial, recordFile);
}
