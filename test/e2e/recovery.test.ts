/**
 * Recovery on the local stack: a referral whose execution is gone (stopped, as a lost or aborted
 * execution would be) shows on the operations page as needing attention; the reconciler resumes it —
 * on its own run, or by the page's resume action — with a new execution from the referral's state, and
 * the task link the assessors already have still takes the decision, which sends the letters. What the
 * reconciler found also sets off its alarm on the local CloudWatch stand-in, which operations' home
 * shows in ALARM with what to do.
 */
import { SFNClient, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import { executionArnFor } from "../../lib/local/stepfunctions/endpoint";
import {
  awaitFile,
  emailsOf,
  eventTypes,
  patientEmail,
  referrerEmail,
  signInAsAssessor,
  submitAndAwaitTask,
  withPatient,
} from "../support/e2e";
import {
  csrfTokenIn,
  eventually,
  fetchAs,
  mailbox,
  postDecisionJson,
  type SignedIn,
  signIn,
} from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

/** The alarm on the reconciler's findings (lib/constructs/operations.ts). */
const RECOVERY_ALARM = "Frist-WorkflowsNeedingRecovery-Critical";

/** The operations person of cdk.json's frist:staff. */
const OPERATIONS = "per.berg@smerteklinikk.example";

describe("recovery on the local stack", () => {
  let stack: LocalStack;
  let sfn: SFNClient;

  beforeAll(async () => {
    stack = await startTestStack({ log: () => undefined });
    // The local runtime runs the reconciler every minute of real time. Here a test stops an execution
    // and then resumes it by hand or runs the reconciler itself: a scheduled run in between would
    // resume it first (on a busy machine a file easily outlasts a minute). Only the tests run it.
    await stack.recovery?.stop();
    sfn = new SFNClient({
      endpoint: stack.sfnEndpoint,
      region: stack.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });

  afterAll(async () => {
    sfn?.destroy();
    await stack?.stop();
  });

  /** The operations page's attention section, as operations sees it (the page also lists every execution by name). */
  let operationsSignIn: Promise<SignedIn> | undefined;
  const operationsSession = () => {
    operationsSignIn ??= signIn(stack, OPERATIONS);
    return operationsSignIn;
  };
  const attentionList = async () => {
    const page = await (await fetchAs(await operationsSession(), stack.operationsUrl)).text();
    return /<section id="attention">[\s\S]*?<\/section>/.exec(page)?.[0] ?? "";
  };
  const executionArnOf = (name: string) => executionArnFor(stack.stateMachineArn, name);
  const executionOf = (name: string) =>
    stack.stepFunctions.engine
      .listExecutions(stack.stateMachineArn)
      .find((execution) => execution.name === name);

  it("lists a referral whose execution stopped, resumes it from the page for operations only, and its old link still decides it without a new task email", async () => {
    // Prepare: a referral awaiting assessment, then its execution stopped.
    const { referralId, taskLink } = await submitAndAwaitTask(
      stack,
      withPatient("Rune Redning"),
      "recovery-1",
    );
    await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(referralId) }));
    await stack.stepFunctions.engine.waitForExecution(executionArnOf(referralId));

    // Assess: the operations page lists it, with a resume button.
    const listed = await attentionList();
    expect(listed).toContain("Referrals that need attention");
    expect(listed).toContain(referralId);
    expect(listed).toMatch(/its last execution failed, timed out or was aborted/);
    // Without a session the page is not shown at all, so neither is the referral.
    const anonymousPage = await fetch(stack.operationsUrl);
    expect(anonymousPage.status).toBe(401);
    expect(await anonymousPage.text()).not.toContain(referralId);

    // The resume action is for a signed-in operations person or the lead, with the page's token.
    const resumeUrl = new URL("/recovery/resume", stack.operationsUrl).href;
    const form = (fields: Record<string, string>, init: { cookie?: string; origin?: string } = {}) =>
      fetch(resumeUrl, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(init.cookie ? { cookie: init.cookie } : {}),
          ...(init.origin ? { origin: init.origin } : {}),
        },
        body: new URLSearchParams(fields).toString(),
        redirect: "manual",
      });
    const anonymous = await form({ referralId });
    expect(anonymous.status).toBe(401);
    const assessorSession = await signInAsAssessor(stack);
    const assessorPage = await fetchAs(assessorSession, stack.operationsUrl);
    expect(assessorPage.status).toBe(403);
    expect(await assessorPage.text()).not.toContain(referralId);
    expect((await form({ referralId, csrfToken: "x" }, { cookie: assessorSession.cookie })).status).toBe(403);
    const operations = await operationsSession();
    const operationsPage = await (await fetchAs(operations, stack.operationsUrl)).text();
    expect(operationsPage).toContain('action="/recovery/resume"');
    const csrfToken = csrfTokenIn(operationsPage);
    expect(csrfToken).not.toBe("");
    expect((await form({ referralId }, { cookie: operations.cookie })).status).toBe(403);
    expect(
      (await form({ referralId, csrfToken }, { cookie: operations.cookie, origin: "http://evil.example" }))
        .status,
    ).toBe(403);
    // Nothing of that resumed it.
    expect(executionOf(`${referralId}-r1`)).toBeUndefined();
    const taskEmailsBefore = (await mailbox(stack.mailboxJsonUrl)).filter((email) =>
      (email.body.text ?? "").includes(taskLink),
    ).length;

    // Act: the page's resume action, by operations.
    const resumed = await form({ referralId, csrfToken }, { cookie: operations.cookie });

    // Assess: a new execution runs it, the page no longer lists it, the trail says so.
    expect(resumed.status).toBe(303);
    expect(executionOf(`${referralId}-r1`)?.status).toBe("RUNNING");
    await awaitFile(
      stack,
      referralId,
      (file) => eventTypes(file).includes("workflow-resumed"),
      "the resume in the referral's events",
    );
    await eventually(
      async () => ((await attentionList()).includes(referralId) ? undefined : true),
      "the referral off the attention list",
    );

    // The resumed execution takes up the same task: no new task email. Counted once its notify step
    // has returned (the task submitted), so that an email it sent would be in the mailbox by then.
    await eventually(
      async () =>
        stack.stepFunctions.engine.tokens
          .list(executionArnOf(`${referralId}-r1`))
          .some((token) => token.status === "waiting") &&
        stack.stepFunctions.engine
          .history(executionArnOf(`${referralId}-r1`), false)
          .some((event) => event.type === "TaskSubmitted")
          ? true
          : undefined,
      "the resumed execution waiting for the decision",
    );
    const taskEmailsAfter = (await mailbox(stack.mailboxJsonUrl)).filter((email) =>
      (email.body.text ?? "").includes(taskLink),
    ).length;
    expect(taskEmailsAfter).toBe(taskEmailsBefore);

    // Act: the decision through the link the assessors had before.
    const decided = await postDecisionJson(
      taskLink,
      {
        outcome: "refused",
        justification:
          "Tilstanden er ikke av en slik art at pasienten har behov for tverrfaglig smertebehandling.",
        advice: "Fastlegen følger opp.",
        assessedBy: "1234567",
      },
      assessorSession,
    );

    // Assess: the letters go out once each, the new execution finishes.
    expect(decided.status).toBe(200);
    const to = await eventually(async () => {
      const sent = (await emailsOf(stack, referralId)).flatMap((email) => email.destination.to);
      return [referrerEmail, patientEmail].every((address) => sent.includes(address)) ? sent : undefined;
    }, "the decision letters");
    expect(to.filter((address) => address === referrerEmail)).toHaveLength(1);
    const done = await stack.stepFunctions.engine.waitForExecution(
      executionArnOf(`${referralId}-r1`),
      20_000,
    );
    expect(done.status).toBe("SUCCEEDED");
  });

  it("resumes a stranded referral on its own run and counts nothing for healthy ones", async () => {
    const { referralId } = await submitAndAwaitTask(stack, withPatient("Siri Strandet"), "recovery-2");
    const healthy = await submitAndAwaitTask(stack, withPatient("Hans Helse"), "recovery-3");
    await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(referralId) }));
    await stack.stepFunctions.engine.waitForExecution(executionArnOf(referralId));

    const report = (await stack.recovery?.run()) as {
      outcomes: { referralId: string; finding: string; result?: string }[];
    };

    const ours = [referralId, healthy.referralId];
    expect(report.outcomes.filter((outcome) => ours.includes(outcome.referralId))).toEqual([
      expect.objectContaining({ referralId, finding: "failed", result: "done" }),
    ]);
    expect(executionOf(`${referralId}-r1`)?.status).toBe("RUNNING");
    expect(executionOf(healthy.referralId)?.status).toBe("RUNNING");
    expect(executionOf(`${healthy.referralId}-r1`)).toBeUndefined();

    // Operations' home shows what the run found and did, linked to the execution it started.
    const home = (await (
      await fetchAs(await operationsSession(), `${stack.apiUrl}/staff`, {
        headers: { accept: "application/json" },
      })
    ).json()) as {
      operations: {
        failed: unknown[];
        recovery: { ranAt: string; checked: number; found: number; findings: Record<string, string>[] };
      };
    };
    const { recovery } = home.operations;
    expect(Array.isArray(home.operations.failed)).toBe(true);
    expect(recovery.found).toBe(report.outcomes.length);
    expect(recovery.checked).toBeGreaterThanOrEqual(2);
    expect(Date.parse(recovery.ranAt)).not.toBeNaN();
    expect(recovery.findings.filter((finding) => ours.includes(finding.referralId ?? ""))).toEqual([
      {
        referralId,
        finding: "failed",
        action: "start",
        result: "done",
        executionName: `${referralId}-r1`,
        href: expect.stringContaining(encodeURIComponent(executionArnOf(`${referralId}-r1`))),
      },
    ]);
    const page = await (
      await fetchAs(await operationsSession(), `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } })
    ).text();
    expect(page).toContain("Funn fra siste gjenoppretting");
    expect(page).toContain(
      `>${referralId}</a></th><td>Siste kjøring feilet, fikk tidsavbrudd eller ble avbrutt</td><td>Gjenopprettet med en ny kjøring</td>`,
    );

    // The run counted the referral (WorkflowsNeedingRecovery, an EMF line of the reconciler): its
    // alarm is in ALARM on operations' home, with what to do, read through DescribeAlarms.
    const alarm = await eventually(async () => {
      const answer = (await (
        await fetchAs(await operationsSession(), `${stack.apiUrl}/staff`, {
          headers: { accept: "application/json" },
        })
      ).json()) as {
        operations: {
          alarms: {
            readable: boolean;
            inAlarm: { name: string; since: string; reason: string; whatToDo: string }[];
            ok: number;
            insufficientData: number;
          };
        };
      };
      return answer.operations.alarms.inAlarm.find((a) => a.name === RECOVERY_ALARM);
    }, `${RECOVERY_ALARM} in ALARM on operations' home`);
    expect(alarm.reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints/);
    expect(alarm.whatToDo).toContain("Its log line ('workflow needs recovery') names the referral id.");
    expect(Date.parse(alarm.since)).not.toBeNaN();
    const alarmsPage = await (
      await fetchAs(await operationsSession(), `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } })
    ).text();
    expect(alarmsPage).toContain(`<h4>${RECOVERY_ALARM}</h4>`);
    expect(alarmsPage).toContain("Hva du gjør: Its log line");
    // The alarm names no referral: its text is the stack's, with no id and no patient data.
    expect(JSON.stringify(alarm)).not.toContain(referralId);
  });
});
