/**
 * The reconciler on the local runtime: the same handler the EventBridge rule runs on AWS, run at
 * start-up and then every minute of real time, and asked by the operations page what needs attention.
 */
import type { RecoveryOutcome, RecoveryVerdict } from "../../../functions/domain/recovery";
import type { OperationsViewer } from "./access";
import { recoverySection } from "./recovery-section";

/** The reconciler's handler, found in the template by its entry. */
export const RECONCILER_ENTRY = "functions/handlers/reconcile-workflows.ts";
/** How often the local runtime runs the reconciler, in real milliseconds. */
export const LOCAL_RECOVERY_INTERVAL_MS = 60_000;

/** The reconciler on the local runtime: the same handler the EventBridge rule runs on AWS. */
export interface LocalRecovery {
  /** One run, as the schedule makes it; resolves with its report. */
  run(): Promise<unknown>;
  /** What needs attention, without acting (the operations page). */
  inspect(): Promise<RecoveryVerdict[]>;
  /** A person's resume of one referral (the operations page's action). */
  resume(referralId: string): Promise<RecoveryOutcome | undefined>;
  /** Runs it now and then every {@link LOCAL_RECOVERY_INTERVAL_MS}. */
  start(): void;
  stop(): Promise<void>;
}

/** The "needs attention" section, or a note that the reconciler did not answer. */
export async function attentionSection(recovery: LocalRecovery, viewer?: OperationsViewer) {
  try {
    return recoverySection(await recovery.inspect(), viewer);
  } catch {
    return recoverySection(undefined, viewer);
  }
}

/** The reconciler of function `logicalId`, invoked through the local runtime. */
export function localRecovery(
  logicalId: string,
  runtime: { invoke(id: string, event: unknown): Promise<unknown> },
  log: (line: string) => void,
): LocalRecovery {
  let running: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const run = (): Promise<unknown> => {
    // One run at a time, as on AWS where a slow run makes the next one wait for nothing.
    running ??= runtime
      .invoke(logicalId, { "detail-type": "Scheduled Event", source: "frist.local" })
      .then(
        (report) => {
          const found = (report as { outcomes?: RecoveryOutcome[] }).outcomes ?? [];
          for (const outcome of found) {
            log(`recovery: ${outcome.referralId} ${outcome.finding}, ${outcome.result ?? "no action"}`);
          }
          return report;
        },
        (error: unknown) => {
          log(`recovery: the run failed: ${(error as Error).name}`);
          return undefined;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    run,
    async inspect() {
      return ((await runtime.invoke(logicalId, { inspect: true })) as { verdicts: RecoveryVerdict[] })
        .verdicts;
    },
    async resume(referralId) {
      const answer = (await runtime.invoke(logicalId, { referralId })) as { outcome: RecoveryOutcome | null };
      return answer.outcome ?? undefined;
    },
    start() {
      void run();
      timer = setInterval(() => void run(), LOCAL_RECOVERY_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
