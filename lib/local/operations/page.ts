/**
 * The local operations page: what operations looks at in the morning, on one page served by the
 * operations server (server.ts, `operationsUrl`). The simulated time and its controls; the workflow's
 * executions by state; referrals past and nearing their deadline (the worklist index); the statistics
 * of the last twelve months as a server-rendered SVG chart (no script, no CDN); letters waiting to be
 * posted (the postal index); sections others add (the "needs attention" list); and every execution.
 *
 * It shows ids, dates and counts only: no patient, no address, no referral text.
 */
import type { CalendarRules, IsoDate } from "../../../functions/domain/calendar";
import { addWorkingDays, osloDate } from "../../../functions/domain/calendar";
import { workingDaysLeft } from "../../../functions/domain/legal-clock";
import type { StatisticsSource } from "../../../functions/domain/ports";
import type { PostalQueue } from "../../../functions/domain/postal";
import {
  monthsBetween,
  type StatisticsReport,
  type StatisticsRow,
  statisticsReport,
} from "../../../functions/domain/statistics";
import type { Worklist, WorklistRow } from "../../../functions/domain/worklist";
import { escapeHtml } from "../../../functions/views/escape-html";
import { statisticsChartSvg } from "../../../functions/views/statistics-chart";
import type { LocalStepFunctions } from "../stepfunctions/endpoint";
import { describeClock } from "../time/clock-routes";

// The chart is drawn where every page is rendered (functions/views), for the staff statistics page too.
export { statisticsChartSvg };

/** Where the page reads from: the same adapters the handlers use, on DynamoDB Local. */
export interface OperationsSources {
  worklist: Worklist;
  postalQueue: PostalQueue;
  statistics: StatisticsSource;
  /** The clinic's working-day rules, for "working days left". */
  rules: CalendarRules;
  /** The API's base URL, for the CSV link. */
  apiUrl: string;
}

/** A section another part adds to the page (e.g. the "needs attention" list), as trusted HTML. */
export interface OperationsSection {
  id: string;
  title: string;
  html: string;
}

/** "Nearing" the deadline: this many working days left or fewer. */
export const NEARING_WORKING_DAYS = 2;

/** Executions counted by status, in the order operations reads them. */
export function executionsByStatus(engine: LocalStepFunctions): { status: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const execution of engine.listExecutions()) {
    counts.set(execution.status, (counts.get(execution.status) ?? 0) + 1);
  }
  return ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].map((status) => ({
    status,
    count: counts.get(status) ?? 0,
  }));
}

/** The referrals awaiting assessment that are past their due date, and those due within two working days. */
export async function deadlineLists(
  worklist: Worklist,
  today: IsoDate,
  rules: CalendarRules,
): Promise<{ past: (WorklistRow & { left: number })[]; nearing: (WorklistRow & { left: number })[] }> {
  // The index is sorted by due date: everything due up to two working days from today, oldest first.
  const dueBefore = addWorkingDays(today, NEARING_WORKING_DAYS + 1, rules);
  const page = await worklist.page({ status: "awaiting-assessment", dueBefore, limit: 200 });
  const rows = page.rows.map((row) => ({
    ...row,
    left: workingDaysLeft(today, row.assessmentDueDate, rules),
  }));
  return { past: rows.filter((row) => row.left < 0), nearing: rows.filter((row) => row.left >= 0) };
}

/** The last twelve Oslo months up to `today`, by month. */
export async function lastTwelveMonths(
  statistics: StatisticsSource,
  today: IsoDate,
): Promise<StatisticsReport> {
  const [year, month] = today.split("-").map(Number) as [number, number];
  const start = new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10);
  const query = { from: start, to: today, by: "month" as const };
  return statisticsReport(query, await statistics.monthCounters(monthsBetween(query.from, query.to)));
}

const cell = (value: number | null) => (value === null ? "–" : String(value));

/**
 * The decisions by condition of the priority guide over the whole period, as horizontal bars
 * (granted and refused, stacked) with each condition's share of decisions that departed from the
 * guide's suggestion beside its bar: whether the clinic decides alike for the same condition. Plain
 * SVG; empty when no decision named a condition.
 */
export function conditionChartSvg(report: StatisticsReport): string {
  const conditions = Object.entries(report.total.byCondition);
  if (conditions.length === 0) return "";
  const width = 760;
  const rowHeight = 22;
  const left = 180;
  const right = 150;
  const height = 30 + conditions.length * rowHeight;
  const max = Math.max(1, ...conditions.map(([, figures]) => figures.referrals ?? 0));
  const scale = (value: number) => (value / max) * (width - left - right);
  const bars = conditions
    .map(([id, figures], index) => {
      const y = 8 + index * rowHeight;
      const granted = figures.granted ?? 0;
      const refused = figures.refused ?? 0;
      const other = Math.max(0, (figures.referrals ?? 0) - granted - refused);
      const parts = [
        { value: granted, color: "#2e7d32", label: "granted" },
        { value: refused, color: "#c62828", label: "refused" },
        { value: other, color: "#6a1b9a", label: "forwarded" },
      ];
      let x = left;
      const rects = parts
        .map((part) => {
          if (part.value === 0) return "";
          const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${scale(part.value).toFixed(1)}" height="${rowHeight - 6}" fill="${part.color}"><title>${escapeHtml(id)}: ${part.value} ${part.label}</title></rect>`;
          x += scale(part.value);
          return rect;
        })
        .join("");
      const name = `<text x="${left - 6}" y="${y + 12}" font-size="11" text-anchor="end">${escapeHtml(id)}</text>`;
      const deviation = `<text x="${(x + 6).toFixed(1)}" y="${y + 12}" font-size="11">${cell(figures.referrals)} decided, ${cell(figures.deviationPercent)} % departed</text>`;
      return name + rects + deviation;
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="condition-chart-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title id="condition-chart-title">Decisions by condition of the priority guide: granted (green), refused (red), forwarded (purple), and the share that departed from the guide's suggestion</title>
${bars}
</svg>`;
}

function conditionTable(total: StatisticsRow): string {
  const rows = Object.entries(total.byCondition);
  if (rows.length === 0) return "";
  const body = rows
    .map(
      ([id, f]) =>
        `<tr><td><code>${escapeHtml(id)}</code></td><td>${cell(f.referrals)}</td><td>${cell(f.grantedPercent)} %</td><td>${cell(f.refusedPercent)} %</td><td>${cell(f.medianDeadlineDays)}</td><td>${cell(f.deviationPercent)} %</td></tr>`,
    )
    .join("");
  return `<table class="conditions"><thead><tr><th>Condition</th><th>Decided</th><th>Granted</th><th>Refused</th><th>Median days to deadline</th><th>Departed from the guide</th></tr></thead><tbody>${body}</tbody></table>`;
}

function statisticsTable(total: StatisticsRow): string {
  const figures: [string, string][] = [
    ["Referrals", cell(total.referrals)],
    ["Granted", `${cell(total.granted)} (${cell(total.grantedPercent)} %)`],
    ["Refused", `${cell(total.refused)} (${cell(total.refusedPercent)} %)`],
    ["Forwarded", cell(total.forwarded)],
    ["Pending", cell(total.pending)],
    ["Patient informed within the deadline", `${cell(total.withinDeadlinePercent)} %`],
    ["Median working days to decision", cell(total.medianWorkingDaysToDecision)],
    ["Deadline breaches", cell(total.breaches)],
    [
      "Start-of-care breaches: expected / on record / reported",
      `${cell(total.startOfCareBreachesExpected)} / ${cell(total.startOfCareBreaches)} / ${cell(total.startOfCareBreachesReported)}`,
    ],
    [
      "On record by basis: expected / confirmed / default",
      `${cell(total.startOfCareBreachesByBasis.expected)} / ${cell(total.startOfCareBreachesByBasis.confirmed)} / ${cell(total.startOfCareBreachesByBasis.default)}`,
    ],
    ["Care started within the deadline", `${cell(total.startedWithinDeadlinePercent)} %`],
    ["Median days from decision to start", cell(total.medianDaysDecisionToStart)],
  ];
  return `<table class="figures">${figures.map(([name, value]) => `<tr><th>${name}</th><td>${value}</td></tr>`).join("")}</table>`;
}

/** Everything the page shows, gathered at request time. */
export interface OperationsPageData {
  clock: string;
  persistent: boolean;
  today: IsoDate;
  executions: { status: string; count: number }[];
  executionRows: {
    name: string;
    status: string;
    state: string;
    waiting: boolean;
    started: string;
    stopped: string;
    error: string;
  }[];
  deadlines?: { past: (WorklistRow & { left: number })[]; nearing: (WorklistRow & { left: number })[] };
  statistics?: StatisticsReport;
  letters?: { referralId: string; letterKind: string; recipientRole: string; createdAt: string }[];
  apiUrl?: string;
  sections: OperationsSection[];
}

/** Reads what the page shows: the engine directly, the rest through the sources when they are ready. */
export async function operationsPageData(
  engine: LocalStepFunctions,
  sources: OperationsSources | undefined,
  sections: OperationsSection[] = [],
): Promise<OperationsPageData> {
  const today = osloDate(engine.clock.now());
  const executionRows = engine.listExecutions().map((execution) => {
    const history = engine.history(execution.executionArn, false);
    const lastState = [...history].reverse().find((event) => String(event.type).endsWith("StateEntered"));
    return {
      name: execution.name,
      status: execution.status,
      state: (lastState?.stateEnteredEventDetails as { name?: string } | undefined)?.name ?? "",
      waiting: engine.tokens.list(execution.executionArn).some((t) => t.status === "waiting"),
      started: execution.startDate.toISOString(),
      stopped: execution.stopDate?.toISOString() ?? "",
      error: execution.error ?? "",
    };
  });
  const data: OperationsPageData = {
    clock: describeClock(engine.clock),
    persistent: engine.persistent,
    today,
    executions: executionsByStatus(engine),
    executionRows,
    sections,
  };
  if (!sources) return data;
  const [deadlines, statistics, letters] = await Promise.all([
    deadlineLists(sources.worklist, today, sources.rules),
    lastTwelveMonths(sources.statistics, today),
    sources.postalQueue.page({ status: "awaiting-postal", limit: 50 }),
  ]);
  return {
    ...data,
    deadlines,
    statistics,
    letters: letters.letters.map(({ referralId, letterKind, recipientRole, createdAt }) => ({
      referralId,
      letterKind,
      recipientRole,
      createdAt,
    })),
    apiUrl: sources.apiUrl,
  };
}

function deadlineTable(rows: (WorklistRow & { left: number })[], empty: string): string {
  if (rows.length === 0) return `<p class="none">${empty}</p>`;
  const body = rows
    .map(
      (row) =>
        `<tr><td><code>${escapeHtml(row.referralId)}</code></td><td>${row.kind}</td><td>${row.priority}</td><td>${row.assessmentDueDate}</td><td>${
          row.left < 0 ? `${-row.left} past` : row.left === 0 ? "due today" : `${row.left} left`
        }</td><td>${row.deadlineBreached ? "breached" : row.atRisk ? "at risk" : ""}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>Referral</th><th>Kind</th><th>Priority</th><th>Due</th><th>Working days</th><th></th></tr></thead><tbody>${body}</tbody></table>`;
}

/** The page itself. */
export function renderOperationsPage(data: OperationsPageData): string {
  const tiles = data.executions
    .map((e) => {
      // A failed, timed-out or aborted execution is a referral that will not finish by itself.
      const alarm = e.count > 0 && ["FAILED", "TIMED_OUT", "ABORTED"].includes(e.status) ? " alarm" : "";
      return `<div class="tile ${e.status.toLowerCase()}${alarm}"><strong>${e.count}</strong><span>${e.status.replace("_", " ").toLowerCase()}</span></div>`;
    })
    .join("");
  const waiting = data.executionRows.filter((row) => row.waiting).length;
  const executions = data.executionRows
    .map(
      (row) =>
        `<tr><td><code>${escapeHtml(row.name)}</code></td><td>${row.status}</td><td>${escapeHtml(row.state)}${row.waiting ? " (waiting for a decision)" : ""}</td><td>${row.started}</td><td>${row.stopped}</td><td>${escapeHtml(row.error)}</td></tr>`,
    )
    .join("\n");
  const letters = data.letters
    ? data.letters.length === 0
      ? `<p class="none">No letters waiting to be posted.</p>`
      : `<table><thead><tr><th>Referral</th><th>Letter</th><th>To</th><th>Waiting since</th></tr></thead><tbody>${data.letters
          .map(
            (l) =>
              `<tr><td><code>${escapeHtml(l.referralId)}</code></td><td>${l.letterKind}</td><td>${l.recipientRole}</td><td>${osloDate(new Date(l.createdAt))}</td></tr>`,
          )
          .join("")}</tbody></table>`
    : `<p class="none">Starting…</p>`;
  const statistics = data.statistics
    ? `<div class="chart">${statisticsChartSvg(data.statistics)}${statisticsTable(data.statistics.total)}</div><div class="chart">${conditionChartSvg(data.statistics)}${conditionTable(data.statistics.total)}</div>
<p>Last twelve months by month of receipt (${data.statistics.from} to ${data.statistics.to}).${
        data.apiUrl
          ? ` <a href="${escapeHtml(data.apiUrl)}/statistics?from=${data.statistics.from}&amp;to=${data.statistics.to}&amp;by=month&amp;format=csv">CSV</a>`
          : ""
      }</p>`
    : `<p class="none">Starting…</p>`;
  const extra = data.sections
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`)
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Frist local: operations</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem 2rem;color:#222;max-width:1100px}
h1{margin:.2rem 0}h2{margin:1.6rem 0 .5rem;font-size:1.15rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .55rem;text-align:left}
.tiles{display:flex;gap:.6rem;flex-wrap:wrap}.tile{border:1px solid #ccc;border-radius:6px;padding:.4rem .8rem;min-width:6.5rem}
.tile strong{display:block;font-size:1.5rem}.tile span{font-size:.8rem;color:#555}
.tile.alarm{border-color:#c62828}.tile.alarm strong{color:#c62828}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}.none{color:#666;font-style:italic}
.chart{display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap}.figures th{font-weight:normal;color:#444}
.past td:nth-child(5){color:#c62828;font-weight:600}
</style></head>
<body><h1>Frist operations</h1>
<p>Simulated time: <strong>${escapeHtml(data.clock)}</strong>. Timers and the handlers follow it (<a href="/clock">/clock</a>).
${data.persistent ? "Executions are kept in the data directory: a restart resumes them." : "In memory: a restart forgets the executions."}</p>
<form method="post" action="/clock/advance">Advance the clock by <input name="by" value="PT1H" size="10"
aria-label="ISO 8601 duration, e.g. PT36H or P2D"> <button>Advance</button></form>
<section id="executions-by-state"><h2>Executions by state</h2><div class="tiles">${tiles}<div class="tile"><strong>${waiting}</strong><span>waiting for a decision</span></div></div></section>
${extra}
<div class="columns">
<section id="past-deadline" class="past"><h2>Past the deadline</h2>${data.deadlines ? deadlineTable(data.deadlines.past, "None past the deadline.") : `<p class="none">Starting…</p>`}</section>
<section id="nearing-deadline"><h2>Nearing the deadline (${NEARING_WORKING_DAYS} working days or fewer)</h2>${data.deadlines ? deadlineTable(data.deadlines.nearing, "None due in the next working days.") : `<p class="none">Starting…</p>`}</section>
</div>
<section id="statistics"><h2>Statistics</h2>${statistics}</section>
<section id="letters-awaiting-posting"><h2>Letters awaiting posting</h2>${letters}</section>
<section id="executions"><h2>Workflow executions</h2>
<table><thead><tr><th>Execution (referral id)</th><th>Status</th><th>Current or last state</th><th>Started</th><th>Stopped</th><th>Error</th></tr></thead>
<tbody>${executions}</tbody></table></section>
</body></html>`;
}
