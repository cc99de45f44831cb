/**
 * The HelseID client of a function that calls Norsk Helsenett's EDI 2.0 API, from its environment:
 * HELSEID_CLIENT (the issuer, the token endpoint, the client id, the scope, and the Secrets Manager
 * secret that holds the client's private key as a JWK). The key is read once per execution
 * environment, on the first call that needs a token, and never written anywhere.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { JWK } from "jose";
import * as z from "zod";
import { EdiRejected, EdiUnavailable } from "../domain/errors";
import { requireEnv } from "./env";
import { type ClientKeySource, HelseIdTokens } from "./helseid";
import { readSecretJson, secretsClient } from "./secrets";

/** HELSEID_CLIENT's JSON (lib/constructs/function-uses.ts `edi`). */
export const helseIdClientEnvSchema = z.object({
  issuer: z.url(),
  tokenEndpoint: z.url(),
  clientId: z.string().min(1),
  scope: z.string().min(1),
  /** The secret's ARN: its SecretString is the client's private key as a JWK (JSON). */
  keySecretArn: z.string().min(1),
});

/** The settings in HELSEID_CLIENT. */
export type HelseIdClientEnv = z.infer<typeof helseIdClientEnvSchema>;

/** A private key in JWK form: RSA or EC, with its private part. */
const privateJwkSchema = z.looseObject({
  kty: z.enum(["RSA", "EC"]),
  d: z.string().min(1),
  kid: z.string().optional(),
  alg: z.string().optional(),
});

/**
 * The client's private key from Secrets Manager (GetSecretValue on the one secret the function is
 * granted). A service that does not answer is EdiUnavailable; a refusal (no grant, no such secret)
 * or a value that is no private JWK is EdiRejected: a configuration to fix, quoting nothing.
 */
export function secretsManagerKey(
  secretId: string,
  client: () => SecretsManagerClient = secretsClient,
): ClientKeySource {
  const failures = { unavailable: () => new EdiUnavailable(), rejected: () => new EdiRejected() };
  return async () => (await readSecretJson(secretId, privateJwkSchema, failures, client)) as JWK;
}

/** The HelseID tokens of this function (HELSEID_CLIENT), its key from Secrets Manager. */
export function helseIdFromEnv(): HelseIdTokens {
  const settings = helseIdClientEnvSchema.parse(JSON.parse(requireEnv("HELSEID_CLIENT")));
  return new HelseIdTokens(settings, secretsManagerKey(settings.keySecretArn));
}
