/**
 * The worklist route in the synthesized template: GET /referrals behind IAM auth, served by its own
 * function that may read the table (and the worklist index) but never write to it.
 */
import { describe, expect, it } from "vitest";
import { createFristApp } from "../../lib/app";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = { Type: string; Properties: Record<string, Json>; Metadata?: Record<string, Json> };
type Statement = { Effect: string; Action: string | string[]; Resource?: Json };

// Synthesize once, in-process and without bundling, as the local runtime does.
const { app, stack } = createFristApp({ bundling: false });
const resources = (
  app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, Resource> }
).Resources;

const ENTRY = "functions/handlers/list-referrals.ts";

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function functionByEntry(entry: string): [string, Resource] {
  const found = ofType("AWS::Lambda::Function").find(([, r]) => r.Metadata?.["frist:entry"] === entry);
  if (!found) throw new Error(`no function with frist:entry ${entry}`);
  return found;
}

/** The path of an API Gateway resource, from its Ref up to the root. */
function pathOf(resourceId: Json): string {
  const parts: string[] = [];
  let ref = resourceId as { Ref?: string };
  while (ref.Ref && resources[ref.Ref]?.Type === "AWS::ApiGateway::Resource") {
    const properties = resources[ref.Ref]?.Properties ?? {};
    parts.unshift(properties.PathPart as string);
    ref = properties.ParentId as { Ref?: string };
  }
  return `/${parts.join("/")}`;
}

/** Every statement of the identity policies attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        (r.Properties.Roles as { Ref: string }[] | undefined)?.some((role) => role.Ref === roleId),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .concat(
      (
        (resources[roleId]?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []
      ).flatMap((p) => p.PolicyDocument.Statement),
    );
}

const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe("the worklist route", () => {
  const [functionId, fn] = functionByEntry(ENTRY);
  const getReferrals = ofType("AWS::ApiGateway::Method")
    .map(([, m]) => m.Properties)
    .filter((m) => m.HttpMethod === "GET" && pathOf(m.ResourceId as Json) === "/referrals");

  it("serves GET /referrals with IAM auth through the Lambda proxy to the list-referrals handler", () => {
    expect(getReferrals).toHaveLength(1);
    const [method] = getReferrals;
    expect(method?.AuthorizationType).toBe("AWS_IAM");
    expect(method?.Integration).toMatchObject({ Type: "AWS_PROXY", IntegrationHttpMethod: "POST" });
    expect(JSON.stringify(method?.Integration)).toContain(`"${functionId}"`);
  });

  it("gives the function TABLE_NAME and CLINIC_CONFIG with the same values as the other functions", () => {
    const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const [, taskPage] = functionByEntry("functions/handlers/task-page.ts");
    const taskPageVariables = (taskPage.Properties.Environment as { Variables: Record<string, Json> })
      .Variables;

    expect(variables.TABLE_NAME).toEqual(taskPageVariables.TABLE_NAME);
    expect(variables.CLINIC_CONFIG).toEqual(taskPageVariables.CLINIC_CONFIG);
    expect(JSON.parse(variables.CLINIC_CONFIG as string)).toHaveProperty("legalClock");
  });

  it("lets the function query the table and the worklist index, but write nothing", () => {
    // Prepare
    const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = statementsOfRole(roleId).filter((s) => s.Effect === "Allow");
    const actions = statements.flatMap(actionsOf);

    // Assess
    expect(actions).toContain("dynamodb:Query");
    for (const forbidden of [
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:Scan",
    ]) {
      expect(actions).not.toContain(forbidden);
    }
    expect(actions.some((action) => action.includes("*"))).toBe(false);
    const query = statements.find((s) => actionsOf(s).includes("dynamodb:Query"));
    expect(JSON.stringify(query?.Resource)).toContain("/index/worklist");
  });
});
