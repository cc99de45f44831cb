/**
 * The Helfo list (GET /helfo-notifications) as a page for a signed-in clerk or lead: one row per
 * missed start-of-care deadline, with what Helfo needs to find the patient (name, birth date,
 * national ID) and whether it has been reported. The JSON and CSV answers carry the same rows.
 */

import { breachKindOf } from "../domain/helfo-notification";
import type { HelfoNotificationRecord } from "../domain/records";
import { htmlTemplate } from "./engine";

/** The breach kind as the clerk reads it: how the breach was established. */
const KIND_LABELS: Record<string, string> = {
  expected: "Forventet (meldt før fristen)",
  confirmed: "Inntruffet, bekreftet av leder",
  default: "Inntruffet, ikke besvart innen svarfristen",
};

const PAGE = `{{#> page title="Fristbrudd til Helfo" wide=true}}
<h1>Fristbrudd til Helfo</h1>
<p>Pasienter som ikke fikk, eller ikke kan få, starte helsehjelpen innen den juridiske fristen. Meld hvert brudd til Helfo Pasientformidling, også de forventede, og merk det som meldt her: da får pasienten brev om at Helfo er varslet. Visningen er registrert i tilgangsloggen.</p>
{{#if rows.length}}
<table>
<thead><tr><th scope="col">Frist</th><th scope="col">Henvisning</th><th scope="col">Pasient</th><th scope="col">Fødselsdato</th><th scope="col">Fødselsnummer</th><th scope="col">Telefon</th><th scope="col">Type</th><th scope="col">Status</th></tr></thead>
<tbody>
{{#each rows}}
<tr>
<td>{{deadline}}</td>
<td>{{referralId}}</td>
<td>{{name}}</td>
<td>{{birthDate}}</td>
<td>{{nationalId}}</td>
<td>{{phone}}</td>
<td>{{kind}}</td>
<td>{{status}}{{#unless reported}}
<form method="post" action="helfo-notifications/{{referralId}}/reported">
<input type="hidden" name="csrfToken" value="{{../csrfToken}}">
<label for="reportedOn-{{referralId}}">Meldt dato</label>
<input type="date" id="reportedOn-{{referralId}}" name="reportedOn">
<button type="submit">Merk som meldt til Helfo</button>
</form>{{/unless}}{{#if letterPending}}
<p class="warning">Varselet til pasienten er ikke sendt.</p>
<form method="post" action="helfo-notifications/{{referralId}}/reported">
<input type="hidden" name="csrfToken" value="{{../csrfToken}}">
<button type="submit">Send varselet til pasienten</button>
</form>{{/if}}</td>
</tr>
{{/each}}
</tbody>
</table>
<p><a href="helfo-notifications?format=csv">Last ned som CSV</a></p>
{{else}}
<p>Ingen fristbrudd er registrert.</p>
{{/if}}
{{/page}}
`;

const template = htmlTemplate(PAGE);

/**
 * Renders the Helfo list for a signed-in clerk or lead (the read is access-logged by the handler),
 * each notice not yet reported with its form (the session's anti-forgery token; an empty date is today).
 */
export function renderHelfoListPage(
  notifications: readonly HelfoNotificationRecord[],
  csrfToken: string,
): string {
  return template({
    csrfToken,
    rows: notifications.map((n) => ({
      phone: n.patient.phone ?? "",
      kind: KIND_LABELS[breachKindOf(n)] ?? "Inntruffet",
      reported: n.status === "reported",
      letterPending: n.status === "reported" && !n.patientInformedAt,
      deadline: n.startOfCareDeadline,
      referralId: n.referralId,
      name: n.patient.name,
      birthDate: n.patient.birthDate ?? "",
      nationalId: n.patient.nationalId,
      status: n.status === "reported" ? `Meldt ${n.reportedOn ?? ""}`.trim() : "Ikke meldt",
    })),
  });
}
