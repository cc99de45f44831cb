/**
 * The staff referral page (GET /staff/referrals/{referralId}): one referral as the intake team and
 * the lead see it after sign-in: the submission, the clock, the decision, the start of care with its
 * form (POST /referrals/{referralId}/start-of-care), and the letters. Every view is access-logged by
 * the handler; this module only shows.
 */
import { type IsoDate, osloDate } from "../domain/calendar";
import { CARE_FORMS, OUTCOME_LABELS } from "../domain/decision-labels";
import type { ReferralFile } from "../domain/ports";
import { CONTENT_ITEMS, FLAGS, KIND_LABELS, PRIORITY_LABELS } from "../domain/referral-labels";
import type { StartOfCareView } from "../domain/start-of-care-view";
import type { Issue } from "../domain/validation";
import { htmlTemplate } from "./engine";
import { registerReferralFacts } from "./referral-facts";

const PAGE = `{{#> page title="Henvisning"}}
<h1>Henvisning {{referralId}}</h1>
{{#if taskHref}}
<p><a href="{{taskHref}}">Vurder henvisningen</a> (oppgaven er åpen)</p>
{{/if}}
{{#if accessLogHref}}
<p><a href="{{accessLogHref}}">Tilgangslogg: hvem har åpnet henvisningen</a></p>
{{/if}}
{{#if notice}}
<div class="banner at-risk" role="status"><h2>{{notice}}</h2></div>
{{/if}}
{{#if errors.length}}
<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Ingenting ble registrert</h2>
<ul>
{{#each errors}}
<li><a href="#{{path}}">{{message}}</a></li>
{{/each}}
</ul>
</div>
{{/if}}
<section aria-labelledby="clock-title">
<h2 id="clock-title">Status og frist</h2>
<dl class="summary">
<dt>Status</dt><dd>{{status}}</dd>
<dt>Type</dt><dd>{{kind}}</dd>
<dt>Prioritet</dt><dd>{{priority}}</dd>
<dt>Mottatt</dt><dd>{{date receivedDate}}</dd>
<dt>Frist for vurdering</dt><dd>{{date assessmentDueDate}}{{#if deadlineBreached}} <strong class="close">(fristbrudd)</strong>{{/if}}</dd>
</dl>
</section>

<section aria-labelledby="summary-title">
<h2 id="summary-title">Henvisningen</h2>
<dl class="summary">
{{> referralFacts}}
</dl>
<h3>Årsak til henvisning</h3>
<p class="text">{{reason}}</p>
<dl class="content">
{{#each contentItems}}
<dt>{{label}}</dt>
{{#if missing}}<dd class="missing"><strong>Mangler</strong></dd>{{else}}<dd class="text">{{text}}</dd>{{/if}}
{{/each}}
</dl>
</section>

<section aria-labelledby="decision-title">
<h2 id="decision-title">Vurdering</h2>
{{#if decision}}
<dl class="summary">
<dt>Utfall</dt><dd>{{decision.outcome}}</dd>
<dt>Vurdert</dt><dd>{{date decision.decidedOn}}{{#if decision.assessedBy}} av {{decision.assessedBy}}{{/if}}</dd>
{{#if decision.careForm}}<dt>Helsehjelp</dt><dd>{{decision.careForm}}</dd>{{/if}}
{{#if decision.forwardTo}}<dt>Sendt til</dt><dd>{{decision.forwardTo}}</dd>{{/if}}
</dl>
{{#if decision.justification}}<h3>Begrunnelse</h3><p class="text">{{decision.justification}}</p>{{/if}}
{{#if decision.advice}}<h3>Råd</h3><p class="text">{{decision.advice}}</p>{{/if}}
{{else}}
<p>Henvisningen er ikke vurdert ennå.</p>
{{/if}}
</section>

{{#if startOfCare}}
<section aria-labelledby="start-title">
<h2 id="start-title">Oppstart av helsehjelp</h2>
<dl class="summary">
<dt>Frist for oppstart</dt><dd>{{date startOfCare.deadline}}{{#if startOfCare.breached}} <strong class="close">(fristbrudd, meldingen til Helfo ligger i Helfo-listen)</strong>{{/if}}</dd>
<dt>Planlagt oppstart</dt><dd>{{#if startOfCare.plannedStart}}{{date startOfCare.plannedStart}}{{else}}Ikke satt{{/if}}</dd>
<dt>Startet</dt><dd>{{#if startOfCare.startedOn}}{{date startOfCare.startedOn}}{{else}}Ikke registrert{{/if}}</dd>
{{#if expectedBreach}}<dt>Forventet fristbrudd</dt><dd>Registrert {{date expectedBreach.on}} av {{expectedBreach.by}}: {{expectedBreach.reason}}. Meldingen til Helfo ligger i Helfo-listen.</dd>{{/if}}
{{#if startOfCare.probableBreach}}<dt>Sannsynlig fristbrudd</dt><dd><strong class="close">Oppstart er ikke registrert innen fristen.</strong> Registrer oppstarten hvis helsehjelpen startet innen fristen{{#if form.lead}}, eller bekreft fristbruddet{{/if}}.</dd>{{/if}}
</dl>
{{#if form}}
{{#if form.confirmStart}}
<form method="post" action="{{form.action}}" id="confirm-start-form">
<input type="hidden" name="csrfToken" value="{{form.csrfToken}}">
<input type="hidden" name="startedOn" value="{{form.confirmStart}}">
<p>Oppstart var planlagt {{date form.confirmStart}}. Startet helsehjelpen da?</p>
<button type="submit">Bekreft oppstart {{date form.confirmStart}}</button>
</form>
{{/if}}
{{#if form.confirmBreach}}
<form method="post" action="{{form.action}}" id="confirm-breach-form">
<input type="hidden" name="csrfToken" value="{{form.csrfToken}}">
<input type="hidden" name="breach" value="confirmed">
{{#if form.errors.breach}}<p class="field-error" id="breach">{{form.errors.breach}}</p>{{/if}}
<p>Helsehjelpen startet ikke innen fristen: bekreft fristbruddet, så legges meldingen til Helfo i listen. Pasienten får brev når meldingen er registrert som sendt til Helfo.</p>
<button type="submit">Bekreft fristbrudd</button>
</form>
{{/if}}
<form method="post" action="{{form.action}}" id="start-of-care-form">
<input type="hidden" name="csrfToken" value="{{form.csrfToken}}">
<div class="field">
<label for="startedOn">Helsehjelpen startet</label>
<p class="hint" id="startedOn-hint">Dagen pasienten startet, ÅÅÅÅ-MM-DD. Ikke fram i tid.</p>
{{#if form.errors.startedOn}}<p class="field-error">{{form.errors.startedOn}}</p>{{/if}}
<input type="date" id="startedOn" name="startedOn" value="{{form.values.startedOn}}" aria-describedby="startedOn-hint"{{#if form.errors.startedOn}} aria-invalid="true"{{/if}}>
</div>
<div class="field">
<label for="plannedStart">Eller: ny planlagt oppstart</label>
<p class="hint" id="plannedStart-hint">ÅÅÅÅ-MM-DD, fra i dag.</p>
{{#if form.errors.plannedStart}}<p class="field-error">{{form.errors.plannedStart}}</p>{{/if}}
<input type="date" id="plannedStart" name="plannedStart" value="{{form.values.plannedStart}}" aria-describedby="plannedStart-hint"{{#if form.errors.plannedStart}} aria-invalid="true"{{/if}}>
</div>
<button type="submit">Registrer oppstart</button>
</form>
{{#if form.expectBreach}}
<form method="post" action="{{form.action}}" id="expected-breach-form">
<input type="hidden" name="csrfToken" value="{{form.csrfToken}}">
<input type="hidden" name="breach" value="expected">
<div class="field">
<label for="reason">Fristen kan ikke holdes: årsak</label>
<p class="hint" id="reason-hint">Helfo skal varsles så snart det er overveiende sannsynlig at fristen brytes. Meldingen legges i Helfo-listen med en gang; pasienten får brev når den er sendt til Helfo.</p>
{{#if form.errors.reason}}<p class="field-error">{{form.errors.reason}}</p>{{/if}}
<textarea id="reason" name="reason" rows="3" aria-describedby="reason-hint"{{#if form.errors.reason}} aria-invalid="true"{{/if}}>{{form.values.reason}}</textarea>
</div>
<button type="submit">Registrer at fristen ikke kan holdes</button>
</form>
{{/if}}
{{/if}}
</section>
{{/if}}

<section aria-labelledby="letters-title">
<h2 id="letters-title">Brev</h2>
{{#if letters.length}}
<table>
<thead><tr><th scope="col">Brev</th><th scope="col">Til</th><th scope="col">Kanal</th><th scope="col">Status</th></tr></thead>
<tbody>
{{#each letters}}
<tr><td>{{subject}}</td><td>{{recipient}}</td><td>{{channel}}</td><td>{{status}}</td></tr>
{{/each}}
</tbody>
</table>
{{else}}
<p>Ingen brev ennå.</p>
{{/if}}
</section>
{{/page}}
`;

registerReferralFacts();
const template = htmlTemplate(PAGE);

const STATUS_LABELS: Record<string, string> = {
  received: "Mottatt",
  "awaiting-assessment": "Venter på vurdering",
  decided: "Vurdert",
  closed: "Avsluttet",
  failed: "Feilet (til oppfølging)",
};
const RECIPIENT_LABELS: Record<string, string> = { referrer: "Henviser", patient: "Pasient", gp: "Fastlege" };
const LETTER_STATUS_LABELS: Record<string, string> = {
  sending: "Sendes",
  sent: "Sendt",
  "awaiting-postal": "Venter på postlegging",
};

/** What the page shows beside the file. */
export interface ReferralPageInput {
  file: ReferralFile;
  /** The patient's birth date (from the national ID, which the page never shows). */
  birthDate?: IsoDate;
  startOfCare?: StartOfCareView;
  /** The start-of-care form: where it posts and the session's anti-forgery token (granted rights only). */
  form?: {
    action: string;
    csrfToken: string;
    errors?: Issue[];
    values?: Record<string, string>;
    /** The reader is the lead (who alone confirms a probable breach). */
    lead?: boolean;
    /** Today in Oslo: a planned start on or before it can be confirmed with one click. */
    today?: IsoDate;
  };
  /** A confirmation at the top ("Oppstart registrert"). */
  notice?: string;
  /** The referral's access log, for the lead (relative to the page). */
  accessLogHref?: string;
  /** The referral's open task, where it is assessed (relative to the page). */
  taskHref?: string;
}

/**
 * The start-of-care forms that apply now: the one-click confirmation of a planned start that has come
 * (the date prefilled), the expected breach before the deadline, the lead's confirmation of a
 * probable breach, and the start itself.
 */
function formView(
  form: NonNullable<ReferralPageInput["form"]>,
  view: StartOfCareView | undefined,
  errors: Issue[],
) {
  const open = view !== undefined && view.startedOn === null && !view.breached;
  const today = form.today;
  return {
    action: form.action,
    csrfToken: form.csrfToken,
    lead: form.lead === true,
    values: form.values ?? {},
    errors: Object.fromEntries(errors.map((issue) => [issue.path, issue.message])),
    confirmStart:
      open && view.plannedStart !== null && today !== undefined && view.plannedStart <= today
        ? view.plannedStart
        : undefined,
    expectBreach: open && !view.expectedBreach && today !== undefined && today <= view.deadline,
    confirmBreach: open && form.lead === true && today !== undefined && today > view.deadline,
  };
}

/** Renders the staff referral page. */
export function renderReferralPage(input: ReferralPageInput): string {
  const { referral, letters } = input.file;
  const { submission } = referral;
  const decision = referral.decision?.decision as Record<string, unknown> | undefined;
  const text = (name: string) =>
    typeof decision?.[name] === "string" ? (decision[name] as string) : undefined;
  const careForm = CARE_FORMS.find((form) => form.key === text("careForm"))?.label;
  const outcome = String(decision?.outcome ?? "");
  const errors = input.form?.errors ?? [];
  return template({
    referralId: referral.referralId,
    accessLogHref: input.accessLogHref,
    taskHref: input.taskHref,
    notice: input.notice,
    errors,
    status: STATUS_LABELS[referral.status] ?? referral.status,
    kind: KIND_LABELS[referral.kind],
    priority: PRIORITY_LABELS[referral.priority],
    receivedDate: osloDate(new Date(referral.receivedAt)),
    assessmentDueDate: referral.assessmentDueDate,
    deadlineBreached: referral.deadlineBreached,
    patient: { name: submission.patient.name, birthDate: input.birthDate },
    referrer: submission.referrer,
    diagnoses: submission.diagnoses,
    flags: (submission.flags ?? []).map((flag) => FLAGS.find((f) => f.key === flag)?.label ?? flag),
    reason: submission.reason,
    contentItems: CONTENT_ITEMS.map((item) => {
      const value = submission.content?.[item.key];
      return { label: item.label, missing: !value, text: value ?? "" };
    }),
    decision:
      referral.decision && decision
        ? {
            outcome: OUTCOME_LABELS[outcome as keyof typeof OUTCOME_LABELS] ?? outcome,
            decidedOn: osloDate(new Date(referral.decision.decidedAt)),
            assessedBy: text("assessedBy"),
            careForm,
            forwardTo: text("forwardTo"),
            justification: text("justification"),
            advice: text("advice"),
          }
        : undefined,
    startOfCare: input.startOfCare,
    expectedBreach: referral.startOfCareExpectedBreach
      ? {
          on: osloDate(new Date(referral.startOfCareExpectedBreach.at)),
          by: referral.startOfCareExpectedBreach.by,
          reason: referral.startOfCareExpectedBreach.reason,
        }
      : undefined,
    form: input.form ? formView(input.form, input.startOfCare, errors) : undefined,
    letters: letters.map((letter) => ({
      subject: letter.subject,
      recipient: RECIPIENT_LABELS[letter.recipientRole] ?? letter.recipientRole,
      channel: letter.channel === "email" ? "E-post" : "Post",
      status: LETTER_STATUS_LABELS[letter.status] ?? letter.status,
    })),
  });
}
