/**
 * The one HTML escape for markup written outside a template (the statistics chart's SVG, the local
 * runtime's pages): the template engine's own, so a value is escaped the same way in a template
 * (`{{value}}`) and out of one, and the escaping is the engine's maintained code, not a copy of it.
 */
import Handlebars from "handlebars";

/** `text` safe in HTML element content and in a quoted attribute value (& < > " ' ` = escaped). */
export function escapeHtml(text: string): string {
  return Handlebars.Utils.escapeExpression(text);
}
