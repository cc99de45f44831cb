/** POST /referrals: a portal submits a referral. */

import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { systemClock } from "../adapters/clock";
import { clinicConfigFromEnv } from "../adapters/env";
import { bodyText, header, internalError, json, mediaType } from "../adapters/http";
import { logger } from "../adapters/logger";
import { referralStoreFromEnv, workflowFromEnv } from "../adapters/wiring";
import { receiveReferral } from "../domain/receive-referral";

/** Our own body limit, well under API Gateway's 10 MB: a referral is text, and a big one is a mistake. */
export const MAX_BODY_BYTES = 256 * 1024;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;

const deps = {
  store: referralStoreFromEnv(),
  workflow: workflowFromEnv(),
  clock: systemClock,
  newReferralId: randomUUID,
  legalClock: clinicConfigFromEnv().legalClock,
};

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  if (mediaType(event) !== "application/json") {
    return json(415, { error: "unsupported_media_type", message: "Content-Type must be application/json" });
  }
  const text = bodyText(event);
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    return json(413, {
      error: "payload_too_large",
      message: `the body must be at most ${MAX_BODY_BYTES} bytes`,
    });
  }
  const idempotencyKey = header(event, "idempotency-key");
  if (!idempotencyKey || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    return json(400, {
      error: "validation_failed",
      issues: [{ path: "Idempotency-Key", message: "header must be 1-128 printable ASCII characters" }],
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return json(400, { error: "invalid_json", message: "the body is not valid JSON" });
  }

  const identity = event.requestContext?.identity;
  try {
    const result = await receiveReferral(deps, {
      idempotencyKey,
      scope: identity?.accountId ?? "local",
      actor: { kind: "portal", id: identity?.userArn ?? "local-portal" },
      body,
    });
    switch (result.outcome) {
      case "invalid":
        return json(400, { error: "validation_failed", issues: result.issues });
      case "conflict":
        return json(409, {
          error: "idempotency_conflict",
          message: "this Idempotency-Key was used with another body",
        });
      default:
        logger.info("referral received", {
          referralId: result.receipt.referralId,
          replayed: result.outcome === "replayed",
        });
        return json(202, result.receipt);
    }
  } catch (error) {
    logger.error("receiving a referral failed", error);
    return internalError();
  }
};
