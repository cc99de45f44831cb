import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import type { AttachmentBucket } from "./attachment-bucket";
import { bundleDefinesOf, esbuildDefinesOf } from "./bundle-defines";
import {
  ALARMS_ACTIONS,
  ALARMS_RESOURCE_NAME,
  environmentNamesOf,
  type FunctionUses,
  WORKFLOW_ACTIONS,
} from "./function-uses";
import type { GpRegister } from "./gp-register";
import type { HelseIdClient } from "./helseid-client";
import type { Mailer } from "./mailer";
import { nagPseudo } from "./nag";
import type { ReferralStore } from "./referral-store";

/** Absolute path of the repository root (this file lives in lib/constructs/). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Metadata key on every CfnFunction: the handler's entry file, relative to the repo root. */
export const ENTRY_METADATA_KEY = "frist:entry";
/** Metadata key on every CfnFunction: the exported handler's name in the entry file. */
export const HANDLER_METADATA_KEY = "frist:handler";

/** Timeouts by the role a function plays. */
export const FUNCTION_TIMEOUTS = {
  /** API Gateway gives up after 29 s; a portal or staff request that takes 10 s is already broken. */
  api: Duration.seconds(10),
  /** A workflow task does a few DynamoDB calls and possibly one email; Step Functions retries it. */
  task: Duration.seconds(30),
  /** Letter dispatch sends one SES message per recipient, each with its own idempotency write. */
  mail: Duration.seconds(60),
} as const;

/**
 * esbuild emits ESM; CommonJS dependencies (handlebars, parts of the SDK) still call `require`,
 * which ESM lacks. The banner gives the bundle a real `require` bound to the bundle's own URL.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __fristCreateRequire } from 'node:module'; const require = __fristCreateRequire(import.meta.url);";

/**
 * How every function is bundled (see the class comment); exported so that the cold-start benchmark
 * (test/bench/cold-start.ts) bundles the handlers exactly as a deployment does.
 */
export const FRIST_BUNDLING = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: "node22",
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  bundleAwsSDK: true,
  externalModules: [] as string[],
};

/**
 * CDK context key: `-c frist:traceAwsCalls=true` deploys every function with an X-Ray subsegment
 * per AWS call (Powertools Tracer over the X-Ray SDK). Off by default: Lambda's active tracing
 * still records every invocation (its initialization and duration) and Step Functions traces every
 * task, while the X-Ray SDK would be loaded by every cold start (`npm run bench` measures the
 * import without it; with it the X-Ray SDK and its dependencies add about half of the SDK clients'
 * own load). Turn it on to find which DynamoDB, SES or Step Functions call is slow.
 */
export const TRACE_AWS_CALLS_CONTEXT = "frist:traceAwsCalls";

/** Whether the app traces AWS calls ({@link TRACE_AWS_CALLS_CONTEXT}). */
export function traceAwsCallsOf(scope: Construct): boolean {
  const value = scope.node.tryGetContext(TRACE_AWS_CALLS_CONTEXT);
  return value === true || value === "true";
}

/**
 * FRIST_BUNDLING with the tracing choice compiled in: functions/adapters/tracing.ts reads
 * POWERTOOLS_TRACE_ENABLED, and with its value fixed at build time esbuild leaves the tracer and the
 * X-Ray SDK out of an untraced function's bundle altogether. The same value is in the function's
 * environment, which Powertools reads. `defines` are the stack's values compiled into every bundle
 * (bundle-defines.ts: the clinic's priority guide).
 */
export function fristBundling(traceAwsCalls: boolean, defines: Record<string, unknown> = {}) {
  return {
    ...FRIST_BUNDLING,
    define: {
      ...esbuildDefinesOf(defines),
      "process.env.POWERTOOLS_TRACE_ENABLED": JSON.stringify(String(traceAwsCalls)),
    },
  };
}

/**
 * The resources a function's {@link FunctionUses} are bound to; a construct passes what it has, and
 * a declaration that needs one it lacks fails the synthesis, naming it.
 */
export interface FristResources {
  readonly store?: ReferralStore;
  readonly mailer?: Mailer;
  /** CLINIC_CONFIG: `{clinic, intakeTeam, ...}` as JSON. */
  readonly clinicConfig?: string;
  /** PUBLIC_BASE_URL: the base of links in emails and of sign-in's redirects. */
  readonly publicBaseUrl?: string;
  /** SIGN_IN_PROVIDERS: the OpenID issuers of staff and letter recipients, as JSON. */
  readonly signInProviders?: string;
  /** SIGN_IN_STATE_KEY: the key of the sign-in state cookie (the sign-in flow only). */
  readonly signInStateKey?: string;
  readonly stateMachine?: StateMachine;
  /** EDI_API_URL: Norsk Helsenett's EDI 2.0 API. */
  readonly ediApiUrl?: string;
  /** HELSEID_CLIENT and its key's secret: the client the EDI 2.0 API is called with. */
  readonly helseId?: HelseIdClient;
  /** FASTLEGEREGISTERET and its credentials' secret. */
  readonly gpRegister?: GpRegister;
  /** ATTACHMENT_BUCKET: where a referral's attachments are kept. */
  readonly attachments?: AttachmentBucket;
}

/** Props of a FristFunction. */
export interface FristFunctionProps {
  /** The handler's entry file relative to the repository root, e.g. `functions/handlers/plan-intake.ts`. */
  readonly entry: string;
  /**
   * Everything the function uses besides its logs and traces: sets its environment variables and
   * its grants, both (function-uses.ts). Nothing: no variables of Frist's, no grants.
   */
  readonly uses?: FunctionUses;
  /** What `uses` is bound to. */
  readonly resources?: FristResources;
  /** @default FUNCTION_TIMEOUTS.api (10 s) */
  readonly timeout?: Duration;
  /** @default 256 MB: enough for the SDK clients and a Handlebars render; arm64 makes it cheap. */
  readonly memorySize?: number;
  readonly description?: string;
}

/**
 * "A function as we like it", used for every Frist Lambda.
 *
 * - Node.js 22 on arm64 (Graviton: cheaper per ms, same code). Node 22 is the version the whole
 *   toolchain runs on, so the local runtime executes the handlers on the same major version.
 * - X-Ray tracing active (each invocation; each AWS call too with {@link TRACE_AWS_CALLS_CONTEXT}), JSON log format with application logs at INFO (debug lines never reach
 *   CloudWatch in production). No `--enable-source-maps`: no function logs a stack trace (the
 *   logger keeps ids and error names: a message or a stack may quote data), so the maps would only
 *   serve the runtime's own report of a crash, while Node would load them on every cold start
 *   (`npm run bench` measures what the flag adds to an import) and AWS documents the flag as
 *   slowing every Error.stack. The .map files are still built beside the bundle: a crash's stack
 *   from the runtime's log can be mapped offline, at no cost to a running function.
 * - Its own log group kept for three months: long enough to investigate incidents over a quarter
 *   and to compare with the previous month, short enough that operational logs do not pile up in
 *   a system whose audit trail lives in DynamoDB's append-only events, not in the logs. Retained
 *   on stack delete, like the data, so an incident stays investigable after a teardown.
 * - Bundled by the local esbuild (never Docker) into minified ESM, with every `@aws-sdk/*` package
 *   bundled too: the deployed code runs the exact SDK version pinned in package-lock.json and
 *   tested locally, not whatever version the Lambda runtime happens to ship.
 * - Its environment variables and its grants from one declaration, `uses` (function-uses.ts):
 *   DynamoDB actions per record family under a LeadingKeys condition, the indexes it queries, the
 *   key, SES and Step Functions, each with the variable that goes with it, and nothing else.
 * - Metadata `frist:entry` and `frist:handler` on the CfnFunction: the local runtime reads them
 *   from the synthesized template to import the same handler module in-process.
 */
export class FristFunction extends NodejsFunction {
  /** The entry file relative to the repository root. */
  public readonly entryPath: string;
  /** What the function uses: its environment and grants were made from this. */
  public readonly uses: FunctionUses;

  constructor(scope: Construct, id: string, props: FristFunctionProps) {
    const entryPath = toPosix(path.normalize(props.entry));
    const uses = props.uses ?? {};
    const resources = props.resources ?? {};
    const traceAwsCalls = traceAwsCallsOf(scope);
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: logs go to this function's log group
    // only, not to any log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Frist: execution role of ${entryPath}`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      entry: path.join(REPO_ROOT, entryPath),
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, "package-lock.json"),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? FUNCTION_TIMEOUTS.api,
      description: props.description,
      role,
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        ...environmentOf(id, uses, resources),
        // Powertools: one service name on log lines and metrics; nothing of a response or an
        // error's message on a trace (either may hold health data).
        POWERTOOLS_SERVICE_NAME: "frist",
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
        POWERTOOLS_TRACER_CAPTURE_ERROR: "false",
        // X-Ray subsegments per AWS call only when deployed with frist:traceAwsCalls (see there).
        POWERTOOLS_TRACE_ENABLED: String(traceAwsCalls),
      },
      bundling: fristBundling(traceAwsCalls, bundleDefinesOf(scope)),
    });
    this.entryPath = entryPath;
    this.uses = uses;
    grantUses(this, uses, resources);
    const cfn = this.node.defaultChild as CfnFunction;
    cfn.addMetadata(ENTRY_METADATA_KEY, entryPath);
    cfn.addMetadata(HANDLER_METADATA_KEY, "handler");

    Validations.of(this).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 on purpose: the local runtime runs the same handlers on the project's pinned Node 22 (aws-local-stepfunctions and DynamoDB Local need it), so deployed and local code share one major version. Move both together.",
    });
    const hipaa: Record<string, string> = {
      "HIPAA.Security-LambdaInsideVPC":
        "Frist's functions reach only AWS service APIs (DynamoDB, Step Functions, SES, X-Ray, CloudWatch) over TLS with IAM-signed requests; there is no VPC resource to reach. A VPC would add NAT gateways or interface endpoints and cold-start cost and protect nothing more.",
      "HIPAA.Security-LambdaConcurrency":
        "Load is bounded before the functions: WAF's rate-based rule and the stage's throttle (50 rps, 10 rps on the link routes). Reserved concurrency per function would carve a small account's concurrency into slices and throttle the workflow's steps, whose retries then pile up.",
      "HIPAA.Security-LambdaDLQ":
        "No asynchronous invocation loses an event here: API Gateway and Step Functions invoke synchronously (Step Functions retries and catches every task); the scheduled agenda run is idempotent and the next run redoes a failed one; failures alarm on the Errors metric.",
    };
    for (const [id, reason] of Object.entries(hipaa)) Validations.of(this).acknowledge({ id, reason });
    Validations.of(role).acknowledge({
      id: "HIPAA.Security-IAMNoInlinePolicy",
      reason:
        "Each function's role carries one policy of its own, generated from that function's grants (exact actions, exact resources). A managed policy would be shared or reusable and so broader; the inline one lives and dies with the role.",
    });
    Validations.of(role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (actions are explicit).",
    });
  }
}

/** A resource the declaration needs, or an error naming the function and what it lacks. */
function required<T>(id: string, what: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`${id} uses ${what}, which its construct did not provide`);
  return value;
}

/** The environment variables of a function's uses (function-uses.ts `environmentNamesOf`), with values. */
function environmentOf(id: string, uses: FunctionUses, resources: FristResources): Record<string, string> {
  const values: Record<string, () => string> = {
    TABLE_NAME: () => required(id, "the table", resources.store).tableName,
    CLINIC_CONFIG: () => required(id, "CLINIC_CONFIG", resources.clinicConfig),
    PUBLIC_BASE_URL: () => required(id, "PUBLIC_BASE_URL", resources.publicBaseUrl),
    SIGN_IN_PROVIDERS: () => required(id, "sign-in", resources.signInProviders),
    SIGN_IN_STATE_KEY: () => required(id, "the sign-in state key", resources.signInStateKey),
    MAIL_FROM: () => required(id, "the mailer", resources.mailer).environment.MAIL_FROM as string,
    SES_CONFIGURATION_SET: () =>
      required(id, "the mailer", resources.mailer).environment.SES_CONFIGURATION_SET as string,
    STATE_MACHINE_ARN: () => required(id, "the workflow", resources.stateMachine).stateMachineArn,
    EDI_API_URL: () => required(id, "EDI_API_URL", resources.ediApiUrl),
    HELSEID_CLIENT: () => required(id, "the HelseID client", resources.helseId).environmentValue(),
    FASTLEGEREGISTERET: () => required(id, "Fastlegeregisteret", resources.gpRegister).environmentValue(),
    ATTACHMENT_BUCKET: () => required(id, "the attachment bucket", resources.attachments).bucketName,
  };
  return Object.fromEntries(
    environmentNamesOf(uses).map((name) => {
      const value = values[name];
      if (!value) throw new Error(`no value for ${name}`);
      return [name, value()];
    }),
  );
}

/** The grants of a function's uses: the table's items and key, sending email, the workflow's calls. */
function grantUses(fn: FristFunction, uses: FunctionUses, resources: FristResources): void {
  const id = fn.node.id;
  if (uses.table || uses.signIn) required(id, "the table", resources.store).grant(fn, uses);
  if (uses.mailer) required(id, "the mailer", resources.mailer).grantSend(fn);
  if (uses.edi) required(id, "the HelseID client", resources.helseId).grantKeyRead(fn);
  if (uses.gpRegister) required(id, "Fastlegeregisteret", resources.gpRegister).grantCredentialsRead(fn);
  if (uses.alarms) {
    // The stack's alarms only (all named "Frist…"); metric alarms need no wider scope.
    if (!fn.role) throw new Error(`${id} has no role`);
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${nagPseudo(fn, "Partition")}:cloudwatch:${nagPseudo(fn, "Region")}:${nagPseudo(fn, "AccountId")}:alarm:${ALARMS_RESOURCE_NAME}]`,
      reason:
        "DescribeAlarms of the stack's own alarms, which are all named with the prefix Frist (cdk-monitoring-constructs' alarmNamePrefix); their names are made at synthesis, so the prefix is the narrowest resource that covers them all.",
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...ALARMS_ACTIONS],
        resources: [
          Stack.of(fn).formatArn({
            service: "cloudwatch",
            resource: "alarm",
            resourceName: ALARMS_RESOURCE_NAME,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
  if (uses.attachments?.length) {
    if (!fn.role) throw new Error(`${id} has no role`);
    required(id, "the attachment bucket", resources.attachments).grant(fn.role, uses.attachments);
  }
  const workflow = uses.workflow ?? [];
  if (workflow.length === 0) return;
  const machine = required(id, "the workflow", resources.stateMachine);
  const onMachine = workflow
    .flatMap((use) => WORKFLOW_ACTIONS[use])
    .filter((a) => a !== "states:DescribeExecution");
  fn.addToRolePolicy(new PolicyStatement({ actions: onMachine, resources: [machine.stateMachineArn] }));
  if (workflow.includes("inspect")) {
    // DescribeExecution takes an execution's ARN: any execution of this state machine.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["states:DescribeExecution"],
        resources: [
          Stack.of(fn).formatArn({
            service: "states",
            resource: "execution",
            resourceName: `${machine.stateMachineName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}
