import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { bundleDefinesOfConfig, clinicConfigJson, type FristConfig, staffAccountsOf } from "./config";
import { AttachmentBucket } from "./constructs/attachment-bucket";
import { setBundleDefines } from "./constructs/bundle-defines";
import { EdiMailboxPoller } from "./constructs/edi-mailbox";
import { FristFunction, FUNCTION_TIMEOUTS } from "./constructs/frist-function";
import { GpRegister } from "./constructs/gp-register";
import { HelseIdClient } from "./constructs/helseid-client";
import { AGENDA_SCHEDULE_MINUTES, IntakeSchedule } from "./constructs/intake-schedule";
import { LogEncryption } from "./constructs/log-encryption";
import { Mailer } from "./constructs/mailer";
import { Migrations } from "./constructs/migrations";
import { Operations } from "./constructs/operations";
import { Recovery } from "./constructs/recovery";
import { ReferralApi } from "./constructs/referral-api";
import { ReferralStore } from "./constructs/referral-store";
import { ReferralWorkflow } from "./constructs/referral-workflow";
import { StaffSignIn } from "./constructs/staff-sign-in";

/** Props of the FristStack. */
export interface FristStackProps extends StackProps {
  readonly config: FristConfig;
}

/**
 * The whole of Frist in one stack, composed by concern: the referral store (DynamoDB), the mailer
 * (SES), the workflow (Step Functions), the API (API Gateway) and operations (alarms, topic,
 * dashboard). One stack, because the parts are deployed and versioned together and cross-stack
 * references would only add ordering constraints.
 */
export class FristStack extends Stack {
  public readonly config: FristConfig;
  public readonly store: ReferralStore;
  public readonly attachments: AttachmentBucket;
  public readonly mailer: Mailer;
  public readonly api: ReferralApi;
  public readonly workflow: ReferralWorkflow;
  public readonly intakeSchedule: IntakeSchedule;
  public readonly ediMailbox: EdiMailboxPoller;
  /** Frist's HelseID client (the EDI functions' tokens), its key's secret. */
  public readonly helseId: HelseIdClient;
  /** Fastlegeregisteret, where the GP copied on a Status på henvisning is looked up. */
  public readonly gpRegister: GpRegister;
  public readonly recovery: Recovery;
  public readonly migrations: Migrations;
  public readonly operations: Operations;
  public readonly signIn: StaffSignIn;

  constructor(scope: Construct, id: string, props: FristStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    // Before any function: their bundles compile these in (the clinic's priority guide).
    setBundleDefines(this, bundleDefinesOfConfig(config));
    const clinicConfig = clinicConfigJson(config);

    new LogEncryption(this, "LogEncryption");
    this.store = new ReferralStore(this, "ReferralStore");
    // A referral's attachments (health data), beside the table and under its key.
    this.attachments = new AttachmentBucket(this, "Attachments", { key: this.store.key });
    this.mailer = new Mailer(this, "Mailer", {
      senderEmail: config.senderEmail,
      configurationSetName: config.sesConfigurationSet,
    });
    this.api = new ReferralApi(this, "ReferralApi", {
      store: this.store,
      attachments: this.attachments,
      mailer: this.mailer,
      clinicConfig,
      publicBaseUrl: config.publicBaseUrl,
    });
    // The client the EDI functions call Norsk Helsenett's EDI 2.0 API with.
    const helseId = new HelseIdClient(this, "HelseIdClient", config.helseId);
    this.helseId = helseId;
    // Where the GP copied on a Status på henvisning is looked up when the referral gives no HER-id.
    const gpRegister = new GpRegister(this, "GpRegister", config.gpRegister);
    this.gpRegister = gpRegister;
    this.workflow = new ReferralWorkflow(this, "ReferralWorkflow", {
      store: this.store,
      mailer: this.mailer,
      clinicConfig,
      publicBaseUrl: this.api.publicBaseUrl,
      ediApiUrl: config.ediApiUrl,
      helseId,
      gpRegister,
    });
    this.signIn = new StaffSignIn(this, "StaffSignIn", {
      publicBaseUrl: this.api.publicBaseUrl,
      staff: staffAccountsOf(config),
      identityProvider: config.identityProvider,
      recipientSignIn: config.recipientSignIn,
    });
    this.api.addRoutes(this.workflow.stateMachine, this.signIn.providersJson(config.recipientSignIn));
    this.intakeSchedule = new IntakeSchedule(this, "IntakeSchedule", {
      store: this.store,
      mailer: this.mailer,
      clinicConfig,
      publicBaseUrl: this.api.publicBaseUrl,
    });
    this.ediMailbox = new EdiMailboxPoller(this, "EdiMailbox", {
      store: this.store,
      clinicConfig,
      stateMachine: this.workflow.stateMachine,
      ediApiUrl: config.ediApiUrl,
      helseId,
      attachments: this.attachments,
    });
    this.recovery = new Recovery(this, "Recovery", {
      store: this.store,
      stateMachine: this.workflow.stateMachine,
    });
    this.migrations = new Migrations(this, "Migrations", { store: this.store });
    // Last, so it finds every function of the stack to watch.
    this.operations = new Operations(this, "Operations", {
      stateMachine: this.workflow.stateMachine,
      api: this.api.api,
      markFailedFunction: this.workflow.functions.markFailed,
      functions: this.node
        .findAll()
        .filter((c): c is FristFunction => c instanceof FristFunction)
        .map((fn) => ({
          name: fn.node.id.replace(/Function$/, ""),
          fn,
          timeout: fn.timeout ?? FUNCTION_TIMEOUTS.api,
        })),
      table: this.store.table,
      configurationSet: this.mailer.configurationSet,
      configurationSetName: this.mailer.configurationSetName,
      schedule: { rule: this.intakeSchedule.rule, everyMinutes: AGENDA_SCHEDULE_MINUTES },
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, "ApiUrl", {
      description: "Base URL of the Frist API (stage prod)",
      value: this.api.api.url,
    });
    new CfnOutput(this, "StateMachineArn", {
      description: "The referral workflow; execution name = referral id",
      value: this.workflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, "PortalPolicyArn", {
      description: "Attach to each referral portal's own role or user: execute-api:Invoke on /referrals only",
      value: this.api.portalPolicy.managedPolicyArn,
    });
    new CfnOutput(this, "BackfillPatientIndexFunctionName", {
      description: "Invoke once after deploying: indexes older referrals for the search by national ID",
      value: this.migrations.backfillPatientIndex.functionName,
    });
    new CfnOutput(this, "TableName", {
      description: "The referral table",
      value: this.store.tableName,
    });
  }
}
