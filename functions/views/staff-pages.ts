/**
 * The pages intake staff see: the task page (summary, missing content, flags, deadline and one form
 * per outcome), the page for a task that is gone, the confirmations and the expired-form page.
 * Server-rendered, escaped, Norwegian, and usable without JavaScript: each outcome is its own form
 * with its own POST, every field has a label, and errors sit next to their fields.
 */

import { type IsoDate, osloDate } from "../domain/calendar";
import { CONFIRM_DEADLINE_FIELD } from "../domain/deadline-warnings";
import { addDays, CARE_FORMS, MAX_DEADLINE_DAYS } from "../domain/decision-labels";
import type { ReferralSubmission } from "../domain/referral";
import {
  CONTENT_ITEMS,
  type ContentItem,
  FLAGS,
  KIND_LABELS,
  PRIORITY_LABELS,
} from "../domain/referral-labels";
import type { Issue } from "../domain/validation";
import { htmlTemplate, registerPartial } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";

// The message pages live in message-pages.ts (see there); re-exported for the pages that import them here.
export {
  renderDecisionRecordedPage,
  renderFormExpiredPage,
  renderInformationReceivedPage,
  renderInformationRequestedPage,
  renderInformationRequestOpenPage,
  renderMessagePage,
  renderTaskGonePage,
} from "./message-pages";

registerPartial(
  "radioGroup",
  `<fieldset{{#if group.error}} aria-describedby="{{group.errorId}}"{{/if}}>
<legend>{{group.legend}}</legend>
{{#if group.error}}
<p class="field-error" id="{{group.errorId}}">{{group.error}}</p>
{{/if}}
{{#each group.options}}
<div class="choice"><input type="radio" name="{{../group.name}}" id="{{id}}" value="{{value}}"{{#if checked}} checked{{/if}}> <label for="{{id}}">{{label}}</label></div>
{{/each}}
</fieldset>
`,
);

registerPartial(
  "field",
  `<div class="field">
<label for="{{field.id}}">{{field.label}}</label>
{{#if field.hint}}
<p class="hint" id="{{field.hintId}}">{{field.hint}}</p>
{{/if}}
{{#if field.error}}
<p class="field-error" id="{{field.errorId}}">{{field.error}}</p>
{{/if}}
{{#if field.multiline}}
<textarea id="{{field.id}}" name="{{field.name}}" rows="6"{{#if field.required}} aria-required="true"{{/if}}{{#if field.describedBy}} aria-describedby="{{field.describedBy}}"{{/if}}{{#if field.error}} aria-invalid="true"{{/if}}>{{field.value}}</textarea>
{{else}}
<input type="{{field.type}}" id="{{field.id}}" name="{{field.name}}" value="{{field.value}}"{{#if field.required}} aria-required="true"{{/if}}{{#if field.describedBy}} aria-describedby="{{field.describedBy}}"{{/if}}{{#if field.error}} aria-invalid="true"{{/if}}>
{{/if}}
</div>
`,
);

const TASK_PAGE = `{{#> page title="Vurdering av henvisning"}}
<h1>Vurdering av henvisning</h1>
{{#if errors.length}}
<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Vurderingen ble ikke registrert</h2>
<p>Rett opp dette og send inn på nytt:</p>
<ul>
{{#each errors}}
<li>{{#if href}}<a href="{{href}}">{{message}}</a>{{else}}{{message}}{{/if}}</li>
{{/each}}
</ul>
</div>
{{/if}}
{{#if warnings.length}}
<div class="error-summary warning" role="alert" aria-labelledby="warning-summary-title">
<h2 id="warning-summary-title">Bekreft fristen for igangsetting</h2>
<p>Vurderingen er ikke registrert ennå. Sjekk datoen, eller kryss av for at den er riktig, og send inn på nytt:</p>
<ul>
{{#each warnings}}
<li><a href="#granted-startOfCareDeadline">{{message}}</a></li>
{{/each}}
</ul>
</div>
{{/if}}
{{#if banner}}
<div class="banner {{banner.kind}}" role="status">
<h2>{{banner.title}}</h2>
<p>{{banner.text}}</p>
</div>
{{/if}}
<section class="deadline{{#if deadlineClose}} close{{/if}}" aria-labelledby="deadline-title">
<h2 id="deadline-title">Frist for vurdering</h2>
<p><strong>{{dueDate}}</strong>: {{daysLeft}}.</p>
</section>

<section aria-labelledby="summary-title">
<h2 id="summary-title">Henvisningen</h2>
<dl class="summary">
<dt>Referanse</dt><dd>{{referralId}}</dd>
<dt>Type</dt><dd>{{kind}}</dd>
{{#if forwarded}}
<dt>Ansiennitetsdato</dt><dd>{{forwarded.ansiennitetsdato}}</dd>
<dt>Tidligere institusjon</dt><dd>{{forwarded.previousInstitution}}</dd>
{{/if}}
<dt>Prioritet</dt><dd>{{#if urgent}}<strong class="urgent">{{priority}}</strong>{{else}}{{priority}}{{/if}}</dd>
<dt>Mottatt</dt><dd>{{receivedDate}}</dd>
<dt>Pasient</dt><dd>{{patient.name}}{{#if patient.birthDate}}, født {{date patient.birthDate}}{{/if}}</dd>
<dt>Henviser</dt><dd>{{referrer.name}}, {{referrer.organisation}}</dd>
<dt>Diagnoser</dt>
<dd><ul>
{{#each diagnoses}}
<li>{{system}} {{code}}{{#if text}}: {{text}}{{/if}}</li>
{{/each}}
</ul></dd>
<dt>Særlige hensyn</dt>
<dd>{{#if flags.length}}<ul class="flags">{{#each flags}}<li>{{this}}</li>{{/each}}</ul>{{else}}Ingen{{/if}}</dd>
</dl>
<h3>Årsak til henvisning</h3>
<p class="text">{{reason}}</p>
</section>

<section aria-labelledby="priority-title">
<h2 id="priority-title">Prioritet</h2>
<p>Prioritet nå: <strong>{{priority}}</strong>.{{#if internalTarget}} Klinikkens frist for raskere vurdering: {{internalTarget}}.{{/if}}</p>
<p class="legal-ground">Ved mistanke om alvorlig eller livstruende sykdom har pasienten rett til raskere vurdering enn innen 10 virkedager (pasient- og brukerrettighetsloven § 2-2 første ledd tredje punktum): da haster henvisningen, og klinikken har satt sin frist for den raskere vurderingen. 10 virkedager er yttergrensen for alle henvisninger.</p>
{{#if priorityChanges.length}}
<ul class="priority-changes">
{{#each priorityChanges}}
<li>{{at}}: endret fra {{from}} til {{to}} av {{by}}. Begrunnelse: {{reason}}</li>
{{/each}}
</ul>
{{/if}}
{{#if priorityForm}}
<form method="post" action="{{priorityForm.action}}" id="priority-form">
<input type="hidden" name="priority" value="{{priorityForm.to}}">
{{#if csrfToken}}
<input type="hidden" name="csrfToken" value="{{csrfToken}}">
{{/if}}
<div class="field">
<label for="priority-reason">Begrunnelse for å endre til {{priorityForm.toLabel}}</label>
{{#if priorityForm.error}}
<p class="field-error" id="priority-reason-error">{{priorityForm.error}}</p>
{{/if}}
<textarea id="priority-reason" name="reason" rows="3" aria-required="true"{{#if priorityForm.error}} aria-invalid="true" aria-describedby="priority-reason-error"{{/if}}></textarea>
</div>
<button type="submit">Endre prioritet til {{priorityForm.toLabel}}</button>
</form>
{{/if}}
</section>

<section aria-labelledby="content-title">
<h2 id="content-title">Innhold i henvisningen</h2>
<p>{{contentSummary}}</p>
<dl class="content">
{{#each contentItems}}
<dt>{{label}}</dt>
{{#if missing}}
<dd class="missing"><strong>Mangler</strong></dd>
{{else}}
<dd class="text">{{text}}</dd>
{{/if}}
{{/each}}
</dl>
</section>

{{#if secondary}}
<section aria-labelledby="secondary-title">
<h2 id="secondary-title">Sekundærhenvisning: samme tilstand?</h2>
<p>Portalen har merket henvisningen som sekundærhenvisning, med tidligere vurdering <strong>{{secondary.previousDecisionRef}}</strong>. En sekundærhenvisning rettighetsvurderes ikke på nytt bare når den gjelder samme tilstand som ble vurdert da. Bekreft om den gjør det. Gjør den ikke det, eller bekreftes den ikke innen {{secondary.confirmBy}}, vurderes den som en ny henvisning innen fristen.</p>
<form method="post" action="{{secondary.action}}" id="secondary-form">
{{#if csrfToken}}
<input type="hidden" name="csrfToken" value="{{csrfToken}}">
{{/if}}
<fieldset>
<legend>Gjelder henvisningen samme tilstand som den tidligere vurderingen?</legend>
<div class="choice"><input type="radio" name="sameCondition" id="secondary-yes" value="yes"> <label for="secondary-yes">Ja, samme tilstand: bekreft mottak og avslutt uten ny rettighetsvurdering</label></div>
<div class="choice"><input type="radio" name="sameCondition" id="secondary-no" value="no"> <label for="secondary-no">Nei: vurder den som en ny henvisning</label></div>
</fieldset>
<button type="submit">Registrer svaret</button>
</form>
</section>
{{else}}
{{#if guide}}
<section aria-labelledby="guide-title" id="guide">
<h2 id="guide-title">Prioriteringsveilederen</h2>
<p>Beslutningsstøtte: <a href="{{guide.source}}">{{guide.title}}</a> (versjon {{date guide.version}}). Veilederen gir råd om rett og om lengste frist for start av helsehjelp; vurderingen av pasienten er din.{{#if guide.proposedByPortal}} Henviser foreslo: {{guide.proposedByPortal}}.{{/if}}</p>
<form method="post" action="{{formAction}}" id="guide-form">
<input type="hidden" name="outcome" value="guide-suggestion">
{{#if csrfToken}}
<input type="hidden" name="csrfToken" value="{{csrfToken}}">
{{/if}}
<div class="field">
<label for="guide-condition">Tilstand</label>
<p class="hint" id="guide-condition-hint">Skriv for å søke i veilederens tilstander, og velg én.</p>
{{#if guide.error}}
<p class="field-error" id="guide-condition-error">{{guide.error}}</p>
{{/if}}
<input type="text" id="guide-condition" name="condition" list="guide-conditions" value="{{guide.value}}" autocomplete="off" aria-describedby="guide-condition-hint{{#if guide.error}} guide-condition-error{{/if}}"{{#if guide.error}} aria-invalid="true"{{/if}}>
<datalist id="guide-conditions">
{{#each guide.conditions}}
<option value="{{name}}"></option>
{{/each}}
</datalist>
</div>
<button type="submit">Vis veilederens forslag</button>
</form>
{{#if guide.selected}}
<div class="suggestion" id="guide-suggestion" role="status">
<h3>Forslag: {{guide.selected.name}}</h3>
{{#if guide.selected.granted}}
<p>Veiledende: <strong>rett til nødvendig helsehjelp</strong>, med frist for start av {{guide.selected.startOf}} senest <strong id="guide-latest-start">{{date guide.selected.latestStart}}</strong> ({{guide.selected.weeks}} uker fra i dag; siste virkedag innen fristen). Datoen er fylt inn i skjemaet for rett til helsehjelp.</p>
{{else}}
<p>Veiledende: <strong>ikke rett</strong> til nødvendig helsehjelp i spesialisthelsetjenesten.</p>
{{/if}}
{{#if guide.selected.factors.length}}
<p>Individuelle forhold som kan endre rett eller frist:</p>
<ul>{{#each guide.selected.factors}}<li>{{this}}</li>{{/each}}</ul>
{{/if}}
<p>Velger du annen rett eller annen frist, skriv hvorfor (individuell vurdering). Kilde: <a href="{{guide.selected.source.url}}">{{guide.selected.guideName}}</a>, {{date guide.selected.source.date}}.</p>
</div>
{{/if}}
</section>
{{/if}}
<section aria-labelledby="forms-title">
<h2 id="forms-title">Registrer vurdering</h2>
<p>Velg ett utfall og send inn skjemaet for det. Hvert utfall har sitt eget skjema.</p>
{{#if signedInAs}}
<p class="signed-in">Vurderingen registreres på deg: <strong>{{signedInAs}}</strong>.</p>
{{/if}}
{{#each forms}}
<section class="outcome" aria-labelledby="{{id}}-title">
<h3 id="{{id}}-title">{{title}}</h3>
{{#if intro}}
<p>{{intro}}</p>
{{/if}}
<form method="post" action="{{../formAction}}" id="{{id}}-form">
<input type="hidden" name="outcome" value="{{outcome}}">
{{#if condition}}
<input type="hidden" name="condition" value="{{condition}}">
{{/if}}
{{#if ../csrfToken}}
<input type="hidden" name="csrfToken" value="{{../csrfToken}}">
{{/if}}
{{#if careForm}}
{{> radioGroup group=careForm}}
{{/if}}
{{#each fields}}
{{> field field=this}}
{{/each}}
{{#if confirmDeadline}}
<div class="field confirm"><input type="checkbox" id="granted-confirmStartOfCareDeadline" name="{{confirmDeadline.name}}" value="{{confirmDeadline.value}}"> <label for="granted-confirmStartOfCareDeadline">{{confirmDeadline.label}}</label></div>
{{/if}}
<button type="submit">{{button}}</button>
</form>
</section>
{{/each}}
</section>
{{/if}}
{{/page}}
`;

const taskPageTemplate = htmlTemplate(TASK_PAGE);

// ---------------------------------------------------------------------------------------------
// The task page

export interface TaskPageInput {
  /** Not shown: the link is the credential, so the id stays out of the page text. */
  taskId: string;
  referral: {
    referralId: string;
    kind: ReferralSubmission["kind"];
    priority: ReferralSubmission["priority"];
    /** ISO instant of receipt; shown as the Oslo date. */
    receivedAt: string;
    assessmentDueDate: IsoDate;
    workingDaysLeft: number;
    /** The birth date (from the national ID) beside the name, so the right patient is assessed. */
    patient: { name: string; birthDate?: IsoDate };
    /** Under 18 on the day of receipt: the guideline's pathway is for adults. */
    under18?: boolean;
    /** Under 16 today: the parents get a copy of the answer (pbrl § 3-4). */
    under16?: boolean;
    /** The language the patient needs an interpreter for. */
    interpreterLanguage?: string;
    referrer: { name: string; organisation: string };
    diagnoses: { system: string; code: string; text?: string }[];
    reason: string;
    content: Partial<Record<ContentItem, string>>;
    flags: readonly string[];
    missingContent: readonly ContentItem[];
    /** For a forwarded referral: the ansiennitetsdato the clock counts from, and where it came from. */
    forwarded?: { ansiennitetsdato: IsoDate; previousInstitution: string };
    /** Flagged at risk of missing the deadline (at intake or by the timer). */
    atRisk?: boolean;
    /** The 10 working days passed without a decision. */
    deadlineBreached?: boolean;
    /**
     * An urgent referral's date for the faster assessment the law gives on suspicion of serious or
     * life-threatening illness (pbrl § 2-2), as the clinic sets it inside the 10 working days.
     */
    internalTargetDate?: IsoDate;
    /** Staff's changes of the priority, oldest first, with who, when and why. */
    priorityChanges?: readonly {
      from: ReferralSubmission["priority"];
      to: ReferralSubmission["priority"];
      reason: string;
      by: string;
      at: string;
    }[];
  };
  /** Where the forms post (POST /tasks/{taskId}/decision). */
  formAction: string;
  /** Where the priority form posts (POST /tasks/{taskId}/priority); absent, no priority form. */
  priorityAction?: string;
  /**
   * A secondary referral waiting for staff to confirm it concerns the condition already assessed:
   * the page asks that (POST to `action`) instead of showing the decision and priority forms.
   */
  secondaryConfirmation?: { action: string; previousDecisionRef: string; confirmBy: IsoDate };
  /** The task's anti-forgery token, put in a hidden field of every form. */
  csrfToken?: string;
  /**
   * The signed-in clinician ("Ola Haugen, psykolog"): the decision is theirs, so the forms ask no
   * "assessed by" field and say who decides instead.
   */
  signedInAs?: string;
  /**
   * The clinic's priority guide as decision support: its conditions for the searchable list, and the
   * picked condition with the suggestion counted from today (the latest start a working day).
   */
  guide?: {
    title: string;
    version: IsoDate;
    source: string;
    conditions: { id: string; name: string }[];
    /** The condition the portal proposed with the referral, if the table has it. */
    proposedByPortal?: string;
    /** What was picked when the table has no such condition (shown back with the error). */
    unknown?: string;
    selected?: {
      id: string;
      name: string;
      advisedRight: "granted" | "refused";
      weeks?: number;
      startOf?: "assessment" | "treatment";
      /** The guide the condition comes from, when not the table's own. */
      guide?: string;
      latestStart?: IsoDate;
      factors: string[];
      source: { url: string; date: IsoDate };
    };
  };
  /** Today in Oslo: the young-adult deadline suggestion counts from it. */
  today?: IsoDate;
  /** How many weeks out the page suggests the deadline for a young adult at risk (default 4). */
  youngAdultDeadlineWeeks?: number;
  /** The clinic's upper bound on the start-of-care deadline, in days (said in the hint). */
  maxDeadlineDays?: number;
  /** The Oslo date of the task's open information request, while no answer is recorded. */
  openRequestSince?: IsoDate;
  /** Issues from a rejected submission, shown in a summary and at their fields. */
  errors?: Issue[];
  /**
   * Warnings about the posted granted form's deadline: shown like errors, with a box confirming the
   * date (`confirmStartOfCareDeadline`, its value the date), so the next post records it.
   */
  warnings?: Issue[];
  /** What was submitted (its `outcome` names the form), so a rejected form comes back filled in. */
  values?: Record<string, string>;
}

/** The outcomes, each with its own form, in the order the page shows them. */
export const FORM_OUTCOMES = ["granted", "refused", "forwarded", "information-requested"] as const;
type FormOutcome = (typeof FORM_OUTCOMES)[number];

type FieldName =
  | "startOfCareDeadline"
  | "plannedStart"
  | "startNoticeBy"
  | "forwardToContact"
  | "justification"
  | "advice"
  | "forwardTo"
  | "question"
  | "deviationReason"
  | "assessedBy";

interface FieldDef {
  name: FieldName;
  label: string;
  hint?: string;
  type?: "text" | "date";
  multiline?: boolean;
  required?: boolean;
}

const ASSESSED_BY: FieldDef = {
  name: "assessedBy",
  label: "Vurdert av",
  hint: "Ditt HPR-nummer eller ansatt-ID.",
  type: "text",
  required: true,
};

/** The reason for departing from the guide's suggestion: shown with a condition picked. */
const DEVIATION_REASON: FieldDef = {
  name: "deviationReason",
  label: "Begrunnelse for avvik fra veilederen",
  hint: "Kreves når rett eller frist er en annen enn veilederens forslag: din individuelle vurdering av pasienten. Lagres med vurderingen, ikke i brevet.",
  multiline: true,
};

interface FormDef {
  title: string;
  intro?: string;
  button: string;
  careForm?: boolean;
  fields: FieldDef[];
}

const FORMS: Record<FormOutcome, FormDef> = {
  granted: {
    title: "Rett til nødvendig helsehjelp",
    button: "Registrer rett til helsehjelp",
    careForm: true,
    fields: [
      {
        name: "startOfCareDeadline",
        label: "Frist for igangsetting av helsehjelp",
        hint: "Den juridiske fristen, ÅÅÅÅ-MM-DD. Må være etter dagens dato.",
        type: "date",
        required: true,
      },
      {
        name: "plannedStart",
        label: "Planlagt oppstart",
        hint: "ÅÅÅÅ-MM-DD: fra i dag og senest på fristen. Pasienten skal få vite når helsehjelpen starter.",
        type: "date",
      },
      {
        name: "startNoticeBy",
        label: "Eller: pasienten får vite tidspunktet senest",
        hint: "Bare når oppstart ikke er planlagt ennå. ÅÅÅÅ-MM-DD, før fristen. Står i brevet til pasienten.",
        type: "date",
      },
      ASSESSED_BY,
    ],
  },
  refused: {
    title: "Avslag",
    button: "Registrer avslag",
    fields: [
      {
        name: "justification",
        label: "Faglig begrunnelse",
        hint: "Tas med i svarbrevet.",
        multiline: true,
        required: true,
      },
      {
        name: "advice",
        label: "Råd om videre oppfølging",
        hint: "Råd og anbefalinger til videre oppfølging i primærhelsetjenesten. Tas med i svarbrevet.",
        multiline: true,
        required: true,
      },
      ASSESSED_BY,
    ],
  },
  forwarded: {
    title: "Videresend henvisningen",
    intro: "Ansiennitetsdatoen følger henvisningen, og svarbrevet sier det.",
    button: "Registrer videresending",
    fields: [
      {
        name: "forwardTo",
        label: "Sendes til",
        hint: "Klinikken eller senteret som skal vurdere henvisningen.",
        type: "text",
        required: true,
      },
      {
        name: "forwardToContact",
        label: "Kontaktinformasjon til mottakende klinikk",
        hint: "Telefon og adresse. Står i brevet, så pasienten vet hvem som skal svare.",
        type: "text",
        required: true,
      },
      {
        name: "justification",
        label: "Begrunnelse for videresending",
        hint: "Tas med i svarbrevet.",
        multiline: true,
        required: true,
      },
      ASSESSED_BY,
    ],
  },
  "information-requested": {
    title: "Forespørsel til henviser",
    intro:
      "Be henviser om flere opplysninger. Dette er ikke en vurdering: oppgaven forblir åpen, og fristen for vurdering løper videre.",
    button: "Send forespørsel",
    fields: [
      {
        name: "question",
        label: "Spørsmål til henviser",
        hint: "Hva trenger inntaksteamet å vite? Teksten sendes til henviser.",
        multiline: true,
        required: true,
      },
      ASSESSED_BY,
    ],
  },
};

function errorsFor(errors: readonly Issue[], path: string): string | null {
  const messages = errors.filter((issue) => issue.path === path).map((issue) => issue.message);
  return messages.length > 0 ? messages.join(" ") : null;
}

function isFormOutcome(value: string | undefined): value is FormOutcome {
  return (FORM_OUTCOMES as readonly string[]).includes(value ?? "");
}

/** The view of one field of one outcome's form; ids are prefixed by the outcome, so they stay unique. */
function fieldView(
  outcome: FormOutcome,
  def: FieldDef,
  errors: readonly Issue[],
  values: Record<string, string>,
) {
  const id = `${outcome}-${def.name}`;
  const error = errorsFor(errors, def.name);
  const describedBy = [def.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return {
    ...def,
    type: def.type ?? "text",
    id,
    hintId: `${id}-hint`,
    errorId: `${id}-error`,
    value: values[def.name] ?? "",
    error,
    describedBy: describedBy || null,
    required: def.required ?? false,
  };
}

function careFormView(errors: readonly Issue[], values: Record<string, string>) {
  return {
    name: "careForm",
    legend: "Tilbudsform",
    error: errorsFor(errors, "careForm"),
    errorId: "granted-careForm-error",
    options: CARE_FORMS.map((form) => ({
      id: `granted-careForm-${form.key}`,
      value: form.key,
      label: capitalise(form.label),
      checked: values.careForm === form.key,
    })),
  };
}

/** Where the error summary links to: the field in the form that was posted. */
function anchorFor(outcome: FormOutcome | undefined, path: string): string | null {
  if (!outcome) return null;
  if (path === "careForm" && outcome === "granted") return `#granted-careForm-${CARE_FORMS[0].key}`;
  if (path === DEVIATION_REASON.name && (outcome === "granted" || outcome === "refused")) {
    return `#${outcome}-${path}`;
  }
  return FORMS[outcome].fields.some((field) => field.name === path) ? `#${outcome}-${path}` : null;
}

function daysLeftText(days: number): string {
  if (days > 1) return `${days} virkedager igjen`;
  if (days === 1) return "1 virkedag igjen";
  if (days === 0) return "fristen er i dag";
  return `fristen er passert med ${-days} ${days === -1 ? "virkedag" : "virkedager"}`;
}

/** The banner over the page: the deadline breached, or at risk. */
function bannerOf(referral: TaskPageInput["referral"]) {
  if (referral.deadlineBreached || referral.workingDaysLeft < 0) {
    return {
      kind: "breached",
      title: "Fristen for vurdering er passert",
      text: "Henvisningen skulle vært vurdert innen 10 virkedager. Vurder den så snart som mulig; lederen av inntaksmøtet er varslet.",
    };
  }
  if (referral.atRisk || referral.workingDaysLeft <= 2) {
    return {
      kind: "at-risk",
      title: "Fristen for vurdering er nær",
      text: "Henvisningen må vurderes snart for at fristen på 10 virkedager skal holdes.",
    };
  }
  return null;
}

/** Renders GET /tasks/{taskId} (and the same page with errors after a rejected POST). */
export function renderTaskPage(input: TaskPageInput): string {
  const { referral } = input;
  // Issues of the priority form (paths "priority.…") show at that form, not in the decision summary.
  const priorityErrors = (input.errors ?? []).filter((issue) => issue.path.startsWith("priority."));
  const errors = (input.errors ?? []).filter((issue) => !issue.path.startsWith("priority."));
  const values = input.values ?? {};
  const posted = isFormOutcome(values.outcome) ? values.outcome : undefined;
  const missing = new Set<ContentItem>(referral.missingContent);
  const contentItems = CONTENT_ITEMS.map((item) => {
    const text = referral.content[item.key];
    return { label: item.label, text, missing: missing.has(item.key) || !text };
  });
  const missingCount = contentItems.filter((item) => item.missing).length;
  const youngAdult = referral.flags.includes("young-adult-at-risk");
  const maxDeadlineDays = input.maxDeadlineDays ?? MAX_DEADLINE_DAYS;
  const selected = input.guide?.selected;

  const forms = FORM_OUTCOMES.map((outcome) => {
    // One open information request per task: while one is open, its form records the answer instead.
    if (outcome === "information-requested" && input.openRequestSince) {
      return {
        id: "information-received",
        outcome: "information-received",
        title: "Forespørsel til henviser",
        intro: `Henviser fikk en forespørsel om tilleggsopplysninger ${formatNorwegianDate(input.openRequestSince)}, og svaret er ikke registrert. Registrer svaret når det er kommet; først da kan du sende en ny forespørsel. Fristen løper uansett.`,
        button: "Registrer at svaret er mottatt",
        careForm: null,
        fields: [],
      };
    }
    const def = FORMS[outcome];
    // Only the form that was posted gets the errors and the values back.
    const ownErrors = outcome === posted ? [...errors, ...(input.warnings ?? [])] : [];
    const ownValues = outcome === posted ? values : {};
    // With a condition picked, a granted or refused decision may depart from the guide: its reason.
    const withReason =
      selected && (outcome === "granted" || outcome === "refused")
        ? [...def.fields.slice(0, -1), DEVIATION_REASON, ...def.fields.slice(-1)]
        : def.fields;
    const fields = withReason
      .filter((field) => !(input.signedInAs && field.name === "assessedBy"))
      .map((field) => fieldView(outcome, field, ownErrors, ownValues));
    if (outcome === "granted") {
      const deadline = fields.find((field) => field.name === "startOfCareDeadline");
      if (deadline) {
        deadline.hint = `Den juridiske fristen, ÅÅÅÅ-MM-DD: etter dagens dato og høyst ${maxDeadlineDays} dager fram i tid.`;
        if (youngAdult && input.today) {
          const weeks = input.youngAdultDeadlineWeeks ?? 4;
          const suggested = addDays(input.today, weeks * 7);
          deadline.hint = `Ung voksen med risiko for frafall fra skole eller arbeid: sett en kort frist. Forslag: ${weeks} uker, ${formatNorwegianDate(suggested)}. ${deadline.hint}`;
          if (posted !== "granted") deadline.value = suggested;
        }
        // The guide's latest start for the picked condition, prefilled; the assessor may change it.
        if (selected?.latestStart) {
          deadline.hint = `Veilederens forslag for «${selected.name}»: senest ${formatNorwegianDate(selected.latestStart)}. ${deadline.hint}`;
          if (posted !== "granted") deadline.value = selected.latestStart;
        }
      }
    }
    const warnedDeadline = values.startOfCareDeadline ?? "";
    return {
      id: outcome,
      outcome,
      condition: selected && outcome !== "information-requested" ? selected.id : null,
      title: def.title,
      intro: def.intro ?? null,
      button: def.button,
      careForm: def.careForm ? careFormView(ownErrors, ownValues) : null,
      fields,
      confirmDeadline:
        outcome === "granted" && posted === "granted" && (input.warnings ?? []).length > 0
          ? {
              name: CONFIRM_DEADLINE_FIELD,
              value: warnedDeadline,
              label: `Ja, fristen for igangsetting skal være ${/^\d{4}-\d{2}-\d{2}$/.test(warnedDeadline) ? formatNorwegianDate(warnedDeadline) : warnedDeadline}`,
            }
          : null,
    };
  });

  const conditionError = errorsFor(errors, "condition");
  return taskPageTemplate({
    guide: input.guide
      ? {
          ...input.guide,
          value: selected?.name ?? input.guide.unknown ?? "",
          error: conditionError,
          selected: selected
            ? {
                ...selected,
                granted: selected.advisedRight === "granted",
                startOf: selected.startOf === "assessment" ? "utredning" : "behandling",
                guideName: selected.guide ?? input.guide.title,
              }
            : null,
        }
      : null,
    errors: errors.map((issue) => ({
      message: issue.message,
      href: issue.path === "condition" && input.guide ? "#guide-condition" : anchorFor(posted, issue.path),
    })),
    warnings: posted === "granted" ? (input.warnings ?? []) : [],
    banner: bannerOf(referral),
    dueDate: formatNorwegianDate(referral.assessmentDueDate),
    daysLeft: daysLeftText(referral.workingDaysLeft),
    deadlineClose: referral.workingDaysLeft <= 2,
    referralId: referral.referralId,
    kind: KIND_LABELS[referral.kind],
    forwarded: referral.forwarded
      ? {
          ansiennitetsdato: formatNorwegianDate(referral.forwarded.ansiennitetsdato),
          previousInstitution: referral.forwarded.previousInstitution,
        }
      : null,
    priority: PRIORITY_LABELS[referral.priority],
    urgent: referral.priority === "urgent",
    internalTarget: referral.internalTargetDate ? formatNorwegianDate(referral.internalTargetDate) : null,
    priorityChanges: (referral.priorityChanges ?? []).map((change) => ({
      at: formatNorwegianDate(osloDate(new Date(change.at))),
      from: PRIORITY_LABELS[change.from].toLowerCase(),
      to: PRIORITY_LABELS[change.to].toLowerCase(),
      by: change.by,
      reason: change.reason,
    })),
    secondary: input.secondaryConfirmation
      ? {
          action: input.secondaryConfirmation.action,
          previousDecisionRef: input.secondaryConfirmation.previousDecisionRef,
          confirmBy: formatNorwegianDate(input.secondaryConfirmation.confirmBy),
        }
      : null,
    priorityForm:
      input.priorityAction && !input.secondaryConfirmation
        ? {
            action: input.priorityAction,
            to: referral.priority === "urgent" ? "ordinary" : "urgent",
            toLabel: PRIORITY_LABELS[referral.priority === "urgent" ? "ordinary" : "urgent"].toLowerCase(),
            error: priorityErrors.map((issue) => issue.message).join(" ") || null,
          }
        : null,
    receivedDate: formatNorwegianDate(osloDate(new Date(referral.receivedAt))),
    patient: referral.patient,
    referrer: referral.referrer,
    diagnoses: referral.diagnoses,
    flags: [
      ...(referral.under18
        ? ["Under 18 år ved mottak: utenfor veilederens pasientforløp for voksne; vurder barneklinikk"]
        : []),
      ...(referral.under16
        ? [
            "Under 16 år: foreldre eller andre med foreldreansvar får kopi av svaret i posten (pasient- og brukerrettighetsloven § 3-4)",
          ]
        : []),
      ...(referral.interpreterLanguage ? [`Trenger tolk: ${referral.interpreterLanguage}`] : []),
      ...referral.flags.map((flag) => FLAGS.find((known) => known.key === flag)?.label ?? flag),
    ],
    reason: referral.reason,
    contentSummary:
      missingCount === 0
        ? `Alle ${CONTENT_ITEMS.length} anbefalte opplysninger er med.`
        : `Mangler ${missingCount} av ${CONTENT_ITEMS.length} anbefalte opplysninger.`,
    contentItems,
    formAction: input.formAction,
    csrfToken: input.csrfToken ?? null,
    signedInAs: input.signedInAs ?? null,
    forms,
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
