/**
 * GET /statistics?from=&to=&by=year|month[&suppressBelow=n]: the survey's Table 1 and more, per
 * period, from the maintained monthly counters (one batch read, never a scan). JSON, CSV with
 * `Accept: text/csv` (or `format=csv`, for a plain download link), or, for a browser (`Accept:
 * text/html`), the statistics page with its chart, where the period defaults to the last twelve
 * months by month. Signed-in `operations` or `lead`.
 */
import { apiRoute, header, html, json, wantsCsv } from "../adapters/http";
import { clock, dependencies, publicBaseUrl, statistics } from "../adapters/root";
import { osloDate } from "../domain/calendar";
import { monthsBetween, parseStatisticsQuery, statisticsCsv, statisticsReport } from "../domain/statistics";
import { renderStatisticsPage } from "../views/statistics-page";

const deps = dependencies(statistics, clock, publicBaseUrl);
const basePath = new URL(deps.publicBaseUrl).pathname.replace(/\/+$/, "");

/** The page's default period: the twelve Oslo months up to today, by month (as the operations page). */
function lastTwelveMonths(now: Date): Record<string, string> {
  const today = osloDate(now);
  const [year, month] = today.split("-").map(Number) as [number, number];
  const from = new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10);
  return { from, to: today, by: "month" };
}

// Signed-in operations staff or the clinic lead only (counts, but the clinic's own).
export const handler = apiRoute(
  { name: "reading statistics", access: { roles: ["operations", "lead"] } },
  async ({ event }) => {
    const { format: _format, ...params } = event.queryStringParameters ?? {};
    const page = !wantsCsv(event) && (header(event, "accept") ?? "").toLowerCase().includes("text/html");
    const query = parseStatisticsQuery(
      page && !params.from && !params.to ? { ...lastTwelveMonths(deps.clock.now()), ...params } : params,
    );
    if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
    const counters = await deps.statistics.monthCounters(monthsBetween(query.value.from, query.value.to));
    const report = statisticsReport(query.value, counters);
    if (page) return html(200, renderStatisticsPage({ report, basePath }));
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
