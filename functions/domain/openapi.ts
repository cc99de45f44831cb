/**
 * GET /openapi.json: the HTTP contract (api.md) as OpenAPI 3.1. Every body's schema is generated from
 * the zod schema that validates it or that describes the answer (openapi-parts.ts), so the document
 * cannot drift from the code; the paths are in openapi-portal-paths.ts (SigV4 callers) and
 * openapi-staff-paths.ts (a signed-in staff session).
 */
import { componentSchemas, type JsonObject } from "./openapi-parts";
import { portalPaths } from "./openapi-portal-paths";
import { staffPaths } from "./openapi-staff-paths";

/**
 * Builds the OpenAPI 3.1 document. `serverUrl` is the API's base URL (stage included) when known;
 * without it the document has no `servers` and tools resolve paths against where they fetched it.
 */
export function buildOpenApiDocument(serverUrl?: string): JsonObject {
  return {
    openapi: "3.1.0",
    info: {
      title: "Frist: referrals to pain clinics",
      version: "1.0.0",
      description:
        "Referral portals submit referrals; the clinic's intake team assesses each within 10 working days " +
        "(rett til nødvendig helsehjelp) and the referrer, patient and GP get the answer.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths: { ...portalPaths(), ...staffPaths() },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        staffSession: {
          type: "apiKey",
          name: "frist_session",
          in: "cookie",
          description:
            "A signed-in staff session (OpenID Connect sign-in at /auth/login). Posts also carry the " +
            "session's anti-forgery token: form field `csrfToken`, or header `X-CSRF-Token` for JSON.",
        },
        sigv4: {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          description: "AWS Signature Version 4 (API Gateway IAM authorization).",
          "x-amazon-apigateway-authtype": "awsSigv4",
        },
      },
    },
  };
}
