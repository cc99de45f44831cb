/**
 * Scheduled (EventBridge, every 15 minutes): sends each upcoming intake meeting's team one neutral
 * email with the agenda link, once per meeting, within the clinic's agenda lead time.
 */
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv, requireEnv } from "../adapters/env";
import { logger } from "../adapters/logger";
import { mailerFromEnv, referralStoreFromEnv } from "../adapters/wiring";
import { sendAgendas } from "../domain/agenda";

const deps = {
  store: referralStoreFromEnv(),
  clock: systemClock,
  mailer: mailerFromEnv(),
  config: clinicConfigFromEnv(),
  publicBaseUrl: requireEnv("PUBLIC_BASE_URL"),
};

export const handler = async (_event?: unknown) => {
  const result = await sendAgendas(deps);
  if (result.meetingIds.length > 0) {
    logger.info("agendas sent", { meetings: result.meetingIds.length, emails: result.emails });
  }
  return result;
};
