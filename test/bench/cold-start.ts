/**
 * Cold start, measured: each function bundled as a deployment bundles it (esbuild with
 * lib/constructs/frist-function.ts's FRIST_BUNDLING: ESM, the createRequire banner, minified, the
 * SDK bundled), imported in a fresh `node` process, against a bundle of only the AWS SDK clients that
 * function uses (detected from the bundle's own inputs), each client constructed once as a handler
 * does at module scope. Runs alternate between the two, and the figure is the median of each.
 *
 * The import is timed inside the child (performance.now() around `await import()`), so Node's own
 * start-up, the same for both, stays out of the ratio. The ratio is the median of the runs' ratios,
 * each run's two imports taken back to back, so a drift in the machine's load between runs moves
 * both sides of a pair. The child also reports the CPU time of its import (process.cpuUsage, all
 * threads): on a busy machine, wall time also counts the wait for a core, CPU time much less so.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { createFristApp } from "../../lib/app";
import { FRIST_BUNDLING, REPO_ROOT, TRACE_AWS_CALLS_CONTEXT } from "../../lib/constructs/frist-function";
import {
  createResolver,
  functionEnvironment,
  type LocalFunction,
  readFunctions,
} from "../../lib/local/template";
import { deploymentBuildOptions } from "../support/bundles";

/** One function's cold-start figures. */
export interface ColdStart {
  logicalId: string;
  entry: string;
  bundleKb: number;
  sdkPackages: string[];
  /** Median import of the function's bundle, ms. */
  importMs: number;
  /** Median import of the SDK-only bundle, ms. */
  sdkOnlyMs: number;
  /** Median over the runs of the bundle's import over the SDK-only import (wall time). */
  ratio: number;
  /** The same in CPU time of the importing process. */
  cpuRatio: number;
}

/** The class each SDK package's client is exported as. */
const CLIENT_CLASSES: Record<string, string> = {
  "@aws-sdk/client-dynamodb": "DynamoDBClient",
  "@aws-sdk/client-sfn": "SFNClient",
  "@aws-sdk/client-ses": "SESClient",
  "@aws-sdk/client-sesv2": "SESv2Client",
  "@aws-sdk/client-cognito-identity-provider": "CognitoIdentityProviderClient",
  "@aws-sdk/client-cloudwatch": "CloudWatchClient",
  "@aws-sdk/client-xray": "XRayClient",
  "@aws-sdk/client-kms": "KMSClient",
  "@aws-sdk/client-secrets-manager": "SecretsManagerClient",
  "@aws-sdk/client-ssm": "SSMClient",
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Bundles `entry` (a file, or source text) as FRIST_BUNDLING says, into `outfile`, with the tracing
 * choice of the synthesized functions (`env`) compiled in, as fristBundling does for a deployment.
 */
async function bundle(
  entry: { file: string } | { contents: string },
  outfile: string,
  env: Record<string, string>,
): Promise<Metafile> {
  const result = await build({
    ...deploymentBuildOptions(env.POWERTOOLS_TRACE_ENABLED !== "false"),
    ...("file" in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: REPO_ROOT, loader: "js" as const } }),
    outfile,
    sourcemap: FRIST_BUNDLING.sourceMap ? "linked" : false,
    sourcesContent: FRIST_BUNDLING.sourcesContent,
    metafile: true,
  });
  return result.metafile;
}

/**
 * The SDK client packages a bundle carries (lib-dynamodb counts: the store's document client): the
 * inputs with bytes in the output, not every module esbuild read (tree-shaking drops the clients an
 * imported adapter module could build but the handler never asks for).
 */
function sdkPackagesOf(metafile: Metafile): string[] {
  const packages = new Set<string>();
  const inOutput = Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file),
  );
  for (const input of inOutput) {
    const match = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(input);
    if (match) packages.add(match[1] as string);
  }
  return [...packages].sort();
}

/** Source text of a module that constructs one client of each package, as a handler does. */
function sdkOnlySource(packages: string[]): string {
  const lines: string[] = [];
  const clients = packages.filter((name) => name !== "@aws-sdk/lib-dynamodb");
  clients.forEach((name, i) => {
    const className = CLIENT_CLASSES[name];
    if (!className) throw new Error(`cold-start bench: no client class known for ${name}`);
    lines.push(`import { ${className} as C${i} } from "${name}";`, `export const c${i} = new C${i}({});`);
  });
  if (packages.includes("@aws-sdk/lib-dynamodb")) {
    const dynamo = clients.indexOf("@aws-sdk/client-dynamodb");
    lines.push(
      `import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";`,
      `export const documentClient = DynamoDBDocumentClient.from(${dynamo >= 0 ? `c${dynamo}` : "undefined"});`,
    );
  }
  return lines.join("\n");
}

/** Imports `file` in a fresh node process; returns the milliseconds the import took, wall and CPU. */
export function importTimes(
  file: string,
  env: Record<string, string>,
  nodeOptions: string[] = [],
): { wall: number; cpu: number } {
  const script = `const c0 = process.cpuUsage(); const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); const wall = performance.now() - t0; const c = process.cpuUsage(c0); process.stdout.write(JSON.stringify({ wall, cpu: (c.user + c.system) / 1000 }));`;
  const child = spawnSync(process.execPath, [...nodeOptions, "--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  let times: { wall: number; cpu: number } | undefined;
  try {
    times = JSON.parse(child.stdout);
  } catch {}
  if (child.status !== 0 || !times || !Number.isFinite(times.wall)) {
    throw new Error(`importing ${file} failed: ${child.stderr.split("\n").slice(0, 5).join(" | ")}`);
  }
  return times;
}

/** Imports `file` in a fresh node process; returns the milliseconds the import took. */
export function importMs(file: string, env: Record<string, string>, nodeOptions: string[] = []): number {
  return importTimes(file, env, nodeOptions).wall;
}

/** The functions of the synthesized app and the environment a deployment gives them. */
export function appFunctions(): {
  functions: LocalFunction[];
  envOf: (fn: LocalFunction) => Record<string, string>;
} {
  // BENCH_TRACE_AWS_CALLS=1 measures the functions as deployed with `-c frist:traceAwsCalls=true`.
  const traced = process.env.BENCH_TRACE_AWS_CALLS === "1";
  const { app, stack } = createFristApp({
    bundling: false,
    context: traced ? { [TRACE_AWS_CALLS_CONTEXT]: "true" } : {},
  });
  const template = app.synth().getStackByName(stack.stackName).template;
  const functions = readFunctions(template);
  const resolve = createResolver(template, { region: "eu-north-1", stackName: stack.stackName });
  const provider = { issuer: "https://sign-in.frist.example", clientId: "frist" };
  const localValues = {
    PUBLIC_BASE_URL: "https://frist.example",
    SIGN_IN_PROVIDERS: JSON.stringify({ staff: provider, patient: provider, professional: provider }),
  };
  // Each function with exactly its own variables, as Lambda gives them.
  const envOf = (fn: LocalFunction): Record<string, string> => {
    const { NODE_OPTIONS: _ignored, ...own } = functionEnvironment(fn, resolve, localValues);
    return {
      ...own,
      AWS_REGION: "eu-north-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      FRIST_QUIET: "1",
      // As in a Lambda container: the X-Ray tracer loads where tracing is on (functions/adapters/tracing.ts).
      ...(process.env.BENCH_LAMBDA_ENV === "0" ? {} : { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" }),
    };
  };
  return { functions: Object.values(functions), envOf };
}

/** Bundles every function and its SDK-only twin, then times `runs` imports of each, alternating. */
export async function measureColdStarts(runs: number, only?: (fn: LocalFunction) => boolean) {
  const dir = mkdtempSync(path.join(tmpdir(), "frist-cold-"));
  try {
    const { functions, envOf } = appFunctions();
    const results: ColdStart[] = [];
    // One bundle per entry file (several functions may share one).
    const seen = new Set<string>();
    for (const fn of functions.filter((f) => (only ? only(f) : true))) {
      if (seen.has(fn.entry)) continue;
      seen.add(fn.entry);
      const env = envOf(fn);
      const out = path.join(dir, fn.logicalId);
      mkdirSync(out);
      const handlerFile = path.join(out, "index.mjs");
      const metafile = await bundle({ file: path.join(REPO_ROOT, fn.entry) }, handlerFile, env);
      const sdkPackages = sdkPackagesOf(metafile);
      const sdkFile = path.join(out, "sdk-only.mjs");
      await bundle({ contents: sdkOnlySource(sdkPackages) }, sdkFile, env);
      const own: { wall: number; cpu: number }[] = [];
      const sdk: { wall: number; cpu: number }[] = [];
      importMs(handlerFile, env); // the first read of a new file warms the page cache for both
      importMs(sdkFile, env);
      for (let i = 0; i < runs; i++) {
        // Alternate which goes first, so neither side always follows the other.
        if (i % 2 === 0) {
          own.push(importTimes(handlerFile, env));
          sdk.push(importTimes(sdkFile, env));
        } else {
          sdk.push(importTimes(sdkFile, env));
          own.push(importTimes(handlerFile, env));
        }
      }
      results.push({
        logicalId: fn.logicalId,
        entry: fn.entry,
        bundleKb: statSync(handlerFile).size / 1024,
        sdkPackages,
        importMs: median(own.map((t) => t.wall)),
        sdkOnlyMs: median(sdk.map((t) => t.wall)),
        ratio: median(own.map((t, i) => t.wall / (sdk[i] as { wall: number }).wall)),
        cpuRatio: median(own.map((t, i) => t.cpu / (sdk[i] as { cpu: number }).cpu)),
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What `--enable-source-maps` costs one function's import: the median with and without it, on the
 * same bundle (with its linked .map file beside it, as deployed).
 */
export async function measureSourceMapCost(entry: string, runs: number) {
  const dir = mkdtempSync(path.join(tmpdir(), "frist-maps-"));
  try {
    const { functions, envOf } = appFunctions();
    const fn = functions.find((candidate) => candidate.entry === entry);
    if (!fn) throw new Error(`No function has the entry ${entry}`);
    const env = envOf(fn);
    const file = path.join(dir, "index.mjs");
    await bundle({ file: path.join(REPO_ROOT, entry) }, file, env);
    writeFileSync(path.join(dir, "package.json"), "{}");
    importMs(file, env);
    const without: number[] = [];
    const withMaps: number[] = [];
    for (let i = 0; i < runs; i++) {
      without.push(importMs(file, env));
      withMaps.push(importMs(file, env, ["--enable-source-maps"]));
    }
    return { withoutMs: median(without), withMs: median(withMaps) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
