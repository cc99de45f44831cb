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
import { type CursorKey, decodeCursor, encodeCursor } from "./dynamo-cursor";
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

/** A cursor back into an ExclusiveStartKey of the postal partition; anything else throws. */
export function decodePostalCursor(cursor: string): CursorKey {
  const invalid = () => new InvalidPostalCursor("must be a cursor from a previous page of this list");
  const key = decodeCursor(cursor);
  if (
    key === undefined ||
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
    return { letters, ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}) };
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
