/**
 * Intake throughput: POST /referrals on the local stack against raw PutItem on the same DynamoDB
 * Local, in the same run. POST is measured twice: with the workflow held (each POST still calls the
 * real local Step Functions endpoint, whose executions start and wait at their first task, so the
 * figure is the API's own work) and with the workflow running (each accepted referral's PlanIntake
 * and NotifyAssessors, three emails included, run in the same process while the next POSTs arrive).
 * PutItem runs before and after, and the ratio is to their mean: the machine's load drifts. Both
 * are driven from a worker thread (intake-load.ts), so the client's work is not counted against the
 * stack's one thread.
 */
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { LocalStack } from "../../lib/local/local-stack";
import { sampleReferral } from "../support/http";
import type { LoadPhase, LoadTarget } from "./intake-load";

/** Throughput and latency of one measured phase. */
export interface Figures {
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  /** 503 answers retried (a dependency too slow under the machine's load). */
  unavailable?: number;
  /**
   * Milliseconds the local stack's thread (API emulation, handlers, workflow engine: one Node
   * thread) was busy per request, from its event-loop utilisation over the phase. Its inverse bounds
   * the throughput whatever DynamoDB Local does.
   */
  stackBusyMsPerRequest?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Runs `count` operations, `concurrency` at a time; returns requests per second and latency in ms. */
export async function measure(
  count: number,
  concurrency: number,
  operation: (i: number) => Promise<void>,
): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await operation(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    throughput: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** The intake figures of one run. */
export interface IntakeFigures {
  putItemBefore: Figures;
  putItemAfter: Figures;
  /** receiveReferral on the DynamoDB store alone, in the client's thread: no API, HTTP or workflow. */
  storeOnly: Figures;
  postWorkflowHeld: Figures;
  postWorkflowRunning: Figures;
  /**
   * The store-only throughput over the mean PutItem throughput: the ceiling the storage sets, which
   * no API in front of it can pass.
   */
  ratioStore: number;
  /** POST throughput over the mean PutItem throughput. */
  ratioHeld: number;
  ratioRunning: number;
}

/** Measures intake on a running local stack (see the module comment). */
export async function measureIntake(
  stack: LocalStack,
  options: { requests: number; concurrency: number; warmup: number },
): Promise<IntakeFigures> {
  const { requests, concurrency, warmup } = options;
  const target: LoadTarget = {
    dynamodbEndpoint: stack.dynamodbEndpoint,
    table: stack.tableNames[0] ?? "",
    apiUrl: stack.apiUrl,
    referral: JSON.stringify(sampleReferral()),
    runId: Date.now().toString(36),
  };
  const load = startLoad(target);
  // The stack's thread is this one; the client is in the worker.
  const withStackBusy = async (phase: LoadPhase): Promise<Figures> => {
    const before = performance.eventLoopUtilization();
    const figures = await load.run(phase);
    const busy = performance.eventLoopUtilization(before).active;
    return { ...figures, stackBusyMsPerRequest: busy / figures.requests };
  };
  const putItem = (count: number, offset: number) =>
    withStackBusy({ op: "putItem", count, concurrency, offset });
  const storeOnly = (count: number, prefix: string) =>
    withStackBusy({ op: "store", count, concurrency, prefix });
  const postReferrals = (count: number, prefix: string) =>
    withStackBusy({ op: "post", count, concurrency, prefix });

  try {
    // DynamoDB Local is Java: its JIT needs thousands of calls of each kind before it runs at speed
    // (with 300 PutItems, PutItem after the POST phases ran twice as fast as before them).
    await putItem(warmup * 60, -60 * warmup);
    await storeOnly(warmup * 10, "warmup");
    await postReferrals(warmup * 3, "warmup");
    await stack.activity.settled();

    const putItemBefore = await putItem(requests, 0);
    const storeOnlyFigures = await storeOnly(requests, "store");
    stack.activity.holdWorkflow();
    const postWorkflowHeld = await postReferrals(requests, "held");
    stack.activity.releaseWorkflow();
    await stack.activity.settled(200);
    const postWorkflowRunning = await postReferrals(requests, "running");
    await stack.activity.settled(200);
    const putItemAfter = await putItem(requests, requests);

    const base = (putItemBefore.throughput + putItemAfter.throughput) / 2;
    return {
      putItemBefore,
      putItemAfter,
      storeOnly: storeOnlyFigures,
      postWorkflowHeld,
      postWorkflowRunning,
      ratioStore: storeOnlyFigures.throughput / base,
      ratioHeld: postWorkflowHeld.throughput / base,
      ratioRunning: postWorkflowRunning.throughput / base,
    };
  } finally {
    stack.activity.releaseWorkflow();
    await load.close();
  }
}

/** The client worker (intake-load.ts), one phase at a time. */
function startLoad(target: LoadTarget) {
  const worker = new Worker(new URL("./intake-load.ts", import.meta.url), { workerData: target });
  return {
    run(phase: LoadPhase): Promise<Figures> {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once("error", onError);
        worker.once("message", (answer: { figures?: Figures; error?: string }) => {
          worker.off("error", onError);
          if (answer.figures) resolve(answer.figures);
          else reject(new Error(answer.error ?? "the intake load worker failed"));
        });
        worker.postMessage(phase);
      });
    },
    async close(): Promise<void> {
      worker.postMessage("close");
      await worker.terminate();
    },
  };
}
