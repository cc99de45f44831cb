import { beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import { type ApiRoute, type LocalFunction, readApiRoutes, readFunctions } from "../../lib/local/template";
import { type ColdInvocation, invokeCold, runDeploymentBundles } from "../support/bundles";
import { sharedLocalStack } from "../support/shared-stack";

/**
 * Every deployed function as Lambda first runs it: its deployment bundle imported in a fresh process
 * with only the environment the template gives it (and Lambda's own variables), then invoked once
 * with a representative event against DynamoDB Local, the SES emulator and the local workflow, every
 * call checked against its own role policy. A function that reads a variable it was not given, or
 * makes a call its policy does not allow, fails here as it would on AWS.
 */

let stack: LocalStack;
let bundles: Record<string, string>;
let functions: LocalFunction[];
let routes: ApiRoute[];

beforeAll(async () => {
  stack = await sharedLocalStack();
  functions = Object.values(readFunctions(stack.template));
  routes = readApiRoutes(stack.template);
  bundles = await runDeploymentBundles(functions);
});

/** An API Gateway proxy event for a route, with a made-up id for each path parameter and no session. */
function apiEvent(route: ApiRoute): Record<string, unknown> {
  const pathParameters: Record<string, string> = {};
  const concretePath = route.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    pathParameters[name] = "contract-check";
    return "contract-check";
  });
  const method = route.method === "ANY" ? "GET" : route.method;
  return {
    resource: route.path,
    path: concretePath,
    httpMethod: method,
    headers: { accept: "application/json", "content-type": "application/json", host: "localhost" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    requestContext: {
      httpMethod: method,
      path: concretePath,
      resourcePath: route.path,
      stage: "prod",
      requestId: "contract",
      identity: { sourceIp: "127.0.0.1", userAgent: "contract" },
    },
    body: method === "GET" ? null : "{}",
    isBase64Encoded: false,
  };
}

/** A representative event: the API's for an API function, the schedule's or the workflow's otherwise. */
function eventOf(fn: LocalFunction): unknown {
  const route = routes.find((candidate) => candidate.functionLogicalId === fn.logicalId);
  if (route) return apiEvent(route);
  if (fn.entry.endsWith("reconcile-workflows.ts")) return { inspect: true };
  if (fn.entry.endsWith("send-agendas.ts")) {
    return { "detail-type": "Scheduled Event", source: "aws.events", time: new Date().toISOString() };
  }
  return { referralId: "REF-CONTRACT-CHECK" };
}

/** An outcome that only a broken deployment gives: init failed, a refused call, a crash. */
function brokenBy(outcome: ColdInvocation): string | undefined {
  if (outcome.phase === "init") return `init failed: ${outcome.error.name}: ${outcome.error.message}`;
  if (outcome.ok) {
    const status = (outcome.result as { statusCode?: number } | null)?.statusCode;
    return status !== undefined && status >= 500 ? `answered ${status}` : undefined;
  }
  const { name, message } = outcome.error;
  if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|^Runtime\.|TypeError|ReferenceError/.test(name)) {
    return `${name}: ${message}`;
  }
  if (/Missing environment variable/.test(message)) return message;
  return undefined;
}

describe("every deployed function, cold, with only its own environment and policy", () => {
  // One cold process per function, one after the other: minutes on a busy two-core machine.
  it("imports and answers a representative event without a missing variable, a refused call or a crash", async () => {
    // Act
    const broken: Record<string, string> = {};
    for (const fn of functions) {
      const env = stack.environmentOf(fn.logicalId);
      const outcome = await invokeCold(bundles[fn.logicalId] as string, fn.handlerName, env, eventOf(fn));
      const reason = brokenBy(outcome);
      if (reason) broken[fn.logicalId] = reason;
    }
    const refused = await stack.iam.refusals();

    // Assess
    expect(functions.length).toBeGreaterThan(30);
    expect(broken).toEqual({});
    expect(refused).toEqual([]);
  }, 300_000);
});
