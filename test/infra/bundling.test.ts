/**
 * What a function's bundle carries, built as a deployment builds it (FristFunction's esbuild
 * options): only the SDK clients and libraries its handler uses. A cold start is mostly the import
 * of that code, so an adapter or view pulled in by accident (a module with a side effect at load, a
 * table of every builder) shows here before it shows as a slower function.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { createFristApp } from "../../lib/app";
import {
  FRIST_BUNDLING,
  fristBundling,
  REPO_ROOT,
  TRACE_AWS_CALLS_CONTEXT,
} from "../../lib/constructs/frist-function";
import { LOCAL_BUNDLING, LOCAL_REQUIRE_BANNER } from "../../lib/local/lambda/bundles";
import { deploymentBuildOptions } from "../support/bundles";
import { ofType, type Resource } from "../support/template";

/** The packages (and Frist's own folders) with code in the bundle of `entry`. */
async function bundledPackages(entry: string, traceAwsCalls = false): Promise<Set<string>> {
  const packages = new Set<string>();
  for (const file of await bundledFiles(entry, traceAwsCalls)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    packages.add(match ? (match[1] as string) : path.dirname(file));
  }
  return packages;
}

/** The input files with code in the bundle of `entry` (repository-relative for Frist's own). */
async function bundledFiles(entry: string, traceAwsCalls = false): Promise<Set<string>> {
  const result = await build({
    ...deploymentBuildOptions(traceAwsCalls),
    entryPoints: [path.join(REPO_ROOT, entry)],
    write: false,
    outfile: "index.mjs",
    minify: true,
    metafile: true,
  });
  const files = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      if (input.bytesInOutput > 0) files.add(file);
    }
  }
  return files;
}

describe("a function's bundle", () => {
  it("of a portal's read route holds the DynamoDB client only: no other client, no sign-in, no templates, no X-Ray", async () => {
    const packages = await bundledPackages("functions/handlers/get-referral.ts");

    expect(packages).toContain("@aws-sdk/client-dynamodb");
    for (const absent of [
      "@aws-sdk/client-ses",
      "@aws-sdk/client-sfn",
      "openid-client",
      "handlebars",
      "functions/views",
      "aws-xray-sdk-core",
      "@aws-lambda-powertools/tracer",
    ]) {
      expect(packages, absent).not.toContain(absent);
    }
  });

  it("of intake holds DynamoDB and Step Functions, and no mailer, sign-in or templates", async () => {
    const packages = await bundledPackages("functions/handlers/receive-referral.ts");

    expect(packages).toContain("@aws-sdk/client-dynamodb");
    expect(packages).toContain("@aws-sdk/client-sfn");
    for (const absent of ["@aws-sdk/client-ses", "openid-client", "handlebars"]) {
      expect(packages, absent).not.toContain(absent);
    }
  });

  it("of a workflow step that emails holds SES and the templates, and no Step Functions client or sign-in", async () => {
    const packages = await bundledPackages("functions/handlers/plan-intake.ts");

    expect(packages).toContain("@aws-sdk/client-ses");
    expect(packages).toContain("handlebars");
    for (const absent of ["@aws-sdk/client-sfn", "openid-client"]) {
      expect(packages, absent).not.toContain(absent);
    }
  });

  it("of the Status på henvisning step holds the PDF library for the referrer's letter, and no template engine or mailer", async () => {
    const packages = await bundledPackages("functions/handlers/send-status-on-referral.ts");

    expect(packages).toContain("pdf-lib");
    for (const absent of ["handlebars", "@aws-sdk/client-ses", "@aws-sdk/client-sfn", "openid-client"]) {
      expect(packages, absent).not.toContain(absent);
    }
  });

  it("of a portal route builds no schema the route does not parse: who calls is told apart without the referral's or the view's schemas", async () => {
    // Each of these modules builds zod schemas when it loads, so carrying one costs every cold start.
    const worklist = await bundledFiles("functions/handlers/list-referrals.ts");
    const read = await bundledFiles("functions/handlers/get-referral.ts");
    const intake = await bundledFiles("functions/handlers/receive-referral.ts");

    for (const absent of ["referral.ts", "portal.ts", "decision.ts"]) {
      expect(worklist, absent).not.toContain(`functions/domain/${absent}`);
    }
    expect(read).toContain("functions/domain/portal.ts");
    for (const absent of ["referral.ts", "decision.ts"]) {
      expect(read, absent).not.toContain(`functions/domain/${absent}`);
    }
    // Intake validates the submission; the answers' schemas (and the decision's) only document the API.
    expect(intake).toContain("functions/domain/referral.ts");
    expect(intake).not.toContain("functions/domain/decision.ts");
  });

  it("holds the X-Ray tracer only when the app traces AWS calls", async () => {
    const untraced = await bundledPackages("functions/handlers/get-referral.ts", false);
    const traced = await bundledPackages("functions/handlers/get-referral.ts", true);

    expect(untraced).not.toContain("aws-xray-sdk-core");
    expect(traced).toContain("aws-xray-sdk-core");
    expect(traced).toContain("@aws-lambda-powertools/tracer");
  });
});

describe("a bundle's pages", () => {
  it("render with the shared page shell: the engine's partials and helpers survive tree-shaking", async () => {
    // Prepare: the message pages bundled as a function bundles them (sideEffects: false lets esbuild
    // drop modules nothing uses; the engine registers its shells as a side effect of its import).
    const options = fristBundling(false);
    const result = await build({
      entryPoints: [path.join(REPO_ROOT, "functions/views/message-pages.ts")],
      bundle: true,
      write: false,
      outfile: "index.mjs",
      platform: "node",
      format: "esm",
      banner: { js: options.banner },
      minify: true,
      define: options.define,
      logLevel: "silent",
    });
    const dir = mkdtempSync(path.join(tmpdir(), "frist-bundle-"));
    try {
      const file = path.join(dir, "index.mjs");
      writeFileSync(file, result.outputFiles[0]?.text ?? "");
      const pages = (await import(pathToFileURL(file).href)) as {
        renderMessagePage(input: { title: string; paragraphs: string[] }): string;
      };

      // Act
      const page = pages.renderMessagePage({ title: "Fant ikke siden", paragraphs: ["Sjekk lenken."] });

      // Assess
      expect(page).toMatch(/^<!DOCTYPE html>/);
      expect(page).toContain("<title>Fant ikke siden – Frist</title>");
      expect(page).toContain("<p>Sjekk lenken.</p>");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("tracing of AWS calls", () => {
  const environments = () =>
    ofType("AWS::Lambda::Function")
      .filter(([, fn]) => fn.Metadata?.["frist:entry"])
      .map(([id, fn]) => [id, fn.Properties.Environment as { Variables: Record<string, unknown> }] as const);

  it("is off by default: every function is told so, and Lambda still traces each invocation", () => {
    const found = environments();
    expect(found.length).toBeGreaterThan(20);
    for (const [id, environment] of found) {
      expect(environment.Variables.POWERTOOLS_TRACE_ENABLED, id).toBe("false");
    }
  });

  it("is on in every function deployed with frist:traceAwsCalls", () => {
    const { app, stack } = createFristApp({
      bundling: false,
      validateTemplate: false,
      context: { [TRACE_AWS_CALLS_CONTEXT]: "true" },
    });
    const resources = app.synth().getStackByName(stack.stackName).template.Resources as Record<
      string,
      Resource
    >;
    const functions = Object.entries(resources).filter(
      ([, r]) => r.Type === "AWS::Lambda::Function" && r.Metadata?.["frist:entry"],
    );
    expect(functions.length).toBeGreaterThan(20);
    for (const [id, fn] of functions) {
      const { Variables } = fn.Properties.Environment as { Variables: Record<string, unknown> };
      expect(Variables.POWERTOOLS_TRACE_ENABLED, id).toBe("true");
    }
  });

  it("is what the local runtime builds too: the same target, format, main fields and require banner", () => {
    expect({ ...LOCAL_BUNDLING, banner: LOCAL_REQUIRE_BANNER }).toEqual({
      target: FRIST_BUNDLING.target,
      format: FRIST_BUNDLING.format,
      mainFields: FRIST_BUNDLING.mainFields,
      banner: FRIST_BUNDLING.banner,
    });
  });

  it("keeps FRIST_BUNDLING's options and adds only the tracing choice", () => {
    const { define, ...rest } = fristBundling(true);
    expect(rest).toEqual(FRIST_BUNDLING);
    expect(define).toEqual({ "process.env.POWERTOOLS_TRACE_ENABLED": '"true"' });
  });
});
