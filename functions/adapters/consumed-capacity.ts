/**
 * Every data call of the store asks DynamoDB for ReturnConsumedCapacity TOTAL: the answer then says
 * how many read or write units the call cost (table and indexes together), a few bytes more per
 * answer and no extra request. The local runtime counts them to price a referral
 * (lib/local/operations/counters.ts); on AWS they are there for a trace or a log line that wants them.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The commands whose input takes ReturnConsumedCapacity (table management calls do not). */
const WITH_CONSUMED_CAPACITY =
  /^(Put|PutItem|Update|UpdateItem|Delete|DeleteItem|Get|GetItem|Query|Scan|BatchGet|BatchGetItem|BatchWrite|BatchWriteItem|TransactGet|TransactGetItems|TransactWrite|TransactWriteItems)Command$/;

/** Adds ReturnConsumedCapacity: "TOTAL" to every data call of `client` that does not set it. */
export function returnConsumedCapacity(client: Pick<DynamoDBClient, "middlewareStack">): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string };
      if (
        WITH_CONSUMED_CAPACITY.test(context.commandName ?? "") &&
        input.ReturnConsumedCapacity === undefined
      ) {
        return next({ ...args, input: { ...input, ReturnConsumedCapacity: "TOTAL" } });
      }
      return next(args);
    },
    { step: "initialize", name: "fristReturnConsumedCapacity", priority: "high" },
  );
}
