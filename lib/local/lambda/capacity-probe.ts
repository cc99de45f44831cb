/**
 * Built into the functions' bundles beside the handlers (./bundles.ts) and imported by each
 * execution environment after its handler: it shares the handler's DynamoDB client (the same chunk
 * of the same build, in the same thread), adds the runtime's counting middleware to it, and hands
 * the worker what was counted since the last invocation. Nothing of it is in a deployed bundle.
 */
import { dynamoDocumentClient } from "../../../functions/adapters/clients";
import { countConsumedCapacity, counters } from "../operations/counters";
import type { CapacityDelta } from "./worker";

/** Counts the handler's DynamoDB calls from now on; returns a taker of what was counted since its last call. */
export function countHandlerCapacity(): () => CapacityDelta | undefined {
  countConsumedCapacity(dynamoDocumentClient() as unknown as Parameters<typeof countConsumedCapacity>[0]);
  return () => {
    const { dynamodb } = counters.snapshot();
    if (dynamodb.calls === 0) return undefined;
    counters.reset();
    return dynamodb;
  };
}
