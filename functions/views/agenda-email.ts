/**
 * The intake meeting's agenda email: one neutral message to the meeting's team, saying when the
 * meeting is and how many referrals it holds, with the link to the agenda page. No patient data.
 */
import { htmlTemplate, textTemplate } from "./engine";
import { formatMeetingTime } from "./norwegian-time";

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

/** What the agenda email may say: when, how many, where the agenda is. No patient data fits in. */
export interface AgendaEmailInput {
  agendaUrl: string;
  /** The meeting's id ("2025-03-04T12:00", Oslo time). */
  meetingId: string;
  referralCount: number;
  clinicName: string;
}

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
