/**
 * The `byPatient` index of the referral table: a patient's referrals by a hash of the national ID
 * (`gsi3pk` = "PATIENT#<hash>", `gsi3sk` = "<receivedAt>#<referralId>"), written with the referral
 * (dynamo-referral-store.ts), so staff can find a referral again by the patient's national ID with
 * one Query, never a scan. The national ID itself is in no key: keys reach places the items do not
 * (consumed-capacity samples, error messages, the local IAM check).
 */
import { createHash } from "node:crypto";
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { PatientIndex } from "../domain/staff-search";
import { dynamoDocumentClient } from "./clients";
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
