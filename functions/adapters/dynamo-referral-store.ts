/**
 * The referral store on the one DynamoDB table: every record port at once, composed from one small
 * store per record family (functions/adapters/dynamo/), each on the shared table module
 * (dynamo-table.ts: the keys, the records read back, the guarded write).
 */

import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ReferralStore, StatisticsSource } from "../domain/ports";
import { DynamoCare } from "./dynamo/care";
import { DynamoDecisions } from "./dynamo/decisions";
import { DynamoMeetings } from "./dynamo/meetings";
import { DynamoOutbox } from "./dynamo/outbox";
import { DynamoMessageReceipts } from "./dynamo/receipts";
import { DynamoReferrals } from "./dynamo/referrals";
import { DynamoStatistics } from "./dynamo/statistics";
import { DynamoTasks } from "./dynamo/tasks";
import {
  AWAITING_POSTAL_PARTITION,
  awaitingPostalKeys,
  DynamoTable,
  letterKey,
  MEETING_PARTITION,
  PENDING_DECISION_PARTITION,
  portalIndexKeys,
  STAFF_EMAIL_RETENTION_DAYS,
  STATISTICS_SHARDS,
  staffEmailExpiry,
} from "./dynamo-table";

// Where other modules have always found them.
export {
  AWAITING_POSTAL_PARTITION,
  awaitingPostalKeys,
  letterKey,
  MEETING_PARTITION,
  PENDING_DECISION_PARTITION,
  portalIndexKeys,
  STAFF_EMAIL_RETENTION_DAYS,
  STATISTICS_SHARDS,
  staffEmailExpiry,
};

/** The methods of `store` (its class's and its ancestors'), bound to it. */
function methodsOf(store: object): Record<string, unknown> {
  const methods: Record<string, unknown> = {};
  for (
    let prototype = Object.getPrototypeOf(store);
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const value: unknown = Reflect.get(store, name);
      if (name !== "constructor" && !(name in methods) && typeof value === "function") {
        methods[name] = value.bind(store);
      }
    }
  }
  return methods;
}

/**
 * Puts the methods of each family's store on `target`, bound to that store: how one object serves
 * every record port (here, and for the in-memory stores of the tests). Two families with a method of
 * the same name would shadow each other, so that throws.
 */
export function takeOverMethods(target: object, families: object[]): void {
  for (const family of families) {
    const methods = methodsOf(family);
    const taken = Object.keys(methods).filter((name) => name in target);
    if (taken.length > 0) throw new Error(`record stores share method names: ${taken.join(", ")}`);
    Object.assign(target, methods);
  }
}

/** Every record port and the statistics counters on DynamoDB: the family stores' methods, in one object. */
export interface DynamoReferralStore
  extends ReferralStore,
    StatisticsSource,
    Pick<DynamoReferrals, "backfillPortalIndex">,
    Pick<DynamoCare, "backfillStartsOfCare"> {}

// The interface above (merged with this class) names the family stores' methods, which the
// constructor puts on the instance: each family's class implements its port, and the contract suite
// calls every method of the composed store.
export class DynamoReferralStore {
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    const table = new DynamoTable(client, tableName);
    takeOverMethods(this, [
      new DynamoReferrals(table),
      new DynamoTasks(table),
      new DynamoDecisions(table),
      new DynamoMeetings(table),
      new DynamoOutbox(table),
      new DynamoMessageReceipts(table),
      new DynamoCare(table),
      new DynamoStatistics(table),
    ]);
  }
}
