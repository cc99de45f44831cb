/**
 * The intake meeting's agenda: SendAgendas emails each meeting's team once, neutrally, within the
 * lead time; the agenda page lists the meeting's referrals, soonest deadline first, with links to
 * their tasks and without national IDs.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { sendAgendas, viewAgenda } from "../../functions/domain/agenda";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { MailUnavailable } from "../../functions/domain/errors";
import { meetingStartsAt } from "../../functions/domain/intake-planning";
import { sendStaffEmail } from "../../functions/domain/staff-mail";
import { renderAgendaPage } from "../../functions/views/agenda-page";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const BASE_URL = "https://api.example/prod";
const TEAM = [
  "ingrid.lie@smerteklinikk.example",
  "ola.haugen@smerteklinikk.example",
  "sara.nilsen@smerteklinikk.example",
];

let store: InMemoryReferralStore;
let mailer: RecordingMailer;
let clock: FakeClock;
const config = testClinicConfig();

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
  // Monday 3 March 2025, 10:00 in Oslo: Tuesday's 12:00 meeting starts in 26 hours.
  clock = new FakeClock(new Date("2025-03-03T09:00:00Z"));
});

const deps = () => ({
  store,
  mailer,
  render: renderer,
  clock,
  config,
  publicBaseUrl: BASE_URL,
  calendar: calendarRulesOf(config.legalClock),
});

async function seat(meetingId: string, count = 1) {
  for (let i = 0; i < count; i++) await store.takeSeat(meetingId, meetingStartsAt(meetingId), 20);
}

describe("SendAgendas", () => {
  it("emails each meeting's team one neutral message with the agenda link, once the meeting is within 24 hours", async () => {
    // Prepare
    await seat("2025-03-04T12:00", 3);
    await seat("2025-03-06T12:00");

    // Act: 26 hours before, nothing; 23 hours before, Tuesday's agenda; then again, nothing new.
    const early = await sendAgendas(deps());
    clock.set("2025-03-03T12:00:00Z");
    const due = await sendAgendas(deps());
    const again = await sendAgendas(deps());

    // Assess
    expect(early).toEqual({ meetingIds: [], emails: 0 });
    expect(due).toEqual({ meetingIds: ["2025-03-04T12:00"], emails: 3 });
    expect(again).toEqual({ meetingIds: [], emails: 0 });
    expect(mailer.sent.map((email) => email.to)).toEqual(TEAM);
    const agendaId = (await store.getMeeting("2025-03-04T12:00"))?.agendaId;
    for (const email of mailer.sent) {
      expect(email.subject).toBe("Saksliste for inntaksmøtet tirsdag 4. mars 2025 kl. 12.00");
      expect(email.text).toContain(`${BASE_URL}/agendas/${agendaId}`);
      expect(email.text).toContain("3 henvisninger er satt opp til møtet.");
      expect(email.html).toContain(`href="${BASE_URL}/agendas/${agendaId}"`);
    }
    expect((await store.getMeeting("2025-03-04T12:00"))?.agendaSentAt).toBe("2025-03-03T12:00:00.000Z");
    expect((await store.getMeeting("2025-03-06T12:00"))?.agendaSentAt).toBeUndefined();
  });

  it("sends nothing when two runs overlap: the second finds the agenda claimed", async () => {
    // Prepare
    await seat("2025-03-04T12:00");
    clock.set("2025-03-03T12:00:00Z");

    // Act
    const results = await Promise.all([sendAgendas(deps()), sendAgendas(deps())]);

    // Assess
    expect(results.map((result) => result.emails).sort()).toEqual([0, 3]);
    expect(mailer.sent).toHaveLength(3);
  });

  it("gives the claim back when an email fails, so the next run sends the agenda to those who lack it, once each", async () => {
    // Prepare
    await seat("2025-03-04T12:00");
    clock.set("2025-03-03T12:00:00Z");
    mailer.failNext = 1;

    // Act
    await expect(sendAgendas(deps())).rejects.toThrow(MailUnavailable);
    const sentFirst = mailer.sent.length;
    const retried = await sendAgendas(deps());
    const again = await sendAgendas(deps());

    // Assess: the others had it from the first run; the retry sent the one that failed.
    expect(sentFirst).toBe(TEAM.length - 1);
    expect(retried).toEqual({ meetingIds: ["2025-03-04T12:00"], emails: 1 });
    expect(again.emails).toBe(0);
    expect(mailer.sent.map((email) => email.to).sort()).toEqual([...TEAM].sort());
  });

  it("takes up an agenda whose run died half way once its claim is stale, and sends only to those who lack it", async () => {
    // Prepare: a run claimed the agenda and emailed the first member, then died (no release, no completion).
    await seat("2025-03-04T12:00");
    clock.set("2025-03-03T12:00:00Z");
    const meeting = await store.getMeeting("2025-03-04T12:00");
    if (!meeting) throw new Error("no meeting");
    await store.claimAgenda(meeting, "2025-03-03T12:00:00.000Z");
    const first = TEAM[0] as string;
    await sendStaffEmail(
      deps(),
      { about: "meeting", aboutId: meeting.meetingId, kind: "agenda", occurrence: meeting.agendaId },
      first,
      { subject: "s", text: "t", html: "h" },
    );

    // Act: at once, the claim is fresh (another run may be sending); 15 minutes later it is stale.
    const fresh = await sendAgendas(deps());
    clock.set("2025-03-03T12:15:00Z");
    const later = await sendAgendas(deps());

    // Assess
    expect(fresh.emails).toBe(0);
    expect(later).toEqual({ meetingIds: ["2025-03-04T12:00"], emails: TEAM.length - 1 });
    expect(mailer.sent.filter((email) => email.to === first)).toHaveLength(1);
    expect(new Set(mailer.sent.map((email) => email.to)).size).toBe(TEAM.length);
    expect((await store.getMeeting("2025-03-04T12:00"))?.agendaDeliveredAt).toBeDefined();
  });
});

describe("the agenda page", () => {
  it("lists the meeting's referrals, soonest deadline first, with flags, days left, missing content and task links", async () => {
    // Prepare: two referrals in Tuesday's meeting, the later one received earlier (so due sooner).
    store.seed(
      testReferral({
        referralId: "ref-late",
        receivedAt: "2025-03-03T09:00:00.000Z",
        clockStartDate: "2025-03-03",
        assessmentDueDate: "2025-03-17",
        missingContent: ["dependency", "substanceUse"],
        submission: testSubmission({
          patient: { nationalId: "15038512282", name: "Kari Nordmann" },
          flags: ["trauma"],
        }),
      }),
    );
    store.seed(
      testReferral({
        referralId: "ref-early",
        priority: "urgent",
        receivedAt: "2025-02-28T09:00:00.000Z",
        clockStartDate: "2025-02-28",
        assessmentDueDate: "2025-03-14",
        submission: testSubmission({
          priority: "urgent",
          patient: { nationalId: "15038512282", name: "Ola <b>Svendsen</b>" },
        }),
      }),
    );
    await planIntake(deps(), "ref-late");
    await planIntake(deps(), "ref-early");
    const { taskId } = await notifyAssessors(deps(), { referralId: "ref-late", taskToken: "token-1" });
    clock.set("2025-03-03T12:00:00Z");
    await sendAgendas(deps());
    const agendaId = String((await store.getMeeting("2025-03-04T12:00"))?.agendaId);

    // Act
    const view = await viewAgenda(deps(), agendaId);
    const html = view.kind === "agenda" ? renderAgendaPage(view) : "";

    // Assess
    expect(view.kind).toBe("agenda");
    if (view.kind !== "agenda") return;
    expect(view.rows.map((row) => row.referral.referralId)).toEqual(["ref-early", "ref-late"]);
    expect(html).toContain('<html lang="nb">');
    expect(html).toContain("Saksliste for inntaksmøtet tirsdag 4. mars 2025 kl. 12.00");
    expect(html.indexOf("Ola &lt;b&gt;Svendsen&lt;/b&gt;")).toBeLessThan(html.indexOf("Kari Nordmann"));
    expect(html).not.toContain("<b>Svendsen</b>");
    expect(html).toContain("Traumer");
    expect(html).toContain("Haster");
    expect(html).toContain("2 av ");
    expect(html).toContain("10 virkedager igjen");
    expect(html).toContain(`href="../tasks/${taskId}"`);
    expect(html).not.toContain("15038512282");
    expect(html).not.toContain("<form");
  });

  it("knows no agenda before its email is claimed, nor an agenda id it never made", async () => {
    // Prepare
    await seat("2025-03-04T12:00");
    const agendaId = String((await store.getMeeting("2025-03-04T12:00"))?.agendaId);

    // Act
    const before = await viewAgenda(deps(), agendaId);
    const unknown = await viewAgenda(deps(), "not-an-agenda");

    // Assess
    expect(before).toEqual({ kind: "unknown" });
    expect(unknown).toEqual({ kind: "unknown" });
  });
});
