/**
 * The reconciler's last scheduled run in the referral table: one item, `RECOVERY` / `LAST_RUN`,
 * replaced by each run, read by operations' home (GET /staff). Ids, findings and error names only.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { RecoveryRun, RecoveryRuns } from "../domain/recovery";
import { recoveryRunFindingSchema } from "../domain/recovery-run-schema";
import { builtOnFirstUse } from "../domain/validation";
import { dynamoDocumentClient } from "./clients";
import { requireEnv } from "./env";

/** The item's key: the partition is the `recovery` record family's one prefix. */
export const RECOVERY_RUN_KEY = { pk: "RECOVERY", sk: "LAST_RUN" } as const;

/** The run as stored, parsed on the way back (an item of another shape is no run). */
const recoveryRunSchema = builtOnFirstUse(() =>
  z.object({
    ranAt: z.string(),
    stateMachineArn: z.string(),
    checked: z.number().int().nonnegative(),
    found: z.number().int().nonnegative(),
    findings: z.array(recoveryRunFindingSchema()),
  }),
);

/** The RecoveryRuns port on DynamoDB. */
export class DynamoRecoveryRuns implements RecoveryRuns {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(run: RecoveryRun): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...RECOVERY_RUN_KEY, recordType: "recovery-run", ...run },
      }),
    );
  }

  async latest(): Promise<RecoveryRun | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: RECOVERY_RUN_KEY }),
    );
    if (!Item) return undefined;
    const parsed = recoveryRunSchema().safeParse(Item);
    return parsed.success ? (parsed.data as RecoveryRun) : undefined;
  }
}

/** The recorded runs on TABLE_NAME, over the shared document client. */
export function recoveryRunsFromEnv(): RecoveryRuns {
  return new DynamoRecoveryRuns(dynamoDocumentClient(), requireEnv("TABLE_NAME"));
}
