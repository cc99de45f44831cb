/** GET /agendas/{agendaId}: an intake meeting's agenda. It only reads: mail scanners follow links. */
import { apiRoute, html } from "../adapters/http";
import { dependencies } from "../adapters/root";
import { viewAgenda } from "../domain/agenda";
import { renderAgendaNotFoundPage, renderAgendaPage } from "../views/agenda-page";

const deps = dependencies("store", "clock", "calendar");

/** Agenda ids are 32 random bytes in base64url; anything else is not looked up. */
const AGENDA_ID = /^[A-Za-z0-9_-]{16,128}$/;

export const handler = apiRoute({ name: "showing an agenda", page: true }, async ({ event }) => {
  const agendaId = event.pathParameters?.agendaId ?? "";
  if (!AGENDA_ID.test(agendaId)) return html(404, renderAgendaNotFoundPage());
  const view = await viewAgenda(deps, agendaId);
  if (view.kind === "unknown") return html(404, renderAgendaNotFoundPage());
  return html(200, renderAgendaPage(view));
});
