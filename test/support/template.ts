/**
 * The synthesized CloudFormation template and small readers over it, for the template tests. The
 * app is synthesized once per test file, in-process and without bundling, as the local runtime does.
 */
import { createFristApp } from "../../lib/app";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Resource = { Type: string; Properties: Record<string, Json>; Metadata?: Record<string, Json> };
export type Statement = { Effect: string; Action: string | string[]; Resource?: Json; Condition?: Json };

// The CDK's built-in CloudFormation validation is checked once, on the deployable app
// (test/infra/nag.test.ts): here it would only add a WebAssembly compile per worker.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });

/** The synthesized stack's constructs (e.g. each FristFunction with its declaration). */
export const fristStack = stack;

/** The synthesized template. */
export const fristTemplate = app.synth().getStackByName(stack.stackName).template as {
  Resources: Record<string, Resource>;
  Metadata?: Record<string, Json>;
};

/** The stack's resources by logical id. */
export const resources = fristTemplate.Resources;

export function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The Lambda function whose `frist:entry` metadata names this handler file. */
export function functionByEntry(entry: string): [string, Resource] {
  const found = ofType("AWS::Lambda::Function").find(([, r]) => r.Metadata?.["frist:entry"] === entry);
  if (!found) throw new Error(`no function with frist:entry ${entry}`);
  return found;
}

/** The path of an API Gateway resource, from its Ref up to the root. */
export function apiPathOf(resourceId: Json): string {
  const parts: string[] = [];
  let ref = resourceId as { Ref?: string };
  while (ref.Ref && resources[ref.Ref]?.Type === "AWS::ApiGateway::Resource") {
    const properties = resources[ref.Ref]?.Properties ?? {};
    parts.unshift(properties.PathPart as string);
    ref = properties.ParentId as { Ref?: string };
  }
  return `/${parts.join("/")}`;
}

/** Every Allow statement a function's role has: its attached identity policies and inline policies. */
export function allowStatementsOf(fn: Resource): Statement[] {
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const attached = ofType("AWS::IAM::Policy")
    .filter(([, r]) =>
      (r.Properties.Roles as { Ref: string }[] | undefined)?.some((role) => role.Ref === roleId),
    )
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  const inline = (
    (resources[roleId]?.Properties.Policies as
      | { PolicyDocument: { Statement: Statement[] } }[]
      | undefined) ?? []
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  return [...attached, ...inline].filter((statement) => statement.Effect === "Allow");
}

/** A statement's actions as a list. */
export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
