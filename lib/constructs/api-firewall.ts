import { ArnFormat, Lazy, RemovalPolicy, Stack, Token } from "aws-cdk-lib";
import {
  AuthorizationType,
  type CfnMethod,
  type CfnStage,
  RestApi,
  type Stage,
} from "aws-cdk-lib/aws-apigateway";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";

/** Requests one client address may make in five minutes, on every route. */
export const RATE_LIMIT_PER_5_MINUTES = 1_000;
/** …and on the link routes (task and agenda pages), where an id is the capability: no guessing. */
export const LINK_RATE_LIMIT_PER_5_MINUTES = 100;

/** A route as the firewall reads it: method, resource path, and whether IAM guards it. */
export interface FirewallRoute {
  readonly method: string;
  readonly path: string;
  readonly iam: boolean;
}

/**
 * How the link rule recognises a route: the URI path (URL-decoded, lower-cased) starts with
 * `prefix` and, when `suffix` is set, ends with it.
 */
export interface LinkMatch {
  readonly prefix: string;
  readonly suffix?: string;
}

/**
 * The link routes of `routes`: every route without IAM whose path carries an id (`{…}`), where the
 * id in the URL is what a guesser would try (a task, an agenda, a letter, a referral). Each is
 * matched by the path up to its first id; when an IAM route (a portal's) shares that prefix, by the
 * path after its last id too, so portals' own polling is not throttled as a link.
 */
export function linkMatches(routes: readonly FirewallRoute[]): LinkMatch[] {
  const prefixOf = (path: string) => path.slice(0, path.indexOf("{"));
  const links = routes.filter((route) => !route.iam && route.path.includes("{"));
  const iamPrefixes = routes
    .filter((route) => route.iam && route.path.includes("{"))
    .map((r) => prefixOf(r.path));
  const matches = new Map<string, LinkMatch>();
  for (const route of links) {
    const prefix = prefixOf(route.path).toLowerCase();
    if (!iamPrefixes.some((iam) => iam.toLowerCase() === prefix)) {
      matches.set(prefix, { prefix });
      continue;
    }
    const suffix = route.path.slice(route.path.lastIndexOf("}") + 1).toLowerCase();
    if (suffix === "") throw new Error(`the link route ${route.path} cannot be told from a portal's route`);
    matches.set(`${prefix}*${suffix}`, { prefix, suffix });
  }
  return [...matches.values()].sort((a, b) =>
    `${a.prefix}${a.suffix}`.localeCompare(`${b.prefix}${b.suffix}`),
  );
}

/** Props of the ApiFirewall. */
export interface ApiFirewallProps {
  /** The REST API stage the web ACL guards. */
  readonly stage: Stage;
}

/**
 * AWS WAF in front of the REST API: AWS's common rule set and known-bad-inputs rule set, a
 * rate-based rule per client address on every route, and a tighter one on the link routes
 * (`/tasks/…` with its forms, `/agendas/…`, the letters' `/inbox/…`, and every other session route
 * with an id in its path: see {@link linkMatches}), whose id is what a guesser would try. The link
 * routes are read from the API's methods when the template is written, so a route added later is
 * covered without being named here. The path is matched URL-decoded and lower-cased, so
 * `/%74asks/<id>` or `/TASKS/<id>` counts as a task link (API Gateway decodes the path before it
 * routes; its resource paths are case-sensitive, but a rule that counts too much costs nothing).
 * Capacity: each path match with its two transformations is 22 WCU, about 400 for today's 8 link
 * prefixes with and without the stage, beside the managed rule groups' 900, under the web ACL's 1500.
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
    const pathMatch = (position: "STARTS_WITH" | "ENDS_WITH", text: string): CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: position,
        searchString: text,
        // Decoded first, then lower-cased: `/%54ASKS/` is `/tasks/` too.
        textTransformations: [
          { priority: 0, type: "URL_DECODE" },
          { priority: 1, type: "LOWERCASE" },
        ],
      },
    });
    // The stage's literal name ("prod"), so the rule holds a plain string the tests can match.
    const stageName =
      (props.stage.node.defaultChild as CfnStage | undefined)?.stageName ?? props.stage.stageName;
    const stagePrefix = Token.isUnresolved(stageName) ? `/${stageName}` : `/${stageName.toLowerCase()}`;
    // With and without the stage: the execute-api host has it in the path, a custom domain not.
    const linkStatements = (): CfnWebACL.StatementProperty[] =>
      linkMatches(routesOf(props.stage)).flatMap(({ prefix, suffix }) =>
        [`${stagePrefix}${prefix}`, prefix].map((start) =>
          suffix
            ? {
                andStatement: {
                  statements: [pathMatch("STARTS_WITH", start), pathMatch("ENDS_WITH", suffix)],
                },
              }
            : pathMatch("STARTS_WITH", start),
        ),
      );

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
                // Read when the template is written, after every route has been added.
                orStatement: { statements: Lazy.any({ produce: linkStatements }) },
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

/** The routes of the stage's REST API, as its methods are when the template is written. */
function routesOf(stage: Stage): FirewallRoute[] {
  if (!(stage.restApi instanceof RestApi)) throw new Error("ApiFirewall needs the stage of a RestApi");
  return stage.restApi.methods.map((method) => ({
    method: method.httpMethod,
    path: method.resource.path,
    iam: (method.node.defaultChild as CfnMethod).authorizationType === AuthorizationType.IAM,
  }));
}
