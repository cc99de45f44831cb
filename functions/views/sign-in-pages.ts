/** The sign-in pages of Frist: who is signed in (with sign-out), signed out, and a failed sign-in. */
import { htmlTemplate } from "./engine";

const SESSION_PAGE = `{{#> page title=title}}
<h1>{{title}}</h1>
{{#if person}}
<p>Du er logget inn som <strong>{{person}}</strong>{{#if roles}} ({{roles}}){{/if}}.</p>
<form method="post" action="{{logoutAction}}">
<input type="hidden" name="csrfToken" value="{{csrfToken}}">
<button type="submit">Logg ut</button>
</form>
{{else}}
<p>Du er ikke logget inn.</p>
<p><a href="{{loginHref}}">Logg inn</a></p>
{{/if}}
{{/page}}
`;

const sessionPage = htmlTemplate(SESSION_PAGE);

/** Who is signed in, with a sign-out form; or a sign-in link when no one is. */
export function renderSessionPage(
  input:
    | { person: string; roles: string; csrfToken: string; logoutAction: string }
    | { person?: undefined; loginHref: string },
): string {
  return sessionPage({ title: input.person ? "Innlogget" : "Ikke innlogget", ...input });
}
