/**
 * A function's log lines carry the invocation's Lambda context (Powertools' `function_name`,
 * `function_request_id`, `cold_start`), read off the raw stdout line as CloudWatch gets it: for an
 * API route through the shared wrapper, and for a workflow step or a scheduled run through
 * `workflowStep` (functions/adapters/invocation.ts).
 */
import type { Context } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { json, jsonRoute } from "../../functions/adapters/http";
import { workflowStep } from "../../functions/adapters/invocation";
import { logger } from "../../functions/adapters/logger";
import { InMemoryReferralStore } from "../support/fakes";

// The reconciler's ports, in memory: its handler builds them at import, from these.
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => new InMemoryReferralStore(),
  executionsFromEnv: () => ({ listUnsuccessful: async () => [], ofReferral: async () => [] }),
  workflowFromEnv: () => ({}),
}));
vi.mock("../../functions/adapters/dynamo-worklist", () => ({
  worklistFromEnv: () => ({ page: async () => ({ rows: [] }) }),
}));
vi.mock("../../functions/adapters/dynamo-recovery-runs", () => ({
  recoveryRunsFromEnv: () => ({ record: async () => undefined, latest: async () => undefined }),
}));

const saved = { quiet: process.env.FRIST_QUIET, init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };

beforeAll(() => {
  // As Lambda sets it for an on-demand environment; Powertools counts cold starts only there. Set
  // before this file's first log line, when the logger is built and reads it.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand";
});

afterAll(() => {
  if (saved.init === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = saved.init;
});

let lines: string[];
beforeEach(() => {
  lines = [];
  delete process.env.FRIST_QUIET;
  // Powertools writes info to stdout and warnings and errors to stderr, each line as it is shipped.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  if (saved.quiet === undefined) delete process.env.FRIST_QUIET;
  else process.env.FRIST_QUIET = saved.quiet;
});

/** A Lambda context as the Node.js runtime passes it. */
function lambdaContext(functionName: string, awsRequestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-north-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2027/03/01/[$LATEST]abc",
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const event = {
  httpMethod: "GET",
  path: "/referrals/ref-1",
  resource: "/referrals/{referralId}",
  headers: {},
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: { referralId: "ref-1" },
  stageVariables: null,
  requestContext: {} as never,
  body: null,
  isBase64Encoded: false,
};

const logged = (message: string) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === message);

describe("the Lambda context in the log lines", () => {
  it("names the function and the request in an API route's lines, a cold start on the first invocation only", async () => {
    // Prepare: a route built as every route is, logging one line per request.
    const route = jsonRoute({ name: "reading a referral" }, async (request) => {
      logger.info("referral read", { referralId: request.event.pathParameters?.referralId });
      return json(200, {});
    });

    // Act
    await route(event, lambdaContext("GetReferralFunction", "req-first"));
    await route(event, lambdaContext("GetReferralFunction", "req-second"));

    // Assess
    expect(logged("referral read")).toEqual([
      expect.objectContaining({
        function_name: "GetReferralFunction",
        function_request_id: "req-first",
        cold_start: true,
        referralId: "ref-1",
      }),
      expect.objectContaining({
        function_name: "GetReferralFunction",
        function_request_id: "req-second",
        cold_start: false,
      }),
    ]);
  });

  it("names the function and the request in a workflow step's lines", async () => {
    // Prepare: the second function of this environment, so no longer its cold start.
    const step = workflowStep(async (input: { referralId: string }) => {
      logger.warn("workflow needs recovery", { referralId: input.referralId });
      return input.referralId;
    });

    // Act
    const result = await step({ referralId: "ref-2" }, lambdaContext("ReconcileFunction", "req-third"));

    // Assess
    expect(result).toBe("ref-2");
    expect(logged("workflow needs recovery")).toEqual([
      expect.objectContaining({
        function_name: "ReconcileFunction",
        function_request_id: "req-third",
        cold_start: false,
        referralId: "ref-2",
      }),
    ]);
  });

  it("passes a workflow step's error on as it was thrown, so Step Functions matches its Retry and Catch on the name", async () => {
    // Prepare
    class DynamoUnavailable extends Error {
      override readonly name = "DynamoUnavailable";
    }
    const thrown = new DynamoUnavailable("The referral store is unavailable");
    const step = workflowStep(async (_input: { referralId: string }) => {
      throw thrown;
    });

    // Act
    const outcome = step({ referralId: "ref-3" }, lambdaContext("PlanIntakeFunction", "req-fourth"));

    // Assess
    await expect(outcome).rejects.toBe(thrown);
  });

  it("names the function and the request in the reconciler's lines, invoked as the operations page resumes a referral", async () => {
    // Prepare
    const { handler } = await import("../../functions/handlers/reconcile-workflows");

    // Act
    const result = await handler(
      { referralId: "ref-unknown" },
      lambdaContext("ReconcileFunction", "req-fifth"),
    );

    // Assess
    expect(result).toEqual({ outcome: null });
    expect(logged("resume requested: not found")).toEqual([
      expect.objectContaining({
        function_name: "ReconcileFunction",
        function_request_id: "req-fifth",
        cold_start: false,
        referralId: "ref-unknown",
      }),
    ]);
  });
});
