/**
 * The intake meeting's agenda email: one neutral message to the meeting's team, saying when the
 * meeting is and how many referrals it holds, with the link to the agenda page. No patient data.
 */

import type { AgendaEmailInput } from "../domain/rendering";
import { htmlTemplate, textTemplate } from "./engine";
import { formatMeetingTime } from "./norwegian-time";

/** The facts each view takes live with the rendering port in the domain. */
export type { AgendaEmailInput } from "../domain/rendering";

const EMAIL_TEXT = `{{headline}}

{{count}}

Åpne sakslisten her:
{{agendaUrl}}

Lenken åpner sakslisten med lenker til hver henvisnings oppgave. Ikke videresend denne e-posten: lenken gir tilgang til sakslisten.

{{clinicName}}
`;

const EMAIL_HTML = `{{#> emailHtml}}
<p><strong>{{headline}}</strong></p>
<p>{{count}}</p>
<p><a href="{{agendaUrl}}">Åpne sakslisten</a></p>
<p>Lenken åpner sakslisten med lenker til hver henvisnings oppgave. Ikke videresend denne e-posten: lenken gir tilgang til sakslisten.</p>
<p>{{clinicName}}</p>
{{/emailHtml}}
`;

const emailText = textTemplate(EMAIL_TEXT);
const emailHtml = htmlTemplate(EMAIL_HTML);

/** Renders the neutral agenda email; the URL must be http(s). */
export function renderAgendaEmail(input: AgendaEmailInput): { subject: string; text: string; html: string } {
  if (!/^https?:\/\//i.test(input.agendaUrl)) throw new RangeError("agendaUrl must be an http(s) URL");
  const when = formatMeetingTime(input.meetingId);
  const subject = `Saksliste for inntaksmøtet ${when}`;
  const view = {
    subject,
    headline: `Sakslisten for inntaksmøtet ${when} er klar.`,
    count:
      input.referralCount === 1
        ? "Én henvisning er satt opp til møtet."
        : `${input.referralCount} henvisninger er satt opp til møtet.`,
    agendaUrl: input.agendaUrl,
    clinicName: input.clinicName,
  };
  return { subject, text: emailText(view), html: emailHtml(view) };
}
