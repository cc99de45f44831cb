/**
 * The emails to intake staff: the task, the reminder, the escalation to the clinic lead and the
 * at-risk alert. Ordinary email is not a channel for health information, so they say only that a
 * referral waits, by when, whether it is urgent ("haster"), and where to open it: no patient name,
 * national ID, diagnosis or referral text. The link opens a page; only an explicit POST there
 * records anything.
 */
import type { IsoDate } from "../domain/calendar";
import type {
  AssessmentTaskEmailInput,
  StaffEmail,
  StaffEmailInput,
  StartOfCareEmailInput,
} from "../domain/rendering";
import { htmlTemplate, textTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";

/** The facts each view takes live with the rendering port in the domain. */
export type {
  AssessmentTaskEmailInput,
  StaffEmail,
  StaffEmailInput,
  StartOfCareEmailInput,
} from "../domain/rendering";

/** One layout for every staff email: a headline, a few plain sentences, the task link if any, the clinic. */
const TEXT = `{{#each paragraphs}}{{this}}

{{/each}}{{#if taskUrl}}Åpne oppgaven her:
{{taskUrl}}

Lenken åpner en side med henvisningen og et skjema for vurderingen. Ikke videresend denne e-posten: lenken gir tilgang til oppgaven.

{{/if}}{{#if referralUrl}}Åpne henvisningen her (krever innlogging), og registrer oppstarten der:
{{referralUrl}}

{{/if}}{{clinicName}}
`;

const HTML = `{{#> emailHtml}}
{{#each paragraphs}}
{{#if @first}}<p><strong>{{this}}</strong></p>{{else}}<p>{{this}}</p>{{/if}}
{{/each}}
{{#if taskUrl}}
<p><a href="{{taskUrl}}">Åpne oppgaven</a></p>
<p>Lenken åpner en side med henvisningen og et skjema for vurderingen. Ikke videresend denne e-posten: lenken gir tilgang til oppgaven.</p>
{{/if}}
{{#if referralUrl}}
<p><a href="{{referralUrl}}">Åpne henvisningen</a> (krever innlogging), og registrer oppstarten der.</p>
{{/if}}
<p>{{clinicName}}</p>
{{/emailHtml}}
`;

const renderText = textTemplate(TEXT);
const renderHtml = htmlTemplate(HTML);

const URGENT_PREFIX = "Haster: ";

function urgentSentence(input: StaffEmailInput): string[] {
  if (!input.urgent) return [];
  return [
    input.internalTargetDate
      ? `Henvisningen haster. Klinikkens frist for raskere vurdering er ${formatNorwegianDate(input.internalTargetDate)}.`
      : "Henvisningen haster.",
  ];
}

function render(
  input: Pick<StaffEmailInput, "clinicName" | "urgent"> & { taskUrl?: string; referralUrl?: string },
  subject: string,
  paragraphs: string[],
): StaffEmail {
  if (input.taskUrl !== undefined && !/^https?:\/\//i.test(input.taskUrl)) {
    throw new RangeError("taskUrl must be an http(s) URL");
  }
  if (input.referralUrl !== undefined && !/^https?:\/\//i.test(input.referralUrl)) {
    throw new RangeError("referralUrl must be an http(s) URL");
  }
  const fullSubject = input.urgent ? `${URGENT_PREFIX}${subject}` : subject;
  const view = {
    subject: fullSubject,
    paragraphs,
    taskUrl: input.taskUrl,
    referralUrl: input.referralUrl,
    clinicName: input.clinicName,
  };
  return { subject: fullSubject, text: renderText(view), html: renderHtml(view) };
}

/**
 * Renders the neutral "a referral waits" email. The input type has no room for patient data, and
 * the URL must be http(s) so a bad configuration cannot put a `javascript:` link in staff inboxes.
 */
export function renderAssessmentTaskEmail(input: AssessmentTaskEmailInput): StaffEmail {
  return render(input, "En ny henvisning venter på vurdering", [
    "En ny henvisning venter på vurdering.",
    ...urgentSentence(input),
    `Vurderingen må være gjort innen ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak).`,
    ...(input.meetingTime ? [`Henvisningen er satt opp til inntaksmøtet ${input.meetingTime}.`] : []),
  ]);
}

/**
 * The alert to the meeting lead when no intake meeting with room starts before the referral's
 * reminder point: the referral goes to a later meeting (or none), so the lead can make room or ask
 * one clinician to assess it. Neutral, like every staff email; the task email follows separately.
 */
export function renderMeetingAtRiskEmail(input: StaffEmailInput & { meetingTime?: string }): StaffEmail {
  return render(input, "En henvisning fikk ikke plass på inntaksmøte før påminnelsen", [
    "En henvisning fikk ikke plass på et inntaksmøte før påminnelsestidspunktet.",
    ...urgentSentence(input),
    input.meetingTime
      ? `Den er satt opp til inntaksmøtet ${input.meetingTime}, men fristen for vurderingen er ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak).`
      : `Ingen inntaksmøte har ledig plass. Fristen for vurderingen er ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak).`,
    "Vurder om møtet kan ta flere henvisninger, eller om én behandler kan vurdere henvisningen. Inntaksteamet får oppgaven med lenke i en egen e-post.",
  ]);
}

/** The reminder to the assessors at the reminder point: the same link, the deadline drawing near. */
export function renderReminderEmail(input: AssessmentTaskEmailInput): StaffEmail {
  return render(input, "Påminnelse: en henvisning venter fortsatt på vurdering", [
    "Påminnelse: en henvisning venter fortsatt på vurdering.",
    ...urgentSentence(input),
    `Fristen for vurderingen er ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak). Lenken er den samme som i den første e-posten.`,
  ]);
}

/**
 * The escalation to the clinic lead when the clinic's target for an urgent referral's faster
 * assessment (pbrl § 2-2 first paragraph, third sentence; a few working days, inside the 10) has
 * passed without a decision: once, with the same task link. It names the target and the outer
 * deadline still ahead, and nothing about the patient.
 */
export function renderUrgentTargetEscalationEmail(
  input: StaffEmailInput & { internalTargetDate: IsoDate; taskUrl?: string },
): StaffEmail {
  return render(
    { ...input, urgent: true },
    "Fristen for raskere vurdering av en henvisning som haster er passert",
    [
      "Klinikkens frist for raskere vurdering av en henvisning som haster er passert. Pasienten har rett til raskere vurdering enn 10 virkedager når henvisningen haster (pasient- og brukerrettighetsloven § 2-2 første ledd tredje punktum).",
      `Henvisningen skulle etter klinikkens frist vært vurdert innen ${formatNorwegianDate(input.internalTargetDate)}. Den er ennå ikke vurdert.`,
      `Yttergrensen for vurderingen er ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak). Sørg for at henvisningen blir vurdert så snart som mulig.`,
    ],
  );
}

/**
 * The escalation to the clinic lead once the 10 working days have run out, and again each working
 * day until a decision comes. It says the deadline has passed and links to the same task.
 */
export function renderEscalationEmail(input: StaffEmailInput & { taskUrl?: string }): StaffEmail {
  return render(input, "Fristen for vurdering av en henvisning er passert", [
    "Fristen for vurdering av en henvisning er passert.",
    ...urgentSentence(input),
    `Vurderingen skulle vært gjort innen ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak). Overskridelsen av vurderingsfristen er registrert. Henvisningen bør vurderes så snart som mulig; du får en ny påminnelse hver virkedag til den er vurdert.`,
  ]);
}

/**
 * The alert to the clinic lead for a referral that arrives with little or no time left (a forward
 * whose ansiennitetsdato is old). Sent at intake, before the task exists, so it has no link: the
 * intake team gets the task email at the same time.
 */
export function renderAtRiskEmail(input: StaffEmailInput & { deadlinePassed: boolean }): StaffEmail {
  const due = formatNorwegianDate(input.assessmentDueDate);
  return render(input, "En henvisning har kort frist for vurdering", [
    "En henvisning har kort frist for vurdering.",
    ...urgentSentence(input),
    input.deadlinePassed
      ? `Fristen for vurderingen (${due}, 10 virkedager etter første mottak i spesialisthelsetjenesten) er allerede passert da henvisningen kom til oss.`
      : `Fristen for vurderingen er ${due} (10 virkedager etter første mottak i spesialisthelsetjenesten), og påminnelsestidspunktet var passert da henvisningen kom til oss.`,
    "Inntaksteamet får oppgaven med lenke i en egen e-post.",
  ]);
}

/**
 * The reminder before a start-of-care deadline, to the clinic lead: care for a granted right has not
 * been recorded as started. It asks to confirm the planned start, or to record on the referral's page
 * that the deadline cannot be kept (the Helfo notice then goes on the list at once: Helfo is to be
 * told as soon as a breach is probable). Neutral: the reference and the dates, no patient.
 */
export function renderStartOfCareReminderEmail(
  input: StartOfCareEmailInput & { plannedStart?: IsoDate },
): StaffEmail {
  const due = formatNorwegianDate(input.startOfCareDeadline);
  return render(
    { clinicName: input.clinicName, ...(input.referralUrl ? { referralUrl: input.referralUrl } : {}) },
    "Påminnelse: frist for oppstart av helsehjelp nærmer seg",
    [
      "Påminnelse: fristen for oppstart av helsehjelp nærmer seg.",
      `For henvisning ${input.referralId} er det ikke registrert at helsehjelpen har startet. Fristen for oppstart er ${due}.${input.plannedStart ? ` Planlagt oppstart er ${formatNorwegianDate(input.plannedStart)}.` : ""}`,
      "Bekreft at oppstarten holder, eller registrer på henvisningen at fristen ikke kan holdes, med årsak. Da legges meldingen til Helfo i listen med en gang: Helfo skal varsles så snart det er overveiende sannsynlig at fristen brytes.",
    ],
  );
}

/**
 * After the planned start date: the clinician who granted the right and the lead are asked to confirm
 * that care started (one click on the referral's page, the date prefilled). A start nobody keyed in
 * is no breach, but the workflow can only know what is recorded.
 */
export function renderStartConfirmationEmail(
  input: StartOfCareEmailInput & { plannedStart: IsoDate; referralUrl: string },
): StaffEmail {
  return render(
    { clinicName: input.clinicName, referralUrl: input.referralUrl },
    "Bekreft oppstart av helsehjelp",
    [
      "Bekreft at helsehjelpen har startet.",
      `For henvisning ${input.referralId} var oppstart planlagt ${formatNorwegianDate(input.plannedStart)}, og oppstart er ikke registrert. Fristen for oppstart er ${formatNorwegianDate(input.startOfCareDeadline)}.`,
      "Startet helsehjelpen, bekrefter du det med ett klikk på henvisningen (datoen er fylt ut). Ble den ikke startet, registrerer du ny planlagt oppstart, eller at fristen ikke kan holdes.",
    ],
  );
}

/**
 * The deadline passed with no start recorded: a probable breach. The lead is asked to confirm the
 * breach or record the start by `confirmBy`; nothing goes to Helfo or the patient before.
 */
export function renderProbableBreachEmail(
  input: StartOfCareEmailInput & { confirmBy: IsoDate; referralUrl: string },
): StaffEmail {
  return render(
    { clinicName: input.clinicName, referralUrl: input.referralUrl },
    "Bekreft: oppstart ikke registrert innen fristen",
    [
      "Oppstart er ikke registrert innen fristen.",
      `For henvisning ${input.referralId} var fristen for oppstart ${formatNorwegianDate(input.startOfCareDeadline)}, og oppstart er ikke registrert. Det er trolig et fristbrudd.`,
      `Registrer oppstarten hvis helsehjelpen startet innen fristen, eller bekreft fristbruddet, senest ${formatNorwegianDate(input.confirmBy)}. Er ingenting registrert da, føres fristbruddet opp og meldingen til Helfo legges i listen. Pasienten får brev først når meldingen er sendt til Helfo.`,
    ],
  );
}

/**
 * Nobody answered within the grace after a probable breach: the breach is on record by the law's
 * default (no start recorded) and its Helfo notice on the list. The lead is told; nothing says the
 * patient was written to, because that happens only when the notice is marked reported.
 */
export function renderBreachByDefaultEmail(
  input: StartOfCareEmailInput & { referralUrl: string },
): StaffEmail {
  return render(
    { clinicName: input.clinicName, referralUrl: input.referralUrl },
    "Fristbrudd registrert uten bekreftelse",
    [
      "Fristbrudd er registrert uten bekreftelse.",
      `For henvisning ${input.referralId} var fristen for oppstart ${formatNorwegianDate(input.startOfCareDeadline)}. Verken oppstart eller fristbrudd ble registrert innen svarfristen, så fristbruddet er ført opp, og meldingen til Helfo er lagt i listen over Helfo-meldinger.`,
      "Meldingen skal sendes til Helfo så snart som mulig. Pasienten får brev når meldingen er registrert som sendt. Startet helsehjelpen likevel innen fristen, registrer oppstarten på henvisningen og gi beskjed til den som sender Helfo-meldingene.",
    ],
  );
}

/**
 * To the clerk and the clinic lead on the due date: the patient's copy of an answer, or the parents'
 * copy of a patient under 16, or both, still wait for post, and the patient must be informed within
 * the 10 working days. It says whose copy waits, so the clerk looks for the right letter. Neutral:
 * reference and date.
 */
export function renderPostalLetterEscalationEmail(input: {
  referralId: string;
  assessmentDueDate: IsoDate;
  clinicName: string;
  /** Whose copies wait for post. */
  waiting: readonly ("patient" | "guardian")[];
}): StaffEmail {
  const patient = input.waiting.includes("patient");
  const parents = input.waiting.includes("guardian");
  const which =
    patient && parents
      ? "Svarbrevet til pasienten og kopien til foreldre eller andre med foreldreansvar venter"
      : parents
        ? "Kopien til foreldre eller andre med foreldreansvar venter"
        : "Svarbrevet til pasienten venter";
  const subject =
    patient && parents
      ? "Svarbrev til pasient og foreldre venter fortsatt på å bli sendt i posten"
      : parents
        ? "Et svarbrev til foreldre eller andre med foreldreansvar venter fortsatt på å bli sendt i posten"
        : "Et svarbrev til pasient venter fortsatt på å bli sendt i posten";
  return render(input, subject, [
    `${which} fortsatt på å bli sendt i posten.`,
    `Brevet gjelder henvisning ${input.referralId}. Pasienten skal være informert innen ${formatNorwegianDate(input.assessmentDueDate)} (10 virkedager etter mottak), og fristen er i dag eller passert.`,
    `Send ${patient && parents ? "brevene" : "brevet"} i dag, og marker ${patient && parents ? "dem" : "det"} som sendt i listen over brev som venter på post.`,
  ]);
}
