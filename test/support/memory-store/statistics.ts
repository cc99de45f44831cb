/**
 * The StatisticsSource port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import type { StatisticsSource } from "../../../functions/domain/ports";
import type { Month, MonthCounters } from "../../../functions/domain/statistics";
import { copy, type MemoryTable } from "./table";

export class InMemoryStatistics implements StatisticsSource {
  constructor(private readonly table: MemoryTable) {}

  async monthCounters(months: Month[]): Promise<Map<Month, MonthCounters>> {
    return new Map(
      months.flatMap((month) =>
        this.table.counters.has(month) ? [[month, copy(this.table.counters.get(month) ?? {})]] : [],
      ),
    );
  }
}
