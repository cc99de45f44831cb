import { RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { BackupPlan, BackupResource } from "aws-cdk-lib/aws-backup";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { REFERRAL_STATUSES } from "../../functions/domain/referral-labels";
import { worklistRowSchema } from "../../functions/domain/worklist";
import { type FunctionUses, itemActionsOf, tableUseOf, writesItems } from "./function-uses";

/** GSI names and key attributes, as design.md fixes them (the adapters query by these names). */
export const REFERRAL_INDEXES = {
  worklist: { name: "worklist", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  byTaskId: { name: "byTaskId", partitionKey: "taskId" },
  /** A portal's referrals of one status, soonest deadline first: `<portal>#<status>`, `<due>#<id>`. */
  byPortal: { name: "byPortal", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  /**
   * A patient's referrals, for staff who search by national ID: `PATIENT#<hash of the national ID>`,
   * `<receivedAt>#<id>`. Keys only: it finds ids, the referral is read from the table.
   */
  byPatient: { name: "byPatient", partitionKey: "gsi3pk", sortKey: "gsi3sk" },
} as const;

/**
 * The attributes the portal index carries besides its keys: a worklist row, as the worklist reads and
 * parses it (functions/domain/worklist.ts, picked from the referral's headline), and no health data
 * (the portal's list needs nothing more, so the index holds no copy of the submission).
 */
export const PORTAL_INDEX_ATTRIBUTES: readonly string[] = Object.keys(worklistRowSchema().shape);

/** The TTL attribute (epoch seconds) of session items (functions/adapters/dynamo-sessions.ts). */
export const SESSION_TTL_ATTRIBUTE = "expiresAtEpoch";

/**
 * The record families of the table: each is the partition key prefixes (`dynamodb:LeadingKeys`
 * patterns) its items live under (functions/adapters/dynamo-*.ts write them). A function's
 * declaration (function-uses.ts) names families; its policy names these prefixes.
 */
export const RECORD_FAMILIES = {
  /** A referral with its events, tasks, task places, letters, staff emails and pending decision. */
  referral: ["REFERRAL#*"],
  /** An intake meeting's seat counter, the referrals filed under it and its agenda emails. */
  meeting: ["MEETING#*"],
  /** An agenda link's lookup item (agenda id to meeting). */
  agenda: ["AGENDA#*"],
  /**
   * A portal's idempotency key (or a message's MsgId) and the referral it created; a message
   * referral's lookup by its sender's HER-id and own id (`IDEMPOTENCY#document:<herId>#<id>`).
   */
  idempotency: ["IDEMPOTENCY#*"],
  /** A month's statistics counters (sharded). */
  statistics: ["STATISTICS#*"],
  /** A signed-in session (keyed by a hash of its id). */
  session: ["SESSION#*"],
  /** The access log of a referral (append only). */
  access: ["ACCESS#*"],
  /** The Helfo notifications (one partition). */
  helfo: ["HELFO"],
  /** The reconciler's last scheduled run: what it found and did (one item, for operations' home). */
  recovery: ["RECOVERY"],
} as const satisfies Record<string, readonly string[]>;

/** A record family of the table ({@link RECORD_FAMILIES}). */
export type RecordFamily = keyof typeof RECORD_FAMILIES;

/**
 * The partitions of the `worklist` index a function may query, by the index's partition key values
 * (`gsi1pk`): referrals by status, meetings by start, letters waiting for post, starts of care to
 * confirm and information requests awaiting an answer.
 */
export const WORKLIST_PARTITIONS = {
  statuses: [...REFERRAL_STATUSES],
  meetings: ["MEETING"],
  postal: ["LETTER#awaiting-postal"],
  /** Sent messages waiting for their receivers' application receipts, oldest first. */
  receipts: ["OUTMSG#awaiting-receipt"],
  /** Granted rights whose start of care is still to be confirmed, by due day. */
  startsOfCare: ["START_OF_CARE"],
  /** Tasks whose information request awaits the referrer's answer, oldest first. */
  informationRequests: ["INFORMATION_REQUEST"],
} as const satisfies Record<string, readonly string[]>;

/** A named partition group of the worklist index ({@link WORKLIST_PARTITIONS}). */
export type WorklistPartition = keyof typeof WORKLIST_PARTITIONS;

/** What DynamoDB asks KMS for, on the caller's behalf, to read items of a CMK-encrypted table. */
const KMS_READ_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"];
/** What DynamoDB asks KMS for to write them (CDK's `GenerateDataKey*`/`ReEncrypt*`, spelled out). */
const KMS_WRITE_ACTIONS = [
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
];

/** The `dynamodb:LeadingKeys` condition that keeps a statement to these partition key patterns. */
export function leadingKeys(patterns: readonly string[]): Record<string, Record<string, string[]>> {
  return { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...patterns] } };
}

/**
 * The one DynamoDB table of Frist: referrals with their events, letters and tasks under one
 * partition (`pk=REFERRAL#<id>`), plus idempotency records.
 *
 * Health data lives here, so: a customer-managed KMS key with yearly rotation (the key policy is
 * ours, and CloudTrail shows every use), point-in-time recovery, deletion protection, and both
 * table and key retained when the stack is deleted. On-demand billing: a clinic receives tens of
 * referrals a day, not a steady load worth provisioning for.
 *
 * Grants follow each function's declaration (FristFunction's `uses`): action by action (no `*` in
 * any action), each on the partition key prefixes of the record families it names, and the key
 * may only be used through DynamoDB (`kms:ViaService`), so a role cannot decrypt anything on its own.
 * The attachment bucket is encrypted under the same key (attachment-bucket.ts grants its use through
 * S3 the same way).
 */
export class ReferralStore extends Construct {
  public readonly table: Table;
  public readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new Key(this, "Key", {
      description: "Frist: encrypts the referral table and its attachment bucket (health data)",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new Table(this, "Table", {
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Sessions, sign-ins under way and staff email claims carry an expiry; DynamoDB removes them after it.
      timeToLiveAttribute: SESSION_TTL_ATTRIBUTE,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: REFERRAL_INDEXES.worklist.name,
      partitionKey: { name: REFERRAL_INDEXES.worklist.partitionKey, type: AttributeType.STRING },
      sortKey: { name: REFERRAL_INDEXES.worklist.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: REFERRAL_INDEXES.byTaskId.name,
      partitionKey: { name: REFERRAL_INDEXES.byTaskId.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // GET /referrals for a portal: its own referrals of a status as one key range, so every page is
    // full (a filter on the status index gave short pages). Sparse: only referrals with a portal.
    this.table.addGlobalSecondaryIndex({
      indexName: REFERRAL_INDEXES.byPortal.name,
      partitionKey: { name: REFERRAL_INDEXES.byPortal.partitionKey, type: AttributeType.STRING },
      sortKey: { name: REFERRAL_INDEXES.byPortal.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...PORTAL_INDEX_ATTRIBUTES],
    });
    // Staff find a referral again by the patient's national ID: keys only (no copy of anything), and
    // its partition key is a hash, so the national ID is in no key.
    this.table.addGlobalSecondaryIndex({
      indexName: REFERRAL_INDEXES.byPatient.name,
      partitionKey: { name: REFERRAL_INDEXES.byPatient.partitionKey, type: AttributeType.STRING },
      sortKey: { name: REFERRAL_INDEXES.byPatient.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });

    // Point-in-time recovery reaches back 35 days; AWS Backup keeps daily, weekly and monthly
    // recovery points beyond that (5 years for the monthly), in a vault of their own, so a
    // corruption noticed late, or a deleted table, can still be restored.
    const backups = BackupPlan.dailyWeeklyMonthly5YearRetention(this, "Backups");
    const selection = backups.addSelection("Table", {
      resources: [BackupResource.fromDynamoDbTable(this.table)],
    });
    Validations.of(selection).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]",
      reason:
        "AWS Backup's own service role policy, maintained by AWS for exactly this purpose: the backup service may back up the selected table.",
    });
  }

  /** The table's name, for the TABLE_NAME variable. */
  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Grants what a function's declaration says it does with the table (function-uses.ts): each item
   * action on the table only for the partition key prefixes of its families (`dynamodb:LeadingKeys`,
   * one statement per set of families), Query on each index it queries, and the key through
   * DynamoDB, to decrypt and, for a function that writes, to encrypt.
   *
   * On the worklist index the condition names the index partitions queried: for a Query on an index,
   * DynamoDB evaluates LeadingKeys against the index's partition key. The byTaskId, byPortal and
   * byPatient indexes are granted without one: their partition keys are an unguessable task id (the
   * link is the capability), the calling portal's own id and a national ID's hash (the staff search
   * only, which reads keys), so no pattern narrows them.
   */
  grant(grantee: IGrantable, uses: FunctionUses): void {
    const table = tableUseOf(uses);
    if (!table) return;
    const principal = grantee.grantPrincipal;
    const tableArn = this.table.tableArn;
    const byFamilies = new Map<string, { actions: string[]; patterns: string[] }>();
    for (const [action, families] of Object.entries(itemActionsOf(uses))) {
      const key = families.join(",");
      const group = byFamilies.get(key) ?? {
        actions: [],
        patterns: families.flatMap((family) => [...RECORD_FAMILIES[family]]),
      };
      group.actions.push(action);
      byFamilies.set(key, group);
    }
    for (const { actions, patterns } of byFamilies.values()) {
      principal.addToPrincipalPolicy(
        new PolicyStatement({ actions, resources: [tableArn], conditions: leadingKeys(patterns) }),
      );
    }
    const indexArn = (name: string) => `${tableArn}/index/${name}`;
    const worklist = table.indexes?.worklist ?? [];
    if (worklist.length > 0) {
      principal.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["dynamodb:Query"],
          resources: [indexArn(REFERRAL_INDEXES.worklist.name)],
          conditions: leadingKeys(worklist.flatMap((partition) => [...WORKLIST_PARTITIONS[partition]])),
        }),
      );
    }
    const opaque = [
      ...(table.indexes?.byTaskId ? [indexArn(REFERRAL_INDEXES.byTaskId.name)] : []),
      ...(table.indexes?.byPortal ? [indexArn(REFERRAL_INDEXES.byPortal.name)] : []),
      ...(table.indexes?.byPatient ? [indexArn(REFERRAL_INDEXES.byPatient.name)] : []),
    ];
    if (opaque.length > 0) {
      principal.addToPrincipalPolicy(new PolicyStatement({ actions: ["dynamodb:Query"], resources: opaque }));
    }
    this.grantKeyViaDynamoDb(grantee, [...KMS_READ_ACTIONS, ...(writesItems(uses) ? KMS_WRITE_ACTIONS : [])]);
  }

  private grantKeyViaDynamoDb(grantee: IGrantable, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { "kms:ViaService": `dynamodb.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` },
        },
      }),
    );
  }
}
