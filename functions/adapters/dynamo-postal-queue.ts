/**
 * The postal list on the `worklist` index: letters waiting to be posted carry
 * gsi1pk = "LETTER#awaiting-postal" and gsi1sk = "<createdAt>#<referralId>#<kind>#<role>" (set by the
 * referral store, removed when the letter is marked posted), so one Query lists them oldest first.
 *
 * The index projects ALL attributes, the letter's body included; a ProjectionExpression reads only
 * what the list shows.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { CURSOR_PATTERN } from "../domain/paging";
import {
  InvalidPostalCursor,
  letterIdOf,
  type PostalLetter,
  type PostalList,
  type PostalQuery,
  type PostalQueue,
  postalLetterSchema,
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

const LETTER_KINDS = postalLetterSchema.shape.letterKind.options;
const RECIPIENT_ROLES = postalLetterSchema.shape.recipientRole.options;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * A cursor back into an ExclusiveStartKey of the postal partition, accepting only what
 * `encodeCursor` makes from a letter's keys: the letter's table key (`REFERRAL#<id>`,
 * `LETTER#<kind>[#<request>]#<role>`) and the postal sort key those imply
 * (`<createdAt>#<id>#<kind>#<role>`). Anything else throws before DynamoDB is asked.
 */
export function decodePostalCursor(cursor: string): CursorKey {
  const invalid = () => new InvalidPostalCursor("must be a cursor from a previous page of this list");
  if (!CURSOR_PATTERN.test(cursor)) throw invalid();
  const key = decodeCursor(cursor);
  if (key === undefined || key.gsi1pk !== AWAITING_POSTAL_PARTITION) throw invalid();
  const referralId = /^REFERRAL#([^#]+)$/.exec(key.pk)?.[1];
  const letter = /^LETTER#([^#]+)(?:#[^#]+)?#([^#]+)$/.exec(key.sk);
  const kind = letter?.[1] as (typeof LETTER_KINDS)[number] | undefined;
  const role = letter?.[2] as (typeof RECIPIENT_ROLES)[number] | undefined;
  if (
    referralId === undefined ||
    kind === undefined ||
    role === undefined ||
    !LETTER_KINDS.includes(kind) ||
    !RECIPIENT_ROLES.includes(role)
  ) {
    throw invalid();
  }
  const suffix = `#${referralId}#${kind}#${role}`;
  const createdAt = key.gsi1sk.endsWith(suffix) ? key.gsi1sk.slice(0, -suffix.length) : "";
  if (!ISO_TIMESTAMP.test(createdAt) || Number.isNaN(Date.parse(createdAt))) throw invalid();
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
    // The patient's copy, and a minor's guardians' copy, go to the patient's address.
    ...((item.recipientRole === "patient" || item.recipientRole === "guardian") && item.postalAddress
      ? { postalAddress: item.postalAddress }
      : {}),
  };
}

/** The postal list on TABLE_NAME, over the shared document client. */
export function postalQueueFromEnv(): PostalQueue {
  return new DynamoPostalQueue(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
