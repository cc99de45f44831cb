/**
 * GET /statistics?from=&to=&by=year|month[&suppressBelow=n]: the survey's Table 1 and more, per
 * period, from the maintained monthly counters (one batch read, never a scan). JSON, or CSV with
 * `Accept: text/csv` (or `format=csv`, for a plain download link). Signed-in `operations` or `lead`.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { apiRoute, header, json } from "../adapters/http";
import { dependencies } from "../adapters/root";
import { monthsBetween, parseStatisticsQuery, statisticsCsv, statisticsReport } from "../domain/statistics";

const { statistics } = dependencies("statistics");

/** Whether the caller asked for CSV: `format=csv`, or an Accept header preferring text/csv. */
export function wantsCsv(event: Pick<APIGatewayProxyEvent, "headers" | "queryStringParameters">): boolean {
  if (event.queryStringParameters?.format === "csv") return true;
  const accept = (header(event, "accept") ?? "").toLowerCase();
  return accept.split(",").some((part) => part.split(";")[0]?.trim() === "text/csv");
}

// Signed-in operations staff or the clinic lead only (counts, but the clinic's own).
export const handler = apiRoute(
  { name: "reading statistics", access: { roles: ["operations", "lead"] } },
  async ({ event }) => {
    const { format: _format, ...params } = event.queryStringParameters ?? {};
    const query = parseStatisticsQuery(params);
    if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
    const counters = await statistics.monthCounters(monthsBetween(query.value.from, query.value.to));
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
