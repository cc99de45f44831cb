/**
 * The worklist on the `worklist` index of the referral table: partition `gsi1pk` = status, sort
 * `gsi1sk` = "<assessmentDueDate>#<referralId>", so one Query returns a status's referrals soonest
 * deadline first, and "due before D" is a key condition (`gsi1sk < D`: "D#…" sorts after "D").
 *
 * The index projects ALL attributes, patient data included; a ProjectionExpression reads only the
 * worklist's own attributes, so health data never even reaches the function's memory.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  InvalidCursor,
  type Worklist,
  type WorklistPage,
  type WorklistQuery,
  type WorklistRow,
} from "../domain/worklist";
import { dynamoDocumentClient } from "./clients";
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

/** The key of a row in the index: the index keys plus the table keys (what LastEvaluatedKey holds). */
const CURSOR_KEYS = ["gsi1pk", "gsi1sk", "pk", "sk"] as const;
type CursorKey = Record<(typeof CURSOR_KEYS)[number], string>;

/** Turns a LastEvaluatedKey into an opaque, URL-safe cursor (base64url of its JSON). */
export function encodeCursor(key: Record<string, unknown>): string {
  const ordered = Object.fromEntries(CURSOR_KEYS.map((name) => [name, key[name]]));
  return Buffer.from(JSON.stringify(ordered), "utf8").toString("base64url");
}

/**
 * Turns a cursor back into an ExclusiveStartKey, accepting only what `encodeCursor` makes for a
 * referral of `status`: exactly the four key attributes, all strings of the right form. Anything
 * else throws InvalidCursor before DynamoDB is asked, so a forged cursor cannot steer the Query.
 */
export function decodeCursor(cursor: string, status: string): CursorKey {
  const invalid = () => new InvalidCursor("must be a cursor from a previous page of this worklist");
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalid();
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== CURSOR_KEYS.length || !CURSOR_KEYS.every((name) => keys.includes(name))) {
    throw invalid();
  }
  const { gsi1pk, gsi1sk, pk, sk } = record;
  if (
    typeof gsi1pk !== "string" ||
    typeof gsi1sk !== "string" ||
    typeof pk !== "string" ||
    typeof sk !== "string"
  ) {
    throw invalid();
  }
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

  async page(query: WorklistQuery): Promise<WorklistPage> {
    const startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.status);
    const names = Object.fromEntries(PROJECTED.map((name) => [`#${name}`, name]));
    const values: Record<string, string> = { ":status": query.status };
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
        ExpressionAttributeValues: values,
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(names).join(", "),
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
  return new DynamoWorklist(dynamoDocumentClient, requireEnv("TABLE_NAME"));
}
