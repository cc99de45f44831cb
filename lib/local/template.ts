/**
 * Pure readers over a synthesized CloudFormation template: the local runtime takes tables, functions,
 * the state machine and the API routes from the very template that deploys, so local and AWS cannot drift.
 * Nothing here does I/O; every function takes the template object and returns plain data.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/** One resource of a CloudFormation template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [other: string]: unknown;
}

/** The parts of a CloudFormation template the local runtime reads. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown; [other: string]: unknown }>;
  [other: string]: unknown;
}

/** The account id every local ARN carries: the one LocalStack and the AWS docs use for "no account". */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** Thrown when an intrinsic function cannot be resolved locally (unknown resource, unsupported function). */
export class UnresolvableError extends Error {
  override name = "UnresolvableError";
}

/** Options of {@link createResolver}. */
export interface ResolverOptions {
  /** Value of AWS::Region and the region in local ARNs. */
  region: string;
  /** Value of AWS::AccountId; defaults to {@link LOCAL_ACCOUNT_ID}. */
  accountId?: string;
  /** Value of AWS::StackName; defaults to "FristStack". */
  stackName?: string;
  /** Values for `Ref` of a logical id, taking precedence over the defaults (e.g. a local state machine ARN). */
  refs?: Record<string, string>;
}

/** Resolves intrinsic functions in a template value to plain JSON. */
export type Resolver = (value: unknown) => unknown;

const NO_VALUE = Symbol("AWS::NoValue");

/** The local ARN of a Lambda function, named by its logical id. */
export function localLambdaArn(logicalId: string, region: string, accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${logicalId}`;
}

/** The local ARN of a state machine. */
export function localStateMachineArn(name: string, region: string, accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
}

/**
 * The logical id of the function a Lambda ARN or name designates: the local ARNs name functions by
 * their logical id, and a qualifier (`:$LATEST`, an alias) is ignored.
 */
export function functionNameFromArn(arnOrName: string): string {
  const match = /(?:^|:)function:([^:]+)/.exec(arnOrName);
  return match?.[1] ?? arnOrName;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The local name of an S3 bucket: its logical id in lower case (S3 bucket names are lower case; the
 * local stand-in refuses others), the same in its ARN and in ATTACHMENT_BUCKET.
 */
export function localBucketName(logicalId: string): string {
  return logicalId.toLowerCase();
}

/** The local names of the template's S3 buckets (the local stack creates them in the stand-in). */
export function readBucketNames(template: CfnTemplate): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === "AWS::S3::Bucket")
    .map(([logicalId]) => localBucketName(logicalId));
}

function stateMachineName(logicalId: string, resource: CfnResource): string {
  const name = resource.Properties?.StateMachineName;
  return typeof name === "string" ? name : logicalId;
}

/**
 * A small resolver for the intrinsics CDK emits: Ref (resources, parameters, pseudo parameters),
 * Fn::GetAtt, Fn::Join, Fn::Sub (without nested intrinsics in the variable map beyond these),
 * Fn::Select and Fn::Split. Resources resolve to local names: tables and functions are named by their
 * logical id, so the table created in DynamoDB Local and TABLE_NAME agree.
 *
 * Ours rather than cfn-resolver-lib (1.1.8, the latest, from May 2022), which was weighed for this and
 * does not serve: it passes `{ Ref: "AWS::NoValue" }` through as the text "AWS::NoValue" instead of
 * removing the property; its Fn::Sub knows only the variable map and the given Ref values, so
 * `${Resource.Attribute}` and `${!Literal}` stay as written; it resolves a whole template rather than
 * one value (an environment variable, a policy); and what it cannot resolve it returns unresolved with
 * a console warning, where a missing local value must fail here. The local names (a state machine's
 * ARN, a bucket's lower-case name, a function's ARN by logical id) would still be ours, handed to it as
 * a map per resource and attribute.
 */
export function createResolver(template: CfnTemplate, options: ResolverOptions): Resolver {
  const resources = template.Resources ?? {};
  const region = options.region;
  const account = options.accountId ?? LOCAL_ACCOUNT_ID;
  const pseudo: Record<string, string> = {
    "AWS::Region": region,
    "AWS::AccountId": account,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": options.stackName ?? "FristStack",
    "AWS::StackId": `arn:aws:cloudformation:${region}:${account}:stack/${options.stackName ?? "FristStack"}/local`,
  };

  const ref = (name: string): unknown => {
    const override = options.refs?.[name];
    if (override !== undefined) return override;
    if (name === "AWS::NoValue") return NO_VALUE;
    const pseudoValue = pseudo[name];
    if (pseudoValue !== undefined) return pseudoValue;
    const parameter = template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new UnresolvableError(`Parameter ${name} has no default`);
      return parameter.Default;
    }
    const resource = resources[name];
    if (!resource) throw new UnresolvableError(`Ref to unknown logical id ${name}`);
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case "AWS::StepFunctions::StateMachine":
        return localStateMachineArn(stateMachineName(name, resource), region, account);
      case "AWS::SNS::Topic":
        return `arn:aws:sns:${region}:${account}:${typeof props.TopicName === "string" ? props.TopicName : name}`;
      case "AWS::SQS::Queue":
        return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      case "AWS::S3::Bucket":
        return localBucketName(name);
      case "AWS::SES::ConfigurationSet":
      case "AWS::SES::EmailIdentity":
        return typeof props.Name === "string"
          ? props.Name
          : typeof props.EmailIdentity === "string"
            ? props.EmailIdentity
            : name;
      default:
        return name;
    }
  };

  const getAtt = (logicalId: string, attribute: string): unknown => {
    const resource = resources[logicalId];
    if (!resource) throw new UnresolvableError(`Fn::GetAtt of unknown logical id ${logicalId}`);
    switch (`${resource.Type}.${attribute}`) {
      case "AWS::Lambda::Function.Arn":
        return localLambdaArn(logicalId, region, account);
      case "AWS::DynamoDB::Table.Arn":
      case "AWS::DynamoDB::GlobalTable.Arn":
        return `arn:aws:dynamodb:${region}:${account}:table/${logicalId}`;
      case "AWS::StepFunctions::StateMachine.Arn":
        return localStateMachineArn(stateMachineName(logicalId, resource), region, account);
      case "AWS::StepFunctions::StateMachine.Name":
        return stateMachineName(logicalId, resource);
      case "AWS::S3::Bucket.Arn":
        return `arn:aws:s3:::${localBucketName(logicalId)}`;
      case "AWS::KMS::Key.Arn":
        return `arn:aws:kms:${region}:${account}:key/${logicalId}`;
      case "AWS::IAM::Role.Arn":
        return `arn:aws:iam::${account}:role/${logicalId}`;
      case "AWS::SNS::Topic.TopicArn":
        return ref(logicalId);
      case "AWS::ApiGateway::RestApi.RootResourceId":
        return `${logicalId}-root`;
      case "AWS::Logs::LogGroup.Arn":
        return `arn:aws:logs:${region}:${account}:log-group:${logicalId}:*`;
      default:
        throw new UnresolvableError(
          `Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) has no local value`,
        );
    }
  };

  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]+)\}/g, (_whole, expression: string) => {
      if (expression.startsWith("!")) return `\${${expression.slice(1)}}`;
      if (expression in variables) return String(resolve(variables[expression]));
      const dot = expression.indexOf(".");
      if (dot > 0 && !expression.startsWith("AWS::")) {
        return String(getAtt(expression.slice(0, dot), expression.slice(dot + 1)));
      }
      const value = ref(expression);
      if (value === NO_VALUE) return "";
      return String(value);
    });

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve).filter((item) => item !== NO_VALUE);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const argument = value[key];
      switch (key) {
        case "Ref":
          return ref(String(argument));
        case "Fn::GetAtt": {
          const [logicalId, attribute] = Array.isArray(argument)
            ? (argument as unknown[]).map((part) => String(resolve(part)))
            : String(argument).split(/\.(.*)/s);
          return getAtt(String(logicalId), String(attribute));
        }
        case "Fn::Join": {
          const [delimiter, parts] = argument as [string, unknown];
          const list = resolve(parts);
          if (!Array.isArray(list)) throw new UnresolvableError("Fn::Join expects a list");
          return list.map((part) => String(part)).join(delimiter);
        }
        case "Fn::Sub": {
          if (typeof argument === "string") return sub(argument, {});
          const [text, variables] = argument as [string, Record<string, unknown>];
          return sub(text, variables ?? {});
        }
        case "Fn::Select": {
          const [index, list] = argument as [unknown, unknown];
          const items = resolve(list);
          if (!Array.isArray(items)) throw new UnresolvableError("Fn::Select expects a list");
          return items[Number(resolve(index))];
        }
        case "Fn::Split": {
          const [delimiter, text] = argument as [string, unknown];
          return String(resolve(text)).split(delimiter);
        }
        default:
          if (key.startsWith("Fn::") || key === "Condition") {
            throw new UnresolvableError(`${key} is not supported by the local resolver`);
          }
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolve(item);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  };

  return resolve;
}

function resourcesOfType(template: CfnTemplate, ...types: string[]): Array<[string, CfnResource]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => types.includes(resource.Type));
}

type KeySchema = NonNullable<CreateTableCommandInput["KeySchema"]>;
type AttributeDefinitions = NonNullable<CreateTableCommandInput["AttributeDefinitions"]>;
type Projection = NonNullable<
  NonNullable<CreateTableCommandInput["GlobalSecondaryIndexes"]>[number]["Projection"]
>;

function readIndex(index: unknown): { IndexName: string; KeySchema: KeySchema; Projection: Projection } {
  const record = index as Record<string, unknown>;
  return {
    IndexName: String(record.IndexName),
    KeySchema: record.KeySchema as KeySchema,
    Projection: (record.Projection as Projection | undefined) ?? { ProjectionType: "ALL" },
  };
}

/**
 * CreateTable inputs for every DynamoDB table in the template (AWS::DynamoDB::Table and ::GlobalTable),
 * named by logical id. Only the key design survives (keys, attribute definitions, secondary indexes):
 * encryption, PITR, streams, throughput and tags mean nothing to DynamoDB Local, and on-demand billing
 * keeps it from enforcing capacity.
 */
export function readTables(template: CfnTemplate): CreateTableCommandInput[] {
  return resourcesOfType(template, "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable").map(
    ([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      const input: CreateTableCommandInput = {
        TableName: logicalId,
        KeySchema: props.KeySchema as KeySchema,
        AttributeDefinitions: props.AttributeDefinitions as AttributeDefinitions,
        BillingMode: "PAY_PER_REQUEST",
      };
      const global = props.GlobalSecondaryIndexes;
      if (Array.isArray(global) && global.length > 0) input.GlobalSecondaryIndexes = global.map(readIndex);
      const local = props.LocalSecondaryIndexes;
      if (Array.isArray(local) && local.length > 0) input.LocalSecondaryIndexes = local.map(readIndex);
      return input;
    },
  );
}

/** A Lambda function of the app as the local runtime runs it. */
export interface LocalFunction {
  logicalId: string;
  /** Handler entry file, relative to the repository root (Metadata "frist:entry"). */
  entry: string;
  /** Exported handler name in the entry module (Metadata "frist:handler"). */
  handlerName: string;
  /** Environment.Variables as in the template: values may still be intrinsics. */
  environment: Record<string, unknown>;
  /** Lambda timeout in seconds (template Timeout, default 3 like Lambda). */
  timeoutSeconds: number;
  /** Memory in MB (template MemorySize, default 128 like Lambda). */
  memorySize: number;
  /**
   * The values compiled into the function's bundle on AWS (the template's Metadata "frist:define",
   * lib/constructs/bundle-defines.ts), by global name: the local runtime compiles them into its own
   * build of the bundles (lib/local/lambda/bundles.ts), or sets them as globals when it runs a source.
   */
  bundleDefines?: Record<string, unknown>;
}

/**
 * Every AWS::Lambda::Function that carries the "frist:entry" metadata, by logical id. Functions CDK adds
 * on its own (custom resource providers, log retention) carry none and are left out: they have no local
 * meaning.
 */
export function readFunctions(template: CfnTemplate): Record<string, LocalFunction> {
  const out: Record<string, LocalFunction> = {};
  // "frist:define": BUNDLE_DEFINES_METADATA_KEY of lib/constructs/bundle-defines.ts (not imported: CDK's
  // library would load with it into every local thread that reads the template).
  const defines = (template.Metadata as Record<string, unknown> | undefined)?.["frist:define"];
  const bundleDefines =
    defines !== null && typeof defines === "object" ? { ...(defines as Record<string, unknown>) } : undefined;
  for (const [logicalId, resource] of resourcesOfType(template, "AWS::Lambda::Function")) {
    const entry = resource.Metadata?.["frist:entry"];
    if (typeof entry !== "string") continue;
    const props = resource.Properties ?? {};
    const environment = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    const handlerName = resource.Metadata?.["frist:handler"];
    out[logicalId] = {
      logicalId,
      entry,
      handlerName: typeof handlerName === "string" ? handlerName : "handler",
      environment: { ...(environment ?? {}) },
      timeoutSeconds: typeof props.Timeout === "number" ? props.Timeout : 3,
      memorySize: typeof props.MemorySize === "number" ? props.MemorySize : 128,
      ...(bundleDefines ? { bundleDefines } : {}),
    };
  }
  return out;
}

/** A state machine of the template with its definition resolved to ASL JSON. */
export interface TemplateStateMachine {
  logicalId: string;
  /** StateMachineName, or the logical id when CloudFormation would generate one. */
  name: string;
  /** The local ARN (see {@link localStateMachineArn}). */
  arn: string;
  /** The Amazon States Language definition, exactly as it deploys (intrinsics resolved to local values). */
  definition: Record<string, unknown>;
}

/**
 * Every AWS::StepFunctions::StateMachine, its DefinitionString (or Definition with
 * DefinitionSubstitutions) resolved: Lambda ARNs become local ARNs named by logical id.
 */
export function readStateMachines(template: CfnTemplate, options: ResolverOptions): TemplateStateMachine[] {
  const resolve = createResolver(template, options);
  return resourcesOfType(template, "AWS::StepFunctions::StateMachine").map(([logicalId, resource]) => {
    const props = resource.Properties ?? {};
    const name = stateMachineName(logicalId, resource);
    let definition: Record<string, unknown>;
    if (props.DefinitionString !== undefined) {
      let text = String(resolve(props.DefinitionString));
      const substitutions = resolve(props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) =>
        key in substitutions ? String(substitutions[key]) : whole,
      );
      definition = JSON.parse(text) as Record<string, unknown>;
    } else if (isRecord(props.Definition)) {
      definition = resolve(props.Definition) as Record<string, unknown>;
    } else {
      throw new UnresolvableError(`State machine ${logicalId} has neither DefinitionString nor Definition`);
    }
    return {
      logicalId,
      name,
      arn: localStateMachineArn(name, options.region, options.accountId),
      definition,
    };
  });
}

/** The one state machine of the template (Frist has exactly one workflow). */
export function readStateMachine(template: CfnTemplate, options: ResolverOptions): TemplateStateMachine {
  const machines = readStateMachines(template, options);
  if (machines.length !== 1) {
    throw new Error(`Expected exactly one state machine in the template, found ${machines.length}`);
  }
  return machines[0] as TemplateStateMachine;
}

/** One route of an API Gateway REST API served by a Lambda proxy integration. */
export interface ApiRoute {
  /** HTTP method, upper case; "ANY" matches every method. */
  method: string;
  /** Resource path template, e.g. "/referrals/{referralId}". */
  path: string;
  functionLogicalId: string;
  /** "NONE", "AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM". */
  authorizationType: string;
  restApiLogicalId: string;
  /**
   * The REST API's binary media types (`BinaryMediaTypes`, "~1" read as "/"): a request whose
   * Content-Type matches one reaches the function base64-encoded (`isBase64Encoded`). None: text.
   */
  binaryMediaTypes?: string[];
}

function logicalIdOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === "string") return value.Ref;
  const getAtt = value["Fn::GetAtt"];
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  if (typeof getAtt === "string") return getAtt.split(".")[0];
  return undefined;
}

function findLambdaInUri(template: CfnTemplate, uri: unknown): string | undefined {
  const resources = template.Resources ?? {};
  let found: string | undefined;
  const walk = (value: unknown): void => {
    if (found) return;
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (!isRecord(value)) return;
    const getAtt = value["Fn::GetAtt"];
    const target = Array.isArray(getAtt)
      ? getAtt[0]
      : typeof getAtt === "string"
        ? getAtt.split(".")[0]
        : undefined;
    if (typeof target === "string" && resources[target]?.Type === "AWS::Lambda::Function") {
      found = target;
      return;
    }
    Object.values(value).forEach(walk);
  };
  walk(uri);
  return found;
}

/**
 * The routes of every API Gateway REST API that invoke a Lambda function (AWS_PROXY): the resource
 * tree is rebuilt from AWS::ApiGateway::Resource PathPart/ParentId, the function is the one whose Arn
 * the integration URI contains. Methods with other integrations (MOCK CORS preflights) are left out.
 */
export function readApiRoutes(template: CfnTemplate): ApiRoute[] {
  const resources = template.Resources ?? {};
  const pathCache = new Map<string, string>();
  const pathOf = (resourceId: unknown): string => {
    if (isRecord(resourceId) && resourceId["Fn::GetAtt"] !== undefined) return "/";
    const logicalId = logicalIdOf(resourceId);
    if (!logicalId) throw new UnresolvableError(`Unreadable API resource id ${JSON.stringify(resourceId)}`);
    const cached = pathCache.get(logicalId);
    if (cached) return cached;
    const resource = resources[logicalId];
    if (!resource) throw new UnresolvableError(`Unknown API resource ${logicalId}`);
    if (resource.Type === "AWS::ApiGateway::RestApi") return "/";
    const props = resource.Properties ?? {};
    const parent = pathOf(props.ParentId);
    const path = `${parent === "/" ? "" : parent}/${String(props.PathPart)}`;
    pathCache.set(logicalId, path);
    return path;
  };
  const routes: ApiRoute[] = [];
  for (const [, method] of resourcesOfType(template, "AWS::ApiGateway::Method")) {
    const props = method.Properties ?? {};
    const integration = (props.Integration ?? {}) as Record<string, unknown>;
    if (integration.Type !== "AWS_PROXY") continue;
    const functionLogicalId = findLambdaInUri(template, integration.Uri);
    if (!functionLogicalId) continue;
    const restApiLogicalId = logicalIdOf(props.RestApiId) ?? "";
    const binary = resources[restApiLogicalId]?.Properties?.BinaryMediaTypes;
    routes.push({
      method: String(props.HttpMethod).toUpperCase(),
      path: pathOf(props.ResourceId),
      functionLogicalId,
      authorizationType: typeof props.AuthorizationType === "string" ? props.AuthorizationType : "NONE",
      restApiLogicalId,
      binaryMediaTypes: Array.isArray(binary) ? binary.map((type) => String(type).replaceAll("~1", "/")) : [],
    });
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/**
 * One function's environment variables, exactly as the template gives them, resolved to local
 * values. `localValues` replace values that only make sense on AWS (PUBLIC_BASE_URL, the sign-in
 * providers), and only for a function the template gives that variable: nothing is added.
 */
export function functionEnvironment(
  fn: LocalFunction,
  resolve: Resolver,
  localValues: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(fn.environment)) {
    const local = localValues[name];
    if (local !== undefined) {
      out[name] = local;
      continue;
    }
    try {
      const resolved = resolve(raw);
      out[name] = typeof resolved === "string" ? resolved : JSON.stringify(resolved);
    } catch (error) {
      throw new UnresolvableError(
        `Environment variable ${name} of ${fn.logicalId}: ${(error as Error).message}; give it a local value`,
      );
    }
  }
  return out;
}

/**
 * The clinic configuration the template gives its functions (the same JSON to each that has one),
 * for the local runtime's own pages.
 */
export function clinicConfigOf(environments: Record<string, Record<string, string>>): string {
  const values = new Set(
    Object.values(environments)
      .map((env) => env.CLINIC_CONFIG)
      .filter((value): value is string => value !== undefined),
  );
  if (values.size !== 1) {
    throw new Error(`Expected one CLINIC_CONFIG across the functions, found ${values.size}`);
  }
  return [...values][0] as string;
}
