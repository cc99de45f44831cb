/**
 * The postal list on the `worklist` index: letters waiting to be posted carry
 * gsi1pk = "LETTER#awaiting-postal" and gsi1sk = "<createdAt>#<referralId>#<kind>#<role>" (set by the
 * referral store, removed when the letter is marked posted), so one Query lists them oldest first.
 *
 * The index projects ALL attributes, the letter's body included; a ProjectionExpression reads only
 * what the list shows.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  InvalidPostalCursor,
  letterIdOf,
  type PostalLetter,
  type PostalList,
  type PostalQuery,
  type PostalQueue,
} from "../domain/postal";
import type { LetterRecord } from "../domain/records";
import { dynamoDocumentClient } from "./clients";
import { AWAITING_POSTAL_PARTITION } from "./dynamo-referral-store";
import { WORKLIST_INDEX } from "./dynamo-worklist";
import { requireEnv } from "./env";

const PROJECTED = [
  "referralId",
  "letterKind",
  "requestId",
  "recipientRole",
  "createdAt",
  "subject",
  "postalAddress",
] as const;

const CURSOR_KEYS = ["gsi1pk", "gsi1sk", "pk", "sk"] as const;
type CursorKey = Record<(typeof CURSOR_KEYS)[number], string>;

/** A LastEvaluatedKey as an opaque, URL-safe cursor. */
export function encodePostalCursor(key: Record<string, unknown>): string {
  const ordered = Object.fromEntries(CURSOR_KEYS.map((name) => [name, key[name]]));
  return Buffer.from(JSON.stringify(ordered), "utf8").toString("base64url");
}

/** A cursor back into an ExclusiveStartKey of the postal partition; anything else throws. */
export function decodePostalCursor(cursor: string): CursorKey {
  const invalid = () => new InvalidPostalCursor("must be a cursor from a previous page of this list");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalid();
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== CURSOR_KEYS.length || !CURSOR_KEYS.every((name) => typeof record[name] === "string")) {
    throw invalid();
  }
  const key = record as CursorKey;
  if (
    key.gsi1pk !== AWAITING_POSTAL_PARTITION ||
    !key.pk.startsWith("REFERRAL#") ||
    !key.sk.startsWith("LETTER#")
  ) {
    throw invalid();
  }
  return key;
}

/** DynamoDB implementation of the PostalQueue port. */
export class DynamoPostalQueue implements PostalQueue {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(query: PostalQuery): Promise<PostalList> {
    const startKey = query.cursor === undefined ? undefined : decodePostalCursor(query.cursor);
    const names = Object.fromEntries(PROJECTED.map((name) => [`#${name}`, name]));
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: WORKLIST_INDEX,
        KeyConditionExpression: "gsi1pk = :postal",
        ExpressionAttributeValues: { ":postal": AWAITING_POSTAL_PARTITION },
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(names).join(", "),
        ScanIndexForward: true,
        Limit: query.limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const letters = (Items ?? []).map((item) => toPostalLetter(item as LetterRecord));
    return { letters, ...(LastEvaluatedKey ? { nextCursor: encodePostalCursor(LastEvaluatedKey) } : {}) };
  }
}

function toPostalLetter(item: LetterRecord): PostalLetter {
  return {
    letterId: letterIdOf(item),
    referralId: item.referralId,
    letterKind: item.letterKind,
    recipientRole: item.recipientRole,
    createdAt: item.createdAt,
    subject: item.subject,
    ...(item.recipientRole === "patient" && item.postalAddress ? { postalAddress: item.postalAddress } : {}),
  };
}

/** The postal list on TABLE_NAME, over the shared document client. */
export function postalQueueFromEnv(): PostalQueue {
  return new DynamoPostalQueue(dynamoDocumentClient, requireEnv("TABLE_NAME"));
}
