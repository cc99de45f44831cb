/**
 * `npm run bench`: one table of ratios and counts, all measured in the same run on this machine, so
 * that they say something whatever the machine's speed:
 *
 * - intake: POST /referrals throughput against raw PutItem on the same DynamoDB Local, with the
 *   workflow held and with it running (test/bench/intake.ts);
 * - cold start: each function bundle's import against a bundle of only the SDK clients it uses, and
 *   what --enable-source-maps adds (test/bench/cold-start.ts);
 * - the year: a centre's referrals, POST to letters, on simulated time (lib/local/simulation/simulate.ts), and
 *   what each referral would cost on AWS from what that run counted (lib/local/operations/cost.ts).
 *
 * Environment: BENCH_ONLY=intake,cold,year (default all), BENCH_REQUESTS (400), BENCH_CONCURRENCY (8),
 * BENCH_COLD_RUNS (7), BENCH_COLD_FUNCTIONS (entry names, comma-separated; default all),
 * BENCH_YEAR_REFERRALS (1925), BENCH_TRACE_AWS_CALLS=1 (cold starts as deployed with frist:traceAwsCalls).
 */
import { loadavg } from "node:os";
import { startLocalStack } from "../../lib/local/local-stack";
import { describeCost, perReferral } from "../../lib/local/operations/cost";
import { type ColdStart, measureColdStarts, measureSourceMapCost } from "./cold-start";
import { type IntakeFigures, measureIntake } from "./intake";
import { measureYear, type YearFigures } from "./year";

// Info logs of thousands of requests would drown the figures (and cost time inside the measurement).
process.env.FRIST_QUIET = "1";

const only = new Set((process.env.BENCH_ONLY ?? "intake,cold,year").split(",").map((part) => part.trim()));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7);
const COLD_FUNCTIONS = process.env.BENCH_COLD_FUNCTIONS?.split(",").map((name) => name.trim());
const YEAR_REFERRALS = Number(process.env.BENCH_YEAR_REFERRALS ?? 1925);

/** A phase's busy time of the stack's thread per request. */
const busyOf = (figures: { stackBusyMsPerRequest?: number }) =>
  `${(figures.stackBusyMsPerRequest ?? Number.NaN).toFixed(2)} ms`;

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
const startedAt = new Date();
console.log(`npm run bench, started ${startedAt.toISOString()}, load average ${load()} (2 cores shared)`);

let intake: IntakeFigures | undefined;
if (only.has("intake")) {
  const stack = await startLocalStack({ port: 0, inMemory: true, quiet: true });
  try {
    intake = await measureIntake(stack, { requests: REQUESTS, concurrency: CONCURRENCY, warmup: 30 });
  } finally {
    await stack.stop();
  }
  console.log(`intake measured, load average ${load()}`);
}

let cold: ColdStart[] | undefined;
let sourceMaps: { withoutMs: number; withMs: number } | undefined;
if (only.has("cold")) {
  cold = await measureColdStarts(
    COLD_RUNS,
    COLD_FUNCTIONS && ((fn) => COLD_FUNCTIONS.some((name) => fn.entry.endsWith(`/${name}.ts`))),
  );
  sourceMaps = await measureSourceMapCost("functions/handlers/receive-referral.ts", COLD_RUNS);
  console.log(`cold starts measured, load average ${load()}`);
}

let year: YearFigures | undefined;
if (only.has("year")) {
  year = await measureYear(YEAR_REFERRALS);
  console.log(`year measured, load average ${load()}`);
}

// ------------------------------------------------------------------------------------------------
// The table

interface Row {
  measure: string;
  figure: string;
  target: string;
  met?: boolean;
}
const rows: Row[] = [];
if (intake) {
  const base = (intake.putItemBefore.throughput + intake.putItemAfter.throughput) / 2;
  rows.push(
    { measure: "raw PutItem, DynamoDB Local (base)", figure: `${base.toFixed(0)} req/s`, target: "" },
    {
      measure: "the referral's write alone (ceiling)",
      figure: `${intake.ratioStore.toFixed(2)}× (${intake.storeOnly.throughput.toFixed(0)} req/s, p50 ${intake.storeOnly.p50.toFixed(0)} ms)`,
      target: "",
    },
    {
      measure: "POST /referrals, workflow held",
      figure: `${intake.ratioHeld.toFixed(2)}× (${intake.postWorkflowHeld.throughput.toFixed(0)} req/s, p50 ${intake.postWorkflowHeld.p50.toFixed(0)} ms)`,
      target: "≥ 0.30×",
      met: intake.ratioHeld >= 0.3,
    },
    {
      measure: "POST /referrals, workflow running",
      figure: `${intake.ratioRunning.toFixed(2)}× (${intake.postWorkflowRunning.throughput.toFixed(0)} req/s, p50 ${intake.postWorkflowRunning.p50.toFixed(0)} ms)`,
      target: "≥ 0.30×",
      met: intake.ratioRunning >= 0.3,
    },
  );
}
// A bundle without SDK clients (openapi) has nothing to compare with: its time is shown, not a ratio.
const withSdk = (cold ?? []).filter((c) => c.sdkPackages.length > 0);
if (cold && withSdk.length > 0) {
  const worst = withSdk.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const ratios = withSdk.map((c) => c.ratio).sort((a, b) => a - b);
  const medianRatio = ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
  const cpuRatios = withSdk.map((c) => c.cpuRatio).sort((a, b) => a - b);
  const worstCpu = withSdk.reduce((a, b) => (b.cpuRatio > a.cpuRatio ? b : a));
  rows.push(
    {
      measure: `cold start, worst of ${withSdk.length} bundles`,
      figure: `${worst.ratio.toFixed(2)}× (${shortName(worst.entry)} ${worst.importMs.toFixed(0)} vs ${worst.sdkOnlyMs.toFixed(0)} ms)`,
      target: "≤ 1.5×",
      met: worst.ratio <= 1.5,
    },
    {
      measure: "cold start, median bundle",
      figure: `${medianRatio.toFixed(2)}×`,
      target: "≤ 1.5×",
      met: medianRatio <= 1.5,
    },
    {
      measure: "cold start in CPU time, worst / median",
      figure: `${worstCpu.cpuRatio.toFixed(2)}× (${shortName(worstCpu.entry)}) / ${(cpuRatios[Math.floor(cpuRatios.length / 2)] ?? Number.NaN).toFixed(2)}×`,
      target: "(load-robust)",
      met: worstCpu.cpuRatio <= 1.5,
    },
  );
}
if (sourceMaps) {
  rows.push({
    measure: "--enable-source-maps, receive-referral",
    figure: `${(sourceMaps.withMs / sourceMaps.withoutMs).toFixed(2)}× (${sourceMaps.withMs.toFixed(0)} vs ${sourceMaps.withoutMs.toFixed(0)} ms)`,
    target: "(off)",
  });
}
let costLines: string[] = [];
if (year) {
  const cost = perReferral(year.cost, year.referrals);
  costLines = describeCost(cost);
  rows.push(
    {
      measure: `the year: ${year.referrals} referrals POST to letters`,
      figure: `${(year.realMs / 60_000).toFixed(1)} min real time (${year.lettersDispatched} decided with letters)`,
      target: "≤ 10 min",
      met: year.realMs <= 10 * 60_000 && year.referrals >= 1925,
    },
    {
      measure: "cost per referral, receipt to letters",
      figure: `$${cost.totalUsd.toFixed(5)}`,
      target: "≤ $0.002",
      met: cost.totalUsd <= 0.002,
    },
  );
}

const widths = [44, 52, 10];
const line = (cells: string[]) =>
  cells
    .map((cell, i) => cell.padEnd(widths[i] ?? 0))
    .join(" ")
    .trimEnd();
console.log(`\n${line(["measure", "figure", "target", "met"])}`);
console.log(line(widths.map((w) => "-".repeat(w)).concat("---")));
for (const row of rows) {
  console.log(
    line([row.measure, row.figure, row.target, row.met === undefined ? "" : row.met ? "yes" : "NO"]),
  );
}

if (intake) {
  console.log(
    `\nintake: ${REQUESTS} requests per phase, ${CONCURRENCY} at a time; PutItem before ${intake.putItemBefore.throughput.toFixed(0)} and after ${intake.putItemAfter.throughput.toFixed(0)} req/s.` +
      `\n  "the referral's write alone": receiveReferral on the DynamoDB store in the client's thread (no API, HTTP or workflow): what DynamoDB Local allows a POST at most.` +
      `\n  "held": each POST's StartExecution reaches the real local engine; its executions wait at their first task.` +
      `\n  503 answers retried: ${intake.postWorkflowHeld.unavailable ?? 0} held, ${intake.postWorkflowRunning.unavailable ?? 0} running.` +
      `\n  the stack's one thread busy per request: ${busyOf(intake.postWorkflowHeld)} held, ${busyOf(intake.postWorkflowRunning)} running (PutItem: ${busyOf(intake.putItemBefore)}); the client runs in a worker thread.` +
      `\n  "running": each accepted referral's PlanIntake and NotifyAssessors (3 emails) run in the same process.`,
  );
}
if (cold) {
  console.log(
    `\ncold start, median of ${COLD_RUNS} fresh node processes each (import only, wall ms; ratio: median of the runs' ratios, wall and CPU):`,
  );
  for (const c of cold) {
    if (c.sdkPackages.length === 0) {
      console.log(
        `  ${shortName(c.entry).padEnd(24)} ${c.bundleKb.toFixed(0).padStart(5)} KB  ${c.importMs.toFixed(0).padStart(4)} ms  (no SDK client: no ratio)`,
      );
      continue;
    }
    console.log(
      `  ${shortName(c.entry).padEnd(24)} ${c.bundleKb.toFixed(0).padStart(5)} KB  ${c.importMs.toFixed(0).padStart(4)} vs ${c.sdkOnlyMs.toFixed(0).padStart(4)} ms  ${c.ratio.toFixed(2)}×  cpu ${c.cpuRatio.toFixed(2)}×  (${c.sdkPackages.map((p) => p.replace("@aws-sdk/", "")).join(", ")})`,
    );
  }
}
if (year) {
  console.log(
    `\ncost per referral (${year.referrals} referrals, eu-north-1 list prices, lib/local/operations/cost.ts):`,
  );
  for (const text of costLines) console.log(text);
  console.log(`\nthe year's statistics:`);
  for (const text of year.report) console.log(`  ${text}`);
}
console.log(`\nfinished ${new Date().toISOString()}, load average ${load()}`);

function shortName(entry: string): string {
  return entry.replace(/^functions\/handlers\//, "").replace(/\.ts$/, "");
}
