/**
 * The start of care after a granted right: the timer's two points, the reminder to the lead, the
 * check at the end of the deadline day (kept, or a fristbrudd recorded once with its Helfo
 * notification, the patient's letter and a metric), staff recording the start, and the Helfo export.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Decision } from "../../functions/domain/decision";
import { helfoNotificationsCsv, markHelfoReported } from "../../functions/domain/helfo-notification";
import type { ReferralRecord } from "../../functions/domain/records";
import { referralView } from "../../functions/domain/referral-view";
import {
  askToConfirmStart,
  checkStartOfCare,
  confirmBreachByDefault,
  planStartOfCare,
  remindStartOfCare,
  START_OF_CARE_BREACH_METRIC,
} from "../../functions/domain/start-of-care";
import {
  confirmStartOfCareBreach,
  recordExpectedBreach,
  recordStartOfCare,
} from "../../functions/domain/start-of-care-records";
import { renderHelfoListPage } from "../../functions/views/helfo-pages";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";
import { sampleReferral } from "../support/http";

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
const deps = () => ({
  store,
  clock,
  mailer,
  render: renderer,
  metrics,
  config,
  publicBaseUrl: "https://frist.example/prod",
});

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
  it("asks first on the working day after the planned start, then reminds at the start of the 10th working day before the deadline, then waits for the end of the deadline day (Oslo)", async () => {
    store.seed(decidedReferral());

    const first = await planStartOfCare(deps(), "ref-1");
    clock.set(first.at);
    const second = await askToConfirmStart(deps(), "ref-1");
    clock.set(second.at);
    const third = await remindStartOfCare(deps(), "ref-1");

    // Planned Monday 2 June: asked Tuesday 3 June. 10 working days before Friday 27 June 2025 is
    // Friday 13 June; Oslo is UTC+2 in summer.
    expect(first).toEqual({ referralId: "ref-1", next: "confirm-start", at: "2025-06-02T22:00:00.000Z" });
    expect(second).toEqual({ referralId: "ref-1", next: "remind", at: "2025-06-12T22:00:00.000Z" });
    expect(third).toEqual({ referralId: "ref-1", next: "deadline", at: "2025-06-27T21:59:59.999Z" });
  });

  it("reminds at once when the deadline is closer than the reminder lead", async () => {
    store.seed(
      decidedReferral({
        decision: {
          decision: { ...granted, startOfCareDeadline: "2025-03-18", plannedStart: "2025-03-18" },
          taskId: "t",
          decidedAt: "2025-03-14T10:00:00.000Z",
        },
      }),
    );
    const timer = await planStartOfCare(deps(), "ref-1");
    expect(timer).toMatchObject({ next: "remind", at: clock.now().toISOString() });
  });

  it("reminds the clinic lead once, neutrally, to confirm the planned start or record that it cannot be kept", async () => {
    store.seed(decidedReferral());

    await remindStartOfCare(deps(), "ref-1");
    await remindStartOfCare(deps(), "ref-1");

    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    const email = mailer.sent[0];
    expect(email?.text).toContain(
      "Fristen for oppstart er 27. juni 2025. Planlagt oppstart er 2. juni 2025.",
    );
    expect(email?.text).toContain("registrer på henvisningen at fristen ikke kan holdes, med årsak");
    // It links to the referral's staff page (after sign-in), where the start is recorded.
    expect(email?.text).toContain("https://frist.example/prod/staff/referrals/ref-1");
    expect(email?.html).toContain(
      '<a href="https://frist.example/prod/staff/referrals/ref-1">Åpne henvisningen</a>',
    );
    expect(`${email?.subject}${email?.text}${email?.html}`).not.toMatch(/Kari|Nordmann|15038512282/);
    expect(store.eventTypesOf("ref-1")).toEqual(["start-of-care-reminded"]);
  });

  it("works out the next point from what the reminder and the start confirmation wrote, reading the referral once, as a fresh read would", async () => {
    store.seed(decidedReferral());
    const spies = [vi.spyOn(store, "getReferral"), vi.spyOn(store, "getReferralHistory")];
    const reads = () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    clock.set("2025-06-03T08:00:00.000Z");

    const afterAsking = await askToConfirmStart(deps(), "ref-1");
    const readsToAsk = reads();
    const freshAfterAsking = await planStartOfCare(deps(), "ref-1");
    clock.set(afterAsking.at);
    const before = reads();
    const afterReminding = await remindStartOfCare(deps(), "ref-1");
    const readsToRemind = reads() - before;
    const freshAfterReminding = await planStartOfCare(deps(), "ref-1");

    expect(mailer.sent).toHaveLength(2);
    expect([readsToAsk, readsToRemind]).toEqual([1, 1]);
    expect(afterAsking).toEqual(freshAfterAsking);
    expect(afterReminding).toEqual(freshAfterReminding);
    expect(afterReminding).toMatchObject({ next: "deadline" });
  });

  it("ends the timer without a reminder when care has started", async () => {
    store.seed(decidedReferral({ careStartedOn: "2025-06-02" }));
    expect(await remindStartOfCare(deps(), "ref-1")).toMatchObject({ next: "done" });
    expect(mailer.sent).toEqual([]);
  });

  it("asks the clinician who granted the right and the lead, once per planned start, to confirm that care started", async () => {
    store.seed(
      decidedReferral({
        decision: {
          decision: { ...granted, assessedBy: "ola.haugen@smerteklinikk.example" },
          taskId: "t",
          decidedAt: "2025-03-14T10:00:00.000Z",
        },
      }),
    );
    clock.set("2025-06-02T22:00:00.000Z");

    await askToConfirmStart(deps(), "ref-1");
    await askToConfirmStart(deps(), "ref-1");

    expect(mailer.sent.map((email) => email.to)).toEqual(["ola.haugen@smerteklinikk.example", LEAD]);
    expect(mailer.sent[0]?.subject).toBe("Bekreft oppstart av helsehjelp");
    expect(mailer.sent[0]?.text).toContain("var oppstart planlagt 2. juni 2025");
    expect(`${mailer.sent[0]?.text}`).not.toMatch(/Kari|Nordmann|fristbrudd/i);
    expect(store.eventTypesOf("ref-1")).toEqual(["start-confirmation-requested"]);
  });

  it("asks about a planned start moved later only once the new one has passed", async () => {
    store.seed(decidedReferral({ carePlannedStart: "2025-06-10" }));
    clock.set("2025-06-02T22:00:00.000Z");

    const timer = await askToConfirmStart(deps(), "ref-1");

    expect(mailer.sent).toEqual([]);
    expect(timer).toEqual({ referralId: "ref-1", next: "confirm-start", at: "2025-06-10T22:00:00.000Z" });
  });
});

describe("the check at the end of the deadline day", () => {
  it("keeps the deadline when care started on or before it", async () => {
    store.seed(decidedReferral({ careStartedOn: "2025-06-27" }));
    clock.set("2025-06-27T22:00:00.000Z");

    expect(await checkStartOfCare(deps(), "ref-1")).toMatchObject({ next: "done" });
    expect(await store.listHelfoNotifications()).toEqual([]);
    expect(mailer.sent).toEqual([]);
    expect(store.eventTypesOf("ref-1")).toEqual(["start-of-care-kept"]);
  });

  it("with no start recorded, flags a probable breach and asks the lead to confirm: no Helfo notice, no letter", async () => {
    // Prepare: no start recorded; the deadline day is over.
    store.seed(decidedReferral());
    clock.set("2025-06-27T22:00:00.000Z");

    // Act: the step runs twice (a retry).
    const first = await checkStartOfCare(deps(), "ref-1");
    const retry = await checkStartOfCare(deps(), "ref-1");

    // Assess: the grace runs to the end of the second working day after Friday 27 June.
    expect([first, retry]).toEqual([
      { referralId: "ref-1", next: "grace", at: "2025-07-01T21:59:59.999Z" },
      { referralId: "ref-1", next: "grace", at: "2025-07-01T21:59:59.999Z" },
    ]);
    expect(await store.listHelfoNotifications()).toEqual([]);
    expect(store.letters.size).toBe(0);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    expect(mailer.sent[0]?.text).toContain("senest 1. juli 2025");
    expect(mailer.sent[0]?.text).not.toMatch(/Kari|Nordmann/);
    expect(metrics.records).toEqual([]);
    const file = await store.getReferralFile("ref-1");
    expect(file && referralView(file).startOfCare).toEqual({
      deadline: "2025-06-27",
      plannedStart: "2025-06-02",
      startedOn: null,
      breached: false,
      expectedBreach: false,
      probableBreach: true,
    });
  });

  it("at the end of the grace, with no answer, takes the law's default: the breach and its Helfo notice, the lead escalated, still no letter", async () => {
    store.seed(
      decidedReferral({
        submission: testSubmission({
          patient: { ...(sampleReferral().patient as Record<string, unknown>), phone: "+47 912 34 567" },
        }),
      }),
    );
    clock.set("2025-06-27T22:00:00.000Z");
    await checkStartOfCare(deps(), "ref-1");
    clock.set("2025-07-01T22:00:00.000Z");

    const first = await confirmBreachByDefault(deps(), "ref-1");
    await confirmBreachByDefault(deps(), "ref-1");

    expect(first).toMatchObject({ next: "done" });
    expect(await store.listHelfoNotifications()).toEqual([
      {
        referralId: "ref-1",
        breachedAt: "2025-07-01T22:00:00.000Z",
        basis: "default",
        startOfCareDeadline: "2025-06-27",
        decidedOn: "2025-03-14",
        careForm: "team",
        patient: {
          nationalId: "15038512282",
          name: "Kari Nordmann",
          birthDate: "1985-03-15",
          phone: "+47 912 34 567",
        },
        clinic: { name: "Smerteklinikken", department: "Tverrfaglig smerteklinikk" },
        status: "to-report",
      },
    ]);
    expect(store.letters.size).toBe(0);
    expect(mailer.sent.map((email) => email.subject)).toEqual([
      "Bekreft: oppstart ikke registrert innen fristen",
      "Fristbrudd registrert uten bekreftelse",
    ]);
    expect(mailer.sent[1]?.text).not.toContain("har fått brev");
    expect(metrics.records).toEqual([{ name: START_OF_CARE_BREACH_METRIC, ids: { referralId: "ref-1" } }]);
    expect((await store.getReferral("ref-1"))?.startOfCareBreachBasis).toBe("default");
    expect(store.eventTypesOf("ref-1").filter((type) => type === "start-of-care-breached")).toHaveLength(1);
  });

  it("keeps the deadline when a start on or before it is recorded during the grace: no breach", async () => {
    store.seed(decidedReferral());
    clock.set("2025-06-27T22:00:00.000Z");
    await checkStartOfCare(deps(), "ref-1");
    clock.set("2025-06-30T08:00:00.000Z");
    await recordStartOfCare(deps(), "ref-1", { startedOn: "2025-06-26" }, { kind: "staff", id: LEAD });
    clock.set("2025-07-01T22:00:00.000Z");

    expect(await confirmBreachByDefault(deps(), "ref-1")).toMatchObject({ next: "done" });
    expect(await store.listHelfoNotifications()).toEqual([]);
    expect(store.eventTypesOf("ref-1")).toContain("start-of-care-kept");
    expect((await store.getReferral("ref-1"))?.startOfCareBreached).toBeUndefined();
  });

  it("the lead confirms a probable breach: the notice goes on the list at once, and the grace's end adds nothing", async () => {
    store.seed(decidedReferral());
    clock.set("2025-06-27T22:00:00.000Z");
    await checkStartOfCare(deps(), "ref-1");
    clock.set("2025-06-30T08:00:00.000Z");

    const byAssessor = await confirmStartOfCareBreach(
      deps(),
      "ref-1",
      { breach: "confirmed" },
      { kind: "staff", id: "ola" },
      false,
    );
    const byLead = await confirmStartOfCareBreach(
      deps(),
      "ref-1",
      { breach: "confirmed" },
      { kind: "staff", id: LEAD },
      true,
    );
    clock.set("2025-07-01T22:00:00.000Z");
    await confirmBreachByDefault(deps(), "ref-1");

    expect(byAssessor).toEqual({ kind: "forbidden" });
    expect(byLead).toMatchObject({
      kind: "recorded",
      startOfCare: { breached: true, probableBreach: false },
    });
    expect(await store.listHelfoNotifications()).toMatchObject([
      { breachedAt: "2025-06-30T08:00:00.000Z", status: "to-report" },
    ]);
    expect((await store.getReferral("ref-1"))?.startOfCareBreachBasis).toBe("confirmed");
    expect(mailer.sent.map((email) => email.subject)).toEqual([
      "Bekreft: oppstart ikke registrert innen fristen",
    ]);
    expect(store.letters.size).toBe(0);
  });
});

describe("an expected breach, recorded before the deadline", () => {
  const reason = { breach: "expected", reason: "Ingen ledige timer hos fysioterapeut før fristen" };

  it("puts the Helfo notice on the list at once, marked expected, with the reason on the referral (not in the trail)", async () => {
    store.seed(decidedReferral());
    clock.set("2025-06-10T08:00:00.000Z");

    const result = await recordExpectedBreach(deps(), "ref-1", reason, { kind: "staff", id: "ola" });
    const again = await recordExpectedBreach(deps(), "ref-1", reason, { kind: "staff", id: "ola" });

    expect(result).toMatchObject({
      kind: "recorded",
      startOfCare: { expectedBreach: true, breached: false },
    });
    expect(again).toMatchObject({ kind: "already" });
    expect(await store.listHelfoNotifications()).toMatchObject([
      { referralId: "ref-1", expected: true, breachedAt: "2025-06-10T08:00:00.000Z", status: "to-report" },
    ]);
    expect((await store.getReferral("ref-1"))?.startOfCareExpectedBreach).toEqual({
      reason: reason.reason,
      by: "ola",
      at: "2025-06-10T08:00:00.000Z",
    });
    expect(JSON.stringify(store.eventsOf("ref-1"))).not.toContain("fysioterapeut");
    expect(store.letters.size).toBe(0);
  });

  it("needs a reason with content, a deadline not yet passed and no start recorded", async () => {
    store.seed(decidedReferral());
    clock.set("2025-06-10T08:00:00.000Z");
    const short = await recordExpectedBreach(
      deps(),
      "ref-1",
      { breach: "expected", reason: "." },
      { kind: "staff", id: "ola" },
    );
    clock.set("2025-06-27T22:30:00.000Z");
    const late = await recordExpectedBreach(deps(), "ref-1", reason, { kind: "staff", id: "ola" });

    expect(short).toMatchObject({ kind: "invalid", issues: [{ path: "reason" }] });
    expect(late).toMatchObject({ kind: "invalid", issues: [{ path: "breach" }] });
    expect(await store.listHelfoNotifications()).toEqual([]);
  });

  it("skips the reminder and the start confirmation, and becomes the breach at the deadline without asking the lead or filing a second notice", async () => {
    store.seed(decidedReferral());
    clock.set("2025-05-20T08:00:00.000Z");
    await recordExpectedBreach(deps(), "ref-1", reason, { kind: "staff", id: "ola" });

    const next = await planStartOfCare(deps(), "ref-1");
    clock.set(next.at);
    const after = await checkStartOfCare(deps(), "ref-1");

    expect(next).toMatchObject({ next: "deadline", at: "2025-06-27T21:59:59.999Z" });
    expect(after).toMatchObject({ next: "done" });
    expect(mailer.sent).toEqual([]);
    expect(await store.listHelfoNotifications()).toHaveLength(1);
    expect((await store.getReferral("ref-1"))?.startOfCareBreachBasis).toBe("expected");
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
        expectedBreach: false,
        probableBreach: false,
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
  it("gives each notice its breach kind (expected, confirmed, default) on the list and in the CSV, never the reason", async () => {
    // Prepare: three granted rights, one breach of each kind.
    const reason = "Behandleren er sykmeldt i hele perioden og ingen andre kan overta";
    const lead = { kind: "staff" as const, id: LEAD };
    for (const id of ["ref-expected", "ref-confirmed", "ref-default"])
      store.seed(decidedReferral({ referralId: id }));
    clock.set("2025-05-02T10:00:00.000Z");
    await recordExpectedBreach(deps(), "ref-expected", { breach: "expected", reason }, lead);
    clock.set("2025-06-27T22:00:00.000Z");
    for (const id of ["ref-expected", "ref-confirmed", "ref-default"]) await checkStartOfCare(deps(), id);
    await confirmStartOfCareBreach(deps(), "ref-confirmed", { breach: "confirmed" }, lead, true);
    clock.set("2025-07-03T22:00:00.000Z");
    await confirmBreachByDefault(deps(), "ref-default");

    // Act
    const notifications = await store.listHelfoNotifications();
    const csv = helfoNotificationsCsv(notifications);
    const page = renderHelfoListPage(notifications, "token");

    // Assess
    const [head, ...rows] = csv.trim().split("\r\n");
    // The kind is the last column (the clinic cell holds a comma, so count from the end).
    expect((head ?? "").split(",").at(-1)).toBe("breachKind");
    const kinds = Object.fromEntries(
      rows.map((row) => [row.split(",")[0]?.replaceAll('"', ""), row.split(",").at(-1)?.replaceAll('"', "")]),
    );
    expect(kinds).toEqual({
      "ref-expected": "expected",
      "ref-confirmed": "confirmed",
      "ref-default": "default",
    });
    expect(notifications.map((n) => n.basis).sort()).toEqual(["confirmed", "default", "expected"]);
    expect(page).toContain("Forventet (meldt før fristen)");
    expect(page).toContain("Inntruffet, bekreftet av leder");
    expect(page).toContain("Inntruffet, ikke besvart innen svarfristen");
    for (const text of [csv, page, JSON.stringify(notifications)]) expect(text).not.toContain("sykmeldt");
  });

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
      "referralId,breachedAt,startOfCareDeadline,decidedOn,careForm,nationalId,name,birthDate,clinic,status,reportedOn,reportedBy,breachKind",
    );
    expect(row).toContain('"15038512282","\'=HYPERLINK(""x"") ""Kari""","1985-03-15"');
    expect(end).toBe("");
  });
});

describe("a Helfo notification marked reported", () => {
  /** A fristbrudd confirmed by the lead (deadline Friday 27 June 2025, confirmed just after it). */
  async function breached(referral: ReferralRecord = decidedReferral()) {
    store.seed(referral);
    clock.set("2025-06-27T22:00:00.000Z");
    await checkStartOfCare(deps(), "ref-1");
    await confirmStartOfCareBreach(
      deps(),
      "ref-1",
      { breach: "confirmed" },
      { kind: "staff", id: LEAD },
      true,
    );
    mailer.sent.length = 0;
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
        details: { reportedOn: "2025-06-30", startOfCareDeadline: "2025-06-27", expected: false },
      },
    ]);
    const row = helfoNotificationsCsv(await store.listHelfoNotifications()).split("\r\n")[1];
    expect(row).toMatch(/,"reported","2025-06-30","ingrid\.lie@smerteklinikk\.example","confirmed"$/);
  });

  it("sends the patient's Varsel om fristbrudd only then, saying Helfo was notified that day", async () => {
    await breached();
    expect(store.letters.size).toBe(0);
    clock.set("2025-06-30T08:00:00.000Z");

    await markHelfoReported(deps(), "ref-1", { reportedOn: "2025-06-30" }, LEAD);

    const letters = [...store.letters.values()].filter((l) => l.letterKind === "start-of-care-breach");
    expect(letters.map((l) => [l.recipientRole, l.status])).toEqual([["patient", "sent"]]);
    expect(letters[0]?.text).toContain("Vi meldte fristbruddet til Helfo 30. juni 2025.");
    expect(letters[0]?.text).toContain("Helsehjelpen er ikke satt i gang innen fristen.");
    expect(mailer.sent.map((email) => email.to)).toEqual([PATIENT]);
    expect(mailer.sent[0]?.subject).not.toMatch(/Kari|Nordmann|fristbrudd/i);
  });

  it("for a patient under 16, posts the parents' copy too", async () => {
    const child = testSubmission({
      patient: {
        ...(sampleReferral().patient as Record<string, unknown>),
        nationalId: "01021250003",
        name: "Ola Barn",
      },
    });
    await breached(decidedReferral({ submission: child }));
    clock.set("2025-06-30T08:00:00.000Z");

    await markHelfoReported(deps(), "ref-1", {}, LEAD);

    const letters = [...store.letters.values()].filter((l) => l.letterKind === "start-of-care-breach");
    expect(letters.map((l) => [l.recipientRole, l.channel, l.status])).toEqual([
      ["patient", "email", "sent"],
      ["guardian", "postal", "awaiting-postal"],
    ]);
    expect(letters[1]?.text).toContain("Til: Foreldre eller andre med foreldreansvar for Ola Barn");
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
