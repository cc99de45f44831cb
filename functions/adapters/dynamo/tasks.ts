/**
 * The human tasks on the table, in their referral's partition (the `byTaskId` index finds one by
 * the id in a staff link), and the pending decision an answer files beside them.
 */

import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TaskRecords } from "../../domain/ports";
import type { AuditEvent, PendingDecision, TaskRecord } from "../../domain/records";
import {
  informationRequestKeys,
  PENDING_DECISION_PARTITION,
  pendingDecisionKey,
  recordFrom,
  referralPartition,
  TableStore,
  taskKey,
  taskPlaceKey,
} from "../dynamo-table";

/** The TaskRecords port on DynamoDB. */
export class DynamoTasks extends TableStore implements TaskRecords {
  async createTask(task: TaskRecord, event: AuditEvent, options: { ordinal?: number } = {}): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Put: {
          Item: { ...taskKey(task.referralId, task.taskId), recordType: "task", ...task },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      // The task's place among the referral's tasks: one task per place.
      alongside:
        options.ordinal === undefined
          ? []
          : [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...taskPlaceKey(task.referralId, options.ordinal),
                    recordType: "task-place",
                    // Not `taskId`: that attribute keys the byTaskId index, which must find the task only.
                    heldBy: task.taskId,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
      referralId: task.referralId,
      event,
      staleMessage: "task already exists",
    });
  }

  async findTask(taskId: string): Promise<TaskRecord | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byTaskId",
        KeyConditionExpression: "taskId = :taskId",
        ExpressionAttributeValues: { ":taskId": taskId },
        Limit: 1,
      }),
    );
    const found = Items?.[0];
    // The index is eventually consistent: read the task itself for its current state.
    return found ? this.getTask(String(found.referralId), taskId) : undefined;
  }

  async getTask(referralId: string, taskId: string): Promise<TaskRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: taskKey(referralId, taskId), ConsistentRead: true }),
    );
    return Item ? recordFrom("task", Item) : undefined;
  }

  async listTasks(referralId: string): Promise<TaskRecord[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :task)",
      ExpressionAttributeValues: { ":pk": referralPartition(referralId), ":task": "TASK#" },
      ConsistentRead: true,
    });
    return items
      .map((item) => recordFrom("task", item))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async rearmTask(
    task: TaskRecord,
    rearm: Parameters<TaskRecords["rearmTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET taskToken = :token, rearmedAt = :at",
          ConditionExpression: "#state IN (:open, :answered)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":token": rearm.taskToken,
            ":at": rearm.rearmedAt,
            ":open": "open",
            ":answered": "answered",
          },
        },
      },
      referralId: task.referralId,
      event,
      staleMessage: "task can no longer be re-armed",
    });
  }

  async answerTask(
    task: TaskRecord,
    answer: Parameters<TaskRecords["answerTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: taskKey(task.referralId, task.taskId),
          // An answered task's open request no longer waits on the lead's home (REMOVE: the index keys).
          UpdateExpression: `SET #state = :answered, decision = :decision, answeredBy = :by, answeredAt = :at${
            answer.answerStoredAt ? ", answerStoredAt = :storedAt" : ""
          } REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: "#state = :open",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":answered": "answered",
            ":open": "open",
            ":decision": answer.decision,
            ":by": answer.answeredBy,
            ":at": answer.answeredAt,
            ...(answer.answerStoredAt ? { ":storedAt": answer.answerStoredAt } : {}),
          },
        },
      },
      alongside: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...pendingDecisionKey(task.referralId),
              recordType: "pending-decision",
              gsi1pk: PENDING_DECISION_PARTITION,
              gsi1sk: `${answer.answeredAt}#${task.referralId}`,
              referralId: task.referralId,
              taskId: task.taskId,
              outcome: answer.decision.outcome,
              answeredAt: answer.answeredAt,
            } satisfies PendingDecision & Record<string, unknown>,
          },
        },
      ],
      referralId: task.referralId,
      event,
      staleMessage: "task is no longer open",
    });
  }

  async reopenTask(task: TaskRecord): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: taskKey(task.referralId, task.taskId),
        UpdateExpression: "SET #state = :open REMOVE decision, answeredBy, answeredAt, answerStoredAt",
        ConditionExpression: "#state = :answered",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":open": "open", ":answered": "answered" },
      }),
    );
    await this.dropPendingDecision(task.referralId, task.taskId);
    await this.relistInformationRequest(task);
  }

  /**
   * A task open again (reopened or revived) whose information request was never answered waits on
   * the lead's home again: its index keys come back, only while that very request is still open on
   * an open task (a request closed meanwhile stays off the list).
   */
  private async relistInformationRequest(task: TaskRecord): Promise<void> {
    if (!task.openRequestId || !task.openRequestAt) return;
    const keys = informationRequestKeys(task, task.openRequestAt);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET gsi1pk = :partition, gsi1sk = :sortKey",
          ConditionExpression: "openRequestId = :requestId AND #state = :open",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":partition": keys.gsi1pk,
            ":sortKey": keys.gsi1sk,
            ":requestId": task.openRequestId,
            ":open": "open",
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Deletes the referral's pending decision if it is this task's (a newer one stays). */
  private async dropPendingDecision(referralId: string, taskId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pendingDecisionKey(referralId),
          ConditionExpression: "taskId = :taskId",
          ExpressionAttributeValues: { ":taskId": taskId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async expireTask(task: TaskRecord): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET #state = :expired REMOVE gsi1pk, gsi1sk",
          // An update without a condition would create a bare item for a task that is not there.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":expired": "expired" },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async reviveTask(
    task: TaskRecord,
    rearm: Parameters<TaskRecords["reviveTask"]>[1],
    event: AuditEvent,
  ): Promise<void> {
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: taskKey(task.referralId, task.taskId),
          UpdateExpression: "SET #state = :open, taskToken = :token, rearmedAt = :at",
          ConditionExpression: "#state = :expired AND attribute_not_exists(decision)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":open": "open",
            ":expired": "expired",
            ":token": rearm.taskToken,
            ":at": rearm.rearmedAt,
          },
        },
      },
      referralId: task.referralId,
      event,
      staleMessage: "task cannot be revived",
    });
    await this.relistInformationRequest(task);
  }
}
