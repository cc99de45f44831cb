import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks, HIPAASecurityChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { addComplianceChecks, createFristApp } from "../../lib/app";

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
  const { app, stack } = createFristApp({ bundling: false });
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
  it("passes for the Frist app as it is", () => {
    const { app } = createFristApp({ bundling: false });
    addComplianceChecks(app);

    expect(() => app.synth()).not.toThrow();
  });

  it("fails on a finding nobody acknowledged", () => {
    const { app, stack } = createFristApp({ bundling: false });
    addComplianceChecks(app);
    new Queue(stack, "UnacknowledgedQueue");

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });

  it("are what bin/frist.ts, the app `cdk synth` runs, adds to its app; it synthesizes cleanly", async () => {
    const source = readFileSync(path.join(__dirname, "../../bin/frist.ts"), "utf8");
    expect(source).toMatch(/addComplianceChecks\(app\)/);
    const outdir = mkdtempSync(path.join(tmpdir(), "frist-synth-"));
    try {
      await promisify(execFile)("npx", ["tsx", "bin/frist.ts"], {
        cwd: path.join(__dirname, "../.."),
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:bundling-stacks": [] }),
        },
      });
      expect(readFileSync(path.join(outdir, "validation-report.json"), "utf8")).toContain(
        "Validation Report",
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
