/**
 * Recovery: the pure rules that say what to do about a referral whose workflow is not where its
 * record says, and a reconciler run over the in-memory store and a fake of the executions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assessRecovery,
  RECOVERY_METRIC,
  RECOVERY_POLICY,
  RECOVERY_RUN_FINDINGS_KEPT,
  type RecoverySnapshot,
  reconcile,
  recoveryRunOf,
  referralIdOfExecution,
  resumeExecutionName,
  resumeReferral,
  type WorkflowExecution,
  type WorkflowExecutions,
  type WorkflowInput,
} from "../../functions/domain/recovery";
import type { ReferralStatus } from "../../functions/domain/referral";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMetrics,
  testReferral,
} from "../support/fakes";

const NOW = new Date("2026-03-05T12:00:00.000Z");
const LONG_AGO = "2026-03-02T08:00:00.000Z";
const execution = (name: string, status: WorkflowExecution["status"]): WorkflowExecution => ({
  name,
  status,
  startedAt: LONG_AGO,
});
const decision = {
  decision: {
    outcome: "refused",
    justification: "j",
    advice: "a",
    assessedBy: "1234567",
  },
  taskId: "task-1",
  decidedAt: LONG_AGO,
} as unknown as NonNullable<RecoverySnapshot["referral"]["decision"]>;
const assignment = {
  track: "single-assessor" as const,
  assessors: [{ name: "Ingrid Lie", role: "physician" }],
};

function snapshot(
  status: ReferralStatus,
  executions: WorkflowExecution[],
  extra: Partial<RecoverySnapshot["referral"]> & Pick<RecoverySnapshot, "pendingDecision"> = {},
): RecoverySnapshot {
  const { pendingDecision, ...referral } = extra;
  return {
    referral: { referralId: "ref-1", status, receivedAt: LONG_AGO, ...referral },
    executions,
    ...(pendingDecision ? { pendingDecision } : {}),
  };
}

describe("the recovery rules", () => {
  it("leaves a referral alone while its execution runs, and once its workflow finished", () => {
    expect(
      assessRecovery(snapshot("awaiting-assessment", [execution("ref-1", "RUNNING")]), NOW),
    ).toMatchObject({
      finding: "healthy",
      action: { kind: "none" },
      needsAttention: false,
    });
    expect(assessRecovery(snapshot("decided", [execution("ref-1", "SUCCEEDED")]), NOW).finding).toBe(
      "finished",
    );
    expect(assessRecovery(snapshot("closed", []), NOW).finding).toBe("finished");
  });

  it("gives a referral received moments ago time to get its execution, then starts the one it never got", () => {
    const fresh = snapshot("received", [], { receivedAt: new Date(NOW.getTime() - 60_000).toISOString() });
    expect(assessRecovery(fresh, NOW).finding).toBe("starting");
    expect(assessRecovery(snapshot("received", []), NOW)).toEqual({
      referralId: "ref-1",
      finding: "stranded",
      needsAttention: true,
      action: { kind: "start", executionName: "ref-1", input: { referralId: "ref-1" } },
    });
  });

  it("starts a new execution named -r<n> after a failed, timed-out or aborted one, from the record's state", () => {
    for (const status of ["FAILED", "TIMED_OUT", "ABORTED"] as const) {
      expect(
        assessRecovery(snapshot("awaiting-assessment", [execution("ref-1", status)]), NOW).action,
      ).toEqual({
        kind: "start",
        executionName: "ref-1-r1",
        input: { referralId: "ref-1" },
      });
    }
    // Decided: the new execution starts at the decision, so only the letters are left to do.
    expect(
      assessRecovery(
        snapshot("decided", [execution("ref-1", "FAILED"), execution("ref-1-r1", "FAILED")], { decision }),
        NOW,
      ).action,
    ).toEqual({
      kind: "start",
      executionName: "ref-1-r2",
      input: { referralId: "ref-1", assessment: { taskId: "task-1", outcome: "refused" } },
    });
  });

  it("puts a failed referral back where it stood before its workflow gave up", () => {
    const cases: Array<[Partial<RecoverySnapshot["referral"]>, ReferralStatus]> = [
      [{}, "received"],
      [{ assignment }, "awaiting-assessment"],
      [{ assignment, decision }, "decided"],
    ];
    for (const [record, restored] of cases) {
      const verdict = assessRecovery(snapshot("failed", [execution("ref-1", "FAILED")], record), NOW);
      expect(verdict.action).toMatchObject({ kind: "start", restoreStatus: restored });
    }
  });

  it("resumes a decision that answered 200 but never reached the waiting execution, after a grace period", () => {
    const pendingDecision = { taskId: "task-1", outcome: "granted" as const, answeredAt: LONG_AGO };
    const waiting = [execution("ref-1", "RUNNING")];
    expect(assessRecovery(snapshot("awaiting-assessment", waiting, { pendingDecision }), NOW)).toMatchObject({
      finding: "decision-not-resumed",
      action: { kind: "resume-decision", taskId: "task-1", outcome: "granted" },
    });
    const justNow = { ...pendingDecision, answeredAt: new Date(NOW.getTime() - 30_000).toISOString() };
    expect(
      assessRecovery(snapshot("awaiting-assessment", waiting, { pendingDecision: justNow }), NOW).finding,
    ).toBe("healthy");
    // With no execution left, the new one starts at the pending decision.
    expect(
      assessRecovery(
        snapshot("awaiting-assessment", [execution("ref-1", "ABORTED")], { pendingDecision }),
        NOW,
      ).action,
    ).toMatchObject({ kind: "start", input: { assessment: { taskId: "task-1", outcome: "granted" } } });
  });

  it("gives up after the automatic resumes and leaves the referral to a person, who may still resume it", () => {
    const failedAgain = Array.from({ length: RECOVERY_POLICY.maxAutomaticResumes + 1 }, (_, n) =>
      execution(resumeExecutionName("ref-1", n), "FAILED"),
    );
    const stuck = snapshot("failed", failedAgain, { assignment });
    expect(assessRecovery(stuck, NOW)).toMatchObject({
      finding: "gave-up",
      action: { kind: "none" },
      needsAttention: true,
    });
    expect(assessRecovery(stuck, NOW, { manual: true }).action).toMatchObject({
      kind: "start",
      executionName: `ref-1-r${failedAgain.length}`,
    });
  });

  it("never starts an execution beside a running one, and only a referral that needs attention gets an action", () => {
    const statuses = fc.constantFrom<ReferralStatus>(
      "received",
      "awaiting-assessment",
      "decided",
      "closed",
      "failed",
    );
    const executionStatus = fc.constantFrom<WorkflowExecution["status"]>(
      "RUNNING",
      "SUCCEEDED",
      "FAILED",
      "TIMED_OUT",
      "ABORTED",
    );
    fc.assert(
      fc.property(
        statuses,
        fc.array(executionStatus, { maxLength: 6 }),
        fc.boolean(),
        (status, states, manual) => {
          const executions = states.map((state, n) => execution(resumeExecutionName("ref-1", n), state));
          const verdict = assessRecovery(snapshot(status, executions), NOW, { manual });
          if (states.at(-1) === "RUNNING" || states.at(-1) === "SUCCEEDED")
            expect(verdict.action.kind).not.toBe("start");
          if (!verdict.needsAttention) expect(verdict.action).toEqual({ kind: "none" });
          if (verdict.action.kind === "start") {
            // A fresh name: the next in the sequence, never one that exists.
            expect(executions.map((e) => e.name)).not.toContain(verdict.action.executionName);
            expect(referralIdOfExecution(verdict.action.executionName)).toBe("ref-1");
          }
        },
      ),
    );
  });
});

/** Executions in memory, keyed by name, as Step Functions keeps them. */
class FakeExecutions implements WorkflowExecutions {
  readonly all = new Map<string, WorkflowExecution & { input?: WorkflowInput }>();

  async ofReferral(referralId: string) {
    const found: WorkflowExecution[] = [];
    for (let n = 0; this.all.has(resumeExecutionName(referralId, n)); n++) {
      found.push(this.all.get(resumeExecutionName(referralId, n)) as WorkflowExecution);
    }
    return found;
  }

  async listUnsuccessful() {
    return [...this.all.values()]
      .filter((e) => !["RUNNING", "SUCCEEDED"].includes(e.status))
      .map((e) => e.name);
  }

  async start(name: string, input: WorkflowInput) {
    if (this.all.has(name)) return false;
    this.all.set(name, { ...execution(name, "RUNNING"), input });
    return true;
  }
}

function recoveryWorld() {
  const store = new InMemoryReferralStore();
  const executions = new FakeExecutions();
  const workflow = new FakeWorkflow();
  const metrics = new RecordingMetrics();
  const deps = {
    store,
    executions,
    workflow,
    metrics,
    clock: new FakeClock(NOW),
    referralsWithStatus: async (status: ReferralStatus) => {
      const ids: string[] = [];
      for (const id of ["ref-1", "ref-2", "ref-3", "ref-4"])
        if ((await store.getReferral(id))?.status === status) ids.push(id);
      return ids;
    },
  };
  return { store, executions, workflow, metrics, deps };
}

const event = {
  type: "referral-received" as const,
  at: LONG_AGO,
  actor: { kind: "system" as const, id: "t" },
};

describe("a reconciler run", () => {
  it("resumes what is stranded or failed, counts each in the metric, and leaves healthy referrals alone", async () => {
    const { store, executions, metrics, deps } = recoveryWorld();
    const idem = (key: string) => ({
      scope: "p",
      key,
      bodyHash: "h",
      referralId: key,
      response: {},
      createdAt: LONG_AGO,
    });
    // ref-1: received long ago, never started. ref-2: running. ref-3: failed at the letters, decided.
    await store.createReferral(testReferral({ referralId: "ref-1" }), idem("ref-1"), event);
    await store.createReferral(
      testReferral({ referralId: "ref-2", status: "awaiting-assessment" }),
      idem("ref-2"),
      event,
    );
    await store.createReferral(
      testReferral({ referralId: "ref-3", status: "decided", decision }),
      idem("ref-3"),
      event,
    );
    executions.all.set("ref-2", execution("ref-2", "RUNNING"));
    executions.all.set("ref-3", execution("ref-3", "FAILED"));

    const report = await reconcile(deps);

    expect(report.checked).toBe(3);
    expect(report.outcomes.map((o) => [o.referralId, o.finding, o.result])).toEqual([
      ["ref-1", "stranded", "done"],
      ["ref-3", "failed", "done"],
    ]);
    expect(executions.all.get("ref-1")?.input).toEqual({ referralId: "ref-1" });
    expect(executions.all.get("ref-3-r1")?.input).toEqual({
      referralId: "ref-3",
      assessment: { taskId: "task-1", outcome: "refused" },
    });
    expect(metrics.records).toEqual([
      { name: RECOVERY_METRIC, ids: { referralId: "ref-1" } },
      { name: RECOVERY_METRIC, ids: { referralId: "ref-3" } },
    ]);
    const trail = (await store.getReferralFile("ref-3"))?.events.map((e) => e.type);
    expect(trail).toContain("workflow-resumed");

    // The next run finds them running: nothing more to do, nothing counted.
    const again = await reconcile(deps);
    expect(again.outcomes).toEqual([]);
    expect(metrics.records).toHaveLength(2);
  });

  it("sends a stored decision on in its first run once the answering request had its grace period, with the task's current token", async () => {
    const { store, executions, workflow, deps } = recoveryWorld();
    const referral = testReferral({ referralId: "ref-4", status: "awaiting-assessment" });
    await store.createReferral(
      referral,
      { scope: "p", key: "k4", bodyHash: "h", referralId: "ref-4", response: {}, createdAt: LONG_AGO },
      event,
    );
    const task = {
      taskId: "task-4",
      referralId: "ref-4",
      taskToken: "token-old",
      state: "open" as const,
      createdAt: LONG_AGO,
    };
    await store.createTask(task, event);
    await store.rearmTask(task, { taskToken: "token-now", rearmedAt: LONG_AGO }, event);
    // Stored by a request three minutes ago (wall clock): past the grace period.
    const storedAt = new Date(NOW.getTime() - 3 * 60_000).toISOString();
    await store.answerTask(
      { ...task, taskToken: "token-now" },
      { decision: decision.decision, answeredBy: "1234567", answeredAt: LONG_AGO, answerStoredAt: storedAt },
      event,
    );
    executions.all.set("ref-4", execution("ref-4", "RUNNING"));
    const world = { ...deps, wallClock: new FakeClock(NOW) };

    // The workflow is between two waits: the resume fails for now, and is tried on the next run.
    const between = await reconcile(world);
    expect(between.outcomes).toMatchObject([
      { referralId: "ref-4", finding: "decision-not-resumed", result: "later" },
    ]);
    expect(workflow.resumed).toEqual([]);

    // A fresh container (nothing remembered from an earlier run) sends it at once.
    workflow.waiting.add("token-now");
    const first = await reconcile({ ...deps, wallClock: new FakeClock(NOW) });
    expect(first.outcomes).toMatchObject([{ referralId: "ref-4", result: "done" }]);
    expect(workflow.resumed).toEqual([
      { taskToken: "token-now", output: { taskId: "task-4", outcome: "refused" } },
    ]);
  });

  it("leaves a decision stored seconds ago by the wall clock to its own request, however far the simulated clock ran", async () => {
    const { store, executions, workflow, deps } = recoveryWorld();
    await store.createReferral(
      testReferral({ referralId: "ref-4", status: "awaiting-assessment" }),
      { scope: "p", key: "k4", bodyHash: "h", referralId: "ref-4", response: {}, createdAt: LONG_AGO },
      event,
    );
    const task = {
      taskId: "task-4",
      referralId: "ref-4",
      taskToken: "token-now",
      state: "open" as const,
      createdAt: LONG_AGO,
    };
    await store.createTask(task, event);
    // Answered days ago on the simulated clock, stored 10 s ago on the wall clock.
    const wallNow = new Date("2026-01-10T09:00:00.000Z");
    await store.answerTask(
      task,
      {
        decision: decision.decision,
        answeredBy: "1234567",
        answeredAt: LONG_AGO,
        answerStoredAt: new Date(wallNow.getTime() - 10_000).toISOString(),
      },
      event,
    );
    executions.all.set("ref-4", execution("ref-4", "RUNNING"));
    workflow.waiting.add("token-now");

    const run = await reconcile({ ...deps, wallClock: new FakeClock(wallNow) });
    expect(run.outcomes).toEqual([]);
    expect(workflow.resumed).toEqual([]);

    const later = await reconcile({
      ...deps,
      wallClock: new FakeClock(new Date(wallNow.getTime() + 3 * 60_000)),
    });
    expect(later.outcomes).toMatchObject([{ referralId: "ref-4", result: "done" }]);
    expect(workflow.resumed).toHaveLength(1);
  });

  it("resumes a failed referral by hand: its status back to awaiting assessment, a new execution", async () => {
    const { store, executions, deps } = recoveryWorld();
    await store.createReferral(
      testReferral({
        referralId: "ref-1",
        status: "failed",
        assignment,
        failure: { error: "X", at: LONG_AGO },
      }),
      { scope: "p", key: "k1", bodyHash: "h", referralId: "ref-1", response: {}, createdAt: LONG_AGO },
      event,
    );
    for (let n = 0; n <= RECOVERY_POLICY.maxAutomaticResumes; n++) {
      executions.all.set(
        resumeExecutionName("ref-1", n),
        execution(resumeExecutionName("ref-1", n), "FAILED"),
      );
    }
    expect((await reconcile(deps)).outcomes).toMatchObject([{ referralId: "ref-1", finding: "gave-up" }]);
    expect((await store.getReferral("ref-1"))?.status).toBe("failed");

    const outcome = await resumeReferral(deps, "ref-1");

    expect(outcome).toMatchObject({ finding: "failed", result: "done" });
    expect((await store.getReferral("ref-1"))?.status).toBe("awaiting-assessment");
    expect(executions.all.get(`ref-1-r${RECOVERY_POLICY.maxAutomaticResumes + 1}`)?.status).toBe("RUNNING");
  });
});

describe("the record of a run, for operations' home", () => {
  it("keeps what each finding was and what was done, the execution started, and counts every finding while keeping at most a page", () => {
    fc.assert(
      fc.property(fc.nat({ max: 250 }), (count) => {
        // Prepare: every other finding resumed with a new execution, the rest left for a person.
        const outcomes = Array.from({ length: count }, (_, index) =>
          index % 2 === 0
            ? {
                referralId: `r-${index}`,
                finding: "failed" as const,
                action: {
                  kind: "start" as const,
                  executionName: `r-${index}-r1`,
                  input: { referralId: `r-${index}` },
                },
                needsAttention: true,
                result: "done",
              }
            : {
                referralId: `r-${index}`,
                finding: "gave-up" as const,
                action: { kind: "none" as const },
                needsAttention: true,
              },
        );

        // Act
        const run = recoveryRunOf({ checked: count + 3, outcomes }, new Date("2026-04-20T07:45:00Z"), "arn");

        // Assess
        expect(run.found).toBe(count);
        expect(run.checked).toBe(count + 3);
        expect(run.findings).toHaveLength(Math.min(count, RECOVERY_RUN_FINDINGS_KEPT));
        run.findings.forEach((finding, index) => {
          expect(finding).toEqual(
            index % 2 === 0
              ? {
                  referralId: `r-${index}`,
                  finding: "failed",
                  action: "start",
                  result: "done",
                  executionName: `r-${index}-r1`,
                }
              : { referralId: `r-${index}`, finding: "gave-up", action: "none" },
          );
        });
      }),
    );
  });
});
