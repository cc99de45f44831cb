import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { type IRole, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/** What a function does with the attachments: stores a message's (`write`), or serves them to staff (`read`). */
export type AttachmentUse = "write" | "read";

/** The S3 actions of each {@link AttachmentUse}. */
export const ATTACHMENT_ACTIONS: Record<AttachmentUse, readonly string[]> = {
  write: ["s3:PutObject"],
  read: ["s3:GetObject"],
};

/**
 * What S3 asks KMS for, on the caller's behalf, for each {@link AttachmentUse} on the bucket's key:
 * a data key to encrypt an object put (a single-part PutObject, as the functions write), and
 * decryption of one read. With an S3 Bucket Key S3 asks less often, not for other actions.
 */
export const ATTACHMENT_KEY_ACTIONS: Record<AttachmentUse, readonly string[]> = {
  write: ["kms:GenerateDataKey"],
  read: ["kms:Decrypt"],
};

/** The key prefix of every attachment (functions/domain/attachments.ts `attachmentKey`). */
export const ATTACHMENT_KEY_PATTERN = "referrals/*/attachments/*";

/**
 * Where a Henvisning's attachments (pdf, jpg, png: health data) are kept, beside the table: one
 * object per referral and attachment number, written once (If-None-Match) by the functions that
 * receive messages and read by the one that serves them to signed-in staff.
 *
 * - Encrypted at rest under the table's customer-managed KMS key (SSE-KMS: one key policy, yearly
 *   rotation and CloudTrail for all of Frist's health data), with an S3 Bucket Key (S3 asks KMS
 *   once per bucket key, not once per object); reachable over TLS only (`enforceSSL`); every
 *   public access blocked; ACLs off (the bucket owner owns every object).
 * - Versioned: an object overwritten or deleted by mistake can be restored; the writers never
 *   overwrite (a conditional put), so an attachment has one version. Old versions expire after
 *   90 days.
 * - Retained when the stack is deleted, like the table.
 * - Grants per function (FristFunction's `uses.attachments`): PutObject or GetObject on the
 *   attachment keys only, and the key's GenerateDataKey or Decrypt through S3 only
 *   (`kms:ViaService`); no function lists, deletes or reads another key.
 */
export class AttachmentBucket extends Construct {
  public readonly bucket: Bucket;

  /** The customer-managed key the objects are encrypted under (the table's). */
  public readonly key: IKey;

  constructor(scope: Construct, id: string, props: { key: IKey }) {
    super(scope, id);
    this.key = props.key;
    this.bucket = new Bucket(this, "Bucket", {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const reasons: Record<string, string> = {
      "AwsSolutions-S1":
        "Every read of an attachment is recorded in the referral's access log (who, role, when) by the one function that serves it; S3 server access logs would add a second bucket of object keys (referral ids) and say less (a role, not a person).",
      "HIPAA.Security-S3BucketLoggingEnabled":
        "Every read of an attachment is recorded in the referral's access log (who, role, when) by the one function that serves it, which only signed-in staff reach; S3 server access logs would name a role, not a person.",
      "HIPAA.Security-S3BucketReplicationEnabled":
        "The attachments follow the table: one region, versioned and retained. Cross-region replication would copy health data to a second region, which the clinic's data processing agreement must allow first.",
    };
    for (const [ruleId, reason] of Object.entries(reasons)) {
      Validations.of(this.bucket).acknowledge({ id: ruleId, reason });
    }
  }

  /** The bucket's name, for the ATTACHMENT_BUCKET variable. */
  get bucketName(): string {
    return this.bucket.bucketName;
  }

  /**
   * Grants what a function's declaration says it does with the attachments, on their keys only, and
   * the bucket key's actions that takes, through S3 only: the key cannot decrypt a table item or
   * anything else for the function on its own.
   */
  grant(role: IRole, uses: readonly AttachmentUse[]): void {
    const actions = [...new Set(uses.flatMap((use) => ATTACHMENT_ACTIONS[use]))].sort();
    if (actions.length === 0) return;
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources: [this.bucket.arnForObjects(ATTACHMENT_KEY_PATTERN)] }),
    );
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...new Set(uses.flatMap((use) => ATTACHMENT_KEY_ACTIONS[use]))].sort(),
        resources: [this.key.keyArn],
        conditions: { StringEquals: { "kms:ViaService": `s3.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${ATTACHMENT_KEY_PATTERN}]`,
      reason:
        "The wildcards are a referral's id and an attachment's number: the function reads or writes any referral's attachments, and nothing else in the bucket (no list, no delete).",
    });
  }
}
