/**
 * The errors Frist throws. Each one's `name` says what failed (Step Functions matches Retry and Catch
 * on it, logs keep only it) and its message is fixed text with no data in it: no id, no email
 * address, no name, nothing a dependency said. A message from an SDK or SES can quote a recipient's
 * address, so the adapters replace such errors with these instead of passing them on.
 */

/** Base of Frist's errors: the message is a fixed sentence chosen by the subclass. */
export abstract class FristError extends Error {
  /** True when the same call may succeed later (a dependency was unavailable or busy). */
  abstract readonly transient: boolean;
}

function named<N extends string>(name: N, message: string, transient: boolean) {
  return class extends FristError {
    override readonly name: N = name;
    readonly transient = transient;
    constructor() {
      super(message);
    }
  };
}

/** DynamoDB did not answer in time, throttled, or failed on its side: try again later. */
export class DynamoUnavailable extends named(
  "DynamoUnavailable",
  "The referral store is unavailable",
  true,
) {}
/** DynamoDB refused the request itself (a bug: a bad key, expression or item): retrying will not help. */
export class DynamoRejected extends named("DynamoRejected", "The referral store rejected a request", false) {}
/** SES did not answer in time, throttled, or failed on its side. */
export class MailUnavailable extends named("MailUnavailable", "The mail service is unavailable", true) {}
/**
 * SES gave no answer (timeout, reset): the message may or may not have been accepted. The letter's
 * claim is kept, so the send is repeated only after the claim's lease (the README's window).
 */
export class MailUnanswered extends named("MailUnanswered", "The mail service did not answer", true) {}
/** SES refused the message (e.g. a rejected recipient); the message is not quoted, it names the address. */
export class MailRejected extends named("MailRejected", "The mail service rejected a message", false) {}
/** Step Functions did not answer in time, throttled, or failed on its side. */
export class WorkflowUnavailable extends named(
  "WorkflowUnavailable",
  "The workflow engine is unavailable",
  true,
) {}
/** Step Functions refused the request itself. */
export class WorkflowRejected extends named(
  "WorkflowRejected",
  "The workflow engine rejected a request",
  false,
) {}
/** A workflow step was asked about a referral that is not there: a bug, not a passing fault. */
export class ReferralNotFound extends named("ReferralNotFound", "The referral was not found", false) {}
/**
 * A workflow step found its referral withdrawn by the sender (a cancellation message): the workflow
 * catches this name and ends, sending nothing more.
 */
export class ReferralWithdrawn extends named("ReferralWithdrawn", "The referral was withdrawn", false) {}
/** A step that needs the referral's decision found none: a bug, not a passing fault. */
export class DecisionMissing extends named("DecisionMissing", "The referral has no decision", false) {}
/**
 * Another invocation holds the claim on this letter and may be sending it right now: this one must
 * not send it too. Passing: once the claim is completed or its lease has run out, a retry proceeds.
 */
export class LetterInFlight extends named("LetterInFlight", "Another attempt is sending this letter", true) {}

/**
 * Another invocation holds the claim on this staff email (same kind, occurrence and recipient) and
 * may be sending it right now. Passing, like LetterInFlight: a retry finds it sent.
 */
export class EmailInFlight extends named("EmailInFlight", "Another attempt is sending this email", true) {}

/** The EDI 2.0 API did not answer, timed out, or failed on its side: try again later. */
export class EdiUnavailable extends named("EdiUnavailable", "The message service is unavailable", true) {}
/** The EDI 2.0 API refused the message (4xx): a bug or a configuration error, not a passing fault. */
export class EdiRejected extends named("EdiRejected", "The message service rejected a message", false) {}
/** Fastlegeregisteret did not answer, or failed on its side: try again later. */
export class GpRegisterUnavailable extends named(
  "GpRegisterUnavailable",
  "The GP register is unavailable",
  true,
) {}
/** Fastlegeregisteret refused the call (credentials, access): a configuration to fix. */
export class GpRegisterRejected extends named(
  "GpRegisterRejected",
  "The GP register refused the call",
  false,
) {}
/** The attachment store (S3) did not answer, throttled, or failed on its side: try again later. */
export class AttachmentsUnavailable extends named(
  "AttachmentsUnavailable",
  "The attachment store is unavailable",
  true,
) {}
/** The attachment store refused the request (a missing grant, a bad key): retrying will not help. */
export class AttachmentsRejected extends named(
  "AttachmentsRejected",
  "The attachment store rejected a request",
  false,
) {}
/** Another attempt holds the claim on this outgoing message. Passing: a retry finds it sent. */
export class MessageInFlight extends named(
  "MessageInFlight",
  "Another attempt is sending this message",
  true,
) {}
/** A message Frist made does not validate against its schema: a bug, never sent. */
export class OutgoingMessageInvalid extends named(
  "OutgoingMessageInvalid",
  "A message made to be sent does not validate against its schema",
  false,
) {}

/** An error worth answering 503 (and retrying): a dependency was unavailable or busy. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof FristError && error.transient;
}
