/**
 * The AWS clients, each built on its first use and then kept for the container: a function bundles
 * and constructs only the clients its handler's adapters call (root.ts). Endpoints come from the SDK's own configuration
 * (AWS_ENDPOINT_URL_<SERVICE>), which is how the local default points these same clients at DynamoDB
 * Local, the SES emulator and the local Step Functions endpoint without code of its own. Each is
 * traced (X-Ray subsegments) in a Lambda with tracing on.
 *
 * Every client fails fast: a dependency that does not answer costs at most about
 * maxAttempts × (connection + request timeout), under the API's 10 s, so the API can answer 503 in
 * time and a workflow step fails and is retried by the workflow instead of hanging. Every error
 * leaves a client under one of Frist's names (adapters/faults.ts), never with a service's message.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESClient } from "@aws-sdk/client-ses";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { returnConsumedCapacity } from "./consumed-capacity";
import { dynamoFault, mailFault, withNamedFaults, workflowFault } from "./faults";
import { traced } from "./tracing";

/**
 * Timeouts of the DynamoDB and Step Functions clients, in ms: a paused or overloaded service that
 * accepts the connection and never answers is given up on after `requestTimeout`.
 * `throwOnRequestTimeout` is required: without it this version of the Node HTTP handler only logs a
 * warning and keeps waiting. One attempt: a retried timeout doubles the load on a service that is
 * already slow (a burst of 200 referrals on DynamoDB Local answered 503 to nearly all of them with
 * 3 × 2 s), and the caller retries anyway (the workflow by its Retry policy, a portal on the 503's
 * Retry-After). So a dependency that does not answer costs about 5 s, under the API's 10 s.
 */
export const CLIENT_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
} as const;
const failFast = { requestHandler: { ...CLIENT_TIMEOUTS }, maxAttempts: 1 };

/**
 * The client without the SDK's logger middleware. Frist gives the SDK no logger, yet that middleware
 * still copies every call's input and output through the sensitive-data filter (walking the whole
 * item against the service's schema) to hand both to the no-op logger: measurable work on every
 * DynamoDB, SES and Step Functions call for nothing. (A logger given to the SDK would also log
 * items, i.e. health data, which the handlers' logger never does.)
 */
function withoutSdkLogging<C extends { middlewareStack: { remove(name: string): boolean } }>(client: C): C {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}

/** A DynamoDB client with Frist's timeouts (the contract tests build theirs here too). */
export function dynamoClient(config: ConstructorParameters<typeof DynamoDBClient>[0] = {}): DynamoDBClient {
  const client = traced(withoutSdkLogging(new DynamoDBClient({ ...failFast, ...config })));
  returnConsumedCapacity(client);
  return client;
}

/** The document client the stores use: the store's marshalling options, errors under Frist's names. */
export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return withNamedFaults(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    dynamoFault,
  );
}

let documentClient: DynamoDBDocumentClient | undefined;
/** The document client every DynamoDB adapter of the handlers shares. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= documentClientOf(dynamoClient());
  return documentClient;
}

let sfn: SFNClient | undefined;
/** The Step Functions client (starting executions, task callbacks, recovery). */
export function stepFunctionsClient(): SFNClient {
  sfn ??= withNamedFaults(traced(withoutSdkLogging(new SFNClient({ ...failFast }))), workflowFault);
  return sfn;
}

let ses: SESClient | undefined;
/**
 * A hung SES call must not hold a Lambda until its timeout: fail fast and let the workflow retry.
 * One attempt only: SendEmail has no idempotency key, so the SDK must not repeat a send that may
 * have gone through; the letter's claim decides when to try again (domain/dispatch.ts).
 */
export function sesClient(): SESClient {
  ses ??= withNamedFaults(
    traced(
      withoutSdkLogging(
        new SESClient({
          requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true },
          maxAttempts: 1,
        }),
      ),
    ),
    mailFault,
  );
  return ses;
}
