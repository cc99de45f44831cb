/**
 * PlanIntake's meeting assignment over in-memory ports: the earliest intake meeting with room, the
 * lead told when no meeting fits before the reminder point, the single-assessor track, and a retried
 * step that takes no second seat. NotifyAssessors then emails exactly the assignment's assessors.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { type ClinicConfigInput, calendarRulesOf } from "../../functions/domain/clinic";
import { remindAssessors } from "../../functions/domain/deadline-timer";
import { meetingStartsAt } from "../../functions/domain/intake-planning";
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

const BASE_URL = "https://api.example/prod";
const LEAD = "ingrid.lie@smerteklinikk.example";
const OLA = "ola.haugen@smerteklinikk.example";
const TEAM = [LEAD, OLA, "sara.nilsen@smerteklinikk.example"];
const PATIENT_DATA = ["Kari", "Nordmann", "15038512282", "L18", "Muskelsmerter", "skjelettsmerter"];

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let clock: FakeClock;

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  // Monday 3 March 2025, 10:00 in Oslo: due Monday 17 March, reminder at the start of Thursday 13 March.
  // The default meetings are Tuesdays and Thursdays 12:00: 4, 6, 11 and 13 March …
  clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
});

function deps(planning: ClinicConfigInput["intakePlanning"] = {}) {
  const config = testClinicConfig({ intakePlanning: planning });
  return {
    store,
    mailer,
    render: renderer,
    clock,
    config,
    metrics: new RecordingMetrics(),
    publicBaseUrl: BASE_URL,
    calendar: calendarRulesOf(config.legalClock),
  };
}

/** Fills a meeting to `capacity` as earlier referrals would have. */
async function fill(meetingId: string, capacity: number) {
  for (let seat = 0; seat < capacity; seat++) {
    await store.takeSeat(meetingId, meetingStartsAt(meetingId), capacity);
  }
}

function expectNoPatientData(...texts: string[]) {
  const everything = texts.join("\n");
  for (const datum of PATIENT_DATA) expect(everything).not.toContain(datum);
}

describe("PlanIntake seats a referral in an intake meeting", () => {
  it("takes a seat in the earliest meeting with room, with the meeting team and its lead", async () => {
    // Prepare: Tuesday's meeting is full.
    await fill("2025-03-04T12:00", 20);
    store.seed(testReferral());

    // Act
    await planIntake(deps(), "ref-1");

    // Assess
    const referral = await store.getReferral("ref-1");
    expect(referral?.assignment).toEqual({
      track: "intake-meeting",
      assessors: [
        { name: "Ingrid Lie", role: "physician" },
        { name: "Ola Haugen", role: "psychologist" },
        { name: "Sara Nilsen", role: "physiotherapist" },
      ],
      lead: "Ingrid Lie",
      meetingId: "2025-03-06T12:00",
      startsAt: "2025-03-06T11:00:00.000Z",
    });
    expect((await store.getMeeting("2025-03-06T12:00"))?.seats).toBe(1);
    expect((await store.getMeeting("2025-03-04T12:00"))?.seats).toBe(20);
    expect((await store.listMeetingReferrals("2025-03-06T12:00")).map((r) => r.referralId)).toEqual([
      "ref-1",
    ]);
    expect(referral?.atRisk).toBeUndefined();
    expect(store.eventTypesOf("ref-1")).toEqual(["intake-planned"]);
    expect(store.eventsOf("ref-1")[0]?.details).toMatchObject({ meetingId: "2025-03-06T12:00" });
    expect(mailer.sent).toEqual([]);
  });

  it("flags the referral at risk and tells the lead, neutrally, when no meeting before the reminder point has room", async () => {
    // Prepare: one seat per meeting, and the three meetings before Thursday 13 March are taken.
    for (const meetingId of ["2025-03-04T12:00", "2025-03-06T12:00", "2025-03-11T12:00"])
      await fill(meetingId, 1);
    store.seed(testReferral());

    // Act
    await planIntake(deps({ capacityPerMeeting: 1 }), "ref-1");
    const retried = await planIntake(deps({ capacityPerMeeting: 1 }), "ref-1");

    // Assess
    const referral = await store.getReferral("ref-1");
    expect(referral?.assignment?.meetingId).toBe("2025-03-13T12:00");
    expect(referral?.atRisk).toBe(true);
    expect(retried.track).toBe("assessment");
    expect(store.eventTypesOf("ref-1")).toEqual(["intake-planned", "meeting-at-risk"]);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
    const [alert] = mailer.sent;
    expect(alert?.subject).toContain("inntaksmøte");
    expect(alert?.text).toContain("torsdag 13. mars 2025 kl. 12.00");
    expect(alert?.text).toContain("17. mars 2025");
    expectNoPatientData(alert?.subject ?? "", alert?.text ?? "", alert?.html ?? "");
  });

  it("tells the lead once, as deadline-at-risk, when the referral arrives after its reminder point", async () => {
    // Prepare: a forward first received 3 March reaches us Friday 14 March; the next meeting is 18 March.
    clock.set("2025-03-14T08:00:00Z");
    store.seed(
      testReferral({
        receivedAt: "2025-03-14T08:00:00.000Z",
        submission: testSubmission({
          kind: "forwarded",
          originalReceivedDate: "2025-03-03",
          previousInstitution: "Sykehuset Innlandet",
        }),
      }),
    );

    // Act
    await planIntake(deps(), "ref-1");

    // Assess
    expect((await store.getReferral("ref-1"))?.assignment?.meetingId).toBe("2025-03-18T12:00");
    expect(store.eventTypesOf("ref-1")).toEqual(["intake-planned", "deadline-at-risk"]);
    expect(mailer.sent.map((email) => email.to)).toEqual([LEAD]);
  });

  it("takes no second seat when the step is retried", async () => {
    // Prepare
    store.seed(testReferral());

    // Act
    await planIntake(deps(), "ref-1");
    await planIntake(deps(), "ref-1");

    // Assess
    expect(store.seatAttempts).toEqual([{ meetingId: "2025-03-04T12:00", taken: true }]);
    expect((await store.getMeeting("2025-03-04T12:00"))?.seats).toBe(1);
    expect(store.eventTypesOf("ref-1")).toEqual(["intake-planned"]);
  });

  it("skips the full meetings ahead after one refusal, yet finds the seat a step that failed after taking it holds", async () => {
    // Prepare: an earlier attempt of the step took a seat in Tuesday 11 March's meeting and failed
    // before recording it; since then that meeting, and the two before it, have filled up.
    store.seed(testReferral());
    await fill("2025-03-04T12:00", 20);
    await fill("2025-03-06T12:00", 20);
    await store.takeSeat("2025-03-11T12:00", meetingStartsAt("2025-03-11T12:00"), 20, "ref-1");
    await fill("2025-03-11T12:00", 20);
    store.seatAttempts.length = 0;

    // Act
    await planIntake(deps(), "ref-1");

    // Assess: one refusal, then straight to its own seat; no second seat anywhere.
    expect(store.seatAttempts).toEqual([
      { meetingId: "2025-03-04T12:00", taken: false },
      { meetingId: "2025-03-11T12:00", taken: true },
    ]);
    expect((await store.getReferral("ref-1"))?.assignment?.meetingId).toBe("2025-03-11T12:00");
    expect((await store.getMeeting("2025-03-11T12:00"))?.seats).toBe(20);
    expect(await store.getMeeting("2025-03-13T12:00")).toBeUndefined();
  });

  it("emails the task to the meeting team with the meeting's time and no patient data", async () => {
    // Prepare
    store.seed(testReferral());
    await planIntake(deps(), "ref-1");

    // Act
    const { taskId } = await notifyAssessors(deps(), { referralId: "ref-1", taskToken: "token-1" });

    // Assess
    expect(mailer.sent.map((email) => email.to)).toEqual(TEAM);
    for (const email of mailer.sent) {
      expect(email.text).toContain(`${BASE_URL}/tasks/${taskId}`);
      expect(email.text).toContain("inntaksmøtet tirsdag 4. mars 2025 kl. 12.00");
      expectNoPatientData(email.subject, email.text, email.html);
    }
  });
});

describe("the single-assessor track", () => {
  const track = { singleAssessorTrack: { priorities: ["urgent" as const] }, singleAssessor: OLA };
  const urgent = () =>
    testReferral({ priority: "urgent", submission: testSubmission({ priority: "urgent" }) });

  it("assigns the configured clinician, takes no seat, and emails the task only to that clinician", async () => {
    // Prepare
    store.seed(urgent());

    // Act
    await planIntake(deps(track), "ref-1");
    const { taskId } = await notifyAssessors(deps(track), { referralId: "ref-1", taskToken: "token-1" });

    // Assess
    expect((await store.getReferral("ref-1"))?.assignment).toEqual({
      track: "single-assessor",
      assessors: [{ name: "Ola Haugen", role: "psychologist" }],
      lead: "Ingrid Lie",
    });
    expect(store.seatAttempts).toEqual([]);
    expect(mailer.sent.map((email) => email.to)).toEqual([OLA]);
    expect(mailer.sent[0]?.text).toContain(`${BASE_URL}/tasks/${taskId}`);
    expect(mailer.sent[0]?.text).not.toContain("inntaksmøtet");
  });

  it("reminds only that clinician at the reminder point", async () => {
    // Prepare
    store.seed(urgent());
    await planIntake(deps(track), "ref-1");
    await notifyAssessors(deps(track), { referralId: "ref-1", taskToken: "token-1" });
    mailer.sent.length = 0;

    // Act
    await remindAssessors(deps(track), { referralId: "ref-1" });

    // Assess
    expect(mailer.sent.map((email) => email.to)).toEqual([OLA]);
  });

  it("sends the referrals the track does not name to the meeting", async () => {
    // Prepare
    store.seed(testReferral());

    // Act
    await planIntake(deps(track), "ref-1");

    // Assess
    expect((await store.getReferral("ref-1"))?.assignment?.track).toBe("intake-meeting");
    expect(store.seatAttempts).toHaveLength(1);
  });
});
