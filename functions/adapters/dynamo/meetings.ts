/**
 * Intake meetings on the table: a conditional seat counter per meeting, the referrals filed under
 * it, and its agenda (found by its capability id once claimed).
 */
import { randomBytes } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { MeetingRecords } from "../../domain/ports";
import type { MeetingRecord, ReferralRecord } from "../../domain/records";
import {
  agendaKey,
  landed,
  MEETING_ATTRIBUTES,
  MEETING_PARTITION,
  meetingKey,
  meetingPartition,
  meetingSortKey,
  recordFrom,
  referralKey,
  TableStore,
} from "../dynamo-table";

/** The MeetingRecords port on DynamoDB. */
export class DynamoMeetings extends TableStore implements MeetingRecords {
  async takeSeat(meetingId: string, startsAt: Date, capacity: number, holder?: string): Promise<boolean> {
    const startsAtIso = startsAt.toISOString();
    try {
      // One conditional UpdateItem: the counter and its check are atomic, so concurrent referrals
      // can never push `seats` past `capacity`. The first seat creates the item and its agenda id.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: meetingKey(meetingId),
          UpdateExpression:
            `ADD #seats :one${holder ? ", holders :holders" : ""} SET meetingId = :id, startsAt = :startsAt, #capacity = :capacity, ` +
            "recordType = :type, gsi1pk = :partition, gsi1sk = :sortKey, agendaId = if_not_exists(agendaId, :agendaId)",
          // A holder takes one seat however often it asks: a retry after an answer that was lost
          // (a timeout after the write landed) must not take a second seat.
          ConditionExpression: holder
            ? "(attribute_not_exists(#seats) OR #seats < :capacity) AND NOT contains(holders, :holder)"
            : "attribute_not_exists(#seats) OR #seats < :capacity",
          // CAPACITY is a DynamoDB reserved word; both counter names are aliased alike.
          ExpressionAttributeNames: { "#seats": "seats", "#capacity": "capacity" },
          ExpressionAttributeValues: {
            ...(holder ? { ":holders": new Set([holder]), ":holder": holder } : {}),
            ":one": 1,
            ":id": meetingId,
            ":startsAt": startsAtIso,
            ":capacity": capacity,
            ":type": "meeting",
            ":partition": MEETING_PARTITION,
            ":sortKey": meetingSortKey(startsAtIso, meetingId),
            ":agendaId": randomBytes(32).toString("base64url"),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!holder) return false;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: meetingKey(meetingId), ConsistentRead: true }),
      );
      return (Item?.holders as Set<string> | undefined)?.has(holder) ?? false;
    }
  }

  async getMeeting(meetingId: string): Promise<MeetingRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: meetingKey(meetingId), ConsistentRead: true }),
    );
    return Item ? recordFrom("meeting", Item) : undefined;
  }

  async meetingsStartingBetween(from: Date, until: Date): Promise<MeetingRecord[]> {
    const items = await this.table.queryAll({
      IndexName: "worklist",
      KeyConditionExpression: "gsi1pk = :partition AND gsi1sk BETWEEN :from AND :until",
      ExpressionAttributeValues: {
        ":partition": MEETING_PARTITION,
        ":from": from.toISOString(),
        // "<until>#…" sorts after "<until>" itself: "~" closes the range after every meeting id.
        ":until": `${until.toISOString()}~`,
      },
      ProjectionExpression: MEETING_ATTRIBUTES.map((_, index) => `#a${index}`).join(", "),
      ExpressionAttributeNames: Object.fromEntries(
        MEETING_ATTRIBUTES.map((name, index) => [`#a${index}`, name]),
      ),
    });
    return items.map((item) => recordFrom("meeting", item));
  }

  async claimAgenda(meeting: MeetingRecord, sentAt: string): Promise<boolean> {
    return landed(
      this.table.transact(
        [
          {
            Update: {
              TableName: this.tableName,
              Key: meetingKey(meeting.meetingId),
              UpdateExpression: "SET agendaSentAt = :sentAt",
              ConditionExpression: "agendaId = :agendaId AND attribute_not_exists(agendaSentAt)",
              ExpressionAttributeValues: { ":sentAt": sentAt, ":agendaId": meeting.agendaId },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...agendaKey(meeting.agendaId),
                recordType: "agenda",
                agendaId: meeting.agendaId,
                meetingId: meeting.meetingId,
              },
            },
          },
        ],
        "agenda already claimed",
      ),
    );
  }

  async releaseAgenda(meeting: MeetingRecord, sentAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: meetingKey(meeting.meetingId),
          UpdateExpression: "REMOVE agendaSentAt",
          ConditionExpression: "agendaSentAt = :sentAt",
          ExpressionAttributeValues: { ":sentAt": sentAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async completeAgenda(meeting: MeetingRecord, deliveredAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: meetingKey(meeting.meetingId),
          UpdateExpression: "SET agendaDeliveredAt = :at",
          ConditionExpression: "agendaId = :agendaId AND attribute_not_exists(agendaDeliveredAt)",
          ExpressionAttributeValues: { ":at": deliveredAt, ":agendaId": meeting.agendaId },
        }),
      );
    } catch (error) {
      // Already delivered (an overlapping run finished it): nothing to do.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async findMeetingByAgendaId(agendaId: string): Promise<MeetingRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: agendaKey(agendaId), ConsistentRead: true }),
    );
    if (typeof Item?.meetingId !== "string") return undefined;
    const meeting = await this.getMeeting(Item.meetingId);
    return meeting?.agendaId === agendaId ? meeting : undefined;
  }

  async listMeetingReferrals(meetingId: string): Promise<ReferralRecord[]> {
    const members = await this.table.queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :referral)",
      ExpressionAttributeValues: { ":pk": meetingPartition(meetingId), ":referral": "REFERRAL#" },
      ProjectionExpression: "referralId",
      ConsistentRead: true,
    });
    const keys = members.map((item) => referralKey(String(item.referralId)));
    return (await this.table.batchGetAll(keys)).map((item) => recordFrom("referral", item));
  }
}
