/**
 * The CDK app as the local runtime needs it, synthesized in-process without bundling: the template and
 * the few facts of the config it does not state (the staff accounts, the secrets' names). Plain data,
 * so one synthesis can serve many starts: with FRIST_LOCAL_SYNTH_DIR set (the test run sets it to a
 * directory of its own, test/support/synthesize-once.ts), each context is synthesized once and read back
 * from `<dir>/<hash of the context>.json`. `npm start` and `frist` keep it in their build's directory
 * (FRIST_BUILD_DIR), so they synthesize again only after a change. With neither set, every start
 * synthesizes. The CDK app is imported only to synthesize, so a start that reads it back never loads
 * aws-cdk-lib.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { StaffAccount } from "../config";
import type { CfnTemplate } from "./template";

/** The region used when the stack has no concrete one. */
const FALLBACK_REGION = "eu-north-1";

/**
 * The directory of the build the running command was loaded from (bin/built-entry.js), which no
 * change to the code or to cdk.json outlives: the app synthesized from it is kept there.
 */
export const BUILD_DIR_ENV = "FRIST_BUILD_DIR";

/** Where synthesized apps are kept by their context's hash, when set. */
export const SYNTH_DIR_ENV = "FRIST_LOCAL_SYNTH_DIR";

/**
 * What the sign-in state key is synthesized as (the context `frist:signInStateKey`), replaced by a
 * fresh random key at every start: no two starts share a key, even from one synthesis.
 */
const SIGN_IN_STATE_KEY_PLACEHOLDER = "frist-local-sign-in-state-key-placeholder";

/** The synthesized app: what the local runtime reads, as plain data. */
export interface SynthesizedApp {
  template: CfnTemplate;
  region: string;
  stackName: string;
  staff: StaffAccount[];
  helseIdKeySecretName: string;
  gpRegisterSecretName: string;
}

/** Synthesizes the app with `context` laid over cdk.json's; the sign-in state key is the placeholder. */
async function synthesize(context: Record<string, unknown> | undefined): Promise<SynthesizedApp> {
  const [{ createFristApp }, { staffAccountsOf }, { SIGN_IN_STATE_KEY_CONTEXT }] = await Promise.all([
    import("../app"),
    import("../config"),
    import("../constructs/sign-in-state-key"),
  ]);
  // The template tests and `cdk synth` validate this template; here it is only read and run.
  const { app, stack } = createFristApp({
    bundling: false,
    validateTemplate: false,
    context: { [SIGN_IN_STATE_KEY_CONTEXT]: SIGN_IN_STATE_KEY_PLACEHOLDER, ...context },
  });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  const region =
    typeof stack.region === "string" && !stack.region.includes("${Token") ? stack.region : FALLBACK_REGION;
  return {
    template,
    region,
    stackName: stack.stackName,
    staff: staffAccountsOf(stack.config),
    helseIdKeySecretName: stack.config.helseId.keySecretName,
    gpRegisterSecretName: stack.config.gpRegister.credentialsSecretName,
  };
}

/** The synthesized app: from the run's directory when it holds this context's, else synthesized and kept. */
async function synthesizedOnce(context: Record<string, unknown> | undefined): Promise<SynthesizedApp> {
  const buildDir = process.env[BUILD_DIR_ENV];
  const dir = process.env[SYNTH_DIR_ENV] ?? (buildDir ? path.join(buildDir, "synthesized") : undefined);
  if (!dir) return synthesize(context);
  // CDK reads its CDK_* variables (the default account and region, the context) at synthesis.
  const cdkEnvironment = Object.entries(process.env).filter(([name]) => name.startsWith("CDK_"));
  const key = createHash("sha256")
    .update(JSON.stringify([context ?? {}, cdkEnvironment.sort()]))
    .digest("hex")
    .slice(0, 32);
  const file = path.join(dir, `${key}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SynthesizedApp;
  } catch {
    const app = await synthesize(context);
    mkdirSync(dir, { recursive: true });
    // Written whole, then renamed: another test file reading it meanwhile sees all of it or none.
    const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(partial, JSON.stringify(app));
    renameSync(partial, file);
    return app;
  }
}

/** The app for one start, with a fresh sign-in state key (on AWS: a Secrets Manager secret). */
export async function synthesizeLocalApp(
  context: Record<string, unknown> | undefined,
): Promise<SynthesizedApp> {
  const app = await synthesizedOnce(context);
  const key = randomBytes(32).toString("base64url");
  return JSON.parse(JSON.stringify(app).replaceAll(SIGN_IN_STATE_KEY_PLACEHOLDER, key)) as SynthesizedApp;
}
