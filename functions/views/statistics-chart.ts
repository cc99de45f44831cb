/**
 * The statistics chart (GET /statistics as a page, and the local operations page): a stacked bar
 * per period, drawn on the server as plain SVG (no script, no CDN), with its own title for screen
 * readers and the figures it shows also in the page's table.
 */
import type { StatisticsReport } from "../domain/statistics";
import { escapeHtml } from "./escape-html";

const SERIES = [
  { key: "granted", color: "#2e7d32" },
  { key: "refused", color: "#c62828" },
  { key: "forwarded", color: "#6a1b9a" },
  { key: "pending", color: "#9e9e9e" },
] as const;

/** The chart's words: English on the local operations page, Norwegian on the staff pages. */
const WORDS = {
  en: {
    series: { granted: "Granted", refused: "Refused", forwarded: "Forwarded", pending: "Pending" },
    startBreaches: "start-of-care breaches",
    title:
      "Referrals per month of receipt: granted, refused, forwarded, pending; assessment deadline breaches in red (n!), start-of-care breaches in orange (nF)",
  },
  nb: {
    series: { granted: "Rett", refused: "Avslag", forwarded: "Videresendt", pending: "Ikke vurdert" },
    startBreaches: "fristbrudd for igangsetting",
    title:
      "Henvisninger per periode etter mottak: rett, avslag, videresendt, ikke vurdert; brudd på vurderingsfristen i rødt (n!), fristbrudd for igangsetting i oransje (nF)",
  },
} as const;

/**
 * The statistics as a stacked bar chart, one bar per month (granted, refused, forwarded, pending,
 * by month of receipt), with each month's assessment deadline breaches as a red number above its
 * bar and its start-of-care breaches (fristbrudd) as an orange one above that. Plain SVG.
 */
export function statisticsChartSvg(report: StatisticsReport, language: keyof typeof WORDS = "en"): string {
  const words = WORDS[language];
  const width = 760;
  const height = 260;
  const left = 40;
  const bottom = 40;
  const top = 24;
  const plot = height - bottom - top;
  const rows = report.periods;
  const max = Math.max(1, ...rows.map((row) => row.referrals ?? 0));
  const step = (width - left - 10) / Math.max(1, rows.length);
  const barWidth = Math.max(4, step * 0.6);
  const y = (value: number) => top + plot - (value / max) * plot;
  const bars = rows
    .map((row, index) => {
      const x = left + index * step + (step - barWidth) / 2;
      let base = 0;
      const parts = SERIES.map((series) => {
        const value = row[series.key] ?? 0;
        if (value === 0) return "";
        const rect = `<rect x="${x.toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${((value / max) * plot).toFixed(1)}" fill="${series.color}"><title>${row.period}: ${value} ${words.series[series.key].toLowerCase()}</title></rect>`;
        base += value;
        return rect;
      }).join("");
      const label = `<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - bottom + 16}" font-size="11" text-anchor="middle">${escapeHtml(row.period.slice(2))}</text>`;
      const breaches = row.breaches
        ? `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y(base) - 4).toFixed(1)}" font-size="11" text-anchor="middle" fill="#c62828">${row.breaches}!</text>`
        : "";
      // Start-of-care breaches (fristbrudd) of the month's referrals, above the assessment breaches.
      const startBreaches = row.startOfCareBreaches
        ? `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y(base) - (row.breaches ? 16 : 4)).toFixed(1)}" font-size="11" text-anchor="middle" fill="#e65100"><title>${row.period}: ${row.startOfCareBreaches} ${words.startBreaches}</title>${row.startOfCareBreaches}F</text>`
        : "";
      return parts + label + breaches + startBreaches;
    })
    .join("\n");
  const legend = SERIES.map(
    (series, index) =>
      `<rect x="${left + index * 110}" y="${height - 14}" width="10" height="10" fill="${series.color}"/><text x="${left + index * 110 + 14}" y="${height - 5}" font-size="11">${words.series[series.key]}</text>`,
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title id="chart-title">${words.title}</title>
<line x1="${left}" y1="${top + plot}" x2="${width - 10}" y2="${top + plot}" stroke="#444"/>
<text x="${left - 6}" y="${top + 4}" font-size="11" text-anchor="end">${max}</text>
<text x="${left - 6}" y="${top + plot}" font-size="11" text-anchor="end">0</text>
${bars}
${legend}
</svg>`;
}
