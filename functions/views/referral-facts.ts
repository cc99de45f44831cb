/**
 * The referral's facts as staff read them (patient, referrer, diagnoses, special needs): the same
 * lines of a summary list on the task page and on the staff referral page, kept in one partial so the
 * two pages cannot come to show them differently.
 */
import { registerPartial } from "./engine";

const REFERRAL_FACTS = `<dt>Pasient</dt><dd>{{patient.name}}{{#if patient.birthDate}}, født {{date patient.birthDate}}{{/if}}</dd>
<dt>Henviser</dt><dd>{{referrer.name}}, {{referrer.organisation}}</dd>
<dt>Diagnoser</dt>
<dd>{{#if diagnoses.length}}<ul>
{{#each diagnoses}}
<li>{{system}} {{code}}{{#if text}}: {{text}}{{/if}}</li>
{{/each}}
</ul>{{else}}Ingen oppgitt (viderehenvisning: se den opprinnelige henvisningen){{/if}}</dd>
<dt>Særlige hensyn</dt>
<dd>{{#if flags.length}}<ul class="flags">{{#each flags}}<li>{{this}}</li>{{/each}}</ul>{{else}}Ingen{{/if}}</dd>
`;

/**
 * Registers the `referralFacts` partial (idempotent). Called, not imported for its effect: the
 * package is marked free of side effects, so a bundler drops an import that binds nothing.
 */
export function registerReferralFacts(): void {
  registerPartial("referralFacts", REFERRAL_FACTS);
}
