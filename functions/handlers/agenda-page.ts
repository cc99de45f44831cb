/**
 * GET /agendas/{agendaId}: an intake meeting's agenda, for a signed-in assessor or lead. Each
 * referral on it is a view of health data, logged. It changes nothing else: mail scanners follow links.
 */
import { apiRoute, html } from "../adapters/http";
import { accessLog, calendar, clock, dependencies, store } from "../adapters/root";
import { accessEventOf } from "../domain/access-log";
import { viewAgenda } from "../domain/agenda";
import { renderAgendaNotFoundPage, renderAgendaPage } from "../views/agenda-page";

const deps = dependencies(store, clock, calendar, accessLog);

/** Agenda ids are 32 random bytes in base64url; anything else is not looked up. */
const AGENDA_ID = /^[A-Za-z0-9_-]{16,128}$/;

export const handler = apiRoute(
  { name: "agenda", page: true, access: { roles: ["assessor", "lead"] } },
  async ({ event, session }) => {
    const agendaId = event.pathParameters?.agendaId ?? "";
    if (!AGENDA_ID.test(agendaId)) return html(404, renderAgendaNotFoundPage());
    const view = await viewAgenda(deps, agendaId);
    if (view.kind === "unknown") return html(404, renderAgendaNotFoundPage());
    if (session) {
      const at = deps.clock.now();
      await Promise.all(
        view.rows.map((row) =>
          deps.accessLog.record(
            accessEventOf(session.principal, { referralId: row.referral.referralId, what: "agenda", at }),
          ),
        ),
      );
    }
    return html(200, renderAgendaPage(view));
  },
);
