/**
 * The clerk's postal pages: the letters waiting to be posted (GET /letters?status=awaiting-postal),
 * each with a link to its printable letter (GET /letters/{letterId}/print) and a form that marks it
 * sent (POST /letters/{letterId}/sent). The list shows what posting needs (reference, letter,
 * recipient, the patient's address, since when), never the letter's text.
 */
import { osloDate } from "../domain/calendar";
import type { PostalLetter } from "../domain/postal";
import { htmlTemplate } from "./engine";

const PAGE = `{{#> page title="Brev til postlegging" wide=true}}
<h1>Brev til postlegging</h1>
{{#if notice}}
<div class="banner at-risk" role="status"><h2>{{notice}}</h2></div>
{{/if}}
<p>Brev til mottakere uten e-postadresse. Skriv ut brevet, legg det i posten, og merk det som sendt.</p>
{{#if rows.length}}
<table>
<thead><tr><th scope="col">Venter siden</th><th scope="col">Henvisning</th><th scope="col">Brev</th><th scope="col">Til</th><th scope="col">Adresse</th><th scope="col">Utskrift</th><th scope="col">Postlagt</th></tr></thead>
<tbody>
{{#each rows}}
<tr>
<td>{{date waitingSince}}</td>
<td>{{referralId}}</td>
<td>{{subject}}</td>
<td>{{recipient}}</td>
<td>{{#if address}}{{address.line1}}<br>{{address.postalCode}} {{address.city}}{{else}}Se brevet{{/if}}</td>
<td><a href="{{printHref}}">Skriv ut</a></td>
<td><form method="post" action="{{sentAction}}"><input type="hidden" name="csrfToken" value="{{../csrfToken}}"><button type="submit">Merk som sendt</button></form></td>
</tr>
{{/each}}
</tbody>
</table>
{{else}}
<p>Ingen brev venter på postlegging.</p>
{{/if}}
{{#if nextHref}}
<p><a href="{{nextHref}}">Neste side</a></p>
{{/if}}
{{/page}}
`;

const template = htmlTemplate(PAGE);

const RECIPIENT_LABELS: Record<PostalLetter["recipientRole"], string> = {
  referrer: "Henviser",
  patient: "Pasient",
  gp: "Fastlege",
  guardian: "Foreldre/foresatte",
};

/** Where a letter's print page and its "sent" form are, relative to the list (GET /letters). */
export const postalLinks = (letterId: string) => ({
  print: `letters/${encodeURIComponent(letterId)}/print`,
  sent: `letters/${encodeURIComponent(letterId)}/sent`,
});

/** Renders one page of the postal list for a signed-in clerk or lead. */
export function renderPostalListPage(input: {
  letters: readonly PostalLetter[];
  /** The session's anti-forgery token, in every "sent" form. */
  csrfToken: string;
  nextCursor?: string;
  notice?: string;
}): string {
  return template({
    notice: input.notice,
    csrfToken: input.csrfToken,
    rows: input.letters.map((letter) => ({
      waitingSince: osloDate(new Date(letter.createdAt)),
      referralId: letter.referralId,
      subject: letter.subject,
      recipient: RECIPIENT_LABELS[letter.recipientRole],
      address: letter.postalAddress,
      printHref: postalLinks(letter.letterId).print,
      sentAction: postalLinks(letter.letterId).sent,
    })),
    nextHref: input.nextCursor
      ? `letters?${new URLSearchParams({ status: "awaiting-postal", cursor: input.nextCursor })}`
      : undefined,
  });
}
