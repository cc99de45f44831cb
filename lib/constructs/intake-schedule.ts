import { Duration, Stack } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { FristFunction, FUNCTION_TIMEOUTS } from "./frist-function";
import type { Mailer } from "./mailer";
import { REFERRAL_INDEXES, type ReferralStore } from "./referral-store";

/** How often the agenda sender runs; the lead time (hours) is the clinic's, this is only the grain. */
export const AGENDA_SCHEDULE_MINUTES = 15;

/** Props of the IntakeSchedule. */
export interface IntakeScheduleProps {
  readonly store: ReferralStore;
  readonly mailer: Mailer;
  /** CLINIC_CONFIG, with `intakePlanning.agendaLeadHours`. */
  readonly clinicConfig: string;
  /** PUBLIC_BASE_URL for the agenda links (built from the RestApi id, as for the task links). */
  readonly publicBaseUrl: string;
}

/**
 * The intake meetings' clock: an EventBridge rule, `rate(15 minutes)`, runs SendAgendas, which emails
 * each meeting's team its agenda link once, within the configured lead time before the meeting.
 *
 * Least privilege: the function may query the worklist index (where meetings sit in their own
 * sparse partition), get items, and update or put items (the agenda claim and its lookup item,
 * in one transaction); it cannot delete, scan or batch-write. It may send email only as Frist.
 */
export class IntakeSchedule extends Construct {
  public readonly sendAgendas: FristFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: IntakeScheduleProps) {
    super(scope, id);
    const { store, mailer } = props;

    this.sendAgendas = new FristFunction(this, "SendAgendasFunction", {
      entry: "functions/handlers/send-agendas.ts",
      description: "Frist schedule: emails each intake meeting's team its agenda link, once",
      timeout: FUNCTION_TIMEOUTS.mail,
      environment: {
        TABLE_NAME: store.tableName,
        CLINIC_CONFIG: props.clinicConfig,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        ...mailer.environment,
      },
    });

    const tableArn = store.table.tableArn;
    this.sendAgendas.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem"],
        resources: [tableArn, `${tableArn}/index/${REFERRAL_INDEXES.worklist.name}`],
      }),
    );
    const stack = Stack.of(this);
    this.sendAgendas.addToRolePolicy(
      new PolicyStatement({
        actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [store.key.keyArn],
        conditions: { StringEquals: { "kms:ViaService": `dynamodb.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
    mailer.grantSend(this.sendAgendas);

    this.rule = new Rule(this, "AgendaRule", {
      description: "Frist: sends intake meeting agendas ahead of each meeting",
      schedule: Schedule.rate(Duration.minutes(AGENDA_SCHEDULE_MINUTES)),
    });
    // A failed run is retried by the next one (the claim is given back on failure); no async retries
    // that could overlap it.
    this.rule.addTarget(new LambdaFunction(this.sendAgendas, { retryAttempts: 0 }));
  }
}
