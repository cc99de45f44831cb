/**
 * The Helfo list (GET /helfo-notifications) as a page for a signed-in clerk or lead: one row per
 * missed start-of-care deadline, with what Helfo needs to find the patient (name, birth date,
 * national ID) and whether it has been reported. The JSON and CSV answers carry the same rows.
 */
import type { HelfoNotificationRecord } from "../domain/records";
import { htmlTemplate } from "./engine";

const PAGE = `{{#> page title="Fristbrudd til Helfo" wide=true}}
<h1>Fristbrudd til Helfo</h1>
<p>Pasienter som ikke fikk starte helsehjelpen innen den juridiske fristen. Meld hvert brudd til Helfo Pasientformidling. Visningen er registrert i tilgangsloggen.</p>
{{#if rows.length}}
<table>
<thead><tr><th scope="col">Frist</th><th scope="col">Henvisning</th><th scope="col">Pasient</th><th scope="col">Fødselsdato</th><th scope="col">Fødselsnummer</th><th scope="col">Status</th></tr></thead>
<tbody>
{{#each rows}}
<tr>
<td>{{deadline}}</td>
<td>{{referralId}}</td>
<td>{{name}}</td>
<td>{{birthDate}}</td>
<td>{{nationalId}}</td>
<td>{{status}}</td>
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

/** Renders the Helfo list for a signed-in clerk or lead (the read is access-logged by the handler). */
export function renderHelfoListPage(notifications: readonly HelfoNotificationRecord[]): string {
  return template({
    rows: notifications.map((n) => ({
      deadline: n.startOfCareDeadline,
      referralId: n.referralId,
      name: n.patient.name,
      birthDate: n.patient.birthDate ?? "",
      nationalId: n.patient.nationalId,
      status: n.status === "reported" ? `Meldt ${n.reportedOn ?? ""}`.trim() : "Ikke meldt",
    })),
  });
}
