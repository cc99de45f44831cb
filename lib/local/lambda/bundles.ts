/**
 * The functions' code as Lambda runs it: one esbuild bundle per handler entry, built the way the
 * deployment bundles it (lib/constructs/frist-function.ts, FRIST_BUNDLING: ESM for Node 22, the same
 * main fields and `require` banner, the stack's values compiled in by `define`), so the local runtime
 * imports what a deployment would upload instead of the TypeScript sources through tsx.
 *
 * Two local differences, neither visible to a handler: the entries are built together with code
 * splitting (the modules they share are written once, in chunks, and one build of all of them takes
 * about a second), and nothing is minified (a stack trace names the code). The execution
 * environment's own module (./worker.ts) is built with them: a thread then runs plain JavaScript,
 * with no TypeScript loader in it (tsx would transform every bundle again as it loads), and the
 * capacity probe it loads shares the handler's SDK client, being the same build's chunk.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { build as esbuild } from "esbuild";
import { keepBuild, newBuildDir, unchangedBuild } from "../kept-build.js";

/** The deployment's `require` banner (FRIST_BUNDLING.banner; test/infra/bundling.test.ts compares them). */
export const LOCAL_REQUIRE_BANNER =
  "import { createRequire as __fristCreateRequire } from 'node:module'; const require = __fristCreateRequire(import.meta.url);";

/** The deployment's target, format and main fields (FRIST_BUNDLING; compared in the same test). */
export const LOCAL_BUNDLING = { target: "node22", format: "esm", mainFields: ["module", "main"] } as const;

/** The execution environment's entry, relative to the repository root. */
const WORKER_ENTRY = "lib/local/lambda/worker.ts";

/** The bundles of one build: each entry's file, by its path relative to the repository root. */
export interface LocalBundles {
  /** The built file of `entry` (a path relative to the repository root, as "frist:entry" has it). */
  fileOf(entry: string): string | undefined;
  /** The execution environment's module (./worker.ts), built with the handlers. */
  workerFile: string;
  /** The build's directory. */
  dir: string;
}

/** What one build needs. */
export interface BundleOptions {
  repoRoot: string;
  /** Handler entries, relative to `repoRoot`. */
  entries: string[];
  /** Values compiled in by name (the template's "frist:define"), as the deployment does. */
  defines?: Record<string, unknown>;
  /**
   * Where builds are kept and reused while none of their input files has changed (by size and
   * modification time, as esbuild's metafile lists them): a second start loads the build the first
   * one made instead of building again.
   */
  cacheDir: string;
}

const outName = (entry: string) => entry.replace(/\.ts$/, "").replaceAll(/[\\/]/g, "__");

/** Builds the bundles of `entries`, or reuses the kept build when nothing it was built from changed. */
export async function bundleHandlers(options: BundleOptions): Promise<LocalBundles> {
  const entries = [...new Set([...options.entries, WORKER_ENTRY])].sort();
  const define = Object.fromEntries(
    Object.entries(options.defines ?? {}).map(([name, value]) => [name, JSON.stringify(value)]),
  );
  const key = createHash("sha256").update(JSON.stringify({ entries, define })).digest("hex").slice(0, 24);
  const recordFile = path.join(options.cacheDir, `bundles-${key}.json`);
  const dir =
    unchangedBuild(recordFile, options.repoRoot) ??
    (await build(options.repoRoot, entries, define, recordFile));
  return {
    dir,
    fileOf: (entry) => (entries.includes(entry) ? path.join(dir, `${outName(entry)}.mjs`) : undefined),
    workerFile: path.join(dir, `${outName(WORKER_ENTRY)}.mjs`),
  };
}

/**
 * Builds into a directory of its own (a process still running an earlier build keeps it) and records
 * it, with its inputs, in `recordFile` (written whole, then renamed); earlier builds of the same
 * entries are removed once they are a day old.
 */
async function build(
  repoRoot: string,
  entries: string[],
  define: Record<string, string>,
  recordFile: string,
): Promise<string> {
  const dir = newBuildDir(recordFile);
  const result = await esbuild({
    absWorkingDir: repoRoot,
    entryPoints: Object.fromEntries(entries.map((entry) => [outName(entry), entry])),
    outdir: dir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    ...LOCAL_BUNDLING,
    mainFields: [...LOCAL_BUNDLING.mainFields],
    banner: { js: LOCAL_REQUIRE_BANNER },
    define,
    metafile: true,
    logLevel: "error",
  });
  keepBuild(recordFile, dir, repoRoot, Object.keys(result.metafile.inputs));
  return dir;
}
