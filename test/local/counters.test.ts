/**
 * Cost counting on the local runtime: the consumed-capacity middleware sorts units into reads and
 * writes by command, a refused conditional write still counts the unit AWS bills, and the cost of a
 * run is the counts times the list prices.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { returnConsumedCapacity } from "../../functions/adapters/consumed-capacity";
import { AWS_PRICES_USD, costOf, perReferral } from "../../lib/local/operations/cost";
import {
  countConsumedCapacity,
  counters,
  countsBetween,
  type MiddlewareClient,
} from "../../lib/local/operations/counters";

/** A client whose HTTP handler answers every call with `answer` (status and JSON body), recording requests. */
function clientAnswering(answer: { status: number; body: Record<string, unknown> }, requests: string[]) {
  return new DynamoDBClient({
    region: "eu-north-1",
    endpoint: "http://dynamodb.invalid",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: unknown }) => {
        requests.push(
          typeof request.body === "string"
            ? request.body
            : Buffer.from(request.body as Uint8Array).toString("utf8"),
        );
        const { Readable } = await import("node:stream");
        return {
          response: {
            statusCode: answer.status,
            headers: {
              "content-type": "application/x-amz-json-1.0",
              ...(answer.status >= 400 ? { "x-amzn-errortype": String(answer.body.__type) } : {}),
            },
            body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
          },
        };
      },
    },
  });
}

beforeEach(() => counters.reset());

describe("consumed capacity on the store's DynamoDB client", () => {
  it("asks for ReturnConsumedCapacity TOTAL on data calls the handler did not ask it for", async () => {
    const requests: string[] = [];
    const client = clientAnswering({ status: 200, body: {} }, requests);
    returnConsumedCapacity(client);

    await client.send(new PutItemCommand({ TableName: "frist", Item: { pk: { S: "a" } } }));
    await client.send(
      new GetItemCommand({ TableName: "frist", Key: { pk: { S: "a" } }, ReturnConsumedCapacity: "NONE" }),
    );

    expect(JSON.parse(requests[0] as string).ReturnConsumedCapacity).toBe("TOTAL");
    expect(JSON.parse(requests[1] as string).ReturnConsumedCapacity).toBe("NONE");
  });

  it("counts a write's units as writes and a read's as reads", async () => {
    const writes = clientAnswering(
      { status: 200, body: { ConsumedCapacity: { TableName: "frist", CapacityUnits: 6 } } },
      [],
    );
    const reads = clientAnswering(
      { status: 200, body: { ConsumedCapacity: { TableName: "frist", CapacityUnits: 0.5 } } },
      [],
    );
    countConsumedCapacity(writes as unknown as MiddlewareClient);
    countConsumedCapacity(reads as unknown as MiddlewareClient);

    await writes.send(new PutItemCommand({ TableName: "frist", Item: { pk: { S: "a" } } }));
    await reads.send(new GetItemCommand({ TableName: "frist", Key: { pk: { S: "a" } } }));
    await reads.send(new GetItemCommand({ TableName: "frist", Key: { pk: { S: "b" } } }));

    expect(counters.snapshot().dynamodb).toEqual({ calls: 3, readUnits: 1, writeUnits: 6, uncounted: 0 });
  });

  it("counts a refused conditional write as the one write unit AWS bills for it", async () => {
    const client = clientAnswering(
      {
        status: 400,
        body: { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "x" },
      },
      [],
    );
    countConsumedCapacity(client as unknown as MiddlewareClient);

    await expect(
      client.send(new PutItemCommand({ TableName: "frist", Item: { pk: { S: "a" } } })),
    ).rejects.toThrow();

    expect(counters.snapshot().dynamodb).toMatchObject({ calls: 1, writeUnits: 1 });
  });
});

describe("the cost of a run", () => {
  it("prices each counted unit at its list price and divides by the referrals", () => {
    counters.stateTransition();
    counters.stateTransition();
    counters.lambdaInvocation("Fn", 256, 99.2); // billed 100 ms at 0.25 GB
    counters.apiRequest();
    const counts = counters.snapshot();
    counts.dynamodb.writeUnits = 10;
    counts.dynamodb.readUnits = 4;

    const cost = costOf(counts, 3);

    const expected =
      2 * AWS_PRICES_USD.stateTransition +
      AWS_PRICES_USD.lambdaRequest +
      0.1 * 0.25 * AWS_PRICES_USD.lambdaArmGbSecond +
      10 * AWS_PRICES_USD.dynamodbWriteUnit +
      4 * AWS_PRICES_USD.dynamodbReadUnit +
      3 * AWS_PRICES_USD.sesMessage +
      AWS_PRICES_USD.apiRequest;
    expect(cost.totalUsd).toBeCloseTo(expected, 12);
    expect(perReferral(cost, 2).totalUsd).toBeCloseTo(expected / 2, 12);
  });

  it("tells what happened between two snapshots", () => {
    counters.lambdaInvocation("Fn", 256, 10);
    const before = counters.snapshot();
    counters.lambdaInvocation("Fn", 256, 20);
    counters.lambdaInvocation("Other", 128, 1);

    const between = countsBetween(before, counters.snapshot());

    expect(between.lambda).toEqual({
      Fn: { invocations: 1, billedMs: 20, memoryMb: 256 },
      Other: { invocations: 1, billedMs: 1, memoryMb: 128 },
    });
  });

  it("names which function made the DynamoDB calls and which workflow states failed with what", () => {
    const calls = (n: number) => ({ calls: n, readUnits: n, writeUnits: 0, uncounted: 0 });
    counters.addDynamodb(calls(2), "Fn");
    counters.lambdaInvocation("Fn", 256, 10);
    counters.stateFailure("RecordDecision", "Frist.Unavailable");
    const before = counters.snapshot();
    // Reported as an invocation ends, before the invocation itself is counted.
    counters.addDynamodb(calls(3), "Fresh");
    counters.lambdaInvocation("Fresh", 128, 5);
    counters.addDynamodb(calls(4), "Fn");
    counters.lambdaInvocation("Fn", 256, 10);
    counters.stateFailure("RecordDecision", "Frist.Unavailable");
    counters.stateFailure("RecordDecision", "Frist.Unavailable");
    counters.stateFailure("DispatchLetters", "States.Timeout");

    const between = countsBetween(before, counters.snapshot());

    expect(between.lambda).toEqual({
      Fn: { invocations: 1, billedMs: 10, memoryMb: 256, dynamodbCalls: 4 },
      Fresh: { invocations: 1, billedMs: 5, memoryMb: 128, dynamodbCalls: 3 },
    });
    expect(between.dynamodb.calls).toBe(7);
    expect(between.stateFailures).toEqual({
      "RecordDecision: Frist.Unavailable": 2,
      "DispatchLetters: States.Timeout": 1,
    });
  });
});
