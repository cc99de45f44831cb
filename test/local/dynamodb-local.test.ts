import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  createMissingTables,
  type DynamoDbLocal,
  recordDynamoDbLocalClasses,
  startDynamoDbLocal,
} from "../../lib/local/emulators/dynamodb-local";
import { dynamoDbLocalJava } from "../../lib/local/emulators/dynamodb-local-java";
import { type CfnTemplate, readTables } from "../../lib/local/template";

// Java starts DynamoDB Local in 3-5 s (more on a busy machine): the suite starts it twice on one data
// directory, once to create and write, once to see that a restart keeps it. The tests run in order.
const template = JSON.parse(
  readFileSync(new URL("./fixtures/frist-template.json", import.meta.url), "utf8"),
) as CfnTemplate;
const tables = readTables(template);
const tableName = "ReferralTableA1C513C2";
const dataDir = mkdtempSync(path.join(tmpdir(), "frist-dynamodb-local-"));
let db: DynamoDbLocal | undefined;

afterAll(async () => {
  await db?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Whether a process with this pid is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("DynamoDB Local", () => {
  it("ends with the process that started it, even one killed with SIGKILL (no exit handler runs)", async () => {
    // Prepare: a parent process that starts DynamoDB Local and tells its JVM's pid.
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./fixtures/dynamodb-local-parent.ts", import.meta.url))],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    parent.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    await vi.waitFor(() => expect(output).toMatch(/java \d+/), { timeout: 60_000, interval: 100 });
    const javaPid = Number(/java (\d+)/.exec(output)?.[1]);
    expect(alive(javaPid)).toBe(true);

    // Act
    parent.kill("SIGKILL");

    // Assess
    await vi.waitFor(() => expect(alive(javaPid), "the JVM still runs").toBe(false), {
      timeout: 20_000,
      interval: 100,
    });
  });

  it("starts on a free port, creates the template's table with its indexes, and runs transactions", async () => {
    // Act
    db = await startDynamoDbLocal({ dataDir, tables });
    const described = await db.client.send(new DescribeTableCommand({ TableName: tableName }));
    await db.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: { S: "REFERRAL#1" }, sk: { S: "REFERRAL" } } } },
          {
            Put: {
              TableName: tableName,
              Item: { pk: { S: "IDEMPOTENCY#k" }, sk: { S: "IDEMPOTENCY" } },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );

    // Assess
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(db.createdTables).toEqual([tableName]);
    expect(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      "byTaskId",
      "worklist",
    ]);
    expect(await createMissingTables(db.client, tables)).toEqual([]);
  });

  it("runs the client compiler alone for a quick start, and C2 as well for a long run, both with the serial collector", async () => {
    // Prepare: the quick start above; the JVM's own command line tells its flags.
    const flagsOf = (pid: number | undefined) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .filter((arg) => arg.startsWith("-XX:"));
    const quick = flagsOf(db?.pid);

    // Act
    const long = await startDynamoDbLocal({ dataDir: null, jit: "long-run", tables });
    try {
      const flags = flagsOf(long.pid);
      const listed = await long.client.send(new ListTablesCommand({}));

      // Assess
      expect(quick).toEqual(expect.arrayContaining(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]));
      expect(flags).toContain("-XX:+UseSerialGC");
      expect(flags.filter((flag) => flag.startsWith("-XX:TieredStopAtLevel"))).toEqual([]);
      expect(listed.TableNames).toEqual([tableName]);
    } finally {
      await long.stop();
    }
  });

  it("keeps tables and items in the data directory across a restart", async () => {
    // Prepare
    await db?.stop();

    // Act
    db = await startDynamoDbLocal({ dataDir, tables });
    const item = await db.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: "REFERRAL#1" }, sk: { S: "REFERRAL" } } }),
    );

    // Assess
    expect(db.createdTables).toEqual([]);
    expect(item.Item?.pk?.S).toBe("REFERRAL#1");
  });

  it("adds an index the template gained to a table kept in the data directory, with its items", async () => {
    // Prepare: the template of a newer Frist, with the portal index the kept table lacks.
    const newer = tables.map((table) => ({
      ...table,
      AttributeDefinitions: [
        ...(table.AttributeDefinitions ?? []),
        { AttributeName: "gsi2pk", AttributeType: "S" as const },
        { AttributeName: "gsi2sk", AttributeType: "S" as const },
      ],
      GlobalSecondaryIndexes: [
        ...(table.GlobalSecondaryIndexes ?? []),
        {
          IndexName: "byPortal",
          KeySchema: [
            { AttributeName: "gsi2pk", KeyType: "HASH" as const },
            { AttributeName: "gsi2sk", KeyType: "RANGE" as const },
          ],
          Projection: { ProjectionType: "INCLUDE" as const, NonKeyAttributes: ["referralId"] },
        },
      ],
    }));
    if (!db) throw new Error("DynamoDB Local is not running");

    // Act
    const created = await createMissingTables(db.client, newer);
    const described = await db.client.send(new DescribeTableCommand({ TableName: tableName }));

    // Assess
    expect(created).toEqual([]);
    expect(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      "byPortal",
      "byTaskId",
      "worklist",
    ]);
    expect(await createMissingTables(db.client, newer)).toEqual([]);
  });
});

/** Where the archive is cut: past its header, inside the regions the JVM maps (it aborts on them). */
const CUT_SHORT_BYTES = 10_000_000;

describe("DynamoDB Local's class data archive", () => {
  it("is recorded once and then mapped by every start (-Xshare:on refuses to start without it)", async () => {
    // Prepare: the archive, kept from an earlier run or recorded now.
    const archive = await recordDynamoDbLocalClasses();
    expect(archive, "javac compiled the launcher and the JVM wrote the archive").toBeDefined();
    expect(await recordDynamoDbLocalClasses(), "recorded once, then kept").toBe(archive);
    const java = dynamoDbLocalJava();
    expect(java.archive).toBe(archive);

    // Act: a start that must map the archive, or not start at all.
    const strict = await startDynamoDbLocal({
      dataDir: null,
      java: { ...java, args: ["-Xshare:on", ...java.args] },
      tables: tables.filter((table) => table.TableName === tableName),
    });

    // Assess: it answers, tables and all.
    try {
      const described = await strict.client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(described.Table?.TableStatus).toBe("ACTIVE");
    } finally {
      await strict.stop();
    }
  });

  it("drops an archive its JVM cannot map (a file cut short: the JVM aborts) and starts without it", async () => {
    // Prepare: the kept archive replaced by a copy cut short, as a write cut short would leave it;
    // the whole one set aside, to be put back for the stacks started after this test.
    const archive = (await recordDynamoDbLocalClasses()) as string;
    const whole = `${archive}.whole`;
    const cutShort = `${archive}.cut-short`;
    const { jarDir } = dynamoDbLocalJava();
    const crashReports = () => readdirSync(jarDir).filter((name) => name.startsWith("hs_err_pid"));
    const reportsBefore = crashReports();
    copyFileSync(archive, whole);
    copyFileSync(archive, cutShort);
    truncateSync(cutShort, CUT_SHORT_BYTES);
    renameSync(cutShort, archive);

    try {
      // Act
      const started = await startDynamoDbLocal({ dataDir: null });

      // Assess: it answers, and the archive is gone (or recorded anew by another test file meanwhile).
      try {
        expect((await started.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      } finally {
        await started.stop();
      }
      expect(!existsSync(archive) || statSync(archive).size !== CUT_SHORT_BYTES).toBe(true);
      // The JVM's crash report went to the temporary directory, not into node_modules.
      expect(crashReports()).toEqual(reportsBefore);
    } finally {
      // Put back (recording it again takes a JVM run of some 6 s), unless another file recorded one.
      if (!existsSync(archive) || statSync(archive).size === CUT_SHORT_BYTES) renameSync(whole, archive);
      rmSync(whole, { force: true });
    }
  });

  it("under -Xshare:on, refuses to start on a damaged archive (so the start above did map its archive)", async () => {
    // Prepare: a copy of the archive with its first bytes overwritten.
    const java = dynamoDbLocalJava();
    const archive = java.archive ?? (await recordDynamoDbLocalClasses());
    expect(archive).toBeDefined();
    const damaged = path.join(dataDir, "damaged.jsa");
    const bytes = readFileSync(archive as string);
    bytes.write("damaged!", 0);
    writeFileSync(damaged, bytes);

    // Act
    const started = startDynamoDbLocal({
      dataDir: null,
      startupTimeoutMs: 30_000,
      java: {
        ...java,
        args: [
          "-Xshare:on",
          ...java.args.map((arg) =>
            arg.replace(/^-XX:SharedArchiveFile=.*/, `-XX:SharedArchiveFile=${damaged}`),
          ),
        ],
      },
    });

    // Assess
    await expect(started).rejects.toThrow(/DynamoDB Local exited/);
  });
});
