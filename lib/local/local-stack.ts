/**
 * The local default: the Frist app on one machine, no AWS account. Synthesizes the CDK app in-process
 * (no bundling), then runs what the template describes on local stand-ins: DynamoDB Local for the
 * table, the SES emulator for mail, a local Step Functions endpoint for the workflow, and an API
 * Gateway emulation for the routes. Each function runs in an execution environment of its own
 * (lib/local/lambda/runtime.ts) with exactly its template variables and its own credentials; its normal
 * SDK clients reach the stand-ins through AWS_ENDPOINT_URL_*, by way of the IAM check
 * (lib/local/iam/gateway.ts) that refuses what its role policy does not allow.
 *
 * Time is simulated (lib/local/time/simulated-clock.ts): `clock` and `timeScale` set where it starts and
 * how fast it runs (real time without them); the handlers read it through FRIST_SIMULATED_CLOCK, the
 * workflow engine's timers sleep on it, and `stack.clock` or `POST <clockUrl>/advance` moves it.
 *
 * One local stack per process at a time. A stack restarted in the same process reuses the previous
 * ports when they are free, so links and endpoints stay where they were.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SIMULATED_CLOCK_ENV } from "../../functions/adapters/clock";
import { DynamoPostalQueue } from "../../functions/adapters/dynamo-postal-queue";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { DynamoSessionStore } from "../../functions/adapters/dynamo-sessions";
import { DynamoWorklist } from "../../functions/adapters/dynamo-worklist";
import { calendarRulesOf, parseClinicConfig } from "../../functions/domain/clinic";
import type { RecoveryOutcome, RecoveryVerdict } from "../../functions/domain/recovery";
import { RECIPIENT_CLAIMS, type SessionStore } from "../../functions/domain/session";
import { createFristApp } from "../app";
import { staffAccountsOf } from "../config";
import { SIGN_IN_STATE_KEY_CONTEXT } from "../constructs/sign-in-state-key";
import { type ApiLocal, startApiLocal } from "./emulators/api-local";
import {
  createMissingTables,
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  startDynamoDbLocal,
} from "./emulators/dynamodb-local";
import { type EdiLocal, startEdiLocal } from "./emulators/edi-local";
import { type HelseIdLocal, localClientKeyPair, startHelseIdLocal } from "./emulators/helseid-local";
import { type LocalStaffAccount, type OidcLocal, startOidcLocal } from "./emulators/oidc-local";
import {
  DEFAULT_LOCAL_PORTALS,
  DEFAULT_PORTAL_NAME,
  type LocalPortal,
  localPortalArn,
  validateLocalPortals,
} from "./emulators/portal-signing";
import { type S3Local, startS3Local } from "./emulators/s3-local";
import { type SecretsLocal, startSecretsLocal } from "./emulators/secrets-local";
import { type SesLocal, startSesLocal } from "./emulators/ses-local";
import {
  createIamEvaluator,
  localAccessKeyId,
  type Refusal,
  readFunctionPolicies,
  readPortalPrincipal,
} from "./iam/gateway";
import { startIamGatewayThread } from "./iam/thread";
import { createLambdaRuntime, type FunctionEnvironment, lambdaEnvironment } from "./lambda/runtime";
import { OPERATIONS_RETURN_PATH, type OperationsViewer, operationsAccess } from "./operations/access";
import { counters } from "./operations/counters";
import { type OperationsSources, operationsPageData, renderOperationsPage } from "./operations/page";
import { recoverySection } from "./operations/recovery-section";
import { type StepFunctionsLocalServer, startStepFunctionsLocal } from "./stepfunctions/endpoint";
import { readSavedClock, writeSavedClock } from "./stepfunctions/execution-files";
import { startSchedules } from "./stepfunctions/schedules";
import {
  type CfnTemplate,
  clinicConfigOf,
  createResolver,
  functionEnvironment,
  type LocalFunction,
  type Resolver,
  readApiRoutes,
  readBucketNames,
  readFunctions,
  readStateMachine,
  readTables,
} from "./template";
import { parseClockStart, parseTimeScale, SimulatedClock } from "./time/simulated-clock";

/** The repository root: "frist:entry" paths and the default data directory are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The region used when the stack has no concrete one. */
const FALLBACK_REGION = "eu-north-1";

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** API port; default 3000, 0 picks a free one. */
  port?: number;
  /** Keep DynamoDB in memory (throwaway runs, tests). */
  inMemory?: boolean;
  /** DynamoDB Local's data directory; default ".frist/data" (relative to the working directory). */
  dataDir?: string;
  /** Start of simulated time, an ISO timestamp with a time zone; default: now. */
  clock?: string;
  /** Simulated time runs this many times faster than real time (> 0); default 1. */
  timeScale?: number;
  /** No request log lines. */
  quiet?: boolean;
  /** CDK context laid over cdk.json's (e.g. another intake team for a test). */
  context?: Record<string, unknown>;
  /** Where log lines go; default console.log. */
  log?: (line: string) => void;
  /** The local OpenID provider's password for every account; default: random per start. */
  signInPassword?: string;
  /** The portals that may sign requests to the IAM routes; default DEFAULT_LOCAL_PORTALS. */
  portals?: readonly LocalPortal[];
}

/** A running local stack. */
export interface LocalStack {
  /** Base URL of the API, e.g. http://localhost:3000. */
  apiUrl: string;
  /** The mailbox page (every email sent). */
  mailboxUrl: string;
  /** Every email as JSON: `{ emails: [...] }`. */
  mailboxJsonUrl: string;
  /**
   * The EDI 2.0 stand-in (Norsk Helsenett's meldingstjener, lib/local/emulators/edi-local.ts): its page of the
   * messages Frist sent (Status på henvisning), and the same as JSON (`{ messages: [...] }`); the
   * clinic's mailbox there (`POST` a MsgHead XML as another party's message, `GET` what it holds).
   */
  edi: { url: string; pageUrl: string; sentJsonUrl: string; mailboxUrl: string };
  /** The workflow executions page (with the simulated time). */
  operationsUrl: string;
  /**
   * The simulated clock, local only: `GET` answers `{now, scale}`, `POST <clockUrl>/advance` with
   * `{"by": "PT36H" | ms}` or `{"to": "<ISO>"}` moves it forward.
   */
  clockUrl: string;
  /** The simulated clock every handler and workflow timer follows; `advance`/`advanceTo` move it. */
  clock: SimulatedClock;
  /** The local Step Functions endpoint (AWS_ENDPOINT_URL_SFN). */
  sfnEndpoint: string;
  /** DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB). */
  dynamodbEndpoint: string;
  region: string;
  /** The table names, as the handlers see them in TABLE_NAME. */
  tableNames: string[];
  stateMachineArn: string;
  /** The rewrites made to the definition for local execution (stepfunctions/asl.ts). */
  adaptationNotes: string[];
  /** The portals that sign requests (an unsigned request is the default portal). */
  portals: readonly LocalPortal[];
  /** The synthesized template the stack runs. */
  template: CfnTemplate;
  /** Milliseconds the start took, per step. */
  timings: Record<string, number>;
  /**
   * The local OpenID provider (staff by email, patients by national ID, health personnel by HPR
   * number), its one password, and the staff accounts with their roles.
   */
  signIn: { issuer: string; password: string; staff: LocalStaffAccount[] };
  /**
   * The IAM check in front of the stand-ins: every call a function makes goes through it and is
   * evaluated against that function's synthesized role policy; `refusals` lists what it refused (every
   * refused call whose answer has come back).
   */
  iam: { refusals(): Promise<Refusal[]>; endpoints: Record<LocalIamService, string> };
  /** The S3 stand-in (s3rver, loopback only): AWS_ENDPOINT_URL_S3 of this process. */
  s3Endpoint: string;
  /** The whole `process.env` the stack gives a function's execution environment (contract tests). */
  environmentOf(functionLogicalId: string): Record<string, string>;
  /** The Step Functions engine, for tests that wait for an execution. */
  stepFunctions: StepFunctionsLocalServer;
  /** Lambda work in flight, and a gate on the workflow's tasks (benchmarks, `frist simulate`). */
  activity: LocalActivity;
  /**
   * Fault switches for the fault-injection tests, local only: freeze DynamoDB Local's JVM
   * (SIGSTOP/SIGCONT) and make the SES emulator answer 503.
   */
  faults: {
    pauseDynamoDb(): void;
    resumeDynamoDb(): void;
    /** SES answers 503 to every call (`true`), to every n-th (`{ every: n }`: flaky), or not at all. */
    failSes(failing: boolean | { every: number }): void;
    /** SES API calls refused while failing. */
    sesRefusals(): number;
  };
  /** The reconciler, as the local runtime runs it (at start-up, then every minute). */
  recovery?: LocalRecovery;
  /** Stops every service and restores the environment variables it set. */
  stop(): Promise<void>;
}

/**
 * What the local runtime is doing: how many Lambda invocations are running, and a gate that holds the
 * workflow's Task invocations (the executions start and wait at their first task) so that a benchmark
 * can measure the API without the workflow's load, then let the workflow run.
 */
export interface LocalActivity {
  /** Lambda invocations running now (API, workflow and schedules), not counting held tasks. */
  inFlight(): number;
  /** Workflow tasks waiting at the closed gate. */
  held(): number;
  /** Closes the gate: workflow tasks wait from now on. */
  holdWorkflow(): void;
  /** Opens the gate: held tasks run. */
  releaseWorkflow(): void;
  /**
   * Resolves once nothing runs: no invocation running or held and no workflow execution between a
   * failed attempt and its Retry, seen between two turns of the event loop. A workflow moves from one
   * Lambda's result to its next task in the same turn, and a clock timer whose instant has passed fires
   * as the clock moves, so that is the moment the work a request or a clock move started is done.
   * With `quietMs`, nothing must run for that long too (work due a few real milliseconds later: a
   * timer at the running clock's next instants).
   */
  settled(quietMs?: number): Promise<void>;
}

function createActivity(): LocalActivity & {
  track<T>(work: () => Promise<T>): Promise<T>;
  gate(): Promise<void>;
  /** Counts more work in progress that runs no Lambda now (the workflow engine's Retry waits). */
  alsoBusy(pending: () => number): void;
} {
  let running = 0;
  let pendingElsewhere = () => 0;
  let waiting = 0;
  let open: Promise<void> | undefined;
  let openGate: (() => void) | undefined;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    inFlight: () => running,
    held: () => waiting,
    holdWorkflow() {
      if (open) return;
      const { promise, resolve } = Promise.withResolvers<void>();
      open = promise;
      openGate = resolve;
    },
    releaseWorkflow() {
      openGate?.();
      open = undefined;
      openGate = undefined;
    },
    async settled(quietMs = 0) {
      const idle = () => running === 0 && waiting === 0 && pendingElsewhere() === 0;
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      for (let seen = 0; seen < 2; ) {
        await (seen === 0 ? pause(1) : turn());
        seen = idle() ? seen + 1 : 0;
      }
      for (let quiet = 0; quiet < quietMs; ) {
        await pause(5);
        quiet = idle() ? quiet + 5 : 0;
      }
    },
    alsoBusy(pending) {
      pendingElsewhere = pending;
    },
    async track(work) {
      running += 1;
      try {
        return await work();
      } finally {
        running -= 1;
      }
    },
    async gate() {
      while (open) {
        waiting += 1;
        try {
          await open;
        } finally {
          waiting -= 1;
        }
      }
    },
  };
}

/**
 * Synthesizes the app in-process without bundling and reads what the local runtime runs; the region
 * is the stack's (eu-north-1 by default).
 */
function readApp(context: Record<string, unknown> | undefined) {
  // The template tests and `cdk synth` validate this template; here it is only read and run.
  const { app, stack } = createFristApp({
    bundling: false,
    validateTemplate: false,
    // A fresh key for the sign-in state cookie at every start (on AWS: a Secrets Manager secret).
    context: { [SIGN_IN_STATE_KEY_CONTEXT]: randomBytes(32).toString("base64url"), ...context },
  });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  const region =
    typeof stack.region === "string" && !stack.region.includes("${Token") ? stack.region : FALLBACK_REGION;
  const stackName = stack.stackName;
  return {
    template,
    region,
    stackName,
    functions: readFunctions(template),
    tables: readTables(template),
    stateMachine: readStateMachine(template, { region, stackName }),
    routes: readApiRoutes(template),
    staff: staffAccountsOf(stack.config),
    helseIdKeySecretName: stack.config.helseId.keySecretName,
  };
}

/**
 * HELSEID_CLIENT as the template gives it (the secret of the key by its ARN, the scope), with the
 * local HelseID's issuer, token endpoint and client id: nothing to replace when no function calls EDI.
 */
function localHelseIdClient(
  functions: Record<string, LocalFunction>,
  resolve: Resolver,
  helseId: HelseIdLocal,
): { HELSEID_CLIENT?: string } {
  const raw = Object.values(functions).find((fn) => "HELSEID_CLIENT" in fn.environment)?.environment
    .HELSEID_CLIENT;
  if (raw === undefined) return {};
  const resolved = resolve(raw);
  const settings = JSON.parse(typeof resolved === "string" ? resolved : JSON.stringify(resolved)) as object;
  return {
    HELSEID_CLIENT: JSON.stringify({
      ...settings,
      issuer: helseId.issuer,
      tokenEndpoint: helseId.tokenEndpoint,
      clientId: helseId.clientId,
    }),
  };
}

const lastPorts: {
  api?: number;
  dynamodb?: number;
  ses?: number;
  sfn?: number;
  edi?: number;
  oidc?: number;
  helseId?: number;
  secrets?: number;
  s3?: number;
  iam?: Partial<Record<LocalIamService, number>>;
} = {};

/** The services the functions reach through the IAM gateway. */
type LocalIamService = "dynamodb" | "ses" | "sfn" | "secretsmanager" | "s3";

/** The reconciler's handler, found in the template by its entry. */
export const RECONCILER_ENTRY = "functions/handlers/reconcile-workflows.ts";
/** How often the local runtime runs the reconciler, in real milliseconds. */
export const LOCAL_RECOVERY_INTERVAL_MS = 60_000;

/** The reconciler on the local runtime: the same handler the EventBridge rule runs on AWS. */
export interface LocalRecovery {
  /** One run, as the schedule makes it; resolves with its report. */
  run(): Promise<unknown>;
  /** What needs attention, without acting (the operations page). */
  inspect(): Promise<RecoveryVerdict[]>;
  /** A person's resume of one referral (the operations page's action). */
  resume(referralId: string): Promise<RecoveryOutcome | undefined>;
  /** Runs it now and then every {@link LOCAL_RECOVERY_INTERVAL_MS}. */
  start(): void;
  stop(): Promise<void>;
}

/** The "needs attention" section, or a note that the reconciler did not answer. */
async function attentionSection(recovery: LocalRecovery, viewer?: OperationsViewer) {
  try {
    return recoverySection(await recovery.inspect(), viewer);
  } catch {
    return recoverySection(undefined, viewer);
  }
}

function localRecovery(
  logicalId: string,
  runtime: { invoke(id: string, event: unknown): Promise<unknown> },
  log: (line: string) => void,
): LocalRecovery {
  let running: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const run = (): Promise<unknown> => {
    // One run at a time, as on AWS where a slow run makes the next one wait for nothing.
    running ??= runtime
      .invoke(logicalId, { "detail-type": "Scheduled Event", source: "frist.local" })
      .then(
        (report) => {
          const found = (report as { outcomes?: RecoveryOutcome[] }).outcomes ?? [];
          for (const outcome of found) {
            log(`recovery: ${outcome.referralId} ${outcome.finding}, ${outcome.result ?? "no action"}`);
          }
          return report;
        },
        (error: unknown) => {
          log(`recovery: the run failed: ${(error as Error).name}`);
          return undefined;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    run,
    async inspect() {
      return ((await runtime.invoke(logicalId, { inspect: true })) as { verdicts: RecoveryVerdict[] })
        .verdicts;
    },
    async resume(referralId) {
      const answer = (await runtime.invoke(logicalId, { referralId })) as { outcome: RecoveryOutcome | null };
      return answer.outcome ?? undefined;
    },
    start() {
      void run();
      timer = setInterval(() => void run(), LOCAL_RECOVERY_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Names the SDK reads endpoints and credentials from; the stack sets them and restores them on stop. */
function applyEnvironment(values: Record<string, string | undefined>): () => void {
  const previous: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    previous[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Starts the local stack. Resolves when every service answers and every handler module is imported;
 * `stop()` undoes it all. Startup takes a few seconds, most of it Java starting DynamoDB Local.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const requestLog = options.quiet ? undefined : log;
  const timings: Record<string, number> = {};
  const started = Date.now();
  let mark = started;
  const lap = (name: string): void => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };

  // With a data directory the workflow's executions and the clock are kept beside DynamoDB's files.
  const dataDir = options.inMemory ? null : (options.dataDir ?? ".frist/data");
  const workflowDir = dataDir === null ? undefined : path.join(dataDir, "stepfunctions");
  const savedClock = workflowDir ? readSavedClock(workflowDir) : undefined;
  // A simulated run goes on where its clock stopped, unless --clock says otherwise.
  const resumeSimulated = options.clock === undefined && savedClock?.simulated === true;

  // Refuse a bad --clock/--time-scale before anything starts. Time stands still until the stack is
  // ready, so that seconds of start-up are not days of simulated time.
  const requestedStart = options.clock !== undefined ? parseClockStart(options.clock) : undefined;
  const scale =
    options.timeScale !== undefined
      ? parseTimeScale(options.timeScale)
      : resumeSimulated
        ? savedClock?.scale
        : undefined;
  const clock = new SimulatedClock({
    paused: true,
    ...(requestedStart
      ? { start: requestedStart }
      : resumeSimulated && savedClock
        ? { start: savedClock.now }
        : {}),
    ...(scale !== undefined ? { scale } : {}),
  });
  let simulated = requestedStart !== undefined || (scale ?? 1) !== 1 || resumeSimulated;
  if (requestedStart && savedClock && requestedStart.getTime() < Date.parse(savedClock.now)) {
    log(
      `warning: --clock ${requestedStart.toISOString()} is before ${savedClock.now}, where the data directory's clock stopped; timers set before the restart fire that much later`,
    );
  }

  // Java takes the longest: start DynamoDB Local first and synthesize while it boots.
  const dynamoStart = startDynamoDbLocal({ dataDir, port: lastPorts.dynamodb });
  dynamoStart.catch(() => undefined);
  const stopDynamo = (): Promise<void> =>
    dynamoStart.then(
      (dynamo) => dynamo.stop(),
      () => undefined,
    );

  let app: ReturnType<typeof readApp>;
  try {
    app = readApp(options.context);
  } catch (error) {
    await stopDynamo();
    throw error;
  }
  const {
    template,
    region,
    stackName,
    functions,
    tables,
    stateMachine,
    routes,
    staff,
    helseIdKeySecretName,
  } = app;
  lap("synth");

  const { promise: ready, resolve: markReady, reject: failReady } = Promise.withResolvers<void>();
  ready.catch(() => undefined);
  // Each function's environment, known once every stand-in answers (nothing is invoked before).
  let environmentOf: FunctionEnvironment = () => {
    throw new Error("The local stack is not ready");
  };
  const runtime = createLambdaRuntime({
    repoRoot: REPO_ROOT,
    functions,
    region,
    environment: (fn) => environmentOf(fn),
  });
  const activity = createActivity();
  const invoke = (functionLogicalId: string, event: unknown) =>
    activity.track(async () => {
      await ready;
      return runtime.invoke(functionLogicalId, event);
    });
  // The reconciler (recovery) runs at start-up and then every minute of real time, not on the
  // simulated clock: it looks after faults, which happen in real time, and at --time-scale 43200 a
  // 15-minute rule would run every 20 ms.
  const reconcilerId = Object.values(functions).find((fn) => fn.entry === RECONCILER_ENTRY)?.logicalId;
  const recovery = reconcilerId ? localRecovery(reconcilerId, { invoke }, log) : undefined;

  const stoppers: Array<() => Promise<void>> = [];
  let restoreEnvironment: (() => void) | undefined;
  let unfollowClock: (() => void) | undefined;
  const stopAll = async (): Promise<void> => {
    activity.releaseWorkflow();
    for (const stop of stoppers.splice(0).reverse()) {
      await stop().catch((error: unknown) => log(`stop: ${(error as Error).message}`));
    }
    clock.close();
    unfollowClock?.();
    unfollowClock = undefined;
    restoreEnvironment?.();
    restoreEnvironment = undefined;
  };

  // The operations page reads the table once DynamoDB Local is up; until then it shows the executions.
  let operationsSources: OperationsSources | undefined;
  // Its resume action needs a signed-in operations person or lead (sessions live in the table too).
  let sessions: SessionStore | undefined;
  let apiUrlOfStack = "";
  const access = operationsAccess({ sessions: () => sessions, apiUrl: () => apiUrlOfStack });

  try {
    const ses: SesLocal = await startSesLocal({ port: lastPorts.ses });
    stoppers.push(() => ses.stop());
    // HelseID as Norsk Helsenett's machine clients meet it, with Frist's EDI client registered by
    // its public key; the private key goes where the functions read it on AWS, Secrets Manager.
    const helseIdKeys = localClientKeyPair();
    const helseId: HelseIdLocal = await startHelseIdLocal({
      clientPublicKey: helseIdKeys.publicJwk,
      ...(lastPorts.helseId ? { port: lastPorts.helseId } : {}),
    }).catch(() => startHelseIdLocal({ clientPublicKey: helseIdKeys.publicJwk }));
    stoppers.push(() => helseId.stop());
    const secrets: SecretsLocal = await startSecretsLocal({ region, port: lastPorts.secrets });
    stoppers.push(() => secrets.stop());
    secrets.put(helseIdKeySecretName, JSON.stringify(helseIdKeys.privateJwk));
    const edi: EdiLocal = await startEdiLocal({
      port: lastPorts.edi,
      helseId: { issuer: helseId.issuer, jwksUri: helseId.jwksUri },
    });
    stoppers.push(() => edi.stop());
    // S3 for a referral's attachments: the template's buckets, kept beside the table's data.
    const s3: S3Local = await startS3Local({
      buckets: readBucketNames(template),
      dataDir,
      port: lastPorts.s3,
    });
    stoppers.push(() => s3.stop());
    const sfn: StepFunctionsLocalServer = await startStepFunctionsLocal({
      stateMachines: [
        { arn: stateMachine.arn, name: stateMachine.name, definition: stateMachine.definition },
      ],
      region,
      port: lastPorts.sfn ?? 0,
      invoke: async (functionLogicalId, payload) => {
        await activity.gate();
        return invoke(functionLogicalId, payload);
      },
      clock,
      ...(workflowDir ? { dataDir: workflowDir } : {}),
      // The API's host name, so a browser signed in there sends its session cookie to this page too.
      host: "localhost",
      // Only a signed-in operations person or the lead sees the page (ids, deadlines, counts).
      admitPage: async (request) => {
        const admission = await access.page(request.headers);
        return admission.show ? undefined : admission;
      },
      operationsPage: async (engine, request) =>
        renderOperationsPage(
          await operationsPageData(
            engine,
            operationsSources,
            recovery
              ? [
                  await attentionSection(
                    recovery,
                    await access.viewer(request.headers).catch(() => undefined),
                  ),
                ]
              : [],
          ),
        ),
      ...(recovery
        ? {
            recovery: {
              inspect: () => recovery.inspect(),
              resume: (referralId: string) => recovery.resume(referralId),
              admit: (request) => access.admit(request),
            },
          }
        : {}),
      log: (line: string) => {
        if (requestLog && line.startsWith("clock ")) requestLog(line);
      },
    });
    stoppers.push(() => sfn.stop());
    activity.alsoBusy(() => sfn.engine.betweenAttempts);
    const portals = validateLocalPortals(options.portals ?? DEFAULT_LOCAL_PORTALS);
    // A portal may invoke what the template's portal policy allows (on AWS: the policy attached to its role).
    const portalEvaluator = createIamEvaluator({ region });
    const portalPrincipals = new Map(
      [{ name: DEFAULT_PORTAL_NAME, accessKeyId: "" }, ...portals].map((portal) => {
        const arn = localPortalArn(portal.name);
        return [arn, readPortalPrincipal(template, { region, stackName }, { ...portal, arn })] as const;
      }),
    );
    const authorizeInvoke = (portalArn: string, methodArn: string): boolean => {
      const principal = portalPrincipals.get(portalArn);
      return (
        principal !== undefined && portalEvaluator.isAllowed(principal, "execute-api:Invoke", methodArn, {})
      );
    };
    const requestedPort = options.port ?? 3000;
    // Every request the emulation routes to a function is one API Gateway bills (cost counting).
    const apiInvoke = (functionLogicalId: string, event: unknown) => {
      counters.apiRequest();
      return invoke(functionLogicalId, event);
    };
    const api: ApiLocal = await startApiLocal({
      routes,
      invoke: apiInvoke,
      now: () => clock.now(),
      portals,
      authorizeInvoke,
      region,
      // Sign-in returns to the API; this path sends the browser on to the operations page.
      localRedirects: { [OPERATIONS_RETURN_PATH]: sfn.operationsUrl },
      port: requestedPort === 0 ? (lastPorts.api ?? 0) : requestedPort,
      ...(requestLog ? { log: requestLog } : {}),
    }).catch(async (error: unknown) => {
      if (requestedPort === 0 && lastPorts.api) {
        return startApiLocal({
          routes,
          invoke: apiInvoke,
          now: () => clock.now(),
          portals,
          authorizeInvoke,
          region,
          localRedirects: { [OPERATIONS_RETURN_PATH]: sfn.operationsUrl },
          port: 0,
          ...(requestLog ? { log: requestLog } : {}),
        });
      }
      throw error;
    });
    stoppers.push(() => api.stop());
    apiUrlOfStack = api.url;
    // The local OpenID provider stands in for Cognito, ID-porten and HelseID alike.
    // The handlers keep the issuer they read at import: a restart in this process reuses its port.
    const startOidc = (port: number | undefined) =>
      startOidcLocal({
        staff,
        redirectUri: `${api.url}/auth/callback`,
        ...(port ? { port } : {}),
        ...(options.signInPassword ? { password: options.signInPassword } : {}),
      });
    const oidc: OidcLocal = await startOidc(lastPorts.oidc).catch(() => startOidc(undefined));
    stoppers.push(() => oidc.stop());
    const localProvider = { issuer: oidc.issuer, clientId: oidc.clientId };
    // The local provider's claim names (the cloud's default to ID-porten's and HelseID's).
    const signInProviders = {
      staff: localProvider,
      patient: { ...localProvider, claim: RECIPIENT_CLAIMS.local.patient },
      professional: { ...localProvider, claim: RECIPIENT_CLAIMS.local.professional },
    };
    lap("ses+sfn+api");

    const dynamo: DynamoDbLocal = await dynamoStart;
    stoppers.unshift(() => dynamo.stop());
    await createMissingTables(dynamo.client, tables);
    lap("dynamodb");

    const resolve = createResolver(template, { region, stackName });
    // Values that only make sense on AWS, replaced for the functions that are given them.
    const localValues = {
      PUBLIC_BASE_URL: api.url,
      SIGN_IN_PROVIDERS: JSON.stringify(signInProviders),
      // Norsk Helsenett's EDI 2.0 API and HelseID: the stand-ins (the key's secret as on AWS).
      EDI_API_URL: edi.url,
      ...localHelseIdClient(functions, resolve, helseId),
    };
    const endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SES: ses.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
    // The functions reach the stand-ins through IAM: each call is checked against the calling
    // function's synthesized role policy and refused as AWS refuses it (on a thread of its own).
    const iam = await startIamGatewayThread(
      {
        template,
        region,
        upstreams: {
          dynamodb: dynamo.endpoint,
          ses: ses.endpoint,
          sfn: sfn.endpoint,
          secretsmanager: secrets.endpoint,
          s3: s3.endpoint,
        },
        ports: lastPorts.iam ?? {},
      },
      // Always said: a refused call is a missing grant that would fail on AWS too.
      ({ functionLogicalId, action, resource }) =>
        log(`iam: refused ${action} on ${resource} to ${functionLogicalId}`),
    );
    stoppers.push(() => iam.stop());
    const principals = readFunctionPolicies(template, { region, stackName });
    const functionEndpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: iam.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SES: iam.endpoints.ses,
      AWS_ENDPOINT_URL_SESV2: iam.endpoints.ses,
      AWS_ENDPOINT_URL_SFN: iam.endpoints.sfn,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: iam.endpoints.secretsmanager,
      AWS_ENDPOINT_URL_S3: iam.endpoints.s3,
    };
    const templateEnvironments = Object.fromEntries(
      Object.values(functions).map((fn) => [fn.logicalId, functionEnvironment(fn, resolve, localValues)]),
    );
    environmentOf = (fn) => ({
      ...lambdaEnvironment(fn, region, {
        accessKeyId: principals[fn.logicalId]?.accessKeyId ?? localAccessKeyId(fn.logicalId),
        secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
      }),
      ...functionEndpoints,
      [SIMULATED_CLOCK_ENV]: clock.envValue(),
      // The handlers' log lines, quiet under the test runner (a local preference, never on AWS).
      ...(process.env.FRIST_QUIET ? { FRIST_QUIET: process.env.FRIST_QUIET } : {}),
      ...templateEnvironments[fn.logicalId],
    });
    // This process's own clients (the operations page, the tests' helpers) reach the same stand-ins.
    restoreEnvironment = applyEnvironment({
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
      ...endpoints,
      [SIMULATED_CLOCK_ENV]: clock.envValue(),
    });
    {
      const documents = DynamoDBDocumentClient.from(dynamo.client);
      const tableName = String(tables[0]?.TableName);
      sessions = new DynamoSessionStore(documents, tableName);
      // A data directory from before the portal index: key its referrals, so portals list them.
      await new DynamoReferralStore(documents, tableName).backfillPortalIndex();
      // And from before the start-of-care item: give granted referrals theirs, so the lead's home lists them.
      await new DynamoReferralStore(documents, tableName).backfillStartsOfCare();
      operationsSources = {
        worklist: new DynamoWorklist(documents, tableName),
        postalQueue: new DynamoPostalQueue(documents, tableName),
        statistics: new DynamoReferralStore(documents, tableName),
        rules: calendarRulesOf(parseClinicConfig(clinicConfigOf(templateEnvironments)).legalClock),
        apiUrl: api.url,
      };
    }
    // The handlers read the clock from the environment: rewrite it whenever the clock moves.
    unfollowClock = clock.onChange(() => {
      process.env[SIMULATED_CLOCK_ENV] = clock.envValue();
      runtime.setEnvironment({ [SIMULATED_CLOCK_ENV]: clock.envValue() });
    });
    stoppers.push(() => runtime.stop());
    markReady();
    if (recovery) stoppers.push(() => recovery.stop());
    // Scheduled rules (the agenda sender) run on the same simulated clock as the workflow's timers.
    const schedules = startSchedules({
      ...(reconcilerId ? { exclude: [reconcilerId] } : {}),
      template,
      region,
      invoke,
      now: () => clock.now(),
      sleepUntil: (instant, signal) => clock.sleepUntil(instant, signal),
    });
    stoppers.push(() => schedules.stop());

    // The executions a previous run left RUNNING in the data directory go on where they stood.
    const restored = sfn.engine.restore();
    if (restored.resumed.length > 0 || restored.skipped.length > 0) {
      log(
        `workflow: resumed ${restored.resumed.length} execution(s) from ${workflowDir}` +
          (restored.skipped.length > 0 ? `; skipped unreadable ${restored.skipped.join(", ")}` : ""),
      );
    }

    Object.assign(lastPorts, {
      api: api.port,
      dynamodb: dynamo.port,
      ses: ses.port,
      sfn: sfn.port,
      s3: s3.port,
      edi: Number(new URL(edi.url).port),
      oidc: Number(new URL(oidc.issuer).port),
      helseId: Number(new URL(helseId.issuer).port),
      secrets: Number(new URL(secrets.endpoint).port),
      iam: Object.fromEntries(
        Object.entries(iam.endpoints).map(([service, url]) => [service, Number(new URL(url).port)]),
      ),
    });
    timings.total = Date.now() - started;
    // Without --clock, simulated time starts at the real now (the start-up took some of it), or where
    // a simulated run on this data directory stopped.
    if (options.clock === undefined && !resumeSimulated) {
      clock.advanceTo(Math.max(Date.now(), clock.nowMs(), savedClock ? Date.parse(savedClock.now) : 0));
    }
    // Faster than real time, a cold start of a second would be hours of simulated time: start every
    // function's environment before the clock runs. At real time they start on first use, as on AWS.
    if (clock.scale > 1) await runtime.warm(Object.keys(functions));
    clock.resume();
    recovery?.start();
    if (workflowDir) {
      // The clock is written down as it moves, so that a restart (or a crash) goes on from here.
      const saveClock = (): void => {
        try {
          writeSavedClock(workflowDir, { now: clock.now().toISOString(), scale: clock.scale, simulated });
        } catch (error) {
          log(`workflow: cannot write the clock to ${workflowDir}: ${(error as Error).message}`);
        }
      };
      const unfollowSave = clock.onChange(() => {
        simulated = true; // moved by hand
        saveClock();
      });
      const timer = setInterval(saveClock, 1_000);
      timer.unref();
      saveClock();
      // Runs first on stop (stoppers run in reverse): the clock where it stands when the stack stops.
      stoppers.push(async () => {
        clearInterval(timer);
        unfollowSave();
        saveClock();
      });
    }

    let stopped: Promise<void> | undefined;
    return {
      apiUrl: api.url,
      mailboxUrl: ses.mailboxUrl,
      mailboxJsonUrl: ses.mailboxJsonUrl,
      edi: {
        url: edi.url,
        pageUrl: edi.pageUrl,
        sentJsonUrl: edi.sentJsonUrl,
        mailboxUrl: `${edi.url}mailbox`,
      },
      operationsUrl: sfn.operationsUrl,
      clockUrl: sfn.clockUrl,
      clock,
      sfnEndpoint: sfn.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      region,
      tableNames: tables.map((table) => String(table.TableName)),
      stateMachineArn: stateMachine.arn,
      portals,
      adaptationNotes: sfn.engine.adaptationNotes()[stateMachine.arn] ?? [],
      template,
      timings,
      stepFunctions: sfn,
      activity,
      faults: {
        pauseDynamoDb: () => dynamo.pause(),
        resumeDynamoDb: () => dynamo.resume(),
        failSes: (failing) => ses.failSends(failing),
        sesRefusals: () => ses.refusedSends,
      },
      signIn: { issuer: oidc.issuer, password: oidc.password, staff },
      iam: { refusals: () => iam.refusals(), endpoints: iam.endpoints },
      environmentOf: (logicalId) => {
        const fn = functions[logicalId];
        if (!fn) throw new Error(`Function not found: ${logicalId}`);
        return environmentOf(fn);
      },
      ...(recovery ? { recovery } : {}),
      stop() {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    failReady(error);
    await stopAll();
    // DynamoDB may still be starting: let it finish so that its Java process is stopped too.
    await stopDynamo();
    throw error;
  }
}
