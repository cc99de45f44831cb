/**
 * What a run of the local default would cost on AWS, from what it counted (lib/local/operations/counters.ts)
 * and the SES messages the emulator holds, at list prices for eu-north-1 (Stockholm), on-demand,
 * without free tiers. Used by `npm run bench` and `frist simulate`.
 *
 * Not counted: CloudWatch Logs ingestion, X-Ray traces, KMS requests, data transfer and storage,
 * which depend on retention and traffic outside a referral's path (see the bench notes).
 */
import type { RunCounts } from "./counters";

/**
 * List prices in USD, read 2026-11-29 from the stored copies of the AWS pricing pages. Where a page
 * renders its regional table by script and the Stockholm column could not be read offline, the
 * figure is the page's US East one, marked so: Stockholm's list price for these is the same or a few
 * percent higher, which moves the total by well under 10 %.
 */
export const AWS_PRICES_USD = {
  /** https://aws.amazon.com/step-functions/pricing/ — Standard, Europe (Stockholm): $0.0250 per 1,000. */
  stateTransition: 0.025 / 1_000,
  /** https://aws.amazon.com/lambda/pricing/ — requests $0.20 per 1M (US East figure; same table for Stockholm). */
  lambdaRequest: 0.2 / 1_000_000,
  /** https://aws.amazon.com/lambda/pricing/ — Arm, first 7.5 billion GB-s/month: $0.0000133334 per GB-s (US East figure). */
  lambdaArmGbSecond: 0.0000133334,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — $0.625 per 1M write request units (US East, after the Nov 2024 cut). */
  dynamodbWriteUnit: 0.625 / 1_000_000,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — $0.125 per 1M read request units (US East, after the Nov 2024 cut). */
  dynamodbReadUnit: 0.125 / 1_000_000,
  /** https://aws.amazon.com/ses/pricing/ — outbound email $0.10 per 1,000 messages (all regions). */
  sesMessage: 0.1 / 1_000,
  /** https://aws.amazon.com/api-gateway/pricing/ — REST API, first 333M calls/month: $3.50 per 1M (US East figure). */
  apiRequest: 3.5 / 1_000_000,
} as const;

/** One line of the cost breakdown. */
export interface CostLine {
  item: string;
  /** How much of it the run used, in its unit. */
  quantity: number;
  unit: string;
  usd: number;
}

/** The cost of a run, per line and in total. */
export interface RunCost {
  lines: CostLine[];
  totalUsd: number;
}

/** The AWS cost of what `counts` (and `sesMessages`) say a run did. */
export function costOf(counts: RunCounts, sesMessages: number): RunCost {
  const functions = Object.values(counts.lambda);
  const invocations = functions.reduce((sum, fn) => sum + fn.invocations, 0);
  const gbSeconds = functions.reduce((sum, fn) => sum + (fn.billedMs / 1000) * (fn.memoryMb / 1024), 0);
  const p = AWS_PRICES_USD;
  const lines: CostLine[] = [
    {
      item: "Step Functions state transitions",
      quantity: counts.stateTransitions,
      unit: "transitions",
      usd: counts.stateTransitions * p.stateTransition,
    },
    {
      item: "Lambda requests",
      quantity: invocations,
      unit: "invocations",
      usd: invocations * p.lambdaRequest,
    },
    {
      item: "Lambda duration (arm64)",
      quantity: gbSeconds,
      unit: "GB-s",
      usd: gbSeconds * p.lambdaArmGbSecond,
    },
    {
      item: "DynamoDB writes",
      quantity: counts.dynamodb.writeUnits,
      unit: "WRU",
      usd: counts.dynamodb.writeUnits * p.dynamodbWriteUnit,
    },
    {
      item: "DynamoDB reads",
      quantity: counts.dynamodb.readUnits,
      unit: "RRU",
      usd: counts.dynamodb.readUnits * p.dynamodbReadUnit,
    },
    { item: "SES messages", quantity: sesMessages, unit: "emails", usd: sesMessages * p.sesMessage },
    {
      item: "API Gateway requests",
      quantity: counts.apiRequests,
      unit: "requests",
      usd: counts.apiRequests * p.apiRequest,
    },
  ];
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) };
}

/** The cost divided over `referrals` (quantities and dollars per referral). */
export function perReferral(cost: RunCost, referrals: number): RunCost {
  const n = Math.max(1, referrals);
  return {
    lines: cost.lines.map((line) => ({ ...line, quantity: line.quantity / n, usd: line.usd / n })),
    totalUsd: cost.totalUsd / n,
  };
}

/** The breakdown as aligned text lines. */
export function describeCost(cost: RunCost): string[] {
  const lines = cost.lines.map(
    (line) =>
      `  ${line.item.padEnd(34)} ${formatQuantity(line.quantity).padStart(10)} ${line.unit.padEnd(12)} $${line.usd.toFixed(7)}`,
  );
  lines.push(`  ${"total".padEnd(34)} ${"".padStart(10)} ${"".padEnd(12)} $${cost.totalUsd.toFixed(7)}`);
  return lines;
}

function formatQuantity(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(4);
}
