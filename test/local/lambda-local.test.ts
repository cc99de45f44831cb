import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PRIORITY_GUIDE_DEFINE } from "../../functions/adapters/priority-guide";
import { DEFAULT_PRIORITY_GUIDE } from "../../functions/domain/priority-guide";
import { bundleHandlers } from "../../lib/local/lambda/bundles";
import { createLambdaRuntime, type LambdaRuntime, lambdaEnvironment } from "../../lib/local/lambda/runtime";
import type { LocalFunction } from "../../lib/local/template";

// Each function runs in a worker thread of its own, as Lambda runs it in an environment of its own.
const REPO_ROOT = new URL("../..", import.meta.url).pathname;

function fn(logicalId: string, entry: string): LocalFunction {
  return {
    logicalId,
    entry: `test/local/fixtures/lambda/${entry}`,
    handlerName: "handler",
    environment: {},
    timeoutSeconds: 10,
    memorySize: 256,
  };
}

const functions = {
  Reader: fn("Reader", "environment.ts"),
  Other: fn("Other", "environment.ts"),
  NeedsVariable: fn("NeedsVariable", "needs-variable.ts"),
  Failing: fn("Failing", "failing.ts"),
  Logging: fn("Logging", "logs-context.ts"),
  ShippedGuide: fn("ShippedGuide", "priority-guide.ts"),
  ClinicGuide: {
    ...fn("ClinicGuide", "priority-guide.ts"),
    // As the template's Metadata "frist:define" gives it: compiled into the bundle on AWS.
    bundleDefines: { [PRIORITY_GUIDE_DEFINE]: { ...DEFAULT_PRIORITY_GUIDE, version: "2024-06-19" } },
  },
  Slow: fn("Slow", "slow.ts"),
  Heap256: fn("Heap256", "heap-limits.ts"),
  Heap1024: { ...fn("Heap1024", "heap-limits.ts"), memorySize: 1024 },
  NeverIdle: fn("NeverIdle", "never-idle.ts"),
  BadGuide: {
    ...fn("BadGuide", "priority-guide.ts"),
    bundleDefines: { [PRIORITY_GUIDE_DEFINE]: { ...DEFAULT_PRIORITY_GUIDE, conditions: [{ id: "x" }] } },
  },
};

let runtime: LambdaRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

function start(
  environments: Record<string, Record<string, string>>,
  stopGraceMs?: number,
  onColdStart?: (functionLogicalId: string, ready: Promise<void>) => void,
): LambdaRuntime {
  runtime = createLambdaRuntime({
    repoRoot: REPO_ROOT,
    functions,
    region: "eu-north-1",
    environment: (f) => environments[f.logicalId] ?? {},
    countCapacity: false,
    ...(stopGraceMs === undefined ? {} : { stopGraceMs }),
    ...(onColdStart ? { onColdStart } : {}),
  });
  return runtime;
}

describe("the local Lambda runtime", () => {
  it("gives a function the priority guide compiled into its bundle on AWS, outside its environment, and fails the init of a bad one", async () => {
    // Prepare
    const lambda = start({});

    // Act
    const shipped = (await lambda.invoke("ShippedGuide", {})) as { version: string; conditions: string[] };
    const clinic = (await lambda.invoke("ClinicGuide", {})) as { version: string; environment: string };
    const bad = await lambda.invoke("BadGuide", {}).catch((error: Error) => error);

    // Assess
    expect(shipped.version).toBe(DEFAULT_PRIORITY_GUIDE.version);
    expect(shipped.conditions).toEqual(DEFAULT_PRIORITY_GUIDE.conditions.map((condition) => condition.id));
    expect(clinic.version).toBe("2024-06-19");
    expect(clinic.environment).not.toContain("2024-06-19");
    expect((bad as Error).message).toMatch(/Priority guide is invalid: conditions\.0\.name/);
  });

  it("runs a function from its bundle, built as the deployment builds it, with the stack's values compiled in", async () => {
    // Prepare: the stack's priority guide, as the template's "frist:define" gives it to the build.
    const dir = mkdtempSync(path.join(tmpdir(), "frist-bundles-test-"));
    const guide = { ...DEFAULT_PRIORITY_GUIDE, version: "2025-01-31" };
    const { entry } = fn("Bundled", "module-url.ts");
    try {
      const bundles = await bundleHandlers({
        repoRoot: REPO_ROOT,
        entries: [entry],
        defines: { [PRIORITY_GUIDE_DEFINE]: guide },
        cacheDir: dir,
      });
      runtime = createLambdaRuntime({
        repoRoot: REPO_ROOT,
        functions: { Bundled: fn("Bundled", "module-url.ts") },
        region: "eu-north-1",
        environment: () => ({}),
        countCapacity: false,
        bundles: () => bundles,
      });

      // Act
      const answer = (await runtime.invoke("Bundled", {})) as { moduleUrl: string; version: string };

      // Assess: the built JavaScript ran, not the TypeScript source, and carried the guide.
      expect(answer.moduleUrl).toBe(pathToFileURL(bundles.fileOf(entry) as string).href);
      expect(answer.moduleUrl.startsWith(pathToFileURL(dir).href)).toBe(true);
      expect(answer.version).toBe("2025-01-31");
    } finally {
      await runtime?.stop();
      runtime = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives each function exactly its own variables, nothing of this process or of another function", async () => {
    // Prepare
    process.env.FRIST_PARENT_ONLY = "parent";
    const lambda = start({ Reader: { TABLE_NAME: "Referrals" }, Other: { CLINIC_CONFIG: "{}" } });

    // Act
    const reader = (await lambda.invoke("Reader", {})) as Record<string, string>;
    const other = (await lambda.invoke("Other", {})) as Record<string, string>;
    delete process.env.FRIST_PARENT_ONLY;

    // Assess
    expect(reader).toEqual({ TABLE_NAME: "Referrals" });
    expect(other).toEqual({ CLINIC_CONFIG: "{}" });
  });

  it("gives a function the heap Lambda's Node.js runtime gives it for its memory setting", async () => {
    // Prepare: the heap of a Node process started as the runtime's bootstrap starts it, whose flags
    // are a twentieth of the memory as semi-space and the memory less a tenth as old space (in MB).
    const lambda = start({});
    const bootstrapHeap = (memory: number) =>
      Number(
        execFileSync(process.execPath, [
          `--max-semi-space-size=${Math.floor(memory / 10 / 2)}`,
          `--max-old-space-size=${memory - Math.floor(memory / 10)}`,
          "-p",
          "require('node:v8').getHeapStatistics().heap_size_limit",
        ]),
      );

    // Act
    const at256 = (await lambda.invoke("Heap256", {})) as { heapSizeLimit: number };
    const at1024 = (await lambda.invoke("Heap1024", {})) as { heapSizeLimit: number };

    // Assess: a function that outgrows Lambda's heap fails here too, not only once deployed.
    expect(at256.heapSizeLimit).toBe(bootstrapHeap(256));
    expect(at1024.heapSizeLimit).toBe(bootstrapHeap(1024));
  });

  it("fails a function that reads a variable it was not given, at init as Lambda does, and retries init on the next invocation", async () => {
    // Prepare
    const environments: Record<string, Record<string, string>> = { NeedsVariable: {} };
    const lambda = start(environments);

    // Act
    const refused = await lambda.invoke("NeedsVariable", {}).catch((error: Error) => error);
    environments.NeedsVariable = { REQUIRED_AT_LOAD: "given" };
    const answered = await lambda.invoke("NeedsVariable", {});

    // Assess
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toBe("Missing environment variable REQUIRED_AT_LOAD");
    expect(answered).toBe("given");
  });

  it("hands back a handler's error under its own name, and events and results as JSON", async () => {
    // Prepare
    const lambda = start({});
    const when = new Date("2027-03-01T08:00:00Z");

    // Act
    const error = await lambda.invoke("Failing", { fail: true }).catch((thrown: Error) => thrown);
    const echoed = await lambda.invoke("Failing", { when });

    // Assess
    expect((error as Error).name).toBe("DynamoUnavailable");
    expect((error as Error).message).toBe("the store did not answer");
    expect(echoed).toEqual({ when: "2027-03-01T08:00:00.000Z", type: "string" });
  });

  it("tells of each environment as it starts, with its load, and of none for a warm invocation", async () => {
    // Prepare: what happens, in order.
    const events: string[] = [];
    const lambda = start({}, undefined, (functionLogicalId, ready) => {
      events.push(`told ${functionLogicalId}`);
      void ready.then(() => events.push(`loaded ${functionLogicalId}`));
    });

    // Act
    const first = lambda.invoke("Reader", {}).then(() => events.push("answered Reader"));
    events.push("invoked Reader");
    await first;
    await lambda.invoke("Reader", {}).then(() => events.push("answered Reader again"));
    await lambda.invoke("Other", {}).then(() => events.push("answered Other"));

    // Assess: told as each environment starts (before the load), its load settled before its first
    // answer, and nothing for a warm invocation.
    expect(events).toEqual([
      "told Reader",
      "invoked Reader",
      "loaded Reader",
      "answered Reader",
      "answered Reader again",
      "told Other",
      "loaded Other",
      "answered Other",
    ]);
  });

  it("sets a later value (the simulated clock) in running environments and in those started after", async () => {
    // Prepare
    const lambda = start({ Reader: { CLOCK: "before" }, Other: { CLOCK: "before" } });
    await lambda.invoke("Reader", {});

    // Act
    lambda.setEnvironment({ CLOCK: "after" });
    const running = (await lambda.invoke("Reader", { names: ["CLOCK"] })) as Record<string, string>;
    const started = (await lambda.invoke("Other", { names: ["CLOCK"] })) as Record<string, string>;

    // Assess
    expect(running.CLOCK).toBe("after");
    expect(started.CLOCK).toBe("after");
  });

  it("gives each invocation a Lambda context that the functions' log lines carry: the function, the request, a cold start on the first only", async () => {
    // Prepare: the environment Lambda sets (an on-demand environment, where Powertools counts cold starts).
    const credentials = { accessKeyId: "LOCALLogging", secretAccessKey: "local" };
    const lambda = start({ Logging: lambdaEnvironment(functions.Logging, "eu-north-1", credentials) });
    type Answer = { lines: string[]; context: Record<string, string | number> };

    // Act
    const first = (await lambda.invoke("Logging", {})) as Answer;
    const second = (await lambda.invoke("Logging", {})) as Answer;

    // Assess: a context as Lambda's, a new request id each time, and the raw line carries it.
    expect(first.context).toMatchObject({
      functionName: "Logging",
      functionVersion: "$LATEST",
      invokedFunctionArn: expect.stringMatching(/^arn:aws:lambda:eu-north-1:\d{12}:function:Logging$/),
      memoryLimitInMB: "256",
      logGroupName: "/aws/lambda/Logging",
    });
    expect(first.context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(first.context.remainingTimeInMillis).toBeLessThanOrEqual(10_000);
    expect(second.context.awsRequestId).not.toBe(first.context.awsRequestId);
    const lineOf = (answer: Answer) => JSON.parse(answer.lines.at(-1) ?? "{}") as Record<string, unknown>;
    expect(lineOf(first)).toMatchObject({
      message: "fixture logged",
      function_name: "Logging",
      function_request_id: first.context.awsRequestId,
      cold_start: true,
      referralId: "ref-1",
    });
    expect(lineOf(second)).toMatchObject({
      function_name: "Logging",
      function_request_id: second.context.awsRequestId,
      cold_start: false,
    });
  });

  it("lets an invocation under way when it is stopped finish and answer, and then starts nothing more", async () => {
    // Prepare
    const lambda = start({});
    await lambda.warm(["Slow"]);

    // Act
    const underWay = lambda.invoke("Slow", { ms: 300 });
    await lambda.stop();
    const after = await lambda.invoke("Slow", { ms: 1 }).catch((error: Error) => error);

    // Assess: the environment ended on its own once its invocation had answered.
    expect(await underWay).toEqual({ waited: 300 });
    expect(lambda.running()).toEqual([]);
    expect((after as Error).name).toBe("Lambda.ServiceException");
  });

  it("terminates a stopped environment that has not ended within the grace period, failing what was under way", async () => {
    // Prepare: a function whose timer keeps its thread alive and whose invocation never answers.
    const lambda = start({}, 200);
    await lambda.warm(["NeverIdle"]);
    const underWay = lambda.invoke("NeverIdle", {}).catch((error: Error) => error);

    // Act
    await lambda.stop();

    // Assess
    const failed = (await underWay) as Error;
    expect(failed.name).toBe("Runtime.ExitError");
    expect(failed.message).toMatch(/NeverIdle exited/);
  });

  it("sets what Lambda itself sets, with the function's own credentials", () => {
    // Act
    const env = lambdaEnvironment(functions.Reader, "eu-north-1", {
      accessKeyId: "LOCALReader",
      secretAccessKey: "local",
    });

    // Assess
    expect(env).toMatchObject({
      AWS_REGION: "eu-north-1",
      AWS_LAMBDA_FUNCTION_NAME: "Reader",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_ACCESS_KEY_ID: "LOCALReader",
    });
    expect(env.TZ).toBeUndefined();
  });
});
