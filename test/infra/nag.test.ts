import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Stack, Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks, HIPAASecurityChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { createDeployableApp, createFristApp } from "../../lib/app";

function acknowledgementsIn(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe("cdk-nag AwsSolutions and HIPAA.Security checks", () => {
  // Prepare
  const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
  app.synth();

  it.each([
    ["AwsSolutions", () => new AwsSolutionsChecks(app)],
    ["HIPAA.Security", () => new HIPAASecurityChecks(app)],
  ])("find nothing in the %s pack that is not acknowledged", (_pack, pack) => {
    // Act
    const report = pack().validateScope(stack);

    // Assess
    const findings = report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("acknowledge each rule that does not fit with a written reason", () => {
    const acknowledgements = acknowledgementsIn(stack);

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      expect(id, path).toMatch(/(AwsSolutions|HIPAA\.Security)-/);
      expect(reason.length, `${path} ${id}`).toBeGreaterThan(40);
    }
  });

  it("acknowledge no rule wholesale for the stack", () => {
    const stackWide = acknowledgementsIn(stack).filter(({ path }) => path === stack.node.path);

    expect(stackWide).toEqual([]);
  });
});

describe("synthesis with the compliance checks", () => {
  it("fails on a finding nobody acknowledged", () => {
    const app = createDeployableApp({ bundling: false, validateTemplate: false });
    const stack = app.node.children.find((child) => Stack.isStack(child)) as Stack;
    new Queue(stack, "UnacknowledgedQueue");

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });

  it("are what bin/frist.ts, the app `cdk synth` runs, adds to its app; it synthesizes cleanly", () => {
    // Prepare: cdk.json runs bin/frist.ts, which builds the deployable app and nothing else.
    const cdkJson = JSON.parse(readFileSync(path.join(__dirname, "../../cdk.json"), "utf8")) as {
      app: string;
    };
    expect(cdkJson.app).toBe("npx tsx bin/frist.ts");
    const source = readFileSync(path.join(__dirname, "../../bin/frist.ts"), "utf8");
    const statements = source.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("//"));
    expect(statements).toEqual([
      'import { createDeployableApp } from "../lib/app";',
      "createDeployableApp();",
    ]);

    // Act: the same app in-process, without bundling (as the CLI's context "aws:cdk:bundling-stacks": []),
    // with the CDK's built-in CloudFormation validation, which the other template tests leave out.
    const assembly = createDeployableApp({ bundling: false }).synth();

    // Assess: the compliance checks (which fail the synthesis on a finding, above) and the
    // CloudFormation validation found nothing.
    const report = JSON.parse(readFileSync(path.join(assembly.directory, "validation-report.json"), "utf8"));
    expect(report).toMatchObject({ title: "Validation Report", pluginReports: [] });
  });
});
