import { Aspects, type IAspect, RemovalPolicy, Stack } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { CfnLogGroup } from "aws-cdk-lib/aws-logs";
import { Construct, type IConstruct } from "constructs";

/**
 * One customer-managed KMS key for every CloudWatch Logs log group of the stack (function logs,
 * API access logs, the workflow's and WAF's logs), set on each log group by an Aspect, so a log
 * group added later is encrypted too without anyone remembering to. Logs hold no health data by
 * design, but they hold referral ids, request metadata and the occasional error: HIPAA's
 * "encrypted at rest with a key we control" applies to them as to the table.
 *
 * The key policy lets CloudWatch Logs in this region use it for this account's log groups only
 * (the `kms:EncryptionContext:aws:logs:arn` condition), with yearly rotation; it is retained with
 * the retained log groups.
 */
export class LogEncryption extends Construct {
  public readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new Key(this, "Key", {
      description: "Frist: encrypts the CloudWatch Logs log groups",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncryptFrom",
          "kms:ReEncryptTo",
          "kms:GenerateDataKey",
          "kms:DescribeKey",
        ],
        resources: ["*"],
        conditions: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
          },
        },
      }),
    );
    Aspects.of(stack).add(new EncryptLogGroups(this.key));
  }
}

/** Sets the key on every log group that has none. */
class EncryptLogGroups implements IAspect {
  constructor(private readonly key: Key) {}

  visit(node: IConstruct): void {
    if (node instanceof CfnLogGroup && node.kmsKeyId === undefined) node.kmsKeyId = this.key.keyArn;
  }
}
