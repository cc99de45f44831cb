/**
 * The intake benchmark's client, in a worker thread of its own: PutItem against DynamoDB Local and
 * POST /referrals against the local API, `concurrency` at a time, timed here. A portal is another
 * machine; run in the thread of the local stack, the client's own HTTP and SDK work would be counted
 * against the API it measures (and against PutItem's). Both sides are driven from this worker alike.
 */
import { randomUUID } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { documentClientOf, dynamoClient } from "../../functions/adapters/clients";
import { systemClock } from "../../functions/adapters/clock";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { legalClockConfigSchema } from "../../functions/domain/clinic";
import { receiveReferral } from "../../functions/domain/receive-referral";
import { type Figures, measure } from "./intake";

/** One phase to run: which operation, how many, and where. */
export type LoadPhase =
  | { op: "putItem"; count: number; concurrency: number; offset: number }
  | { op: "store"; count: number; concurrency: number; prefix: string }
  | { op: "post"; count: number; concurrency: number; prefix: string };

/** What the worker is started with (workerData). */
export interface LoadTarget {
  dynamodbEndpoint: string;
  table: string;
  apiUrl: string;
  /** The referral as JSON, the body of every POST and the payload of every PutItem. */
  referral: string;
  runId: string;
}

export async function runPhase(
  target: LoadTarget,
  dynamo: DynamoDBClient,
  phase: LoadPhase,
): Promise<Figures> {
  if (phase.op === "putItem") {
    return measure(phase.count, phase.concurrency, (i) =>
      dynamo
        .send(
          new PutItemCommand({
            TableName: target.table,
            Item: {
              pk: { S: `BENCH#${target.runId}#${phase.offset + i}` },
              sk: { S: "BENCH" },
              body: { S: target.referral },
            },
          }),
        )
        .then(() => undefined),
    );
  }
  if (phase.op === "store") {
    // What a POST must write whatever serves it: Frist's own receiveReferral (validation, the legal
    // clock, the one all-or-nothing write of referral, receipt event, idempotency key and statistics)
    // on the real DynamoDB store, here in the client's thread, with no API, no HTTP and no workflow.
    const store = new DynamoReferralStore(
      documentClientOf(dynamoClient({ endpoint: target.dynamodbEndpoint })),
      target.table,
    );
    const deps = {
      store,
      workflow: {
        start: async () => {},
        resume: async () => {},
        retime: async () => {},
        withdraw: async () => {},
      },
      clock: systemClock,
      newReferralId: randomUUID,
      legalClock: legalClockConfigSchema.parse({}),
    };
    const body = JSON.parse(target.referral) as unknown;
    return measure(phase.count, phase.concurrency, async (i) => {
      const result = await receiveReferral(deps, {
        idempotencyKey: `${phase.prefix}-${target.runId}-${i}`,
        portal: "bench",
        body,
      });
      if (result.outcome !== "accepted") throw new Error(`receiveReferral answered ${result.outcome}`);
    });
  }
  // A portal retries a 503 (a dependency did not answer in time) with the same key, as the contract
  // says; each such answer is counted and shown beside the figures.
  let unavailable = 0;
  const figures = await measure(phase.count, phase.concurrency, async (i) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${target.apiUrl}/referrals`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": `${phase.prefix}-${target.runId}-${i}`,
        },
        body: target.referral,
      });
      await response.arrayBuffer();
      if (response.status === 202) return;
      if (response.status !== 503 || attempt >= 5) {
        throw new Error(`POST /referrals answered ${response.status}`);
      }
      unavailable += 1;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  });
  return { ...figures, unavailable };
}

if (parentPort) {
  const { workerData } = await import("node:worker_threads");
  const target = workerData as LoadTarget;
  const dynamo = new DynamoDBClient({ endpoint: target.dynamodbEndpoint });
  const port = parentPort;
  port.on("message", (phase: LoadPhase | "close") => {
    if (phase === "close") {
      dynamo.destroy();
      port.close();
      return;
    }
    runPhase(target, dynamo, phase).then(
      (figures) => port.postMessage({ figures }),
      (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
