/**
 * What a run of the local default did, counted in the units AWS bills: state transitions, Lambda
 * invocations with their duration and memory, DynamoDB read and write units (from the
 * ConsumedCapacity the store asks for), and API requests. SES messages are counted from the
 * emulator's own store (lib/local/emulators/ses-local.ts). The benchmark and `frist simulate` turn these into
 * a cost per referral (test/bench/cost.ts).
 *
 * One set of counters per process, like the local stack itself: the hooks are one call each, in the
 * local runtime only (lib/local), never in the handlers' code.
 */

/** Per function: invocations, milliseconds spent in the handler, and its configured memory. */
export interface FunctionCount {
  invocations: number;
  /** Sum of the handler's wall time, each invocation rounded up to 1 ms as Lambda bills it. */
  billedMs: number;
  memoryMb: number;
  /** DynamoDB calls its handler made (included in the run's `dynamodb.calls`). */
  dynamodbCalls?: number;
}

/** A snapshot of the counters. */
export interface RunCounts {
  /** Step Functions state transitions (states entered, retries included: each is billed). */
  stateTransitions: number;
  lambda: Record<string, FunctionCount>;
  dynamodb: {
    calls: number;
    readUnits: number;
    writeUnits: number;
    /** Calls that answered without ConsumedCapacity (so their units are missing above). */
    uncounted: number;
  };
  /** Requests the API emulation routed to a function (what API Gateway bills). */
  apiRequests: number;
  /**
   * Workflow states that failed, by `State: Error` (each is retried or caught). A retry waits in real
   * time, so these are what a run spends waiting on besides its work.
   */
  stateFailures: Record<string, number>;
}

function empty(): RunCounts {
  return {
    stateTransitions: 0,
    lambda: {},
    dynamodb: { calls: 0, readUnits: 0, writeUnits: 0, uncounted: 0 },
    apiRequests: 0,
    stateFailures: {},
  };
}

let current = empty();

/** The counters of this process. */
export const counters = {
  /** Starts counting from zero. */
  reset(): void {
    current = empty();
  },
  /** A copy of what was counted since the last reset. */
  snapshot(): RunCounts {
    return structuredClone(current);
  },
  stateTransition(): void {
    current.stateTransitions += 1;
  },
  stateFailure(stateName: string, error: string): void {
    const key = `${stateName}: ${error}`;
    current.stateFailures[key] = (current.stateFailures[key] ?? 0) + 1;
  },
  lambdaInvocation(functionLogicalId: string, memoryMb: number, durationMs: number): void {
    const entry = current.lambda[functionLogicalId] ?? { invocations: 0, billedMs: 0, memoryMb };
    entry.invocations += 1;
    entry.memoryMb = memoryMb;
    entry.billedMs += Math.max(1, Math.ceil(durationMs));
    current.lambda[functionLogicalId] = entry;
  },
  /**
   * One DynamoDB call and the ConsumedCapacity it answered with (one entry, or one per table). With
   * ReturnConsumedCapacity TOTAL an entry holds only `CapacityUnits` (table and indexes together),
   * spent on the operation's own kind: `kind` says which.
   */
  dynamodbCall(kind: "read" | "write", consumed: unknown): void {
    current.dynamodb.calls += 1;
    const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    if (entries.length === 0) {
      current.dynamodb.uncounted += 1;
      return;
    }
    for (const entry of entries as Array<Record<string, unknown>>) {
      const units = Number(entry.CapacityUnits ?? 0);
      if (kind === "read") current.dynamodb.readUnits += units;
      else current.dynamodb.writeUnits += units;
    }
  },
  /**
   * A conditional write that DynamoDB refused: it answers without ConsumedCapacity, yet AWS bills
   * the write (at least one unit), so it counts as one write unit.
   */
  dynamodbRefusedWrite(): void {
    current.dynamodb.calls += 1;
    current.dynamodb.writeUnits += 1;
  },
  /**
   * DynamoDB calls counted elsewhere (a function's own execution environment) and reported here,
   * also by the function that made them when it is named.
   */
  addDynamodb(delta: RunCounts["dynamodb"], functionLogicalId?: string): void {
    if (functionLogicalId !== undefined) {
      // Reported as the invocation ends, just before it is counted: its entry may not exist yet.
      const entry = current.lambda[functionLogicalId] ?? { invocations: 0, billedMs: 0, memoryMb: 0 };
      entry.dynamodbCalls = (entry.dynamodbCalls ?? 0) + delta.calls;
      current.lambda[functionLogicalId] = entry;
    }
    current.dynamodb.calls += delta.calls;
    current.dynamodb.readUnits += delta.readUnits;
    current.dynamodb.writeUnits += delta.writeUnits;
    current.dynamodb.uncounted += delta.uncounted;
  },
  apiRequest(): void {
    current.apiRequests += 1;
  },
};

/** Differences between two snapshots (what happened in between). */
export function countsBetween(before: RunCounts, after: RunCounts): RunCounts {
  const lambda: Record<string, FunctionCount> = {};
  for (const [id, entry] of Object.entries(after.lambda)) {
    const earlier = before.lambda[id];
    const invocations = entry.invocations - (earlier?.invocations ?? 0);
    if (invocations > 0) {
      lambda[id] = {
        invocations,
        billedMs: entry.billedMs - (earlier?.billedMs ?? 0),
        memoryMb: entry.memoryMb,
        ...(entry.dynamodbCalls !== undefined
          ? { dynamodbCalls: entry.dynamodbCalls - (earlier?.dynamodbCalls ?? 0) }
          : {}),
      };
    }
  }
  return {
    stateTransitions: after.stateTransitions - before.stateTransitions,
    lambda,
    dynamodb: {
      calls: after.dynamodb.calls - before.dynamodb.calls,
      readUnits: after.dynamodb.readUnits - before.dynamodb.readUnits,
      writeUnits: after.dynamodb.writeUnits - before.dynamodb.writeUnits,
      uncounted: after.dynamodb.uncounted - before.dynamodb.uncounted,
    },
    apiRequests: after.apiRequests - before.apiRequests,
    stateFailures: Object.fromEntries(
      Object.entries(after.stateFailures)
        .map(([key, count]) => [key, count - (before.stateFailures[key] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    ),
  };
}

const WRITE_COMMAND =
  /^(Put|PutItem|Update|UpdateItem|Delete|DeleteItem|BatchWrite|BatchWriteItem|TransactWrite|TransactWriteItems)Command$/;
const READ_COMMAND = /^(Get|GetItem|Query|Scan|BatchGet|BatchGetItem|TransactGet|TransactGetItems)Command$/;

/** The part of an SDK client the counting middleware needs (DynamoDBClient and the document client). */
export interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<{ output: unknown }>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<{ output: unknown }>,
      options: { step: "initialize"; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Counts every data call of `client` and the capacity it consumed (see {@link counters}). Added by the
 * local runtime to the handlers' DynamoDB client; the store asks for ReturnConsumedCapacity itself
 * (functions/adapters/clients.ts), so on AWS the same figures are in every answer.
 */
export function countConsumedCapacity(client: MiddlewareClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const kind = WRITE_COMMAND.test(command) ? "write" : READ_COMMAND.test(command) ? "read" : undefined;
      if (!kind) return next(args);
      try {
        const result = await next(args);
        counters.dynamodbCall(kind, (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        return result;
      } catch (error) {
        const name = (error as Error).name;
        if (
          kind === "write" &&
          (name === "ConditionalCheckFailedException" || name === "TransactionCanceledException")
        ) {
          counters.dynamodbRefusedWrite();
        }
        throw error;
      }
    },
    { step: "initialize", name: "fristCountConsumedCapacity", override: true },
  );
}
