/** GET /agendas/{agendaId}: an intake meeting's agenda. It only reads: mail scanners follow links. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { html, internalError } from "../adapters/http";
import { logger } from "../adapters/logger";
import { referralStoreFromEnv } from "../adapters/wiring";
import { viewAgenda } from "../domain/agenda";
import { calendarRulesOf } from "../domain/clinic";
import { renderAgendaNotFoundPage, renderAgendaPage } from "../views/agenda-page";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  calendar: calendarRulesOf(clinicConfigFromEnv().legalClock),
};

/** Agenda ids are 32 random bytes in base64url; anything else is not looked up. */
const AGENDA_ID = /^[A-Za-z0-9_-]{16,128}$/;

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const agendaId = event.pathParameters?.agendaId ?? "";
  if (!AGENDA_ID.test(agendaId)) return html(404, renderAgendaNotFoundPage());
  try {
    const view = await viewAgenda(deps, agendaId);
    if (view.kind === "unknown") return html(404, renderAgendaNotFoundPage());
    return html(200, renderAgendaPage(view));
  } catch (error) {
    logger.error("showing an agenda failed", error);
    return internalError();
  }
};
