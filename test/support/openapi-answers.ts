/**
 * Checks a handler's JSON answer against GET /openapi.json: the route documents the answer's status
 * with a JSON body, and the body is exactly what the named schema (or one of a `oneOf`) describes,
 * no field more, none missing, none of another type. Handlers build their answers with `jsonAnswer`
 * (functions/adapters/http.ts), which the compiler holds to the schema; this holds the document to
 * what the handler sends at run time, so the two cannot drift apart.
 */
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";
import { buildOpenApiDocument } from "../../functions/domain/openapi";
import { COMPONENTS, type ComponentId } from "../../functions/domain/openapi-parts";

// biome-ignore lint/suspicious/noExplicitAny: the document is walked by path and its shape asserted at run time.
type Json = Record<string, any>;

let document: Json | undefined;

/** A handler's answer, as API Gateway takes it. */
export interface Answer {
  statusCode: number;
  body: string;
  headers?: Record<string, unknown>;
}

/** The component ids the document gives for `route`'s answer of `status` as JSON; [] when none. */
export function documentedAnswerIds(route: string, status: number): ComponentId[] {
  document ??= buildOpenApiDocument() as Json;
  const [method = "", path = ""] = route.split(" ");
  const schema = document.paths?.[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.[
    "application/json"
  ]?.schema as Json | undefined;
  if (!schema) return [];
  const refs: Json[] = schema.$ref ? [schema] : (schema.oneOf ?? []);
  return refs.map((ref) => String(ref.$ref).split("/").pop() as ComponentId);
}

/**
 * Why `answer` is not what the document says `route` answers, or undefined when it is: the status
 * has a JSON body in the document, the answer is JSON, and its body parses by one of the named zod
 * schemas into the very same value (zod drops a field its object does not name, so a field more
 * shows as a difference).
 */
export function undocumentedAnswer(route: string, answer: Answer): string | undefined {
  const ids = documentedAnswerIds(route, answer.statusCode);
  if (ids.length === 0) return `${route} documents no JSON answer ${answer.statusCode}`;
  const type = String(answer.headers?.["content-type"] ?? "");
  if (!type.startsWith("application/json")) return `${route} ${answer.statusCode} answered ${type}`;
  const body: unknown = JSON.parse(answer.body);
  const fits = ids.some((id) => {
    const parsed = COMPONENTS[id]().safeParse(body);
    return parsed.success && isDeepStrictEqual(parsed.data, body);
  });
  return fits ? undefined : `${route} ${answer.statusCode} answered ${answer.body}, not ${ids.join(" or ")}`;
}

/** Asserts that `answer` is what the document says `route` answers with its status. */
export function expectDocumentedAnswer(route: string, answer: Answer): void {
  expect(undocumentedAnswer(route, answer)).toBeUndefined();
}
