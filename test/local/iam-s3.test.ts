/**
 * S3 through the local IAM gateway: what an S3 call in path style asks IAM for, and the answer of
 * each function's synthesized policy to it: the message receivers may write attachments, the task's
 * attachment route may read them, and no function may do anything else in the bucket.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createIamEvaluator, type FunctionPolicy, readFunctionPolicies } from "../../lib/local/iam/policies";
import { s3Checks } from "../../lib/local/iam/requests";
import { type CfnTemplate, readBucketNames, readFunctions } from "../../lib/local/template";
import { resources } from "../support/template";

const region = "eu-north-1";
const template = { Resources: resources } as CfnTemplate;
const policies = readFunctionPolicies(template, { region });
const functions = readFunctions(template);
const bucket = readBucketNames(template)[0] as string;
const evaluator = createIamEvaluator({ region, accountId: "000000000000" });

function byEntry(entry: string): FunctionPolicy {
  const fn = Object.values(functions).find(
    (candidate) => candidate.entry === `functions/handlers/${entry}.ts`,
  );
  return policies[fn?.logicalId as string] as FunctionPolicy;
}

function allowed(principal: FunctionPolicy, method: string, path: string): boolean {
  const checks = s3Checks(method, path) ?? [];
  return (
    checks.length > 0 &&
    checks.every((check) =>
      check.resources.some((resource) =>
        evaluator.isAllowed(principal, check.action, resource, check.context),
      ),
    )
  );
}

describe("S3 calls through the local IAM gateway", () => {
  it("ask for the object action on the object's ARN, and the bucket's on the bucket", () => {
    expect(s3Checks("GET", "/b/referrals/r1/attachments/1?x-id=GetObject")).toEqual([
      { action: "s3:GetObject", resources: ["arn:aws:s3:::b/referrals/r1/attachments/1"], context: {} },
    ]);
    expect(s3Checks("PUT", "/b/referrals/r1/attachments/2?x-id=PutObject")?.[0]?.action).toBe("s3:PutObject");
    expect(s3Checks("HEAD", "/b/a%20b")?.[0]).toMatchObject({
      action: "s3:GetObject",
      resources: ["arn:aws:s3:::b/a b"],
    });
    expect(s3Checks("DELETE", "/b/k")?.[0]?.action).toBe("s3:DeleteObject");
    expect(s3Checks("GET", "/b?list-type=2")?.[0]).toMatchObject({
      action: "s3:GET",
      resources: ["arn:aws:s3:::b"],
    });
    expect(s3Checks("GET", "/b")?.[0]).toMatchObject({
      action: "s3:ListBucket",
      resources: ["arn:aws:s3:::b"],
    });
    expect(s3Checks("GET", "/")).toBeUndefined();
  });

  it("let ReceiveMessage and PollEdiMailbox write an attachment, but not read, delete or list", () => {
    for (const entry of ["receive-message", "poll-edi-mailbox"]) {
      const principal = byEntry(entry);
      expect(allowed(principal, "PUT", `/${bucket}/referrals/r1/attachments/1`), entry).toBe(true);
      expect(allowed(principal, "GET", `/${bucket}/referrals/r1/attachments/1`), entry).toBe(false);
      expect(allowed(principal, "DELETE", `/${bucket}/referrals/r1/attachments/1`), entry).toBe(false);
      expect(allowed(principal, "GET", `/${bucket}`), entry).toBe(false);
      expect(allowed(principal, "PUT", `/${bucket}/elsewhere.txt`), entry).toBe(false);
    }
  });

  it("let the task's attachment route read attachments and nothing else, and no other function touch the bucket", () => {
    const reader = byEntry("task-attachment");
    expect(allowed(reader, "GET", `/${bucket}/referrals/r1/attachments/3`)).toBe(true);
    expect(allowed(reader, "PUT", `/${bucket}/referrals/r1/attachments/3`)).toBe(false);
    expect(allowed(reader, "GET", `/${bucket}/other/key`)).toBe(false);
    const others = Object.values(functions).filter(
      (fn) =>
        !["receive-message", "poll-edi-mailbox", "task-attachment"].some((e) =>
          fn.entry.endsWith(`/${e}.ts`),
        ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...others.map((fn) => policies[fn.logicalId] as FunctionPolicy)),
        fc.constantFrom("GET", "PUT", "HEAD", "DELETE"),
        fc.stringMatching(/^[a-z0-9-]{1,12}$/),
        (principal, method, id) => !allowed(principal, method, `/${bucket}/referrals/${id}/attachments/1`),
      ),
    );
  });
});
