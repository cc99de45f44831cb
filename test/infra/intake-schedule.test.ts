/**
 * The intake meetings in the synthesized template: an EventBridge rule every 15 minutes runs the
 * agenda sender, which may query, get, update and put items and send mail, and nothing more; the
 * agenda page is served without auth by a function that can only read.
 */
import { describe, expect, it } from "vitest";
import {
  actionsOf,
  allowStatementsOf,
  apiPathOf,
  functionByEntry,
  type Json,
  ofType,
  type Resource,
} from "../support/template";

describe("the agenda schedule", () => {
  const [sendAgendasId, sendAgendas] = functionByEntry("functions/handlers/send-agendas.ts");
  const rules = ofType("AWS::Events::Rule").filter(([, rule]) =>
    JSON.stringify(rule.Properties.Targets).includes(sendAgendasId),
  );

  it("runs send-agendas every 15 minutes from an EventBridge rule", () => {
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.ScheduleExpression).toBe("rate(15 minutes)");
    expect(rule.Properties.State).toBe("ENABLED");
    const targets = rule.Properties.Targets as { Arn: Json }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual({ "Fn::GetAtt": [sendAgendasId, "Arn"] });
  });

  it("lets only EventBridge, and only this rule, invoke the function", () => {
    const permissions = ofType("AWS::Lambda::Permission").filter(
      ([, p]) =>
        JSON.stringify(p.Properties.FunctionName) ===
        JSON.stringify({ "Fn::GetAtt": [sendAgendasId, "Arn"] }),
    );
    expect(permissions).toHaveLength(1);
    const [ruleId] = rules[0] as [string, Resource];
    expect(permissions[0]?.[1].Properties).toMatchObject({
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [ruleId, "Arn"] },
    });
  });

  it("gives the function the table, the clinic, the link base and the mailer, and grants on meetings and agendas only", () => {
    const variables = (sendAgendas.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(Object.keys(variables).sort()).toEqual([
      "CLINIC_CONFIG",
      "MAIL_FROM",
      "POWERTOOLS_SERVICE_NAME",
      "POWERTOOLS_TRACER_CAPTURE_ERROR",
      "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
      "POWERTOOLS_TRACE_ENABLED",
      "PUBLIC_BASE_URL",
      "SES_CONFIGURATION_SET",
      "TABLE_NAME",
    ]);
    expect(JSON.parse(variables.CLINIC_CONFIG as string)).toMatchObject({
      intakePlanning: { agendaLeadHours: 24 },
    });

    const statements = allowStatementsOf(sendAgendas);
    const actions = statements.flatMap(actionsOf);
    const dynamo = [...new Set(actions.filter((action) => action.startsWith("dynamodb:")))].sort();
    // DeleteItem: a member's email claim is given back when SES refuses the send.
    expect(dynamo).toEqual([
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
    expect(actions).toEqual(expect.arrayContaining(["ses:SendEmail"]));
    expect(actions.some((action) => action.includes("*"))).toBe(false);
    const dynamoStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")));
    const keys = dynamoStatements.flatMap(
      (s) =>
        (s.Condition as { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": string[] } })[
          "ForAllValues:StringLike"
        ]["dynamodb:LeadingKeys"],
    );
    expect([...new Set(keys)].sort()).toEqual(["AGENDA#*", "MEETING", "MEETING#*"]);
    const query = statements.find((s) => actionsOf(s).includes("dynamodb:Query"));
    expect(JSON.stringify(query?.Resource)).toContain("/index/worklist");
    expect(JSON.stringify(query?.Resource)).not.toContain("index/*");
    const kms = statements.find((s) => actionsOf(s).includes("kms:Decrypt"));
    expect(JSON.stringify(kms?.Condition)).toContain("kms:ViaService");
  });
});

describe("the agenda route", () => {
  const [agendaPageId, agendaPage] = functionByEntry("functions/handlers/agenda-page.ts");

  it("serves GET /agendas/{agendaId} without auth (the agenda id is the capability) through the Lambda proxy", () => {
    const methods = ofType("AWS::ApiGateway::Method")
      .map(([, m]) => m.Properties)
      .filter((m) => apiPathOf(m.ResourceId as Json).startsWith("/agendas"));
    expect(methods).toHaveLength(1);
    const [method] = methods;
    expect(method?.HttpMethod).toBe("GET");
    expect(apiPathOf(method?.ResourceId as Json)).toBe("/agendas/{agendaId}");
    expect(method?.AuthorizationType).toBe("NONE");
    expect(method?.Integration).toMatchObject({ Type: "AWS_PROXY", IntegrationHttpMethod: "POST" });
    expect(JSON.stringify(method?.Integration)).toContain(`"${agendaPageId}"`);
  });

  it("lets the page's function read the table and write only sessions and the access log, never mail", () => {
    const actions = allowStatementsOf(agendaPage).flatMap(actionsOf);
    expect(actions).toContain("dynamodb:GetItem");
    for (const forbidden of ["ses:SendEmail", "ses:SendRawEmail", "states:SendTaskSuccess"]) {
      expect(actions).not.toContain(forbidden);
    }
  });
});
