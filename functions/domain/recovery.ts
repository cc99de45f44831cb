/**
 * Recovery: what to do about a referral whose workflow is not where its record says. The rules are
 * pure (this module): given the referral's record, its pending decision (a decision stored before the
 * 200 that the workflow has not taken yet) and its executions, {@link assessRecovery} says what was
 * found and what to do. {@link reconcile} applies them to every referral worth a look, through ports.
 *
 * One execution per referral, named by the referral id; a resumed referral gets a new execution named
 * `<referralId>-r<n>` ({@link resumeExecutionName}) that starts from the record's state:
 * - decided, or a decision pending → input `{referralId, assessment: {taskId, outcome}}`: the
 *   workflow's RouteStart goes straight to RecordDecision (a repeat is a no-op) and the letters
 *   (claimed per recipient, so none goes twice);
 * - otherwise → `{referralId}`: PlanIntake (idempotent: no second seat, no second assignment) computes
 *   the timer from the legal clock at run time, so the reminder, breach and escalation come when the
 *   calendar says, however long the referral was stranded; the await re-arms the referral's task.
 * A new execution rather than RedriveExecution: every error is caught into MarkFailed → Failed, and a
 * redrive restarts at the step that failed — the Fail state itself — and a redriven Await* state would
 * wait its whole timer leg again instead of what the legal clock has left.
 */
import type { Decision } from "./decision";
import {
  type Clock,
  type Metrics,
  type ReferralRecords,
  TaskNoLongerOpen,
  type TaskRecords,
  type Workflow,
} from "./ports";
import type { ReferralRecord, TaskRecord } from "./records";
import type { ReferralStatus } from "./referral";

/** An execution of the workflow as recovery sees it. */
export interface WorkflowExecution {
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  startedAt: string;
  stoppedAt?: string;
  /** The error name of a failed execution (never its cause: a cause may quote data). */
  error?: string;
}

/** A decision answered on a task that the workflow has not recorded yet (see the faults contract). */
export interface PendingDecisionRef {
  taskId: string;
  outcome: Decision["outcome"];
  answeredAt: string;
  /**
   * When the answer was stored, by the wall clock (see TaskRecord.answerStoredAt): the request that
   * stored it runs in real time, so its own resume is over a real-time grace period later, however
   * fast the local simulated clock runs.
   */
  storedAt?: string;
}

/** Everything {@link assessRecovery} looks at for one referral. */
export interface RecoverySnapshot {
  referral: Pick<ReferralRecord, "referralId" | "status" | "receivedAt" | "assignment" | "decision">;
  pendingDecision?: PendingDecisionRef;
  /** The referral's executions, oldest first: `<referralId>`, then `<referralId>-r1`, `-r2`, … */
  executions: WorkflowExecution[];
}

/** The input of a workflow execution. */
export interface WorkflowInput {
  referralId: string;
  /** Set when the decision is known: the execution starts at RouteDecision. */
  assessment?: { taskId: string; outcome: Decision["outcome"] };
}

/** What was found. */
export type RecoveryFinding =
  /** A running execution, nothing pending. */
  | "healthy"
  /** The workflow ran to its end. */
  | "finished"
  /** Received moments ago: its execution is being started. */
  | "starting"
  /** Not finished, and no execution runs it (never started, or lost). */
  | "stranded"
  /** Its last execution failed, timed out or was aborted. */
  | "failed"
  /** A decision was stored and answered 200, but the waiting execution never took it. */
  | "decision-not-resumed"
  /** Failed again after the automatic resumes: a person must look (and may resume it by hand). */
  | "gave-up";

/** Each finding once: a Record, so one added to the type and not here fails to compile. */
const FINDINGS: Record<RecoveryFinding, true> = {
  healthy: true,
  finished: true,
  starting: true,
  stranded: true,
  failed: true,
  "decision-not-resumed": true,
  "gave-up": true,
};

/** Every finding, for the schemas that read a run back or answer it as JSON. */
export const RECOVERY_FINDINGS = Object.keys(FINDINGS) as [RecoveryFinding, ...RecoveryFinding[]];

/** What to do. */
export type RecoveryAction =
  | { kind: "none" }
  /** Start a new execution; `restoreStatus` first puts a `failed` referral back where it stood. */
  | { kind: "start"; executionName: string; input: WorkflowInput; restoreStatus?: ReferralStatus }
  /** SendTaskSuccess for the answered task, with its current token. */
  | { kind: "resume-decision"; taskId: string; outcome: Decision["outcome"] };

/** The verdict on one referral. */
export interface RecoveryVerdict {
  referralId: string;
  finding: RecoveryFinding;
  action: RecoveryAction;
  /** Whether the operations page lists it (everything but healthy, finished and starting). */
  needsAttention: boolean;
}

/** How patient recovery is. */
export interface RecoveryPolicy {
  /** A referral received this recently may not have its execution yet (the API starts it). */
  startGraceMs: number;
  /** A decision answered this recently may still be on its way to the workflow. */
  decisionGraceMs: number;
  /** Automatic resumes per referral; after them only a person resumes it ("gave-up"). */
  maxAutomaticResumes: number;
}

/** The defaults: a schedule every 15 minutes finds a stranded referral within 20 minutes. */
export const RECOVERY_POLICY: RecoveryPolicy = {
  startGraceMs: 5 * 60_000,
  decisionGraceMs: 2 * 60_000,
  maxAutomaticResumes: 3,
};

const RESUME_SUFFIX = /-r(\d+)$/;

/** The name of the n-th resumed execution of a referral (n ≥ 1); the first is the referral id. */
export function resumeExecutionName(referralId: string, n: number): string {
  return n === 0 ? referralId : `${referralId}-r${n}`;
}

/** The referral an execution name belongs to. */
export function referralIdOfExecution(name: string): string {
  return name.replace(RESUME_SUFFIX, "");
}

/** The input a new execution needs to start from the record's state. */
export function workflowInputFor(
  snapshot: Pick<RecoverySnapshot, "referral" | "pendingDecision">,
): WorkflowInput {
  const { referral, pendingDecision } = snapshot;
  if (referral.decision) {
    return {
      referralId: referral.referralId,
      assessment: { taskId: referral.decision.taskId, outcome: referral.decision.decision.outcome },
    };
  }
  if (pendingDecision) {
    return {
      referralId: referral.referralId,
      assessment: { taskId: pendingDecision.taskId, outcome: pendingDecision.outcome },
    };
  }
  return { referralId: referral.referralId };
}

/** Where a `failed` referral stood before its workflow gave up, read from what it holds. */
export function statusBeforeFailure(referral: RecoverySnapshot["referral"]): ReferralStatus {
  if (referral.decision) return "decided";
  if (referral.assignment) return "awaiting-assessment";
  return "received";
}

const ageMs = (now: Date, at: string | undefined) =>
  at ? now.getTime() - Date.parse(at) : Number.POSITIVE_INFINITY;

/**
 * The verdict on one referral. `manual` is a person's resume (the operations page): no grace
 * periods and no cap on resumes, but a healthy or finished referral is still left alone.
 */
export function assessRecovery(
  snapshot: RecoverySnapshot,
  now: Date,
  options: {
    policy?: RecoveryPolicy;
    manual?: boolean;
    /** The wall clock's now, for a decision's `storedAt` (defaults to `now`: the same clock on AWS). */
    wallNow?: Date;
  } = {},
): RecoveryVerdict {
  const policy = options.policy ?? RECOVERY_POLICY;
  const manual = options.manual === true;
  const { referral, pendingDecision, executions } = snapshot;
  const referralId = referral.referralId;
  const verdict = (finding: RecoveryFinding, action: RecoveryAction = { kind: "none" }): RecoveryVerdict => ({
    referralId,
    finding,
    action,
    needsAttention: !["healthy", "finished", "starting"].includes(finding),
  });
  const start = (): RecoveryAction => ({
    kind: "start",
    executionName: resumeExecutionName(referralId, executions.length),
    input: workflowInputFor(snapshot),
    ...(referral.status === "failed" ? { restoreStatus: statusBeforeFailure(referral) } : {}),
  });

  if (referral.status === "closed") return verdict("finished");
  const latest = executions.at(-1);
  if (!latest) {
    if (!manual && referral.status === "received" && ageMs(now, referral.receivedAt) < policy.startGraceMs) {
      return verdict("starting");
    }
    return verdict("stranded", start());
  }
  switch (latest.status) {
    case "RUNNING":
      if (pendingDecision && referral.status === "awaiting-assessment") {
        // The request that stored the decision resumes the workflow itself, at once: the grace
        // period keeps the two from racing for the same token (the loser would turn the clinician's
        // answer into a 503). Past it, the decision is sent on by the first run that sees it.
        const age = pendingDecision.storedAt
          ? ageMs(options.wallNow ?? now, pendingDecision.storedAt)
          : ageMs(now, pendingDecision.answeredAt);
        if (!manual && age < policy.decisionGraceMs) return verdict("healthy");
        return verdict("decision-not-resumed", {
          kind: "resume-decision",
          taskId: pendingDecision.taskId,
          outcome: pendingDecision.outcome,
        });
      }
      return verdict("healthy");
    case "SUCCEEDED":
      return verdict("finished");
    default: {
      const resumes = executions.length - 1;
      if (!manual && resumes >= policy.maxAutomaticResumes) return verdict("gave-up");
      return verdict("failed", start());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reconciling, through ports

/** The workflow's executions, as recovery reads and starts them (Step Functions on AWS). */
export interface WorkflowExecutions {
  /** The referral's executions, oldest first (the referral id, then its resumes). */
  ofReferral(referralId: string): Promise<WorkflowExecution[]>;
  /** The names of the executions that stopped unsuccessfully (failed, timed out, aborted). */
  listUnsuccessful(): Promise<string[]>;
  /** Starts an execution; false when one of that name exists already (another run started it). */
  start(name: string, input: WorkflowInput): Promise<boolean>;
}

/** What {@link reconcile} and {@link resumeReferral} need. */
export interface RecoveryDeps {
  store: Pick<ReferralRecords, "getReferral" | "changeStatus" | "appendEvent"> &
    Pick<TaskRecords, "listTasks" | "getTask">;
  executions: WorkflowExecutions;
  workflow: Workflow;
  /** The referral ids of one status, every page. */
  referralsWithStatus(status: ReferralStatus): Promise<string[]>;
  clock: Clock;
  metrics: Metrics;
  policy?: RecoveryPolicy;
  /** The wall clock (real time even under the local simulated clock); defaults to the system's. */
  wallClock?: Clock;
}

/** The metric each referral found not where its record says counts once per run; the alarm watches it. */
export const RECOVERY_METRIC = "WorkflowsNeedingRecovery";

/** One referral's outcome in a run. */
export interface RecoveryOutcome extends RecoveryVerdict {
  /** What the action did: `done`, `later` (the workflow was between waits; the next run tries again), or the error's name. */
  result?: string;
}

/** A run of the reconciler. */
export interface ReconcileReport {
  checked: number;
  /** The referrals that needed attention, with what was done. */
  outcomes: RecoveryOutcome[];
}

/** The statuses whose referrals may be stranded: not finished, or failed. */
const WATCHED_STATUSES: ReferralStatus[] = ["received", "awaiting-assessment", "failed"];

/** The decision a task holds that the referral does not have yet. */
export function pendingDecisionOf(
  referral: Pick<ReferralRecord, "decision">,
  tasks: TaskRecord[],
): PendingDecisionRef | undefined {
  if (referral.decision) return undefined;
  const answered = tasks.filter((task) => task.state === "answered" && task.decision).at(-1);
  if (!answered?.decision) return undefined;
  return {
    taskId: answered.taskId,
    outcome: answered.decision.outcome,
    answeredAt: answered.answeredAt ?? answered.createdAt,
    ...(answered.answerStoredAt ? { storedAt: answered.answerStoredAt } : {}),
  };
}

async function snapshotOf(deps: RecoveryDeps, referralId: string): Promise<RecoverySnapshot | undefined> {
  const referral = await deps.store.getReferral(referralId);
  if (!referral) return undefined;
  const [tasks, executions] = await Promise.all([
    deps.store.listTasks(referralId),
    deps.executions.ofReferral(referralId),
  ]);
  const pendingDecision = pendingDecisionOf(referral, tasks);
  return { referral, executions, ...(pendingDecision ? { pendingDecision } : {}) };
}

const recoveryActor = { kind: "system", id: "workflow:Recovery" } as const;

async function act(deps: RecoveryDeps, verdict: RecoveryVerdict): Promise<string | undefined> {
  const { action, referralId } = verdict;
  const at = () => deps.clock.now().toISOString();
  switch (action.kind) {
    case "none":
      return undefined;
    case "start": {
      const details = { execution: action.executionName, finding: verdict.finding };
      if (action.restoreStatus) {
        await deps.store.changeStatus(
          referralId,
          { from: ["failed"], to: action.restoreStatus },
          {
            type: "workflow-resumed",
            at: at(),
            actor: recoveryActor,
            details: { ...details, status: action.restoreStatus },
          },
        );
      }
      const started = await deps.executions.start(action.executionName, action.input);
      if (started && !action.restoreStatus) {
        await deps.store.appendEvent(referralId, {
          type: "workflow-resumed",
          at: at(),
          actor: recoveryActor,
          details,
        });
      }
      return started ? "done" : "later";
    }
    case "resume-decision": {
      const task = await deps.store.getTask(referralId, action.taskId);
      if (!task) return "later";
      try {
        await deps.workflow.resume(task.taskToken, { taskId: action.taskId, outcome: action.outcome });
      } catch (error) {
        if (error instanceof TaskNoLongerOpen) return "later";
        throw error;
      }
      await deps.store.appendEvent(referralId, {
        type: "workflow-resumed",
        at: at(),
        actor: recoveryActor,
        details: { taskId: action.taskId, finding: verdict.finding },
      });
      return "done";
    }
  }
}

/** The options {@link assessRecovery} runs with in a reconciler run. */
function assessOptions(deps: RecoveryDeps, manual: boolean) {
  return {
    manual,
    wallNow: deps.wallClock?.now() ?? new Date(),
    ...(deps.policy ? { policy: deps.policy } : {}),
  };
}

async function assessAndAct(
  deps: RecoveryDeps,
  referralId: string,
  manual: boolean,
): Promise<RecoveryOutcome | undefined> {
  const snapshot = await snapshotOf(deps, referralId);
  if (!snapshot) return undefined;
  const verdict = assessRecovery(snapshot, deps.clock.now(), assessOptions(deps, manual));
  if (!verdict.needsAttention) return verdict;
  deps.metrics.count(RECOVERY_METRIC, { referralId });
  try {
    const result = await act(deps, verdict);
    return result ? { ...verdict, result } : verdict;
  } catch (error) {
    // Only the error's name: a message may quote data. The next run tries again.
    return { ...verdict, result: error instanceof Error ? error.name : "Error" };
  }
}

/** Every referral worth a look: watched statuses, and unsuccessful executions. */
async function candidates(deps: RecoveryDeps): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const status of WATCHED_STATUSES) for (const id of await deps.referralsWithStatus(status)) ids.add(id);
  for (const name of await deps.executions.listUnsuccessful()) ids.add(referralIdOfExecution(name));
  return ids;
}

/**
 * One run of the reconciler: every referral that is received, awaiting assessment or failed, and
 * every referral with an unsuccessful execution, is assessed ({@link assessRecovery}) and, where it
 * needs it, resumed. Each one found not where its record says counts {@link RECOVERY_METRIC} once.
 */
export async function reconcile(deps: RecoveryDeps): Promise<ReconcileReport> {
  const ids = await candidates(deps);
  const outcomes: RecoveryOutcome[] = [];
  for (const referralId of ids) {
    const outcome = await assessAndAct(deps, referralId, false);
    if (outcome?.needsAttention) outcomes.push(outcome);
  }
  return { checked: ids.size, outcomes };
}

/** What a run would find, without acting or counting: the operations page's list. */
export async function inspect(deps: RecoveryDeps): Promise<RecoveryVerdict[]> {
  const ids = await candidates(deps);
  const verdicts: RecoveryVerdict[] = [];
  for (const referralId of ids) {
    const snapshot = await snapshotOf(deps, referralId);
    if (!snapshot) continue;
    const verdict = assessRecovery(snapshot, deps.clock.now(), assessOptions(deps, false));
    if (verdict.needsAttention) verdicts.push(verdict);
  }
  return verdicts;
}

/** A person's resume of one referral (the operations page): no grace periods, no cap on resumes. */
export async function resumeReferral(
  deps: RecoveryDeps,
  referralId: string,
): Promise<RecoveryOutcome | undefined> {
  return assessAndAct(deps, referralId, true);
}

// ---------------------------------------------------------------------------------------------
// What the last scheduled run found, for operations' home

/** One finding of a reconciler run: ids, what was found and what was done (no data). */
export interface RecoveryRunFinding {
  referralId: string;
  finding: RecoveryFinding;
  /** What the run set out to do: `none` (a person must look), `start` or `resume-decision`. */
  action: RecoveryAction["kind"];
  /** What it came to (see {@link RecoveryOutcome.result}); absent when there was nothing to do. */
  result?: string;
  /** The execution the run started for it, when it started one. */
  executionName?: string;
}

/** A scheduled run of the reconciler as recorded for operations: when, how many looked at, what found. */
export interface RecoveryRun {
  ranAt: string;
  /** The state machine the run watched (its executions are where a finding is looked into). */
  stateMachineArn: string;
  checked: number;
  /** How many referrals needed attention (more than {@link findings} holds when over the cap). */
  found: number;
  findings: RecoveryRunFinding[];
}

/** The findings a recorded run keeps: a page's worth, so the record stays far below an item's limit. */
export const RECOVERY_RUN_FINDINGS_KEPT = 100;

/** The port: the last scheduled run, written by the reconciler and read by operations' home. */
export interface RecoveryRuns {
  /** Replaces the recorded run with this one. */
  record(run: RecoveryRun): Promise<void>;
  /** The last recorded run, if any run has been recorded. */
  latest(): Promise<RecoveryRun | undefined>;
}

/** The record of a run from its report: the findings that needed attention, capped. */
export function recoveryRunOf(report: ReconcileReport, ranAt: Date, stateMachineArn: string): RecoveryRun {
  return {
    ranAt: ranAt.toISOString(),
    stateMachineArn,
    checked: report.checked,
    found: report.outcomes.length,
    findings: report.outcomes.slice(0, RECOVERY_RUN_FINDINGS_KEPT).map((outcome) => ({
      referralId: outcome.referralId,
      finding: outcome.finding,
      action: outcome.action.kind,
      ...(outcome.result !== undefined ? { result: outcome.result } : {}),
      ...(outcome.action.kind === "start" ? { executionName: outcome.action.executionName } : {}),
    })),
  };
}
