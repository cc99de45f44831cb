/**
 * POST /messages: a record system (or its gateway) delivers a Henvisning as it sends it over Norsk
 * Helsenett, and gets the AppRec back: 200 with the receipt's XML, an OK or a rejection alike.
 */

import { jsonRoute, xml } from "../adapters/http";
import { logger } from "../adapters/logger";
import { callingPortal } from "../adapters/portal-caller";
import { attachments, clock, config, dependencies, newId, store, workflow } from "../adapters/root";
import { readXml } from "../adapters/xml";
import { receiveMessage } from "../domain/receive-message";
import { renderAppRec } from "../views/apprec";

/**
 * A referral's text is small, but a message may carry attachments (base64 in the envelope). API
 * Gateway hands every body to the function base64-encoded (binary media types `*\/*`, for the
 * attachments' downloads), 4/3 larger: 4 MiB of message is 5.6 MB of event, under Lambda's 6 MB.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const ports = dependencies(store, workflow, clock, config, newId, attachments);
const deps = {
  store: ports.store,
  workflow: ports.workflow,
  clock: ports.clock,
  newReferralId: ports.newId,
  legalClock: ports.config.legalClock,
  priorityGuide: ports.config.priorityGuide,
  readXml,
  clinic: ports.config.clinic,
  attachments: ports.attachments,
};

export const handler = jsonRoute(
  { name: "receiving a message", accepts: ["application/xml", "text/xml"], maxBodyBytes: MAX_MESSAGE_BYTES },
  async (request) => {
    const portal = callingPortal(request.event);
    const receipt = await receiveMessage(deps, { text: request.text(), portal });
    // The outcome and the error codes (a closed list) in the message, ids as fields: nothing of the
    // message itself, which is health data.
    logger.info(`message ${receipt.outcome}${receipt.codes ? ` (${receipt.codes.join(",")})` : ""}`, {
      appRecId: receipt.appRec.id,
      ...(receipt.referralId ? { referralId: receipt.referralId } : {}),
    });
    return xml(200, renderAppRec(receipt.appRec));
  },
);
