/**
 * Scheduled (EventBridge, every 15 minutes): sends each upcoming intake meeting's team one neutral
 * email with the agenda link, once per meeting, within the clinic's agenda lead time.
 */

import { workflowStep } from "../adapters/invocation";
import { logger } from "../adapters/logger";
import {
  clock,
  config,
  dependencies,
  mailer,
  publicBaseUrl,
  renderAgendaEmail,
  store,
} from "../adapters/root";
import { sendAgendas } from "../domain/agenda";

const deps = dependencies(store, clock, mailer, renderAgendaEmail, config, publicBaseUrl);

export const handler = workflowStep(async (_event?: unknown) => {
  const result = await sendAgendas(deps);
  if (result.meetingIds.length > 0) {
    logger.info("agendas sent", { meetings: result.meetingIds.length, emails: result.emails });
  }
  return result;
});
