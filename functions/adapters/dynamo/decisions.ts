/**
 * Decisions on the table: recorded on the referral (dropping its pending decision in the same
 * write), and the pending ones a reconciler reads from the sparse `PENDING_DECISION` partition of the
 * `worklist` index.
 */

import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import type { DecisionRecords } from "../../domain/ports";
import type { AuditEvent, PendingDecision } from "../../domain/records";
import type { Tally } from "../../domain/statistics";
import {
  PENDING_DECISION_PARTITION,
  pendingDecisionKey,
  portalIndexKeys,
  portalOwnerOf,
  recordFrom,
  referralKey,
  startOfCareDueItem,
  TableStore,
} from "../dynamo-table";

/** The DecisionRecords port on DynamoDB. */
export class DynamoDecisions extends TableStore implements DecisionRecords {
  async recordDecision(
    referralId: string,
    decision: Parameters<DecisionRecords["recordDecision"]>[1],
    event: AuditEvent,
    tally?: Tally,
    read?: Parameters<DecisionRecords["recordDecision"]>[4],
  ): Promise<void> {
    const referral = read ?? (await this.table.getRecord("referral", referralKey(referralId)));
    if (referral?.decision?.taskId === decision.taskId) {
      // A retried step: already recorded (and its pending decision dropped in that same write).
      return;
    }
    const dueItem = startOfCareDueItem({ referralId, decision });
    const owner = referral ? portalOwnerOf(referral) : undefined;
    await this.table.writeWithEvent({
      write: {
        Update: {
          Key: referralKey(referralId),
          UpdateExpression: `SET #status = :decided, gsi1pk = :decided, decision = :decision${
            owner ? ", gsi2pk = :portalPk, gsi2sk = :portalSk" : ""
          }`,
          ConditionExpression: "#status = :awaiting",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":decided": "decided",
            ":awaiting": "awaiting-assessment",
            ":decision": decision,
            ...(owner
              ? (({ gsi2pk, gsi2sk }) => ({ ":portalPk": gsi2pk, ":portalSk": gsi2sk }))(
                  portalIndexKeys(owner.portal, "decided", owner.assessmentDueDate, referralId),
                )
              : {}),
          },
        },
      },
      alongside: [
        { Delete: { TableName: this.tableName, Key: pendingDecisionKey(referralId) } },
        // A granted right's start of care joins the lead's list of starts to confirm.
        ...(dueItem ? [{ Put: { TableName: this.tableName, Item: dueItem } }] : []),
      ],
      referralId,
      event,
      tally,
      staleMessage: "referral is not awaiting assessment",
    });
  }

  async listPendingDecisions(answeredBefore: Date): Promise<PendingDecision[]> {
    const items = await this.table.queryAll({
      IndexName: "worklist",
      KeyConditionExpression: "gsi1pk = :partition AND gsi1sk < :before",
      ExpressionAttributeValues: {
        ":partition": PENDING_DECISION_PARTITION,
        ":before": answeredBefore.toISOString(),
      },
    });
    return items.map((item) => recordFrom("pendingDecision", item));
  }

  async clearPendingDecision(referralId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: pendingDecisionKey(referralId) }),
    );
  }
}
