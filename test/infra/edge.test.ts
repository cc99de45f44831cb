/**
 * The deployed edge (issue 7, item 6) in the synthesized template: AWS WAF on the API stage with
 * AWS's managed rules and per-address rate limits, and no record anywhere of a link's secret id
 * (WAF logs redact the path, WAF keeps no sampled requests, access logs name the resource template,
 * the stage is not traced); every log group encrypted with the stack's logs key; the table backed up.
 */
import { describe, expect, it } from "vitest";
import { apiPathOf, type Json, ofType, type Resource } from "../support/template";

function only(type: string): [string, Resource] {
  const found = ofType(type);
  expect(
    found.map(([id]) => id),
    type,
  ).toHaveLength(1);
  return found[0] as [string, Resource];
}

type Rule = {
  Name: string;
  Priority: number;
  Statement: Record<string, Json>;
  Action?: Json;
  OverrideAction?: Json;
};

describe("AWS WAF on the API", () => {
  const [webAclId, webAcl] = only("AWS::WAFv2::WebACL");
  const rules = webAcl.Properties.Rules as Rule[];
  const rule = (name: string) => rules.find((r) => r.Name === name) as Rule;

  it("guards the prod stage of the REST API, regionally, allowing what no rule blocks", () => {
    const [, association] = only("AWS::WAFv2::WebACLAssociation");
    const [stageId] = only("AWS::ApiGateway::Stage");

    expect(webAcl.Properties).toMatchObject({ Scope: "REGIONAL", DefaultAction: { Allow: {} } });
    expect(association.Properties.WebACLArn).toEqual({ "Fn::GetAtt": [webAclId, "Arn"] });
    expect(JSON.stringify(association.Properties.ResourceArn)).toContain(stageId);
  });

  it("runs AWS's common and known-bad-inputs rule sets, counting only the 8 KB body rule a referral outgrows", () => {
    const common = rule("AWSManagedRulesCommonRuleSet").Statement.ManagedRuleGroupStatement as Record<
      string,
      Json
    >;
    const badInputs = rule("AWSManagedRulesKnownBadInputsRuleSet").Statement.ManagedRuleGroupStatement;

    expect(common).toMatchObject({ VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" });
    expect(common.RuleActionOverrides).toEqual([
      { Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } },
    ]);
    expect(badInputs).toMatchObject({ VendorName: "AWS", Name: "AWSManagedRulesKnownBadInputsRuleSet" });
    expect(rule("AWSManagedRulesCommonRuleSet").OverrideAction).toEqual({ None: {} });
  });

  it("blocks an address over its rate, tighter on the task, agenda and letter links, before the managed rules run", () => {
    const all = rule("all-routes-rate");
    const links = rule("link-routes-rate");
    const linkStatement = links.Statement.RateBasedStatement as Record<string, Json>;

    expect(all.Action).toEqual({ Block: {} });
    expect(all.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: "IP", Limit: 1000 });
    expect(links.Action).toEqual({ Block: {} });
    expect(linkStatement).toMatchObject({ AggregateKeyType: "IP", Limit: 100 });
    expect(JSON.stringify(linkStatement.ScopeDownStatement)).toContain("/tasks/");
    expect(JSON.stringify(linkStatement.ScopeDownStatement)).toContain("/agendas/");
    expect(JSON.stringify(linkStatement.ScopeDownStatement)).toContain("/inbox/");
    const managedPriority = rule("AWSManagedRulesCommonRuleSet").Priority;
    expect(links.Priority).toBeLessThan(managedPriority);
    expect(all.Priority).toBeLessThan(managedPriority);
  });

  describe("the link-route rate rule", () => {
    const scopeDown = (rule("link-routes-rate").Statement.RateBasedStatement as Record<string, Json>)
      .ScopeDownStatement as Record<string, Json>;
    type Match = { ByteMatchStatement?: Record<string, Json>; AndStatement?: { Statements: Json[] } };
    /** What WAF does with the URI path before matching: each transformation, in priority order. */
    const transform = (path: string, transformations: { Priority: number; Type: string }[]) =>
      [...transformations]
        .sort((a, b) => a.Priority - b.Priority)
        .reduce((value, { Type }) => {
          if (Type === "URL_DECODE") return decodeURIComponent(value);
          if (Type === "LOWERCASE") return value.toLowerCase();
          if (Type === "NONE") return value;
          throw new Error(`transformation ${Type} not modelled`);
        }, path);
    const matches = (statement: Match, path: string): boolean => {
      if (statement.AndStatement)
        return statement.AndStatement.Statements.every((s) => matches(s as Match, path));
      const byte = statement.ByteMatchStatement as {
        FieldToMatch: Json;
        PositionalConstraint: string;
        SearchString: string;
        TextTransformations: { Priority: number; Type: string }[];
      };
      expect(byte.FieldToMatch).toEqual({ UriPath: {} });
      const value = transform(path, byte.TextTransformations);
      if (byte.PositionalConstraint === "STARTS_WITH") return value.startsWith(byte.SearchString);
      if (byte.PositionalConstraint === "ENDS_WITH") return value.endsWith(byte.SearchString);
      throw new Error(`constraint ${byte.PositionalConstraint} not modelled`);
    };
    const counted = (path: string) =>
      ((scopeDown.OrStatement as { Statements: Json[] }).Statements as Match[]).some((s) => matches(s, path));

    // The API's own routes, from its resources: a route added later is checked without being named.
    const routes = ofType("AWS::ApiGateway::Method").map(([, m]) => ({
      route: `${m.Properties.HttpMethod} ${apiPathOf(m.Properties.ResourceId as Json)}`,
      path: apiPathOf(m.Properties.ResourceId as Json),
      iam: m.Properties.AuthorizationType === "AWS_IAM",
    }));
    const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "b3f1c0de-0000-4000-8000-abcdefabcdef");
    const linkRoutes = routes.filter((r) => !r.iam && r.path.includes("{"));

    it("counts every session route with an id in its path, with and without the stage, decoded and lower-cased", () => {
      expect(linkRoutes.map((r) => r.route)).toEqual(
        expect.arrayContaining([
          "GET /tasks/{taskId}",
          "POST /tasks/{taskId}/decision",
          "POST /tasks/{taskId}/priority",
          "POST /tasks/{taskId}/secondary",
          "GET /agendas/{agendaId}",
          "GET /inbox/{letterLink}",
          "GET /letters/{letterId}/print",
          "POST /letters/{letterId}/sent",
        ]),
      );
      const missed = linkRoutes.flatMap(({ route, path }) => {
        const concretePath = concrete(path);
        const encoded = concretePath.replace(
          /^\/(.)/,
          (_, first: string) => `/%${first.charCodeAt(0).toString(16)}`,
        );
        return [`/prod${concretePath}`, concretePath, `/prod${encoded}`, concretePath.toUpperCase()]
          .filter((variant) => !counted(variant))
          .map((variant) => `${route} as ${variant}`);
      });
      expect(missed).toEqual([]);
    });

    it("counts /%74asks/<id> as a task link, and matches every path URL-decoded then lower-cased", () => {
      expect(counted("/prod/%74asks/abc")).toBe(true);
      expect(counted("/prod/T%41SKS/abc/priority")).toBe(true);
      const transformations = JSON.stringify(scopeDown).match(/"TextTransformations":\[[^\]]*\]/g) ?? [];
      expect(transformations.length).toBeGreaterThan(0);
      for (const t of transformations) {
        expect(t).toBe(
          '"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"},{"Priority":1,"Type":"LOWERCASE"}]',
        );
      }
    });

    it("leaves the portals' IAM routes and the contract to the all-routes rule", () => {
      for (const { route, path } of routes.filter((r) => r.iam)) {
        expect(counted(`/prod${concrete(path)}`), route).toBe(false);
      }
      expect(counted("/prod/openapi.json")).toBe(false);
      expect(counted("/prod/referrals")).toBe(false);
    });
  });

  it("keeps no request sample and logs with the path, query string, Authorization and cookies redacted", () => {
    const visibility = [
      webAcl.Properties.VisibilityConfig,
      ...rules.map((r) => (r as unknown as { VisibilityConfig: Json }).VisibilityConfig),
    ];
    const [, logging] = only("AWS::WAFv2::LoggingConfiguration");

    for (const config of visibility)
      expect(config).toMatchObject({ SampledRequestsEnabled: false, CloudWatchMetricsEnabled: true });
    expect(logging.Properties.RedactedFields).toEqual(
      expect.arrayContaining([
        { UriPath: {} },
        { QueryString: {} },
        { SingleHeader: { Name: "authorization" } },
        { SingleHeader: { Name: "cookie" } },
      ]),
    );
    expect(JSON.stringify(logging.Properties.LogDestinationConfigs)).toContain("log-group:aws-waf-logs-");
  });
});

describe("no record of a link's secret", () => {
  it("names the resource template in access logs, never the request path, and does not trace the stage", () => {
    const [, stage] = only("AWS::ApiGateway::Stage");
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;

    expect(format).toContain("$context.resourcePath");
    expect(format).not.toMatch(/\$context\.path|\$context\.requestOverride|\$input|\$context\.domainPrefix/);
    expect(stage.Properties.TracingEnabled).toBe(false);
  });

  it("traces the functions without capturing responses or error messages", () => {
    for (const [id, fn] of ofType("AWS::Lambda::Function").filter(([, f]) => f.Metadata?.["frist:entry"])) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
      expect(variables.POWERTOOLS_TRACER_CAPTURE_RESPONSE, id).toBe("false");
      expect(variables.POWERTOOLS_TRACER_CAPTURE_ERROR, id).toBe("false");
    }
  });
});

describe("logs and backups", () => {
  it("encrypts every log group with the logs key, which only CloudWatch Logs of this account may use", () => {
    const keys = ofType("AWS::KMS::Key").filter(([, k]) =>
      JSON.stringify(k.Properties.KeyPolicy).includes("aws:logs:arn"),
    );
    expect(keys).toHaveLength(1);
    const [logsKeyId, logsKey] = keys[0] as [string, Resource];
    const logGroups = ofType("AWS::Logs::LogGroup");

    expect(logGroups.length).toBeGreaterThan(5);
    for (const [id, group] of logGroups) {
      expect(group.Properties.KmsKeyId, id).toEqual({ "Fn::GetAtt": [logsKeyId, "Arn"] });
    }
    expect(logsKey.Properties.EnableKeyRotation).toBe(true);
  });

  it("backs the referral table up with AWS Backup beyond point-in-time recovery", () => {
    const [tableId] = ofType("AWS::DynamoDB::Table")[0] as [string, Resource];
    const selections = ofType("AWS::Backup::BackupSelection");

    expect(ofType("AWS::Backup::BackupPlan")).toHaveLength(1);
    expect(JSON.stringify(selections.map(([, s]) => s.Properties))).toContain(tableId);
  });
});
