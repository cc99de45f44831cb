/**
 * The task email to intake staff. Ordinary email is not a channel for health information, so it says
 * only that a referral waits, by when, and where to open it: no patient name, national ID, diagnosis
 * or referral text. The link opens a page; only an explicit POST there records anything.
 */
import Handlebars from "handlebars";
import type { IsoDate } from "./calendar";
import { formatNorwegianDate } from "./letters";

const htmlEnv = Handlebars.create();
const textEnv = Handlebars.create();

const SUBJECT = "En ny henvisning venter på vurdering";

const TEXT = `En ny henvisning venter på vurdering.

Vurderingen må være gjort innen {{dueDate}} (10 virkedager etter mottak).

Åpne oppgaven her:
{{taskUrl}}

Lenken åpner en side med henvisningen og et skjema for vurderingen. Ikke videresend denne e-posten: lenken gir tilgang til oppgaven.

{{clinicName}}
`;

const HTML = `<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>{{subject}}</title>
</head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1a1a1a;">
<p><strong>En ny henvisning venter på vurdering.</strong></p>
<p>Vurderingen må være gjort innen <strong>{{dueDate}}</strong> (10 virkedager etter mottak).</p>
<p><a href="{{taskUrl}}">Åpne oppgaven</a></p>
<p>Lenken åpner en side med henvisningen og et skjema for vurderingen. Ikke videresend denne e-posten: lenken gir tilgang til oppgaven.</p>
<p>{{clinicName}}</p>
</body>
</html>
`;

const textTemplate = textEnv.compile(TEXT, { noEscape: true });
const htmlTemplate = htmlEnv.compile(HTML);

export interface AssessmentTaskEmailInput {
  /** The task page, e.g. https://…/prod/tasks/<taskId>. */
  taskUrl: string;
  /** The assessment due date (10 working days). */
  dueDate: IsoDate;
  clinicName: string;
}

/**
 * Renders the neutral "a referral waits" email. The input type has no room for patient data, and
 * the URL must be http(s) so a bad configuration cannot put a `javascript:` link in staff inboxes.
 */
export function renderAssessmentTaskEmail(input: AssessmentTaskEmailInput): {
  subject: string;
  text: string;
  html: string;
} {
  if (!/^https?:\/\//i.test(input.taskUrl)) throw new RangeError("taskUrl must be an http(s) URL");
  const view = {
    subject: SUBJECT,
    taskUrl: input.taskUrl,
    dueDate: formatNorwegianDate(input.dueDate),
    clinicName: input.clinicName,
  };
  return { subject: SUBJECT, text: textTemplate(view), html: htmlTemplate(view) };
}
