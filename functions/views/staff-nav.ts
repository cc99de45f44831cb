/**
 * The navigation bar around every staff page: a skip link, the places the person's roles work in
 * (home, meetings, letters, Helfo, statistics), who is signed in and a sign-out button (a form post
 * with the session's anti-forgery token, as /auth/logout asks). The page shell (engine.ts) leaves a
 * slot for it right after `<body>`; the route wrapper (functions/adapters/http.ts) fills it for every
 * page answered to a signed-in member of staff, so no page can forget it. Plain links and one form:
 * usable by keyboard alone, wraps at 320 px, and left out of print (the postal letter).
 */
import type { StaffRole } from "../domain/session";
import { htmlTemplate, STAFF_NAV_SLOT } from "./engine";

export { STAFF_NAV_SLOT };

/** One place in the bar: its label, its path under the API and the roles that work there. */
const PLACES: readonly { label: string; path: string; roles: readonly StaffRole[] }[] = [
  { label: "Oversikt", path: "/staff", roles: ["assessor", "lead", "clerk", "operations"] },
  { label: "Inntaksmøter", path: "/staff#meetings-title", roles: ["assessor", "lead"] },
  { label: "Brev til postlegging", path: "/letters", roles: ["clerk", "lead"] },
  { label: "Fristbrudd til Helfo", path: "/helfo-notifications", roles: ["clerk", "lead"] },
  { label: "Statistikk", path: "/statistics", roles: ["lead", "operations"] },
];

/** How a role is called in the bar. */
const ROLE_LABELS: Record<StaffRole, string> = {
  assessor: "vurderer",
  lead: "leder",
  clerk: "merkantil",
  operations: "drift",
};

const NAV = `<header class="staff-header">
<a class="skip-link" href="#main">Hopp til innholdet</a>
<nav aria-label="Hovedmeny">
<ul class="staff-nav">
{{#each places}}
<li><a href="{{href}}"{{#if current}} aria-current="page"{{/if}}>{{label}}</a></li>
{{/each}}
</ul>
</nav>
<div class="signed-in-as">
<span>Logget inn som <strong>{{name}}</strong>{{#if roles}} ({{roles}}){{/if}}</span>
<form method="post" action="{{logoutAction}}">
<input type="hidden" value="{{csrfToken}}" name="csrfToken">
<button type="submit" class="secondary">Logg ut</button>
</form>
</div>
</header>`;

// The sign-out's token is written value first: the first `name="csrfToken" value="…"` of a page stays
// the page's own form's (a task page's token is the task's, not the session's), which is what the
// local simulator and scripts read.
const navTemplate = htmlTemplate(NAV);

/** Who the bar is for, and where the API lives. */
export interface StaffNavInput {
  name: string;
  roles: readonly StaffRole[];
  csrfToken: string;
  /** The API's base path ("" locally or behind a custom domain, "/prod" on the execute-api host). */
  basePath: string;
  /** The request's path under the API (e.g. "/staff"), marked as the current place. */
  currentPath?: string;
}

/** The bar for a signed-in member of staff: only the places their roles work in. */
export function renderStaffNav(input: StaffNavInput): string {
  const places = PLACES.filter((place) => place.roles.some((role) => input.roles.includes(role))).map(
    (place) => ({
      label: place.label,
      href: `${input.basePath}${place.path}`,
      current: place.path === input.currentPath,
    }),
  );
  return navTemplate({
    places,
    name: input.name,
    roles: input.roles.map((role) => ROLE_LABELS[role]).join(", "),
    csrfToken: input.csrfToken,
    logoutAction: `${input.basePath}/auth/logout`,
  });
}

/** The page with the bar in its slot; a page without the slot (not from the page shell) as it is. */
export function withStaffNav(page: string, nav: string): string {
  return page.includes(STAFF_NAV_SLOT) ? page.replace(STAFF_NAV_SLOT, () => nav) : page;
}
