/**
 * The OperationsAlarms port on CloudWatch: DescribeAlarms for the names beginning with "Frist", every
 * page. The client is built on first use, fails fast like the other clients (clients.ts: one
 * attempt, 1 s to connect, 5 s to answer), and its endpoint comes from the SDK's configuration
 * (AWS_ENDPOINT_URL_CLOUDWATCH locally: the CloudWatch stand-in behind the IAM check).
 */
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
  ALARM_NAME_PREFIX,
  type AlarmStateValue,
  type OperationsAlarm,
  type OperationsAlarms,
} from "../domain/operations-alarms";
import { CLIENT_TIMEOUTS } from "./clients";
import { traced } from "./tracing";

/** Alarms per DescribeAlarms page: CloudWatch's maximum, so the stack's 150-odd alarms take two calls. */
const PAGE_SIZE = 100;

/** At most this many pages: a runaway NextToken must not hold the home. */
const MAX_PAGES = 20;

const STATES = new Set<AlarmStateValue>(["OK", "ALARM", "INSUFFICIENT_DATA"]);

/** One alarm of DescribeAlarms as the port gives it (an unknown state counts as too little data). */
export function operationsAlarmOf(alarm: MetricAlarm): OperationsAlarm {
  const state = alarm.StateValue as AlarmStateValue | undefined;
  return {
    name: alarm.AlarmName ?? "",
    state: state && STATES.has(state) ? state : "INSUFFICIENT_DATA",
    since: (alarm.StateUpdatedTimestamp ?? alarm.StateTransitionedTimestamp ?? new Date(0)).toISOString(),
    reason: alarm.StateReason ?? "",
    description: alarm.AlarmDescription ?? "",
  };
}

/** The stack's alarms through DescribeAlarms (`AlarmNamePrefix` "Frist"). */
export class CloudWatchOperationsAlarms implements OperationsAlarms {
  constructor(private readonly client: CloudWatchClient) {}

  async list(): Promise<OperationsAlarm[]> {
    const alarms: OperationsAlarm[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await this.client.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: ALARM_NAME_PREFIX,
          MaxRecords: PAGE_SIZE,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      alarms.push(...(answer.MetricAlarms ?? []).map(operationsAlarmOf));
      nextToken = answer.NextToken;
      if (!nextToken) break;
    }
    return alarms;
  }
}

let client: CloudWatchClient | undefined;
/** The CloudWatch client, built on first use and kept for the container. */
export function cloudWatchClient(): CloudWatchClient {
  client ??= traced(new CloudWatchClient({ requestHandler: { ...CLIENT_TIMEOUTS }, maxAttempts: 1 }));
  return client;
}

/** The stack's alarms, over the shared client. */
export function operationsAlarmsFromEnv(): OperationsAlarms {
  return new CloudWatchOperationsAlarms(cloudWatchClient());
}
