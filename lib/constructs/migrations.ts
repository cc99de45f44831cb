import { Duration } from "aws-cdk-lib";
import { Construct } from "constructs";
import { FristFunction } from "./frist-function";
import type { ReferralStore } from "./referral-store";

/** Props of Migrations. */
export interface MigrationsProps {
  readonly store: ReferralStore;
}

/**
 * The one-off data migrations an operator runs after deploying the version that needs them, each a
 * function with only the grants its migration needs (no operator credentials on the table).
 *
 * `BackfillPatientIndex` (functions/handlers/backfill-patient-index.ts) gives referrals stored before
 * the `byPatient` index existed their index keys, so staff find them by national ID. It reads the
 * worklist index's status partitions (every referral is in one; no scan) and updates referral items
 * only, under a condition that never overwrites keys a newer write set. Invoke it with `{}`; a run
 * that answers a cursor is continued by invoking it again with `{"cursor": "…"}`.
 */
export class Migrations extends Construct {
  public readonly backfillPatientIndex: FristFunction;

  constructor(scope: Construct, id: string, props: MigrationsProps) {
    super(scope, id);
    this.backfillPatientIndex = new FristFunction(this, "BackfillPatientIndexFunction", {
      entry: "functions/handlers/backfill-patient-index.ts",
      description: "Frist migration: indexes referrals stored before the patient index by national ID",
      // Lambda's longest: the run stops between pages after 12 minutes and answers a cursor.
      timeout: Duration.minutes(15),
      uses: {
        table: { update: ["referral"], indexes: { worklist: ["statuses"] } },
      },
      resources: { store: props.store },
    });
  }
}
