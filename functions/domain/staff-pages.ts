/**
 * The pages intake staff see: the task page (summary, missing content, deadline and the decision
 * form), the page for a task that is gone, and the confirmation. Server-rendered, escaped, Norwegian,
 * and usable without JavaScript: one form, one POST, labels on every field and errors next to them.
 */
import Handlebars from "handlebars";
import { type IsoDate, osloDate } from "./calendar";
import { CARE_FORMS, OUTCOME_LABELS } from "./decision";
import { formatNorwegianDate } from "./letters";
import {
  CONTENT_ITEMS,
  type ContentItem,
  FLAGS,
  KIND_LABELS,
  PRIORITY_LABELS,
  type ReferralSubmission,
} from "./referral";
import type { Issue } from "./validation";

const env = Handlebars.create();

const STYLES = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin-bottom: 0.25rem; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.content dt { font-weight: 600; margin-top: 0.75rem; }
dt { font-weight: 600; }
dd { margin: 0; }
dd ul { margin: 0; padding-left: 1.1rem; }
.text { white-space: pre-line; }
.missing { color: #8a1c1c; }
.deadline { background: #f3f6fa; border-left: 4px solid #1f5fa8; padding: 0.5rem 1rem; }
.deadline.close { border-left-color: #b3261e; background: #fdf0ef; }
.urgent { color: #b3261e; }
fieldset { border: 1px solid #bbb; padding: 0.75rem 1rem; margin: 1rem 0; }
legend { font-weight: 600; padding: 0 0.25rem; }
.field { margin: 1rem 0; }
label { display: block; font-weight: 600; }
.choice { margin: 0.25rem 0; }
.choice label { display: inline; font-weight: normal; }
input[type="text"], input[type="date"], textarea { font: inherit; padding: 0.4rem; border: 1px solid #666; max-width: 100%; box-sizing: border-box; }
textarea { width: 100%; min-height: 8rem; }
.hint { color: #555; margin: 0.1rem 0 0.3rem; }
.field-error { color: #b3261e; font-weight: 600; margin: 0.25rem 0; }
[aria-invalid="true"] { border: 2px solid #b3261e; }
.error-summary { border: 3px solid #b3261e; padding: 0.5rem 1rem; margin: 1rem 0; }
button { font: inherit; padding: 0.6rem 1.2rem; background: #1f5fa8; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
a:focus, input:focus, textarea:focus, button:focus { outline: 3px solid #f2a900; outline-offset: 2px; }
`;

env.registerPartial(
  "layout",
  `<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{{title}} – Frist</title>
<style>${STYLES}</style>
</head>
<body>
<main>
{{> @partial-block}}
</main>
</body>
</html>
`,
);

env.registerPartial(
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

env.registerPartial(
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
<textarea id="{{field.id}}" name="{{field.name}}" rows="6"{{#if field.describedBy}} aria-describedby="{{field.describedBy}}"{{/if}}{{#if field.error}} aria-invalid="true"{{/if}}>{{field.value}}</textarea>
{{else}}
<input type="{{field.type}}" id="{{field.id}}" name="{{field.name}}" value="{{field.value}}"{{#if field.describedBy}} aria-describedby="{{field.describedBy}}"{{/if}}{{#if field.error}} aria-invalid="true"{{/if}}>
{{/if}}
</div>
`,
);

const TASK_PAGE = `{{#> layout title="Vurdering av henvisning"}}
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
<section class="deadline{{#if deadlineClose}} close{{/if}}" aria-labelledby="deadline-title">
<h2 id="deadline-title">Frist for vurdering</h2>
<p><strong>{{dueDate}}</strong>: {{daysLeft}}.</p>
</section>

<section aria-labelledby="summary-title">
<h2 id="summary-title">Henvisningen</h2>
<dl class="summary">
<dt>Referanse</dt><dd>{{referralId}}</dd>
<dt>Type</dt><dd>{{kind}}</dd>
<dt>Prioritet</dt><dd>{{#if urgent}}<strong class="urgent">{{priority}}</strong>{{else}}{{priority}}{{/if}}</dd>
<dt>Mottatt</dt><dd>{{receivedDate}}</dd>
<dt>Pasient</dt><dd>{{patient.name}}{{#if patient.birthYear}} (født {{patient.birthYear}}){{/if}}</dd>
<dt>Henviser</dt><dd>{{referrer.name}}, {{referrer.organisation}}</dd>
<dt>Diagnoser</dt>
<dd><ul>
{{#each diagnoses}}
<li>{{system}} {{code}}{{#if text}}: {{text}}{{/if}}</li>
{{/each}}
</ul></dd>
<dt>Særlige hensyn</dt>
<dd>{{#if flags.length}}<ul>{{#each flags}}<li>{{this}}</li>{{/each}}</ul>{{else}}Ingen{{/if}}</dd>
</dl>
<h3>Årsak til henvisning</h3>
<p class="text">{{reason}}</p>
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

<section aria-labelledby="form-title">
<h2 id="form-title">Registrer vurdering</h2>
<form method="post" action="{{formAction}}">
{{> radioGroup group=outcome}}
<fieldset>
<legend>Ved rett til nødvendig helsehjelp</legend>
{{> radioGroup group=careForm}}
{{> field field=fields.startOfCareDeadline}}
{{> field field=fields.plannedStart}}
</fieldset>
<fieldset>
<legend>Ved avslag</legend>
{{> field field=fields.justification}}
{{> field field=fields.advice}}
</fieldset>
{{> field field=fields.assessedBy}}
<button type="submit">Registrer vurdering</button>
</form>
</section>
{{/layout}}
`;

const MESSAGE_PAGE = `{{#> layout title=title}}
<h1>{{title}}</h1>
{{#each paragraphs}}
<p>{{this}}</p>
{{/each}}
{{/layout}}
`;

const taskPageTemplate = env.compile(TASK_PAGE);
const messagePageTemplate = env.compile(MESSAGE_PAGE);

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
    patient: { name: string; birthYear?: number };
    referrer: { name: string; organisation: string };
    diagnoses: { system: string; code: string; text?: string }[];
    reason: string;
    content: Partial<Record<ContentItem, string>>;
    flags: readonly string[];
    missingContent: readonly ContentItem[];
  };
  /** Where the form posts (POST /tasks/{taskId}/decision). */
  formAction: string;
  /** Issues from a rejected submission, shown in a summary and at their fields. */
  errors?: Issue[];
  /** What was submitted, so a rejected form comes back filled in. */
  values?: Record<string, string>;
}

type FieldName = "startOfCareDeadline" | "plannedStart" | "justification" | "advice" | "assessedBy";

const FIELDS: Record<
  FieldName,
  { label: string; hint?: string; type?: "text" | "date"; multiline?: boolean }
> = {
  startOfCareDeadline: {
    label: "Frist for igangsetting av helsehjelp",
    hint: "Den juridiske fristen, ÅÅÅÅ-MM-DD. Må være etter dagens dato.",
    type: "date",
  },
  plannedStart: {
    label: "Planlagt oppstart (valgfritt)",
    hint: "ÅÅÅÅ-MM-DD, senest på fristen.",
    type: "date",
  },
  justification: { label: "Faglig begrunnelse", hint: "Tas med i svarbrevet.", multiline: true },
  advice: {
    label: "Råd om videre oppfølging",
    hint: "Råd og anbefalinger til videre oppfølging i primærhelsetjenesten. Tas med i svarbrevet.",
    multiline: true,
  },
  assessedBy: { label: "Vurdert av", hint: "Ditt HPR-nummer eller ansatt-ID.", type: "text" },
};

/** Outcomes the form offers. Forwarding is not wired through the workflow yet. */
const FORM_OUTCOMES = ["granted", "refused"] as const;

function errorsFor(errors: readonly Issue[], path: string): string | null {
  const messages = errors.filter((issue) => issue.path === path).map((issue) => issue.message);
  return messages.length > 0 ? messages.join(" ") : null;
}

function fieldView(name: FieldName, errors: readonly Issue[], values: Record<string, string>) {
  const def = FIELDS[name];
  const error = errorsFor(errors, name);
  const describedBy = [def.hint ? `hint-${name}` : "", error ? `error-${name}` : ""]
    .filter(Boolean)
    .join(" ");
  return {
    ...def,
    name,
    type: def.type ?? "text",
    id: `field-${name}`,
    hintId: `hint-${name}`,
    errorId: `error-${name}`,
    value: values[name] ?? "",
    error,
    describedBy: describedBy || null,
  };
}

function radioGroupView(
  name: "outcome" | "careForm",
  legend: string,
  options: readonly { key: string; label: string }[],
  errors: readonly Issue[],
  values: Record<string, string>,
) {
  return {
    name,
    legend,
    error: errorsFor(errors, name),
    errorId: `error-${name}`,
    options: options.map((option) => ({
      id: `${name}-${option.key}`,
      value: option.key,
      label: option.label,
      checked: values[name] === option.key,
    })),
  };
}

/** Where the error summary links to, per field path. */
function anchorFor(path: string): string | null {
  if (path === "outcome") return `#outcome-${FORM_OUTCOMES[0]}`;
  if (path === "careForm") return `#careForm-${CARE_FORMS[0].key}`;
  return path in FIELDS ? `#field-${path}` : null;
}

function daysLeftText(days: number): string {
  if (days > 1) return `${days} virkedager igjen`;
  if (days === 1) return "1 virkedag igjen";
  if (days === 0) return "fristen er i dag";
  return `fristen er passert med ${-days} ${days === -1 ? "virkedag" : "virkedager"}`;
}

/** Renders GET /tasks/{taskId} (and the same page with errors after a rejected POST). */
export function renderTaskPage(input: TaskPageInput): string {
  const { referral } = input;
  const errors = input.errors ?? [];
  const values = input.values ?? {};
  const missing = new Set<ContentItem>(referral.missingContent);
  const contentItems = CONTENT_ITEMS.map((item) => {
    const text = referral.content[item.key];
    return { label: item.label, text, missing: missing.has(item.key) || !text };
  });
  const missingCount = contentItems.filter((item) => item.missing).length;

  return taskPageTemplate({
    errors: errors.map((issue) => ({ message: issue.message, href: anchorFor(issue.path) })),
    dueDate: formatNorwegianDate(referral.assessmentDueDate),
    daysLeft: daysLeftText(referral.workingDaysLeft),
    deadlineClose: referral.workingDaysLeft <= 2,
    referralId: referral.referralId,
    kind: KIND_LABELS[referral.kind],
    priority: PRIORITY_LABELS[referral.priority],
    urgent: referral.priority === "urgent",
    receivedDate: formatNorwegianDate(osloDate(new Date(referral.receivedAt))),
    patient: referral.patient,
    referrer: referral.referrer,
    diagnoses: referral.diagnoses,
    flags: referral.flags.map((flag) => FLAGS.find((known) => known.key === flag)?.label ?? flag),
    reason: referral.reason,
    contentSummary:
      missingCount === 0
        ? `Alle ${CONTENT_ITEMS.length} anbefalte opplysninger er med.`
        : `Mangler ${missingCount} av ${CONTENT_ITEMS.length} anbefalte opplysninger.`,
    contentItems,
    formAction: input.formAction,
    outcome: radioGroupView(
      "outcome",
      "Utfall",
      FORM_OUTCOMES.map((key) => ({ key, label: OUTCOME_LABELS[key] })),
      errors,
      values,
    ),
    careForm: radioGroupView(
      "careForm",
      "Tilbudsform",
      CARE_FORMS.map((form) => ({ key: form.key, label: capitalise(form.label) })),
      errors,
      values,
    ),
    fields: {
      startOfCareDeadline: fieldView("startOfCareDeadline", errors, values),
      plannedStart: fieldView("plannedStart", errors, values),
      justification: fieldView("justification", errors, values),
      advice: fieldView("advice", errors, values),
      assessedBy: fieldView("assessedBy", errors, values),
    },
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Gone and done

const GONE_PAGES = {
  answered: {
    title: "Denne oppgaven er allerede behandlet",
    paragraphs: [
      "Vurderingen av denne henvisningen er allerede registrert, og svarbrevet er på vei.",
      "Du trenger ikke gjøre noe mer.",
    ],
  },
  expired: {
    title: "Denne oppgaven er utløpt",
    paragraphs: [
      "Oppgaven kan ikke lenger besvares via denne lenken.",
      "Kontakt den som leder inntaksmøtet dersom henvisningen fortsatt skal vurderes.",
    ],
  },
  unknown: {
    title: "Fant ikke oppgaven",
    paragraphs: [
      "Lenken er ugyldig eller ufullstendig.",
      "Kontroller at hele lenken fra e-posten er med, eller kontakt den som leder inntaksmøtet.",
    ],
  },
} as const;

/** The page for a task that can no longer be answered (410), or was never there. */
export function renderTaskGonePage(input: { reason: "answered" | "expired" | "unknown" }): string {
  return messagePageTemplate(GONE_PAGES[input.reason]);
}

/** The confirmation after a decision was recorded. */
export function renderDecisionRecordedPage(input: { referralId: string }): string {
  return messagePageTemplate({
    title: "Vurderingen er registrert",
    paragraphs: [
      `Vurderingen av henvisning ${input.referralId} er registrert.`,
      "Svarbrev sendes til henviser med kopi til pasient og fastlege. Du kan lukke denne siden.",
    ],
  });
}
