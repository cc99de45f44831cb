/**
 * Sessions in the referral table (a sign-in under way is a signed cookie, not an item). The item key
 * is a SHA-256 of the session id, so whoever reads the table cannot take over a session; DynamoDB's TTL
 * (`expiresAtEpoch`) removes items after they end, and reads check the expiry themselves because
 * TTL deletion may lag by hours.
 */
import { createHash } from "node:crypto";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Session, SessionStore } from "../domain/session";
import { dynamoDocumentClient } from "./clients";
import { requireEnv } from "./env";

/**
 * The table's TTL attribute (epoch seconds), set on sessions and staff email
 * claims (dynamo-referral-store.ts) only.
 */
export const TTL_ATTRIBUTE = "expiresAtEpoch";

const hash = (value: string) => createHash("sha256").update(value).digest("base64url");
const sessionKey = (id: string) => ({ pk: `SESSION#${hash(id)}`, sk: "SESSION" });
const epoch = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(sessionId: string, session: Session): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...sessionKey(sessionId), session, [TTL_ATTRIBUTE]: epoch(session.expiresAt) },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(sessionId: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: sessionKey(sessionId), ConsistentRead: true }),
    );
    return Item?.session as Session | undefined;
  }

  async touch(sessionId: string, change: { lastSeenAt: string; expiresAt: string }): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(sessionId),
          UpdateExpression: "SET #s.lastSeenAt = :seen, #s.expiresAt = :expires, #ttl = :epoch",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#s": "session", "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ":seen": change.lastSeenAt,
            ":expires": change.expiresAt,
            ":epoch": epoch(change.expiresAt),
          },
        }),
      )
      .catch((error: unknown) => {
        // Signed out meanwhile: nothing to extend.
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      });
  }

  async delete(sessionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: sessionKey(sessionId) }));
  }
}

export function sessionStoreFromEnv(): SessionStore {
  return new DynamoSessionStore(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
