import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type CfnTemplate,
  createResolver,
  functionEnvironment,
  functionNameFromArn,
  type LocalFunction,
  readApiRoutes,
  readFunctions,
  readStateMachine,
  readTables,
} from "../../lib/local/template";

const template = JSON.parse(
  readFileSync(new URL("./fixtures/frist-template.json", import.meta.url), "utf8"),
) as CfnTemplate;
const region = "eu-north-1";

describe("reading the synthesized template for the local runtime", () => {
  it("turns the table into a CreateTable input named by its logical id, keeping only the key design", () => {
    // Act
    const tables = readTables(template);

    // Assess
    expect(tables).toHaveLength(1);
    const table = tables[0];
    expect(table).toMatchObject({
      TableName: "ReferralTableA1C513C2",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    });
    expect(table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(["worklist", "byTaskId"]);
    expect(table?.AttributeDefinitions).toHaveLength(5);
    expect(Object.keys(table ?? {})).not.toContain("SSESpecification");
    expect(Object.keys(table ?? {})).not.toContain("PointInTimeRecoverySpecification");
  });

  it("lists the functions that carry frist:entry metadata with their raw environment", () => {
    // Act
    const functions = readFunctions(template);

    // Assess
    expect(Object.keys(functions)).toHaveLength(6);
    expect(functions.FnNotifyAssessors58E8D667).toMatchObject({
      entry: "functions/handlers/notify-assessors.ts",
      handlerName: "handler",
      environment: { TABLE_NAME: { Ref: "ReferralTableA1C513C2" } },
      timeoutSeconds: 3,
    });
  });

  it("resolves the state machine definition with local Lambda ARNs named by logical id", () => {
    // Act
    const machine = readStateMachine(template, { region });

    // Assess
    expect(machine.logicalId).toBe("Workflow193EF7C1");
    expect(machine.arn).toBe("arn:aws:states:eu-north-1:000000000000:stateMachine:Workflow193EF7C1");
    const states = machine.definition.States as Record<string, Record<string, unknown>>;
    expect(states.AwaitAssessment).toMatchObject({
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      TimeoutSecondsPath: "$.plan.awaitSeconds",
      Parameters: {
        FunctionName: "arn:aws:lambda:eu-north-1:000000000000:function:FnNotifyAssessors58E8D667",
      },
    });
  });

  it("rebuilds the API routes from the resource tree with their function and authorization", () => {
    // Act
    const routes = readApiRoutes(template);

    // Assess
    expect(routes.map((route) => `${route.method} ${route.path} ${route.authorizationType}`)).toEqual([
      "GET /openapi.json NONE",
      "POST /referrals AWS_IAM",
      "GET /referrals/{referralId} AWS_IAM",
      "GET /tasks/{taskId} NONE",
    ]);
    expect(routes[1]?.functionLogicalId).toBe("FnReceiveReferral60D653F4");
  });

  it("resolves the intrinsics CDK emits, pseudo parameters included", () => {
    // Prepare
    const resolve = createResolver(template, { region });
    // Fn::Sub text "arn:${AWS::Partition}:dynamodb:${AWS::Region}:...", joined so it is no JS template.
    const subText = [
      "arn:",
      "{AWS::Partition}:dynamodb:",
      "{AWS::Region}:",
      "{AWS::AccountId}:table/",
      "{ReferralTableA1C513C2}",
    ].join("$");

    // Act
    const resolved = resolve({
      joined: {
        "Fn::Join": [
          "",
          [
            "https://",
            { Ref: "ApiF70053CD" },
            ".execute-api.",
            { Ref: "AWS::Region" },
            ".",
            { Ref: "AWS::URLSuffix" },
          ],
        ],
      },
      sub: { "Fn::Sub": subText },
      table: { "Fn::GetAtt": ["ReferralTableA1C513C2", "Arn"] },
      machine: { Ref: "Workflow193EF7C1" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      literal: { "Fn::Sub": "${!NotAVariable}" },
    });

    // Assess
    expect(resolved).toEqual({
      joined: "https://ApiF70053CD.execute-api.eu-north-1.amazonaws.com",
      sub: "arn:aws:dynamodb:eu-north-1:000000000000:table/ReferralTableA1C513C2",
      table: "arn:aws:dynamodb:eu-north-1:000000000000:table/ReferralTableA1C513C2",
      machine: "arn:aws:states:eu-north-1:000000000000:stateMachine:Workflow193EF7C1",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      literal: "${NotAVariable}",
    });
  });

  it("names a function by the logical id in its ARN, qualifier or not", () => {
    expect(functionNameFromArn("arn:aws:lambda:eu-north-1:000000000000:function:Fn1")).toBe("Fn1");
    expect(functionNameFromArn("arn:aws:lambda:eu-north-1:000000000000:function:Fn1:$LATEST")).toBe("Fn1");
    expect(functionNameFromArn("Fn1")).toBe("Fn1");
  });
});

describe("merging the functions' environments into one process environment", () => {
  const fn = (logicalId: string, environment: Record<string, unknown>): LocalFunction => ({
    logicalId,
    entry: `functions/handlers/${logicalId}.ts`,
    handlerName: "handler",
    environment,
    timeoutSeconds: 3,
    memorySize: 128,
  });
  const resolve = createResolver(template, { region });

  it("gives a function its own variables resolved, with local values only for those it has", () => {
    // Arrange
    const functions = {
      a: fn("a", {
        TABLE_NAME: { Ref: "ReferralTableA1C513C2" },
        PUBLIC_BASE_URL: { "Fn::ImportValue": "x" },
      }),
      b: fn("b", {
        TABLE_NAME: { Ref: "ReferralTableA1C513C2" },
        STATE_MACHINE_ARN: { Ref: "Workflow193EF7C1" },
      }),
    };
    const localValues = { PUBLIC_BASE_URL: "http://localhost:3000" };

    // Act
    const a = functionEnvironment(functions.a, resolve, localValues);
    const b = functionEnvironment(functions.b, resolve, localValues);

    // Assess
    expect(a).toEqual({ TABLE_NAME: "ReferralTableA1C513C2", PUBLIC_BASE_URL: "http://localhost:3000" });
    expect(b).toEqual({
      TABLE_NAME: "ReferralTableA1C513C2",
      STATE_MACHINE_ARN: "arn:aws:states:eu-north-1:000000000000:stateMachine:Workflow193EF7C1",
    });
  });

  it("names the variable whose value cannot be resolved locally", () => {
    expect(() => functionEnvironment(fn("a", { X: { "Fn::ImportValue": "y" } }), resolve)).toThrow(
      /Environment variable X of a/,
    );
  });
});
