/** GET /openapi.json: the HTTP contract, generated from the same zod schemas that validate requests. */
import { json, jsonRoute } from "../adapters/http";
import { buildOpenApiDocument } from "../domain/openapi";

const document = buildOpenApiDocument();

export const handler = jsonRoute({ name: "describing the API" }, async () =>
  json(200, document, { "cache-control": "public, max-age=300" }),
);
