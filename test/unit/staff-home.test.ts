/**
 * The staff home's rules alone (functions/domain/staff-home.ts): each role gets its sections and no
 * other, the open referrals keep the index's deadline order with working days left and at-risk,
 * urgent and overdue flags, the cursor pages them, and nothing on the home is patient data.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarRulesOf } from "../../functions/domain/clinic";
import type { HelfoNotificationRecord, MeetingRecord } from "../../functions/domain/records";
import type { StaffRole } from "../../functions/domain/session";
import { AT_RISK_WORKING_DAYS, homeReferral, readStaffHome } from "../../functions/domain/staff-home";
import type { WorklistQuery, WorklistRow } from "../../functions/domain/worklist";
import { renderStaffHomePage } from "../../functions/views/staff-home";
import { renderStaffNav, STAFF_NAV_SLOT, withStaffNav } from "../../functions/views/staff-nav";
import { FakeClock, testClinicConfig } from "../support/fakes";

const rules = calendarRulesOf(testClinicConfig().legalClock);
// Monday 20 April 2026, 10:00 in Oslo.
const clock = new FakeClock(new Date("2026-04-20T08:00:00Z"));

const row = (referralId: string, due: string, extra: Partial<WorklistRow> = {}): WorklistRow => ({
  referralId,
  status: "awaiting-assessment",
  kind: "new",
  priority: "ordinary",
  receivedAt: "2026-04-10T08:00:00.000Z",
  assessmentDueDate: due,
  ...extra,
});

const ROWS = [
  row("r-soon", "2026-04-21"),
  row("r-urgent", "2026-04-28", { priority: "urgent" }),
  row("r-later", "2026-05-04", { kind: "secondary" }),
];

const meeting: MeetingRecord = {
  meetingId: "2026-04-22T12:00",
  startsAt: "2026-04-22T10:00:00.000Z",
  capacity: 2,
  seats: 2,
  holders: ["r-later", "r-soon"],
  agendaId: "agenda-id-0123456789",
  agendaSentAt: "2026-04-21T10:00:00.000Z",
};

const notice = (referralId: string, extra: Partial<HelfoNotificationRecord>): HelfoNotificationRecord => ({
  referralId,
  breachedAt: "2026-04-17T22:00:00.000Z",
  startOfCareDeadline: "2026-04-17",
  decidedOn: "2026-03-02",
  careForm: "team",
  patient: { nationalId: "15038512282", name: "Mona Nordmann" },
  clinic: { name: "Smerteklinikken", department: "Tverrfaglig" },
  status: "to-report",
  ...extra,
});

function deps() {
  const queries: WorklistQuery[] = [];
  return {
    queries,
    deps: {
      worklist: {
        page: async (query: WorklistQuery) => {
          queries.push(query);
          return query.status === "failed"
            ? { rows: [row("r-failed", "2026-04-24", { status: "failed" })] }
            : { rows: ROWS, nextCursor: "next-page" };
        },
      },
      store: {
        meetingsStartingBetween: async () => [meeting],
        listHelfoNotifications: async () => [
          notice("h-1", { expected: true }),
          notice("h-2", {}),
          notice("h-3", { status: "reported" }),
        ],
      },
      postalQueue: {
        page: async () => ({
          letters: [{ letterId: "l-1" }, { letterId: "l-2" }] as never[],
        }),
      },
      calendar: rules,
      clock,
    },
  };
}

const sectionsOf = (home: object) =>
  Object.keys(home)
    .filter((key) => !["asOf", "roles"].includes(key))
    .sort();

describe("the staff home", () => {
  it("gives each role its own sections and no other", async () => {
    const cases: [StaffRole[], string[]][] = [
      [["assessor"], ["meetings", "openReferrals"]],
      [["lead"], ["helfo", "letters", "meetings", "openReferrals", "statisticsHref"]],
      [["clerk"], ["helfo", "letters"]],
      [["operations"], ["operations", "statisticsHref"]],
    ];
    for (const [roles, sections] of cases) {
      const home = await readStaffHome(deps().deps, roles, { limit: 25 });
      expect(sectionsOf(home), roles.join()).toEqual(sections);
    }
  });

  it("lists the open referrals in the index's deadline order, with working days left and flags, and pages on", async () => {
    const { deps: ports, queries } = deps();
    const home = await readStaffHome(ports, ["lead"], { limit: 3, cursor: "abc" });
    expect(queries).toContainEqual({ status: "awaiting-assessment", limit: 3, cursor: "abc" });
    expect(home.openReferrals?.nextCursor).toBe("next-page");
    expect(
      home.openReferrals?.items.map((item) => [
        item.referralId,
        item.workingDaysLeft,
        item.atRisk,
        item.urgent,
        item.secondaryToConfirm,
      ]),
    ).toEqual([
      ["r-soon", 1, true, false, false],
      ["r-urgent", 6, false, true, false],
      // 1 May is a public holiday.
      ["r-later", 9, false, false, true],
    ]);
    expect(home.openReferrals?.items[0]?.href).toBe("/staff/referrals/r-soon");
  });

  it("counts the letters to post and the Helfo notices still to report, expected and confirmed", async () => {
    const home = await readStaffHome(deps().deps, ["clerk"], { limit: 25 });
    expect(home.letters).toEqual({ toPost: 2, more: false, href: "/letters" });
    expect(home.helfo).toEqual({ toReport: 2, expected: 1, confirmed: 1, href: "/helfo-notifications" });
  });

  it("shows a meeting's seats, whether it is full, its agenda once sent and the referrals on it", async () => {
    const home = await readStaffHome(deps().deps, ["assessor"], { limit: 25 });
    expect(home.meetings).toEqual([
      {
        meetingId: meeting.meetingId,
        startsAt: meeting.startsAt,
        capacity: 2,
        seats: 2,
        full: true,
        agendaHref: "/agendas/agenda-id-0123456789",
        referrals: [
          { referralId: "r-later", href: "/staff/referrals/r-later" },
          { referralId: "r-soon", href: "/staff/referrals/r-soon" },
        ],
      },
    ]);
  });

  it("flags a referral at risk exactly when it is recorded so or due within the at-risk margin", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.boolean(), { nil: undefined }),
        (days, recorded) => {
          const due = new Date(Date.UTC(2026, 3, 20 + days)).toISOString().slice(0, 10);
          const line = homeReferral(row("r", due, { atRisk: recorded }), "2026-04-20", rules);
          expect(line.atRisk).toBe(recorded === true || line.workingDaysLeft <= AT_RISK_WORKING_DAYS);
          expect(line.overdue).toBe(false);
        },
      ),
    );
  });

  it("renders no patient data, and links every row under the API's base path", async () => {
    const home = await readStaffHome(deps().deps, ["lead"], { limit: 25 });
    const page = renderStaffHomePage({ home, basePath: "/prod" });
    expect(page).not.toContain("Mona Nordmann");
    expect(page).not.toContain("15038512282");
    expect(page).toContain('href="/prod/staff/referrals/r-soon"');
    expect(page).toContain('href="/prod/letters"');
    expect(page.indexOf("r-soon")).toBeLessThan(page.indexOf("r-urgent"));
    expect(page).toContain("Fristen er i fare");
  });
});

describe("the navigation bar", () => {
  const placesOf = (roles: StaffRole[]) =>
    [
      ...renderStaffNav({ name: "Eva Berg", roles, csrfToken: "tok", basePath: "/prod" }).matchAll(
        /<li><a href="([^"]+)"/g,
      ),
    ].map((match) => match[1]);

  it("offers each role the places it works in, under the API's base path", () => {
    expect(placesOf(["assessor"])).toEqual(["/prod/staff", "/prod/staff#meetings-title"]);
    expect(placesOf(["clerk"])).toEqual(["/prod/staff", "/prod/letters", "/prod/helfo-notifications"]);
    expect(placesOf(["operations"])).toEqual(["/prod/staff", "/prod/statistics"]);
    expect(placesOf(["lead"])).toEqual([
      "/prod/staff",
      "/prod/staff#meetings-title",
      "/prod/letters",
      "/prod/helfo-notifications",
      "/prod/statistics",
    ]);
  });

  it("names the signed-in person, marks the current place and signs out with the session's token", () => {
    const nav = renderStaffNav({
      name: "Eva <Berg>",
      roles: ["lead"],
      csrfToken: "tok",
      basePath: "",
      currentPath: "/letters",
    });
    expect(nav).toContain("Eva &lt;Berg&gt;");
    expect(nav).toContain('<a href="/letters" aria-current="page">');
    expect(nav).toContain('<form method="post" action="/auth/logout">');
    expect(nav).toContain('value="tok" name="csrfToken"');
    expect(nav.indexOf("skip-link")).toBeLessThan(nav.indexOf("<nav"));
  });

  it("fills the page shell's slot, and leaves a page without one as it is", () => {
    expect(withStaffNav(`<body>${STAFF_NAV_SLOT}<main>`, "<header>")).toBe("<body><header><main>");
    expect(withStaffNav("<p>letter</p>", "<header>")).toBe("<p>letter</p>");
  });
});
