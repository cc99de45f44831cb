/**
 * Values compiled into every function's bundle (esbuild `define`) instead of passed in its
 * environment: configuration too large for Lambda's 4 KB of environment variables, today the
 * clinic's own priority guide (`frist:priorityGuide`). The stack records them once, in the template's
 * Metadata under {@link BUNDLE_DEFINES_METADATA_KEY}; each function's bundling reads them from there,
 * and so does the local runtime's build of the same bundles (lib/local/lambda/bundles.ts). One
 * record, so the deployed bundles and the local functions cannot disagree, and a changed table
 * changes the bundles' hash and so redeploys them.
 */
import { Stack } from "aws-cdk-lib";
import type { Construct } from "constructs";

/** The template Metadata key holding the values compiled into the bundles, by global name. */
export const BUNDLE_DEFINES_METADATA_KEY = "frist:define";

/** A global name esbuild can replace: an identifier, as the handlers' code names it. */
const GLOBAL_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Records `values` (JSON) to be compiled into every bundle of the stack; call before the functions
 * are created. Nothing is recorded when there is nothing to compile in.
 */
export function setBundleDefines(stack: Stack, values: Record<string, unknown>): void {
  for (const name of Object.keys(values)) {
    if (!GLOBAL_NAME.test(name)) throw new Error(`Cannot compile ${name} into a bundle: not a global name`);
  }
  if (Object.keys(values).length === 0) return;
  stack.templateOptions.metadata = {
    ...stack.templateOptions.metadata,
    [BUNDLE_DEFINES_METADATA_KEY]: values,
  };
}

/** The values recorded for `scope`'s stack (see {@link setBundleDefines}), by global name. */
export function bundleDefinesOf(scope: Construct): Record<string, unknown> {
  const recorded = Stack.of(scope).templateOptions.metadata?.[BUNDLE_DEFINES_METADATA_KEY];
  return recorded !== null && typeof recorded === "object" ? (recorded as Record<string, unknown>) : {};
}

/** The same values as esbuild's `define` takes them: each a JSON expression. */
export function esbuildDefinesOf(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, JSON.stringify(value)]));
}
