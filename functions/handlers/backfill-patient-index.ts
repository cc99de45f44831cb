/**
 * One-off, invoked by an operator after deploying the version that added the `byPatient` index
 * (`aws lambda invoke --function-name <BackfillPatientIndex> --payload '{}' out.json`): gives the
 * referrals stored before it their index keys, so staff find them by the patient's national ID
 * (functions/adapters/dynamo-patient-index.ts). Idempotent, so running it again is harmless; a run
 * that nears its timeout stops between pages and answers `{"cursor": "…"}`, and the next invocation
 * with that payload goes on from there. It logs counts only, never a national ID.
 */
import { InvalidBackfillCursor } from "../adapters/dynamo-patient-index";
import { workflowStep } from "../adapters/invocation";
import { logger } from "../adapters/logger";
import { dependencies, patientIndexBackfill } from "../adapters/root";

const deps = dependencies(patientIndexBackfill);

/**
 * How long one run pages before it stops and answers a cursor: well inside the function's 15-minute
 * timeout, so the page under way finishes.
 */
export const BACKFILL_RUN_BUDGET_MS = 12 * 60_000;

export const handler = workflowStep(async (event?: { cursor?: unknown }) => {
  const cursor = event?.cursor;
  if (cursor !== undefined && (typeof cursor !== "string" || cursor === ""))
    throw new InvalidBackfillCursor();
  const stopAt = Date.now() + BACKFILL_RUN_BUDGET_MS;
  const progress = await deps.patientIndexBackfill.run({
    ...(cursor ? { cursor } : {}),
    shouldStop: () => Date.now() >= stopAt,
  });
  const done = progress.cursor === undefined;
  logger.info(
    `patient index backfill: keyed ${progress.keyed} referral(s), ${done ? "done" : "to be continued"}`,
  );
  return { keyed: progress.keyed, done, ...(progress.cursor ? { cursor: progress.cursor } : {}) };
});
