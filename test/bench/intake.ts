/**
 * Intake throughput: POST /referrals on the local stack against raw PutItem on the same DynamoDB
 * Local, in the same run. POST is measured twice: with the workflow held (each POST still calls the
 * real local Step Functions endpoint, whose executions start and wait at their first task, so the
 * figure is the API's own work) and with the workflow running (each accepted referral's PlanIntake
 * and NotifyAssessors, three emails included, run in the same process while the next POSTs arrive).
 * PutItem runs before and after, and the ratio is to their mean: the machine's load drifts.
 */
import { performance } from "node:perf_hooks";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { LocalStack } from "../../lib/local/local-stack";
import { sampleReferral } from "../support/http";

/** Throughput and latency of one measured phase. */
export interface Figures {
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  /** 503 answers retried (a dependency too slow under the machine's load). */
  unavailable?: number;
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
  postWorkflowHeld: Figures;
  postWorkflowRunning: Figures;
  /** POST throughput over the mean PutItem throughput. */
  ratioHeld: number;
  ratioRunning: number;
}

/** Measures intake on a running local stack (see the module comment). */
export async function measureIntake(
  stack: LocalStack,
  options: { requests: number; concurrency: number; warmup: number },
): Promise<IntakeFigures> {
  const dynamo = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint });
  const table = stack.tableNames[0] ?? "";
  const referral = JSON.stringify(sampleReferral());
  const runId = Date.now().toString(36);
  const { requests, concurrency, warmup } = options;

  const putItem = (i: number) =>
    dynamo
      .send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: `BENCH#${runId}#${i}` }, sk: { S: "BENCH" }, body: { S: referral } },
        }),
      )
      .then(() => undefined);
  // A portal retries a 503 (a dependency did not answer in time) with the same key, as the contract
  // says; each such answer is counted and shown beside the figures.
  let unavailable = 0;
  const postReferral = (prefix: string) => async (i: number) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${stack.apiUrl}/referrals`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `${prefix}-${runId}-${i}` },
        body: referral,
      });
      await response.arrayBuffer();
      if (response.status === 202) return;
      if (response.status !== 503 || attempt >= 5) {
        throw new Error(`POST /referrals answered ${response.status}`);
      }
      unavailable += 1;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  };

  try {
    // DynamoDB Local is Java: its JIT needs far more than a few calls before PutItem runs at speed.
    await measure(warmup * 10, concurrency, (i) => putItem(-1 - i));
    await measure(warmup, concurrency, postReferral("warmup"));
    await stack.activity.settled();

    const putItemBefore = await measure(requests, concurrency, putItem);
    stack.activity.holdWorkflow();
    unavailable = 0;
    const postWorkflowHeld = { ...(await measure(requests, concurrency, postReferral("held"))), unavailable };
    stack.activity.releaseWorkflow();
    await stack.activity.settled(200);
    unavailable = 0;
    const postWorkflowRunning = {
      ...(await measure(requests, concurrency, postReferral("running"))),
      unavailable,
    };
    await stack.activity.settled(200);
    const putItemAfter = await measure(requests, concurrency, (i) => putItem(requests + i));

    const base = (putItemBefore.throughput + putItemAfter.throughput) / 2;
    return {
      putItemBefore,
      putItemAfter,
      postWorkflowHeld,
      postWorkflowRunning,
      ratioHeld: postWorkflowHeld.throughput / base,
      ratioRunning: postWorkflowRunning.throughput / base,
    };
  } finally {
    stack.activity.releaseWorkflow();
    dynamo.destroy();
  }
}
