import { RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { BackupPlan, BackupResource } from "aws-cdk-lib/aws-backup";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";

/** GSI names and key attributes, as design.md fixes them (the adapters query by these names). */
export const REFERRAL_INDEXES = {
  worklist: { name: "worklist", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  byTaskId: { name: "byTaskId", partitionKey: "taskId" },
  /** A portal's referrals of one status, soonest deadline first: `<portal>#<status>`, `<due>#<id>`. */
  byPortal: { name: "byPortal", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
} as const;

/**
 * The attributes the portal index carries besides its keys: a worklist line, no health data (the
 * portal's list needs nothing more, so the index holds no copy of the submission).
 */
export const PORTAL_INDEX_ATTRIBUTES = [
  "referralId",
  "status",
  "kind",
  "priority",
  "receivedAt",
  "assessmentDueDate",
  "deadlineBreached",
  "atRisk",
] as const;

/** The TTL attribute (epoch seconds) of session items (functions/adapters/dynamo-sessions.ts). */
export const SESSION_TTL_ATTRIBUTE = "expiresAtEpoch";

/** Item reads the handlers make: single items, one referral's item collection, the two GSIs. */
const READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
];
/** Item writes, including those TransactWriteItems performs (it is authorized per contained action). */
const WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];
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

/**
 * The one DynamoDB table of Frist: referrals with their events, letters and tasks under one
 * partition (`pk=REFERRAL#<id>`), plus idempotency records.
 *
 * Health data lives here, so: a customer-managed KMS key with yearly rotation (the key policy is
 * ours, and CloudTrail shows every use), point-in-time recovery, deletion protection, and both
 * table and key retained when the stack is deleted. On-demand billing: a clinic receives tens of
 * referrals a day, not a steady load worth provisioning for.
 *
 * Grants are spelled out action by action (no `*` in any action) and the key may only be used
 * through DynamoDB (`kms:ViaService`), so a function's role cannot decrypt anything on its own.
 */
export class ReferralStore extends Construct {
  public readonly table: Table;
  public readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new Key(this, "Key", {
      description: "Frist: encrypts the referral table (health data)",
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

  /** Lets the grantee read items (table and indexes) and decrypt them through DynamoDB. */
  grantReadData(grantee: IGrantable): void {
    this.grantItems(grantee, READ_ACTIONS);
    this.grantKeyViaDynamoDb(grantee, KMS_READ_ACTIONS);
  }

  /** Lets the grantee read and write items (table and indexes) and use the key through DynamoDB. */
  grantReadWriteData(grantee: IGrantable): void {
    this.grantItems(grantee, [...READ_ACTIONS, ...WRITE_ACTIONS]);
    this.grantKeyViaDynamoDb(grantee, [...KMS_READ_ACTIONS, ...KMS_WRITE_ACTIONS]);
  }

  /** The table and its indexes by name: no `index/*`, so an index added later is not granted blindly. */
  private grantItems(grantee: IGrantable, actions: string[]): void {
    const tableArn = this.table.tableArn;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [
          tableArn,
          `${tableArn}/index/${REFERRAL_INDEXES.worklist.name}`,
          `${tableArn}/index/${REFERRAL_INDEXES.byTaskId.name}`,
          `${tableArn}/index/${REFERRAL_INDEXES.byPortal.name}`,
        ],
      }),
    );
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
