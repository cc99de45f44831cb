/**
 * The `byPatient` index of the referral table: a patient's referrals by a hash of the national ID
 * (`gsi3pk` = "PATIENT#<hash>", `gsi3sk` = "<receivedAt>#<referralId>"), written with the referral
 * (dynamo-referral-store.ts), so staff can find a referral again by the patient's national ID with
 * one Query, never a scan. The national ID itself is in no key: keys reach places the items do not
 * (consumed-capacity samples, error messages, the local IAM check).
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { REFERRAL_STATUSES, type ReferralStatus } from "../domain/referral-labels";
import type { PatientIndex, PatientIndexBackfill } from "../domain/staff-search";
import { dynamoDocumentClient } from "./clients";
import { referralKey } from "./dynamo-table";
import { requireEnv } from "./env";

/** The index name, as lib/constructs/referral-store.ts creates it. */
export const PATIENT_INDEX = "byPatient";

/** How many of a patient's referrals one search reads, newest first: more than any patient has. */
const MAX_REFERRALS_PER_PATIENT = 50;

/** The index partition of a national ID: a hash, so the number is in no key. */
export function patientPartition(nationalId: string): string {
  return `PATIENT#${createHash("sha256").update(`frist:patient:${nationalId}`).digest("base64url")}`;
}

/** The `byPatient` index keys of a referral. */
export const patientIndexKeys = (nationalId: string, receivedAt: string, referralId: string) => ({
  gsi3pk: patientPartition(nationalId),
  gsi3sk: `${receivedAt}#${referralId}`,
});

/** DynamoDB implementation of the PatientIndex port. */
export class DynamoPatientIndex implements PatientIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async referralIdsOf(nationalId: string): Promise<string[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PATIENT_INDEX,
        KeyConditionExpression: "gsi3pk = :patient",
        ExpressionAttributeValues: { ":patient": patientPartition(nationalId) },
        ProjectionExpression: "pk",
        ScanIndexForward: false,
        Limit: MAX_REFERRALS_PER_PATIENT,
      }),
    );
    return (Items ?? [])
      .map((item) => /^REFERRAL#(.+)$/.exec(String(item.pk))?.[1])
      .filter((id): id is string => id !== undefined);
  }
}

/** The patient index on TABLE_NAME, over the shared document client. */
export function patientIndexFromEnv(): PatientIndex {
  return new DynamoPatientIndex(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}

/**
 * How far one run of the patient index backfill got: referrals this run keyed, and where the next
 * run starts (absent when every referral has been looked at).
 */
export type PatientIndexBackfillProgress = Awaited<ReturnType<PatientIndexBackfill["run"]>>;

/** A cursor the backfill did not write (hand-edited, or from another list). */
export class InvalidBackfillCursor extends Error {
  override readonly name = "InvalidBackfillCursor";
  constructor() {
    super("the cursor is not one the patient index backfill wrote");
  }
}

/** Referrals read per Query page: a page's writes take well under a second. */
const BACKFILL_PAGE_SIZE = 100;

/** Where the backfill stands: the status partition of the worklist index, and the key to go on from. */
interface BackfillPosition {
  status: ReferralStatus;
  startKey?: Record<string, string>;
}

function encodeBackfillCursor(position: BackfillPosition): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

function decodeBackfillCursor(cursor: string): BackfillPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidBackfillCursor();
  }
  const { status, startKey } = (value ?? {}) as { status?: unknown; startKey?: unknown };
  const known = REFERRAL_STATUSES.find((candidate) => candidate === status);
  const keyOk =
    startKey === undefined ||
    (typeof startKey === "object" &&
      startKey !== null &&
      Object.values(startKey).every((part) => typeof part === "string"));
  if (!known || !keyOk) throw new InvalidBackfillCursor();
  return startKey === undefined
    ? { status: known }
    : { status: known, startKey: startKey as Record<string, string> };
}

/**
 * Gives the referrals stored before the `byPatient` index existed their index keys, so staff find
 * them by the patient's national ID. Every referral is in the `worklist` index under its status, so
 * the backfill Queries those partitions (no Scan: no function may scan the table), reading only the
 * referrals without the keys, and sets the keys with a condition: only on a referral that still has
 * none and still names the same patient, so it never overwrites what a newer write put there.
 * Idempotent (a second run keys nothing) and resumable: a run that must stop answers a cursor, and
 * the next run goes on from it.
 */
export class DynamoPatientIndexBackfill implements PatientIndexBackfill {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Keys the referrals without `byPatient` keys, from `cursor` (or the start), page by page until
   * all are done or `shouldStop` says so between pages.
   */
  async run(
    options: { cursor?: string; shouldStop?: () => boolean } = {},
  ): Promise<PatientIndexBackfillProgress> {
    let position: BackfillPosition = options.cursor
      ? decodeBackfillCursor(options.cursor)
      : { status: REFERRAL_STATUSES[0] };
    let keyed = 0;
    for (;;) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "worklist",
          KeyConditionExpression: "gsi1pk = :status",
          FilterExpression: "recordType = :referral AND attribute_not_exists(gsi3pk)",
          ProjectionExpression: "referralId, receivedAt, #submission.patient.nationalId",
          ExpressionAttributeNames: { "#submission": "submission" },
          ExpressionAttributeValues: { ":status": position.status, ":referral": "referral" },
          Limit: BACKFILL_PAGE_SIZE,
          ...(position.startKey ? { ExclusiveStartKey: position.startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (await this.keyOne(item)) keyed += 1;
      }
      const next = nextPosition(position, page.LastEvaluatedKey as Record<string, string> | undefined);
      if (!next) return { keyed };
      position = next;
      if (options.shouldStop?.()) return { keyed, cursor: encodeBackfillCursor(position) };
    }
  }

  /** Sets one referral's keys unless it has them already; true when this call set them. */
  private async keyOne(item: Record<string, unknown>): Promise<boolean> {
    const referralId = item.referralId;
    const receivedAt = item.receivedAt;
    const nationalId = (item.submission as { patient?: { nationalId?: unknown } } | undefined)?.patient
      ?.nationalId;
    if (typeof referralId !== "string" || typeof receivedAt !== "string" || typeof nationalId !== "string") {
      return false;
    }
    const keys = patientIndexKeys(nationalId, receivedAt, referralId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: referralKey(referralId),
          UpdateExpression: "SET gsi3pk = :pk, gsi3sk = :sk",
          // Never over keys a newer write set, nor with a national ID an amendment has replaced.
          ConditionExpression:
            "attribute_exists(pk) AND attribute_not_exists(gsi3pk) AND #submission.patient.nationalId = :nationalId",
          ExpressionAttributeNames: { "#submission": "submission" },
          ExpressionAttributeValues: { ":pk": keys.gsi3pk, ":sk": keys.gsi3sk, ":nationalId": nationalId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** The position after a page: the same partition from its last key, else the next status, else none. */
function nextPosition(
  position: BackfillPosition,
  lastKey: Record<string, string> | undefined,
): BackfillPosition | undefined {
  if (lastKey) return { status: position.status, startKey: lastKey };
  const next = REFERRAL_STATUSES[REFERRAL_STATUSES.indexOf(position.status) + 1];
  return next ? { status: next } : undefined;
}

/** The patient index backfill on TABLE_NAME, over the shared document client. */
export function patientIndexBackfillFromEnv(): DynamoPatientIndexBackfill {
  return new DynamoPatientIndexBackfill(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
