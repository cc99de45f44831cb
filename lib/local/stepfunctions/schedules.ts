/**
 * Scheduled rules on the local default: every AWS::Events::Rule of the synthesized template with a
 * `rate(N minutes|hours|days)` ScheduleExpression invokes its Lambda targets on that schedule, with
 * the event EventBridge would send ("Scheduled Event"), through the same in-process runtime as the
 * API and the workflow. Intervals run on real time, divided by the time scale when one is given (a
 * stack running 60 times faster runs a 15-minute rule every 15 seconds). `runNow()` runs every
 * rule once, for tests and demos. Local only: nothing here is deployed.
 */
import { randomUUID } from "node:crypto";
import { type CfnTemplate, functionNameFromArn, LOCAL_ACCOUNT_ID } from "../template";

/** The shortest real interval between two runs of a rule, however fast time is scaled. */
export const MIN_INTERVAL_MS = 250;

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * The period of a `rate(...)` expression in milliseconds ("rate(15 minutes)" → 900000), or
 * undefined for anything else (cron expressions, malformed rates). EventBridge wants the singular
 * unit for 1 and the plural otherwise; both are accepted here.
 */
export function rateToMs(expression: string): number | undefined {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = UNIT_MS[(match[2] as string).replace(/s$/, "")];
  return value > 0 && unit ? value * unit : undefined;
}

/** A scheduled rule the local runtime runs. */
export interface ScheduledRule {
  ruleLogicalId: string;
  expression: string;
  /** The period in (simulated) milliseconds. */
  periodMs: number;
  /** The Lambda functions it targets, by logical id, each with the event input if the target fixes one. */
  targets: { functionLogicalId: string; input?: unknown }[];
}

function lambdaTargetOf(arn: unknown, template: CfnTemplate): string | undefined {
  const resources = template.Resources ?? {};
  if (arn && typeof arn === "object" && !Array.isArray(arn)) {
    const getAtt = (arn as Record<string, unknown>)["Fn::GetAtt"];
    const id = Array.isArray(getAtt)
      ? getAtt[0]
      : typeof getAtt === "string"
        ? getAtt.split(".")[0]
        : undefined;
    if (typeof id === "string" && resources[id]?.Type === "AWS::Lambda::Function") return id;
    return undefined;
  }
  if (typeof arn === "string") {
    const id = functionNameFromArn(arn);
    return resources[id]?.Type === "AWS::Lambda::Function" ? id : undefined;
  }
  return undefined;
}

/**
 * The enabled rules with a rate schedule and at least one Lambda target. Rules on a cron schedule or
 * with an event pattern, and targets that are not functions of the template, are left out.
 */
export function readSchedules(template: CfnTemplate): ScheduledRule[] {
  const rules: ScheduledRule[] = [];
  for (const [ruleLogicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== "AWS::Events::Rule") continue;
    const props = resource.Properties ?? {};
    if (props.State !== undefined && props.State !== "ENABLED") continue;
    const expression = props.ScheduleExpression;
    if (typeof expression !== "string") continue;
    const periodMs = rateToMs(expression);
    if (periodMs === undefined) continue;
    const targets = (Array.isArray(props.Targets) ? props.Targets : []).flatMap((target: unknown) => {
      const record = (target ?? {}) as Record<string, unknown>;
      const functionLogicalId = lambdaTargetOf(record.Arn, template);
      if (!functionLogicalId) return [];
      return [
        {
          functionLogicalId,
          ...(typeof record.Input === "string" ? { input: JSON.parse(record.Input) as unknown } : {}),
        },
      ];
    });
    if (targets.length > 0) rules.push({ ruleLogicalId, expression, periodMs, targets });
  }
  return rules.sort((a, b) => a.ruleLogicalId.localeCompare(b.ruleLogicalId));
}

/** The event EventBridge hands a function on a scheduled rule. */
export function scheduledEvent(ruleLogicalId: string, time: Date, region: string) {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: LOCAL_ACCOUNT_ID,
    time: `${time.toISOString().slice(0, 19)}Z`,
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${ruleLogicalId}`],
    detail: {},
  };
}

/** The outcome of one invocation of a rule's target. */
export interface ScheduleRun {
  ruleLogicalId: string;
  functionLogicalId: string;
  ok: boolean;
  result?: unknown;
  /** The error's name only (its message may quote data). */
  errorName?: string;
}

/** Options of {@link startSchedules}. */
export interface SchedulesOptions {
  template: CfnTemplate;
  /** Invokes a function by logical id (the local Lambda runtime). */
  invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>;
  region: string;
  /** Simulated milliseconds per real millisecond; the real interval is the period divided by it. Default 1. */
  timeScale?: number;
  /** The time the events carry (the simulated clock); default real time. */
  now?: () => Date;
  /**
   * Sleeps until a simulated instant (the local stack's clock). When given, each rule runs every
   * period of simulated time, so advancing the clock past a run fires it. `timeScale` is then the
   * clock's, for the floor of {@link MIN_INTERVAL_MS} of real time between two runs of a rule.
   */
  sleepUntil?: (instant: Date, signal: AbortSignal) => Promise<void>;
  /** Don't start timers: only `runNow()` runs the rules (tests). */
  manual?: boolean;
  /** Functions (logical ids) whose rules the caller runs itself: their rules are left out. */
  exclude?: string[];
  log?: (line: string) => void;
}

/** The running schedules. */
export interface LocalSchedules {
  rules: ScheduledRule[];
  /** Runs every rule once now (after any run in flight) and resolves with each target's outcome. */
  runNow(): Promise<ScheduleRun[]>;
  /** Stops the timers and waits for runs in flight. */
  stop(): Promise<void>;
}

/**
 * Starts a timer per scheduled rule of the template. A rule never overlaps itself: a tick that finds
 * the previous run still going is skipped, as a slow function would make EventBridge runs pile up
 * only in the cloud. A failing target is logged by name and the schedule goes on.
 */
export function startSchedules(options: SchedulesOptions): LocalSchedules {
  const excluded = new Set(options.exclude ?? []);
  const rules = readSchedules(options.template).filter(
    (rule) => !rule.targets.some((target) => excluded.has(target.functionLogicalId)),
  );
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError("timeScale must be a positive number");
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const inFlight = new Map<string, Promise<ScheduleRun[]>>();
  let stopped = false;

  const runRule = (rule: ScheduledRule): Promise<ScheduleRun[]> => {
    const run = (async () => {
      const runs: ScheduleRun[] = [];
      for (const target of rule.targets) {
        const event = target.input ?? scheduledEvent(rule.ruleLogicalId, now(), options.region);
        try {
          const result = await options.invoke(target.functionLogicalId, event);
          runs.push({
            ruleLogicalId: rule.ruleLogicalId,
            functionLogicalId: target.functionLogicalId,
            ok: true,
            result,
          });
        } catch (error) {
          const errorName = error instanceof Error ? error.name : typeof error;
          log(`schedule ${rule.ruleLogicalId} → ${target.functionLogicalId} failed: ${errorName}`);
          runs.push({
            ruleLogicalId: rule.ruleLogicalId,
            functionLogicalId: target.functionLogicalId,
            ok: false,
            errorName,
          });
        }
      }
      return runs;
    })();
    inFlight.set(rule.ruleLogicalId, run);
    void run.finally(() => {
      if (inFlight.get(rule.ruleLogicalId) === run) inFlight.delete(rule.ruleLogicalId);
    });
    return run;
  };

  const stopping = new AbortController();
  const sleepUntil = options.sleepUntil;
  // A clock far faster than real time (43200 times: a one-minute rule 720 times a real second) would
  // run a rule back to back; as with the interval timers, a rule runs at most once per
  // MIN_INTERVAL_MS of real time, each run standing for the periods passed since the last. The floor
  // is simulated time too, so a jump of the clock past a run still fires it at once.
  const floorMs = MIN_INTERVAL_MS * scale;
  const onClock = async (rule: ScheduledRule, sleep: NonNullable<SchedulesOptions["sleepUntil"]>) => {
    let notBefore = Number.NEGATIVE_INFINITY;
    for (let next = now().getTime() + rule.periodMs; !stopped; next += rule.periodMs) {
      try {
        await sleep(new Date(Math.max(next, notBefore)), stopping.signal);
      } catch {
        return; // stopped
      }
      if (stopped) return;
      // A run still going when the next one is due is skipped, as with the interval timers.
      if (!inFlight.has(rule.ruleLogicalId)) {
        notBefore = now().getTime() + floorMs;
        void runRule(rule);
      }
    }
  };
  if (!options.manual && sleepUntil) for (const rule of rules) void onClock(rule, sleepUntil);

  const timers =
    options.manual || sleepUntil
      ? []
      : rules.map((rule) => {
          const timer = setInterval(
            () => {
              if (stopped || inFlight.has(rule.ruleLogicalId)) return;
              void runRule(rule);
            },
            Math.max(MIN_INTERVAL_MS, Math.round(rule.periodMs / scale)),
          );
          timer.unref();
          return timer;
        });

  return {
    rules,
    async runNow() {
      const results: ScheduleRun[] = [];
      for (const rule of rules) {
        for (
          let running = inFlight.get(rule.ruleLogicalId);
          running;
          running = inFlight.get(rule.ruleLogicalId)
        ) {
          await running.catch(() => undefined);
        }
        results.push(...(await runRule(rule)));
      }
      return results;
    },
    async stop() {
      stopped = true;
      stopping.abort();
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
