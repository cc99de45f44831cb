import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Construct } from "constructs";
import { FristFunction, FUNCTION_TIMEOUTS } from "./frist-function";
import type { Mailer } from "./mailer";
import type { ReferralStore } from "./referral-store";

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
 * Least privilege: the function may query the meetings' partition of the worklist index, get, put,
 * update and delete meeting items (its seat counter's agenda claim; each member's email claim,
 * given back when SES refuses the send), and put an agenda's lookup item; nothing of a referral,
 * no scan, no batch write. It may send email only as Frist.
 */
export class IntakeSchedule extends Construct {
  public readonly sendAgendas: FristFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: IntakeScheduleProps) {
    super(scope, id);
    this.sendAgendas = new FristFunction(this, "SendAgendasFunction", {
      entry: "functions/handlers/send-agendas.ts",
      description: "Frist schedule: emails each intake meeting's team its agenda link, once",
      timeout: FUNCTION_TIMEOUTS.mail,
      // The meetings on the worklist index; the agenda claim and its lookup item in one write; each
      // member's email claimed under the meeting, the claim given back when SES refuses the send.
      uses: {
        table: {
          get: ["meeting"],
          put: ["agenda", "meeting"],
          update: ["meeting"],
          delete: ["meeting"],
          indexes: { worklist: ["meetings"] },
        },
        clinicConfig: true,
        publicBaseUrl: true,
        mailer: true,
      },
      resources: {
        store: props.store,
        mailer: props.mailer,
        clinicConfig: props.clinicConfig,
        publicBaseUrl: props.publicBaseUrl,
      },
    });

    this.rule = new Rule(this, "AgendaRule", {
      description: "Frist: sends intake meeting agendas ahead of each meeting",
      schedule: Schedule.rate(Duration.minutes(AGENDA_SCHEDULE_MINUTES)),
    });
    // A failed run is retried by the next one (the claim is given back on failure); no async retries
    // that could overlap it.
    this.rule.addTarget(new LambdaFunction(this.sendAgendas, { retryAttempts: 0 }));
  }
}
