/**
 * `npm run bench`: throughput and latency of POST /referrals on the local stack, beside a raw
 * DynamoDB Local PutItem baseline measured in the same run on the same DynamoDB Local. The ratio is
 * what to watch: it says what validation, the transaction, the idempotency record and StartExecution
 * cost on top of one bare write, independent of how fast this machine is.
 */

import { performance } from "node:perf_hooks";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startLocalStack } from "../../lib/local/local-stack";
import { sampleReferral } from "../support/http";

// Info logs of 1,000 requests would drown the figures (and cost time inside the measurement).
process.env.FRIST_QUIET = "1";

const WARMUP = 30;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

interface Figures {
  throughput: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Runs `count` operations, `concurrency` at a time; returns requests per second and latency in ms. */
async function measure(
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
  return { throughput: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const stack = await startLocalStack({ port: 0, inMemory: true, quiet: true });
try {
  const dynamo = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint });
  const table = process.env.TABLE_NAME ?? "";
  const referral = sampleReferral();
  const runId = Date.now().toString(36);

  const putItem = (i: number) =>
    dynamo
      .send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: `BENCH#${runId}#${i}` },
            sk: { S: "BENCH" },
            body: { S: JSON.stringify(referral) },
          },
        }),
      )
      .then(() => undefined);

  const postReferral = (prefix: string) => async (i: number) => {
    const response = await fetch(`${stack.apiUrl}/referrals`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `${prefix}-${runId}-${i}` },
      body: JSON.stringify(referral),
    });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`POST /referrals answered ${response.status}`);
  };

  await measure(WARMUP, CONCURRENCY, (i) => putItem(-1 - i));
  await measure(WARMUP, CONCURRENCY, postReferral("warmup"));
  const baseline = await measure(REQUESTS, CONCURRENCY, putItem);
  const api = await measure(REQUESTS, CONCURRENCY, postReferral("bench"));

  const row = (name: string, f: Figures) =>
    `${name.padEnd(30)} ${f.throughput.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(1).padStart(7)} ms   p99 ${f.p99.toFixed(1).padStart(7)} ms`;
  console.log(`\n${REQUESTS} requests, ${CONCURRENCY} at a time, after ${WARMUP} warm-up requests each\n`);
  console.log(row("DynamoDB Local PutItem (base)", baseline));
  console.log(row("POST /referrals (local stack)", api));
  console.log(
    `\nratio POST/PutItem: throughput ${(api.throughput / baseline.throughput).toFixed(2)}x, ` +
      `p50 ${(api.p50 / baseline.p50).toFixed(2)}x, p99 ${(api.p99 / baseline.p99).toFixed(2)}x`,
  );
} finally {
  await stack.stop();
}
