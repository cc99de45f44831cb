/**
 * The start of care after a granted right: the timer's two points, the reminder to the lead, the
 * check at the end of the deadline day (kept, or a fristbrudd recorded once with its Helfo
 * notification, the patient's letter and a metric), staff recording the start, and the Helfo export.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../functions/domain/decision";
import type { ReferralRecord } from "../../functions/domain/records";
import { referralView } from "../../functions/domain/referral-view";
import {
  checkStartOfCare,
  helfoNotificationsCsv,
  markHelfoReported,
  planStartOfCare,
  recordStartOfCare,
  remindStartOfCare,
  START_OF_CARE_BREACH_METRIC,
} from "../../functions/domain/start-of-care";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
} from "../support/fakes";

const LEAD = "ingrid.lie@smerteklinikk.example";
const PATIENT = "kari.nordmann@pasient.example";

const granted: Decision = {
  outcome: "granted",
  careForm: "team",
  startOfCareDeadline: "2025-06-27", // a Friday
  plannedStart: "2025-06-02",
  assessedBy: "ingrid.lie@smerteklinikk.example",
};

let store: InMemoryReferralStore;
let clock: FakeClock;
let mailer: RecordingMailer;
let metrics: RecordingMetrics;
const config = testClinicConfig();
const deps = () => ({ store, clock, mailer, metrics, config, publicBaseUrl: "https://frist.example/prod" });

function decidedReferral(overrides: Partial<ReferralRecord> = {}): ReferralRecord {
  return testReferral({
    status: "decided",
    decision: { decision: granted, taskId: "task-1", decidedAt: "2025-03-14T10:00:00.000Z" },
    ...overrides,
  });
}

beforeEach(() => {
  store = new InMemoryReferralStore();
  clock = new FakeClock(new Date("2025-03-14T10:05:00.000Z"));
  mailer = new RecordingMailer();
  metrics = new RecordingMetrics();
});

describe("the start-of-care timer", () => {
  it("reminds at the start of the 10th working day before the deadline and checks at the end of the deadline day (Oslo)", async () => {
    store.seed(decidedReferral());

    const timer = await planStartOfCare(deps(), "ref-1");

    // 10 working days before Friday 27 June 2025 is Friday 13 June; Oslo is UTC+2 in summer.
    expect(timer).toEqual({
      referralId: "ref-1",
      remindAt: "2025-06-12T22:00:00.000Z",
      deadlineAt: "2025-06-27T21:59:59.999Z",
    });
  });

  it("reminds at once when the deadline is closer than the reminder lead", async () => {
    store.seed(
      decidedReferral({
        decision: {
          decision: { ...granted, startOfCareDeadline: "2025-03-18" },
          taskId: "t",
          decidedAt: "2025-03-14T10:00:00.000Z",
        },
      }),
    );
    const timer = await planStartOfCare(deps(), "ref-1");
    expect(timer.remindAt).toBe(clock.now().toISOString());
  });

  it("reminds the clinic lead once, neutrally, unless a start is recorded", async () => {
    store.seed(decidedReferral());

    const first = await remindStartOfCare(deps(), "ref-1");
    const again = await remindStartOfCare(deps(), "ref-1");

    expect([first, again]).toEqual([{ started: false }, { started: false }]);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    const email = mailer.sent[0];
    expect(email?.text).toContain("Fristen for oppstart er 27. juni 2025");
    // It links to the referral's staff page (after sign-in), where the start is recorded.
    expect(email?.text).toContain("https://frist.example/prod/staff/referrals/ref-1");
    expect(email?.html).toContain(
      '<a href="https://frist.example/prod/staff/referrals/ref-1">Åpne henvisningen</a>',
    );
    expect(`${email?.subject}${email?.text}${email?.html}`).not.toMatch(/Kari|Nordmann|15038512282/);
    expect(store.eventTypesOf("ref-1")).toEqual(["start-of-care-reminded"]);
  });

  it("skips the reminder when care has started", async () => {
    store.seed(decidedReferral({ careStartedOn: "2025-06-02" }));
    expect(await remindStartOfCare(deps(), "ref-1")).toEqual({ started: true });
    expect(mailer.sent).toEqual([]);
  });
});

describe("the check at the end of the deadline day", () => {
  it("keeps the deadline when care started on or before it", async () => {
    store.seed(decidedReferral({ careStartedOn: "2025-06-27" }));
    clock.set("2025-06-27T22:00:00.000Z");

    expect(await checkStartOfCare(deps(), "ref-1")).toEqual({ breached: false });
    expect(await store.listHelfoNotifications()).toEqual([]);
    expect(mailer.sent).toEqual([]);
    expect(store.eventTypesOf("ref-1")).toEqual(["start-of-care-kept"]);
  });

  it("records a fristbrudd once: the Helfo notification, the patient's letter, the lead's notice, a metric", async () => {
    // Prepare: no start recorded; the deadline day is over.
    store.seed(decidedReferral());
    clock.set("2025-06-27T22:00:00.000Z");

    // Act: the step runs twice (a retry).
    const first = await checkStartOfCare(deps(), "ref-1");
    const retry = await checkStartOfCare(deps(), "ref-1");

    // Assess
    expect([first, retry]).toEqual([{ breached: true }, { breached: true }]);
    const notifications = await store.listHelfoNotifications();
    expect(notifications).toEqual([
      {
        referralId: "ref-1",
        breachedAt: "2025-06-27T22:00:00.000Z",
        startOfCareDeadline: "2025-06-27",
        decidedOn: "2025-03-14",
        careForm: "team",
        patient: { nationalId: "15038512282", name: "Kari Nordmann", birthDate: "1985-03-15" },
        clinic: { name: "Smerteklinikken", department: "Tverrfaglig smerteklinikk" },
        status: "to-report",
      },
    ]);
    expect(mailer.sent.map((email) => email.to)).toEqual([PATIENT, LEAD]);
    const notice = mailer.sent[0];
    expect(notice?.subject).not.toMatch(/Kari|Nordmann|Fristbrudd/);
    expect(notice?.text).not.toContain("fristen");
    const letter = [...store.letters.values()].find((l) => l.letterKind === "start-of-care-breach");
    expect(letter?.status).toBe("sent");
    expect(letter?.text).toContain("Helsehjelpen er ikke satt i gang innen fristen.");
    expect(letter?.text).toContain("Sykehuset har meldt fristbruddet til Helfo.");
    expect(letter?.text).toContain("Helfo Pasientformidling på telefon 33 52 80 00");
    expect(metrics.records).toEqual([{ name: START_OF_CARE_BREACH_METRIC, ids: { referralId: "ref-1" } }]);
    expect(store.eventTypesOf("ref-1").filter((type) => type === "start-of-care-breached")).toHaveLength(1);
    const file = await store.getReferralFile("ref-1");
    expect(file && referralView(file).startOfCare).toEqual({
      deadline: "2025-06-27",
      plannedStart: "2025-06-02",
      startedOn: null,
      breached: true,
    });
  });

  it("counts a start recorded after the deadline as a breach", async () => {
    store.seed(decidedReferral({ careStartedOn: "2025-06-30" }));
    clock.set("2025-06-30T22:00:00.000Z");
    expect(await checkStartOfCare(deps(), "ref-1")).toEqual({ breached: true });
  });
});

describe("staff record the start", () => {
  it("records the planned start and the day care started, shown in startOfCare", async () => {
    store.seed(decidedReferral());
    const actor = { kind: "staff" as const, id: "ingrid" };

    const planned = await recordStartOfCare(deps(), "ref-1", { plannedStart: "2025-05-20" }, actor);
    clock.set("2025-05-20T08:00:00.000Z");
    const started = await recordStartOfCare(deps(), "ref-1", { startedOn: "2025-05-20" }, actor);

    expect(planned).toMatchObject({
      kind: "recorded",
      startOfCare: { plannedStart: "2025-05-20", startedOn: null },
    });
    expect(started).toEqual({
      kind: "recorded",
      startOfCare: {
        deadline: "2025-06-27",
        plannedStart: "2025-05-20",
        startedOn: "2025-05-20",
        breached: false,
      },
    });
    expect(store.eventTypesOf("ref-1")).toEqual(["start-of-care-recorded", "start-of-care-recorded"]);
  });

  it("refuses a start in the future or before the decision, a planned start in the past, and an empty body", async () => {
    store.seed(decidedReferral());
    const actor = { kind: "staff" as const, id: "ingrid" };
    const pathsOf = async (body: unknown) => {
      const result = await recordStartOfCare(deps(), "ref-1", body, actor);
      return result.kind === "invalid" ? result.issues.map((issue) => issue.path) : [];
    };
    expect(await pathsOf({ startedOn: "2025-03-15" })).toEqual(["startedOn"]);
    expect(await pathsOf({ startedOn: "2025-03-13" })).toEqual(["startedOn"]);
    expect(await pathsOf({ plannedStart: "2025-03-13" })).toEqual(["plannedStart"]);
    expect(await pathsOf({})).toEqual(["startedOn"]);
    expect(await pathsOf({ startedOn: "14.03.2025" })).toEqual(["startedOn"]);
    expect(store.eventTypesOf("ref-1")).toEqual([]);
  });

  it("answers not-granted for a refusal and unknown for no referral", async () => {
    store.seed(
      decidedReferral({
        decision: {
          decision: { outcome: "refused", justification: "j", advice: "a", assessedBy: "x" },
          taskId: "t",
          decidedAt: "2025-03-14T10:00:00.000Z",
        },
      }),
    );
    const actor = { kind: "staff" as const, id: "ingrid" };
    expect(await recordStartOfCare(deps(), "ref-1", { startedOn: "2025-03-14" }, actor)).toEqual({
      kind: "not-granted",
    });
    expect(await recordStartOfCare(deps(), "nope", { startedOn: "2025-03-14" }, actor)).toEqual({
      kind: "unknown",
    });
  });
});

describe("the Helfo export", () => {
  it("writes one CSV row per breach, every cell quoted, formulas neutralised", () => {
    const csv = helfoNotificationsCsv([
      {
        referralId: "ref-1",
        breachedAt: "2025-06-27T22:00:00.000Z",
        startOfCareDeadline: "2025-06-27",
        decidedOn: "2025-03-14",
        careForm: "team",
        patient: { nationalId: "15038512282", name: '=HYPERLINK("x") "Kari"', birthDate: "1985-03-15" },
        clinic: { name: "Smerteklinikken", department: "Tverrfaglig smerteklinikk" },
        status: "to-report",
      },
    ]);
    const [head, row, end] = csv.split("\r\n");
    expect(head).toBe(
      "referralId,breachedAt,startOfCareDeadline,decidedOn,careForm,nationalId,name,birthDate,clinic,status,reportedOn,reportedBy",
    );
    expect(row).toContain('"15038512282","\'=HYPERLINK(""x"") ""Kari""","1985-03-15"');
    expect(end).toBe("");
  });
});

describe("a Helfo notification marked reported", () => {
  /** A recorded fristbrudd (deadline Friday 27 June 2025, breached in the first instant after it). */
  async function breached() {
    store.seed(decidedReferral());
    clock.set("2025-06-27T22:00:00.000Z");
    await checkStartOfCare(deps(), "ref-1");
  }

  it("records the day and who once, with an event, and the export carries both in JSON and CSV", async () => {
    // Prepare
    await breached();
    clock.set("2025-06-30T08:00:00.000Z");

    // Act
    const result = await markHelfoReported(deps(), "ref-1", { reportedOn: "2025-06-30" }, LEAD);
    const again = await markHelfoReported(deps(), "ref-1", { reportedOn: "2025-06-30" }, "someone@else");

    // Assess
    expect(result).toMatchObject({
      kind: "reported",
      notification: { status: "reported", reportedOn: "2025-06-30", reportedBy: LEAD },
    });
    expect(again).toMatchObject({ kind: "already", notification: { reportedBy: LEAD } });
    const [stored] = await store.listHelfoNotifications();
    expect(stored).toMatchObject({
      status: "reported",
      reportedOn: "2025-06-30",
      reportedBy: LEAD,
      reportedAt: "2025-06-30T08:00:00.000Z",
    });
    expect(store.eventsOf("ref-1").filter((event) => event.type === "helfo-reported")).toEqual([
      {
        type: "helfo-reported",
        at: "2025-06-30T08:00:00.000Z",
        actor: { kind: "staff", id: LEAD },
        details: { reportedOn: "2025-06-30", startOfCareDeadline: "2025-06-27" },
      },
    ]);
    const row = helfoNotificationsCsv(await store.listHelfoNotifications()).split("\r\n")[1];
    expect(row).toMatch(/,"reported","2025-06-30","ingrid\.lie@smerteklinikk\.example"$/);
  });

  it("takes today (Oslo) when no day is given", async () => {
    await breached();
    clock.set("2025-06-30T22:30:00.000Z"); // already 1 July in Oslo

    const result = await markHelfoReported(deps(), "ref-1", {}, LEAD);

    expect(result).toMatchObject({ kind: "reported", notification: { reportedOn: "2025-07-01" } });
  });

  it("refuses a day in the future or before the breach, and a referral without a notification, changing nothing", async () => {
    await breached();
    clock.set("2025-06-30T08:00:00.000Z");

    const future = await markHelfoReported(deps(), "ref-1", { reportedOn: "2025-07-01" }, LEAD);
    const early = await markHelfoReported(deps(), "ref-1", { reportedOn: "2025-06-27" }, LEAD);
    const notADate = await markHelfoReported(deps(), "ref-1", { reportedOn: "30.06.2025" }, LEAD);
    const unknown = await markHelfoReported(deps(), "ref-2", {}, LEAD);

    expect(future).toMatchObject({ kind: "invalid", issues: [{ path: "reportedOn" }] });
    expect(early).toMatchObject({ kind: "invalid", issues: [{ path: "reportedOn" }] });
    expect(notADate).toMatchObject({ kind: "invalid", issues: [{ path: "reportedOn" }] });
    expect(unknown).toEqual({ kind: "unknown" });
    expect((await store.listHelfoNotifications())[0]?.status).toBe("to-report");
    expect(store.eventTypesOf("ref-1")).not.toContain("helfo-reported");
  });
});
