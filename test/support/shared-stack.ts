/**
 * One local stack per test worker for the end-to-end files that can share it: files on the default
 * stack (in memory, real time, the default context) whose assertions read only what they wrote
 * themselves (their own referrals, emails about them, counts taken before and after). Starting a
 * stack costs a JVM boot, a Lambda environment per function used, each loading its bundle, and the
 * JIT warming up in all of them again: twelve files took 207 s of CPU with a stack each, 69 s sharing
 * one (README, Development). Its tables are in the worker's DynamoDB Local (./worker-dynamodb.ts),
 * with the store tests' tables.
 *
 * The files that call {@link sharedLocalStack} run in vitest.config.ts's shared project (one module
 * graph per worker), so the stack outlives the file that started it; it ends with the worker, and
 * the worker's DynamoDB Local with it (the launcher watches its parent). A file that changes what others
 * would see (the clock, faults, the context) starts a stack of its own.
 */
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  paginateScan,
} from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import type { LocalStack } from "../../lib/local/local-stack";
import { startTestStack } from "./worker-dynamodb";

let shared: Promise<LocalStack> | undefined;

/**
 * The worker's shared stack, started on first use, once the work of the file before has settled:
 * no workflow step, Lambda invocation or email of another file is under way when a file begins.
 * `empty`: for a file that reads lists of everything (the staff home, the whole mailbox), the tables
 * and the mailbox are emptied first, so it sees only what it writes, as on a stack of its own. The
 * workflows the files before left waiting stay in the engine: their timers are days away.
 */
export async function sharedLocalStack(options: { empty?: boolean } = {}): Promise<LocalStack> {
  shared ??= startTestStack();
  const stack = await shared.catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  await stack.activity.settled(100);
  if (options.empty) await emptyTablesAndMailbox(stack);
  return stack;
}

/** Deletes every item of the stack's tables (by key, 25 at a time) and empties the SES mailbox. */
async function emptyTablesAndMailbox(stack: LocalStack): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: stack.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    for (const TableName of stack.tableNames) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName }));
      const keys = (Table?.KeySchema ?? []).map((key) => String(key.AttributeName));
      const names = Object.fromEntries(keys.map((key, i) => [`#k${i}`, key]));
      const pages = paginateScan(
        { client },
        { TableName, ProjectionExpression: Object.keys(names).join(", "), ExpressionAttributeNames: names },
      );
      for await (const page of pages) {
        const items = page.Items ?? [];
        for (let at = 0; at < items.length; at += 25) {
          const requests = items.slice(at, at + 25).map((Key) => ({ DeleteRequest: { Key } }));
          let unprocessed: Record<string, typeof requests> | undefined = { [TableName]: requests };
          while (unprocessed && Object.keys(unprocessed).length > 0) {
            const answer = await client.send(new BatchWriteItemCommand({ RequestItems: unprocessed }));
            unprocessed = answer.UnprocessedItems as typeof unprocessed;
          }
        }
      }
    }
  } finally {
    client.destroy();
  }
  await stack.clearMailbox();
}
