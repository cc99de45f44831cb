/**
 * The statistics page (GET /statistics with Accept: text/html, for the lead and operations): the
 * period chosen (a GET form: dates and month or year, no health data), the chart by period and the
 * survey's Table 1 per period (referrals, % granted and % refused of the two, % within the deadline,
 * median working days to decision, deadline breaches), with the total, and links to the same figures
 * as CSV and JSON.
 */
import type { StatisticsReport, StatisticsRow } from "../domain/statistics";
import { htmlTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";
import { statisticsChartSvg } from "./statistics-chart";

const PAGE = `{{#> page title="Statistikk" wide=true}}
<h1>Statistikk</h1>
<p>Henvisninger mottatt {{from}}–{{to}}, etter {{byLabel}} for mottak (Oslo-tid). Prosent rett og avslag er av rett + avslag, som i tabell 1 i kartleggingen av smerteklinikkene.</p>
<form method="get" action="{{action}}" class="period">
<fieldset>
<legend>Periode</legend>
<div class="field"><label for="from">Fra</label><input type="date" id="from" name="from" value="{{fromValue}}"></div>
<div class="field"><label for="to">Til</label><input type="date" id="to" name="to" value="{{toValue}}"></div>
<div class="field"><label for="by">Gruppert etter</label>
<select id="by" name="by">
<option value="month"{{#if byMonth}} selected{{/if}}>Måned</option>
<option value="year"{{#unless byMonth}} selected{{/unless}}>År</option>
</select></div>
</fieldset>
<button type="submit">Vis</button>
</form>
<figure class="chart">
{{{chart}}}
<figcaption>Søylene viser henvisningene per periode: rett (grønn), avslag (rød), videresendt (lilla), ikke vurdert (grå). Tallene står i tabellen under.</figcaption>
</figure>
<div class="scroll" tabindex="0" role="region" aria-label="Tabell 1">
<table>
<caption>Tabell 1: henvisninger, rett og avslag per periode</caption>
<thead><tr><th scope="col">Periode</th><th scope="col">Henvisninger</th><th scope="col">Rett</th><th scope="col">Avslag</th><th scope="col">Videresendt</th><th scope="col">Ikke vurdert</th><th scope="col">Pasienten informert innen fristen</th><th scope="col">Median virkedager til vurdering</th><th scope="col">Brudd på vurderingsfristen</th></tr></thead>
<tbody>
{{#each rows}}
<tr{{#if total}} class="total"{{/if}}><th scope="row">{{period}}</th><td>{{referrals}}</td><td>{{granted}}</td><td>{{refused}}</td><td>{{forwarded}}</td><td>{{pending}}</td><td>{{within}}</td><td>{{median}}</td><td>{{breaches}}</td></tr>
{{/each}}
</tbody>
</table>
</div>
<p><a href="{{csvHref}}">Last ned som CSV</a></p>
{{/page}}
`;

const pageTemplate = htmlTemplate(PAGE);

const cell = (value: number | null) => (value === null ? "–" : String(value));
const share = (count: number | null, percent: number | null) =>
  percent === null ? cell(count) : `${cell(count)} (${percent} %)`;

function rowOf(row: StatisticsRow, total = false) {
  return {
    period: total ? "Totalt" : row.period,
    total,
    referrals: cell(row.referrals),
    granted: share(row.granted, row.grantedPercent),
    refused: share(row.refused, row.refusedPercent),
    forwarded: cell(row.forwarded),
    pending: cell(row.pending),
    within: row.withinDeadlinePercent === null ? "–" : `${row.withinDeadlinePercent} %`,
    median: cell(row.medianWorkingDaysToDecision),
    breaches: cell(row.breaches),
  };
}

/** Renders the statistics page of a report; links start with the API's base path. */
export function renderStatisticsPage(input: { report: StatisticsReport; basePath: string }): string {
  const { report } = input;
  const query = new URLSearchParams({ from: report.from, to: report.to, by: report.by });
  return pageTemplate({
    action: `${input.basePath}/statistics`,
    from: formatNorwegianDate(report.from),
    to: formatNorwegianDate(report.to),
    fromValue: report.from,
    toValue: report.to,
    byLabel: report.by === "month" ? "måned" : "år",
    byMonth: report.by === "month",
    chart: statisticsChartSvg(report, "nb"),
    rows: [...report.periods.map((row) => rowOf(row)), rowOf(report.total, true)],
    csvHref: `${input.basePath}/statistics?${query}&format=csv`,
  });
}
