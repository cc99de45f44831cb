/**
 * The API wrapper every route shares: request media types, the body limit, the body read once, and
 * one error path that answers without detail and logs the error's name only.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiRoute, json, jsonRoute, validationFailed } from "../../functions/adapters/http";

function event(body: string | null, contentType?: string): APIGatewayProxyEvent {
  return {
    body,
    headers: contentType ? { "Content-Type": contentType } : {},
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

afterEach(() => vi.restoreAllMocks());

describe("apiRoute", () => {
  const echo = apiRoute(
    { name: "echoing", accepts: ["application/json", "application/x-www-form-urlencoded"], maxBodyBytes: 16 },
    async (request) => json(200, { body: request.body(), fromForm: request.fromForm }),
  );

  it("answers 415 naming the media types the route takes, without calling the handler", async () => {
    const response = await echo(event("{}", "text/plain"));
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body).message).toBe(
      "Content-Type must be application/json or application/x-www-form-urlencoded",
    );
  });

  it("answers 413 for a body over the route's limit", async () => {
    const response = await echo(event(JSON.stringify({ text: "x".repeat(20) }), "application/json"));
    expect(response.statusCode).toBe(413);
  });

  it("parses JSON and form bodies, and answers invalid_json for broken JSON", async () => {
    expect(JSON.parse((await echo(event('{"a":1}', "application/json; charset=utf-8"))).body)).toEqual({
      body: { a: 1 },
      fromForm: false,
    });
    expect(JSON.parse((await echo(event("a=1&b=x", "application/x-www-form-urlencoded"))).body)).toEqual({
      body: { a: "1", b: "x" },
      fromForm: true,
    });
    const broken = await echo(event("{", "application/json"));
    expect(broken.statusCode).toBe(400);
    expect(JSON.parse(broken.body).error).toBe("invalid_json");
  });

  it("sends a thrown HttpAnswer as it is", async () => {
    const route = apiRoute({ name: "checking" }, async () => {
      throw validationFailed("cursor", "not a cursor");
    });
    const response = await route(event(null));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).issues).toEqual([{ path: "cursor", message: "not a cursor" }]);
  });

  it("answers an unforeseen failure with 500 and no detail, as JSON or as a page, logging the name only", async () => {
    const logged = vi.spyOn(process.stderr, "write").mockImplementation(() => true); // Powertools writes error lines to stderr itself
    const failing = async () => {
      throw new Error("secret 15038512282");
    };
    const api = await apiRoute({ name: "failing" }, failing)(event(null));
    const page = await apiRoute({ name: "failing", page: true }, failing)(event(null));
    expect(api.statusCode).toBe(500);
    expect(JSON.parse(api.body)).toEqual({ error: "internal_error" });
    expect(page.statusCode).toBe(500);
    expect(page.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(page.body).not.toContain("15038512282");
    expect(page.body).not.toMatch(/at .*\.ts:\d+/);
    expect(page.body).toContain("Noe gikk galt");
    expect(JSON.stringify(logged.mock.calls)).not.toContain("15038512282");
    expect(JSON.stringify(logged.mock.calls)).toContain("failing failed");
  });
});

describe("a route's form security", () => {
  const expired = () => ({ statusCode: 403, headers: {}, body: "Skjemaet er utløpt" });
  let handled = 0;
  const taskForm = apiRoute(
    {
      name: "posting a task form",
      accepts: ["application/x-www-form-urlencoded", "application/json"],
      form: { token: "task", expired },
    },
    async () => {
      handled += 1;
      return json(200, {});
    },
  );
  const formFrom = (origin: string | undefined) =>
    ({
      ...event("csrfToken=t", "application/x-www-form-urlencoded"),
      httpMethod: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Host: "api.example",
        ...(origin === undefined ? {} : { Origin: origin }),
      },
    }) as APIGatewayProxyEvent;

  it("answers a form posted from another site's page with the route's expired page, without calling the handler", async () => {
    // Act
    handled = 0;
    const answer = await taskForm(formFrom("https://evil.example"));

    // Assess
    expect(answer.statusCode).toBe(403);
    expect(answer.body).toBe("Skjemaet er utløpt");
    expect(handled).toBe(0);
  });

  it("lets through a form from this host, one with Origin null (no-referrer pages) and one without Origin", async () => {
    // Act
    handled = 0;
    const answers = [
      await taskForm(formFrom("https://api.example")),
      await taskForm(formFrom("null")),
      await taskForm(formFrom(undefined)),
    ];

    // Assess: the task's own token is the use case's to compare.
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(handled).toBe(3);
  });

  it("refuses at cold start a route checked against the session's token that admits people without a session", () => {
    expect(() =>
      apiRoute({ name: "posting without sign-in", form: { token: "session", expired } }, async () =>
        json(200, {}),
      ),
    ).toThrow("posting without sign-in: a form checked against the session's token needs access");
  });
});

describe("HSTS", () => {
  const overProto = (proto: string | undefined, cookie?: string): APIGatewayProxyEvent =>
    ({
      httpMethod: "GET",
      path: "/x",
      body: null,
      headers: { ...(proto ? { "X-Forwarded-Proto": proto } : {}), ...(cookie ? { Cookie: cookie } : {}) },
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEvent;
  const hsts = (response: { headers?: Record<string, unknown> }) =>
    response.headers?.["strict-transport-security"];

  it("adds Strict-Transport-Security to every answer of a request that came over https: success, refusal, failure", async () => {
    const ok = jsonRoute({ name: "answering" }, async () => json(200, {}));
    const refused = jsonRoute({ name: "refusing" }, async () => {
      throw validationFailed("x", "no");
    });
    const failing = jsonRoute({ name: "failing" }, async () => {
      throw new Error("boom");
    });
    vi.spyOn(console, "error").mockImplementation(() => undefined);

    for (const route of [ok, refused, failing]) {
      expect(hsts(await route(overProto("https")))).toBe("max-age=31536000; includeSubDomains");
      expect(hsts(await route(overProto("HTTPS, http")))).toBe("max-age=31536000; includeSubDomains");
    }
  });

  it("sends no HSTS on a plain-http answer (the local runtime) or without X-Forwarded-Proto", async () => {
    const ok = jsonRoute({ name: "answering" }, async () => json(200, {}));
    expect(hsts(await ok(overProto("http")))).toBeUndefined();
    expect(hsts(await ok(overProto(undefined)))).toBeUndefined();
  });
});
