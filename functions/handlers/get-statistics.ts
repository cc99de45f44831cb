/**
 * GET /statistics?from=&to=&by=year|month[&suppressBelow=n]: the survey's Table 1 and more, per
 * period, from the maintained monthly counters (one batch read, never a scan). JSON, or CSV with
 * `Accept: text/csv` (or `format=csv`, for a plain download link). Signed-in `operations` or `lead`.
 */
import { apiRoute, json, wantsCsv } from "../adapters/http";
import { dependencies, statistics } from "../adapters/root";
import { monthsBetween, parseStatisticsQuery, statisticsCsv, statisticsReport } from "../domain/statistics";

const deps = dependencies(statistics);

// Signed-in operations staff or the clinic lead only (counts, but the clinic's own).
export const handler = apiRoute(
  { name: "reading statistics", access: { roles: ["operations", "lead"] } },
  async ({ event }) => {
    const { format: _format, ...params } = event.queryStringParameters ?? {};
    const query = parseStatisticsQuery(params);
    if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
    const counters = await deps.statistics.monthCounters(monthsBetween(query.value.from, query.value.to));
    const report = statisticsReport(query.value, counters);
    if (!wantsCsv(event)) return json(200, report);
    return {
      statusCode: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="frist-statistics-${report.from}-${report.to}-${report.by}.csv"`,
        "cache-control": "no-store",
      },
      body: statisticsCsv(report),
    };
  },
);
