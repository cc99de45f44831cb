/**
 * Secrets Manager, for the secrets a function is granted (GetSecretValue on each by ARN): one client
 * per execution environment that fails fast, as the other clients do (clients.ts).
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type * as z from "zod";
import { isPassingSdkError } from "./faults";
import { traced } from "./tracing";

let secrets: SecretsManagerClient | undefined;

/** The Secrets Manager client: one attempt, 5 s. */
export function secretsClient(): SecretsManagerClient {
  secrets ??= traced(
    new SecretsManagerClient({
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
      maxAttempts: 1,
    }),
  );
  return secrets;
}

/** A secret's SecretString; throws the SDK's error for the caller to tell passing from refused. */
export async function readSecretString(
  secretId: string,
  client: () => SecretsManagerClient = secretsClient,
): Promise<string | undefined> {
  return (await client().send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
}

/**
 * A secret's value as JSON of `schema`. A service that does not answer throws `failures.unavailable`;
 * a refusal (no grant, no such secret) or a value that is not what `schema` says throws
 * `failures.rejected`: a configuration to fix. Neither quotes the value.
 */
export async function readSecretJson<T>(
  secretId: string,
  schema: z.ZodType<T>,
  failures: { unavailable: () => Error; rejected: () => Error },
  client: () => SecretsManagerClient = secretsClient,
): Promise<T> {
  let value: string | undefined;
  try {
    value = await readSecretString(secretId, client);
  } catch (error) {
    throw isPassingSdkError(error) ? failures.unavailable() : failures.rejected();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value ?? "");
  } catch {
    throw failures.rejected();
  }
  const read = schema.safeParse(parsed);
  if (!read.success) throw failures.rejected();
  return read.data;
}
