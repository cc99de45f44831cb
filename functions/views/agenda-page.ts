/**
 * The agenda page of an intake meeting (GET /agendas/{agendaId}): the meeting's referrals, soonest
 * deadline first, with kind, priority, flags, working days left, how much content is missing, and
 * a link to each open task. Server-rendered, escaped, Norwegian, without JavaScript. Patient names
 * are shown (a staff page behind a capability link); national IDs and referral text are not.
 */
import type { AgendaRow } from "../domain/agenda";
import type { MeetingRecord } from "../domain/records";
import { CONTENT_ITEMS, FLAGS, KIND_LABELS, PRIORITY_LABELS } from "../domain/referral-labels";
import { htmlTemplate } from "./engine";
import { formatMeetingTime } from "./norwegian-time";

const PAGE = `{{#> page title=title wide=true}}
<h1>{{title}}</h1>
<p>{{summary}}</p>
{{#if rows.length}}
<table>
<caption>Henvisninger, med korteste frist først</caption>
<thead>
<tr>
<th scope="col">Pasient</th>
<th scope="col">Type</th>
<th scope="col">Prioritet</th>
<th scope="col">Frist</th>
<th scope="col">Merknader</th>
<th scope="col">Manglende opplysninger</th>
<th scope="col">Oppgave</th>
</tr>
</thead>
<tbody>
{{#each rows}}
<tr>
<th scope="row">{{patientName}}</th>
<td>{{kind}}</td>
<td>{{#if urgent}}<span class="urgent">{{priority}}</span>{{else}}{{priority}}{{/if}}</td>
<td>{{date assessmentDueDate}}<br>{{#if close}}<span class="close">{{daysLeft}}</span>{{else}}{{daysLeft}}{{/if}}</td>
<td>{{#if flags.length}}<ul>{{#each flags}}<li>{{this}}</li>{{/each}}</ul>{{else}}Ingen{{/if}}</td>
<td>{{missing}}</td>
<td>{{#if taskHref}}<a href="{{taskHref}}">Åpne oppgaven<span class="visually-hidden"> for {{patientName}}</span></a>{{else}}{{state}}{{/if}}</td>
</tr>
{{/each}}
</tbody>
</table>
{{else}}
<p>Ingen henvisninger er satt opp til dette møtet ennå.</p>
{{/if}}
<p>Siden endrer ingenting. Vurderingen registreres på hver henvisnings oppgaveside.</p>
{{/page}}
`;

const NOT_FOUND = `{{#> page title="Fant ikke sakslisten"}}
<h1>Fant ikke sakslisten</h1>
<p>Lenken er ugyldig eller ufullstendig. Kontroller at hele lenken fra e-posten er med, eller kontakt den som leder inntaksmøtet.</p>
{{/page}}
`;

const pageTemplate = htmlTemplate(PAGE);
const notFoundTemplate = htmlTemplate(NOT_FOUND);

function daysLeftText(days: number): string {
  if (days > 1) return `${days} virkedager igjen`;
  if (days === 1) return "1 virkedag igjen";
  if (days === 0) return "fristen er i dag";
  return `fristen er passert med ${-days} ${days === -1 ? "virkedag" : "virkedager"}`;
}

const STATE_LABELS: Record<string, string> = {
  received: "Ikke klar ennå",
  "awaiting-assessment": "Ingen åpen oppgave",
  decided: "Vurdert",
  closed: "Avsluttet",
  failed: "Stoppet, kontakt drift",
};

/** Renders the agenda of a meeting. Task links are relative (`../tasks/{taskId}`), on the same API. */
export function renderAgendaPage(input: { meeting: MeetingRecord; rows: AgendaRow[] }): string {
  const when = formatMeetingTime(input.meeting.meetingId);
  const rows = input.rows.map(({ referral, workingDaysLeft, openTaskId }) => {
    const flags: string[] = referral.submission.flags.map(
      (flag) => FLAGS.find((known) => known.key === flag)?.label ?? flag,
    );
    if (referral.deadlineBreached) flags.unshift("Fristen er brutt");
    else if (referral.atRisk) flags.unshift("Fristen er i fare");
    const missing = referral.missingContent.length;
    return {
      patientName: referral.submission.patient.name,
      kind: KIND_LABELS[referral.kind],
      priority: PRIORITY_LABELS[referral.priority],
      urgent: referral.priority === "urgent",
      assessmentDueDate: referral.assessmentDueDate,
      daysLeft: daysLeftText(workingDaysLeft),
      close: workingDaysLeft <= 2,
      flags,
      missing: missing === 0 ? "Ingen" : `${missing} av ${CONTENT_ITEMS.length}`,
      ...(openTaskId ? { taskHref: `../tasks/${encodeURIComponent(openTaskId)}` } : {}),
      state: STATE_LABELS[referral.status] ?? referral.status,
    };
  });
  const count = rows.length;
  return pageTemplate({
    title: `Saksliste for inntaksmøtet ${when}`,
    summary:
      count === 1
        ? "Én henvisning er satt opp til møtet."
        : `${count} henvisninger er satt opp til møtet (${input.meeting.capacity} plasser).`,
    rows,
  });
}

/** The page for an agenda id that leads nowhere (404). */
export function renderAgendaNotFoundPage(): string {
  return notFoundTemplate({});
}
