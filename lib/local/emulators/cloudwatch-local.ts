/**
 * A small CloudWatch stand-in for the local stack: the stack's alarms, evaluated from the metrics the
 * local stack actually has, answered through DescribeAlarms. It exists because no maintained
 * CloudWatch emulator is reachable here (none on npm or in Debian; no moto, no LocalStack), and
 * operations' home (GET /staff) reads the alarms with the SDK's own DescribeAlarms.
 *
 * The subset it implements:
 * - the API: DescribeAlarms only, in the protocol @aws-sdk/client-cloudwatch 3.1162 speaks (AWS JSON
 *   1.0, `X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms`; timestamps in epoch seconds),
 *   with `AlarmNamePrefix`, `AlarmNames`, `StateValue`, `MaxRecords` and `NextToken`; metric alarms
 *   only. The functions reach it through the IAM gateway, which checks cloudwatch:DescribeAlarms
 *   against each function's policy as for every other service;
 * - the alarms: the template's `AWS::CloudWatch::Alarm` resources (names and dimensions resolved),
 *   on one metric, either as `MetricName`/`Namespace`/`Dimensions`/`Statistic`/`Period` or as a
 *   `Metrics` list of a single `MetricStat` (cdk-monitoring-constructs' form). Math expressions and
 *   percentiles are not computed: such an alarm sees no data;
 * - the metrics: the functions' Powertools EMF lines (`_aws.CloudWatchMetrics`, which the local Lambda
 *   runtime hands on from each function's stdout), Lambda `Errors` per function (an invocation that
 *   threw), Step Functions `ExecutionsFailed` per state machine, and EventBridge `Invocations` per
 *   scheduled rule. Every datapoint is stamped with the simulated clock when it arrives;
 * - the evaluation ({@link evaluateAlarm}): Sum, Maximum, Minimum, Average and SampleCount over
 *   `Period`, the last `EvaluationPeriods` periods up to now, `DatapointsToAlarm` of them breaching
 *   by `ComparisonOperator` and `Threshold`, missing periods by `TreatMissingData`. One difference
 *   from CloudWatch, so that a local alarm fires when its metric arrives rather than at the end of
 *   the period: the period under way counts with the data it has so far (a period without data counts
 *   as missing only once it has ended). Periods that ended before the stand-in started count as
 *   nothing (the alarm did not exist then). State changes are found lazily, at the instants where the
 *   window's content changes, so a simulated year costs no timer.
 * Loopback only, in memory only.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { LOOPBACK, listenOnFreePort } from "../ports";
import { type CfnTemplate, LOCAL_ACCOUNT_ID, type Resolver } from "../template";

/** An alarm's state, as CloudWatch names it. */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** The statistics the stand-in computes; anything else (a percentile) is `undefined`: no data. */
export type Statistic = "Sum" | "Maximum" | "Minimum" | "Average" | "SampleCount";

/** One alarm as the template defines it, resolved. */
export interface AlarmDefinition {
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Undefined: a statistic or expression the stand-in does not compute (the alarm sees no data). */
  statistic: Statistic | undefined;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: string;
  treatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
}

/** One value of a metric, at an instant (ms since the epoch). */
export interface Datapoint {
  at: number;
  value: number;
}

/** An alarm's state at an instant, with CloudWatch's kind of reason. */
export interface AlarmEvaluation {
  state: AlarmState;
  reason: string;
}

const STATISTICS = new Set<string>(["Sum", "Maximum", "Minimum", "Average", "SampleCount"]);

function aggregate(statistic: Statistic, values: number[]): number {
  switch (statistic) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Maximum":
      return Math.max(...values);
    case "Minimum":
      return Math.min(...values);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "SampleCount":
      return values.length;
  }
}

/** Whether `value` breaches `threshold` by CloudWatch's comparison operator. */
export function breaches(comparison: string, value: number, threshold: number): boolean {
  switch (comparison) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    default:
      return false;
  }
}

const COMPARISON_WORDS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  GreaterThanThreshold: "greater than",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

/**
 * The alarm's state at `now` (ms) from its metric's datapoints: the last `evaluationPeriods` periods,
 * ending with the one under way once it has data (before that, with the last complete one), each
 * aggregated by the statistic; ALARM when at least `datapointsToAlarm` of them breach. A complete
 * period with no datapoint is missing and counted by `treatMissingData`; periods
 * that ended before `createdAt` are not counted at all. Nothing to count: INSUFFICIENT_DATA (or, for
 * `ignore`, the `previous` state).
 */
export function evaluateAlarm(
  alarm: AlarmDefinition,
  datapoints: readonly Datapoint[],
  now: number,
  createdAt: number,
  previous: AlarmState = "INSUFFICIENT_DATA",
): AlarmEvaluation {
  const period = alarm.periodSeconds * 1000;
  const inPeriod = (index: number) =>
    datapoints.filter(
      (point) => point.at >= index * period && point.at < (index + 1) * period && point.at <= now,
    );
  // The period under way counts once it has data; until then the window is the last complete periods.
  const under = Math.floor(now / period);
  const current = alarm.statistic && inPeriod(under).length > 0 ? under : under - 1;
  const counted: { start: number; value: number | undefined; breaching: boolean }[] = [];
  for (let index = current - alarm.evaluationPeriods + 1; index <= current; index += 1) {
    const start = index * period;
    const end = start + period;
    if (end <= createdAt) continue;
    const values = alarm.statistic
      ? datapoints
          .filter((point) => point.at >= start && point.at < end && point.at <= now)
          .map((p) => p.value)
      : [];
    if (values.length > 0 && alarm.statistic) {
      const value = aggregate(alarm.statistic, values);
      counted.push({ start, value, breaching: breaches(alarm.comparison, value, alarm.threshold) });
    } else if (end <= now) {
      if (alarm.treatMissingData === "breaching") counted.push({ start, value: undefined, breaching: true });
      if (alarm.treatMissingData === "notBreaching")
        counted.push({ start, value: undefined, breaching: false });
    }
  }
  if (counted.length === 0) {
    return alarm.treatMissingData === "ignore" && previous !== "INSUFFICIENT_DATA"
      ? { state: previous, reason: "No datapoints: the state is kept (TreatMissingData ignore)." }
      : {
          state: "INSUFFICIENT_DATA",
          reason: "Insufficient Data: no datapoints were received in the evaluation periods.",
        };
  }
  const breaching = counted.filter((entry) => entry.breaching);
  const state: AlarmState = breaching.length >= alarm.datapointsToAlarm ? "ALARM" : "OK";
  const shown = (state === "ALARM" ? breaching : counted).slice(-alarm.datapointsToAlarm);
  const points = shown
    .map(
      (entry) =>
        `${entry.value === undefined ? "missing" : entry.value} (${new Date(entry.start).toISOString()})`,
    )
    .join(", ");
  const words = COMPARISON_WORDS[alarm.comparison] ?? alarm.comparison;
  return {
    state,
    reason:
      state === "ALARM"
        ? `Threshold Crossed: ${breaching.length} out of the last ${counted.length} datapoints [${points}] ${breaching.length === 1 ? "was" : "were"} ${words} the threshold (${alarm.threshold}) (minimum ${alarm.datapointsToAlarm} datapoint${alarm.datapointsToAlarm === 1 ? "" : "s"} for OK -> ALARM transition).`
        : `Threshold Crossed: no ${alarm.datapointsToAlarm} of the last ${counted.length} datapoints [${points}] ${words} the threshold (${alarm.threshold}).`,
  };
}

/** The key of a metric: namespace, name and dimensions (sorted). */
export function metricKey(namespace: string, metricName: string, dimensions: Record<string, string>): string {
  const dims = Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
  return `${namespace}|${metricName}|${dims}`;
}

/** The template's alarms on one metric each, names and dimensions resolved. */
export function readAlarms(template: CfnTemplate, resolve: Resolver): AlarmDefinition[] {
  const text = (value: unknown) => String(resolve(value) ?? "");
  const dimensionsOf = (list: unknown): Record<string, string> =>
    Object.fromEntries(
      (Array.isArray(list) ? list : []).map((entry: { Name?: unknown; Value?: unknown }) => [
        text(entry.Name),
        text(entry.Value),
      ]),
    );
  const alarms: AlarmDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== "AWS::CloudWatch::Alarm") continue;
    const props = (resource.Properties ?? {}) as Record<string, unknown>;
    const metrics = Array.isArray(props.Metrics) ? (props.Metrics as Record<string, unknown>[]) : undefined;
    const stat =
      metrics?.length === 1
        ? (metrics[0]?.MetricStat as
            | { Metric?: Record<string, unknown>; Period?: unknown; Stat?: unknown }
            | undefined)
        : undefined;
    const metric = stat?.Metric ?? props;
    const statistic = String(stat ? (stat.Stat ?? "") : (props.Statistic ?? ""));
    alarms.push({
      name: props.AlarmName === undefined ? logicalId : text(props.AlarmName),
      description: props.AlarmDescription === undefined ? "" : text(props.AlarmDescription),
      namespace: text(metric.Namespace),
      metricName: text(metric.MetricName),
      dimensions: dimensionsOf(metric.Dimensions),
      // A list of metrics with an expression: not computed here.
      statistic: (metrics && !stat) || !STATISTICS.has(statistic) ? undefined : (statistic as Statistic),
      periodSeconds: Number(stat ? stat.Period : props.Period) || 60,
      evaluationPeriods: Number(props.EvaluationPeriods) || 1,
      datapointsToAlarm: Number(props.DatapointsToAlarm ?? props.EvaluationPeriods) || 1,
      threshold: Number(props.Threshold) || 0,
      comparison: String(props.ComparisonOperator ?? ""),
      treatMissingData: (["breaching", "notBreaching", "ignore"].includes(String(props.TreatMissingData))
        ? props.TreatMissingData
        : "missing") as AlarmDefinition["treatMissingData"],
    });
  }
  return alarms.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The metric values of one EMF document (Powertools' `_aws.CloudWatchMetrics`): each metric of each
 * directive, once per dimension set, its value (or values) from the document's top level.
 */
export function emfDatapoints(
  document: unknown,
): { namespace: string; metricName: string; dimensions: Record<string, string>; values: number[] }[] {
  if (typeof document !== "object" || document === null) return [];
  const doc = document as Record<string, unknown>;
  const directives = (doc._aws as { CloudWatchMetrics?: unknown } | undefined)?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  const found: ReturnType<typeof emfDatapoints> = [];
  for (const directive of directives as { Namespace?: unknown; Dimensions?: unknown; Metrics?: unknown }[]) {
    const sets = Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]) : [[]];
    for (const metric of Array.isArray(directive.Metrics)
      ? (directive.Metrics as { Name?: unknown }[])
      : []) {
      const raw = doc[String(metric.Name)];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === "number");
      if (values.length === 0) continue;
      for (const set of sets) {
        const names = Array.isArray(set) ? (set as unknown[]).map(String) : [];
        found.push({
          namespace: String(directive.Namespace ?? ""),
          metricName: String(metric.Name),
          dimensions: Object.fromEntries(names.map((name) => [name, String(doc[name] ?? "")])),
          values,
        });
      }
    }
  }
  return found;
}

/** A running CloudWatch stand-in. */
export interface CloudWatchLocal {
  /** What AWS_ENDPOINT_URL_CLOUDWATCH points at (through the IAM gateway for the functions). */
  endpoint: string;
  /** Records a value of a metric now (on the stand-in's clock). */
  put(namespace: string, metricName: string, dimensions: Record<string, string>, value: number): void;
  /** Records the metrics of an EMF log line (a function's stdout); other lines are ignored. */
  putEmfLine(line: string): void;
  /** Adds a source read at each evaluation (e.g. the failed executions the workflow engine knows). */
  addSource(
    source: () => {
      namespace: string;
      metricName: string;
      dimensions: Record<string, string>;
      points: Datapoint[];
    }[],
  ): void;
  /** Every alarm with its state now (for tests and the CLI). */
  alarms(): { name: string; state: AlarmState; since: Date; reason: string }[];
  stop(): Promise<void>;
}

interface AlarmRecord {
  definition: AlarmDefinition;
  state: AlarmState;
  reason: string;
  since: number;
  evaluatedAt: number;
}

const JSON_10 = "application/x-amz-json-1.0";
const TARGET_PREFIX = "GraniteServiceVersion20100801.";

/** Starts the stand-in on a loopback port, with the template's alarms, evaluated on `now`. */
export async function startCloudWatchLocal(options: {
  template: CfnTemplate;
  resolve: Resolver;
  region: string;
  now: () => Date;
  port?: number;
}): Promise<CloudWatchLocal> {
  const createdAt = options.now().getTime();
  const stored = new Map<string, Datapoint[]>();
  const sources: Parameters<CloudWatchLocal["addSource"]>[0][] = [];
  const records: AlarmRecord[] = readAlarms(options.template, options.resolve).map((definition) => ({
    definition,
    state: "INSUFFICIENT_DATA",
    reason: "Unchecked: Initial alarm creation",
    since: createdAt,
    evaluatedAt: createdAt,
  }));

  // No alarm looks further back than its window and one period more: older datapoints are dropped, so
  // a simulated year keeps no more than a window's worth.
  const keptMs = Math.max(
    0,
    ...records.map(({ definition }) => (definition.evaluationPeriods + 2) * definition.periodSeconds * 1000),
  );
  const put: CloudWatchLocal["put"] = (namespace, metricName, dimensions, value) => {
    const key = metricKey(namespace, metricName, dimensions);
    const at = options.now().getTime();
    const points = (stored.get(key) ?? []).filter((point) => point.at >= at - keptMs);
    points.push({ at, value });
    stored.set(key, points);
  };

  /** Every datapoint by metric key: what was put, and what the sources know now. */
  const datapoints = (): Map<string, Datapoint[]> => {
    const all = new Map(stored);
    for (const source of sources) {
      for (const series of source()) {
        const key = metricKey(series.namespace, series.metricName, series.dimensions);
        all.set(key, [...(all.get(key) ?? []), ...series.points]);
      }
    }
    return all;
  };

  /** Brings each alarm up to now: evaluated at each instant its window changed since it was last. */
  const evaluate = (): void => {
    const now = options.now().getTime();
    const all = datapoints();
    for (const record of records) {
      const { definition } = record;
      const period = definition.periodSeconds * 1000;
      // Only the instants whose window still reaches now can change the state it is in now.
      const horizon = Math.max(record.evaluatedAt, now - (definition.evaluationPeriods + 1) * period);
      const points = (
        all.get(metricKey(definition.namespace, definition.metricName, definition.dimensions)) ?? []
      ).filter((point) => point.at >= horizon - (definition.evaluationPeriods + 1) * period);
      // A state entered while nobody asked, over a window ago, is dated from the horizon.
      const instants = new Set<number>([horizon, now]);
      for (const at of [createdAt, ...points.map((point) => point.at)]) {
        const start = Math.floor(at / period) * period;
        for (const instant of [
          at,
          start + period,
          start + definition.evaluationPeriods * period,
          start + (definition.evaluationPeriods + 1) * period,
        ]) {
          if (instant >= horizon && instant <= now) instants.add(instant);
        }
      }
      for (const instant of [...instants].sort((a, b) => a - b)) {
        const result = evaluateAlarm(definition, points, instant, createdAt, record.state);
        if (result.state !== record.state) {
          record.state = result.state;
          record.since = instant;
        }
        record.reason = result.reason;
      }
      record.evaluatedAt = Math.max(record.evaluatedAt, now);
    }
  };

  const describe = (body: Record<string, unknown>) => {
    evaluate();
    const names = Array.isArray(body.AlarmNames) ? body.AlarmNames.map(String) : undefined;
    const prefix = typeof body.AlarmNamePrefix === "string" ? body.AlarmNamePrefix : "";
    const stateValue = typeof body.StateValue === "string" ? body.StateValue : undefined;
    const matching = records.filter(
      (record) =>
        (names ? names.includes(record.definition.name) : record.definition.name.startsWith(prefix)) &&
        (!stateValue || record.state === stateValue),
    );
    const max = Math.min(Math.max(Number(body.MaxRecords) || 50, 1), 100);
    const start = typeof body.NextToken === "string" ? Number(body.NextToken) || 0 : 0;
    const page = matching.slice(start, start + max);
    const account = LOCAL_ACCOUNT_ID;
    return {
      MetricAlarms: page.map(({ definition, state, reason, since }) => ({
        AlarmName: definition.name,
        AlarmArn: `arn:aws:cloudwatch:${options.region}:${account}:alarm:${definition.name}`,
        AlarmDescription: definition.description,
        ActionsEnabled: true,
        StateValue: state,
        StateReason: reason,
        StateUpdatedTimestamp: since / 1000,
        StateTransitionedTimestamp: since / 1000,
        MetricName: definition.metricName,
        Namespace: definition.namespace,
        ...(definition.statistic ? { Statistic: definition.statistic } : {}),
        Dimensions: Object.entries(definition.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Period: definition.periodSeconds,
        EvaluationPeriods: definition.evaluationPeriods,
        DatapointsToAlarm: definition.datapointsToAlarm,
        Threshold: definition.threshold,
        ComparisonOperator: definition.comparison,
        TreatMissingData: definition.treatMissingData,
      })),
      CompositeAlarms: [],
      ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
    };
  };

  const answer = (response: ServerResponse, status: number, body: unknown, queryError?: string) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": JSON_10,
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(queryError ? { "x-amzn-query-error": queryError } : {}),
    });
    response.end(text);
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const target = String(request.headers["x-amz-target"] ?? "");
      if (request.method !== "POST" || target !== `${TARGET_PREFIX}DescribeAlarms`) {
        answer(
          response,
          400,
          { __type: "com.amazon.coral.service#UnknownOperationException" },
          "UnknownOperation;Sender",
        );
        return;
      }
      let body: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
      } catch {
        answer(
          response,
          400,
          { __type: "com.amazon.coral.service#SerializationException" },
          "SerializationException;Sender",
        );
        return;
      }
      answer(response, 200, describe(body));
    });
  });
  const port = await listenOnFreePort(server, LOOPBACK, options.port);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    put,
    putEmfLine(line) {
      if (!line.includes('"_aws"')) return;
      let document: unknown;
      try {
        document = JSON.parse(line);
      } catch {
        return;
      }
      for (const found of emfDatapoints(document)) {
        for (const value of found.values) put(found.namespace, found.metricName, found.dimensions, value);
      }
    },
    addSource(source) {
      sources.push(source);
    },
    alarms() {
      evaluate();
      return records.map((record) => ({
        name: record.definition.name,
        state: record.state,
        since: new Date(record.since),
        reason: record.reason,
      }));
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
