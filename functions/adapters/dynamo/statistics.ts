/**
 * The statistics counters on the table: sharded per month (see STATISTICS_SHARDS), added to by
 * the changes that count (DynamoTable.tallyUpdate) and summed on read.
 */

import type { StatisticsSource } from "../../domain/ports";
import type { Month, MonthCounters } from "../../domain/statistics";
import { STATISTICS_SHARDS, statisticsKey, TableStore } from "../dynamo-table";

/** The StatisticsSource port on DynamoDB. */
export class DynamoStatistics extends TableStore implements StatisticsSource {
  async monthCounters(months: Month[]): Promise<Map<Month, MonthCounters>> {
    const counters = new Map<Month, MonthCounters>();
    const keys = months.flatMap((month) =>
      Array.from({ length: STATISTICS_SHARDS }, (_, shard) => statisticsKey(month, shard)),
    );
    for (const item of await this.table.batchGetAll(keys)) {
      const month = counters.get(String(item.month)) ?? {};
      for (const [name, value] of Object.entries(item)) {
        if (name.startsWith("c.") && typeof value === "number") {
          month[name.slice(2)] = (month[name.slice(2)] ?? 0) + value;
        }
      }
      counters.set(String(item.month), month);
    }
    return counters;
  }
}
