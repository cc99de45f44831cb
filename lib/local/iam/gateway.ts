/**
 * IAM on the local runtime: an HTTP gateway per AWS service in front of DynamoDB Local, the SES
 * emulator, the local Step Functions endpoint, the Secrets Manager and the CloudWatch stand-ins. Each function signs with its own local access key
 * (see {@link localAccessKeyId}); the gateway finds the caller by that key, works out what IAM would
 * check for the call (./requests.ts), evaluates it against the function's policies from the
 * synthesized template (./policies.ts), and either forwards the request untouched or answers
 * with the error AWS gives. A missing grant then fails locally as it would on AWS.
 *
 * Wiring: give each function's SDK clients `AWS_ENDPOINT_URL_<SERVICE>` = `endpoints.<service>` and
 * the credentials `{ accessKeyId: policies[logicalId].accessKeyId, secretAccessKey: anything }`.
 *
 * The gateway identifies callers, it does not authenticate them (signatures are not checked): it
 * listens on loopback only. Refusals name the action and resource only, never request content.
 */
import { randomUUID } from "node:crypto";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { listenOnFreePort } from "../ports";
import { type CfnTemplate, LOCAL_ACCOUNT_ID, readStateMachines } from "../template";
import { createIamEvaluator, type FunctionPolicy, readFunctionPolicies } from "./policies";
import {
  cloudWatchChecks,
  dynamoDbChecks,
  type IamCheck,
  readTableKeys,
  s3Checks,
  secretsManagerChecks,
  sesQueryChecks,
  sesV2Checks,
  stepFunctionsChecks,
  type TableKeys,
} from "./requests";

export {
  createIamEvaluator,
  type FunctionPolicy,
  localAccessKeyId,
  readFunctionPolicies,
  readPortalPrincipal,
} from "./policies";
export { readTableKeys, type TableKeys } from "./requests";

/** Attempts of one forwarded call while the connection it was written to turns out closed. */
const STALE_CONNECTION_ATTEMPTS = 3;

/** A kept-alive connection the upstream had closed: the call never reached it, so it is safe to resend. */
function isStaleConnection(outgoing: { reusedSocket: boolean }, error: NodeJS.ErrnoException): boolean {
  return outgoing.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
}

/** The services the gateway stands in front of. */
export type IamService = "dynamodb" | "ses" | "sfn" | "secretsmanager" | "s3" | "cloudwatch";

/** A call the gateway refused. */
export interface Refusal {
  functionLogicalId: string;
  action: string;
  resource: string;
}

/** Options of {@link startIamGateway}. */
export interface IamGatewayOptions<S extends IamService> {
  /** Base URL of each upstream (e.g. DynamoDB Local's endpoint); one gateway port per service given. */
  upstreams: Record<S, string>;
  /** The synthesized template: the default for `principals`, `tableKeys` and `taskTokenStateMachine`. */
  template?: CfnTemplate;
  /** Who may call, by function logical id (see readFunctionPolicies); default: the template's functions. */
  principals?: Record<string, FunctionPolicy>;
  region: string;
  accountId?: string;
  /** Partition keys of the tables, for `dynamodb:LeadingKeys`; default: read from the template. */
  tableKeys?: Record<string, TableKeys>;
  /**
   * The state machine ARN a task token belongs to (task responses are authorized against it); default:
   * the template's one state machine.
   */
  taskTokenStateMachine?: (token: string) => string | undefined;
  /** Ports to try first (a restarted stack keeps its endpoints); default: any free one. */
  ports?: Partial<Record<S, number>>;
  /** Told of each refusal as it happens (the local stack logs it). */
  onRefusal?: (refusal: Refusal) => void;
}

/** A running gateway. */
export interface IamGateway<S extends IamService> {
  /** What `AWS_ENDPOINT_URL_<SERVICE>` of the functions is set to. */
  endpoints: Record<S, string>;
  /** Every refusal so far, oldest first. */
  refusals(): Refusal[];
  /** Decisions asked for and evaluations computed (the rest came from the cache). */
  stats(): { decisions: number; evaluations: number };
  stop(): Promise<void>;
}

/** How one service frames its calls and its refusals. */
interface ServiceProtocol {
  /** The checks of an API call, or undefined when the request is not one (answered 404). */
  checks(request: IncomingMessage, body: Buffer): IamCheck[] | undefined;
  /** The answer to a refused call: `message` is AWS's; `unknownKey` when the caller is not known. */
  refusal(message: string, unknownKey: boolean, request: IncomingMessage): RefusalAnswer;
  /** The headers forwarded upstream (default: the request's, unchanged). */
  upstreamHeaders?(headers: IncomingMessage["headers"]): IncomingMessage["headers"];
}

interface RefusalAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const UNKNOWN_TOKEN = "The security token included in the request is invalid.";

function jsonBody(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8") || "{}");
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The operation of a JSON 1.0 call (`X-Amz-Target: <prefix>.<Operation>`), if it is one. */
function jsonTarget(request: IncomingMessage, prefix: string): string | undefined {
  const target = String(request.headers["x-amz-target"] ?? "");
  return request.method === "POST" && target.startsWith(`${prefix}.`)
    ? target.slice(prefix.length + 1)
    : undefined;
}

function jsonRefusal(type: string, message: string): RefusalAnswer {
  return {
    status: 400,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": randomUUID(),
      "x-amzn-errortype": type.slice(type.indexOf("#") + 1),
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function protocols(options: {
  region: string;
  accountId: string;
  tableKeys: Record<string, TableKeys>;
  taskTokenStateMachine: (token: string) => string | undefined;
}): Record<IamService, ServiceProtocol> {
  const scope = { region: options.region, accountId: options.accountId };
  return {
    dynamodb: {
      checks(request, body) {
        const operation = jsonTarget(request, "DynamoDB_20120810");
        return operation === undefined
          ? undefined
          : dynamoDbChecks(operation, jsonBody(body), options.tableKeys, scope);
      },
      refusal: (message, unknownKey) =>
        unknownKey
          ? jsonRefusal("com.amazonaws.dynamodb.v20120810#UnrecognizedClientException", UNKNOWN_TOKEN)
          : jsonRefusal("com.amazonaws.dynamodb.v20120810#AccessDeniedException", message),
    },
    sfn: {
      checks(request, body) {
        const operation = jsonTarget(request, "AWSStepFunctions");
        return operation === undefined
          ? undefined
          : stepFunctionsChecks(operation, jsonBody(body), options.taskTokenStateMachine);
      },
      refusal: (message, unknownKey) =>
        unknownKey
          ? jsonRefusal("UnrecognizedClientException", UNKNOWN_TOKEN)
          : jsonRefusal("AccessDeniedException", message),
    },
    secretsmanager: {
      checks(request, body) {
        const operation = jsonTarget(request, "secretsmanager");
        return operation === undefined ? undefined : secretsManagerChecks(operation, jsonBody(body), scope);
      },
      refusal: (message, unknownKey) => {
        const refusal = unknownKey
          ? jsonRefusal("UnrecognizedClientException", UNKNOWN_TOKEN)
          : jsonRefusal("AccessDeniedException", message);
        return { ...refusal, headers: { ...refusal.headers, "content-type": "application/x-amz-json-1.1" } };
      },
    },
    cloudwatch: {
      checks(request, body) {
        const operation = jsonTarget(request, "GraniteServiceVersion20100801");
        return operation === undefined ? undefined : cloudWatchChecks(operation, jsonBody(body), scope);
      },
      // CloudWatch's JSON protocol is compatible with its query protocol: the SDK names the error by
      // the `x-amzn-query-error` header, as CloudWatch sends it.
      refusal: (message, unknownKey) => {
        const refusal = unknownKey
          ? jsonRefusal("com.amazon.coral.service#UnrecognizedClientException", UNKNOWN_TOKEN)
          : jsonRefusal("com.amazon.coral.service#AccessDeniedException", message);
        const code = unknownKey ? "InvalidClientTokenId" : "AccessDenied";
        return { ...refusal, headers: { ...refusal.headers, "x-amzn-query-error": `${code};Sender` } };
      },
    },
    s3: {
      checks: (request) => s3Checks(request.method ?? "GET", request.url ?? "/"),
      refusal(message, unknownKey): RefusalAnswer {
        const requestId = randomUUID();
        const [code, text] = unknownKey
          ? ["InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."]
          : ["AccessDenied", message];
        return {
          status: 403,
          headers: { "content-type": "application/xml", "x-amz-request-id": requestId },
          body:
            '<?xml version="1.0" encoding="UTF-8"?>' +
            `<Error><Code>${code}</Code><Message>${xmlEscape(text)}</Message><RequestId>${requestId}</RequestId></Error>`,
        };
      },
      // The caller was identified here; the stand-in knows none of the functions' local keys, and
      // takes an unsigned request as it is.
      upstreamHeaders: (headers) => {
        const { authorization: _authorization, ...rest } = headers;
        return rest;
      },
    },
    ses: {
      checks(request, body) {
        if (request.method !== "POST") return undefined;
        const path = (request.url ?? "/").split("?")[0] ?? "/";
        if (path === "/") {
          const form = new URLSearchParams(body.toString("utf8"));
          return form.get("Action") ? sesQueryChecks(form, scope) : undefined;
        }
        if (path === "/v2/email/outbound-emails" || path === "/v2/email/outbound-bulk-emails") {
          return sesV2Checks(path, jsonBody(body), scope);
        }
        return undefined;
      },
      refusal(message, unknownKey, request): RefusalAnswer {
        const requestId = randomUUID();
        if (request.url?.startsWith("/v2/")) {
          const type = unknownKey ? "UnrecognizedClientException" : "AccessDeniedException";
          return {
            status: 403,
            headers: {
              "content-type": "application/json",
              "x-amzn-requestid": requestId,
              "x-amzn-errortype": type,
            },
            body: JSON.stringify({ message: unknownKey ? UNKNOWN_TOKEN : message }),
          };
        }
        const [code, text] = unknownKey ? ["InvalidClientTokenId", UNKNOWN_TOKEN] : ["AccessDenied", message];
        return {
          status: 403,
          headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
          body:
            '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
            `<Code>${code}</Code><Message>${xmlEscape(text)}</Message></Error>` +
            `<RequestId>${requestId}</RequestId></ErrorResponse>`,
        };
      },
    },
  };
}

/** The access key id of a SigV4 `Authorization` header (`Credential=<AKID>/<date>/…`). */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];
}

/** Headers that describe one hop, not the message: Node sets its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);

function send(response: ServerResponse, answer: RefusalAnswer): void {
  response.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

/**
 * Starts one loopback gateway per upstream given. Each API call is evaluated against the caller's
 * policies and forwarded unchanged (body and headers; the answer streamed back with its status and
 * headers; an aborted client aborts the upstream call) or refused as AWS refuses it. Requests that are
 * not API calls of the service (a mailbox page, the operations page) answer 404.
 */
export async function startIamGateway<S extends IamService>(
  options: IamGatewayOptions<S>,
): Promise<IamGateway<S>> {
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const resolverOptions = { region: options.region, accountId };
  const template = options.template;
  const principals =
    options.principals ?? (template ? readFunctionPolicies(template, resolverOptions) : undefined);
  if (!principals) throw new Error("startIamGateway needs principals or a template");
  const byKey = new Map(Object.values(principals).map((principal) => [principal.accessKeyId, principal]));
  let defaultMachine: string | undefined;
  if (!options.taskTokenStateMachine && template) {
    const machines = readStateMachines(template, resolverOptions);
    defaultMachine = machines.length === 1 ? machines[0]?.arn : undefined;
  }
  const service = protocols({
    region: options.region,
    accountId,
    tableKeys: options.tableKeys ?? (template ? readTableKeys(template) : {}),
    taskTokenStateMachine: options.taskTokenStateMachine ?? (() => defaultMachine),
  });
  const evaluator = createIamEvaluator({ region: options.region, accountId });
  const refusals: Refusal[] = [];
  const agent = new Agent({ keepAlive: true });

  /** The first check the principal fails, with the resource named in the refusal. */
  const firstDenied = (principal: FunctionPolicy, checks: IamCheck[]): Refusal | undefined => {
    for (const check of checks) {
      const allowed = check.resources.some((resource) =>
        evaluator.isAllowed(principal, check.action, resource, check.context),
      );
      if (!allowed) {
        return {
          functionLogicalId: principal.functionLogicalId,
          action: check.action,
          resource: check.resources[0] ?? "*",
        };
      }
    }
    return undefined;
  };

  /**
   * Forwards the call upstream on a kept-alive connection. An upstream closes an idle connection when
   * it likes (DynamoDB Local's Jetty, the SES emulator's Node server after 5 s); a call written to it
   * at that moment dies with ECONNRESET before the upstream read a byte. Such a call (on a reused
   * socket, reset, nothing answered) is sent again on another connection, as Node's documentation
   * advises (`request.reusedSocket`); anything else answers 502 as a proxy does.
   */
  const forward = (
    upstream: string,
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
    protocol: ServiceProtocol,
    attempt = 1,
  ): void => {
    const outgoing = httpRequest(new URL(request.url ?? "/", upstream), {
      method: request.method,
      headers: protocol.upstreamHeaders ? protocol.upstreamHeaders(request.headers) : request.headers,
      agent,
    });
    outgoing.on("response", (incoming) => {
      const headers = Object.fromEntries(
        Object.entries(incoming.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
      );
      response.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, headers);
      incoming.pipe(response);
      incoming.on("error", () => response.destroy());
    });
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      if (
        isStaleConnection(outgoing, error) &&
        !response.headersSent &&
        attempt < STALE_CONNECTION_ATTEMPTS
      ) {
        forward(upstream, request, body, response, protocol, attempt + 1);
        return;
      }
      if (!response.headersSent) {
        response.writeHead(502, { "content-type": "text/plain" });
        response.end("upstream unavailable");
      } else response.destroy();
    });
    // The client went away before the whole answer was sent: the upstream call is not wanted any more.
    response.on("close", () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  };

  const handler =
    (name: IamService, upstream: string) =>
    (request: IncomingMessage, response: ServerResponse): void => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("error", () => response.destroy());
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const protocol = service[name];
        const checks = protocol.checks(request, body);
        if (!checks) {
          response.writeHead(404, { "content-type": "text/plain" }).end("not an API call of this service");
          return;
        }
        const principal = byKey.get(accessKeyIdOf(request.headers.authorization) ?? "");
        if (!principal) {
          send(response, protocol.refusal(UNKNOWN_TOKEN, true, request));
          return;
        }
        const denied = firstDenied(principal, checks);
        if (!denied) {
          forward(upstream, request, body, response, protocol);
          return;
        }
        refusals.push(denied);
        options.onRefusal?.(denied);
        const message =
          `User: ${principal.principalArn} is not authorized to perform: ${denied.action} on resource: ` +
          `${denied.resource} because no identity-based policy allows the ${denied.action} action`;
        send(response, protocol.refusal(message, false, request));
      });
    };

  const host = "127.0.0.1";
  const servers: Server[] = [];
  const endpoints = {} as Record<S, string>;
  try {
    for (const [name, upstream] of Object.entries(options.upstreams) as [S, string][]) {
      const server = createServer({ keepAliveTimeout: 0 }, handler(name, upstream));
      servers.push(server);
      const port = await listenOnFreePort(server, host, options.ports?.[name]);
      endpoints[name] = `http://${host}:${port}`;
    }
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoints,
    refusals: () => refusals.map((refusal) => ({ ...refusal })),
    stats: () => evaluator.stats(),
    stop() {
      stopped ??= Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      ).then(() => agent.destroy());
      return stopped;
    },
  };
}
