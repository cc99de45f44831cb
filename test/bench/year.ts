/**
 * The year: the survey's largest centre (1,925 referrals) replayed through the local default on
 * simulated time, POST to letters (lib/local/simulation/simulate.ts), timed in real time; the same run's counts
 * give the cost per referral. Its statistics are printed too, so a wrong run shows.
 */
import type { RunCost } from "../../lib/local/operations/cost";
import { costOf } from "../../lib/local/operations/cost";
import { describeSimulation, simulate } from "../../lib/local/simulation/simulate";

/** What the benchmark reports of the year. */
export interface YearFigures {
  referrals: number;
  realMs: number;
  lettersDispatched: number;
  /** The run's cost without the agenda schedule (a fixed cost per clinic, not per referral). */
  cost: RunCost;
  report: string[];
}

/** Runs the year with `referrals` referrals (the default centre otherwise). */
export async function measureYear(referrals: number): Promise<YearFigures> {
  const result = await simulate({ referrals });
  const perReferralCounts = structuredClone(result.counts);
  for (const id of Object.keys(perReferralCounts.lambda)) {
    if (/SendAgendas/i.test(id)) delete perReferralCounts.lambda[id];
  }
  return {
    referrals: result.statistics.referrals,
    realMs: result.realMs,
    lettersDispatched: result.lettersDispatched,
    cost: costOf(perReferralCounts, result.sesMessages),
    report: describeSimulation(result),
  };
}
