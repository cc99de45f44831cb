/**
 * Fault injection on the local stack: referrals at every step (just received, awaiting a decision, a
 * decision being recorded, letters being sent) while DynamoDB Local is frozen (SIGSTOP/SIGCONT of its
 * JVM), then the SES emulator answers 503 until two decisions' letters steps have each been refused
 * (their workflows' histories show it), then refuses every other call while two more referrals' task
 * emails go out. Afterwards every referral is where it
 * should be: none stranded, no decision lost, no letter twice, no partial letter set, no staff email
 * twice (each referral's task link to each assessor once). A portal's POST
 * during the outage answers 503 with Retry-After within 10 s, and the same key afterwards 202 with one
 * referral. The figures are printed.
 */
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../functions/adapters/clients";
import { CLAIM_LEASE_MS } from "../../functions/domain/send-once";
import { RETRY_POLICY } from "../../lib/constructs/referral-workflow";
import { LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import type { LocalStack } from "../../lib/local/local-stack";
import { executionArnFor } from "../../lib/local/stepfunctions/endpoint";
import {
  awaitFile,
  emailsOf,
  eventTypes,
  intakeTeam,
  patientEmail,
  postForm,
  referrerEmail,
  signInAsAssessor,
  submitAndAwaitTask,
  withPatient,
} from "../support/e2e";
import { eventually, fetchAs, mailbox, type SignedIn, submitReferral } from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

/** How long DynamoDB stays frozen, in ms: longer than the functions' 5 s request timeout. */
const DYNAMODB_PAUSE_MS = 8_000;
/**
 * How long a referral may take to come round after the outages. A staff email's claim written just
 * as DynamoDB froze lands after the client gave up on it: nobody sends that email until the claim's
 * lease has passed (the claim may be a send in flight), and then on the step's next retry, which
 * backs off up to RETRY_POLICY's longest wait. So the budget is the lease plus that wait, and some
 * room (210 s): 120 s alone (the lease itself) left the last task email unsent now and then. The
 * test's own timeout (480 s) holds two such waits (the flaky phase's and the final ones) and the
 * outages.
 */
const RECOVERY_TIMEOUT_MS = CLAIM_LEASE_MS + RETRY_POLICY.maxDelay.toMilliseconds() + 30_000;

let stack: LocalStack;
/** A signed-in assessor: task pages need a session. */
let assessorSession: SignedIn;

beforeAll(async () => {
  stack = await startTestStack();
  assessorSession = await signInAsAssessor(stack);
});

afterAll(async () => {
  stack?.faults.resumeDynamoDb();
  stack?.faults.failSes(false);
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const completed = (file: Record<string, unknown>) => eventTypes(file).includes("workflow-completed");
const awaitingWithTask = (file: Record<string, unknown>) =>
  file.status === "awaiting-assessment" && eventTypes(file).includes("assessors-notified");

const refusal = {
  outcome: "refused",
  justification: "Tilstanden gir ikke rett til nødvendig helsehjelp i spesialisthelsetjenesten.",
  advice: "Fortsett oppfølgingen hos fastlegen.",
  assessedBy: "1234567",
};

/** Times a request; resolves with its status, Retry-After and how long it took. */
async function timed(request: () => Promise<Response>) {
  const started = Date.now();
  const response = await request();
  await response.arrayBuffer();
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    ms: Date.now() - started,
  };
}

/** Whether a referral's workflow has had an attempt of its letters step fail (its execution history). */
function lettersRefused(referralId: string): boolean {
  const executionArn = executionArnFor(stack.stateMachineArn, referralId);
  let state = "";
  return stack.stepFunctions.engine.history(executionArn, false).some((event) => {
    const entered = event.stateEnteredEventDetails as { name?: string } | undefined;
    if (entered?.name) state = entered.name;
    return event.type === "TaskFailed" && state === "DispatchLetters";
  });
}

async function countReferralItems(): Promise<number> {
  const client = dynamoClient({
    endpoint: stack.dynamodbEndpoint,
    region: stack.region,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
  let count = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: stack.tableNames[0],
        FilterExpression: "recordType = :referral",
        ExpressionAttributeValues: { ":referral": { S: "referral" } },
        Select: "COUNT",
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  client.destroy();
  return count;
}

describe("faults on the local stack", () => {
  it("loses nothing through a frozen DynamoDB and a failing SES: no referral stranded, no decision lost, no letter or staff email twice, no partial set", async () => {
    // Prepare: four referrals waiting for a decision (their task emails sent).
    const waiting = [];
    for (let i = 0; i < 4; i++) {
      waiting.push(await submitAndAwaitTask(stack, withPatient(`Vente Pasient ${i}`), `faults-waiting-${i}`));
    }
    const [recordedA, recordedB, lettersA, lettersB] = waiting;
    if (!recordedA || !recordedB || !lettersA || !lettersB) throw new Error("four referrals expected");

    // Act 1: three referrals just received and two decisions being recorded when DynamoDB freezes.
    const received = await Promise.all(
      [0, 1, 2].map((i) => submitReferral(stack.apiUrl, withPatient(`Ny Pasient ${i}`), `faults-new-${i}`)),
    );
    const decidedBefore = await Promise.all([
      postForm(recordedA.taskLink, refusal, assessorSession),
      postForm(recordedB.taskLink, refusal, assessorSession),
    ]);
    stack.faults.pauseDynamoDb();
    const pausedAt = Date.now();
    const [portal, staff] = await Promise.all([
      timed(() =>
        fetch(`${stack.apiUrl}/referrals`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": "faults-during-outage" },
          body: JSON.stringify(withPatient("Utfall Pasient")),
        }),
      ),
      timed(() => fetchAs(assessorSession, lettersA.taskLink)),
    ]);
    await sleep(Math.max(0, DYNAMODB_PAUSE_MS - (Date.now() - pausedAt)));
    stack.faults.resumeDynamoDb();
    const dynamoPausedMs = Date.now() - pausedAt;
    const retried = await submitReferral(stack.apiUrl, withPatient("Utfall Pasient"), "faults-during-outage");

    // Act 2: SES fails while two more decisions send their letters, until each decision's letters
    // step has been refused: the fault is met however long a busy machine takes to get there, and
    // no longer than that (each refused attempt lengthens the retry's wait after it).
    stack.faults.failSes(true);
    const sesFailedAt = Date.now();
    const decidedDuring = [
      await postForm(lettersA.taskLink, refusal, assessorSession),
      await postForm(lettersB.taskLink, refusal, assessorSession),
    ];
    await eventually(
      async () =>
        [lettersA, lettersB].every(({ referralId }) => lettersRefused(referralId)) ? true : undefined,
      "each decision's letters refused by SES",
    );
    stack.faults.failSes(false);
    const sesFailedMs = Date.now() - sesFailedAt;

    // Act 3: SES flaky (every other call refused) while two more referrals get their task emails:
    // each notify step sends part of its set, fails, and is retried.
    stack.faults.failSes({ every: 2 });
    const refusedBeforeFlaky = stack.faults.sesRefusals();
    const flaky = await Promise.all(
      [0, 1].map((i) =>
        submitReferral(stack.apiUrl, withPatient(`Ustabil Pasient ${i}`), `faults-flaky-${i}`),
      ),
    );
    await Promise.all(
      flaky.map((r) =>
        awaitFile(
          stack,
          String(r.body.referralId),
          awaitingWithTask,
          "task emails through a flaky SES",
          RECOVERY_TIMEOUT_MS,
        ),
      ),
    );
    stack.faults.failSes(false);
    const flakyRefusals = stack.faults.sesRefusals() - refusedBeforeFlaky;

    // Assess: the outage answers.
    expect(portal.status).toBe(503);
    expect(portal.retryAfter).toMatch(/^\d+$/);
    expect(portal.ms).toBeLessThan(10_000);
    expect(staff.status).toBe(503);
    expect(staff.retryAfter).toMatch(/^\d+$/);
    expect(staff.ms).toBeLessThan(10_000);
    expect(retried.status).toBe(202);
    const replay = await submitReferral(stack.apiUrl, withPatient("Utfall Pasient"), "faults-during-outage");
    expect(replay.body.referralId).toBe(retried.body.referralId);

    // Assess: every referral where it belongs, once the retries came round.
    const decided = [recordedA, recordedB, lettersA, lettersB];
    const decisions = [...decidedBefore, ...decidedDuring];
    for (const answer of decisions) expect(answer.status).toBe(200);
    const undecidedIds = [
      ...received.map((r) => String(r.body.referralId)),
      String(retried.body.referralId),
      ...flaky.map((r) => String(r.body.referralId)),
    ];
    for (const r of [...received, ...flaky]) expect(r.status).toBe(202);

    const stranded: string[] = [];
    const lost: string[] = [];
    const duplicates: string[] = [];
    const partial: string[] = [];
    await Promise.all([
      ...decided.map(async ({ referralId }) => {
        const file = await awaitFile(
          stack,
          referralId,
          completed,
          `${referralId} completed`,
          RECOVERY_TIMEOUT_MS,
        ).catch(() => undefined);
        if (!file) {
          stranded.push(referralId);
          return;
        }
        if ((file.decision as { outcome?: string } | undefined)?.outcome !== "refused") lost.push(referralId);
      }),
      ...undecidedIds.map(async (referralId) => {
        const file = await awaitFile(
          stack,
          referralId,
          awaitingWithTask,
          `${referralId} awaiting assessment`,
          RECOVERY_TIMEOUT_MS,
        ).catch(() => undefined);
        if (!file) stranded.push(referralId);
      }),
    ]);
    for (const { referralId } of decided) {
      const recipients = (await emailsOf(stack, referralId)).map((email) => email.destination.to[0] ?? "");
      const expected = [referrerEmail, patientEmail];
      if (recipients.length !== new Set(recipients).size) duplicates.push(referralId);
      if (!expected.every((address) => recipients.includes(address))) partial.push(referralId);
    }
    // Staff emails (task links to the intake team, and any alert to the lead): each one once.
    const staffEmails = (await mailbox(stack.mailboxJsonUrl)).filter((email) =>
      intakeTeam.includes(email.destination.to[0] ?? ""),
    );
    const seen = new Set<string>();
    const duplicateStaffEmails: string[] = [];
    for (const email of staffEmails) {
      const key = `${email.destination.to[0]}\n${email.subject}\n${email.body.text ?? ""}`;
      if (seen.has(key)) duplicateStaffEmails.push(email.subject);
      seen.add(key);
    }
    // Every referral's task link reached its assessors (the intake team here) once each.
    const taskLinks = new Set(
      staffEmails.flatMap((email) => /\/tasks\/[A-Za-z0-9_-]+/.exec(email.body.text ?? "")?.[0] ?? []),
    );
    const referralItems = await countReferralItems();

    console.log(
      [
        "fault injection on the local stack:",
        `  referrals: ${decided.length + undecidedIds.length} (${decided.length} decided: 2 while DynamoDB froze, 2 while SES failed; ${undecidedIds.length} received around the outages: 4 around the freeze, 1 of them retried after a 503, and 2 while SES was flaky)`,
        `  faults: DynamoDB Local frozen (SIGSTOP) ${dynamoPausedMs} ms; SES answering 503 for ${sesFailedMs} ms; then SES refusing every other call (${flakyRefusals} refused) while 2 referrals' task emails went out; ${stack.faults.sesRefusals()} SES calls refused in all`,
        `  during the outage: POST /referrals ${portal.status} in ${portal.ms} ms (Retry-After ${portal.retryAfter}), task page ${staff.status} in ${staff.ms} ms; same key afterwards ${retried.status}`,
        `  outcomes: stranded ${stranded.length}, decisions lost ${lost.length}, duplicate letters ${duplicates.length}, partial letter sets ${partial.length}; referral records ${referralItems}`,
        `  staff emails: ${staffEmails.length} (${taskLinks.size} task links), duplicate staff emails ${duplicateStaffEmails.length}`,
      ].join("\n"),
    );
    expect(duplicateStaffEmails).toEqual([]);
    // One task link per referral, each to the whole intake team once.
    expect(taskLinks.size).toBe(decided.length + undecidedIds.length);
    for (const link of taskLinks) {
      const to = staffEmails
        .filter((email) => (email.body.text ?? "").includes(link))
        .map((email) => email.destination.to[0]);
      expect(to.sort(), `the recipients of ${link}`).toEqual([...intakeTeam].sort());
    }
    expect(stranded).toEqual([]);
    expect(lost).toEqual([]);
    expect(duplicates).toEqual([]);
    expect(partial).toEqual([]);
    expect(referralItems).toBe(decided.length + undecidedIds.length);
  }, 480_000);
});
