/** The access log in the referral table: one item per event under `ACCESS#<referralId>`, time-ordered. */
import { randomBytes } from "node:crypto";
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { AccessEvent, AccessLog } from "../domain/access-log";
import { dynamoDocumentClient } from "./clients";
import { requireEnv } from "./env";

/** The partition of refused attempts that name no referral (an unknown or gone link). */
export const UNKNOWN_REFERRAL = "none";

export class DynamoAccessLog implements AccessLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(event: AccessEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `ACCESS#${event.referralId || UNKNOWN_REFERRAL}`,
          sk: `${event.at}#${randomBytes(6).toString("hex")}`,
          event,
        },
      }),
    );
  }

  async list(referralId: string): Promise<AccessEvent[]> {
    const events: AccessEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `ACCESS#${referralId}` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) events.push(item.event as AccessEvent);
      start = page.LastEvaluatedKey;
    } while (start);
    return events;
  }
}

export function accessLogFromEnv(): AccessLog {
  return new DynamoAccessLog(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
