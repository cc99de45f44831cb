/**
 * Operations' home (GET /staff) with the stack's alarms, through the handler and Frist's CloudWatch
 * adapter, CloudWatch mocked with aws-sdk-client-mock: the alarms in ALARM first with what to do,
 * every page of DescribeAlarms read with the "Frist" prefix, and CloudWatch down leaves the page 200
 * with the alarm section saying it could not be read.
 */
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { InMemoryReferralStore, testClinicConfig } from "../support/fakes";
import { expectDocumentedAnswer } from "../support/openapi-answers";

vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => new InMemoryReferralStore(),
}));
vi.mock("../../functions/adapters/dynamo-worklist", () => ({
  worklistFromEnv: () => ({ page: async () => ({ rows: [] }) }),
}));
vi.mock("../../functions/adapters/dynamo-recovery-runs", () => ({
  recoveryRunsFromEnv: () => ({ record: async () => undefined, latest: async () => undefined }),
}));
vi.mock("../../functions/adapters/dynamo-postal-queue", () => ({
  postalQueueFromEnv: () => ({ page: async () => ({ letters: [] }) }),
}));
const signedIn = vi.hoisted(() => ({ sessions: new Map<string, unknown>() }));
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async (id: string) => signedIn.sessions.get(id),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({ record: async () => undefined, list: async () => [] }),
}));
vi.mock("../../functions/adapters/clock", () => ({
  systemClock: { now: () => new Date("2026-04-20T09:00:00Z") },
}));

type Handler = (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;
let handler: Handler;
const cloudwatch = mockClient(CloudWatchClient);
const OPERATIONS = "O".repeat(43);

const DESCRIPTION = (todo: string) => `Frist: Something happened. What to do: ${todo} Runbook: README.md.`;
const alarm = (name: string, state: string, since: string, todo = "Look."): MetricAlarm => ({
  AlarmName: name,
  StateValue: state as MetricAlarm["StateValue"],
  StateUpdatedTimestamp: new Date(since),
  StateReason: `Threshold Crossed: ${name}`,
  AlarmDescription: DESCRIPTION(todo),
});

beforeAll(async () => {
  process.env.TABLE_NAME = "frist";
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
  });
  process.env.CLINIC_CONFIG = JSON.stringify(testClinicConfig());
  process.env.FRIST_QUIET = "1";
  ({ handler } = (await import("../../functions/handlers/staff-home")) as unknown as { handler: Handler });
});

beforeEach(() => {
  // Sessions live by the wall clock.
  const now = new Date();
  signedIn.sessions.set(OPERATIONS, {
    principal: {
      kind: "staff",
      subject: "per",
      email: "per.berg@klinikk.example",
      name: "Per Berg",
      roles: ["operations"],
    },
    csrfToken: "token",
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
});

afterEach(() => cloudwatch.reset());

const home = (accept: string) =>
  handler({
    httpMethod: "GET",
    path: "/staff",
    resource: "/staff",
    pathParameters: null,
    queryStringParameters: null,
    headers: { Host: "api.example", Cookie: `frist_session=${OPERATIONS}`, Accept: accept },
    requestContext: { identity: {} },
    body: null,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent);

describe("operations' home with the stack's alarms", () => {
  it("lists the alarms in ALARM first, longest firing first, with what to do, read over every page with the Frist prefix", async () => {
    // Prepare: two pages, an alarm in ALARM on each.
    cloudwatch
      .on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves({
        MetricAlarms: [
          alarm("Frist-Api-Fault-Count-Critical", "OK", "2026-04-19T08:00:00Z"),
          alarm(
            "Frist-DeadlineBreached-Critical",
            "ALARM",
            "2026-04-20T08:30:00Z",
            "Decide the referral today.",
          ),
        ],
        NextToken: "page-2",
      })
      .on(DescribeAlarmsCommand, { NextToken: "page-2" })
      .resolves({
        MetricAlarms: [
          alarm("Frist-Workflow-Failed-Critical", "ALARM", "2026-04-20T07:00:00Z", "Open the executions."),
          alarm("Frist-ScheduleMissing-Critical", "INSUFFICIENT_DATA", "2026-04-18T08:00:00Z"),
        ],
      });

    // Act
    const json = await home("application/json");
    const page = await home("text/html");

    // Assess
    expect(json.statusCode).toBe(200);
    expectDocumentedAnswer("GET /staff", json);
    expect(JSON.parse(json.body).operations.alarms).toEqual({
      readable: true,
      inAlarm: [
        {
          name: "Frist-Workflow-Failed-Critical",
          since: "2026-04-20T07:00:00.000Z",
          reason: "Threshold Crossed: Frist-Workflow-Failed-Critical",
          whatToDo: "Open the executions.",
        },
        {
          name: "Frist-DeadlineBreached-Critical",
          since: "2026-04-20T08:30:00.000Z",
          reason: "Threshold Crossed: Frist-DeadlineBreached-Critical",
          whatToDo: "Decide the referral today.",
        },
      ],
      ok: 1,
      insufficientData: 1,
    });
    for (const call of cloudwatch.commandCalls(DescribeAlarmsCommand)) {
      expect(call.args[0].input).toMatchObject({ AlarmNamePrefix: "Frist" });
    }
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(4);
    expect(page.statusCode).toBe(200);
    expect(page.body.indexOf("Frist-Workflow-Failed-Critical")).toBeLessThan(
      page.body.indexOf("Frist-DeadlineBreached-Critical"),
    );
    expect(page.body).toContain("Hva du gjør: Decide the referral today.");
    expect(page.body).toContain("1 alarm er OK, 1 har for lite data.");
  });

  it("still answers 200 when CloudWatch is down, the alarm section saying it could not be read", async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(
        Object.assign(new Error("down"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } }),
      );

    // Act
    const json = await home("application/json");
    const page = await home("text/html");

    // Assess
    expect(json.statusCode).toBe(200);
    expectDocumentedAnswer("GET /staff", json);
    expect(JSON.parse(json.body).operations).toMatchObject({ failed: [], alarms: { readable: false } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Alarmene kunne ikke leses fra CloudWatch nå.");
    expect(page.body).not.toContain("down");
  });
});
