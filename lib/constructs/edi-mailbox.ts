import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { AttachmentBucket } from "./attachment-bucket";
import { FristFunction, FUNCTION_TIMEOUTS } from "./frist-function";
import type { HelseIdClient } from "./helseid-client";
import type { ReferralStore } from "./referral-store";

/** How often the clinic's EDI 2.0 mailbox is read: a sender waits for its AppRec (96 hours at most). */
export const EDI_MAILBOX_SCHEDULE_MINUTES = 1;

/** Props of the EdiMailboxPoller. */
export interface EdiMailboxPollerProps {
  readonly store: ReferralStore;
  /** CLINIC_CONFIG: the clinic's HER-ids (the mailbox's) and the legal clock. */
  readonly clinicConfig: string;
  readonly stateMachine: StateMachine;
  /** EDI_API_URL: Norsk Helsenett's EDI 2.0 API. */
  readonly ediApiUrl: string;
  /** HELSEID_CLIENT: the client the API is called with, and its key's secret. */
  readonly helseId: HelseIdClient;
  /** Where a message's attachments are stored. */
  readonly attachments: AttachmentBucket;
}

/**
 * The clinic's mailbox at Norsk Helsenett: an EventBridge rule, `rate(1 minute)`, runs
 * PollEdiMailbox, which receives each unread message as POST /messages receives a delivery (the same
 * uses as ReceiveMessage), answers its AppRec through the API and marks it read.
 */
export class EdiMailboxPoller extends Construct {
  public readonly pollMailbox: FristFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: EdiMailboxPollerProps) {
    super(scope, id);
    this.pollMailbox = new FristFunction(this, "PollEdiMailboxFunction", {
      entry: "functions/handlers/poll-edi-mailbox.ts",
      description:
        "Frist schedule: reads the clinic's EDI 2.0 mailbox (receive, AppRec, mark read) and the receipts of what Frist sent",
      timeout: FUNCTION_TIMEOUTS.task,
      // What ReceiveMessage uses (a referral, a change or a cancellation), and the EDI 2.0 API
      // (EDI_API_URL, with a HelseID token: HELSEID_CLIENT, its key read from its secret).
      // Then the receipts of what Frist sent: the sent messages waiting for one (an index partition),
      // each recorded with its event under the referral.
      uses: {
        table: {
          get: ["idempotency", "referral"],
          query: ["referral"],
          put: ["idempotency", "referral"],
          update: ["referral", "statistics"],
          indexes: { worklist: ["receipts"] },
        },
        clinicConfig: true,
        workflow: ["start", "retime"],
        edi: true,
        attachments: ["write"],
      },
      resources: {
        store: props.store,
        clinicConfig: props.clinicConfig,
        stateMachine: props.stateMachine,
        ediApiUrl: props.ediApiUrl,
        helseId: props.helseId,
        attachments: props.attachments,
      },
    });
    this.rule = new Rule(this, "PollRule", {
      description: "Frist: reads the clinic's EDI 2.0 mailbox at Norsk Helsenett",
      schedule: Schedule.rate(Duration.minutes(EDI_MAILBOX_SCHEDULE_MINUTES)),
    });
    // A failed run is finished by the next one (a message stays unread until answered).
    this.rule.addTarget(new LambdaFunction(this.pollMailbox, { retryAttempts: 0 }));
  }
}
