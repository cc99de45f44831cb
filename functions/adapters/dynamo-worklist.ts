/**
 * The worklist on the `worklist` index of the referral table: partition `gsi1pk` = status, sort
 * `gsi1sk` = "<assessmentDueDate>#<referralId>", so one Query returns a status's referrals soonest
 * deadline first, and "due before D" is a key condition (`gsi1sk < D`: "D#…" sorts after "D").
 *
 * The index projects ALL attributes, patient data included; a ProjectionExpression reads only the
 * worklist's own attributes, so health data never even reaches the function's memory.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { CURSOR_PATTERN } from "../domain/paging";
import {
  InvalidCursor,
  type Worklist,
  type WorklistPage,
  type WorklistQuery,
  type WorklistRow,
} from "../domain/worklist";
import { dynamoDocumentClient } from "./clients";
import { type CursorKey, decodeCursor, encodeCursor } from "./dynamo-cursor";
import { requireEnv } from "./env";

/** The index name, as lib/constructs/referral-store.ts creates it. */
export const WORKLIST_INDEX = "worklist";

/** The attributes read for a worklist line (aliased: `status` and friends are DynamoDB reserved words). */
const PROJECTED = [
  "referralId",
  "status",
  "kind",
  "priority",
  "receivedAt",
  "assessmentDueDate",
  "deadlineBreached",
  "atRisk",
] as const;

/**
 * Turns a cursor back into an ExclusiveStartKey, accepting only what `encodeCursor` makes for a
 * referral of `status`: exactly the four key attributes, all strings of the right form. Anything
 * else throws InvalidCursor before DynamoDB is asked, so a forged cursor cannot steer the Query.
 */
export function decodeWorklistCursor(cursor: string, status: string): CursorKey {
  const invalid = () => new InvalidCursor("must be a cursor from a previous page of this worklist");
  if (!CURSOR_PATTERN.test(cursor)) throw invalid();
  const key = decodeCursor(cursor);
  if (key === undefined) throw invalid();
  const { gsi1pk, gsi1sk, pk, sk } = key;
  const referralId = /^REFERRAL#(.+)$/.exec(pk)?.[1];
  if (
    gsi1pk !== status ||
    sk !== "REFERRAL" ||
    referralId === undefined ||
    gsi1sk !== `${gsi1sk.slice(0, 10)}#${referralId}` ||
    !/^\d{4}-\d{2}-\d{2}$/.test(gsi1sk.slice(0, 10))
  ) {
    throw invalid();
  }
  return { gsi1pk, gsi1sk, pk, sk };
}

/** DynamoDB implementation of the Worklist port. */
export class DynamoWorklist implements Worklist {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(query: WorklistQuery, portal?: string): Promise<WorklistPage> {
    const startKey =
      query.cursor === undefined ? undefined : decodeWorklistCursor(query.cursor, query.status);
    const projected = Object.fromEntries(PROJECTED.map((name) => [`#${name}`, name]));
    const names: Record<string, string> = {
      ...projected,
      ...(portal !== undefined ? { "#portal": "portal" } : {}),
    };
    const values: Record<string, string> = {
      ":status": query.status,
      ...(portal !== undefined ? { ":portal": portal } : {}),
    };
    let keyCondition = "gsi1pk = :status";
    if (query.dueBefore !== undefined) {
      keyCondition += " AND gsi1sk < :dueBefore";
      values[":dueBefore"] = query.dueBefore;
    }
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: WORKLIST_INDEX,
        KeyConditionExpression: keyCondition,
        // The portal's own referrals only. A filter on the status partition rather than an index
        // of its own: a clinic has a handful of portals and tens of referrals a day, so a page
        // reads at most `limit` items and drops the other portals' (server-side, never seen here).
        ...(portal !== undefined ? { FilterExpression: "#portal = :portal" } : {}),
        ExpressionAttributeValues: values,
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(projected).join(", "),
        ScanIndexForward: true,
        Limit: query.limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return {
      rows: (Items ?? []) as WorklistRow[],
      ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }
}

/** The worklist on TABLE_NAME, over the shared document client. */
export function worklistFromEnv(): Worklist {
  return new DynamoWorklist(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
