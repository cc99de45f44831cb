import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, HIPAASecurityChecks } from "cdk-nag";
import { loadFristConfig } from "./config";
import { REPO_ROOT } from "./constructs/frist-function";
import { FristStack } from "./frist-stack";

/** The stack's construct id and CloudFormation name. */
export const STACK_NAME = "Frist";

/**
 * What the CDK CLI puts in the context by default. Path metadata is not cosmetic: the API
 * Gateway Deployment's logical id hashes the methods including it, so without it an in-process
 * template would name the Deployment differently from `npx cdk synth`.
 */
const CLI_DEFAULT_CONTEXT: Record<string, unknown> = {
  "aws:cdk:enable-path-metadata": true,
  "aws:cdk:version-reporting": true,
};

/** Options of createFristApp. */
export interface CreateFristAppOptions {
  /**
   * Context values laid over cdk.json's "context" (which is always read, so feature flags and the
   * `frist:*` defaults apply in-process exactly as under `npx cdk synth`).
   */
  readonly context?: Record<string, unknown>;
  /**
   * `false` skips esbuild bundling for every stack (context `aws:cdk:bundling-stacks: []`): the
   * template is the same, assets point at the unbundled project. For tests and the local runtime.
   * @default true
   */
  readonly bundling?: boolean;
  /**
   * `false` skips the CDK's built-in CloudFormation schema validation of the synthesized template
   * (about 4 s of CPU, most of it compiling the validator's WebAssembly, at each process's first
   * synth). `npx cdk synth`/`deploy` and the template tests validate; the local runtime, which
   * starts a stack for `npm start` and for every end-to-end test file, runs that same template.
   * @default true
   */
  readonly validateTemplate?: boolean;
}

/**
 * Builds the Frist CDK app and its one stack. Used by bin/frist.ts (`npx cdk synth/deploy`) and,
 * in-process with `bundling: false`, by the local runtime and the template tests.
 *
 * Context precedence, lowest first: the CLI's defaults (path metadata, version reporting), cdk.json's
 * "context", `options.context`, then what the CDK CLI passes (cdk.context.json and `-c key=value`),
 * so the CLI's flags still win. Apart from asset hashes and asset metadata, an in-process template
 * with `bundling: false` equals the one `npx cdk synth` writes.
 */
export function createFristApp(options: CreateFristAppOptions = {}): { app: App; stack: FristStack } {
  const context: Record<string, unknown> = {
    ...CLI_DEFAULT_CONTEXT,
    ...readCdkJsonContext(),
    ...options.context,
  };
  if (options.bundling === false) context["aws:cdk:bundling-stacks"] = [];
  const app = new App({
    context,
    builtinCloudFormationValidation: options.validateTemplate ?? true,
    // In-process (the CLI gives its own cdk.out), into a directory removed when the process exits.
    ...(options.bundling === false ? { outdir: inProcessOutdir() } : {}),
  });
  const config = loadFristConfig(app.node);
  const stack = new FristStack(app, STACK_NAME, {
    stackName: STACK_NAME,
    // Region only, no account: the template is the same with and without credentials, in-process
    // and under the CLI.
    env: { region: config.region },
    description: "Frist: referral workflow for Norwegian pain clinics (rights assessment in 10 working days)",
    config,
  });
  return { app, stack };
}

let inProcessRoot: string | undefined;

/**
 * A fresh directory for one in-process synthesis, under one directory of this process's that is
 * removed when it exits. CDK's default is a new `cdk.out*` directory in the system's temporary
 * directory per synthesis, never removed: 2.3 MB for every start of the local stack and every
 * template test, which had filled /tmp with thousands of them.
 */
function inProcessOutdir(): string {
  if (!inProcessRoot) {
    const root = mkdtempSync(path.join(tmpdir(), "frist-cdk-out-"));
    process.once("exit", () => rmSync(root, { recursive: true, force: true }));
    inProcessRoot = root;
  }
  return mkdtempSync(path.join(inProcessRoot, "app-"));
}

/** cdk.json's "context" object (empty if cdk.json has none). */
export function readCdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * cdk-nag's AwsSolutions and HIPAA.Security packs on the whole app, as CDK policy validation
 * plugins (cdk-nag 3's form of the former Aspect): `cdk synth` and `cdk deploy` fail on any finding
 * not acknowledged, with a written reason, by `Validations.of(construct).acknowledge` on the
 * construct concerned. bin/frist.ts adds them; the local runtime synthesizes without them.
 */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
}

/**
 * The app `cdk synth` and `cdk deploy` run (bin/frist.ts): the Frist stack with the compliance
 * checks. The tests build it in-process with `bundling: false`, as the CLI's bundling context does.
 */
export function createDeployableApp(options: CreateFristAppOptions = {}): App {
  const { app } = createFristApp(options);
  addComplianceChecks(app);
  return app;
}
