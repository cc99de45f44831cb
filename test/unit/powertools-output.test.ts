/**
 * What the functions print, read off the raw stdout lines as Lambda's JSON log format would ship
 * them: the breach step's metric is an Embedded Metric Format object with `_aws` at the top level
 * (CloudWatch extracts it), and a log line is one JSON object with its own level, ids and error names
 * only.
 */
import { format } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "../../functions/adapters/logger";
import { powertoolsMetrics } from "../../functions/adapters/metrics";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { recordBreach } from "../../functions/domain/deadline-timer";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
} from "../support/fakes";

const PATIENT_DATA = ["Kari", "Nordmann", "15038512282", "L18", "Muskelsmerter", "nakke"];

let lines: string[];
const saved = { quiet: process.env.FRIST_QUIET, format: process.env.AWS_LAMBDA_LOG_FORMAT };

/**
 * Lambda's Node.js runtime under the JSON log format: console.* becomes one JSON event whose
 * `message` is the formatted text. Whatever a function writes to stdout directly goes out as is.
 */
function lambdaJsonConsole(level: string) {
  return (...args: unknown[]) => {
    lines.push(
      JSON.stringify({
        timestamp: new Date().toISOString(),
        level,
        requestId: "req-1",
        message: format(...args),
      }),
    );
  };
}

beforeEach(() => {
  lines = [];
  delete process.env.FRIST_QUIET;
  process.env.AWS_LAMBDA_LOG_FORMAT = "JSON";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  vi.spyOn(console, "log").mockImplementation(lambdaJsonConsole("INFO"));
  vi.spyOn(console, "warn").mockImplementation(lambdaJsonConsole("WARN"));
  vi.spyOn(console, "error").mockImplementation(lambdaJsonConsole("ERROR"));
});

afterEach(() => {
  vi.restoreAllMocks();
  if (saved.quiet === undefined) delete process.env.FRIST_QUIET;
  else process.env.FRIST_QUIET = saved.quiet;
  if (saved.format === undefined) delete process.env.AWS_LAMBDA_LOG_FORMAT;
  else process.env.AWS_LAMBDA_LOG_FORMAT = saved.format;
});

const events = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe("the breach step's output", () => {
  it("is one EMF record with _aws at the top level, counting DeadlineBreaches in Frist with the referral id only", async () => {
    // Prepare: a referral waiting on its task, due Monday 17 March 2025; the clock is past it.
    const store = new InMemoryReferralStore();
    const clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
    const deps = {
      render: renderer,
      store,
      clock,
      mailer: new RecordingMailer(),
      metrics: powertoolsMetrics,
      workflow: new FakeWorkflow(),
      config: testClinicConfig(),
      publicBaseUrl: "https://api.example/prod",
    };
    store.seed(testReferral());
    await planIntake(deps, "ref-1");
    await notifyAssessors(deps, { referralId: "ref-1", taskToken: "token-1", phase: "initial" });
    clock.set("2025-03-18T06:00:00Z");
    lines.length = 0;

    // Act
    await recordBreach(deps, { referralId: "ref-1" });
    await recordBreach(deps, { referralId: "ref-1" });

    // Assess: exactly one line for two runs (the breach is recorded once), parsed from raw stdout.
    const records = events().filter((event) => "_aws" in event);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "Frist",
            Dimensions: [["service"]],
            Metrics: [{ Name: "DeadlineBreaches", Unit: "Count" }],
          },
        ],
      },
      service: "frist",
      DeadlineBreaches: 1,
      referralId: "ref-1",
    });
    expect(lines.some((line) => line.includes('\\"_aws\\"'))).toBe(false);
    for (const datum of PATIENT_DATA) expect(lines.join("\n")).not.toContain(datum);
  });
});

describe("a log line", () => {
  it("is one JSON object with its own level, keeping ids and dropping every other field", () => {
    // Act
    logger.warn("something to look at", {
      referralId: "ref-1",
      taskIds: "task-1",
      outcome: "granted",
      note: "Kari Nordmann 15038512282",
      patientId: "Kari Nordmann",
    });

    // Assess
    expect(events()).toEqual([
      expect.objectContaining({
        level: "WARN",
        message: "something to look at",
        service: "frist",
        referralId: "ref-1",
        taskIds: "task-1",
      }),
    ]);
    const [event] = events();
    expect(Object.keys(event ?? {})).not.toContain("outcome");
    expect(Object.keys(event ?? {})).not.toContain("patientId");
    for (const datum of PATIENT_DATA) expect(lines.join("\n")).not.toContain(datum);
  });

  it("names an error without its message or stack", () => {
    // Act
    logger.error("recording a decision failed", new RangeError("Kari Nordmann 15038512282 has L18"), {
      referralId: "ref-1",
    });

    // Assess
    expect(events()).toEqual([
      expect.objectContaining({ level: "ERROR", referralId: "ref-1", errorName: "RangeError" }),
    ]);
    expect(lines.join("\n")).not.toMatch(/stack|Kari|15038512282|L18/);
  });

  it("is silent at info in quiet mode, and errors still print", () => {
    // Prepare
    process.env.FRIST_QUIET = "1";

    // Act
    logger.info("referral received", { referralId: "ref-1" });
    logger.error("receiving a referral failed", new Error("x"));

    // Assess
    expect(events().map((event) => event.level)).toEqual(["ERROR"]);
  });
});
