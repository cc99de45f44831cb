import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { createFristApp } from "../../lib/app";

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

describe("cdk-nag AwsSolutions checks", () => {
  // Prepare
  const { app, stack } = createFristApp({ bundling: false });
  app.synth();

  it("find nothing that is not acknowledged", () => {
    // Act
    const report = new AwsSolutionsChecks(app).validateScope(stack);

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
      expect(id, path).toMatch(/AwsSolutions-/);
      expect(reason.length, `${path} ${id}`).toBeGreaterThan(40);
    }
  });

  it("acknowledge no rule wholesale for the stack", () => {
    const stackWide = acknowledgementsIn(stack).filter(({ path }) => path === stack.node.path);

    expect(stackWide).toEqual([]);
  });
});
