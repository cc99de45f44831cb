/**
 * `frist backfill-portal-index [--table <name>]`: gives the referrals stored before the portal index
 * (`byPortal`) existed their index keys, so GET /referrals lists them to their portal. Run it once
 * after deploying the version that added the index (with credentials that may Scan and UpdateItem
 * the table); it is idempotent and leaves keyed referrals alone. The local runtime does it at start.
 */
import { parseArgs } from "node:util";
import { documentClientOf, dynamoClient } from "../functions/adapters/clients";
import { DynamoReferralStore } from "../functions/adapters/dynamo-referral-store";

export const BACKFILL_USAGE = `Usage: frist backfill-portal-index [--table <name>]

Keys the referrals stored before the portal index existed, so each portal's GET /referrals lists
them. Idempotent. Uses the AWS credentials and region of the environment.

Options:
  --table <name>   the referral table (default $TABLE_NAME)
  -h, --help       show this text`;

/** Runs the backfill; resolves to the exit code (0 done, 2 bad arguments). */
export async function backfillCommand(
  args: readonly string[],
  io: { out(text: string): void; err(text: string): void },
): Promise<number> {
  let values: { table?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { table: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    io.err(`frist: ${(error as Error).message}\n${BACKFILL_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(BACKFILL_USAGE);
    return 0;
  }
  const table = values.table ?? process.env.TABLE_NAME;
  if (!table) {
    io.err(`frist: name the table (--table or $TABLE_NAME)\n${BACKFILL_USAGE}`);
    return 2;
  }
  // A one-off run, not a request: retries are welcome.
  const client = documentClientOf(dynamoClient({ maxAttempts: 5 }));
  const keyed = await new DynamoReferralStore(client, table).backfillPortalIndex();
  io.out(`keyed ${keyed} referral(s) for the portal index of ${table}`);
  return 0;
}
