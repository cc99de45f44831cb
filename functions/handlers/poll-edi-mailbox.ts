/**
 * Scheduled: reads the clinic's EDI 2.0 mailbox at Norsk Helsenett (poll, fetch, receive, AppRec,
 * mark read), as POST /messages receives a delivery, then follows up the receipts of what Frist sent
 * (recorded, or counted for operations' alarm when rejected or 96 hours overdue).
 */
import { ediFromEnv } from "../adapters/edi-client";
import { workflowStep } from "../adapters/invocation";
import { logger } from "../adapters/logger";
import { attachments, clock, config, dependencies, metrics, newId, store, workflow } from "../adapters/root";
import { readXml } from "../adapters/xml";
import { followUpReceipts } from "../domain/message-receipts";
import { pollMailbox } from "../domain/poll-mailbox";

const ports = dependencies(store, workflow, clock, config, newId, attachments, metrics);
const edi = ediFromEnv();
const deps = {
  store: ports.store,
  workflow: ports.workflow,
  clock: ports.clock,
  newReferralId: ports.newId,
  legalClock: ports.config.legalClock,
  readXml,
  clinic: ports.config.clinic,
  attachments: ports.attachments,
  mailbox: edi,
};

export const handler = workflowStep(async (_event?: unknown) => {
  const result = await pollMailbox(deps);
  // Counts only: nothing of a message, which is health data.
  if (result.fetched > 0) {
    logger.info(
      `mailbox: ${result.fetched} fetched, ${result.accepted} accepted, ${result.replayed} replayed, ${result.rejected} rejected`,
    );
  }
  // Receipts after the mailbox: a run that stopped in the mailbox leaves them to the next run.
  const receipts = await followUpReceipts({
    store: ports.store,
    receipts: edi,
    clock: ports.clock,
    metrics: ports.metrics,
  });
  if (receipts.checked > 0) {
    logger.info(
      `receipts: ${receipts.checked} checked, ${receipts.received} received, ${receipts.rejected} rejected, ${receipts.overdue} overdue`,
    );
  }
  return { ...result, receipts };
});
