/**
 * Every handler wears its wrapper, so none can forget what the wrapper gives: an API route the shared
 * request handling (`apiRoute`/`jsonRoute`), a workflow step or a scheduled run `workflowStep`, and
 * both the Lambda context on every log line (functions/adapters/invocation.ts). Read off each
 * handler's mark, for every function the CDK app deploys and every module in functions/handlers; and
 * from the route options an API route's mark carries, that every route a signed-in person's browser
 * posts to declares its form security (functions/adapters/http.ts), so none checks it by hand or not at all.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { RouteOptions } from "../../functions/adapters/http";
import { handlerMarkOf } from "../../functions/adapters/invocation";
import { REPO_ROOT } from "../../lib/constructs/frist-function";
import { synthesizeLocalApp } from "../../lib/local/synthesized-app";
import { readApiRoutes, readFunctions } from "../../lib/local/template";
import { testClinicConfig } from "../support/fakes";

// The EDI client's settings are another module's concern: the handlers that talk to it get a stand-in.
vi.mock("../../functions/adapters/edi-client", async (original) => ({
  ...(await original<typeof import("../../functions/adapters/edi-client")>()),
  ediFromEnv: () => ({}),
}));

// The app as the local runtime reads it: kept by the test run once any file has synthesized it, so
// this file (isolated, for its mock) does not import the CDK and synthesize again.
const { template } = await synthesizeLocalApp(undefined);
const deployed = Object.values(readFunctions(template));
const routes = readApiRoutes(template);
const HANDLERS_DIR = path.join(REPO_ROOT, "functions/handlers");

/** What a handler module builds at import (its clients, its configuration) reads these. */
beforeAll(() => {
  Object.assign(process.env, {
    FRIST_QUIET: "1",
    TABLE_NAME: "frist",
    STATE_MACHINE_ARN: "arn:aws:states:eu-north-1:000000000000:stateMachine:Referral",
    MAIL_FROM: "frist@smerteklinikk.example",
    PUBLIC_BASE_URL: "https://api.example/prod",
    CLINIC_CONFIG: JSON.stringify(testClinicConfig()),
    SIGN_IN_PROVIDERS: JSON.stringify({ staff: { issuer: "https://idp.example", clientId: "frist" } }),
    SIGN_IN_STATE_KEY: "k".repeat(64),
    ATTACHMENT_BUCKET: "frist-attachments",
    FASTLEGEREGISTERET: JSON.stringify({
      url: "https://flr.example/v2/flr",
      credentialsSecretArn: "arn:flr",
    }),
  });
});

async function exportsOf(file: string): Promise<Record<string, unknown>> {
  return (await import(path.join(REPO_ROOT, file))) as Record<string, unknown>;
}

describe("every handler's wrapper", () => {
  it("marks each deployed function: an API route's handler as a route, any other as a workflow step", async () => {
    // Prepare
    const kinds: Record<string, string | undefined> = {};
    const expected: Record<string, string> = {};

    // Act
    for (const fn of deployed) {
      const handler = (await exportsOf(fn.entry))[fn.handlerName];
      kinds[fn.entry] = handlerMarkOf(handler)?.kind;
      const routed = routes.some((route) => route.functionLogicalId === fn.logicalId);
      expected[fn.entry] = routed ? "api-route" : "workflow-step";
    }

    // Assess
    expect(deployed.length).toBeGreaterThanOrEqual(37);
    expect(kinds).toEqual(expected);
  });

  it("marks every handler a module in functions/handlers exports, deployed yet or not", async () => {
    // Prepare
    const modules = readdirSync(HANDLERS_DIR).filter((name) => name.endsWith(".ts"));
    const unmarked: string[] = [];
    let handlers = 0;

    // Act
    for (const name of modules) {
      const exported = await exportsOf(`functions/handlers/${name}`);
      if (!("handler" in exported)) continue;
      handlers += 1;
      if (!handlerMarkOf(exported.handler)) unmarked.push(name);
    }

    // Assess
    expect(handlers).toBeGreaterThanOrEqual(37);
    expect(unmarked).toEqual([]);
  });

  it("declares form security on every POST route a signed-in person's session or form reaches", async () => {
    // Prepare: the sign-in routes admit people who are not signed in, so no wrapper can hold them to
    // a session's token; their one post (POST /auth/logout) compares the token itself.
    const signInRoutes = "functions/handlers/auth.ts";
    const posts = routes.filter((route) => route.method === "POST" || route.method === "ANY");
    const undeclared: string[] = [];
    let checked = 0;

    // Act
    for (const route of posts) {
      const fn = deployed.find((candidate) => candidate.logicalId === route.functionLogicalId);
      if (!fn || fn.entry === signInRoutes) continue;
      const mark = handlerMarkOf((await exportsOf(fn.entry))[fn.handlerName]);
      const options = (mark?.kind === "api-route" ? mark.route : {}) as Partial<RouteOptions>;
      const takesSessionPosts =
        options.access !== undefined || options.accepts?.includes("application/x-www-form-urlencoded");
      if (!takesSessionPosts) continue;
      checked += 1;
      if (!options.form) undeclared.push(`${route.method} ${route.path}`);
    }

    // Assess: decision, priority, secondary, start of care, Helfo reported, letter posted, search.
    expect(checked).toBeGreaterThanOrEqual(7);
    expect(undeclared).toEqual([]);
  });
});
