/**
 * Each function's IAM policies, read from the synthesized template, and a cached evaluator of them
 * (on @cloud-copilot/iam-simulate), so the local runtime refuses what AWS would refuse.
 */
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import {
  type CfnTemplate,
  createResolver,
  LOCAL_ACCOUNT_ID,
  type ResolverOptions,
  readFunctions,
} from "../template";

/** An IAM policy document, intrinsics resolved. */
export interface PolicyDocument {
  Version?: string;
  Statement: unknown[] | Record<string, unknown>;
}

/** A function of the template as an IAM principal: who it is, how it signs, what it may do. */
export interface FunctionPolicy {
  functionLogicalId: string;
  roleLogicalId: string;
  /** `arn:aws:iam::<account>:role/<RoleLogicalId>`. */
  roleArn: string;
  /** The session ARN AWS names in refusals: `arn:aws:sts::<account>:assumed-role/<Role>/<Function>`. */
  principalArn: string;
  /** The access key id the function signs with locally (see {@link localAccessKeyId}). */
  accessKeyId: string;
  /** Every policy of its role: the AWS::IAM::Policy resources attached to it, then its inline Policies. */
  documents: PolicyDocument[];
  /** ManagedPolicyArns of the role: their text is not in the template, so they are not evaluated. */
  unevaluatedManagedPolicies: string[];
}

/**
 * The local access key id of a function: `LOCAL` and its logical id without anything but letters and
 * digits (DynamoDB Local refuses other access keys). Any secret key goes with it: the gateway
 * identifies callers by access key and does not check signatures.
 */
export function localAccessKeyId(functionLogicalId: string): string {
  return `LOCAL${functionLogicalId.replace(/[^A-Za-z0-9]/g, "")}`;
}

const asArray = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

function logicalIdOfRole(role: unknown): string | undefined {
  const getAtt = (role as { "Fn::GetAtt"?: unknown } | undefined)?.["Fn::GetAtt"];
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  if (typeof getAtt === "string") return getAtt.split(".")[0];
  return undefined;
}

/**
 * The IAM policies of every function the local runtime runs (those with `frist:entry` metadata), by
 * logical id, intrinsics resolved with the local resolver (table ARNs `…:table/<LogicalId>`, state
 * machines `…:stateMachine:<name>`, SES identities with the local account).
 */
export function readFunctionPolicies(
  template: CfnTemplate,
  options: ResolverOptions,
): Record<string, FunctionPolicy> {
  const resources = template.Resources ?? {};
  const resolve = createResolver(template, options);
  const account = options.accountId ?? LOCAL_ACCOUNT_ID;
  const out: Record<string, FunctionPolicy> = {};
  for (const functionLogicalId of Object.keys(readFunctions(template))) {
    const roleLogicalId = logicalIdOfRole(resources[functionLogicalId]?.Properties?.Role);
    const role = roleLogicalId ? resources[roleLogicalId] : undefined;
    if (!roleLogicalId || role?.Type !== "AWS::IAM::Role") {
      throw new Error(`Function ${functionLogicalId} has no role of this template`);
    }
    const raw: unknown[] = [];
    for (const resource of Object.values(resources)) {
      if (resource.Type !== "AWS::IAM::Policy") continue;
      const roles = asArray(resource.Properties?.Roles);
      if (roles.some((ref) => (ref as { Ref?: unknown })?.Ref === roleLogicalId)) {
        raw.push(resource.Properties?.PolicyDocument);
      }
    }
    for (const inline of asArray(role.Properties?.Policies)) {
      raw.push((inline as { PolicyDocument?: unknown }).PolicyDocument);
    }
    out[functionLogicalId] = {
      functionLogicalId,
      roleLogicalId,
      roleArn: `arn:aws:iam::${account}:role/${roleLogicalId}`,
      principalArn: `arn:aws:sts::${account}:assumed-role/${roleLogicalId}/${functionLogicalId}`,
      accessKeyId: localAccessKeyId(functionLogicalId),
      documents: raw
        .filter((document) => document !== undefined)
        .map((document) => resolve(document) as PolicyDocument),
      unevaluatedManagedPolicies: asArray(resolve(role.Properties?.ManagedPolicyArns)).map(String),
    };
  }
  return out;
}

/** Metadata key of the managed policy portals are given (lib/constructs/referral-api.ts). */
const PORTAL_POLICY_METADATA_KEY = "frist:portalPolicy";

/**
 * A local portal as an IAM principal holding the template's portal policy (the managed policy an
 * operator attaches to each portal's role or user on AWS), to evaluate its signed API requests.
 * Without such a policy in the template, the portal may do nothing.
 */
export function readPortalPrincipal(
  template: CfnTemplate,
  options: ResolverOptions,
  portal: { name: string; accessKeyId: string; arn: string },
): FunctionPolicy {
  const resolve = createResolver(template, options);
  const documents = Object.values(template.Resources ?? {})
    .filter((resource) => resource.Type === "AWS::IAM::ManagedPolicy")
    .filter((resource) => resource.Metadata?.[PORTAL_POLICY_METADATA_KEY] === true)
    .map((resource) => resolve(resource.Properties?.PolicyDocument) as PolicyDocument);
  return {
    functionLogicalId: portal.name,
    roleLogicalId: portal.name,
    roleArn: portal.arn,
    principalArn: portal.arn,
    accessKeyId: portal.accessKeyId,
    documents,
    unevaluatedManagedPolicies: [],
  };
}

/** The string operators whose outcome on a value depends only on whether it matches each literal. */
const MATCHING_OPERATORS = new Set([
  "stringequals",
  "stringnotequals",
  "stringequalsignorecase",
  "stringnotequalsignorecase",
  "stringlike",
  "stringnotlike",
]);

/** One literal a string condition compares values with, as a test of a single value. */
type ValueTest = (value: string) => boolean;

function globTest(pattern: string): ValueTest {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  const expression = new RegExp(`^${source}$`, "s");
  return (value) => expression.test(value);
}

function valueTest(operator: string, literal: string): ValueTest {
  if (operator.endsWith("like")) return globTest(literal);
  if (operator.endsWith("ignorecase")) {
    const lower = literal.toLowerCase();
    return (value) => value.toLowerCase() === lower;
  }
  return (value) => value === literal;
}

/**
 * The condition keys a policy's statements test, lower case (IAM compares them case-insensitively),
 * each with the tests of its literals when every condition on it is a string comparison with literal
 * values (`StringLike`, `StringEquals`, their negations, `ForAllValues:`/`ForAnyValue:`, `IfExists`):
 * then two values that pass and fail the same tests get the same decision, whatever else they hold.
 * A key tested any other way (a policy variable, a number, an ARN) has `undefined`.
 */
function conditionKeysOf(documents: PolicyDocument[]): Map<string, ValueTest[] | undefined> {
  const keys = new Map<string, ValueTest[] | undefined>();
  for (const document of documents) {
    for (const statement of asArray(document.Statement)) {
      const condition = (statement as { Condition?: Record<string, unknown> }).Condition ?? {};
      for (const [rawOperator, test] of Object.entries(condition)) {
        const operator = rawOperator
          .toLowerCase()
          .replace(/^for(all|any)values:/, "")
          .replace(/ifexists$/, "");
        for (const [rawKey, literals] of Object.entries(test as Record<string, unknown>)) {
          const key = rawKey.toLowerCase();
          const tests = keys.has(key) ? keys.get(key) : [];
          const values = asArray(literals);
          const literal = values.every((value) => typeof value === "string" && !value.includes("${"));
          keys.set(
            key,
            tests && literal && MATCHING_OPERATORS.has(operator)
              ? [...tests, ...values.map((value) => valueTest(operator, value as string))]
              : undefined,
          );
        }
      }
    }
  }
  return keys;
}

/** What a value is to the tests of its key: which of them it passes, one digit each (multi-valued: per value, as a set). */
function signatureOf(tests: ValueTest[], value: string | string[]): string {
  const one = (text: string) => tests.map((test) => (test(text) ? "1" : "0")).join("");
  if (!Array.isArray(value)) return one(value);
  return `[${[...new Set(value.map(one))].sort().join(",")}]`;
}

/** Evaluates requests against functions' policies, with a decision cache. */
export interface IamEvaluator {
  /** Whether `principal` may perform `action` on `resource` with these condition key values. */
  isAllowed(
    principal: FunctionPolicy,
    action: string,
    resource: string,
    context: Record<string, string | string[]>,
  ): boolean;
  /** Decisions asked for and decisions actually computed (the rest came from the cache). */
  stats(): { decisions: number; evaluations: number };
}

/** Options of {@link createIamEvaluator}. */
export interface IamEvaluatorOptions {
  region: string;
  accountId?: string;
  /** Decisions kept per principal before the cache starts afresh; default 10 000 (0: none kept). */
  maxCachedPerPrincipal?: number;
}

/**
 * An evaluator over identity policies (no resource policies, boundaries or SCPs: the template gives
 * functions none), with a decision cache. Condition keys no statement of the principal tests are
 * dropped before the cache lookup, and a key its statements only compare with literal strings
 * (`dynamodb:LeadingKeys` against the key prefixes a function may touch) enters the cache key as
 * which literals its value matches, not as the value: a key that changes with every request (a new
 * referral's partition key) then costs one evaluation per prefix, not one per request.
 *
 * It runs iam-simulate's unvalidated evaluation: its service data lists `states:SendTaskSuccess` as
 * wildcard-only, while AWS authorizes it against the state machine CDK's grantTaskResponse names; and
 * validation costs several times the evaluation itself.
 */
export function createIamEvaluator(options: IamEvaluatorOptions): IamEvaluator {
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const limit = options.maxCachedPerPrincipal ?? 10_000;
  /** Per principal: the condition keys its policies test, and the global keys' values it tests. */
  const perPrincipal = new WeakMap<
    FunctionPolicy,
    {
      keys: Map<string, ValueTest[] | undefined>;
      globals: Record<string, string>;
      cache: Map<string, boolean>;
    }
  >();
  const stateOf = (principal: FunctionPolicy) => {
    let state = perPrincipal.get(principal);
    if (!state) {
      const keys = conditionKeysOf(principal.documents);
      const globals: Record<string, string> = {
        "aws:PrincipalArn": principal.roleArn,
        "aws:PrincipalAccount": accountId,
        "aws:RequestedRegion": options.region,
        "aws:SecureTransport": "true",
      };
      state = {
        keys,
        globals: Object.fromEntries(Object.entries(globals).filter(([key]) => keys.has(key.toLowerCase()))),
        cache: new Map(),
      };
      perPrincipal.set(principal, state);
    }
    return state;
  };
  let decisions = 0;
  let evaluations = 0;
  return {
    isAllowed(principal, action, resource, context) {
      decisions += 1;
      const state = stateOf(principal);
      let tested: Record<string, string | string[]> = state.globals;
      let cacheKey = `${action}\n${resource}`;
      for (const key in context) {
        const lower = key.toLowerCase();
        if (!state.keys.has(lower)) continue;
        const value = context[key] as string | string[];
        if (tested === state.globals) tested = { ...state.globals };
        tested[key] = value;
        const tests = state.keys.get(lower);
        cacheKey += tests ? `\n${key}~${signatureOf(tests, value)}` : `\n${key}=${JSON.stringify(value)}`;
      }
      const cached = state.cache.get(cacheKey);
      if (cached !== undefined) return cached;
      evaluations += 1;
      const result = runUnsafeSimulation(
        {
          request: {
            principal: principal.principalArn,
            action,
            resource: { resource, accountId },
            contextVariables: tested,
          },
          identityPolicies: principal.documents.map((policy, index) => ({ name: `policy${index}`, policy })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      const allowed = result === "Allowed";
      if (limit > 0) {
        if (state.cache.size >= limit) state.cache.clear();
        state.cache.set(cacheKey, allowed);
      }
      return allowed;
    },
    stats: () => ({ decisions, evaluations }),
  };
}
