/**
 * The alarms of the synthesized stack (cdk-monitoring-constructs' MonitoringFacade): every one goes
 * to the encrypted topic and says what to do, and together they cover everything that can stall a
 * referral: the API, every function, the workflow, the table, email, the schedule, the deadline.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { URGENT_TARGET_METRIC } from "../../functions/domain/deadline-timer";
import { createFristApp } from "../../lib/app";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = { Type: string; Properties: Record<string, Json> };

const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const resources = (
  app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, Resource> }
).Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** An alarm as operations reads it: its metric (plain or as the one metric of a math expression). */
interface WatchedMetric {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: string;
  period: number;
  threshold: number;
  comparison: string;
  missing: string;
  description: string;
  actions: Json;
}

const alarms: WatchedMetric[] = ofType("AWS::CloudWatch::Alarm").map(([id, alarm]) => {
  type Stat = { Metric: MetricJson; Stat: string; Period: number };
  type MetricJson = { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: Json }[] };
  const p = alarm.Properties as unknown as MetricJson & {
    Metrics?: { MetricStat?: Stat }[];
    Statistic: string;
    Period: number;
    Threshold: number;
    ComparisonOperator: string;
    TreatMissingData: string;
    AlarmDescription: string;
    AlarmActions: Json;
  };
  // A math alarm (FILL, a sum over operations) names its metric in the first MetricStat.
  const stat = p.Metrics?.find((m) => m.MetricStat)?.MetricStat;
  const metric: MetricJson = stat?.Metric ?? p;
  const dimensions = Object.fromEntries(
    ((metric.Dimensions ?? []) as { Name: string; Value: Json }[]).map((d) => [
      d.Name,
      typeof d.Value === "string" ? d.Value : JSON.stringify(d.Value),
    ]),
  );
  return {
    id,
    namespace: metric.Namespace,
    metricName: metric.MetricName,
    dimensions,
    statistic: stat?.Stat ?? p.Statistic,
    period: stat?.Period ?? p.Period,
    threshold: p.Threshold,
    comparison: p.ComparisonOperator,
    missing: p.TreatMissingData,
    description: p.AlarmDescription,
    actions: p.AlarmActions,
  };
});

const ref = (id: string) => JSON.stringify({ Ref: id });
/** "More than zero" or "at least one": any occurrence alarms. */
const onAny = (a: WatchedMetric) =>
  (a.comparison === "GreaterThanThreshold" && a.threshold === 0) ||
  (a.comparison === "GreaterThanOrEqualToThreshold" && a.threshold === 1);
function alarmOn(namespace: string, metricName: string, dimensions: Record<string, string>) {
  return alarms.filter(
    (a) =>
      a.namespace === namespace &&
      a.metricName === metricName &&
      Object.entries(dimensions).every(([name, value]) => a.dimensions[name] === value),
  );
}

describe("the alarms", () => {
  const [topicId] = ofType("AWS::SNS::Topic").map(([id]) => id);

  it("all publish to the encrypted operations topic and say what to do, pointing at the README's runbook", () => {
    expect(alarms.length).toBeGreaterThan(20);
    for (const alarm of alarms) {
      expect(alarm.actions, alarm.id).toEqual([{ Ref: topicId }]);
      expect(alarm.description, alarm.id).toMatch(/^Frist: .+ What to do: .+ Runbook: README\.md/);
    }
    expect(resources[topicId as string]?.Properties.KmsMasterKeyId).toBeDefined();
  });

  it("watch every function's errors, throttles and duration (at 80 % of its timeout)", () => {
    const functions = ofType("AWS::Lambda::Function");
    expect(functions.length).toBeGreaterThanOrEqual(20);
    for (const [id, fn] of functions) {
      const dims = { FunctionName: ref(id) };
      expect(alarmOn("AWS/Lambda", "Errors", dims).filter(onAny), `${id} errors`).toHaveLength(1);
      expect(alarmOn("AWS/Lambda", "Throttles", dims).filter(onAny), `${id} throttles`).toHaveLength(1);
      const [duration] = alarmOn("AWS/Lambda", "Duration", dims);
      expect(duration?.threshold, `${id} duration`).toBe(Number(fn.Properties.Timeout) * 1000 * 0.8);
      expect(duration?.comparison).toBe("GreaterThanThreshold");
    }
  });

  it("single out the workflow's MarkFailed function: failure handling that fails", () => {
    const [markFailed] = ofType("AWS::Lambda::Function").filter(([id]) => id.includes("MarkFailedFunction"));
    const [errors] = alarmOn("AWS/Lambda", "Errors", { FunctionName: ref(markFailed?.[0] as string) }).filter(
      onAny,
    );
    expect(errors?.description).toContain("MarkFailed step failed");
  });

  it("watch the API's 5xx answers (any) and its p99 latency (over 5 s) on the prod stage", () => {
    const api = { ApiName: "frist", Stage: "prod" };
    expect(alarmOn("AWS/ApiGateway", "5XXError", api).filter(onAny)).toHaveLength(1);
    const [latency] = alarmOn("AWS/ApiGateway", "Latency", api);
    expect(latency).toMatchObject({ statistic: "p99", threshold: 5000, comparison: "GreaterThanThreshold" });
  });

  it("watch the workflow's failed, timed-out, aborted and throttled executions (any)", () => {
    const [machineId] = ofType("AWS::StepFunctions::StateMachine").map(([id]) => id);
    for (const metric of [
      "ExecutionsFailed",
      "ExecutionsTimedOut",
      "ExecutionsAborted",
      "ExecutionThrottled",
    ]) {
      const found = alarmOn("AWS/States", metric, { StateMachineArn: ref(machineId as string) }).filter(
        onAny,
      );
      expect(found, metric).toHaveLength(1);
      expect(found[0]?.missing).toBe("notBreaching");
    }
  });

  it("watch the table's read and write throttling and system errors (any)", () => {
    const [tableId] = ofType("AWS::DynamoDB::Table").map(([id]) => id);
    const table = { TableName: ref(tableId as string) };
    const watched = alarms.filter(
      (a) => a.namespace === "AWS/DynamoDB" && a.dimensions.TableName === table.TableName,
    );
    expect(watched.filter((a) => a.metricName === "ReadThrottleEvents" && onAny(a))).toHaveLength(1);
    expect(watched.filter((a) => a.metricName === "WriteThrottleEvents" && onAny(a))).toHaveLength(1);
    expect(watched.filter((a) => a.metricName === "SystemErrors" && onAny(a))).toHaveLength(1);
  });

  it("watch email bounces and complaints, which the configuration set now sends to CloudWatch", () => {
    const [[, configurationSet]] = ofType("AWS::SES::ConfigurationSet") as [[string, Resource]];
    const name = configurationSet.Properties.Name as string;
    const [[, destination]] = ofType("AWS::SES::ConfigurationSetEventDestination") as [[string, Resource]];
    expect(destination.Properties).toMatchObject({
      ConfigurationSetName: { Ref: expect.any(String) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: expect.arrayContaining(["bounce", "complaint"]),
        CloudWatchDestination: {
          DimensionConfigurations: [
            {
              DimensionName: "ses:configuration-set",
              DimensionValueSource: "messageTag",
              DefaultDimensionValue: name,
            },
          ],
        },
      },
    });
    for (const metric of ["Bounce", "Complaint"]) {
      expect(
        alarmOn("AWS/SES", metric, { "ses:configuration-set": name }).filter(onAny),
        metric,
      ).toHaveLength(1);
    }
  });

  it("watch the agenda schedule: a failed invocation, and no run for three periods (silence alarms)", () => {
    const [ruleId] = ofType("AWS::Events::Rule").map(([id]) => id);
    const rule = { RuleName: ref(ruleId as string) };
    expect(alarmOn("AWS/Events", "FailedInvocations", rule).filter(onAny)).toHaveLength(1);
    const [missing] = alarmOn("AWS/Events", "Invocations", rule);
    expect(missing).toMatchObject({
      statistic: "Sum",
      period: 45 * 60,
      threshold: 1,
      comparison: "LessThanThreshold",
      missing: "breaching",
    });
  });

  it("watch every deadline breach: Frist's DeadlineBreaches metric as Powertools writes it (service dimension)", () => {
    const [breach] = alarmOn("Frist", "DeadlineBreaches", { service: "frist" }).filter(onAny);
    expect(breach).toMatchObject({ statistic: "Sum", period: 300, missing: "notBreaching" });
  });

  it("watch every urgent referral past its internal day-5 target (UrgentTargetMissed, the metric the timer writes)", () => {
    const [missed] = alarmOn("Frist", URGENT_TARGET_METRIC.name, { service: "frist" }).filter(onAny);
    expect(missed).toMatchObject({ statistic: "Sum", period: 300, threshold: 1, missing: "notBreaching" });
  });

  it("watch every missed start of care (StartOfCareBreached, the Helfo case)", () => {
    expect(alarmOn("Frist", "StartOfCareBreached", { service: "frist" }).filter(onAny)).toHaveLength(1);
  });

  it("have the runbook the descriptions point to", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain("## Alarms: what to do");
  });
});
