/**
 * Secrets Manager, for the secrets a function is granted (GetSecretValue on each by ARN): one client
 * per execution environment that fails fast, as the other clients do (clients.ts).
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
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
