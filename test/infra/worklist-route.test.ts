/**
 * The worklist route in the synthesized template: GET /referrals behind IAM auth, served by its own
 * function that may query the portal index (its own portal's referrals) but never write to the table.
 */
import { describe, expect, it } from "vitest";
import {
  actionsOf,
  allowStatementsOf,
  apiPathOf,
  functionByEntry,
  type Json,
  ofType,
} from "../support/template";

const ENTRY = "functions/handlers/list-referrals.ts";

describe("the worklist route", () => {
  const [functionId, fn] = functionByEntry(ENTRY);
  const getReferrals = ofType("AWS::ApiGateway::Method")
    .map(([, m]) => m.Properties)
    .filter((m) => m.HttpMethod === "GET" && apiPathOf(m.ResourceId as Json) === "/referrals");

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

  it("lets the function query the portal index, but write nothing", () => {
    // Prepare
    const statements = allowStatementsOf(fn);
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
    expect(JSON.stringify(query?.Resource)).toContain("/index/byPortal");
  });
});
