/**
 * One DynamoDB Local per test worker, for the files that run one after another in a worker that
 * keeps its module graph (vitest.config.ts's shared and own-stacks projects): their local stacks
 * ({@link startTestStack}, through startLocalStack's `dynamodb` option) and the store tests put
 * their tables in it instead of booting a JVM each. A stack creates its tables afresh and deletes
 * them when it stops; a store test names its tables after itself ({@link tablesOfOwn}). The JVM
 * ends with the worker (the launcher watches its parent).
 *
 * A stack that freezes it (the fault test) lets it run again when it stops. The files that kill
 * DynamoDB Local, or keep it in a data directory, start their own.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import {
  createMissingTables,
  type DynamoDbLocal,
  deleteTables,
  startDynamoDbLocal,
} from "../../lib/local/emulators/dynamodb-local";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../lib/local/local-stack";

let started: Promise<DynamoDbLocal> | undefined;

/** The worker's DynamoDB Local (in memory), started on first use. */
export function workerDynamoDb(): Promise<DynamoDbLocal> {
  started ??= startDynamoDbLocal({ dataDir: null });
  return started.catch((error: unknown) => {
    started = undefined;
    throw error;
  });
}

/**
 * A local stack for a test file: quiet, in memory, on free ports, its tables in the worker's
 * DynamoDB Local; `options` add a clock, a context or a log of the file's own.
 */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, inMemory: true, quiet: true, dynamodb: workerDynamoDb(), ...options });
}

/** Tables of one test file in the worker's DynamoDB Local. */
export interface OwnTables {
  db: DynamoDbLocal;
  /** The tables' names, in the order given: each given name with the file's prefix. */
  names: string[];
  /** Deletes the tables. */
  drop(): Promise<void>;
}

/**
 * The template's `tables`, created empty in the worker's DynamoDB Local under names that start with
 * `owner` (the test file's own word), so that they meet no other file's or stack's tables.
 */
export async function tablesOfOwn(owner: string, tables: CreateTableCommandInput[]): Promise<OwnTables> {
  const db = await workerDynamoDb();
  const own = tables.map((table) => ({ ...table, TableName: `${owner}-${table.TableName}` }));
  const names = own.map((table) => table.TableName);
  await deleteTables(db.client, names);
  await createMissingTables(db.client, own);
  return { db, names, drop: () => deleteTables(db.client, names) };
}
