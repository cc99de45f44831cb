/**
 * What an AWS SDK error means to Frist: the adapters turn every SDK error into one of Frist's named
 * errors (functions/domain/errors.ts), so no message from a service (an SES rejection names the
 * recipient's address) reaches a log, an HTTP answer or an execution history, and so the workflow's
 * Retry rules and the API's 503 can tell a passing fault from a permanent one by name.
 *
 * The errors the stores act on themselves (a failed condition, a closed task token, an execution
 * that already exists) pass through unchanged.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  TaskDoesNotExist,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import {
  DynamoRejected,
  DynamoUnavailable,
  FristError,
  MailRejected,
  MailUnanswered,
  MailUnavailable,
  WorkflowRejected,
  WorkflowUnavailable,
} from "../domain/errors";

/** Error names AWS services use for throttling and passing conflicts (answered with a 4xx). */
const PASSING_ERROR_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "TransactionConflictException",
  "TransactionInProgressException",
  "LimitExceededException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);

/**
 * True when the same request may succeed later: no HTTP answer at all (refused, reset, timed out),
 * a 5xx or 429, or a throttling or conflict error by name.
 */
export function isPassingSdkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const fields = error as Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (fields.$retryable) return true;
  if (PASSING_ERROR_NAMES.has(error.name)) return true;
  const status = fields.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status >= 500 || status === 429;
}

/** DynamoDB: conditions the store handles pass; all else becomes DynamoUnavailable or DynamoRejected. */
export function dynamoFault(error: unknown): unknown {
  if (error instanceof FristError || error instanceof ConditionalCheckFailedException) return error;
  if (error instanceof TransactionCanceledException) {
    const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
    if (codes.includes("ConditionalCheckFailed")) return error;
    const passing = codes.some((code) => code === "TransactionConflict" || code === "ThrottlingError");
    return passing ? new DynamoUnavailable() : new DynamoRejected();
  }
  return isPassingSdkError(error) ? new DynamoUnavailable() : new DynamoRejected();
}

/**
 * SES: every error becomes MailUnanswered (no HTTP answer: it may have been sent), MailUnavailable
 * (SES answered that it failed: not sent) or MailRejected. SES messages can quote the recipient.
 */
export function mailFault(error: unknown): unknown {
  if (error instanceof FristError) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined) return new MailUnanswered();
  return isPassingSdkError(error) ? new MailUnavailable() : new MailRejected();
}

/**
 * Step Functions: a closed token, an existing execution or a missing one (recovery probes execution
 * names until one does not exist) pass; all else becomes Workflow*.
 */
export function workflowFault(error: unknown): unknown {
  if (
    error instanceof FristError ||
    error instanceof TaskTimedOut ||
    error instanceof TaskDoesNotExist ||
    error instanceof InvalidToken ||
    error instanceof ExecutionAlreadyExists ||
    error instanceof ExecutionDoesNotExist
  ) {
    return error;
  }
  return isPassingSdkError(error) ? new WorkflowUnavailable() : new WorkflowRejected();
}

/**
 * The client with every `send` rejection replaced by `fault(error)`, after the SDK's own retries.
 * A proxy around `send` (not a middleware) so that it holds for every caller of the client, and for
 * tests that stub the client class's `send`.
 */
export function withNamedFaults<C extends object>(client: C, fault: (error: unknown) => unknown): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "send" || typeof value !== "function") return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          throw fault(error);
        });
    },
  });
}
