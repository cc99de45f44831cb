/** POST /referrals: a portal submits a referral. */
import {
  errorAnswer,
  header,
  jsonAnswer,
  jsonRoute,
  validationFailed,
  validationFailedAnswer,
} from "../adapters/http";
import { logger } from "../adapters/logger";
import { callingPortal } from "../adapters/portal-caller";
import { clock, config, dependencies, newId, store, workflow } from "../adapters/root";
import { receiveReferral } from "../domain/receive-referral";
import type { referralAcceptedSchema } from "../domain/referral";

/** Our own body limit, well under API Gateway's 10 MB: a referral is text, and a big one is a mistake. */
export const MAX_BODY_BYTES = 256 * 1024;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;

const ports = dependencies(store, workflow, clock, config, newId);
const deps = {
  store: ports.store,
  workflow: ports.workflow,
  clock: ports.clock,
  newReferralId: ports.newId,
  legalClock: ports.config.legalClock,
  priorityGuide: ports.config.priorityGuide,
};

export const handler = jsonRoute(
  { name: "receiving a referral", accepts: ["application/json"], maxBodyBytes: MAX_BODY_BYTES },
  async (request) => {
    const portal = callingPortal(request.event);
    const idempotencyKey = header(request.event, "idempotency-key");
    if (!idempotencyKey || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw validationFailed("Idempotency-Key", "header must be 1-128 printable ASCII characters");
    }
    const body = request.body();
    const result = await receiveReferral(deps, {
      idempotencyKey,
      portal,
      body,
    });
    switch (result.outcome) {
      case "invalid":
        return validationFailedAnswer(result.issues);
      case "conflict":
        return errorAnswer(409, {
          error: "idempotency_conflict",
          message: "this Idempotency-Key was used with another body",
        });
      default:
        logger.info("referral received", {
          referralId: result.receipt.referralId,
          replayed: result.outcome === "replayed",
        });
        return jsonAnswer<typeof referralAcceptedSchema>(202, result.receipt);
    }
  },
);
