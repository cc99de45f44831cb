/**
 * The task page's markup (Handlebars): the page and the two partials its forms use, the radio group
 * and the field. Kept apart from staff-pages.ts, which maps the page's input to what this shows.
 */
import { registerPartial } from "./engine";
import { registerReferralFacts } from "./referral-facts";

const RADIO_GROUP = `<fieldset{{#if group.error}} aria-describedby="{{group.errorId}}"{{/if}}>
<legend>{{group.legend}}</legend>
{{#if group.error}}
<p class="field-error" id="{{group.errorId}}">{{group.error}}</p>
{{/if}}
{{#each group.options}}
<div class="choice"><input type="radio" name="{{../group.name}}" id="{{id}}" value="{{value}}"{{#if checked}} checked{{/if}}> <label for="{{id}}">{{label}}</label></div>
{{/each}}
</fieldset>
`;

const FIELD = `<div class="field">
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
`;

/** Registers the partials the task page's forms use (idempotent: a partial registered again is replaced). */
export function registerTaskPagePartials(): void {
  registerPartial("radioGroup", RADIO_GROUP);
  registerPartial("field", FIELD);
  registerReferralFacts();
}

/** The task page (GET /tasks/{taskId}, and the same page shown again after a form's error). */
export const TASK_PAGE = `{{#> page title="Vurdering av henvisning"}}
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
<p><strong>{{date assessmentDueDate}}</strong>: {{daysLeft}}.</p>
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
{{> referralFacts}}
</dl>
<h3>Årsak til henvisning</h3>
<p class="text">{{reason}}</p>
{{#if attachments.length}}
<h3 id="attachments-title">Vedlegg</h3>
<ul class="attachments" aria-labelledby="attachments-title">
{{#each attachments}}
<li><a href="{{href}}">{{name}}</a> ({{type}}, {{size}})</li>
{{/each}}
</ul>
{{/if}}
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
