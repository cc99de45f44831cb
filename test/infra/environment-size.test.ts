/**
 * Lambda refuses a function whose environment variables total more than 4 KB: the deployment fails,
 * while the local runtime (which passes the same variables to a worker thread) has no such limit.
 * The clinic's configuration travels in CLINIC_CONFIG, and every condition added to the priority
 * guide makes it longer, so the template is checked here, with each CloudFormation value that is
 * resolved only at deployment (a table name, an ARN, a URL) counted at the longest it can be.
 */
import { describe, expect, it } from "vitest";
import { type Json, ofType } from "../support/template";

/** Lambda's limit on a function's environment: keys and values together. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * What a value resolved at deployment takes at most, in practice: a state machine ARN with its
 * generated suffix is about 100 bytes, a Cognito issuer or an API id less.
 */
const RESOLVED_AT_DEPLOYMENT_BYTES = 128;

/** The bytes a variable's value takes once deployed, intrinsic parts counted at their longest. */
function deployedBytes(value: Json): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const join = value["Fn::Join"];
    if (Array.isArray(join) && typeof join[0] === "string" && Array.isArray(join[1])) {
      const [separator, parts] = join as [string, Json[]];
      const separators = Buffer.byteLength(separator, "utf8") * Math.max(0, parts.length - 1);
      return parts.reduce<number>((sum, part) => sum + deployedBytes(part), separators);
    }
  }
  return RESOLVED_AT_DEPLOYMENT_BYTES;
}

const environments = ofType("AWS::Lambda::Function").map(([logicalId, resource]) => {
  const variables = ((resource.Properties.Environment as { Variables?: Record<string, Json> } | undefined)
    ?.Variables ?? {}) as Record<string, Json>;
  const bytes = Object.entries(variables).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key, "utf8") + deployedBytes(value),
    0,
  );
  return { logicalId, bytes };
});

describe("each function's environment as Lambda takes it", () => {
  it("finds the functions to check", () => {
    expect(environments.length).toBeGreaterThan(20);
  });

  it.each(environments)(
    "$logicalId fits Lambda's 4 KB of environment variables ($bytes bytes)",
    ({ bytes }) => {
      expect(bytes).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    },
  );

  it("counts a value resolved at deployment at its longest, so a near miss fails here first", () => {
    expect(deployedBytes({ Ref: "Table" })).toBe(RESOLVED_AT_DEPLOYMENT_BYTES);
    expect(deployedBytes({ "Fn::Join": ["", ["https://", { Ref: "Api" }, "/prod"]] })).toBe(
      "https://".length + RESOLVED_AT_DEPLOYMENT_BYTES + "/prod".length,
    );
    expect(deployedBytes("æøå")).toBe(6);
  });
});
