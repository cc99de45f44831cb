/**
 * The local default: the Frist app on one machine, no AWS account. Synthesizes the CDK app in-process
 * (no bundling; synthesized-app.ts, once per context in a test run), then runs what the template
 * describes on local stand-ins: DynamoDB Local for the table, the SES emulator for mail, a local Step
 * Functions endpoint for the workflow, a CloudWatch stand-in for the alarms
 * (emulators/cloudwatch-local.ts), an API Gateway emulation for the routes, and the operations server
 * (the operations page and the clock). Each function runs in an execution environment of its own
 * (lib/local/lambda/runtime.ts) with exactly its template variables and its own credentials; its
 * normal SDK clients reach the stand-ins through AWS_ENDPOINT_URL_*, by way of the IAM check
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
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SIMULATED_CLOCK_ENV } from "../../functions/adapters/clock";
import { DynamoPostalQueue } from "../../functions/adapters/dynamo-postal-queue";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { DynamoSessionStore } from "../../functions/adapters/dynamo-sessions";
import { DynamoWorklist } from "../../functions/adapters/dynamo-worklist";
import { calendarRulesOf, parseClinicConfig } from "../../functions/domain/clinic";
import { RECIPIENT_CLAIMS, type SessionStore } from "../../functions/domain/session";
import { startApiLocal } from "./emulators/api-local";
import { type CloudWatchLocal, startCloudWatchLocal } from "./emulators/cloudwatch-local";
import {
  createMissingTables,
  type DynamoDbLocal,
  deleteTables,
  LOCAL_CREDENTIALS,
  recordDynamoDbLocalClasses,
  startDynamoDbLocal,
} from "./emulators/dynamodb-local";
import { type EdiLocal, startEdiLocal } from "./emulators/edi-local";
import { type FlrLocal, startFlrLocal } from "./emulators/flr-local";
import { type HelseIdLocal, localClientKeyPair, startHelseIdLocal } from "./emulators/helseid-local";
import { type LocalStaffAccount, type OidcLocal, startOidcLocal } from "./emulators/oidc-local";
import {
  DEFAULT_LOCAL_PORTALS,
  DEFAULT_PORTAL_NAME,
  type LocalPortal,
  localPortalArn,
  validateLocalPortals,
} from "./emulators/portal-signing";
import { startS3Local } from "./emulators/s3-local";
import { startSecretsLocal } from "./emulators/secrets-local";
import { startSesLocal } from "./emulators/ses-local";
import {
  createIamEvaluator,
  localAccessKeyId,
  type Refusal,
  readFunctionPolicies,
  readPortalPrincipal,
} from "./iam/gateway";
import { startIamGatewayThread } from "./iam/thread";
import { createActivity, type LocalActivity } from "./lambda/activity";
import { bundleHandlers, type LocalBundles } from "./lambda/bundles";
import {
  createLambdaRuntime,
  type FunctionEnvironment,
  type LambdaRuntime,
  LOCAL_METRICS_ENV,
  lambdaEnvironment,
} from "./lambda/runtime";
import { OPERATIONS_RETURN_PATH, operationsAccess } from "./operations/access";
import { counters } from "./operations/counters";
import { type OperationsSources, operationsPageData, renderOperationsPage } from "./operations/page";
import { attentionSection, type LocalRecovery, localRecovery, RECONCILER_ENTRY } from "./operations/recovery";
import { startOperationsServer } from "./operations/server";
import { ServiceList, service, step } from "./services";
import {
  type LocalStepFunctions,
  type StepFunctionsLocalServer,
  startStepFunctionsLocal,
} from "./stepfunctions/endpoint";
import { readSavedClock, type SavedClock, writeSavedClock } from "./stepfunctions/execution-files";
import { readSchedules, startSchedules } from "./stepfunctions/schedules";
import { SYNTH_DIR_ENV, type SynthesizedApp, synthesizeLocalApp } from "./synthesized-app";
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
  /**
   * A run of many thousand DynamoDB calls (`frist simulate`): DynamoDB Local's JVM compiles with C2
   * as well, which costs CPU at first and saves more over a long run. Default: a quick start.
   */
  longRun?: boolean;
  /**
   * A DynamoDB Local already running, in memory, to hold this stack's tables instead of a JVM of its
   * own: for a process that starts one stack after another (the end-to-end test files of a worker),
   * which then boots and warms Java once. The stack replaces any tables of its names it finds (left
   * by a stack before that did not stop) and deletes its tables when it stops; the JVM runs on, not
   * frozen even if its fault switch froze it. Only with `inMemory`. A promise of one: the stack goes
   * on starting while it boots.
   */
  dynamodb?: DynamoDbLocal | Promise<DynamoDbLocal>;
}

/** A running local stack. */
export interface LocalStack {
  /** Base URL of the API, e.g. http://localhost:3000. */
  apiUrl: string;
  /** The mailbox page (every email sent). */
  mailboxUrl: string;
  /** Every email as JSON: `{ emails: [...] }`. */
  mailboxJsonUrl: string;
  /** Empties the mailbox (a test that reads every email sees only those sent after). */
  clearMailbox(): Promise<void>;
  /**
   * The EDI 2.0 stand-in (Norsk Helsenett's meldingstjener, lib/local/emulators/edi-local.ts): its page of the
   * messages Frist sent (Status på henvisning), and the same as JSON (`{ messages: [...] }`); the
   * clinic's mailbox there (`POST` a MsgHead XML as another party's message, `GET` what it holds).
   */
  edi: { url: string; pageUrl: string; sentJsonUrl: string; mailboxUrl: string };
  /**
   * The Fastlegeregisteret stand-in (lib/local/emulators/flr-local.ts), empty at start: `register`
   * lists a fictitious patient with a GP's HER-id, for the GP's copy of a Status på henvisning.
   */
  gpRegister: { url: string; register(nationalId: string, gpHerId: string): void };
  /**
   * The operations page (executions, deadlines, statistics, the simulated time), on the operations
   * server: a port of its own, on the API's host name.
   */
  operationsUrl: string;
  /**
   * The simulated clock, local only, on the operations server: `GET` answers `{now, scale}`,
   * `POST <clockUrl>/advance` with `{"by": "PT36H" | ms}` or `{"to": "<ISO>"}` moves it forward.
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
  /** Milliseconds each service took to start, by its name, and `total`. */
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
  /**
   * The CloudWatch stand-in (lib/local/emulators/cloudwatch-local.ts): AWS_ENDPOINT_URL_CLOUDWATCH of
   * this process, and the stack's alarms with their states now.
   */
  cloudwatch: Pick<CloudWatchLocal, "endpoint" | "alarms">;
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

/** What the local runtime runs, read from the synthesized app. */
function readApp(synthesized: SynthesizedApp) {
  const { template, region, stackName } = synthesized;
  return {
    ...synthesized,
    functions: readFunctions(template),
    tables: readTables(template),
    stateMachine: readStateMachine(template, { region, stackName }),
    routes: readApiRoutes(template),
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

/**
 * FASTLEGEREGISTERET as the template gives it (the credentials' secret by its ARN), with the
 * stand-in's URL: nothing to replace when no function looks up a GP.
 */
function localGpRegister(
  functions: Record<string, LocalFunction>,
  resolve: Resolver,
  flr: FlrLocal,
): { FASTLEGEREGISTERET?: string } {
  const raw = Object.values(functions).find((fn) => "FASTLEGEREGISTERET" in fn.environment)?.environment
    .FASTLEGEREGISTERET;
  if (raw === undefined) return {};
  const resolved = resolve(raw);
  const settings = JSON.parse(typeof resolved === "string" ? resolved : JSON.stringify(resolved)) as object;
  return { FASTLEGEREGISTERET: JSON.stringify({ ...settings, url: flr.url }) };
}

const lastPorts: {
  api?: number;
  dynamodb?: number;
  ses?: number;
  sfn?: number;
  operations?: number;
  edi?: number;
  oidc?: number;
  helseId?: number;
  flr?: number;
  secrets?: number;
  s3?: number;
  cloudwatch?: number;
  iam?: Partial<Record<LocalIamService, number>>;
} = {};

/** The services the functions reach through the IAM gateway. */
type LocalIamService = "dynamodb" | "ses" | "sfn" | "secretsmanager" | "s3" | "cloudwatch";

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

/** What the app is, as the local runtime reads it from the synthesized template. */
type LocalApp = ReturnType<typeof readApp>;

/** Where log lines go. */
type Log = (line: string) => void;

/** Invokes a function once the stack is ready, counted as work in flight. */
type Invoke = (functionLogicalId: string, event: unknown) => Promise<unknown>;

/** The HelseID client's key pair: the public key registered at the stand-in, the private one a secret. */
type HelseIdKeys = ReturnType<typeof localClientKeyPair>;

/**
 * Values that only make sense on AWS, replaced for the functions that are given them: the API's URL,
 * the sign-in providers (the local provider's claim names; the cloud's default to ID-porten's and
 * HelseID's), Norsk Helsenett's EDI 2.0 API (the stand-in).
 */
function localValues(apiUrl: string, oidc: OidcLocal, edi: EdiLocal): Record<string, string> {
  const provider = { issuer: oidc.issuer, clientId: oidc.clientId };
  return {
    PUBLIC_BASE_URL: apiUrl,
    SIGN_IN_PROVIDERS: JSON.stringify({
      staff: provider,
      patient: { ...provider, claim: RECIPIENT_CLAIMS.local.patient },
      professional: { ...provider, claim: RECIPIENT_CLAIMS.local.professional },
    }),
    EDI_API_URL: edi.url,
  };
}

/** The ports this run got, for the next start in this process. */
function rememberPorts(started: {
  api: { port: number };
  dynamo: { port: number };
  ses: { port: number };
  sfn: { port: number };
  operations: { port: number };
  s3: { port: number };
  edi: EdiLocal;
  oidc: OidcLocal;
  helseId: HelseIdLocal;
  flr: FlrLocal;
  secrets: { endpoint: string };
  cloudwatch: { endpoint: string };
  iam: { endpoints: Record<LocalIamService, string> };
}): void {
  const { api, dynamo, ses, sfn, operations, s3, edi, oidc, helseId, flr, secrets, cloudwatch, iam } =
    started;
  Object.assign(lastPorts, {
    api: api.port,
    dynamodb: dynamo.port,
    ses: ses.port,
    sfn: sfn.port,
    operations: operations.port,
    s3: s3.port,
    edi: Number(new URL(edi.url).port),
    oidc: Number(new URL(oidc.issuer).port),
    helseId: Number(new URL(helseId.issuer).port),
    flr: Number(new URL(flr.url).port),
    secrets: Number(new URL(secrets.endpoint).port),
    cloudwatch: Number(new URL(cloudwatch.endpoint).port),
    iam: Object.fromEntries(
      Object.entries(iam.endpoints).map(([service, url]) => [service, Number(new URL(url).port)]),
    ),
  });
}

/** The simulated clock as the options and the data directory set it, and whether it is simulated. */
interface LocalTime {
  clock: SimulatedClock;
  /** Where a previous run on this data directory left its clock. */
  saved: SavedClock | undefined;
  /** Whether that run was simulated and this one goes on from its clock (no --clock given). */
  resumed: boolean;
  /** Whether time is other than real time (a start, a scale, or a resumed simulated run). */
  simulated: boolean;
}

/**
 * Refuses a bad --clock/--time-scale before anything starts. Time stands still until the stack is
 * ready, so that seconds of start-up are not days of simulated time.
 */
function localTime(options: LocalStackOptions, workflowDir: string | undefined, log: Log): LocalTime {
  const saved = workflowDir ? readSavedClock(workflowDir) : undefined;
  // A simulated run goes on where its clock stopped, unless --clock says otherwise.
  const resumed = options.clock === undefined && saved?.simulated === true;
  const requestedStart = options.clock !== undefined ? parseClockStart(options.clock) : undefined;
  const scale =
    options.timeScale !== undefined ? parseTimeScale(options.timeScale) : resumed ? saved?.scale : undefined;
  const clock = new SimulatedClock({
    paused: true,
    ...(requestedStart ? { start: requestedStart } : resumed && saved ? { start: saved.now } : {}),
    ...(scale !== undefined ? { scale } : {}),
  });
  if (requestedStart && saved && requestedStart.getTime() < Date.parse(saved.now)) {
    log(
      `warning: --clock ${requestedStart.toISOString()} is before ${saved.now}, where the data directory's clock stopped; timers set before the restart fire that much later`,
    );
  }
  const simulated = requestedStart !== undefined || (scale ?? 1) !== 1 || resumed;
  return { clock, saved, resumed, simulated };
}

/**
 * The clock written down in the data directory as it moves, so that a restart (or a crash) goes on
 * from there; on stop, where it stands then.
 */
function clockFile(workflowDir: string, time: LocalTime, log: Log) {
  const { clock } = time;
  let simulated = time.simulated;
  const save = (): void => {
    try {
      writeSavedClock(workflowDir, { now: clock.now().toISOString(), scale: clock.scale, simulated });
    } catch (error) {
      log(`workflow: cannot write the clock to ${workflowDir}: ${(error as Error).message}`);
    }
  };
  return step(
    "clock file",
    () => {
      const unfollow = clock.onChange(() => {
        simulated = true; // moved by hand
        save();
      });
      const timer = setInterval(save, 1_000);
      timer.unref();
      save();
      return { unfollow, timer };
    },
    ({ unfollow, timer }) => {
      clearInterval(timer);
      unfollow();
      save();
    },
  );
}

/**
 * Lets time run once everything answers. Without --clock simulated time starts at the real now (the
 * start-up took some of it), or where a simulated run on this data directory stopped. The functions'
 * environments start on first use, as on AWS; faster than real time the clock stands still meanwhile
 * (the runtime's `onColdStart`).
 */
function runClock(time: LocalTime, options: LocalStackOptions) {
  const { clock, saved } = time;
  if (options.clock === undefined && !time.resumed) {
    clock.advanceTo(Math.max(Date.now(), clock.nowMs(), saved ? Date.parse(saved.now) : 0));
  }
  clock.resume();
}

/** `options.dynamodb`, where the stack may use it: a borrowed DynamoDB Local holds tables in memory only. */
function borrowedDynamoDb(options: LocalStackOptions): LocalStackOptions["dynamodb"] {
  if (options.dynamodb && !options.inMemory) {
    throw new Error("A stack on a DynamoDB Local it did not start (options.dynamodb) must be inMemory");
  }
  return options.dynamodb;
}

/**
 * The app's tables, created where missing. On a borrowed DynamoDB Local they are created afresh (any
 * of the same names deleted first) and deleted when the stack stops, after letting its JVM run again
 * if the stack's fault switch left it frozen: the next stack on it must find it answering.
 */
function tablesService(dynamo: DynamoDbLocal, tables: CreateTableCommandInput[], borrowed: boolean) {
  const names = tables.map((table) => String(table.TableName));
  return service("tables", async () => {
    if (borrowed) await deleteTables(dynamo.client, names);
    await createMissingTables(dynamo.client, tables);
    return {
      async stop() {
        if (!borrowed) return;
        dynamo.resume();
        await deleteTables(dynamo.client, names);
      },
    };
  });
}

/**
 * The handlers' bundles (lambda/bundles.ts), kept in the test run's directory in a test run and
 * under node_modules/.cache otherwise, and built again only when a file they were built from changed.
 */
function bundlesService(functions: Record<string, LocalFunction>) {
  return step("bundles", () =>
    bundleHandlers({
      repoRoot: REPO_ROOT,
      entries: Object.values(functions).map((fn) => fn.entry),
      defines: Object.values(functions).find((fn) => fn.bundleDefines)?.bundleDefines ?? {},
      cacheDir: process.env[SYNTH_DIR_ENV] ?? path.join(REPO_ROOT, "node_modules", ".cache", "frist"),
    }),
  );
}

/** The HelseID stand-in with Frist's EDI client registered by its public key (its last port if free). */
function helseIdService(clientPublicKey: HelseIdKeys["publicJwk"]) {
  return service("helseid", () =>
    startHelseIdLocal({ clientPublicKey, ...(lastPorts.helseId ? { port: lastPorts.helseId } : {}) }).catch(
      () => startHelseIdLocal({ clientPublicKey }),
    ),
  );
}

/**
 * Secrets Manager, holding what the functions read there on AWS: the HelseID client's private key
 * and the Fastlegeregisteret credentials (both made at this start), by the names the config gives.
 */
function secretsService(region: string, values: Record<string, string>) {
  return service("secrets", async () => {
    const secrets = await startSecretsLocal({ region, port: lastPorts.secrets });
    for (const [name, value] of Object.entries(values)) secrets.put(name, value);
    return secrets;
  });
}

/** What the operations page reads from services that start after the operations server. */
interface OperationsLate {
  /** The API's URL (sign-in returns there). */
  apiUrl: string;
  /** The sessions, in the table (DynamoDB Local). */
  sessions?: SessionStore;
  /** The table's indexes the page shows; until the table is up the page shows the executions only. */
  sources?: OperationsSources;
}

/** The local Step Functions endpoint running the synthesized state machine (the AWS API alone). */
function workflowService(options: {
  app: LocalApp;
  clock: SimulatedClock;
  invoke: Invoke;
  activity: ReturnType<typeof createActivity>;
  workflowDir: string | undefined;
}) {
  const { app, clock, activity, workflowDir } = options;
  const { stateMachine } = app;
  return service("stepfunctions", async () => {
    const sfn = await startStepFunctionsLocal({
      stateMachines: [
        { arn: stateMachine.arn, name: stateMachine.name, definition: stateMachine.definition },
      ],
      region: app.region,
      port: lastPorts.sfn ?? 0,
      invoke: async (functionLogicalId, payload) => {
        await activity.gate();
        return options.invoke(functionLogicalId, payload);
      },
      clock,
      ...(workflowDir ? { dataDir: workflowDir } : {}),
    });
    activity.alsoBusy(() => sfn.engine.betweenAttempts);
    return sfn;
  });
}

/**
 * The operations server: the operations page (to a signed-in operations person or the lead), its resume
 * action and the simulated clock. On the API's host name, so that a browser signed in there sends its
 * session cookie to the page too; its last port when it is free.
 */
function operationsService(options: {
  engine: LocalStepFunctions;
  recovery: LocalRecovery | undefined;
  late: OperationsLate;
  requestLog: Log | undefined;
  activity: LocalActivity;
}) {
  const { engine, recovery, late, requestLog, activity } = options;
  const access = operationsAccess({ sessions: () => late.sessions, apiUrl: () => late.apiUrl });
  return service("operations", () =>
    startOperationsServer({
      engine,
      host: "localhost",
      port: lastPorts.operations ?? 0,
      // The clock jumps between workflow steps, not inside one; a step stuck in its retries (a
      // store down) holds the jump back for 30 s at most.
      settleBeforeClockMoves: () => activity.settled(0, AbortSignal.timeout(30_000)),
      // Only a signed-in operations person or the lead sees the page (ids, deadlines, counts).
      admitPage: async (request) => {
        const admission = await access.page(request.headers);
        return admission.show ? undefined : admission;
      },
      page: async (request) =>
        renderOperationsPage(
          await operationsPageData(
            engine,
            late.sources,
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
              resume: (referralId: string) => recovery.resume(referralId),
              admit: (request) => access.admit(request),
            },
          }
        : {}),
      ...(requestLog ? { log: requestLog } : {}),
    }),
  );
}

/** Whether a portal may invoke a route: what the template's portal policy allows (on AWS: its role's policy). */
function portalAuthorizer(app: LocalApp, portals: readonly LocalPortal[]) {
  const { template, region, stackName } = app;
  const evaluator = createIamEvaluator({ region });
  const principals = new Map(
    [{ name: DEFAULT_PORTAL_NAME, accessKeyId: "" }, ...portals].map((portal) => {
      const arn = localPortalArn(portal.name);
      return [arn, readPortalPrincipal(template, { region, stackName }, { ...portal, arn })] as const;
    }),
  );
  return (portalArn: string, methodArn: string): boolean => {
    const principal = principals.get(portalArn);
    return principal !== undefined && evaluator.isAllowed(principal, "execute-api:Invoke", methodArn, {});
  };
}

/** The API Gateway emulation on `--port` (with port 0, the last run's port if it is free). */
function apiService(options: {
  app: LocalApp;
  invoke: Invoke;
  clock: SimulatedClock;
  portals: readonly LocalPortal[];
  operationsUrl: string;
  port: number;
  requestLog: Log | undefined;
}) {
  const { app, clock, portals, port: requestedPort, requestLog } = options;
  const authorizeInvoke = portalAuthorizer(app, portals);
  const start = (port: number) =>
    startApiLocal({
      routes: app.routes,
      // Every request the emulation routes to a function is one API Gateway bills (cost counting).
      invoke: (functionLogicalId, event) => {
        counters.apiRequest();
        return options.invoke(functionLogicalId, event);
      },
      now: () => clock.now(),
      portals,
      authorizeInvoke,
      region: app.region,
      // Sign-in returns to the API; this path sends the browser on to the operations page.
      localRedirects: { [OPERATIONS_RETURN_PATH]: options.operationsUrl },
      port,
      ...(requestLog ? { log: requestLog } : {}),
    });
  return service("api", () =>
    start(requestedPort === 0 ? (lastPorts.api ?? 0) : requestedPort).catch((error: unknown) => {
      if (requestedPort === 0 && lastPorts.api) return start(0);
      throw error;
    }),
  );
}

/**
 * The local OpenID provider, standing in for Cognito, ID-porten and HelseID alike. The handlers keep
 * the issuer they read at import: a restart in this process reuses its port.
 */
function signInService(staff: LocalStaffAccount[], apiUrl: string, password: string | undefined) {
  const start = (port: number | undefined) =>
    startOidcLocal({
      staff,
      redirectUri: `${apiUrl}/auth/callback`,
      ...(port ? { port } : {}),
      ...(password ? { password } : {}),
    });
  return service("sign-in", () => start(lastPorts.oidc).catch(() => start(undefined)));
}

/** The stand-ins the functions reach through the IAM gateway. */
type Upstreams = Record<LocalIamService, string>;

/**
 * The IAM gateway, on a thread of its own: each call a function makes is checked against that
 * function's synthesized role policy and refused as AWS refuses it.
 */
function iamService(app: LocalApp, upstreams: Upstreams, log: Log) {
  return service("iam", () =>
    startIamGatewayThread(
      { template: app.template, region: app.region, upstreams, ports: lastPorts.iam ?? {} },
      // Always said: a refused call is a missing grant that would fail on AWS too.
      ({ functionLogicalId, action, resource }) =>
        log(`iam: refused ${action} on ${resource} to ${functionLogicalId}`),
    ),
  );
}

/**
 * Each function's whole environment: Lambda's variables with its own credentials, the IAM gateway's
 * endpoints, the clock, and its template variables with the values that only make sense on AWS replaced.
 */
function functionEnvironments(
  app: LocalApp,
  clock: SimulatedClock,
  iamEndpoints: Record<LocalIamService, string>,
  values: Record<string, string>,
  helseId: HelseIdLocal,
  flr: FlrLocal,
) {
  const { template, region, stackName, functions } = app;
  const resolve = createResolver(template, { region, stackName });
  const principals = readFunctionPolicies(template, { region, stackName });
  const replaced = {
    ...values,
    ...localHelseIdClient(functions, resolve, helseId),
    ...localGpRegister(functions, resolve, flr),
  };
  const fromTemplate = Object.fromEntries(
    Object.values(functions).map((fn) => [fn.logicalId, functionEnvironment(fn, resolve, replaced)]),
  );
  const environmentOf: FunctionEnvironment = (fn) => ({
    ...lambdaEnvironment(fn, region, {
      accessKeyId: principals[fn.logicalId]?.accessKeyId ?? localAccessKeyId(fn.logicalId),
      secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
    }),
    AWS_ENDPOINT_URL_DYNAMODB: iamEndpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: iamEndpoints.ses,
    AWS_ENDPOINT_URL_SESV2: iamEndpoints.ses,
    AWS_ENDPOINT_URL_SFN: iamEndpoints.sfn,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: iamEndpoints.secretsmanager,
    AWS_ENDPOINT_URL_S3: iamEndpoints.s3,
    AWS_ENDPOINT_URL_CLOUDWATCH: iamEndpoints.cloudwatch,
    [SIMULATED_CLOCK_ENV]: clock.envValue(),
    // The handlers' log lines, quiet under the test runner (a local preference, never on AWS).
    ...(process.env.FRIST_QUIET ? { FRIST_QUIET: process.env.FRIST_QUIET } : {}),
    // Their metrics are written even when quiet: the runtime reads them for the CloudWatch stand-in.
    [LOCAL_METRICS_ENV]: "1",
    ...fromTemplate[fn.logicalId],
  });
  return { environmentOf, fromTemplate };
}

/** This process's own clients (the operations page, the tests' helpers) reach the same stand-ins; undone on stop. */
function processEnvironment(region: string, upstreams: Upstreams, clock: SimulatedClock) {
  return step(
    "environment",
    () =>
      applyEnvironment({
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: undefined,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
        AWS_ENDPOINT_URL_DYNAMODB: upstreams.dynamodb,
        AWS_ENDPOINT_URL_SES: upstreams.ses,
        AWS_ENDPOINT_URL_SESV2: upstreams.ses,
        AWS_ENDPOINT_URL_SFN: upstreams.sfn,
        AWS_ENDPOINT_URL_S3: upstreams.s3,
        AWS_ENDPOINT_URL_CLOUDWATCH: upstreams.cloudwatch,
        [SIMULATED_CLOCK_ENV]: clock.envValue(),
      }),
    (restore) => restore(),
  );
}

/**
 * The table as this process reads it: the sessions and the operations page's indexes. A data
 * directory from before the portal index or the start-of-care item is brought up to date first.
 */
async function readTable(
  dynamo: DynamoDbLocal,
  app: LocalApp,
  templateEnvironments: Record<string, Record<string, string>>,
  apiUrl: string,
) {
  const documents = DynamoDBDocumentClient.from(dynamo.client);
  const tableName = String(app.tables[0]?.TableName);
  // Portals list their referrals by the portal index; the lead's home lists granted ones by their item.
  await new DynamoReferralStore(documents, tableName).backfillPortalIndex();
  await new DynamoReferralStore(documents, tableName).backfillStartsOfCare();
  return {
    sessions: new DynamoSessionStore(documents, tableName),
    sources: {
      worklist: new DynamoWorklist(documents, tableName),
      postalQueue: new DynamoPostalQueue(documents, tableName),
      statistics: new DynamoReferralStore(documents, tableName),
      rules: calendarRulesOf(parseClinicConfig(clinicConfigOf(templateEnvironments)).legalClock),
      apiUrl,
    },
  };
}

/** The CloudWatch stand-in: the template's alarms, evaluated on the simulated clock. */
function cloudWatchService(app: LocalApp, clock: SimulatedClock) {
  return service("cloudwatch", () =>
    startCloudWatchLocal({
      template: app.template,
      resolve: createResolver(app.template, { region: app.region, stackName: app.stackName }),
      region: app.region,
      now: () => clock.now(),
      port: lastPorts.cloudwatch,
    }),
  );
}

/** Step Functions' execution metrics, from what the local engine knows: one per execution that ended so. */
function executionMetrics(sfn: StepFunctionsLocalServer, stateMachineArn: string) {
  const ended = (status: string) =>
    sfn.engine
      .listExecutions(stateMachineArn, status)
      .flatMap((execution) => (execution.stopDate ? [{ at: execution.stopDate.getTime(), value: 1 }] : []));
  return (
    [
      ["ExecutionsFailed", "FAILED"],
      ["ExecutionsTimedOut", "TIMED_OUT"],
      ["ExecutionsAborted", "ABORTED"],
    ] as const
  ).map(([metricName, status]) => ({
    namespace: "AWS/States",
    metricName,
    dimensions: { StateMachineArn: stateMachineArn },
    points: ended(status),
  }));
}

/**
 * The schedules' invocations, counted as EventBridge counts them (`Invocations` per rule, by the
 * rule's name: its logical id locally), so that the "schedule missing" alarm sees the runs.
 */
function countedRuleInvocations(app: LocalApp, invoke: Invoke, cloudwatch: CloudWatchLocal): Invoke {
  const rulesOf = new Map<string, string[]>();
  for (const rule of readSchedules(app.template)) {
    for (const target of rule.targets) {
      rulesOf.set(target.functionLogicalId, [
        ...(rulesOf.get(target.functionLogicalId) ?? []),
        rule.ruleLogicalId,
      ]);
    }
  }
  return (functionLogicalId, event) => {
    for (const rule of rulesOf.get(functionLogicalId) ?? []) {
      cloudwatch.put("AWS/Events", "Invocations", { RuleName: rule }, 1);
    }
    return invoke(functionLogicalId, event);
  };
}

/** The handlers read the clock from the environment: it is rewritten whenever the clock moves. */
function clockFollower(clock: SimulatedClock, runtime: LambdaRuntime) {
  return step(
    "clock follower",
    () =>
      clock.onChange(() => {
        process.env[SIMULATED_CLOCK_ENV] = clock.envValue();
        runtime.setEnvironment({ [SIMULATED_CLOCK_ENV]: clock.envValue() });
      }),
    (unfollow) => unfollow(),
  );
}

/** The executions a previous run left RUNNING in the data directory go on where they stood. */
function restoreExecutions(sfn: StepFunctionsLocalServer, workflowDir: string | undefined, log: Log): void {
  const restored = sfn.engine.restore();
  if (restored.resumed.length > 0 || restored.skipped.length > 0) {
    log(
      `workflow: resumed ${restored.resumed.length} execution(s) from ${workflowDir}` +
        (restored.skipped.length > 0 ? `; skipped unreadable ${restored.skipped.join(", ")}` : ""),
    );
  }
}

/** What {@link prepareLocalStack} made or found kept. */
export interface PreparedLocalStack {
  /** The functions whose bundles are built. */
  functions: number;
  /** DynamoDB Local's class data archive, where Java and `javac` could make one. */
  classArchive: string | undefined;
}

/**
 * Builds and keeps what a start needs and would otherwise build itself: the synthesized app (kept
 * in the build's directory), the functions' bundles, DynamoDB Local's launcher and its class data
 * archive. `npm ci` runs it (the `prepare` script), so the first `npm start` after it starts as
 * quickly as every later one; a start still builds whatever is missing or out of date.
 */
export async function prepareLocalStack(
  options: Pick<LocalStackOptions, "context"> = {},
): Promise<PreparedLocalStack> {
  const bundled = (async () => {
    const app = readApp(await synthesizeLocalApp(options.context));
    await bundlesService(app.functions).start();
    return Object.keys(app.functions).length;
  })();
  const [functions, classArchive] = await Promise.all([bundled, recordDynamoDbLocalClasses()]);
  return { functions, classArchive };
}

/**
 * Starts the local stack. Resolves when every service answers and every handler module is imported;
 * `stop()` undoes it all. Startup takes a few seconds, most of it Java starting DynamoDB Local.
 *
 * The services start in this order, each given what it needs of those before it, and stop in reverse;
 * a failure half-way stops what had started. The functions are invoked only once all of them answer.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const requestLog = options.quiet ? undefined : log;
  const started = Date.now();
  // With a data directory the workflow's executions and the clock are kept beside DynamoDB's files.
  const dataDir = options.inMemory ? null : (options.dataDir ?? ".frist/data");
  const workflowDir = dataDir === null ? undefined : path.join(dataDir, "stepfunctions");
  const borrowed = borrowedDynamoDb(options);
  const time = localTime(options, workflowDir, log);
  const { clock } = time;
  const services = new ServiceList(log);
  const activity = createActivity();
  const { promise: ready, resolve: markReady, reject: failReady } = Promise.withResolvers<void>();
  ready.catch(() => undefined);
  const stop = async (): Promise<void> => {
    activity.releaseWorkflow();
    await services.stopAll();
  };

  try {
    await services.start(
      step(
        "clock",
        () => clock,
        () => clock.close(),
      ),
    );
    // Java takes the longest: start DynamoDB Local first and synthesize while it boots.
    const dynamoStarting = services.startInBackground(
      service("dynamodb", async () =>
        borrowed
          ? Promise.resolve(borrowed).then((running) => ({ ...running, stop: async () => {} }))
          : startDynamoDbLocal({
              dataDir,
              port: lastPorts.dynamodb,
              jit: options.longRun ? "long-run" : "quick-start",
            }),
      ),
    );
    const app = await services.start(step("synth", () => synthesizeLocalApp(options.context).then(readApp)));
    // The handlers' bundles, built as the deployment builds them while the stand-ins start.
    const bundling = services.startInBackground(bundlesService(app.functions));
    let bundles: LocalBundles | undefined;

    // Each function in an environment of its own, known once every stand-in answers: nothing is
    // invoked before.
    let environmentOf: FunctionEnvironment = () => {
      throw new Error("The local stack is not ready");
    };
    // The alarms' metrics: the functions' EMF lines and failed invocations (nothing is invoked before it starts).
    let cloudwatch: CloudWatchLocal | undefined;
    const runtime = createLambdaRuntime({
      repoRoot: REPO_ROOT,
      functions: app.functions,
      region: app.region,
      bundles: () => bundles,
      environment: (fn) => environmentOf(fn),
      onMetricLine: (_functionLogicalId, line) => cloudwatch?.putEmfLine(line),
      onInvocationError: (functionLogicalId) =>
        cloudwatch?.put("AWS/Lambda", "Errors", { FunctionName: functionLogicalId }, 1),
      // Faster than real time, a second of cold start would be hours of simulated time: the clock
      // stands still while an environment loads, as if it had been running all along.
      ...(time.clock.scale > 1
        ? {
            onColdStart: (_functionLogicalId: string, ready: Promise<void>) => {
              const release = time.clock.hold();
              ready.then(release, release);
            },
          }
        : {}),
    });
    const invoke: Invoke = (functionLogicalId, event) =>
      activity.track(async () => {
        await ready;
        return runtime.invoke(functionLogicalId, event);
      });
    // The reconciler runs at start-up and then every minute of real time, not on the simulated clock:
    // it looks after faults, which happen in real time, and at --time-scale 43200 a 15-minute rule
    // would run every 20 ms.
    const reconcilerId = Object.values(app.functions).find((fn) => fn.entry === RECONCILER_ENTRY)?.logicalId;
    const recovery = reconcilerId ? localRecovery(reconcilerId, { invoke }, log) : undefined;

    const ses = await services.start(service("ses", () => startSesLocal({ port: lastPorts.ses })));
    const helseIdKeys = localClientKeyPair();
    const helseId = await services.start(helseIdService(helseIdKeys.publicJwk));
    const flrCredentials = { username: "frist-local", password: randomBytes(18).toString("base64url") };
    const flr = await services.start(
      service("flr", () => startFlrLocal({ credentials: flrCredentials, port: lastPorts.flr })),
    );
    const secrets = await services.start(
      secretsService(app.region, {
        [app.helseIdKeySecretName]: JSON.stringify(helseIdKeys.privateJwk),
        [app.gpRegisterSecretName]: JSON.stringify(flrCredentials),
      }),
    );
    const edi = await services.start(
      service("edi", () =>
        startEdiLocal({ port: lastPorts.edi, helseId: { issuer: helseId.issuer, jwksUri: helseId.jwksUri } }),
      ),
    );
    // S3 for a referral's attachments: the template's buckets, kept beside the table's data.
    const s3 = await services.start(
      service("s3", () =>
        startS3Local({ buckets: readBucketNames(app.template), dataDir, port: lastPorts.s3 }),
      ),
    );
    cloudwatch = await services.start(cloudWatchService(app, clock));
    const late: OperationsLate = { apiUrl: "" };
    const sfn = await services.start(workflowService({ app, clock, invoke, activity, workflowDir }));
    const operations = await services.start(
      operationsService({ engine: sfn.engine, recovery, late, requestLog, activity }),
    );
    cloudwatch.addSource(() => executionMetrics(sfn, app.stateMachine.arn));
    const portals = validateLocalPortals(options.portals ?? DEFAULT_LOCAL_PORTALS);
    const api = await services.start(
      apiService({
        app,
        invoke,
        clock,
        portals,
        operationsUrl: operations.operationsUrl,
        port: options.port ?? 3000,
        requestLog,
      }),
    );
    late.apiUrl = api.url;
    const oidc = await services.start(signInService(app.staff, api.url, options.signInPassword));

    const dynamo = await dynamoStarting;
    await services.start(tablesService(dynamo, app.tables, borrowed !== undefined));
    const upstreams: Upstreams = {
      dynamodb: dynamo.endpoint,
      ses: ses.endpoint,
      sfn: sfn.endpoint,
      secretsmanager: secrets.endpoint,
      s3: s3.endpoint,
      cloudwatch: cloudwatch.endpoint,
    };
    const iam = await services.start(iamService(app, upstreams, log));
    const values = localValues(api.url, oidc, edi);
    const environments = functionEnvironments(app, clock, iam.endpoints, values, helseId, flr);
    environmentOf = environments.environmentOf;
    await services.start(processEnvironment(app.region, upstreams, clock));
    Object.assign(late, await readTable(dynamo, app, environments.fromTemplate, api.url));
    bundles = await bundling;
    await services.start(clockFollower(clock, runtime));
    await services.start(service("lambda", async () => runtime));
    markReady();
    if (recovery) await services.start(service("recovery", async () => recovery));
    // Scheduled rules (the agenda sender) run on the same simulated clock as the workflow's timers.
    await services.start(
      service("schedules", async () =>
        startSchedules({
          ...(reconcilerId ? { exclude: [reconcilerId] } : {}),
          template: app.template,
          region: app.region,
          invoke: countedRuleInvocations(app, invoke, cloudwatch),
          now: () => clock.now(),
          sleepUntil: (instant, signal) => clock.sleepUntil(instant, signal),
          timeScale: clock.scale,
        }),
      ),
    );
    restoreExecutions(sfn, workflowDir, log);
    rememberPorts({
      api,
      dynamo,
      ses,
      sfn,
      operations,
      s3,
      edi,
      oidc,
      helseId,
      flr,
      secrets,
      cloudwatch,
      iam,
    });
    const timings = { ...services.timings, total: Date.now() - started };
    runClock(time, options);
    recovery?.start();
    // Runs first on stop: the clock where it stands when the stack stops.
    if (workflowDir) await services.start(clockFile(workflowDir, time, log));

    let stopped: Promise<void> | undefined;
    return {
      apiUrl: api.url,
      mailboxUrl: ses.mailboxUrl,
      mailboxJsonUrl: ses.mailboxJsonUrl,
      clearMailbox: () => ses.clear(),
      edi: {
        url: edi.url,
        pageUrl: edi.pageUrl,
        sentJsonUrl: edi.sentJsonUrl,
        mailboxUrl: `${edi.url}mailbox`,
      },
      gpRegister: { url: flr.url, register: (nationalId, gpHerId) => flr.register(nationalId, gpHerId) },
      operationsUrl: operations.operationsUrl,
      clockUrl: operations.clockUrl,
      clock,
      sfnEndpoint: sfn.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      cloudwatch: { endpoint: cloudwatch.endpoint, alarms: () => (cloudwatch as CloudWatchLocal).alarms() },
      region: app.region,
      tableNames: app.tables.map((table) => String(table.TableName)),
      stateMachineArn: app.stateMachine.arn,
      portals,
      adaptationNotes: sfn.engine.adaptationNotes()[app.stateMachine.arn] ?? [],
      template: app.template,
      timings,
      stepFunctions: sfn,
      activity,
      faults: {
        pauseDynamoDb: () => dynamo.pause(),
        resumeDynamoDb: () => dynamo.resume(),
        failSes: (failing) => ses.failSends(failing),
        sesRefusals: () => ses.refusedSends,
      },
      signIn: { issuer: oidc.issuer, password: oidc.password, staff: app.staff },
      iam: { refusals: () => iam.refusals(), endpoints: iam.endpoints },
      environmentOf: (logicalId) => {
        const fn = app.functions[logicalId];
        if (!fn) throw new Error(`Function not found: ${logicalId}`);
        return environmentOf(fn);
      },
      ...(recovery ? { recovery } : {}),
      stop() {
        stopped ??= stop();
        return stopped;
      },
    };
  } catch (error) {
    failReady(error);
    // DynamoDB may still be starting: stopping waits for it, so that its Java process is stopped too.
    await stop();
    throw error;
  }
}
