/**
 * Lambda refuses a function whose environment variables total more than 4 KB: the deployment fails,
 * while the local runtime (which passes the same variables to a worker thread) has no such limit.
 * The clinic's configuration travels in CLINIC_CONFIG, so the template is checked here, with each
 * CloudFormation value that is resolved only at deployment (a table name, an ARN, a URL) counted at
 * the longest it can be. The priority guide, which grows with every condition of Helsedirektoratet's
 * table, is not in it: it comes with the code (priority-guide.data.json, or the clinic's own table
 * compiled into the bundles), and a clinic's table of 20 conditions leaves every environment as it is.
 */
import { describe, expect, it } from "vitest";
import { PRIORITY_GUIDE_DEFINE } from "../../functions/adapters/priority-guide";
import { DEFAULT_PRIORITY_GUIDE, type PriorityGuideInput } from "../../functions/domain/priority-guide";
import { createFristApp } from "../../lib/app";
import { BUNDLE_DEFINES_METADATA_KEY } from "../../lib/constructs/bundle-defines";
import { type Json, ofType, type Resource } from "../support/template";

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

function variablesOf(resource: Resource): Record<string, Json> {
  return ((resource.Properties.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ??
    {}) as Record<string, Json>;
}

/** Each function's environment in bytes, as Lambda counts them. */
function environmentsOf(functions: [string, Resource][]) {
  return functions.map(([logicalId, resource]) => {
    const variables = variablesOf(resource);
    const bytes = Object.entries(variables).reduce(
      (sum, [key, value]) => sum + Buffer.byteLength(key, "utf8") + deployedBytes(value),
      0,
    );
    return { logicalId, bytes, text: JSON.stringify(variables) };
  });
}

const environments = environmentsOf(ofType("AWS::Lambda::Function"));

/**
 * A clinic's own table of 20 conditions, each with its factors and source, as Helsedirektoratet's
 * guide for pain conditions would give it (made-up ids and names: only its size matters here).
 */
const clinicTable: PriorityGuideInput = {
  ...DEFAULT_PRIORITY_GUIDE,
  conditions: Array.from({ length: 20 }, (_, index) => ({
    id: `tilstand-${index + 1}`,
    name: `Sammensatt smertetilstand nummer ${index + 1} med utdypende forklaring på tilstanden`,
    advisedRight: "granted" as const,
    maxWeeksToStart: 12,
    startOf: "assessment" as const,
    factors: ["alder under 23 år", "omsorgsoppgaver for barn", "funksjonssvikt", "høy smerteintensitet"],
    source: {
      url: `https://www.helsedirektoratet.no/veiledere/prioriteringsveiledere/smertetilstander/tilstand-${index + 1}`,
      date: "2015-11-01",
    },
  })),
};

/** The app with the clinic's table in `frist:priorityGuide`: its functions and its template Metadata. */
function synthesizedWithClinicTable() {
  const { app, stack } = createFristApp({
    bundling: false,
    validateTemplate: false,
    context: { "frist:priorityGuide": clinicTable },
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, Resource>;
    Metadata?: Record<string, Json>;
  };
  const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::Lambda::Function");
  return { functions, metadata: template.Metadata ?? {} };
}

/** Whether an environment's text carries any part of a priority guide table. */
function carriesGuide(text: string, guide: PriorityGuideInput): boolean {
  const marks = [
    "priorityGuide",
    "advisedRight",
    guide.title,
    ...guide.conditions.flatMap((condition) => [condition.name, condition.source.url]),
  ];
  return marks.some((mark) => text.includes(JSON.stringify(mark).slice(1, -1)));
}

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

  it("gives no function the shipped priority guide in its environment", () => {
    for (const { logicalId, text } of environments) {
      expect(carriesGuide(text, DEFAULT_PRIORITY_GUIDE), logicalId).toBe(false);
    }
  });

  it("keeps a clinic's own guide of 20 conditions out of every environment, compiled into the bundles instead", () => {
    const withTable = synthesizedWithClinicTable();
    const sized = environmentsOf(withTable.functions);
    const before = new Map(environments.map(({ logicalId, bytes }) => [logicalId, bytes]));

    expect(sized.length).toBe(environments.length);
    for (const { logicalId, bytes, text } of sized) {
      expect(carriesGuide(text, clinicTable), logicalId).toBe(false);
      // The table changes no function's environment by a byte.
      expect(bytes, logicalId).toBe(before.get(logicalId));
    }
    // Recorded once, for the bundles (esbuild define) and the local runtime.
    expect(withTable.metadata[BUNDLE_DEFINES_METADATA_KEY]).toMatchObject({
      [PRIORITY_GUIDE_DEFINE]: { conditions: clinicTable.conditions.map(({ id }) => ({ id })) },
    });
  });

  it("counts a value resolved at deployment at its longest, so a near miss fails here first", () => {
    expect(deployedBytes({ Ref: "Table" })).toBe(RESOLVED_AT_DEPLOYMENT_BYTES);
    expect(deployedBytes({ "Fn::Join": ["", ["https://", { Ref: "Api" }, "/prod"]] })).toBe(
      "https://".length + RESOLVED_AT_DEPLOYMENT_BYTES + "/prod".length,
    );
    expect(deployedBytes("æøå")).toBe(6);
  });
});
