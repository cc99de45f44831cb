import { type CfnElement, Stack, Token } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * How cdk-nag names a resource's `Arn` attribute inside a finding id (`<LogicalId.Arn>`), so an
 * acknowledgement can name the exact finding rather than the whole rule.
 */
export function nagArnOf(resource: IConstruct): string {
  const element = resource.node.defaultChild as CfnElement;
  return `<${Stack.of(resource).getLogicalId(element)}.Arn>`;
}

/** How cdk-nag prints a stack's partition, region or account: the literal, or `<AWS::Partition>` etc. */
export function nagPseudo(scope: IConstruct, name: "Partition" | "Region" | "AccountId"): string {
  const stack = Stack.of(scope);
  const value = name === "Partition" ? stack.partition : name === "Region" ? stack.region : stack.account;
  return Token.isUnresolved(value) ? `<AWS::${name}>` : value;
}
