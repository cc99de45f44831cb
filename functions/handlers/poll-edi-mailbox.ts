/**
 * Scheduled: reads the clinic's EDI 2.0 mailbox at Norsk Helsenett (poll, fetch, receive, AppRec,
 * mark read), as POST /messages receives a delivery.
 */
import { ediFromEnv } from "../adapters/edi-client";
import { logger } from "../adapters/logger";
import { clock, config, dependencies, newId, store, workflow } from "../adapters/root";
import { readXml } from "../adapters/xml";
import { pollMailbox } from "../domain/poll-mailbox";

const ports = dependencies(store, workflow, clock, config, newId);
const deps = {
  store: ports.store,
  workflow: ports.workflow,
  clock: ports.clock,
  newReferralId: ports.newId,
  legalClock: ports.config.legalClock,
  readXml,
  clinic: ports.config.clinic,
  mailbox: ediFromEnv(),
};

export const handler = async () => {
  const result = await pollMailbox(deps);
  // Counts only: nothing of a message, which is health data.
  if (result.fetched > 0) {
    logger.info(
      `mailbox: ${result.fetched} fetched, ${result.accepted} accepted, ${result.replayed} replayed, ${result.rejected} rejected`,
    );
  }
  return result;
};
