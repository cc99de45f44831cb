/**
 * Scheduled (EventBridge, every 15 minutes; locally at start-up and on the same schedule): finds the
 * referrals whose workflow is not where their record says and resumes them (functions/domain/recovery.ts).
 * Invoked with `{"referralId": "…"}` (the operations page's resume action, or an operator with
 * `aws lambda invoke`), it resumes that one referral, with no grace period and no cap on resumes;
 * with `{"inspect": true}` it lists what needs attention without acting (the operations page). A
 * scheduled run records what it found and did (the last run only), which operations' home shows.
 */

import { requireEnv } from "../adapters/env";
import { workflowStep } from "../adapters/invocation";
import { logger } from "../adapters/logger";
import {
  clock,
  dependencies,
  executions,
  metrics,
  recoveryRuns,
  store,
  workflow,
  worklist,
} from "../adapters/root";
import { inspect, reconcile, recoveryRunOf, resumeReferral } from "../domain/recovery";
import type { ReferralStatus } from "../domain/referral";
import { WORKLIST_LIMITS } from "../domain/worklist";

const deps = dependencies(store, executions, workflow, worklist, clock, metrics, recoveryRuns);

async function referralsWithStatus(status: ReferralStatus): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.worklist.page({
      status,
      limit: WORKLIST_LIMITS.max,
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.rows.map((row) => row.referralId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

const recovery = { ...deps, referralsWithStatus };

export const handler = workflowStep(async (event?: { referralId?: unknown; inspect?: unknown }) => {
  if (event?.inspect === true) return { verdicts: await inspect(recovery) };
  if (typeof event?.referralId === "string" && event.referralId !== "") {
    const outcome = await resumeReferral(recovery, event.referralId);
    logger.info(`resume requested: ${outcome?.finding ?? "not found"}`, { referralId: event.referralId });
    return { outcome: outcome ?? null };
  }
  const report = await reconcile(recovery);
  for (const outcome of report.outcomes) {
    logger.warn(`workflow needs recovery: ${outcome.finding}, ${outcome.result ?? "no action"}`, {
      referralId: outcome.referralId,
    });
  }
  // What this run found and did, for operations' home (the last run replaces the one before).
  // (STATE_MACHINE_ARN is read at cold start by the executions adapter already.)
  await deps.recoveryRuns.record(recoveryRunOf(report, deps.clock.now(), requireEnv("STATE_MACHINE_ARN")));
  return { checked: report.checked, outcomes: report.outcomes };
});
