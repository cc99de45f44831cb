/**
 * The local CloudWatch stand-in (lib/local/emulators/cloudwatch-local.ts): its alarm evaluation, for
 * any datapoints (property-based: Sum over the window against the threshold decides ALARM), and the
 * stack's alarms answered through DescribeAlarms behind the IAM gateway: operations' home function
 * reads them through Frist's own adapter, a function without the grant is refused with AccessDenied,
 * and a metric from a function's EMF line sets its alarm off on the simulated clock.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudWatchOperationsAlarms } from "../../functions/adapters/cloudwatch-alarms";
import { BREACH_METRIC } from "../../functions/domain/deadline-timer";
import { ALARM_NAME_PREFIX } from "../../functions/domain/operations-alarms";
import {
  type AlarmDefinition,
  type CloudWatchLocal,
  type Datapoint,
  emfDatapoints,
  evaluateAlarm,
  readAlarms,
  startCloudWatchLocal,
} from "../../lib/local/emulators/cloudwatch-local";
import {
  type FunctionPolicy,
  type IamGateway,
  readFunctionPolicies,
  startIamGateway,
} from "../../lib/local/iam/gateway";
import { type CfnTemplate, createResolver, readFunctions } from "../../lib/local/template";
import { fristStack, resources } from "../support/template";

const PERIOD_S = 300;
const PERIOD = PERIOD_S * 1000;

/** An alarm like the stack's "at least one" alarms: Sum over 5 minutes, missing data not breaching. */
const alarm = (overrides: Partial<AlarmDefinition> = {}): AlarmDefinition => ({
  name: "Frist-Test",
  description: "",
  namespace: "Frist",
  metricName: "Thing",
  dimensions: { service: "frist" },
  statistic: "Sum",
  periodSeconds: PERIOD_S,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 1,
  comparison: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  ...overrides,
});

describe("the stand-in's alarm evaluation", () => {
  const created = 1_000 * PERIOD;

  it("is ALARM exactly when, in at least DatapointsToAlarm of the last EvaluationPeriods periods, the Sum reaches the threshold", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 12 * PERIOD }),
            value: fc.integer({ min: 0, max: 3 }),
          }),
          {
            maxLength: 30,
          },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: PERIOD, max: 12 * PERIOD }),
        (raw, periods, wanted, threshold, elapsed) => {
          // Prepare
          const datapointsToAlarm = Math.min(wanted, periods);
          const points: Datapoint[] = raw.map(({ offset, value }) => ({ at: created + offset, value }));
          const now = created + elapsed;
          const definition = alarm({ evaluationPeriods: periods, datapointsToAlarm, threshold });

          // Act
          const { state } = evaluateAlarm(definition, points, now, created);

          // Assess: the oracle sums each period of the window on its own (the window ends with the
          // period under way once it has data, else with the last complete one).
          const under = Math.floor(now / PERIOD);
          const current = points.some((p) => Math.floor(p.at / PERIOD) === under && p.at <= now)
            ? under
            : under - 1;
          let reaching = 0;
          for (let index = current - periods + 1; index <= current; index += 1) {
            const sum = points
              .filter((p) => Math.floor(p.at / PERIOD) === index && p.at <= now)
              .reduce((total, p) => total + p.value, 0);
            if (sum >= threshold) reaching += 1;
          }
          expect(state).toBe(reaching >= datapointsToAlarm ? "ALARM" : "OK");
        },
      ),
    );
  });

  it("counts a period without data by TreatMissingData once it has ended, and never before the alarm existed", () => {
    const schedule = alarm({ threshold: 1, comparison: "LessThanThreshold", treatMissingData: "breaching" });
    // The period under way, without data: nothing to count yet.
    expect(evaluateAlarm(schedule, [], created + PERIOD / 2, created).state).toBe("INSUFFICIENT_DATA");
    // It ended without a run: breaching.
    expect(evaluateAlarm(schedule, [], created + PERIOD + 1, created).state).toBe("ALARM");
    // A run in the period under way: not breaching.
    expect(
      evaluateAlarm(schedule, [{ at: created + PERIOD + 5, value: 1 }], created + PERIOD + 10, created).state,
    ).toBe("OK");
    // Missing data that is just missing: insufficient.
    expect(
      evaluateAlarm(alarm({ treatMissingData: "missing" }), [], created + 3 * PERIOD, created).state,
    ).toBe("INSUFFICIENT_DATA");
  });

  it("computes Maximum and Average, and sees no data for a statistic it does not compute", () => {
    const points = [
      { at: created + 10, value: 2 },
      { at: created + 20, value: 6 },
    ];
    const at = created + 30;
    expect(evaluateAlarm(alarm({ statistic: "Maximum", threshold: 6 }), points, at, created).state).toBe(
      "ALARM",
    );
    expect(evaluateAlarm(alarm({ statistic: "Average", threshold: 5 }), points, at, created).state).toBe(
      "OK",
    );
    expect(evaluateAlarm(alarm({ statistic: undefined }), points, at, created).state).toBe(
      "INSUFFICIENT_DATA",
    );
  });

  it("reads Powertools' EMF documents: each metric by its dimension set", () => {
    const line = {
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          {
            Namespace: "Frist",
            Dimensions: [["service"]],
            Metrics: [{ Name: "DeadlineBreached", Unit: "Count" }],
          },
        ],
      },
      service: "frist",
      DeadlineBreached: 1,
      referralId: "r-1",
    };
    expect(emfDatapoints(line)).toEqual([
      { namespace: "Frist", metricName: "DeadlineBreached", dimensions: { service: "frist" }, values: [1] },
    ]);
    expect(emfDatapoints({ message: "not a metric" })).toEqual([]);
  });
});

const region = "eu-north-1";
const template = { Resources: resources } as CfnTemplate;
const resolve = createResolver(template, { region, stackName: fristStack.stackName });
const policies = readFunctionPolicies(template, { region });
const functions = readFunctions(template);

function policyOf(handler: string): FunctionPolicy {
  const fn = Object.values(functions).find(
    (candidate) => candidate.entry === `functions/handlers/${handler}`,
  );
  const policy = fn && policies[fn.logicalId];
  if (!fn || !policy) throw new Error(`no function for ${handler}`);
  return policy;
}

describe("the stack's alarms through DescribeAlarms, behind the IAM check", () => {
  let now = new Date("2026-04-20T08:00:00Z");
  let cloudwatch: CloudWatchLocal;
  let gateway: IamGateway<"cloudwatch">;
  const clients: CloudWatchClient[] = [];
  const clientAs = (policy: FunctionPolicy) => {
    const client = new CloudWatchClient({
      endpoint: gateway.endpoints.cloudwatch,
      region,
      credentials: { accessKeyId: policy.accessKeyId, secretAccessKey: "local" },
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloudwatch = await startCloudWatchLocal({ template, resolve, region, now: () => now });
    gateway = await startIamGateway({ upstreams: { cloudwatch: cloudwatch.endpoint }, template, region });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all([gateway?.stop(), cloudwatch?.stop()]);
  });

  it("loads every alarm of the template, names and dimensions resolved", () => {
    const alarms = readAlarms(template, resolve);
    const count = Object.values(resources).filter((r) => r.Type === "AWS::CloudWatch::Alarm").length;
    expect(alarms).toHaveLength(count);
    expect(alarms.every((a) => a.name.startsWith(`${ALARM_NAME_PREFIX}-`))).toBe(true);
    const breached = alarms.find((a) => a.name === "Frist-DeadlineBreached-Critical");
    expect(breached).toMatchObject({
      namespace: BREACH_METRIC.namespace,
      metricName: BREACH_METRIC.name,
      dimensions: { service: BREACH_METRIC.service },
      statistic: "Sum",
      threshold: 1,
    });
  });

  it("lets operations' home function read every alarm, paged, and sets one off from a function's EMF line", async () => {
    // Prepare
    const home = new CloudWatchOperationsAlarms(clientAs(policyOf("staff-home.ts")));
    now = new Date(now.getTime() + 10 * 60_000);

    // Act
    const before = await home.list();
    cloudwatch.putEmfLine(
      JSON.stringify({
        _aws: {
          Timestamp: now.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: BREACH_METRIC.namespace,
              Dimensions: [["service"]],
              Metrics: [{ Name: BREACH_METRIC.name, Unit: "Count" }],
            },
          ],
        },
        service: BREACH_METRIC.service,
        [BREACH_METRIC.name]: 1,
      }),
    );
    now = new Date(now.getTime() + 1_000);
    const after = await home.list();

    // Assess
    const count = Object.values(resources).filter((r) => r.Type === "AWS::CloudWatch::Alarm").length;
    expect(before).toHaveLength(count);
    expect(before.find((a) => a.name === "Frist-DeadlineBreached-Critical")?.state).toBe("OK");
    const breached = after.find((a) => a.name === "Frist-DeadlineBreached-Critical");
    expect(breached).toMatchObject({ state: "ALARM", since: new Date(now.getTime() - 1_000).toISOString() });
    expect(breached?.reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[1 /);
    expect(breached?.description).toContain("What to do: The clinic lead has the escalation email");
  });

  it("refuses DescribeAlarms with AccessDenied to a function its role does not grant it", async () => {
    const refused = clientAs(policyOf("get-referral.ts")).send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: ALARM_NAME_PREFIX }),
    );
    await expect(refused).rejects.toMatchObject({ name: "AccessDenied" });
    expect(gateway.refusals().at(-1)).toMatchObject({ action: "cloudwatch:DescribeAlarms" });
  });

  it("refuses operations' home function alarms beyond the stack's own (no prefix: every alarm)", async () => {
    const refused = clientAs(policyOf("staff-home.ts")).send(new DescribeAlarmsCommand({}));
    await expect(refused).rejects.toMatchObject({ name: "AccessDenied" });
  });
});
