import { request as httpRequest } from "node:http";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiLocal,
  buildProxyEvent,
  matchRoute,
  startApiLocal,
  toProxyResponse,
} from "../../lib/local/emulators/api-local";
import type { ApiRoute } from "../../lib/local/template";

const route = (
  method: string,
  path: string,
  functionLogicalId: string,
  authorizationType = "NONE",
): ApiRoute => ({
  method,
  path,
  functionLogicalId,
  authorizationType,
  restApiLogicalId: "Api",
});

const routes: ApiRoute[] = [
  route("POST", "/referrals", "Receive", "AWS_IAM"),
  route("GET", "/referrals/{referralId}", "GetReferral", "AWS_IAM"),
  route("GET", "/referrals/worklist", "Worklist"),
  route("GET", "/tasks/{taskId}", "TaskPage"),
  route("POST", "/tasks/{taskId}/decision", "Decide"),
  route("ANY", "/files/{proxy+}", "Files"),
  route("GET", "/broken", "Broken"),
];

describe("matching requests to API Gateway routes", () => {
  it("prefers a literal segment over a path parameter, as API Gateway does", () => {
    expect(matchRoute(routes, "GET", "/referrals/worklist")?.route.functionLogicalId).toBe("Worklist");
    expect(matchRoute(routes, "GET", "/referrals/r-1")).toMatchObject({
      route: { functionLogicalId: "GetReferral" },
      pathParameters: { referralId: "r-1" },
    });
  });

  it("matches greedy proxy paths and ANY methods", () => {
    expect(matchRoute(routes, "DELETE", "/files/a/b.txt")).toMatchObject({
      route: { functionLogicalId: "Files" },
      pathParameters: { proxy: "a/b.txt" },
    });
  });

  it("finds nothing for an unknown path or a method the resource lacks", () => {
    expect(matchRoute(routes, "GET", "/nowhere")).toBeUndefined();
    expect(matchRoute(routes, "DELETE", "/referrals")).toBeUndefined();
    expect(matchRoute(routes, "GET", "/tasks/t1/decision")).toBeUndefined();
  });
});

describe("the proxy event and result", () => {
  it("passes a body base64-encoded when its Content-Type is one of the API's binary media types, as API Gateway does", () => {
    // Prepare: the stack's API takes every type as binary (attachments download as files)
    const post = (binaryMediaTypes: string[] | undefined, contentType: string, body = "outcome=granted") => {
      const match = {
        route: { ...route("POST", "/tasks/{taskId}/decision", "Decide"), binaryMediaTypes },
        pathParameters: { taskId: "t" },
      };
      return buildProxyEvent(
        {
          method: "POST",
          url: "/tasks/t/decision",
          rawHeaders: ["Content-Type", contentType],
          body,
          sourceIp: "127.0.0.1",
        },
        match,
        { stage: "prod" },
      );
    };

    // Act
    const everything = post(
      ["*/*"],
      "application/x-www-form-urlencoded; charset=utf-8",
      "utfall=innvilget&navn=Åse",
    );
    const images = post(["image/*"], "application/json");
    const png = post(["image/*"], "image/png", "x");
    const none = post(undefined, "application/json");
    const empty = post(["*/*"], "application/json", "");

    // Assess
    expect(everything).toMatchObject({ isBase64Encoded: true });
    expect(Buffer.from(String(everything.body), "base64").toString("utf8")).toBe("utfall=innvilget&navn=Åse");
    expect(images).toMatchObject({ body: "outcome=granted", isBase64Encoded: false });
    expect(png).toMatchObject({ body: Buffer.from("x").toString("base64"), isBase64Encoded: true });
    expect(none).toMatchObject({ body: "outcome=granted", isBase64Encoded: false });
    expect(empty).toMatchObject({ body: "", isBase64Encoded: false });
  });

  it("builds the REST proxy event with the route template, parameters, raw headers and raw body", () => {
    // Prepare
    const match = matchRoute(routes, "POST", "/tasks/t%201/decision");
    if (!match) throw new Error("no match");

    // Act
    const event = buildProxyEvent(
      {
        method: "POST",
        url: "/tasks/t%201/decision?a=1&a=2&b=x",
        rawHeaders: [
          "Host",
          "localhost:3000",
          "Content-Type",
          "application/x-www-form-urlencoded",
          "X-Multi",
          "1",
          "X-Multi",
          "2",
        ],
        body: "outcome=granted",
        sourceIp: "127.0.0.1",
      },
      match,
      { stage: "prod", now: new Date("2026-03-02T10:00:00Z") },
    );

    // Assess
    expect(event).toMatchObject({
      httpMethod: "POST",
      path: "/tasks/t 1/decision",
      resource: "/tasks/{taskId}/decision",
      pathParameters: { taskId: "t 1" },
      queryStringParameters: { a: "2", b: "x" },
      multiValueQueryStringParameters: { a: ["1", "2"], b: ["x"] },
      body: "outcome=granted",
      isBase64Encoded: false,
      stageVariables: null,
      requestContext: {
        stage: "prod",
        resourcePath: "/tasks/{taskId}/decision",
        httpMethod: "POST",
        path: "/prod/tasks/t 1/decision",
        requestTimeEpoch: Date.parse("2026-03-02T10:00:00Z"),
        requestTime: "02/Mar/2026:10:00:00 +0000",
        identity: { sourceIp: "127.0.0.1", userArn: null },
      },
    });
    expect(event.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(event.multiValueHeaders["X-Multi"]).toEqual(["1", "2"]);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("maps a proxy result back, and anything else to API Gateway's 502", () => {
    expect(toProxyResponse({ statusCode: 201, headers: { "X-A": "1" }, body: "ok" })).toEqual({
      statusCode: 201,
      headers: { "x-a": "1", "content-type": "application/json" },
      body: "ok",
    });
    expect(
      toProxyResponse({ statusCode: 200, body: Buffer.from("hi").toString("base64"), isBase64Encoded: true })
        .body,
    ).toEqual(Buffer.from("hi"));
    expect(toProxyResponse("nope").statusCode).toBe(502);
    expect(toProxyResponse({ body: "no status" }).statusCode).toBe(502);
  });
});

/** A GET with exactly these extra raw headers (fetch drops a header named "__proto__"). */
function rawGet(url: string, rawHeaders: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: ["Host", new URL(url).host, ...rawHeaders] }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("the API emulation over HTTP", () => {
  let api: ApiLocal;
  const events: Array<{ fn: string; event: APIGatewayProxyEvent }> = [];

  beforeAll(async () => {
    api = await startApiLocal({
      routes,
      port: 0,
      logError: () => undefined,
      localRedirects: { "/_local/operations": "http://localhost:4010/" },
      invoke: async (fn, event) => {
        events.push({ fn, event });
        if (fn === "Broken") throw new Error("boom");
        return {
          statusCode: 200,
          headers: { "content-type": "text/plain" },
          body: `${fn}:${event.body ?? ""}`,
        };
      },
    });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("hands the handler the body exactly as sent, JSON and form alike", async () => {
    // Act
    const json = await fetch(`${api.url}/referrals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{ "a" : 1 }',
    });
    const form = await fetch(`${api.url}/tasks/t1/decision`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "outcome=granted&x=%C3%A6",
    });
    const bogus = await fetch(`${api.url}/referrals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });

    // Assess
    expect(await json.text()).toBe('Receive:{ "a" : 1 }');
    expect(await form.text()).toBe("Decide:outcome=granted&x=%C3%A6");
    expect(await bogus.text()).toBe("Receive:{not json");
    expect(events.find((e) => e.fn === "Decide")?.event.pathParameters).toEqual({ taskId: "t1" });
  });

  it("answers unknown routes and methods like API Gateway: 403 Missing Authentication Token", async () => {
    const unknown = await fetch(`${api.url}/nowhere`);
    const method = await fetch(`${api.url}/referrals`, { method: "DELETE" });
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toEqual({ message: "Missing Authentication Token" });
    expect(method.status).toBe(403);
  });

  it("sends a GET of a local-only return path on to its page, and nothing else of that path", async () => {
    const redirected = await fetch(`${api.url}/_local/operations`, { redirect: "manual" });
    const posted = await fetch(`${api.url}/_local/operations`, { method: "POST", redirect: "manual" });
    const other = await fetch(`${api.url}/_local/elsewhere`, { redirect: "manual" });
    expect(redirected.status).toBe(303);
    expect(redirected.headers.get("location")).toBe("http://localhost:4010/");
    expect(posted.status).toBe(403);
    expect(other.status).toBe(403);
  });

  it("answers 502 when the function throws", async () => {
    const response = await fetch(`${api.url}/broken`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: "Internal server error" });
  });

  it("refuses a body over API Gateway's 10 MB limit with 413 without invoking the function", async () => {
    // Prepare
    const before = events.length;

    // Act
    const response = await fetch(`${api.url}/referrals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(events.length).toBe(before);
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
    "hands a header and a query parameter named %s to the function as data, as API Gateway does",
    async (name) => {
      // Act
      const status = await rawGet(`${api.url}/tasks/t1?${name}=q1&${name}=q2`, [name, "h"]);

      // Assess
      expect(status).toBe(200);
      const event = events.at(-1)?.event;
      expect(Object.hasOwn(event?.headers ?? {}, name)).toBe(true);
      expect(event?.headers[name]).toBe("h");
      expect(event?.multiValueHeaders[name]).toEqual(["h"]);
      expect(event?.queryStringParameters?.[name]).toBe("q2");
      expect(event?.multiValueQueryStringParameters?.[name]).toEqual(["q1", "q2"]);
      expect(Object.getPrototypeOf(event?.headers)).toBe(Object.prototype);
    },
  );

  it.each([
    "application/json, text/plain",
    "application/json; charset=utf-8; charset=latin1",
    "not a media type",
    "",
  ])("passes the Content-Type %j through to the function rather than failing", async (contentType) => {
    // Act
    const response = await fetch(`${api.url}/referrals`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: "{}",
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Receive:{}");
  });
});
