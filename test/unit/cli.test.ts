/**
 * `frist deadline`: the legal clock of a referral received at a given moment, run in-process through
 * runCli (plus one real `npx frist` run, as a clinic would type it).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DeadlineReport, runCli } from "../../bin/cli";
import { osloDate } from "../../functions/domain/calendar";
import { legalClockConfigSchema } from "../../functions/domain/clinic";
import { legalClockFor } from "../../functions/domain/legal-clock";
import { receiveReferral } from "../../functions/domain/receive-referral";
import { FakeClock, FakeWorkflow, InMemoryReferralStore } from "../support/fakes";
import { sampleReferral } from "../support/http";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the CLI with a CDK context of its own (default: no "frist:legalClock", so every default applies). */
function run(argv: string[], context: Record<string, unknown> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    context: () => context,
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

function report(argv: string[], context: Record<string, unknown> = {}): DeadlineReport {
  const result = run([...argv, "--json"], context);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as DeadlineReport;
}

describe("frist deadline", () => {
  it("counts 10 working days across Easter 2025: received Wednesday 16 April, due Tuesday 6 May", () => {
    // Act
    const result = report(["deadline", "2025-04-16T10:00:00+02:00"]);

    // Assess
    expect(result).toMatchObject({
      receivedAt: "2025-04-16T08:00:00.000Z",
      receivedAtOslo: "2025-04-16T10:00:00+02:00",
      receivedOn: "2025-04-16",
      clockStartDate: "2025-04-16",
      assessmentDueDate: "2025-05-06",
      deadline: { oslo: "2025-05-06T23:59:59.999+02:00", utc: "2025-05-06T21:59:59.999Z" },
      reminder: {
        workingDay: 8,
        date: "2025-05-02",
        oslo: "2025-05-02T00:00:00+02:00",
        utc: "2025-05-01T22:00:00.000Z",
      },
    });
  });

  it("prints plain English lines with the dates written the Norwegian way", () => {
    // Act
    const { code, stdout, stderr } = run(["deadline", "2025-04-16T10:00:00+02:00"]);

    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.split("\n");
    expect(lines[0]).toBe("Received:        16. april 2025 at 10:00 Oslo time (2025-04-16T08:00:00.000Z)");
    expect(lines[1]).toContain("16. april 2025 (2025-04-16), the day of receipt in Oslo");
    expect(lines[2]).toMatch(/^Assessment due: {2}6\. mai 2025 \(2025-05-06\), working day 10/);
    expect(lines[3]).toBe(
      "Reminder point:  2. mai 2025 at 00:00 Oslo time (2025-05-01T22:00:00.000Z), the start of working day 8",
    );
    expect(stdout).not.toContain("Urgent");
  });

  it("makes a Saturday receipt day 0 and starts counting on Monday", () => {
    const result = report(["deadline", "2025-03-08T11:00:00+01:00"]);

    expect(result.clockStartDate).toBe("2025-03-08");
    expect(result.assessmentDueDate).toBe("2025-03-21");
    expect(result.reminder).toMatchObject({ date: "2025-03-19", utc: "2025-03-18T23:00:00.000Z" });
  });

  it("counts Saturdays when cdk.json's frist:legalClock makes them working days", () => {
    const monToSat = { "frist:legalClock": { workingWeekdays: [1, 2, 3, 4, 5, 6] } };

    const result = report(["deadline", "2025-03-08T11:00:00+01:00"], monToSat);

    expect(result.assessmentDueDate).toBe("2025-03-20");
    expect(result.calendar.workingWeekdays).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("takes the context value as a JSON string too, as `cdk -c` passes it", () => {
    const result = report(["deadline", "2025-03-10T09:00:00+01:00"], {
      "frist:legalClock": JSON.stringify({ closures: ["2025-03-11"] }),
    });

    expect(result.assessmentDueDate).toBe("2025-03-25");
  });

  describe("around the changes to and from summer time", () => {
    it("takes the day of receipt in Oslo: 23:30 UTC on the last Sunday of October is Monday 00:30 in Oslo", () => {
      const result = report(["deadline", "2025-10-26T23:30:00Z"]);

      expect(result.receivedAtOslo).toBe("2025-10-27T00:30:00+01:00");
      expect(result.receivedOn).toBe("2025-10-27");
      expect(result.assessmentDueDate).toBe("2025-11-10");
    });

    it("takes 22:00 UTC on a summer evening as the next day in Oslo", () => {
      expect(report(["deadline", "2025-06-30T21:59:59Z"]).receivedOn).toBe("2025-06-30");
      expect(report(["deadline", "2025-06-30T22:00:00Z"]).receivedOn).toBe("2025-07-01");
    });

    it("puts a reminder after the autumn change at 00:00 winter time (23:00 UTC)", () => {
      const result = report(["deadline", "2025-10-20T10:00:00+02:00"]);

      expect(result.reminder).toEqual({
        workingDay: 8,
        date: "2025-10-30",
        oslo: "2025-10-30T00:00:00+01:00",
        utc: "2025-10-29T23:00:00.000Z",
      });
      expect(result.assessmentDueDate).toBe("2025-11-03");
    });

    it("puts a reminder after the spring change at 00:00 summer time (22:00 UTC)", () => {
      const result = report(["deadline", "2025-03-20T12:00:00+01:00"]);

      expect(result.reminder).toMatchObject({
        date: "2025-04-01",
        oslo: "2025-04-01T00:00:00+02:00",
        utc: "2025-03-31T22:00:00.000Z",
      });
      expect(result.assessmentDueDate).toBe("2025-04-03");
    });

    it("reads a plain date as 12:00 Oslo time, on the days the clocks change as well", () => {
      expect(report(["deadline", "2025-04-16"]).receivedAt).toBe("2025-04-16T10:00:00.000Z");
      expect(report(["deadline", "2025-03-30"]).receivedAt).toBe("2025-03-30T10:00:00.000Z");
      expect(report(["deadline", "2025-10-26"]).receivedAt).toBe("2025-10-26T11:00:00.000Z");
      expect(report(["deadline", "2025-01-15"]).receivedAtOslo).toBe("2025-01-15T12:00:00+01:00");
    });
  });

  it("gives an urgent referral the internal target and the earlier reminder", () => {
    // Act
    const result = report(["deadline", "2025-04-16T10:00:00+02:00", "--priority", "urgent"]);
    const text = run(["deadline", "2025-04-16T10:00:00+02:00", "--priority", "urgent"]).stdout;

    // Assess
    expect(result.priority).toBe("urgent");
    expect(result.urgentTarget).toEqual({ workingDays: 5, date: "2025-04-28" });
    expect(result.reminder).toMatchObject({ workingDay: 3, date: "2025-04-24" });
    expect(result.assessmentDueDate).toBe("2025-05-06");
    expect(text).toContain("Urgent target:   28. april 2025 (2025-04-28), working day 5");
  });

  it("counts a forwarded referral from its ansiennitetsdato and says when the reminder had passed at receipt", () => {
    // Act
    const argv = ["deadline", "2025-04-16T10:00:00+02:00", "--forwarded-from", "2025-04-02"];
    const result = report(argv);
    const text = run(argv).stdout;

    // Assess
    expect(result).toMatchObject({
      kind: "forwarded",
      receivedOn: "2025-04-16",
      clockStartDate: "2025-04-02",
      assessmentDueDate: "2025-04-16",
      reminder: { date: "2025-04-14" },
      passedAtReceipt: { reminder: true, deadline: false },
    });
    expect(text).toContain("ansiennitetsdato");
    expect(text).toContain("the reminder point had already passed at receipt");
  });

  it("prints exactly one JSON object with --json", () => {
    const { stdout } = run(["deadline", "--json", "2025-04-16T10:00:00+02:00"]);

    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(Object.keys(JSON.parse(stdout)).sort()).toEqual(
      [
        "assessmentDueDate",
        "calendar",
        "clockStartDate",
        "deadline",
        "kind",
        "passedAtReceipt",
        "priority",
        "receivedAt",
        "receivedAtOslo",
        "receivedOn",
        "reminder",
      ].sort(),
    );
  });

  it.each([
    ["no command", [], /missing a command/],
    ["an unknown command", ["deadlines"], /unknown command "deadlines"/],
    ["a missing timestamp", ["deadline"], /missing the timestamp/],
    ["a date that does not exist", ["deadline", "2025-02-30"], /"2025-02-30" is not a real date/],
    ["a timestamp on a date that does not exist", ["deadline", "2025-02-30T10:00:00Z"], /not a real date/],
    ["a word instead of a timestamp", ["deadline", "yesterday"], /"yesterday" is not a timestamp/],
    ["a timestamp without a time zone", ["deadline", "2025-04-16T10:00:00"], /has no time zone/],
    ["an hour that does not exist", ["deadline", "2025-04-16T24:00:00Z"], /not a real time of day/],
    ["a date in Norwegian order", ["deadline", "16.04.2025"], /is not a timestamp/],
    ["an unknown option", ["deadline", "2025-04-16", "--bogus"], /Unknown option '--bogus'/],
    ["an unknown priority", ["deadline", "2025-04-16", "--priority", "high"], /--priority must be/],
    [
      "a bad forwarded date",
      ["deadline", "2025-04-16", "--forwarded-from", "2025-02-30"],
      /--forwarded-from/,
    ],
    [
      "an ansiennitetsdato after the receipt",
      ["deadline", "2025-04-16", "--forwarded-from", "2025-04-17"],
      /cannot be in the future/,
    ],
    [
      "a bad timestamp among good ones",
      ["deadline", "2025-04-16", "nope", "2025-04-17"],
      /"nope" is not a timestamp/,
    ],
  ])("exits with 2 and a clear message on stderr for %s", (_what, argv, message) => {
    const { code, stdout, stderr } = run(argv as string[]);

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Run "frist --help" for usage.');
  });

  it.each([[["--help"]], [["-h"]], [["help"]], [["deadline", "--help"]]])(
    "prints the usage for %j",
    (argv) => {
      const { code, stdout, stderr } = run(argv);

      expect(code).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).toMatch(/^Usage: frist deadline <timestamp>\.\.\. \[options\]/);
      expect(stdout).toContain("--forwarded-from YYYY-MM-DD");
    },
  );

  it("exits with 1 and names the context key when the calendar rules are invalid", () => {
    const { code, stderr } = run(["deadline", "2025-04-16"], { "frist:legalClock": { workingWeekdays: [] } });

    expect(code).toBe(1);
    expect(stderr).toMatch(/"frist:legalClock" is invalid: workingWeekdays/);
  });

  it("reads the calendar rules from the repository's cdk.json by default", () => {
    const out: string[] = [];

    const code = runCli(["deadline", "2025-04-16T10:00:00+02:00", "--json"], {
      out: (text) => out.push(text),
      err: () => undefined,
    });

    expect(code).toBe(0);
    expect(JSON.parse(out.join("")).calendar.workingWeekdays.length).toBeGreaterThan(0);
  });

  it("runs as `npx frist deadline … --json` from the repository", async () => {
    // Act
    const { stdout } = await promisify(execFile)(
      "npx",
      ["frist", "deadline", "2025-04-16T10:00:00+02:00", "--json"],
      { cwd: REPO_ROOT, timeout: 50_000 },
    );

    // Assess
    expect(JSON.parse(stdout).assessmentDueDate).toBe("2025-05-06");
  });

  it("prints one JSON object per line for several timestamps, in the order given", () => {
    // Prepare
    const timestamps = ["2025-04-16T10:00:00+02:00", "2024-12-31T23:30:00+01:00", "2025-03-30T00:30:00Z"];

    // Act
    const { code, stdout } = run(["deadline", ...timestamps, "--json"]);

    // Assess
    expect(code).toBe(0);
    const lines = stdout.split("\n").map((line) => JSON.parse(line) as DeadlineReport);
    expect(lines.map((line) => line.receivedAt)).toEqual(timestamps.map((t) => new Date(t).toISOString()));
    for (const [i, line] of lines.entries())
      expect(line).toEqual(report(["deadline", timestamps[i] as string]));
  });

  it("prints a block of text per timestamp, separated by a blank line", () => {
    const { stdout } = run(["deadline", "2025-04-16", "2025-04-17"]);
    expect(stdout.split("\n\n")).toHaveLength(2);
    expect(stdout.match(/^Received: /gm)).toHaveLength(2);
  });

  it("uses the service's legal clock: the same due date, reminder and urgent target for every instant and rule set", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("2020-01-01T00:00:00Z"),
          max: new Date("2030-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        fc.constantFrom("ordinary" as const, "urgent" as const),
        fc.subarray([1, 2, 3, 4, 5, 6], { minLength: 1 }),
        (instant, priority, workingWeekdays) => {
          const legalClock = { workingWeekdays };
          const cli = report(["deadline", instant.toISOString(), "--priority", priority], {
            "frist:legalClock": legalClock,
          });
          const service = legalClockFor(
            { clockStartDate: osloDate(instant), priority },
            legalClockConfigSchema.parse(legalClock),
          );
          expect(cli.assessmentDueDate).toBe(service.assessmentDueDate);
          expect(cli.reminder.utc).toBe(service.reminderAt.toISOString());
          expect(cli.deadline.utc).toBe(service.deadline.toISOString());
          expect(cli.urgentTarget?.date).toBe(service.internalTargetDate);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("checks 1,000 timestamps in one `npx frist deadline` call, each agreeing with the due date POST /referrals answers", async () => {
    // Prepare: every 7 h 13 min from 20 December 2024, across Christmas, Easter, 17 May and both DST nights.
    const start = Date.parse("2024-12-20T00:00:00Z");
    const instants = Array.from({ length: 1000 }, (_, i) => new Date(start + i * (7 * 60 + 13) * 60_000));
    const receipts = new Map<string, string>();
    const store = new InMemoryReferralStore();
    for (const [i, instant] of instants.entries()) {
      const received = await receiveReferral(
        {
          store,
          workflow: new FakeWorkflow(),
          clock: new FakeClock(instant),
          newReferralId: () => `ref-${i}`,
          legalClock: legalClockConfigSchema.parse({}),
        },
        {
          idempotencyKey: `key-${i}`,
          portal: "arn:aws:iam::123456789012:user/portal",
          body: sampleReferral(),
        },
      );
      if (received.outcome !== "accepted") throw new Error(`receipt ${i}: ${received.outcome}`);
      receipts.set(instant.toISOString(), received.receipt.assessmentDueDate);
    }

    // Act
    const { stdout } = await promisify(execFile)(
      "npx",
      ["frist", "deadline", ...instants.map((instant) => instant.toISOString()), "--json"],
      { cwd: REPO_ROOT, timeout: 50_000, maxBuffer: 16 * 1024 * 1024 },
    );

    // Assess
    const lines = stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as DeadlineReport);
    expect(lines).toHaveLength(1000);
    expect(lines.map((line) => line.receivedAt)).toEqual(instants.map((instant) => instant.toISOString()));
    for (const line of lines) expect(line.assessmentDueDate).toBe(receipts.get(line.receivedAt));
  }, 60_000);
});
