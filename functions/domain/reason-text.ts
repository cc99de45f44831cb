/**
 * What a free-text reason must hold to count as one: the justification and advice of a refusal, the
 * justification of a forward, the reason for a changed priority. These texts reach the patient's and
 * the referrer's letters and the audit trail, and a complaint is judged on them, so "." or "ok" is
 * no reason.
 *
 * The rule, after trimming and collapsing whitespace: at least {@link MIN_REASON_CHARS} characters
 * and at least {@link MIN_REASON_WORDS} words of letters (a word: two or more letters, with inner
 * hyphens or apostrophes allowed, so "Ikke indikasjon for tverrfaglig" passes and "Se j." does not).
 * Short enough for the terse sentence a clinician writes ("Kan følges opp av fastlege."), long
 * enough to refuse a placeholder. It cannot tell sense from nonsense; it stops the empty gesture.
 */

/** The fewest characters of a reason, whitespace collapsed. */
export const MIN_REASON_CHARS = 20;
/** The fewest words of letters in a reason. */
export const MIN_REASON_WORDS = 3;

/** A word: a run of two or more letters (marks, inner hyphens and apostrophes allowed). */
const WORD = /\p{L}[\p{L}\p{M}'’-]*\p{L}/gu;

/** The number of words of letters in `text`. */
export function letterWordCount(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/** Whether `text` is a meaningful reason by the rule above. */
export function isMeaningfulReason(text: string): boolean {
  const collapsed = text.trim().replace(/\s+/g, " ");
  return collapsed.length >= MIN_REASON_CHARS && letterWordCount(collapsed) >= MIN_REASON_WORDS;
}

/** The Norwegian message for a reason that is too short, naming the field (e.g. "Begrunnelsen"). */
export function tooShortReasonMessage(field: string): string {
  return `${field} må ha minst ${MIN_REASON_CHARS} tegn og minst ${MIN_REASON_WORDS} ord: skriv en setning som forklarer`;
}
