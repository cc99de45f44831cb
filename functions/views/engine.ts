/**
 * The one Handlebars setup for everything Frist renders: staff pages, staff emails and letters.
 * One environment, so the helpers and the shells are the same everywhere:
 * - `{{> page}}`: the page shell (doctype, no-index, no-referrer, the shared stylesheet), as a
 *   partial block around a page's body; `wide=true` for tables.
 * - `{{> emailHtml}}`: the HTML email and letter shell, as a partial block.
 * - `{{date iso}}` and `{{weekdayDate iso}}`: Norwegian dates (norwegian-time.ts).
 * - `{{multiline text}}`: escaped free text with its line breaks kept (HTML only).
 *
 * HTML templates escape every value; plain-text templates are compiled with `noEscape`, so "&"
 * stays "&" in a text letter. Nothing here decides anything: the domain decides, the views show.
 */
import Handlebars from "handlebars";
import { escapeHtml } from "./escape-html";
import { formatNorwegianDate, formatNorwegianWeekdayDate } from "./norwegian-time";

const hbs = Handlebars.create();

hbs.registerHelper("date", (iso: unknown) =>
  typeof iso === "string" && iso !== "" ? formatNorwegianDate(iso) : "",
);
hbs.registerHelper("weekdayDate", (iso: unknown) =>
  typeof iso === "string" && iso !== "" ? formatNorwegianWeekdayDate(iso) : "",
);
hbs.registerHelper(
  "multiline",
  (text: unknown) => new hbs.SafeString(escapeHtml(String(text ?? "")).replace(/\r?\n/g, "<br>\n")),
);

/** The stylesheet of every staff page. */
const PAGE_STYLES = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
main.wide { max-width: 72rem; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin-bottom: 0.25rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.5rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ccc; }
th { background: #f3f6fa; }
td ul { margin: 0; padding-left: 1.1rem; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.content dt { font-weight: 600; margin-top: 0.75rem; }
dt { font-weight: 600; }
dd { margin: 0; }
dd ul { margin: 0; padding-left: 1.1rem; }
.text { white-space: pre-line; }
.missing { color: #8a1c1c; }
.deadline { background: #f3f6fa; border-left: 4px solid #1f5fa8; padding: 0.5rem 1rem; }
.deadline.close { border-left-color: #b3261e; background: #fdf0ef; }
.close { color: #b3261e; font-weight: 600; }
.urgent { color: #b3261e; font-weight: 600; }
.visually-hidden { position: absolute; left: -10000px; }
.banner { border: 3px solid #b3261e; background: #fdf0ef; padding: 0.5rem 1rem; margin: 1rem 0; }
.banner.at-risk { border-color: #b36b00; background: #fff6e5; }
.banner h2 { margin: 0; border: 0; font-size: 1.1rem; }
ul.flags { margin: 0; padding-left: 1.1rem; }
ul.flags li { font-weight: 600; color: #7a2e00; }
section.outcome { border: 1px solid #bbb; border-radius: 4px; padding: 0 1rem 1rem; margin: 1.5rem 0; }
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
.scroll { overflow-x: auto; }
figure.chart { margin: 1rem 0; }
figure.chart svg { max-width: 100%; height: auto; }
select { font: inherit; padding: 0.3rem; }
tr.total th, tr.total td { font-weight: 700; }
.staff-header { background: #f3f6fa; border-bottom: 1px solid #ccc; padding: 0.5rem 1.25rem; display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center; justify-content: space-between; }
.staff-nav { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
.staff-nav a { display: inline-block; padding: 0.35rem 0; color: #1a4f8b; }
.staff-nav a[aria-current="page"] { font-weight: 700; color: #1a1a1a; }
.signed-in-as { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.signed-in-as form { margin: 0; }
button.secondary { background: #fff; color: #1a4f8b; border: 1px solid #1a4f8b; padding: 0.3rem 0.8rem; }
.skip-link { position: absolute; left: -10000px; }
.skip-link:focus { position: static; }
@media print { .staff-header { display: none; } }
`;

/**
 * Where the page shell leaves room for the staff navigation bar (views/staff-nav.ts), filled by the
 * route wrapper for a signed-in member of staff; an HTML comment, so nothing shows when it is not.
 */
export const STAFF_NAV_SLOT = "<!--frist:staff-nav-->";

hbs.registerPartial(
  "page",
  `<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{{title}} – Frist</title>
<style>${PAGE_STYLES}</style>
</head>
<body>
${STAFF_NAV_SLOT}
<main id="main"{{#if wide}} class="wide"{{/if}}>
{{> @partial-block}}
</main>
</body>
</html>
`,
);

hbs.registerPartial(
  "emailHtml",
  `<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>{{subject}}</title>
</head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1a1a1a; max-width: 42em; margin: 0 auto; padding: 1em;">
{{> @partial-block}}
</body>
</html>
`,
);

/** Registers a partial of a view module (a repeated block of one page, e.g. a form field). */
export function registerPartial(name: string, source: string): void {
  hbs.registerPartial(name, source);
}

/** Compiles an HTML template (values escaped). */
export function htmlTemplate(source: string): HandlebarsTemplateDelegate {
  return hbs.compile(source, { strict: false });
}

/** Compiles a plain-text template (values as they are: a text body has nothing to escape). */
export function textTemplate(source: string): HandlebarsTemplateDelegate {
  return hbs.compile(source, { noEscape: true });
}
