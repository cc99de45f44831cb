/**
 * API Gateway emulation: a fastify server that serves the synthesized REST API's routes by invoking
 * the same handler modules with API Gateway REST proxy events (APIGatewayProxyEvent) and mapping their
 * results back, with API Gateway's answers where it answers itself: 403 "Missing Authentication Token"
 * for an unknown route or method, 413 over the 10 MB payload limit, 502 when the function fails or
 * returns something that is not a proxy result.
 *
 * Routes with AWS_IAM authorization (the portals' `/referrals`) verify SigV4 signatures made with
 * the local portals' credentials (lib/local/emulators/portal-signing.ts) and set `requestContext.identity` as
 * API Gateway does for an IAM user; an unsigned request there is the one default portal.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from "aws-lambda";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { loopbackListenAddress } from "../ports";
import type { ApiRoute } from "../template";
import {
  type AuthFailure,
  authenticatePortal,
  DEFAULT_LOCAL_PORTALS,
  LOCAL_ACCOUNT_ID,
  type LocalPortal,
} from "./portal-signing";

/** API Gateway's hard payload limit. */
export const API_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

/** A route matched to a request path. */
export interface RouteMatch {
  route: ApiRoute;
  pathParameters: Record<string, string> | null;
}

interface Candidate {
  template: string;
  params: Record<string, string>;
  score: number[];
}

function matchTemplate(template: string, segments: string[]): Candidate | undefined {
  const parts = template.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  const score: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      if (i >= segments.length) return undefined;
      params[greedy[1] as string] = segments.slice(i).join("/");
      score.push(0);
      return { template, params, score };
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const variable = /^\{(.+)\}$/.exec(part);
    if (variable) {
      if (segment === "") return undefined;
      params[variable[1] as string] = segment;
      score.push(1);
    } else if (part === segment) {
      score.push(2);
    } else {
      return undefined;
    }
  }
  return parts.length === segments.length ? { template, params, score } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (b[i] ?? -1) - (a[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The route for a method and path, as API Gateway picks it: the most specific resource (literal
 * segments before `{param}`, before `{proxy+}`), then the method on it (or ANY). Undefined when no
 * resource or no method matches (API Gateway answers 403 to both).
 */
export function matchRoute(routes: ApiRoute[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split("/").filter(Boolean).map(decode);
  const templates = [...new Set(routes.map((route) => route.path))];
  const candidates = templates
    .map((template) => matchTemplate(template, segments))
    .filter((candidate): candidate is Candidate => candidate !== undefined)
    .sort((a, b) => compareScores(a.score, b.score));
  const best = candidates[0];
  if (!best) return undefined;
  const upper = method.toUpperCase();
  const route =
    routes.find((r) => r.path === best.template && r.method === upper) ??
    routes.find((r) => r.path === best.template && r.method === "ANY");
  if (!route) return undefined;
  return { route, pathParameters: Object.keys(best.params).length > 0 ? best.params : null };
}

function requestTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** What {@link buildProxyEvent} needs from the HTTP request. */
export interface ProxyRequest {
  method: string;
  /** Path and query string as received, e.g. "/referrals?x=1". */
  url: string;
  /** Header name/value pairs as received (names keep their case), like Node's rawHeaders. */
  rawHeaders: string[];
  body: string | null;
  sourceIp: string;
}

/**
 * The body as API Gateway passes it: base64-encoded when the request's Content-Type matches one of
 * the API's binary media types ("type/subtype", "type/*" or "*\/*"), else as text.
 */
function proxyBody(
  body: string | null,
  headers: Record<string, string>,
  binaryMediaTypes: readonly string[],
): { body: string | null; isBase64Encoded: boolean } {
  if (body === null || body === "") return { body, isBase64Encoded: false };
  const contentType =
    Object.entries(headers)
      .find(([name]) => name.toLowerCase() === "content-type")?.[1]
      ?.split(";")[0]
      ?.trim()
      .toLowerCase() ?? "";
  const [type, subtype] = contentType.split("/");
  const binary = binaryMediaTypes.some((pattern) => {
    const [patternType, patternSubtype] = pattern.toLowerCase().split("/");
    return (
      (patternType === "*" || patternType === type) && (patternSubtype === "*" || patternSubtype === subtype)
    );
  });
  return binary
    ? { body: Buffer.from(body, "utf8").toString("base64"), isBase64Encoded: true }
    : { body, isBase64Encoded: false };
}

/** Builds the REST API (v1) proxy event API Gateway would send for this request and route. */
export function buildProxyEvent(
  request: ProxyRequest,
  match: RouteMatch,
  options: { stage: string; now?: Date; identity?: Partial<APIGatewayEventIdentity> },
): APIGatewayProxyEvent {
  const now = options.now ?? new Date();
  const queryStart = request.url.indexOf("?");
  const path = decode(queryStart >= 0 ? request.url.slice(0, queryStart) : request.url);
  const query = new URLSearchParams(queryStart >= 0 ? request.url.slice(queryStart + 1) : "");
  // Names come from the client: collect them in Maps and turn those into plain objects with
  // Object.fromEntries, which defines own properties, so "__proto__", "constructor" or "toString"
  // are data like any other name (as API Gateway passes them) and never reach the prototype.
  const queryValues = new Map<string, string[]>();
  for (const [name, value] of query) queryValues.set(name, [...(queryValues.get(name) ?? []), value]);
  const queryStringParameters: Record<string, string> = Object.fromEntries(
    [...queryValues].map(([name, values]) => [name, values.at(-1) as string]),
  );
  const multiValueQueryStringParameters: Record<string, string[]> = Object.fromEntries(queryValues);
  const headerValues = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    headerValues.set(name, [...(headerValues.get(name) ?? []), request.rawHeaders[i + 1] as string]);
  }
  const headers: Record<string, string> = Object.fromEntries(
    [...headerValues].map(([name, values]) => [name, values.at(-1) as string]),
  );
  const multiValueHeaders: Record<string, string[]> = Object.fromEntries(headerValues);
  const hasHeader = (name: string): boolean => Object.keys(headers).some((h) => h.toLowerCase() === name);
  const host = Object.entries(headers).find(([name]) => name.toLowerCase() === "host")?.[1] ?? "localhost";
  const forwarded: [string, string][] = [
    ["X-Forwarded-For", request.sourceIp],
    ["X-Forwarded-Proto", "http"],
    ["X-Forwarded-Port", host.includes(":") ? (host.split(":").pop() as string) : "80"],
  ];
  for (const [name, value] of forwarded) {
    if (hasHeader(name.toLowerCase())) continue;
    headers[name] = value;
    multiValueHeaders[name] = [value];
  }
  const requestId = randomUUID();
  const hasQuery = Object.keys(queryStringParameters).length > 0;
  return {
    resource: match.route.path,
    path,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? queryStringParameters : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: match.pathParameters,
    stageVariables: null,
    ...proxyBody(request.body, headers, match.route.binaryMediaTypes ?? []),
    requestContext: {
      accountId: "000000000000",
      apiId: match.route.restApiLogicalId || "local",
      authorizer: null,
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      extendedRequestId: requestId,
      httpMethod: request.method.toUpperCase(),
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null,
        userArn: null,
        ...options.identity,
      },
      path: `/${options.stage}${path}`,
      protocol: "HTTP/1.1",
      requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: match.route.path,
      resourcePath: match.route.path,
      stage: options.stage,
    },
  };
}

/** An HTTP response derived from a proxy result. */
export interface ProxyResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

/** The answer API Gateway gives when the function fails or returns a malformed result. */
export const BAD_GATEWAY: ProxyResponse = {
  statusCode: 502,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ message: "Internal server error" }),
};

/**
 * Maps a Lambda proxy result back to HTTP like API Gateway: statusCode, headers and multiValueHeaders
 * merged, base64 bodies decoded, application/json when the function sets no content type; anything
 * that is not a proxy result becomes 502.
 */
export function toProxyResponse(result: unknown): ProxyResponse {
  if (typeof result !== "object" || result === null) return BAD_GATEWAY;
  const record = result as Record<string, unknown>;
  const statusCode = Number(record.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return BAD_GATEWAY;
  const headers: Record<string, string | string[]> = {};
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries((record.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(value)) merged.set(name.toLowerCase(), value.map(String));
  }
  for (const [name, value] of Object.entries((record.headers ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null) merged.set(name.toLowerCase(), [String(value)]);
  }
  for (const [name, values] of merged) headers[name] = values.length === 1 ? (values[0] as string) : values;
  if (!("content-type" in headers)) headers["content-type"] = "application/json";
  const rawBody = record.body === undefined || record.body === null ? "" : String(record.body);
  const body = record.isBase64Encoded === true ? Buffer.from(rawBody, "base64") : rawBody;
  return { statusCode, headers, body };
}

/** Options of {@link startApiLocal}. */
export interface ApiLocalOptions {
  routes: ApiRoute[];
  /** Invokes the function with the proxy event; throws what the handler throws. */
  invoke: (functionLogicalId: string, event: APIGatewayProxyEvent) => Promise<unknown>;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** The host name of its URLs; default "localhost". It listens on 127.0.0.1 (loopback only). */
  host?: string;
  /** The stage name in requestContext; default "prod". */
  stage?: string;
  log?: (line: string) => void;
  /** Where an error the function threw is reported (the function's log on AWS); default console.error. */
  logError?: (functionLogicalId: string, error: unknown) => void;
  /** The request time in the events (requestTimeEpoch); the local stack passes its simulated clock. */
  now?: () => Date;
  /** Who may sign requests to AWS_IAM routes; default DEFAULT_LOCAL_PORTALS. */
  portals?: readonly LocalPortal[];
  /**
   * Whether the signed-in portal (its IAM ARN) may `execute-api:Invoke` the method ARN
   * (`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`), as IAM decides on AWS;
   * default: every verified portal may invoke every IAM route.
   */
  authorizeInvoke?: (portalArn: string, methodArn: string) => boolean;
  /** The region signatures are scoped to; default "eu-north-1". */
  region?: string;
  /**
   * Local-only paths (not in the template, under `/_local/`) that answer `GET` with 303 to another local
   * server's page: sign-in returns only to a path of the API, so the operations page, served by the local
   * Step Functions endpoint, is returned to through one of these.
   */
  localRedirects?: Readonly<Record<`/_local/${string}`, string>>;
}

/** A running API emulation. */
export interface ApiLocal {
  /** Base URL of the API, e.g. http://localhost:3000 (no stage prefix locally). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const MISSING_TOKEN = JSON.stringify({ message: "Missing Authentication Token" });

/** Starts the API emulation. */
export async function startApiLocal(options: ApiLocalOptions): Promise<ApiLocal> {
  const stage = options.stage ?? "prod";
  /** IAM's answer when the verified portal's policy does not allow invoking this method. */
  const invokeRefusal = (
    portalArn: string | null | undefined,
    route: ApiRoute,
    method: string,
    path: string,
  ): AuthFailure | undefined => {
    if (!options.authorizeInvoke || !portalArn) return undefined;
    const methodArn = `arn:aws:execute-api:${options.region ?? "eu-north-1"}:${LOCAL_ACCOUNT_ID}:${route.restApiLogicalId}/${stage}/${method}${path}`;
    if (options.authorizeInvoke(portalArn, methodArn)) return undefined;
    return {
      statusCode: 403,
      errorType: "AccessDeniedException",
      message: `User: ${portalArn} is not authorized to perform: execute-api:Invoke on resource: ${methodArn}`,
    };
  };
  const server = Fastify({ logger: false, bodyLimit: API_PAYLOAD_LIMIT_BYTES });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  // API Gateway hands the body and the Content-Type header to the function whatever the header says
  // ("application/json, text/plain", "", nonsense): the function answers 415 if it minds. Fastify
  // would refuse a media type it cannot parse before any parser runs, so it sees a neutral one; the
  // event is built from the raw headers, which keep the client's value.
  server.addHook("onRequest", async (request) => {
    request.headers["content-type"] = "application/octet-stream";
  });

  server.setErrorHandler(async (error: { statusCode?: number; code?: string }, _request, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE" || error.statusCode === 413) {
      return reply
        .code(413)
        .header("x-amzn-ErrorType", "RequestEntityTooLargeException")
        .type("application/json")
        .send(JSON.stringify({ message: "Request Too Long" }));
    }
    return reply.code(BAD_GATEWAY.statusCode).type("application/json").send(BAD_GATEWAY.body);
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const started = Date.now();
    const url = request.raw.url ?? request.url;
    const pathOnly = url.split("?")[0] ?? "/";
    const match = matchRoute(options.routes, request.method, pathOnly);
    let response: ProxyResponse;
    const redirect =
      request.method === "GET" ? options.localRedirects?.[pathOnly as `/_local/${string}`] : undefined;
    if (!match && redirect) {
      response = { statusCode: 303, headers: { location: redirect, "cache-control": "no-store" }, body: "" };
    } else if (!match) {
      response = {
        statusCode: 403,
        headers: {
          "content-type": "application/json",
          "x-amzn-errortype": "MissingAuthenticationTokenException",
        },
        body: MISSING_TOKEN,
      };
    } else {
      const body = typeof request.body === "string" ? request.body : null;
      const auth =
        match.route.authorizationType === "AWS_IAM"
          ? await authenticatePortal(
              { method: request.method, url, rawHeaders: request.raw.rawHeaders, body: body ?? "" },
              options.portals ?? DEFAULT_LOCAL_PORTALS,
              options.region ?? "eu-north-1",
            )
          : undefined;
      const refusal =
        auth && !auth.ok
          ? auth.failure
          : auth?.ok
            ? invokeRefusal(auth.identity.userArn, match.route, request.method, pathOnly)
            : undefined;
      if (refusal) {
        options.log?.(`${request.method} ${pathOnly} 403 ${refusal.errorType}`);
        return reply
          .code(refusal.statusCode)
          .header("x-amzn-ErrorType", refusal.errorType)
          .type("application/json")
          .send(JSON.stringify({ message: refusal.message }));
      }
      if (auth && !auth.ok) {
        options.log?.(`${request.method} ${pathOnly} 403 ${auth.failure.errorType}`);
        return reply
          .code(auth.failure.statusCode)
          .header("x-amzn-ErrorType", auth.failure.errorType)
          .type("application/json")
          .send(JSON.stringify({ message: auth.failure.message }));
      }
      const event = buildProxyEvent(
        {
          method: request.method,
          url,
          rawHeaders: request.raw.rawHeaders,
          body: body === "" && request.method === "GET" ? null : body,
          sourceIp: request.ip,
        },
        match,
        {
          stage,
          ...(options.now ? { now: options.now() } : {}),
          ...(auth?.ok ? { identity: auth.identity } : {}),
        },
      );
      try {
        response = toProxyResponse(await options.invoke(match.route.functionLogicalId, event));
      } catch (error) {
        // Lambda's runtime logs an unhandled error to the function's log; do the same here.
        (options.logError ?? ((fn, e) => console.error(`${fn} failed:`, e)))(
          match.route.functionLogicalId,
          error,
        );
        response = BAD_GATEWAY;
      }
      reply.header("x-amzn-RequestId", event.requestContext.requestId);
    }
    options.log?.(`${request.method} ${pathOnly} ${response.statusCode} ${Date.now() - started} ms`);
    return reply.code(response.statusCode).headers(response.headers).send(response.body);
  };

  server.route({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    url: "/*",
    handler: handle,
  });

  const host = options.host ?? "localhost";
  await server.listen({ host: loopbackListenAddress(host), port: options.port ?? 3000 });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 3000);
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    stop() {
      stopped ??= server.close();
      return stopped;
    },
  };
}
