/**
 * The patient index backfill on the local stack: referrals stored before the `byPatient` index
 * existed (written here as an older Frist wrote them: no index keys) are not found by national ID;
 * the deployed BackfillPatientIndex function, cold with only its own environment and its own role
 * policy, keys them (a second run keys nothing); the lead's search by national ID then finds the old
 * referral and leaves one access-log entry. No national ID is in the function's log lines. A run that
 * must stop answers a cursor, and runs from it key the rest.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClientOf, dynamoClient } from "../../functions/adapters/clients";
import { DynamoPatientIndexBackfill } from "../../functions/adapters/dynamo-patient-index";
import { makeNationalId } from "../../functions/domain/national-id";
import type { ReferralStatus } from "../../functions/domain/referral-labels";
import { LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import type { LocalStack } from "../../lib/local/local-stack";
import { readFunctions } from "../../lib/local/template";
import { bundleFunctions, invokeCold } from "../support/bundles";
import { lead } from "../support/e2e";
import { testReferral, testSubmission } from "../support/fakes";
import { fetchAs, type SignedIn, signIn } from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

let stack: LocalStack;
let dir: string;
let documents: ReturnType<typeof documentClientOf>;
let tableName: string;
let asLead: SignedIn;

/** A national ID no other referral here has, from the individual numbers given. */
function nationalIdFrom(birthDate: string, from: number): string {
  for (let individual = from; individual < from + 100; individual++) {
    const id = makeNationalId(birthDate, individual);
    if (id) return id;
  }
  throw new Error("no national ID");
}

beforeAll(async () => {
  stack = await startTestStack({ log: () => undefined });
  // The old referrals here have no workflow: the reconciler would try to resume them.
  await stack.recovery?.stop();
  tableName = String(stack.tableNames[0]);
  documents = documentClientOf(
    dynamoClient({ endpoint: stack.dynamodbEndpoint, region: stack.region, credentials: LOCAL_CREDENTIALS }),
  );
  dir = mkdtempSync(path.join(tmpdir(), "frist-backfill-"));
  asLead = await signIn(stack, lead);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A referral as Frist stored it before the patient index: its record and worklist keys, no `gsi3pk`. */
async function storedBeforeTheIndex(nationalId: string, status: ReferralStatus, name: string) {
  const base = testSubmission();
  const referral = testReferral({
    referralId: randomUUID(),
    status,
    submission: { ...base, patient: { ...base.patient, nationalId, name } },
  });
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: `REFERRAL#${referral.referralId}`,
        sk: "REFERRAL",
        gsi1pk: status,
        gsi1sk: `${referral.assessmentDueDate}#${referral.referralId}`,
        recordType: "referral",
        ...referral,
      },
    }),
  );
  return referral.referralId;
}

/** The lead's search by national ID (JSON, with the home's token): the ids found. */
async function searchByNationalId(nationalId: string): Promise<string[]> {
  const home = (await (
    await fetchAs(asLead, `${stack.apiUrl}/staff`, { headers: { accept: "application/json" } })
  ).json()) as { csrfToken: string };
  const response = await fetchAs(asLead, `${stack.apiUrl}/staff/search`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": home.csrfToken },
    body: JSON.stringify({ query: nationalId }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { referrals: { referralId: string }[] };
  return body.referrals.map((referral) => referral.referralId);
}

/** The search entries in a referral's access log. */
async function searchesOf(referralId: string) {
  const log = (await (
    await fetchAs(asLead, `${stack.apiUrl}/access-log/${referralId}`, {
      headers: { accept: "application/json" },
    })
  ).json()) as { events: { who: string; what: string; searched?: unknown }[] };
  return log.events.filter((event) => event.what === "search");
}

describe("the patient index backfill", () => {
  it("lets the lead find a referral stored before the index by national ID once the deployed function has run, twice without harm", async () => {
    // Prepare: two referrals of an older Frist, in two status partitions; the search misses them.
    const oldPatient = nationalIdFrom("1961-02-03", 200);
    const otherPatient = nationalIdFrom("1972-08-09", 300);
    const oldReferral = await storedBeforeTheIndex(oldPatient, "closed", "Olga Oldtid");
    await storedBeforeTheIndex(otherPatient, "received", "Otto Oldtid");
    const missed = await searchByNationalId(oldPatient);
    const fn = Object.values(readFunctions(stack.template)).find((candidate) =>
      candidate.entry.endsWith("backfill-patient-index.ts"),
    );
    if (!fn) throw new Error("no BackfillPatientIndex function in the template");
    const bundle = (await bundleFunctions([fn], dir))[fn.logicalId] as string;
    // Its log lines printed (a quiet stack silences them), to check what they say.
    const env = { ...stack.environmentOf(fn.logicalId), FRIST_QUIET: "0" };

    // Act: the function as an operator invokes it, twice.
    const first = await invokeCold(bundle, fn.handlerName, env, {});
    const second = await invokeCold(bundle, fn.handlerName, env, {});
    const found = await searchByNationalId(oldPatient);

    // Assess
    expect(missed).toEqual([]);
    expect(first).toMatchObject({ phase: "invoke", ok: true, result: { keyed: 2, done: true } });
    expect(second).toMatchObject({ phase: "invoke", ok: true, result: { keyed: 0, done: true } });
    expect(await stack.iam.refusals()).toEqual([]);
    expect(first.output).toContain("keyed 2 referral(s)");
    for (const output of [first.output, second.output]) {
      expect(output).not.toContain(oldPatient);
      expect(output).not.toContain(otherPatient);
    }
    expect(found).toEqual([oldReferral]);
    // The search before the backfill found nothing (one entry under no referral); this one, one here.
    expect(await searchesOf(oldReferral)).toEqual([
      expect.objectContaining({ who: lead, searched: { by: "national-id", term: oldPatient } }),
    ]);
  }, 240_000);

  it("stops between pages with a cursor, and runs from each cursor key the rest, each referral once", async () => {
    // Prepare: old referrals in three status partitions.
    const patients = [
      nationalIdFrom("1980-01-10", 400),
      nationalIdFrom("1981-01-10", 400),
      nationalIdFrom("1982-01-10", 400),
    ];
    const ids = [
      await storedBeforeTheIndex(patients[0] as string, "received", "Per Pause"),
      await storedBeforeTheIndex(patients[1] as string, "decided", "Pia Pause"),
      await storedBeforeTheIndex(patients[2] as string, "failed", "Pål Pause"),
    ];
    const backfill = new DynamoPatientIndexBackfill(documents, tableName);

    // Act: every run stops after its first page.
    let keyed = 0;
    let runs = 0;
    let cursor: string | undefined;
    do {
      const progress = await backfill.run({ ...(cursor ? { cursor } : {}), shouldStop: () => true });
      keyed += progress.keyed;
      cursor = progress.cursor;
      runs += 1;
    } while (cursor && runs < 20);

    // Assess: one run per status partition, each referral keyed once, and each found.
    expect(runs).toBe(5);
    expect(keyed).toBe(3);
    expect(await backfill.run()).toEqual({ keyed: 0 });
    for (const [index, patient] of patients.entries()) {
      expect(await searchByNationalId(patient)).toEqual([ids[index]]);
    }
    await expect(backfill.run({ cursor: "not-a-cursor" })).rejects.toThrow(
      "the cursor is not one the patient index backfill wrote",
    );
  }, 120_000);
});
