/** GET /openapi.json: the HTTP contract, generated from the same zod schemas that validate requests. */
import type { APIGatewayProxyResult } from "aws-lambda";
import { json } from "../adapters/http";
import { buildOpenApiDocument } from "../domain/openapi";

const document = buildOpenApiDocument();

export const handler = async (): Promise<APIGatewayProxyResult> =>
  json(200, document, { "cache-control": "public, max-age=300" });
