/**
 * `frist backfill-portal-index [--table <name>]`: gives the referrals stored before the portal index
 * (`byPortal`) existed their index keys, so GET /referrals lists them to their portal. Run it once
 * after deploying the version that added the index (with credentials that may Scan and UpdateItem
 * the table); it is idempotent and leaves keyed referrals alone. It also gives the granted referrals
 * decided before the start-of-care item existed their item (Query and PutItem), so the lead's home
 * lists their starts to confirm. The local runtime does both at start.
 */
import { parseArgs } from "node:util";
import { documentClientOf, dynamoClient } from "../functions/adapters/clients";
import { DynamoReferralStore } from "../functions/adapters/dynamo-referral-store";

export const BACKFILL_USAGE = `Usage: frist backfill-portal-index [--table <name>]

Keys the referrals stored before the portal index existed, so each portal's GET /referrals lists
them, and gives granted referrals decided before the start-of-care item their item, so the lead's
home lists their starts to confirm. Idempotent. Uses the AWS credentials and region of the environment.

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
  const store = new DynamoReferralStore(client, table);
  const keyed = await store.backfillPortalIndex();
  io.out(`keyed ${keyed} referral(s) for the portal index of ${table}`);
  const starts = await store.backfillStartsOfCare();
  io.out(`gave ${starts} granted referral(s) their start-of-care item in ${table}`);
  return 0;
}
