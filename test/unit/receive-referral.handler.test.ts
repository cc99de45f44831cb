/**
 * The receive-referral handler alone, with its AWS clients mocked: what it writes, what it starts,
 * and that bad input writes nothing.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { osloDate } from "../../functions/domain/calendar";
import { bodyHash } from "../../functions/domain/receive-referral";
import { sampleReferral } from "../support/http";
import { expectDocumentedAnswer } from "../support/openapi-answers";

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let handler: (
  event: APIGatewayProxyEvent,
) => Promise<{ statusCode: number; body: string; headers?: Record<string, unknown> }>;

beforeAll(async () => {
  process.env.TABLE_NAME = "Referrals";
  process.env.STATE_MACHINE_ARN = "arn:aws:states:eu-north-1:123456789012:stateMachine:Referral";
  process.env.AWS_REGION = "eu-north-1";
  process.env.CLINIC_CONFIG = JSON.stringify({
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      postalAddress: "Postboks 1, 0001 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "23 00 00 00",
      email: "post@smerteklinikk.example",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    },
    intakeTeam: [
      { name: "Ingrid Lie", role: "physician", email: "ingrid@smerteklinikk.example", lead: true },
    ],
  });
  ({ handler } = await import("../../functions/handlers/receive-referral"));
});

afterEach(() => {
  dynamo.reset();
  sfn.reset();
});

function post(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    path: "/referrals",
    resource: "/referrals",
    headers: { "Content-Type": "application/json", "Idempotency-Key": "key-1", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      identity: { accountId: "123456789012", userArn: "arn:aws:iam::123456789012:role/Portal" },
    },
  } as unknown as APIGatewayProxyEvent;
}

/** An idempotency item as the store keeps it, with the answer a retry is matched against. */
const idempotencyItem = (record: { bodyHash: string; referralId: string; response: unknown }) => ({
  pk: "IDEMPOTENCY#portal#key-1",
  sk: "IDEMPOTENCY",
  recordType: "idempotency",
  scope: "portal",
  key: "key-1",
  createdAt: "2025-03-03T09:00:00.000Z",
  ...record,
});

describe("POST /referrals handler", () => {
  it("stores referral, idempotency record and first audit event in one transaction, then starts the execution named by the referral id", async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn" });

    // Act
    const response = await handler(post(sampleReferral()));

    // Assess
    expect(response.statusCode).toBe(202);
    expectDocumentedAnswer("POST /referrals", response);
    const receipt = JSON.parse(response.body);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    const [idempotency, referral, event, counted] = items;
    expect([idempotency, referral, event].map((item) => item?.Put?.Item?.recordType)).toEqual([
      "idempotency",
      "referral",
      "event",
    ]);
    expect(
      [idempotency, referral, event].every(
        (item) => item?.Put?.ConditionExpression === "attribute_not_exists(pk)",
      ),
    ).toBe(true);
    // The statistics counters of the month of receipt (one of its shards), in the same transaction.
    expect(counted?.Update?.Key).toEqual({
      pk: `STATISTICS#${osloDate(new Date(receipt.receivedAt)).slice(0, 7)}`,
      sk: expect.stringMatching(/^STATISTICS(#[1-7])?$/),
    });
    expect(items).toHaveLength(4);
    expect(items[1]?.Put?.Item).toMatchObject({
      pk: `REFERRAL#${receipt.referralId}`,
      gsi1pk: "received",
      gsi1sk: `${receipt.assessmentDueDate}#${receipt.referralId}`,
    });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: process.env.STATE_MACHINE_ARN,
      name: receipt.referralId,
      input: JSON.stringify({ referralId: receipt.referralId }),
    });
  });

  it("replays the stored 202 for a retry with the same key and body: its write is refused whole, nothing else is written", async () => {
    // Prepare: the key is taken, so the all-or-nothing write conditional on a new key is refused.
    const body = sampleReferral();
    const stored = { referralId: "r-1", status: "received", receivedAt: "2026-11-20T10:00:00.000Z" };
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }, { Code: "None" }],
      }),
    );
    dynamo
      .on(GetCommand)
      .resolves({ Item: idempotencyItem({ bodyHash: bodyHash(body), referralId: "r-1", response: stored }) });
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));

    // Act
    const response = await handler(post(body));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual(stored);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it("reads nothing before writing a new referral: one conditional write, then the workflow", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn" });

    const response = await handler(post(sampleReferral()));

    expect(response.statusCode).toBe(202);
    expect(dynamo.calls().map((call) => call.args[0].constructor.name)).toEqual(["TransactWriteCommand"]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it("answers 409 when the key was used with another body", async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }, { Code: "None" }],
      }),
    );
    dynamo
      .on(GetCommand)
      .resolves({ Item: idempotencyItem({ bodyHash: "another", referralId: "r-1", response: {} }) });

    const response = await handler(post(sampleReferral()));

    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toMatchObject({ error: "idempotency_conflict" });
    expectDocumentedAnswer("POST /referrals", response);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("answers a concurrent duplicate that lost the race as the winner did", async () => {
    // Prepare: the key is taken by the time this request writes.
    const body = sampleReferral();
    const winner = { bodyHash: bodyHash(body), referralId: "r-win", response: { referralId: "r-win" } };
    dynamo.on(GetCommand).resolves({ Item: idempotencyItem(winner) });
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }, { Code: "None" }],
      }),
    );
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    const response = await handler(post(body));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ referralId: "r-win" });
  });

  it("rejects a malformed patient phone number with a 400 naming patient.phone, without any write", async () => {
    const referral = sampleReferral();
    referral.patient = { ...(referral.patient as object), phone: "ring 9123" };

    const response = await handler(post(referral));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: "validation_failed",
      issues: [expect.objectContaining({ path: "patient.phone" })],
    });
    expect(response.body).not.toContain("ring 9123");
    expectDocumentedAnswer("POST /referrals", response);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it("rejects a condition the clinic's priority guide does not hold with a 400 naming condition, without any write", async () => {
    for (const condition of ["migrene-uten-kilde", "Not An Id"]) {
      const response = await handler(post({ ...sampleReferral(), condition }));

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({
        error: "validation_failed",
        issues: [expect.objectContaining({ path: "condition" })],
      });
    }
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it("keeps a condition of the clinic's priority guide with the referral it stores", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:execution" });

    const response = await handler(post({ ...sampleReferral(), condition: "ansiktssmerter" }));

    expect(response.statusCode).toBe(202);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    const stored = items.map((item) => item.Put?.Item).find((item) => item?.submission);
    expect(stored?.submission.condition).toBe("ansiktssmerter");
  });

  it("rejects a national ID that fails the check digit, naming the field, without any write", async () => {
    const referral = sampleReferral();
    referral.patient = { ...(referral.patient as object), nationalId: "15038512283" };

    const response = await handler(post(referral));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "patient.nationalId" })]),
    );
    expect(response.body).not.toContain("15038512283");
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each([
    ["a missing Idempotency-Key", post(sampleReferral(), { "Idempotency-Key": "" }), 400],
    ["an over-long Idempotency-Key", post(sampleReferral(), { "Idempotency-Key": "k".repeat(129) }), 400],
    ["invalid JSON", post("{"), 400],
    ["another content type", post(sampleReferral(), { "Content-Type": "text/plain" }), 415],
    ["a body over 256 KiB", post({ ...sampleReferral(), reason: "x".repeat(300_000) }), 413],
  ])("answers %s with %i and writes nothing", async (_what, event, status) => {
    const response = await handler(event);

    expect(response.statusCode).toBe(status);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it("answers 503 with Retry-After and no detail while DynamoDB does not answer, and logs no request data", async () => {
    // What the SDK leaves after its retries when the connection times out: no HTTP status at all.
    dynamo
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error("timeout 15038512282"), { name: "TimeoutError" }));
    const logged = vi.spyOn(process.stderr, "write").mockImplementation(() => true); // Powertools writes error lines to stderr itself

    const response = await handler(post(sampleReferral()));

    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toMatch(/^\d+$/);
    expect(JSON.parse(response.body)).toMatchObject({ error: "service_unavailable" });
    expect(response.body).not.toContain("15038512282");
    expect(JSON.stringify(logged.mock.calls)).not.toContain("15038512282");
    logged.mockRestore();
  });

  it("answers 500 without detail when the store refuses the request, and logs no request data", async () => {
    // A 4xx the SDK does not retry (a bug, e.g. a missing table): not an outage.
    dynamo.on(TransactWriteCommand).rejects(
      Object.assign(new Error("boom with 15038512282"), {
        name: "ResourceNotFoundException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const logged = vi.spyOn(process.stderr, "write").mockImplementation(() => true); // Powertools writes error lines to stderr itself

    const response = await handler(post(sampleReferral()));

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe(JSON.stringify({ error: "internal_error" }));
    expect(logged).toHaveBeenCalled();
    expect(JSON.stringify(logged.mock.calls)).not.toContain("15038512282");
    logged.mockRestore();
  });
});
