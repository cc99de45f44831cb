// Runs one of the TypeScript entry points under bin/ from a build kept in node_modules/.cache/frist:
// our code bundled by esbuild into a few files, the packages left as they are for Node to load.
// Through tsx's loader Node would compile and load some 130 files of ours one by one, about 1.3 s of
// every `npm start` and `frist` command. A build is reused while every file it was built from (as
// esbuild's metafile lists them, plus cdk.json and package-lock.json, which synthesis reads) is as
// it was (lib/local/kept-build.js, as for the functions' bundles). The command learns its build's
// directory (FRIST_BUILD_DIR), where the local runtime keeps the app synthesized from that build: a
// start synthesizes again only after a change.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { keepBuild, newBuildDir, unchangedBuild } from "../lib/local/kept-build.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE_DIR = path.join(REPO_ROOT, "node_modules", ".cache", "frist");
/** Files read at run time rather than imported: a change to them is a change to the build. */
const ALSO_READ = ["cdk.json", "package-lock.json"];

/**
 * `import.meta.url` of each module is its source file's URL, as under tsx: the modules that find
 * files beside them (the DynamoDB Local launcher's Java source, the worker threads' modules, the
 * repository root) find them wherever the build is kept.
 * @type {import("esbuild").Plugin}
 */
const sourceUrls = {
  name: "source-urls",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return {
        contents: `const __fristSourceUrl = ${url};\n${readFileSync(args.path, "utf8")}`,
        loader: "ts",
      };
    });
  },
};

/**
 * Builds `entry` into a directory of its own and keeps it with its inputs.
 * @param {string} entry
 * @param {string} recordFile
 * @returns {Promise<string>} the build's directory
 */
async function build(entry, recordFile) {
  const { build: esbuild } = await import("esbuild");
  const dir = newBuildDir(recordFile);
  const result = await esbuild({
    absWorkingDir: REPO_ROOT,
    entryPoints: { main: entry },
    outdir: dir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    packages: "external",
    define: { "import.meta.url": "__fristSourceUrl" },
    plugins: [sourceUrls],
    sourcemap: "linked",
    metafile: true,
    logLevel: "error",
  });
  keepBuild(recordFile, dir, REPO_ROOT, [...Object.keys(result.metafile.inputs), ...ALSO_READ]);
  return dir;
}

/**
 * Imports the built `entry` (a path under the repository root, e.g. "bin/local.ts"), building it
 * first if it has no build or any of its inputs changed.
 * @param {string} entry
 * @returns {Promise<Record<string, unknown>>} the entry's module
 */
export async function importBuilt(entry) {
  const recordFile = path.join(
    CACHE_DIR,
    `entry-${entry.replace(/\.ts$/, "").replaceAll(/[\\/]/g, "__")}.json`,
  );
  const dir = unchangedBuild(recordFile, REPO_ROOT) ?? (await build(entry, recordFile));
  process.env.FRIST_BUILD_DIR = dir;
  return import(pathToFileURL(path.join(dir, "main.mjs")).href);
}
