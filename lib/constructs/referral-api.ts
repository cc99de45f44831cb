import { type CfnElement, type CfnResource, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  type Resource,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { ApiFirewall } from "./api-firewall";
import type { AttachmentBucket } from "./attachment-bucket";
import { FristFunction, type FristFunctionProps, type FristResources } from "./frist-function";
import type { Mailer } from "./mailer";
import { nagPseudo } from "./nag";
import type { ReferralStore } from "./referral-store";
import { SignInStateKey } from "./sign-in-state-key";

/** The stage every URL of Frist lives under. */
export const API_STAGE = "prod";

/** Metadata key on the portals' managed policy, by which the local runtime finds it. */
export const PORTAL_POLICY_METADATA_KEY = "frist:portalPolicy";

/** Props of the ReferralApi. */
export interface ReferralApiProps {
  readonly store: ReferralStore;
  /** Where a message's attachments are stored, and served from to signed-in staff. */
  readonly attachments: AttachmentBucket;
  /** SES: the decision route sends the forespørsel letter to the referrer. */
  readonly mailer: Mailer;
  /** CLINIC_CONFIG: `{clinic, intakeTeam}` as JSON. */
  readonly clinicConfig: string;
  /** Overrides the base URL of task links (frist:publicBaseUrl), e.g. behind a custom domain. */
  readonly publicBaseUrl?: string;
}

/** The Lambda functions behind the API's routes. */
export interface ApiFunctions {
  readonly receiveReferral: FristFunction;
  readonly receiveMessage: FristFunction;
  readonly getReferral: FristFunction;
  readonly listReferrals: FristFunction;
  readonly taskPage: FristFunction;
  readonly taskAttachment: FristFunction;
  readonly submitDecision: FristFunction;
  readonly changePriority: FristFunction;
  readonly confirmSecondary: FristFunction;
  readonly openApi: FristFunction;
  readonly listLetters: FristFunction;
  readonly markLetterPosted: FristFunction;
  readonly postalLetter: FristFunction;
  readonly agendaPage: FristFunction;
  readonly statistics: FristFunction;
  readonly recordStartOfCare: FristFunction;
  readonly staffReferralPage: FristFunction;
  readonly staffHome: FristFunction;
  readonly staffSearch: FristFunction;
  readonly helfoNotifications: FristFunction;
  readonly helfoReported: FristFunction;
  readonly auth: FristFunction;
  readonly accessLog: FristFunction;
  readonly letterPage: FristFunction;
}

/** Stage-wide throttle: a clinic's portals send tens of referrals a day; this is headroom, not a quota. */
const THROTTLE = { rateLimit: 50, burstLimit: 100 };
/** The unauthenticated routes get a tighter throttle: staff open a handful of task links an hour. */
const PUBLIC_ROUTE_OPTIONS: MethodDeploymentOptions = {
  throttlingRateLimit: 10,
  throttlingBurstLimit: 20,
  loggingLevel: MethodLoggingLevel.ERROR,
  dataTraceEnabled: false,
  metricsEnabled: true,
};

/**
 * The HTTP API of Frist (contract in shared/api.md), a REST API in API Gateway.
 *
 * - `/referrals` and everything under it is for referral portals and uses IAM (SigV4) auth, set
 *   as the resource's default so routes added later (the worklist, `GET /referrals`) inherit it.
 * - `/tasks/{taskId}` and its decision form are opened by intake staff from an emailed link; the
 *   opaque, unguessable task id is the capability, so those routes have no authorizer. So has
 *   `/openapi.json`, which describes the contract and holds no data. `/agendas/{agendaId}` (an
 *   intake meeting's agenda, from the emailed agenda link) likewise: the random agenda id is the
 *   capability, and its function reads, writing only the session's last use and the access log.
 * - Regional endpoint in the configured region (no CloudFront edge in front of health data).
 * - Access logs as JSON without request bodies and with the resource path template
 *   (`/tasks/{taskId}`), never the concrete path, so task ids never reach a log.
 * - Execution logs at ERROR only and data trace off: a data trace would log request and response
 *   bodies, i.e. referrals. Metrics on; X-Ray off on the stage (its segments record full URLs, and
 *   a link's id is a secret), on in the functions.
 * - AWS WAF in front (ApiFirewall): AWS managed rules and per-address rate limits.
 * - Body size: API Gateway's own limit is a fixed 10 MB. Frist's limit (256 KB, answered with 413)
 *   is enforced by the handlers, which must also answer 400/413/415 in the contract's JSON shape
 *   and behave the same on the local runtime; an API Gateway request validator can do neither, so
 *   there is none.
 *
 * Two phases, because the workflow and the API need each other: the constructor creates the
 * RestApi (so `publicBaseUrl` exists for the workflow's notify function), then `addRoutes`
 * wires the functions once the state machine exists.
 */
export class ReferralApi extends Construct {
  public readonly api: RestApi;
  public readonly accessLogGroup: LogGroup;
  /** AWS WAF in front of the stage. */
  public readonly firewall: ApiFirewall;
  /** What a portal may invoke: attach it to each portal's role or user (stack output PortalPolicyArn). */
  public readonly portalPolicy: ManagedPolicy;
  /** The `/referrals` resource (IAM auth by default for every method below it). */
  public readonly referrals: Resource;
  private readonly store: ReferralStore;
  private readonly mailer: Mailer;
  private readonly clinicConfig: string;
  private readonly configuredBaseUrl: string | undefined;
  private readonly attachments: AttachmentBucket;
  private routed: ApiFunctions | undefined;

  constructor(scope: Construct, id: string, props: ReferralApiProps) {
    super(scope, id);
    this.store = props.store;
    this.mailer = props.mailer;
    this.clinicConfig = props.clinicConfig;
    this.configuredBaseUrl = props.publicBaseUrl;
    this.attachments = props.attachments;

    this.accessLogGroup = new LogGroup(this, "AccessLogs", {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new RestApi(this, "Api", {
      restApiName: "frist",
      description: "Frist: referral intake (portals, IAM auth) and intake staff task pages",
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // An attachment's download is binary (isBase64Encoded); API Gateway decodes it only when the
      // request's first Accept type is a binary media type, and a browser following a link asks for
      // text/html first, so every type is one (AWS's advice for browsers). Request bodies then reach
      // the functions base64-encoded, which http.ts `bodyText` decodes (the message limit allows for it).
      binaryMediaTypes: ["*/*"],
      // Stage logging needs the account-level API Gateway CloudWatch role; a fresh account has none.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        // No X-Ray on the stage: API Gateway's trace segment records the full request URL, and a
        // task or agenda link's id is the secret in it. The functions trace themselves (their
        // segments carry no URL, and neither responses nor error messages; see FristFunction).
        tracingEnabled: false,
        throttlingRateLimit: THROTTLE.rateLimit,
        throttlingBurstLimit: THROTTLE.burstLimit,
        // A method override is a full record: repeat the stage's logging and metrics settings.
        methodOptions: {
          "/tasks/{taskId}/GET": PUBLIC_ROUTE_OPTIONS,
          "/tasks/{taskId}/attachments/{n}/GET": PUBLIC_ROUTE_OPTIONS,
          "/tasks/{taskId}/decision/POST": PUBLIC_ROUTE_OPTIONS,
          "/agendas/{agendaId}/GET": PUBLIC_ROUTE_OPTIONS,
          "/inbox/{letterLink}/GET": PUBLIC_ROUTE_OPTIONS,
        },
      },
    });
    this.referrals = this.api.root.addResource("referrals", {
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
    });
    this.portalPolicy = new ManagedPolicy(this, "PortalInvokePolicy", {
      description:
        "Frist: what a referral portal may call (attach to each portal's own role or user): the /referrals routes and POST /messages, nothing else",
      statements: [
        new PolicyStatement({
          actions: ["execute-api:Invoke"],
          // Methods named: a `*` in the method's place would match across the slash, so
          // `*/referrals/*` would also allow `GET/staff/referrals/…`.
          resources: [
            this.api.arnForExecuteApi("GET", "/referrals", API_STAGE),
            this.api.arnForExecuteApi("POST", "/referrals", API_STAGE),
            this.api.arnForExecuteApi("POST", "/messages", API_STAGE),
            this.api.arnForExecuteApi("GET", "/referrals/*", API_STAGE),
          ],
        }),
      ],
    });
    // The local runtime evaluates the local portals' signed requests against this policy.
    (this.portalPolicy.node.defaultChild as CfnResource).addMetadata(PORTAL_POLICY_METADATA_KEY, true);
    const apiId = `<${Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement)}>`;
    Validations.of(this.portalPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${nagPseudo(this, "Partition")}:execute-api:${nagPseudo(this, "Region")}:${nagPseudo(this, "AccountId")}:${apiId}/prod/GET/referrals/*]`,
      reason:
        "The wildcard is the referral id of GET /referrals/{referralId}: a portal reads its own referrals by id (the handler answers 404 for another portal's).",
    });
    this.firewall = new ApiFirewall(this, "Firewall", { stage: this.api.deploymentStage });
    this.acknowledgeNagFindings();
  }

  /**
   * The base URL for links in emails (PUBLIC_BASE_URL), e.g.
   * `https://abc123.execute-api.eu-north-1.amazonaws.com/prod`.
   * Built from the RestApi id alone, never from `api.url`: that references the stage, hence the
   * deployment and every method, and the decision method's function holds a grant on the state
   * machine whose notify function needs this URL, which would close a dependency cycle.
   */
  get publicBaseUrl(): string {
    if (this.configuredBaseUrl) return this.configuredBaseUrl;
    const stack = Stack.of(this);
    return `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE}`;
  }

  /** The functions behind the routes (after `addRoutes`). */
  get functions(): ApiFunctions {
    if (!this.routed) throw new Error("ReferralApi.addRoutes has not been called");
    return this.routed;
  }

  /**
   * Creates the handlers and the routes of api.md; call once, after the workflow exists.
   * `signInProviders` is SIGN_IN_PROVIDERS (JSON): the OpenID issuers of staff and letter recipients.
   */
  addRoutes(stateMachine: StateMachine, signInProviders: string): ApiFunctions {
    if (this.routed) throw new Error("ReferralApi.addRoutes was already called");
    const resources: FristResources = {
      store: this.store,
      mailer: this.mailer,
      attachments: this.attachments,
      clinicConfig: this.clinicConfig,
      publicBaseUrl: this.publicBaseUrl,
      signInProviders,
      // The key that signs the cookie of a sign-in under way (nothing of it is stored).
      signInStateKey: new SignInStateKey(this, "SignInStateKey").value,
      stateMachine,
    };
    // What each function uses (function-uses.ts): its variables and its grants, both. A staff page
    // (`signIn: "route"`) reads the session, writes its last use, and logs to the access log; a
    // read-only page writes nothing else.
    const fn = (id: string, props: Omit<FristFunctionProps, "resources">) =>
      new FristFunction(this, id, { ...props, resources });
    const fns: ApiFunctions = {
      receiveReferral: fn("ReceiveReferralFunction", {
        entry: "functions/handlers/receive-referral.ts",
        description: "Frist API: POST /referrals",
        // The referral, its idempotency key and receipt event in one write, counted in the month's
        // statistics; CLINIC_CONFIG for the legal-clock rules: the 202 states the due date they give.
        uses: {
          table: { get: ["idempotency"], put: ["idempotency", "referral"], update: ["statistics"] },
          clinicConfig: true,
          workflow: ["start"],
        },
      }),
      receiveMessage: fn("ReceiveMessageFunction", {
        entry: "functions/handlers/receive-message.ts",
        description: "Frist API: POST /messages (a Henvisning as record systems send it; answers its AppRec)",
        // What POST /referrals writes, keyed by the MsgId; CLINIC_CONFIG for the clinic's HER-ids and
        // the legal clock. The XML schemas are in the bundle. A change or cancellation message reads
        // the referral it names and its tasks, updates it (a withdrawal also expires its open task)
        // with an event, and ends a withdrawn referral's wait (SendTaskFailure).
        uses: {
          table: {
            get: ["idempotency", "referral"],
            query: ["referral"],
            put: ["idempotency", "referral"],
            update: ["referral", "statistics"],
          },
          clinicConfig: true,
          workflow: ["start", "retime"],
          // A message's attachments, each written once under its referral.
          attachments: ["write"],
        },
      }),
      getReferral: fn("GetReferralFunction", {
        entry: "functions/handlers/get-referral.ts",
        description: "Frist API: GET /referrals/{referralId}",
        uses: { table: { query: ["referral"] } },
      }),
      listReferrals: fn("ListReferralsFunction", {
        entry: "functions/handlers/list-referrals.ts",
        description: "Frist API: GET /referrals (the worklist)",
        // CLINIC_CONFIG carries the clinic's calendar rules, which count the working days left.
        uses: { table: { indexes: { byPortal: true } }, clinicConfig: true },
      }),
      taskPage: fn("TaskPageFunction", {
        entry: "functions/handlers/task-page.ts",
        description: "Frist API: GET /tasks/{taskId} (changes nothing)",
        uses: {
          table: { get: ["referral"], indexes: { byTaskId: true } },
          clinicConfig: true,
          signIn: "route",
        },
      }),
      taskAttachment: fn("TaskAttachmentFunction", {
        entry: "functions/handlers/task-attachment.ts",
        description: "Frist API: GET /tasks/{taskId}/attachments/{n} (an attachment, to signed-in staff)",
        // The task page's reads (the task and its referral), and the attachment itself from S3.
        uses: {
          table: { get: ["referral"], indexes: { byTaskId: true } },
          clinicConfig: true,
          signIn: "route",
          attachments: ["read"],
        },
      }),
      submitDecision: fn("SubmitDecisionFunction", {
        entry: "functions/handlers/submit-decision.ts",
        description: "Frist API: POST /tasks/{taskId}/decision",
        // Answers the task and files its pending decision (dropped again when the workflow was busy);
        // an information request sends the forespørsel letter (its claim given back when SES refused
        // it). SendTaskSuccess resumes the wait; CLINIC_CONFIG counts the working days left and heads
        // the letter.
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["referral"],
            update: ["referral"],
            delete: ["referral"],
            indexes: { byTaskId: true },
          },
          clinicConfig: true,
          publicBaseUrl: true,
          signIn: "route",
          mailer: true,
          workflow: ["resume"],
        },
      }),
      changePriority: fn("ChangePriorityFunction", {
        entry: "functions/handlers/change-priority.ts",
        description: "Frist API: POST /tasks/{taskId}/priority (staff change the priority, with a reason)",
        // SendTaskFailure ends the wait to retime it; CLINIC_CONFIG holds the legal-clock rules the
        // page's internal target is counted by.
        uses: {
          table: { get: ["referral"], put: ["referral"], update: ["referral"], indexes: { byTaskId: true } },
          clinicConfig: true,
          signIn: "route",
          workflow: ["retime"],
        },
      }),
      confirmSecondary: fn("ConfirmSecondaryFunction", {
        entry: "functions/handlers/confirm-secondary.ts",
        description:
          "Frist API: POST /tasks/{taskId}/secondary (staff confirm a secondary referral's condition, or not)",
        // SendTaskSuccess resumes the confirmation wait; the answer is appended as an event.
        uses: {
          table: { get: ["referral"], put: ["referral"], indexes: { byTaskId: true } },
          clinicConfig: true,
          signIn: "route",
          workflow: ["resume"],
        },
      }),
      listLetters: fn("ListLettersFunction", {
        entry: "functions/handlers/list-letters.ts",
        description:
          "Frist API: GET /letters?status=awaiting-postal (the clerk's letters to post; page or JSON)",
        uses: { table: { indexes: { worklist: ["postal"] } }, signIn: "route" },
      }),
      markLetterPosted: fn("MarkLetterPostedFunction", {
        entry: "functions/handlers/mark-letter-posted.ts",
        description: "Frist API: POST /letters/{letterId}/sent (a clerk posted a letter)",
        uses: {
          table: { get: ["referral"], put: ["referral"], update: ["referral", "statistics"] },
          signIn: "route",
        },
      }),
      postalLetter: fn("PostalLetterFunction", {
        entry: "functions/handlers/postal-letter.ts",
        description:
          "Frist API: GET /letters/{letterId}/print (a postal letter to print; each view access-logged)",
        uses: { table: { query: ["referral"] }, signIn: "route" },
      }),
      openApi: fn("OpenApiFunction", {
        entry: "functions/handlers/openapi.ts",
        description: "Frist API: GET /openapi.json",
      }),
      agendaPage: fn("AgendaPageFunction", {
        entry: "functions/handlers/agenda-page.ts",
        description: "Frist API: GET /agendas/{agendaId} (an intake meeting's agenda; changes nothing)",
        // CLINIC_CONFIG carries the clinic's calendar rules, which count the working days left.
        uses: {
          table: { get: ["agenda", "meeting"], query: ["meeting", "referral"], batchGet: ["referral"] },
          clinicConfig: true,
          signIn: "route",
        },
      }),
      auth: fn("AuthFunction", {
        entry: "functions/handlers/auth.ts",
        description: "Frist API: /auth/login, /auth/callback, /auth/session, /auth/logout (sign-in)",
        uses: { signIn: "flow" },
      }),
      accessLog: fn("AccessLogFunction", {
        entry: "functions/handlers/access-log.ts",
        description: "Frist API: GET /access-log/{referralId} (the lead reads who opened a referral)",
        uses: { table: { query: ["access"] }, signIn: "route" },
      }),
      letterPage: fn("LetterPageFunction", {
        entry: "functions/handlers/letter-page.ts",
        description:
          "Frist API: GET /inbox/{letterLink} (a letter, for its recipient signed in as patient or health personnel)",
        uses: { table: { query: ["referral"] }, publicBaseUrl: true, signIn: "route" },
      }),
      statistics: fn("StatisticsFunction", {
        entry: "functions/handlers/get-statistics.ts",
        description: "Frist API: GET /statistics (monthly counters, JSON or CSV; changes nothing)",
        uses: { table: { batchGet: ["statistics"] }, signIn: "route" },
      }),
      recordStartOfCare: fn("RecordStartOfCareFunction", {
        entry: "functions/handlers/record-start-of-care.ts",
        description:
          "Frist API: POST /referrals/{referralId}/start-of-care (staff session; planned or actual start, an expected or confirmed breach)",
        // An expected or confirmed breach files the Helfo notice with the referral's flag and counts
        // it; CLINIC_CONFIG names the clinic on the notice.
        uses: {
          table: {
            get: ["referral"],
            query: ["referral"],
            put: ["helfo", "referral"],
            update: ["referral", "statistics"],
          },
          clinicConfig: true,
          signIn: "route",
        },
      }),
      staffReferralPage: fn("StaffReferralPageFunction", {
        entry: "functions/handlers/staff-referral-page.ts",
        description:
          "Frist API: GET /staff/referrals/{referralId} (a referral for staff; each read access-logged)",
        uses: { table: { query: ["referral"] }, signIn: "route" },
      }),
      staffHome: fn("StaffHomeFunction", {
        entry: "functions/handlers/staff-home.ts",
        description:
          "Frist API: GET /staff (the signed-in staff home by role: open referrals, meetings, starts of care, information requests, letters, Helfo notices; no patient data)",
        // Index queries only: referrals by status, meetings by start, starts of care to confirm,
        // information requests awaiting an answer, letters to post, and the Helfo partition (counted,
        // not shown), and for operations the reconciler's last run. CLINIC_CONFIG counts the working days left and the start-of-care window.
        uses: {
          table: {
            // The reconciler's last run, for operations.
            get: ["recovery"],
            query: ["helfo"],
            indexes: { worklist: ["statuses", "meetings", "postal", "startsOfCare", "informationRequests"] },
          },
          clinicConfig: true,
          signIn: "route",
          // Operations' home lists the stack's alarms.
          alarms: true,
        },
      }),
      staffSearch: fn("StaffSearchFunction", {
        entry: "functions/handlers/staff-search.ts",
        description:
          "Frist API: POST /staff/search (staff find a referral by reference or national ID; each search access-logged)",
        // The patient index (keys only) finds the ids; each referral is read by its key.
        uses: { table: { get: ["referral"], indexes: { byPatient: true } }, signIn: "route" },
      }),
      helfoNotifications: fn("HelfoNotificationsFunction", {
        entry: "functions/handlers/helfo-notifications.ts",
        description:
          "Frist API: GET /helfo-notifications (fristbrudd to report; a clerk's or lead's page, JSON or CSV; each read access-logged)",
        uses: { table: { query: ["helfo"] }, signIn: "route" },
      }),
      helfoReported: fn("HelfoReportedFunction", {
        entry: "functions/handlers/helfo-reported.ts",
        description:
          "Frist API: POST /helfo-notifications/{referralId}/reported (a clerk or the lead marks it reported; the patient's letter goes out)",
        // The mark is counted; then the patient's (and a minor's parents') letter is claimed, sent
        // and recorded like every letter (its claim given back when SES refused it).
        uses: {
          table: {
            get: ["referral"],
            query: ["helfo", "referral"],
            put: ["referral"],
            update: ["helfo", "referral", "statistics"],
            delete: ["referral"],
          },
          clinicConfig: true,
          publicBaseUrl: true,
          mailer: true,
          signIn: "route",
        },
      }),
    };

    const integrate = (fn: FristFunction) => new LambdaIntegration(fn, { allowTestInvoke: false });
    const open = { authorizationType: AuthorizationType.NONE };

    // Portal routes: IAM auth, inherited from the /referrals resource.
    this.referrals.addMethod("POST", integrate(fns.receiveReferral));
    this.referrals.addMethod("GET", integrate(fns.listReferrals));
    const referral = this.referrals.addResource("{referralId}");
    referral.addMethod("GET", integrate(fns.getReferral));
    // Record systems deliver Henvisning messages with the portals' IAM auth (HelseID later).
    this.api.root
      .addResource("messages", { defaultMethodOptions: { authorizationType: AuthorizationType.IAM } })
      .addMethod("POST", integrate(fns.receiveMessage));
    // Staff record when care starts: a staff session (the function checks it and the role), not IAM,
    // so no portal's credentials can record a start; the method overrides the resource's IAM default.
    const startOfCare = referral
      .addResource("start-of-care")
      .addMethod("POST", integrate(fns.recordStartOfCare), open);
    // The Helfo notifications identify patients: a signed-in clerk or lead reads them, each read
    // access-logged, and the lead marks one reported; a staff session (the function checks it and
    // the role), not IAM, so no portal's credentials read them.
    const helfo = this.api.root.addResource("helfo-notifications");
    const helfoList = helfo.addMethod("GET", integrate(fns.helfoNotifications), open);
    const helfoReported = helfo
      .addResource("{referralId}")
      .addResource("reported")
      .addMethod("POST", integrate(fns.helfoReported), open);

    // The postal queue: a clerk's pages (and JSON for the clerk's scripts) behind a staff session,
    // checked by the functions with the role; no IAM, so a clerk needs no AWS credentials.
    const letters = this.api.root.addResource("letters");
    const letter = letters.addResource("{letterId}");
    const postalMethods = [
      letters.addMethod("GET", integrate(fns.listLetters), open),
      letter.addResource("print").addMethod("GET", integrate(fns.postalLetter), open),
      letter.addResource("sent").addMethod("POST", integrate(fns.markLetterPosted), open),
    ];

    // Staff routes: the emailed link names the task (an opaque id), the session says who opens it.
    const task = this.api.root.addResource("tasks").addResource("{taskId}");
    const openMethods = [
      task.addMethod("GET", integrate(fns.taskPage), open),
      task
        .addResource("attachments")
        .addResource("{n}")
        .addMethod("GET", integrate(fns.taskAttachment), open),
      task.addResource("decision").addMethod("POST", integrate(fns.submitDecision), open),
      task.addResource("priority").addMethod("POST", integrate(fns.changePriority), open),
      task.addResource("secondary").addMethod("POST", integrate(fns.confirmSecondary), open),
      this.api.root.addResource("openapi.json").addMethod("GET", integrate(fns.openApi), open),
      this.api.root
        .addResource("agendas")
        .addResource("{agendaId}")
        .addMethod("GET", integrate(fns.agendaPage), open),
    ];
    const staff = this.api.root.addResource("staff");
    // Sign-in and the lead's access log: no IAM auth, the session is checked by the function.
    const auth = this.api.root.addResource("auth");
    openMethods.push(
      auth.addResource("login").addMethod("GET", integrate(fns.auth), open),
      auth.addResource("callback").addMethod("GET", integrate(fns.auth), open),
      auth.addResource("session").addMethod("GET", integrate(fns.auth), open),
      auth.addResource("logout").addMethod("POST", integrate(fns.auth), open),
      this.api.root
        .addResource("access-log")
        .addResource("{referralId}")
        .addMethod("GET", integrate(fns.accessLog), open),
      // Statistics for signed-in operations staff and the lead (the function checks the role).
      this.api.root.addResource("statistics").addMethod("GET", integrate(fns.statistics), open),
      startOfCare,
      helfoList,
      helfoReported,
      ...postalMethods,
      // The staff home, for every signed-in role (the function picks the sections by role).
      staff.addMethod("GET", integrate(fns.staffHome), open),
      // Finding a referral again: a form post, so the national ID searched is in no URL.
      staff.addResource("search").addMethod("POST", integrate(fns.staffSearch), open),
      // A referral for signed-in assessors and the lead (GET /referrals/{id} stays the portals').
      staff
        .addResource("referrals")
        .addResource("{referralId}")
        .addMethod("GET", integrate(fns.staffReferralPage), open),
      // A letter for its recipient, from the notice email: the function requires sign-in as the
      // patient (ID-porten) or the health personnel (HelseID) the letter is addressed to.
      this.api.root
        .addResource("inbox")
        .addResource("{letterLink}")
        .addMethod("GET", integrate(fns.letterPage), open),
    );
    for (const method of openMethods) {
      Validations.of(method).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "Staff pages and sign-in: the function requires a signed-in session (OpenID Connect via the Cognito user pool, MFA) with the right role, answering 303 to sign-in or 401 otherwise; API Gateway has no authorizer for a browser's session cookie. /inbox/{letterLink} likewise requires sign-in as the letter's own recipient (ID-porten or HelseID). /openapi.json publishes the contract and holds no data.",
      });
    }

    this.routed = fns;
    return fns;
  }

  private acknowledgeNagFindings(): void {
    const reasons: Record<string, string> = {
      "AwsSolutions-APIG2":
        "Requests are validated by the handlers against the zod schemas of api.md, which answer in the contract's error shape (400 with issue paths, 413, 415) and behave identically on the local runtime; an API Gateway validator would answer differently.",
      "AwsSolutions-COG4":
        "Portal routes use IAM (SigV4) auth: the callers are referral portals, i.e. systems with AWS credentials, not users in a Cognito pool. Task routes are capability links (see APIG4).",
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]":
        "The account-level API Gateway logging role uses AWS's managed policy for exactly that purpose (create and write CloudWatch log groups for API Gateway).",
    };
    for (const [id, reason] of Object.entries(reasons)) Validations.of(this).acknowledge({ id, reason });
    const stage: Record<string, string> = {
      "HIPAA.Security-APIGWCacheEnabledAndEncrypted":
        "No API cache at all: every answer is per caller (a portal's own referrals, a signed-in person's page) and may hold health data; a cache would serve one caller's answer to another and keep health data outside the table.",
      "HIPAA.Security-APIGWSSLEnabled":
        "The rule asks for a client certificate towards an HTTP backend; every integration here is a Lambda proxy integration, which API Gateway invokes through the Lambda API, not over HTTP.",
      "HIPAA.Security-APIGWXrayEnabled":
        "Off on purpose: API Gateway's X-Ray segment records the full request URL, and task and agenda links carry their secret id in the path. The functions behind it are traced (FristFunction), without URLs, responses or error messages.",
    };
    for (const [id, reason] of Object.entries(stage)) {
      Validations.of(this.api.deploymentStage).acknowledge({ id, reason });
    }
  }
}
