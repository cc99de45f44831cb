/**
 * The functions' deployment bundles, built as a deployment builds them (FRIST_BUNDLING: minified ESM,
 * the SDK inside, the tracing choice compiled in), and a fresh `node` process that imports one and
 * invokes its handler once, with nothing but the environment it is given.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { type BuildOptions, build } from "esbuild";
import { FRIST_BUNDLING, fristBundling, REPO_ROOT } from "../../lib/constructs/frist-function";
import { SYNTH_DIR_ENV } from "../../lib/local/synthesized-app";
import type { LocalFunction } from "../../lib/local/template";

/**
 * esbuild's options for a function's bundle as a deployment builds it (FRIST_BUNDLING, the tracing
 * choice and the stack's bundle defines compiled in), for the tests and benchmarks that bundle as CDK
 * does; callers add the entry, the output and what they read back (a metafile, source maps).
 */
export function deploymentBuildOptions(
  traceAwsCalls = false,
  bundleDefines: Record<string, unknown> = {},
): BuildOptions {
  return {
    bundle: true,
    platform: "node",
    format: "esm",
    target: FRIST_BUNDLING.target,
    mainFields: FRIST_BUNDLING.mainFields,
    banner: { js: FRIST_BUNDLING.banner },
    minify: FRIST_BUNDLING.minify,
    external: FRIST_BUNDLING.externalModules,
    define: fristBundling(traceAwsCalls, bundleDefines).define,
    logLevel: "silent",
  };
}

/** Bundles every function's entry into `dir/<logicalId>/index.mjs` in one esbuild run; returns the files. */
export async function bundleFunctions(
  functions: LocalFunction[],
  dir: string,
  traceAwsCalls = false,
): Promise<Record<string, string>> {
  await build({
    // The template records one set of defines for the whole stack, so every function has the same.
    ...deploymentBuildOptions(traceAwsCalls, functions[0]?.bundleDefines),
    entryPoints: functions.map((fn) => ({
      in: path.join(REPO_ROOT, fn.entry),
      out: `${fn.logicalId}/index`,
    })),
    outdir: dir,
    outExtension: { ".js": ".mjs" },
  });
  return Object.fromEntries(functions.map((fn) => [fn.logicalId, path.join(dir, fn.logicalId, "index.mjs")]));
}

/**
 * Every function's deployment bundle ({@link bundleFunctions}), built once per test run: kept in the
 * run's own directory (test/support/synthesize-once.ts) under a key of the functions, their entries
 * and the build's choices, so the test files that read or run the bundles of the same functions
 * share one esbuild run of some forty entries. Built aside and renamed: a file that asks meanwhile
 * builds its own copy, and the first rename wins.
 */
export async function runDeploymentBundles(
  functions: LocalFunction[],
  traceAwsCalls = false,
): Promise<Record<string, string>> {
  const runDir = process.env[SYNTH_DIR_ENV];
  if (!runDir) throw new Error(`${SYNTH_DIR_ENV} is not set: run the tests through vitest.config.ts`);
  const key = createHash("sha256")
    .update(
      JSON.stringify([traceAwsCalls, functions.map((fn) => [fn.logicalId, fn.entry, fn.bundleDefines])]),
    )
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(runDir, `deployment-bundles-${key}`);
  const complete = path.join(dir, ".complete");
  if (!existsSync(complete)) {
    const aside = `${dir}.${process.pid}.${randomBytes(4).toString("hex")}`;
    try {
      await bundleFunctions(functions, aside, traceAwsCalls);
      writeFileSync(path.join(aside, ".complete"), "");
      renameSync(aside, dir);
    } catch (error) {
      // Another file's copy took the name first: use it.
      if (!existsSync(complete)) throw error;
    } finally {
      rmSync(aside, { recursive: true, force: true });
    }
  }
  return Object.fromEntries(functions.map((fn) => [fn.logicalId, path.join(dir, fn.logicalId, "index.mjs")]));
}

/** What one invocation in a fresh process came to. */
export type ColdInvocation =
  | { phase: "init"; error: { name: string; message: string } }
  | { phase: "invoke"; ok: true; result: unknown }
  | { phase: "invoke"; ok: false; error: { name: string; message: string } };

const INVOKE_SCRIPT = `
const [file, handlerName, eventText] = process.argv.slice(-3);
const report = (value) => process.stdout.write("\\n@@" + JSON.stringify(value));
const named = (e) => ({ name: e?.name ?? "Error", message: String(e?.message ?? e) });
let handler;
try {
  handler = (await import(file))[handlerName];
  if (typeof handler !== "function") throw Object.assign(new Error("no handler " + handlerName), { name: "Runtime.HandlerNotFound" });
} catch (e) { report({ phase: "init", error: named(e) }); process.exit(0); }
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: "contract", getRemainingTimeInMillis: () => 10000 };
try { report({ phase: "invoke", ok: true, result: (await handler(JSON.parse(eventText), context)) ?? null }); }
catch (e) { report({ phase: "invoke", ok: false, error: named(e) }); }
process.exit(0);
`;

/**
 * Imports `bundle` in a new `node` process whose environment is exactly `env` (plus PATH), and
 * invokes its handler once with `event`: Lambda's cold start and first invocation. `output` is what
 * it wrote to stdout and stderr besides its report (its log lines).
 */
export function invokeCold(
  bundle: string,
  handlerName: string,
  env: Record<string, string>,
  event: unknown,
): Promise<ColdInvocation & { output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        INVOKE_SCRIPT,
        pathToFileURL(bundle).href,
        handlerName,
        JSON.stringify(event),
      ],
      { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const marker = out.lastIndexOf("\n@@");
      if (marker < 0) {
        reject(
          new Error(`${bundle} exited ${code} without a report: ${err.split("\n").slice(0, 5).join(" | ")}`),
        );
        return;
      }
      resolve({
        ...(JSON.parse(out.slice(marker + 3)) as ColdInvocation),
        output: out.slice(0, marker) + err,
      });
    });
  });
}
