/** The lead's page of a referral's access log: who opened what, in which role, and when. */
import type { AccessEvent } from "../domain/access-log";
import { osloOffsetMs } from "../domain/calendar";
import { htmlTemplate } from "./engine";
import { formatOsloDate } from "./norwegian-time";

const PAGE = `{{#> page title=title wide=true}}
<h1>{{title}}</h1>
<p>Henvisning {{referralId}}: hvert oppslag i helseopplysningene, og hvert avviste forsøk.</p>
{{#if rows.length}}
<table>
<thead><tr><th scope="col">Tidspunkt</th><th scope="col">Hvem</th><th scope="col">Rolle</th><th scope="col">Hva</th><th scope="col">Utfall</th></tr></thead>
<tbody>
{{#each rows}}
<tr><td>{{at}}</td><td>{{who}}</td><td>{{role}}</td><td>{{what}}</td><td>{{outcome}}</td></tr>
{{/each}}
</tbody>
</table>
{{else}}
<p>Ingen har åpnet henvisningen ennå.</p>
{{/if}}
{{/page}}
`;

const page = htmlTemplate(PAGE);

/** "2. mai 2025 kl. 09.41:07" in Oslo time. */
function osloDateTime(iso: string): string {
  const instant = new Date(iso);
  const local = new Date(instant.getTime() + osloOffsetMs(instant)).toISOString();
  return `${formatOsloDate(instant)} kl. ${local.slice(11, 13)}.${local.slice(14, 16)}:${local.slice(17, 19)}`;
}

/** Renders the access log of one referral, oldest first. */
export function renderAccessLogPage(input: { referralId: string; events: AccessEvent[] }): string {
  return page({
    title: "Tilgangslogg",
    referralId: input.referralId,
    rows: input.events.map((event) => ({
      at: osloDateTime(event.at),
      who: event.name ? `${event.name} (${event.who})` : event.who,
      role: event.role,
      what: event.what,
      outcome: event.outcome === "viewed" ? "åpnet" : "avvist",
    })),
  });
}
