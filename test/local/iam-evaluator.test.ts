import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createIamEvaluator, type FunctionPolicy } from "../../lib/local/iam/policies";

const region = "eu-north-1";
const tableArn = "arn:aws:dynamodb:eu-north-1:000000000000:table/Referrals";

/** A principal whose one statement tests `dynamodb:LeadingKeys` with the given operator and literals. */
function principalTesting(operator: string, literals: string[]): FunctionPolicy {
  return {
    functionLogicalId: "Fn",
    roleLogicalId: "FnRole",
    roleArn: "arn:aws:iam::000000000000:role/FnRole",
    principalArn: "arn:aws:sts::000000000000:assumed-role/FnRole/Fn",
    accessKeyId: "LOCALFn",
    documents: [
      {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["dynamodb:PutItem"],
            Resource: tableArn,
            Condition: { [operator]: { "dynamodb:LeadingKeys": literals } },
          },
        ],
      },
    ],
    unevaluatedManagedPolicies: [],
  };
}

const keyPart = fc.constantFrom("REFERRAL#", "TASK#", "AUDIT#", "referral#", "REF", "", "#", "?", "*");
const keyValue = fc.tuple(keyPart, fc.string({ maxLength: 4 })).map(([prefix, rest]) => prefix + rest);
const literal = fc.oneof(
  fc.constantFrom("REFERRAL#*", "TASK#*", "AUDIT#?*", "REFERRAL#1", "*", "REF?RRAL#*"),
  keyValue,
);
const operator = fc.constantFrom(
  "ForAllValues:StringLike",
  "ForAnyValue:StringLike",
  "ForAllValues:StringEquals",
  "ForAllValues:StringNotLike",
  "StringLike",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIfExists",
);

describe("the local IAM evaluator's decision cache", () => {
  it("gives every request the decision a fresh evaluation gives it, whatever was asked before", () => {
    fc.assert(
      fc.property(
        operator,
        fc.array(literal, { minLength: 1, maxLength: 3 }),
        fc.array(fc.array(keyValue, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        (op, literals, requests) => {
          const principal = principalTesting(op, literals);
          const cached = createIamEvaluator({ region });
          for (const leadingKeys of requests) {
            const context = { "dynamodb:LeadingKeys": leadingKeys };
            const fresh = createIamEvaluator({ region }).isAllowed(
              principal,
              "dynamodb:PutItem",
              tableArn,
              context,
            );
            expect(cached.isAllowed(principal, "dynamodb:PutItem", tableArn, context)).toBe(fresh);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("evaluates a new partition key of a prefix already decided from the cache", () => {
    const principal = principalTesting("ForAllValues:StringLike", ["REFERRAL#*", "AUDIT#*"]);
    const evaluator = createIamEvaluator({ region });
    const decide = (key: string) =>
      evaluator.isAllowed(principal, "dynamodb:PutItem", tableArn, { "dynamodb:LeadingKeys": [key] });

    const allowed = Array.from({ length: 50 }, (_, i) => decide(`REFERRAL#${i}`));
    const refused = decide("SESSION#1");

    expect(allowed.every(Boolean)).toBe(true);
    expect(refused).toBe(false);
    expect(evaluator.stats()).toEqual({ decisions: 51, evaluations: 2 });
  });

  it("keeps a key compared with a policy variable by its value", () => {
    // An IAM policy variable, not a template placeholder.
    const principal = principalTesting("ForAllValues:StringLike", [`$\{aws:username}#*`]);
    const evaluator = createIamEvaluator({ region });

    for (let i = 0; i < 3; i++) {
      evaluator.isAllowed(principal, "dynamodb:PutItem", tableArn, { "dynamodb:LeadingKeys": [`X#${i}`] });
    }

    expect(evaluator.stats().evaluations).toBe(3);
  });
});
