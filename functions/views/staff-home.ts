/**
 * The staff home page (GET /staff): the sections the person's roles need, each row a link to the page
 * where the work is done. Referral ids, dates, counts and flags only: no patient data. Flags are
 * written out in words (not colour alone), tables have captions and header cells, and the page reads
 * at 320 px (tables scroll inside their own box).
 */

import { osloDate } from "../domain/calendar";
import { KIND_LABELS, PRIORITY_LABELS } from "../domain/referral-labels";
import type {
  HomeMeeting,
  HomeRecoveryFinding,
  HomeReferral,
  HomeStartOfCare,
  StaffHome,
} from "../domain/staff-home";
import { htmlTemplate } from "./engine";
import { formatMeetingTime, formatNorwegianDate, formatOsloDate } from "./norwegian-time";

const PAGE = `{{#> page title="Oversikt" wide=true}}
<h1>Oversikt</h1>
<p>Arbeidsdager regnes fra {{asOf}}.</p>
{{#if search}}
<section aria-labelledby="search-title">
<h2 id="search-title">Finn en henvisning</h2>
<form method="post" action="{{search.action}}" class="search">
<input type="hidden" name="csrfToken" value="{{search.csrfToken}}">
<div class="field">
<label for="search-query">Referanse eller fødselsnummer</label>
<p class="hint" id="search-hint">Søket registreres i tilgangsloggen.</p>
<input type="text" id="search-query" name="query" inputmode="text" autocomplete="off" aria-describedby="search-hint">
</div>
<button type="submit">Søk</button>
</form>
</section>
{{/if}}
{{#if open}}
<section aria-labelledby="open-title">
<h2 id="open-title">Åpne henvisninger</h2>
{{#if open.rows.length}}
<div class="scroll">
<table>
<caption>Henvisninger som venter på vurdering, med korteste frist først</caption>
<thead><tr><th scope="col">Henvisning</th><th scope="col">Frist</th><th scope="col">Merknader</th><th scope="col">Type</th></tr></thead>
<tbody>
{{#each open.rows}}
<tr class="referral-row">
<th scope="row"><a href="{{href}}">{{referralId}}</a></th>
<td>{{date assessmentDueDate}}<br><span{{#if atRisk}} class="close"{{/if}}>{{daysLeft}}</span></td>
<td>{{#if flags.length}}<ul class="flags">{{#each flags}}<li>{{this}}</li>{{/each}}</ul>{{else}}Ingen{{/if}}</td>
<td>{{kind}}</td>
</tr>
{{/each}}
</tbody>
</table>
</div>
{{#if open.nextHref}}<p><a href="{{open.nextHref}}" rel="next">Neste side</a></p>{{/if}}
{{else}}
<p>Ingen henvisninger venter på vurdering.</p>
{{/if}}
</section>
{{/if}}
{{#if meetings}}
<section aria-labelledby="meetings-title">
<h2 id="meetings-title">Inntaksmøter de neste to ukene</h2>
{{#if meetings.length}}
<ul class="meetings">
{{#each meetings}}
<li><h3>{{when}}</h3>
<p>{{seats}} av {{capacity}} plasser tatt{{#if full}}: <strong class="close">fullt</strong>{{/if}}.{{#if agendaHref}} <a href="{{agendaHref}}">Sakslisten<span class="visually-hidden"> for {{when}}</span></a>{{/if}}</p>
{{#if referrals.length}}
<ul>{{#each referrals}}<li><a href="{{href}}">{{referralId}}</a></li>{{/each}}</ul>
{{/if}}
</li>
{{/each}}
</ul>
{{else}}
<p>Ingen inntaksmøter er satt opp de neste to ukene.</p>
{{/if}}
</section>
{{/if}}
{{#if starts}}
<section aria-labelledby="starts-title">
<h2 id="starts-title">Oppstart av helsehjelp</h2>
{{#if starts.rows.length}}
<div class="scroll">
<table>
<caption>Innvilgede rettigheter der oppstarten ikke er bekreftet, etter planlagt oppstart eller frist</caption>
<thead><tr><th scope="col">Henvisning</th><th scope="col">Planlagt oppstart</th><th scope="col">Frist for oppstart</th><th scope="col">Merknader</th></tr></thead>
<tbody>
{{#each starts.rows}}
<tr class="start-row">
<th scope="row"><a href="{{href}}">{{referralId}}</a></th>
<td>{{plannedStart}}</td>
<td>{{deadline}}<br><span{{#if close}} class="close"{{/if}}>{{daysLeft}}</span></td>
<td>{{#if flags.length}}<ul class="flags">{{#each flags}}<li>{{this}}</li>{{/each}}</ul>{{else}}Ingen{{/if}}</td>
</tr>
{{/each}}
</tbody>
</table>
</div>
{{#if starts.nextHref}}<p><a href="{{starts.nextHref}}" rel="next">Neste side<span class="visually-hidden"> av oppstarter</span></a></p>{{/if}}
{{else}}
<p>Ingen oppstart venter på bekreftelse.</p>
{{/if}}
</section>
{{/if}}
{{#if requests}}
<section aria-labelledby="requests-title">
<h2 id="requests-title">Forespørsler som venter på svar</h2>
{{#if requests.rows.length}}
<div class="scroll">
<table>
<caption>Forespørsler til henviser om flere opplysninger, eldste først</caption>
<thead><tr><th scope="col">Henvisning</th><th scope="col">Sendt</th><th scope="col">Venter</th></tr></thead>
<tbody>
{{#each requests.rows}}
<tr class="request-row">
<th scope="row"><a href="{{href}}">{{referralId}}</a></th>
<td>{{askedOn}}</td>
<td>{{waiting}}</td>
</tr>
{{/each}}
</tbody>
</table>
</div>
{{#if requests.nextHref}}<p><a href="{{requests.nextHref}}" rel="next">Neste side<span class="visually-hidden"> av forespørsler</span></a></p>{{/if}}
{{else}}
<p>Ingen forespørsler venter på svar.</p>
{{/if}}
</section>
{{/if}}
{{#if letters}}
<section aria-labelledby="letters-title">
<h2 id="letters-title">Brev til postlegging</h2>
<p><strong class="count">{{letters.count}}</strong> brev venter på å bli skrevet ut og sendt. <a href="{{letters.href}}">Åpne listen over brev til postlegging</a></p>
</section>
{{/if}}
{{#if helfo}}
<section aria-labelledby="helfo-title">
<h2 id="helfo-title">Fristbrudd til Helfo</h2>
<p><strong class="count">{{helfo.toReport}}</strong> fristbrudd venter på å bli meldt til Helfo ({{helfo.expected}} forventet, {{helfo.confirmed}} inntruffet). <a href="{{helfo.href}}">Åpne listen over fristbrudd</a></p>
</section>
{{/if}}
{{#if operations}}
<section aria-labelledby="operations-title">
<h2 id="operations-title">Drift</h2>
{{#if operations.failed.length}}
<div class="scroll" tabindex="0" role="region" aria-label="Stoppede arbeidsflyter">
<table>
<caption>Henvisninger der arbeidsflyten stoppet (må gjenopprettes)</caption>
<thead><tr><th scope="col">Henvisning</th><th scope="col">Frist</th></tr></thead>
<tbody>
{{#each operations.failed}}
<tr><th scope="row">{{referralId}}</th><td>{{date assessmentDueDate}}<br>{{daysLeft}}</td></tr>
{{/each}}
</tbody>
</table>
</div>
{{else}}
<p>Ingen arbeidsflyt har stoppet.</p>
{{/if}}
<h3 id="recovery-title">Funn fra siste gjenoppretting</h3>
{{#if operations.recovery}}
<p>Siste kjøring {{operations.recovery.ranAt}}: {{operations.recovery.checked}} henvisninger sjekket, {{operations.recovery.found}} trengte oppfølging.</p>
{{#if operations.recovery.findings.length}}
<div class="scroll" tabindex="0" role="region" aria-labelledby="recovery-title">
<table>
<caption>Henvisninger gjenopprettingen fant, og hva den gjorde{{#if operations.recovery.more}} (de første {{operations.recovery.findings.length}}){{/if}}. Lenkene går til kjøringene i AWS-konsollen.</caption>
<thead><tr><th scope="col">Henvisning</th><th scope="col">Funn</th><th scope="col">Tiltak</th></tr></thead>
<tbody>
{{#each operations.recovery.findings}}
<tr><th scope="row"><a href="{{href}}">{{referralId}}</a></th><td>{{finding}}</td><td>{{did}}</td></tr>
{{/each}}
</tbody>
</table>
</div>
{{else}}
<p>Ingen henvisninger trengte oppfølging.</p>
{{/if}}
{{else}}
<p>Gjenopprettingen har ikke kjørt ennå.</p>
{{/if}}
<h3 id="alarms-title">Alarmer</h3>
{{#if operations.alarms.readable}}
{{#if operations.alarms.inAlarm.length}}
<ul class="alarms">
{{#each operations.alarms.inAlarm}}
<li class="alarm"><h4>{{name}}</h4>
<p><strong class="close">I alarm</strong> siden {{since}}.</p>
<p>Årsak: {{reason}}</p>
<p>Hva du gjør: {{whatToDo}}</p>
</li>
{{/each}}
</ul>
{{else}}
<p>Ingen alarmer er utløst.</p>
{{/if}}
<p>{{operations.alarms.ok}} {{operations.alarms.okNoun}} er OK, {{operations.alarms.insufficientData}} har for lite data.</p>
{{else}}
<p>Alarmene kunne ikke leses fra CloudWatch nå. Resten av oversikten er oppdatert; prøv igjen om litt.</p>
{{/if}}
</section>
{{/if}}
{{#if statisticsHref}}
<p><a href="{{statisticsHref}}">Statistikk</a></p>
{{/if}}
{{/page}}
`;

const pageTemplate = htmlTemplate(PAGE);

/** "3 virkedager igjen", "fristen er i dag", "fristen er passert med 2 virkedager". */
export function daysLeftText(days: number): string {
  if (days > 1) return `${days} virkedager igjen`;
  if (days === 1) return "1 virkedag igjen";
  if (days === 0) return "fristen er i dag";
  return `fristen er passert med ${-days} ${days === -1 ? "virkedag" : "virkedager"}`;
}

/** The flags of an open referral, in words, most pressing first. */
export function flagsOf(referral: HomeReferral): string[] {
  return [
    ...(referral.overdue ? ["Fristen er brutt"] : referral.atRisk ? ["Fristen er i fare"] : []),
    ...(referral.urgent ? ["Haster"] : []),
    ...(referral.secondaryToConfirm ? ["Sekundærhenvisning: bekreft tilstanden"] : []),
  ];
}

/** The flags of a start of care to confirm, in words, most pressing first. */
export function startFlagsOf(start: HomeStartOfCare): string[] {
  return [
    ...(start.deadlinePassed
      ? ["Fristen er passert: bekreft oppstart eller fristbrudd"]
      : start.deadlineNear
        ? ["Fristen nærmer seg"]
        : []),
    ...(start.plannedStartPassed ? ["Planlagt oppstart er passert: bekreft oppstarten"] : []),
  ];
}

/** "sendt i dag", "1 virkedag", "4 virkedager". */
export function waitingText(days: number): string {
  if (days <= 0) return "sendt i dag";
  return days === 1 ? "1 virkedag" : `${days} virkedager`;
}

function meetingTime(meeting: HomeMeeting): string {
  try {
    return formatMeetingTime(meeting.meetingId);
  } catch {
    return meeting.startsAt;
  }
}

/** What the reconciler found, in words (functions/domain/recovery.ts). */
const RECOVERY_FINDINGS: Record<HomeRecoveryFinding["finding"], string> = {
  healthy: "Kjører",
  finished: "Ferdig",
  starting: "Startes",
  stranded: "Ingen kjøring driver den, og den er ikke ferdig",
  failed: "Siste kjøring feilet, fikk tidsavbrudd eller ble avbrutt",
  "decision-not-resumed": "En vurdering ble lagret, men den ventende kjøringen tok den aldri",
  "gave-up": "Ga opp etter de automatiske forsøkene: må gjenopprettes for hånd",
};

/** What the reconciler did about a finding, in words. */
export function recoveryDidText(finding: Pick<HomeRecoveryFinding, "action" | "result">): string {
  if (finding.action === "none") return "Ingenting: venter på en person";
  if (finding.result === "later") return "Prøves igjen ved neste kjøring";
  if (finding.result !== undefined && finding.result !== "done") return `Mislyktes (${finding.result})`;
  return finding.action === "start"
    ? "Gjenopprettet med en ny kjøring"
    : "Vurderingen sendt videre til den ventende kjøringen";
}

/** An instant as Oslo wall-clock time: "20. april 2026 kl. 09.45". */
function osloDateTime(iso: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  const time = new Intl.DateTimeFormat("nb-NO", {
    timeZone: "Europe/Oslo",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  })
    .format(instant)
    .replace(":", ".");
  return `${formatOsloDate(instant)} kl. ${time}`;
}

/** What the page needs beside the home: where links start, and the search form's token. */
export interface StaffHomePageInput {
  home: StaffHome;
  /** The API's base path ("" locally, "/prod" on AWS): every link starts with it. */
  basePath: string;
  /** The next page of open referrals (a link to GET /staff?cursor=…), when there is one. */
  nextHref?: string;
  /** The next page of starts of care (GET /staff?startsCursor=…), when there is one. */
  startsNextHref?: string;
  /** The next page of information requests (GET /staff?requestsCursor=…), when there is one. */
  requestsNextHref?: string;
  /** The search form (a POST, so the national ID stays out of the URL). */
  search?: { action: string; csrfToken: string };
}

/** Renders the staff home. */
export function renderStaffHomePage(input: StaffHomePageInput): string {
  const { home, basePath } = input;
  const link = (href: string) => `${basePath}${href}`;
  const line = (referral: HomeReferral) => ({
    referralId: referral.referralId,
    href: link(referral.href),
    assessmentDueDate: referral.assessmentDueDate,
    daysLeft: daysLeftText(referral.workingDaysLeft),
    atRisk: referral.atRisk || referral.overdue,
    flags: flagsOf(referral),
    kind: `${KIND_LABELS[referral.kind]}, ${PRIORITY_LABELS[referral.priority].toLowerCase()}`,
  });
  const count = (n: number, more: boolean) => (more ? `${n} eller flere` : String(n));
  return pageTemplate({
    asOf: formatNorwegianDate(home.asOf),
    ...(input.search ? { search: input.search } : {}),
    ...(home.openReferrals
      ? {
          open: {
            rows: home.openReferrals.items.map(line),
            ...(input.nextHref ? { nextHref: input.nextHref } : {}),
          },
        }
      : {}),
    ...(home.meetings
      ? {
          meetings: home.meetings.map((meeting) => ({
            when: meetingTime(meeting),
            seats: meeting.seats,
            capacity: meeting.capacity,
            full: meeting.full,
            ...(meeting.agendaHref ? { agendaHref: link(meeting.agendaHref) } : {}),
            referrals: meeting.referrals.map((r) => ({ referralId: r.referralId, href: link(r.href) })),
          })),
        }
      : {}),
    ...(home.startsOfCare
      ? {
          starts: {
            rows: home.startsOfCare.items.map((start) => ({
              referralId: start.referralId,
              href: link(start.href),
              plannedStart: start.plannedStart ? formatNorwegianDate(start.plannedStart) : "Ikke satt",
              deadline: formatNorwegianDate(start.startOfCareDeadline),
              daysLeft: daysLeftText(start.workingDaysLeft),
              close: start.deadlinePassed || start.deadlineNear,
              flags: startFlagsOf(start),
            })),
            ...(input.startsNextHref ? { nextHref: input.startsNextHref } : {}),
          },
        }
      : {}),
    ...(home.informationRequests
      ? {
          requests: {
            rows: home.informationRequests.items.map((request) => ({
              referralId: request.referralId,
              href: link(request.href),
              askedOn: formatNorwegianDate(osloDate(new Date(request.requestedAt))),
              waiting: waitingText(request.workingDaysWaiting),
            })),
            ...(input.requestsNextHref ? { nextHref: input.requestsNextHref } : {}),
          },
        }
      : {}),
    ...(home.letters
      ? {
          letters: {
            count: count(home.letters.toPost, home.letters.more),
            href: link(home.letters.href),
          },
        }
      : {}),
    ...(home.helfo
      ? {
          helfo: {
            ...home.helfo,
            href: link(home.helfo.href),
          },
        }
      : {}),
    ...(home.operations
      ? {
          operations: {
            failed: home.operations.failed.map(line),
            recovery: home.operations.recovery
              ? {
                  ranAt: osloDateTime(home.operations.recovery.ranAt),
                  checked: home.operations.recovery.checked,
                  found: home.operations.recovery.found,
                  more: home.operations.recovery.found > home.operations.recovery.findings.length,
                  // Console links are absolute (AWS's), not under the API's base path.
                  findings: home.operations.recovery.findings.map((finding) => ({
                    referralId: finding.referralId,
                    href: finding.href,
                    finding: RECOVERY_FINDINGS[finding.finding],
                    did: recoveryDidText(finding),
                  })),
                }
              : undefined,
            alarms: home.operations.alarms.readable
              ? {
                  readable: true,
                  inAlarm: home.operations.alarms.inAlarm.map((alarm) => ({
                    ...alarm,
                    since: osloDateTime(alarm.since),
                  })),
                  ok: home.operations.alarms.ok,
                  okNoun: home.operations.alarms.ok === 1 ? "alarm" : "alarmer",
                  insufficientData: home.operations.alarms.insufficientData,
                }
              : { readable: false },
          },
        }
      : {}),
    ...(home.statisticsHref ? { statisticsHref: link(home.statisticsHref) } : {}),
  });
}
