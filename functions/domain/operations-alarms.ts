/**
 * The stack's CloudWatch alarms as operations' home shows them (GET /staff): the alarms in ALARM
 * first, each with since when, CloudWatch's reason and the what-to-do of its description, then how
 * many are OK or have too little data. Read through a small port (the adapter asks CloudWatch's
 * DescribeAlarms for the names beginning with {@link ALARM_NAME_PREFIX}); the domain never sees the SDK.
 *
 * No health data: the alarms' names and descriptions are fixed text written in
 * lib/constructs/operations.ts, and CloudWatch's state reason quotes only metric values and times.
 */

/** Every alarm of the stack is named with this prefix (cdk-monitoring-constructs' `alarmNamePrefix`). */
export const ALARM_NAME_PREFIX = "Frist";

/** An alarm's state, as CloudWatch names it. */
export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** One alarm as the port reads it. */
export interface OperationsAlarm {
  name: string;
  state: AlarmStateValue;
  /** When the alarm entered its state (CloudWatch's StateUpdatedTimestamp), ISO 8601. */
  since: string;
  /** CloudWatch's reason for the state, e.g. "Threshold Crossed: 1 datapoint [1.0 …]". */
  reason: string;
  /** The alarm's description: what happened, what to do, the runbook (operations.ts `describe`). */
  description: string;
}

/** The port: the stack's alarms (every page of them). Throws when CloudWatch cannot be read. */
export interface OperationsAlarms {
  list(): Promise<OperationsAlarm[]>;
}

/** An alarm in ALARM on the home. */
export interface HomeAlarm {
  name: string;
  since: string;
  reason: string;
  /** The "What to do:" part of its description (the whole description when it has none). */
  whatToDo: string;
}

/** The alarm section of operations' home: the alarms in ALARM and the others counted, or unreadable. */
export type HomeAlarms =
  | { readable: true; inAlarm: HomeAlarm[]; ok: number; insufficientData: number }
  | { readable: false };

/**
 * What to do, from a description written by operations.ts `describe` ("Frist: <what> What to do:
 * <todo> Runbook: <where>."): the todo. A description of another form is given whole.
 */
export function whatToDoOf(description: string): string {
  const match = /What to do:\s*(.*?)\s*(?:Runbook:.*)?$/s.exec(description);
  const todo = match?.[1]?.trim();
  return todo && todo.length > 0 ? todo : description.trim();
}

/**
 * The home's alarm section from what the port read: the alarms in ALARM, longest in that state first
 * (then by name), and a count of the rest by state.
 */
export function homeAlarms(alarms: readonly OperationsAlarm[]): HomeAlarms {
  const inAlarm = alarms
    .filter((alarm) => alarm.state === "ALARM")
    .sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name))
    .map((alarm) => ({
      name: alarm.name,
      since: alarm.since,
      reason: alarm.reason,
      whatToDo: whatToDoOf(alarm.description),
    }));
  return {
    readable: true,
    inAlarm,
    ok: alarms.filter((alarm) => alarm.state === "OK").length,
    insufficientData: alarms.filter((alarm) => alarm.state === "INSUFFICIENT_DATA").length,
  };
}

/**
 * Reads the alarm section. CloudWatch unreadable (down, refused, throttled) is not the home's
 * failure: the section says it could not be read, and the rest of the home is shown.
 */
export async function readHomeAlarms(alarms: OperationsAlarms): Promise<HomeAlarms> {
  try {
    return homeAlarms(await alarms.list());
  } catch {
    return { readable: false };
  }
}
