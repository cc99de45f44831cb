import { ArnFormat, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { Stage } from "aws-cdk-lib/aws-apigateway";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";

/** Requests one client address may make in five minutes, on every route. */
export const RATE_LIMIT_PER_5_MINUTES = 1_000;
/** …and on the link routes (task and agenda pages), where an id is the capability: no guessing. */
export const LINK_RATE_LIMIT_PER_5_MINUTES = 100;

/** Props of the ApiFirewall. */
export interface ApiFirewallProps {
  /** The REST API stage the web ACL guards. */
  readonly stage: Stage;
}

/**
 * AWS WAF in front of the REST API: AWS's common rule set and known-bad-inputs rule set, a
 * rate-based rule per client address on every route, and a tighter one on the link routes
 * (`/tasks/…`, `/agendas/…`, the letters' `/inbox/…`), whose unguessable id is the only key.
 *
 * - Referral bodies are large by nature (13 free-text items, up to 256 KB): the common rule set's
 *   8 KB body-size rule counts instead of blocking; the handlers enforce the contract's own limit.
 * - A task or agenda link's id is a secret. WAF logs redact the URI path and query string, and
 *   sampled requests (which the console shows with full URIs) are off, so no id reaches WAF's
 *   records; the metrics stay on.
 */
export class ApiFirewall extends Construct {
  public readonly webAcl: CfnWebACL;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: false,
    });
    const managed = (name: string, priority: number, overrides: string[] = []): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name,
          ...(overrides.length > 0
            ? { ruleActionOverrides: overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: visibility(`frist-${name}`),
    });
    const linkPath = (prefix: string): CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: "STARTS_WITH",
        searchString: prefix,
        textTransformations: [{ priority: 0, type: "NONE" }],
      },
    });

    this.webAcl = new CfnWebACL(this, "WebAcl", {
      name: "frist-api",
      description: "Frist API: AWS managed rules and per-address rate limits",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility("frist-api"),
      rules: [
        {
          name: "link-routes-rate",
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: LINK_RATE_LIMIT_PER_5_MINUTES,
              aggregateKeyType: "IP",
              evaluationWindowSec: 300,
              scopeDownStatement: {
                orStatement: {
                  statements: [
                    linkPath(`/${props.stage.stageName}/tasks/`),
                    linkPath(`/${props.stage.stageName}/agendas/`),
                    linkPath(`/${props.stage.stageName}/inbox/`),
                    linkPath("/tasks/"),
                    linkPath("/agendas/"),
                    linkPath("/inbox/"),
                  ],
                },
              },
            },
          },
          visibilityConfig: visibility("frist-link-routes-rate"),
        },
        {
          name: "all-routes-rate",
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: RATE_LIMIT_PER_5_MINUTES,
              aggregateKeyType: "IP",
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility("frist-all-routes-rate"),
        },
        managed("AWSManagedRulesCommonRuleSet", 2, ["SizeRestrictions_BODY"]),
        managed("AWSManagedRulesKnownBadInputsRuleSet", 3),
      ],
    });
    new CfnWebACLAssociation(this, "Association", {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF requires the log group's name to start with "aws-waf-logs-".
    const logGroupName = `aws-waf-logs-${Stack.of(this).stackName}-api`;
    this.logGroup = new LogGroup(this, "Logs", {
      logGroupName,
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnLoggingConfiguration(this, "Logging", {
      resourceArn: this.webAcl.attrArn,
      // The log group's ARN without the ":*" that LogGroup.logGroupArn ends with: WAF wants it bare.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [
        { uriPath: {} },
        { queryString: {} },
        { singleHeader: { Name: "authorization" } },
        { singleHeader: { Name: "cookie" } },
      ],
    });
  }
}
