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
  worklistRowSchema,
} from "../domain/worklist";
import { dynamoDocumentClient } from "./clients";
import { CURSOR_KEYS, type CursorKey, decodeCursor, encodeCursor, PORTAL_CURSOR_KEYS } from "./dynamo-cursor";
import { requireEnv } from "./env";

/** The index name, as lib/constructs/referral-store.ts creates it. */
export const WORKLIST_INDEX = "worklist";
/** A portal's referrals by status (`gsi2pk` = "<portal>#<status>", `gsi2sk` = "<due>#<id>"). */
export const PORTAL_INDEX = "byPortal";

/** The attributes read for a worklist line: the row schema's, no others (aliased: `status` and friends are DynamoDB reserved words). */
const projected = () => Object.keys(worklistRowSchema().shape);

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

/**
 * A cursor of a portal's list back into an ExclusiveStartKey of the portal index: exactly its four
 * key attributes, for this portal and status. Anything else throws InvalidCursor before DynamoDB is
 * asked, so a forged cursor can neither steer the Query nor reach another portal's partition.
 */
export function decodePortalCursor(
  cursor: string,
  portal: string,
  status: string,
): Record<(typeof PORTAL_CURSOR_KEYS)[number], string> {
  const invalid = () => new InvalidCursor("must be a cursor from a previous page of this worklist");
  if (!CURSOR_PATTERN.test(cursor)) throw invalid();
  const key = decodeCursor(cursor, PORTAL_CURSOR_KEYS);
  if (key === undefined) throw invalid();
  const { gsi2pk, gsi2sk, pk, sk } = key;
  const referralId = /^REFERRAL#(.+)$/.exec(pk)?.[1];
  if (
    gsi2pk !== `${portal}#${status}` ||
    sk !== "REFERRAL" ||
    referralId === undefined ||
    gsi2sk !== `${gsi2sk.slice(0, 10)}#${referralId}` ||
    !/^\d{4}-\d{2}-\d{2}$/.test(gsi2sk.slice(0, 10))
  ) {
    throw invalid();
  }
  return key;
}

/** DynamoDB implementation of the Worklist port. */
export class DynamoWorklist implements Worklist {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * One page of a status's referrals, soonest deadline first. With a portal, from the portal index:
   * that portal's referrals only, as one key range, so a page is full whenever more exist (no
   * filter that drops other portals' items after the limit). Without one (the local operations
   * page), every portal's, from the status index.
   */
  async page(query: WorklistQuery, portal?: string): Promise<WorklistPage> {
    const names = Object.fromEntries(projected().map((name) => [`#${name}`, name]));
    const byPortal = portal !== undefined;
    const startKey =
      query.cursor === undefined
        ? undefined
        : byPortal
          ? decodePortalCursor(query.cursor, portal, query.status)
          : decodeWorklistCursor(query.cursor, query.status);
    const [pkName, skName] = byPortal ? ["gsi2pk", "gsi2sk"] : ["gsi1pk", "gsi1sk"];
    const values: Record<string, string> = {
      ":partition": byPortal ? `${portal}#${query.status}` : query.status,
    };
    let keyCondition = `${pkName} = :partition`;
    if (query.dueBefore !== undefined) {
      keyCondition += ` AND ${skName} < :dueBefore`;
      values[":dueBefore"] = query.dueBefore;
    }
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byPortal ? PORTAL_INDEX : WORKLIST_INDEX,
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
      // Parsed, not cast: an item the index holds in another shape fails here, not in a page.
      rows: (Items ?? []).map((item) => worklistRowSchema().parse(item)),
      ...(LastEvaluatedKey
        ? { nextCursor: encodeCursor(LastEvaluatedKey, byPortal ? PORTAL_CURSOR_KEYS : CURSOR_KEYS) }
        : {}),
    };
  }
}

/** The worklist on TABLE_NAME, over the shared document client. */
export function worklistFromEnv(): Worklist {
  return new DynamoWorklist(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
