import { GetItemCommand, ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { SIMULATED_CLOCK_ENV, systemClock } from "../../functions/adapters/clock";
import { createMissingTables, startDynamoDbLocal } from "../../lib/local/emulators/dynamodb-local";
import { type LocalStack, startLocalStack } from "../../lib/local/local-stack";
import { synthesizeLocalApp } from "../../lib/local/synthesized-app";
import { type CfnTemplate, readTables } from "../../lib/local/template";

// Starts the real app on the local default (synth in-process, Java for DynamoDB Local): ~5 s per start.
const running: LocalStack[] = [];

afterAll(async () => {
  await Promise.all(running.map((stack) => stack.stop()));
});

describe("the local stack", () => {
  it("runs the synthesized app: API, mailbox and workflow endpoints answer, the handlers see local endpoints", async () => {
    // Act
    const stack = await startLocalStack({ port: 0, inMemory: true, quiet: true });
    running.push(stack);
    const openapi = await fetch(`${stack.apiUrl}/openapi.json`);
    const unknown = await fetch(`${stack.apiUrl}/nowhere`);
    const mailbox = (await (await fetch(stack.mailboxJsonUrl)).json()) as { emails: unknown[] };
    const operations = await fetch(stack.operationsUrl);

    // Assess
    expect(openapi.status).toBe(200);
    expect(unknown.status).toBe(403);
    expect(mailbox.emails).toEqual([]);
    // The operations page is for a signed-in operations person or the lead (test/e2e/operations-page).
    expect(operations.status).toBe(401);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.dynamodbEndpoint);
    expect(process.env.AWS_ENDPOINT_URL_SFN).toBe(stack.sfnEndpoint);
    // The functions' own variables live in their own environments, not in this process.
    expect(process.env.PUBLIC_BASE_URL).toBeUndefined();
    expect(process.env.TABLE_NAME).toBeUndefined();
    expect(process.env.STATE_MACHINE_ARN).toBeUndefined();
    expect(stack.adaptationNotes.some((note) => note.includes("AwaitAssessment"))).toBe(true);
    // Without --clock/--time-scale the simulated clock is real time, and the handlers read it.
    expect(stack.clock.scale).toBe(1);
    expect(Math.abs(stack.clock.nowMs() - Date.now())).toBeLessThan(1_000);
    expect(process.env[SIMULATED_CLOCK_ENV]).toBe(stack.clock.envValue());
    expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1_000);
    expect(await (await fetch(stack.clockUrl)).json()).toMatchObject({ scale: 1 });
  });

  it("refuses a bad --clock or --time-scale before starting anything", async () => {
    await expect(startLocalStack({ inMemory: true, clock: "next Monday" })).rejects.toThrow(
      /^--clock: not an ISO timestamp with a time zone/,
    );
    await expect(startLocalStack({ inMemory: true, timeScale: 0 })).rejects.toThrow(
      /^--time-scale: not a positive number/,
    );
  });

  it("stops cleanly, restores the environment, and restarts in the same process on the same ports", async () => {
    // Prepare
    const first = running.pop() as LocalStack;
    const ports = [
      first.apiUrl,
      first.sfnEndpoint,
      first.operationsUrl,
      first.dynamodbEndpoint,
      first.mailboxJsonUrl,
    ];

    // Act
    await first.stop();
    const envAfterStop = process.env.AWS_ENDPOINT_URL_SFN;
    const clockEnvAfterStop = process.env[SIMULATED_CLOCK_ENV];
    const refused = await fetch(`${first.apiUrl}/openapi.json`).catch(() => "refused");
    const second = await startLocalStack({ port: 0, inMemory: true, quiet: true });
    running.push(second);

    // Assess
    expect(envAfterStop).toBeUndefined();
    expect(clockEnvAfterStop).toBeUndefined();
    expect(refused).toBe("refused");
    expect([
      second.apiUrl,
      second.sfnEndpoint,
      second.operationsUrl,
      second.dynamodbEndpoint,
      second.mailboxJsonUrl,
    ]).toEqual(ports);
    expect((await fetch(`${second.apiUrl}/openapi.json`)).status).toBe(200);
  });

  it("keeps its tables in a DynamoDB Local it is given: replaces what it finds under their names, deletes them when it stops, and leaves the JVM running, frozen or not", async () => {
    // Prepare: the stack before stops; a DynamoDB Local holds a table of the app's, with an item in
    // it, as a stack that did not stop would have left it.
    await running.pop()?.stop();
    const db = await startDynamoDbLocal({ dataDir: null });
    try {
      const tables = readTables((await synthesizeLocalApp(undefined)).template as CfnTemplate);
      const names = tables.map((table) => String(table.TableName));
      await createMissingTables(db.client, tables);
      const leftOver = { pk: { S: "REFERRAL#left-over" }, sk: { S: "REFERRAL" } };
      await db.client.send(new PutItemCommand({ TableName: names[0], Item: leftOver }));

      // Act
      const stack = await startLocalStack({ port: 0, inMemory: true, quiet: true, dynamodb: db });
      const whileRunning = await db.client.send(new ListTablesCommand({}));
      const found = await db.client.send(
        new GetItemCommand({ TableName: names[0], Key: leftOver, ConsistentRead: true }),
      );
      const openapi = await fetch(`${stack.apiUrl}/openapi.json`);
      // Frozen by the fault switch, as the fault test does, when the stack stops.
      stack.faults.pauseDynamoDb();
      await stack.stop();
      const afterStop = await db.client.send(new ListTablesCommand({}));

      // Assess
      expect(stack.dynamodbEndpoint).toBe(db.endpoint);
      expect(whileRunning.TableNames).toEqual(expect.arrayContaining(names));
      expect(found.Item).toBeUndefined();
      expect(openapi.status).toBe(200);
      expect(afterStop.TableNames?.filter((name) => names.includes(name))).toEqual([]);
    } finally {
      await db.stop();
    }
  });
});
