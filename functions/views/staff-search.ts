/**
 * The staff search's pages (POST /staff/search): the form (by reference or national ID) with its
 * error beside the field, and the referrals found, each a link to its staff page. The national ID
 * searched is kept in the field (a form post's answer, never a URL) so a typo can be corrected.
 */
import { osloDate } from "../domain/calendar";
import { letterPatientOf } from "../domain/dispatch";
import type { SearchResult } from "../domain/staff-search";
import { htmlTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";

const PAGE = `{{#> page title="Finn en henvisning" wide=true}}
<h1>Finn en henvisning</h1>
{{#if error}}
<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Søket ble ikke gjort</h2>
<ul><li><a href="#search-query">{{error}}</a></li></ul>
</div>
{{/if}}
<form method="post" action="{{action}}" class="search">
<input type="hidden" name="csrfToken" value="{{csrfToken}}">
<div class="field">
<label for="search-query">Referanse eller fødselsnummer</label>
<p class="hint" id="search-hint">Søket registreres i tilgangsloggen.</p>
{{#if error}}<p class="field-error" id="search-error">{{error}}</p>{{/if}}
<input type="text" id="search-query" name="query" value="{{value}}" autocomplete="off" aria-describedby="search-hint{{#if error}} search-error{{/if}}"{{#if error}} aria-invalid="true"{{/if}}>
</div>
<button type="submit">Søk</button>
</form>
{{#if searched}}
<section aria-labelledby="results-title">
<h2 id="results-title">{{summary}}</h2>
{{#if rows.length}}
<div class="scroll">
<table>
<caption>Henvisninger som passer søket, nyeste først</caption>
<thead><tr><th scope="col">Henvisning</th><th scope="col">Pasient</th><th scope="col">Mottatt</th><th scope="col">Status</th><th scope="col">Frist for vurdering</th></tr></thead>
<tbody>
{{#each rows}}
<tr><th scope="row"><a href="{{href}}">{{referralId}}</a></th><td>{{patient}}</td><td>{{received}}</td><td>{{status}}</td><td>{{date assessmentDueDate}}</td></tr>
{{/each}}
</tbody>
</table>
</div>
{{/if}}
</section>
{{/if}}
{{/page}}
`;

const pageTemplate = htmlTemplate(PAGE);

const STATUS_LABELS: Record<string, string> = {
  received: "Mottatt",
  "awaiting-assessment": "Venter på vurdering",
  decided: "Vurdert",
  closed: "Avsluttet",
  failed: "Feilet (til oppfølging)",
};

/** What the search page shows: the form (with an error), and the result once a search ran. */
export interface StaffSearchPageInput {
  /** Where the form posts (the API's base path + /staff/search). */
  action: string;
  csrfToken: string;
  /** The API's base path, before each referral's link. */
  basePath: string;
  /** What the field holds (the text searched). */
  value?: string;
  error?: string;
  result?: SearchResult;
}

/** Renders the search page. */
export function renderStaffSearchPage(input: StaffSearchPageInput): string {
  const hits = input.result?.hits ?? [];
  return pageTemplate({
    action: input.action,
    csrfToken: input.csrfToken,
    value: input.value ?? "",
    error: input.error,
    searched: input.result !== undefined,
    summary:
      hits.length === 0
        ? "Ingen henvisninger passer søket"
        : hits.length === 1
          ? "Én henvisning passer søket"
          : `${hits.length} henvisninger passer søket`,
    rows: hits.map(({ referral }) => {
      const { birthDate } = letterPatientOf(referral.submission);
      return {
        referralId: referral.referralId,
        href: `${input.basePath}/staff/referrals/${encodeURIComponent(referral.referralId)}`,
        patient: `${referral.submission.patient.name}${birthDate ? `, født ${formatNorwegianDate(birthDate)}` : ""}`,
        received: formatNorwegianDate(osloDate(new Date(referral.receivedAt))),
        status: STATUS_LABELS[referral.status] ?? referral.status,
        assessmentDueDate: referral.assessmentDueDate,
      };
    }),
  });
}
