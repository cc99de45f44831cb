import { describe, expect, it } from "vitest";
import { createFristApp } from "../../lib/app";
import { localPortalArn } from "../../lib/local/emulators/portal-signing";
import { createIamEvaluator, readPortalPrincipal } from "../../lib/local/iam/gateway";
import { type CfnTemplate, readApiRoutes } from "../../lib/local/template";

// What a portal may invoke, as IAM decides it on AWS for the policy the stack gives portals, and as the
// local API emulation decides it for the local portals.
const region = "eu-north-1";
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const cfn = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
const portal = readPortalPrincipal(
  cfn,
  { region },
  {
    name: "portal-a",
    accessKeyId: "AKIAFRISTLOCALPORTA",
    arn: localPortalArn("portal-a"),
  },
);
const evaluator = createIamEvaluator({ region });
const apiId = readApiRoutes(cfn)[0]?.restApiLogicalId;
const methodArn = (method: string, path: string) =>
  `arn:aws:execute-api:${region}:000000000000:${apiId}/prod/${method}${path}`;
const mayInvoke = (method: string, path: string) =>
  evaluator.isAllowed(portal, "execute-api:Invoke", methodArn(method, path), {});

describe("the portals' policy", () => {
  it("lets a portal submit, list and read referrals, and deliver Henvisning messages", () => {
    expect(mayInvoke("POST", "/referrals")).toBe(true);
    expect(mayInvoke("POST", "/messages")).toBe(true);
    expect(mayInvoke("GET", "/referrals")).toBe(true);
    expect(mayInvoke("GET", "/referrals/R-2027-0001")).toBe(true);
  });

  it("refuses a portal every other route, the Helfo list of every patient's national ID first", () => {
    expect(mayInvoke("GET", "/helfo-notifications")).toBe(false);
    const portalRoutes = (r: { path: string }) => r.path.startsWith("/referrals") || r.path === "/messages";
    for (const route of readApiRoutes(cfn).filter((r) => !portalRoutes(r))) {
      expect(mayInvoke(route.method, route.path.replace(/\{[^}]+\}/g, "x")), route.path).toBe(false);
    }
  });

  it("is a managed policy of the stack, exported for operators to attach to each portal's role", () => {
    expect(portal.documents).toHaveLength(1);
    const outputs = Object.keys((cfn as { Outputs?: Record<string, unknown> }).Outputs ?? {});
    expect(outputs).toContain("PortalPolicyArn");
  });
});
