/**
 * The staff home's rules alone (functions/domain/staff-home.ts): each role gets its sections and no
 * other, the open referrals keep the index's deadline order with working days left and at-risk,
 * urgent and overdue flags, the cursor pages them, and nothing on the home is patient data.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarRulesOf } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import type { OperationsAlarm } from "../../functions/domain/operations-alarms";
import type {
  HelfoNotificationRecord,
  MeetingRecord,
  ReferralRecord,
  TaskRecord,
} from "../../functions/domain/records";
import type { RecoveryRun } from "../../functions/domain/recovery";
import type { StaffRole } from "../../functions/domain/session";
import {
  AT_RISK_WORKING_DAYS,
  homeReferral,
  homeStartOfCare,
  InvalidHomeCursor,
  readStaffHome,
  startsOfCareDueBefore,
} from "../../functions/domain/staff-home";
import type { WorklistQuery, WorklistRow } from "../../functions/domain/worklist";
import { renderStaffHomePage } from "../../functions/views/staff-home";
import { renderStaffNav, STAFF_NAV_SLOT, withStaffNav } from "../../functions/views/staff-nav";
import { FakeClock, InMemoryReferralStore, testClinicConfig, testReferral } from "../support/fakes";

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
        startsOfCareToConfirm: (query: Parameters<InMemoryReferralStore["startsOfCareToConfirm"]>[0]) =>
          care.startsOfCareToConfirm(query),
        openInformationRequests: (query: Parameters<InMemoryReferralStore["openInformationRequests"]>[0]) =>
          care.openInformationRequests(query),
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
      config: testClinicConfig(),
      clock,
      recoveryRuns: { latest: async () => LAST_RUN },
      alarms: { list: async () => ALARMS },
    },
  };
}

/** The stack's alarms as CloudWatch describes them: two in ALARM (the older one first), one OK, one short of data. */
const ALARMS: OperationsAlarm[] = [
  {
    name: "Frist-Frist-DeadlineBreached-Critical",
    state: "ALARM",
    since: "2026-04-20T08:00:00.000Z",
    reason:
      "Threshold Crossed: 1 datapoint [1.0 (20/04/26 07:55:00)] was greater than or equal to the threshold (1.0).",
    description:
      "Frist: A referral passed its 10-working-day assessment deadline without a decision (deadlineBreached: true). What to do: The clinic lead has the escalation email with the task link: make sure the referral is decided today; the breach counts in /statistics. Runbook: README.md, 'Alarms: what to do'.",
  },
  {
    name: "Frist-Api-5XX-Critical",
    state: "OK",
    since: "2026-04-19T08:00:00.000Z",
    reason: "ok",
    description: "",
  },
  {
    name: "Frist-Workflow-Failed-Critical",
    state: "ALARM",
    since: "2026-04-20T06:30:00.000Z",
    reason: "Threshold Crossed: 1 datapoint [2.0 (20/04/26 06:25:00)] was greater than the threshold (0.0).",
    description:
      "Frist: A referral's execution failed. What to do: Open the state machine's executions. Runbook: README.md.",
  },
  {
    name: "Frist-Frist-ScheduleMissing-Critical",
    state: "INSUFFICIENT_DATA",
    since: "2026-04-18T08:00:00.000Z",
    reason: "Unchecked: Initial alarm creation",
    description: "Frist: The agenda schedule has not run.",
  },
];

const STATE_MACHINE = "arn:aws:states:eu-north-1:123456789012:stateMachine:Frist-Workflow";

/** The reconciler's last run: one referral resumed by a new execution, one it gave up on. */
const LAST_RUN: RecoveryRun = {
  ranAt: "2026-04-20T07:45:00.000Z",
  stateMachineArn: STATE_MACHINE,
  checked: 12,
  found: 2,
  findings: [
    {
      referralId: "r-stranded",
      finding: "stranded",
      action: "start",
      result: "done",
      executionName: "r-stranded-r1",
    },
    { referralId: "r-gave-up", finding: "gave-up", action: "none" },
  ],
};

/**
 * The memory store the lead's follow-ups come from: granted rights in every state of their start of
 * care, and tasks with information requests open, answered and closed. Today is Monday 20 April
 * 2026; the clinic reminds 10 working days before a start-of-care deadline, so starts due by
 * Tuesday 5 May (1 May is a holiday) are on the home.
 */
const care = new InMemoryReferralStore();
const granted = (referralId: string, deadline: string, extra: Partial<ReferralRecord> = {}) =>
  care.seed(
    testReferral({
      referralId,
      status: "decided",
      decision: {
        taskId: `task-${referralId}`,
        decidedAt: "2026-03-02T10:00:00.000Z",
        decision: {
          outcome: "granted",
          startOfCareDeadline: deadline,
          careForm: "team",
          assessedBy: "1234567",
        } as unknown as Decision,
      },
      ...extra,
    }),
  );
granted("s-planned-passed", "2026-06-30", { carePlannedStart: "2026-04-15" });
granted("s-deadline-passed", "2026-04-16");
granted("s-near", "2026-04-30");
granted("s-planned-ahead", "2026-07-01", { carePlannedStart: "2026-05-05" });
granted("s-far", "2026-08-03");
granted("s-planned-after-window", "2026-04-29", { carePlannedStart: "2026-05-06" });
granted("s-started", "2026-04-24", { careStartedOn: "2026-04-17" });
granted("s-breached", "2026-04-10", { startOfCareBreached: true });
const task = (taskId: string, extra: Partial<TaskRecord>): TaskRecord => ({
  taskId,
  referralId: `ref-${taskId}`,
  taskToken: "token",
  state: "open",
  createdAt: "2026-04-01T08:00:00.000Z",
  ...extra,
});
for (const record of [
  task("t-newer", { openRequestId: "q", openRequestAt: "2026-04-17T12:00:00.000Z" }),
  task("t-older", { openRequestId: "q", openRequestAt: "2026-04-08T09:00:00.000Z" }),
  task("t-today", { openRequestId: "q", openRequestAt: "2026-04-20T07:00:00.000Z" }),
  task("t-answered", { state: "answered", openRequestId: "q", openRequestAt: "2026-04-01T09:00:00.000Z" }),
  task("t-no-request", {}),
]) {
  care.tasks.set(record.taskId, record);
}

const sectionsOf = (home: object) =>
  Object.keys(home)
    .filter((key) => !["asOf", "roles"].includes(key))
    .sort();

describe("the staff home", () => {
  it("gives each role its own sections and no other", async () => {
    const cases: [StaffRole[], string[]][] = [
      [["assessor"], ["meetings", "openReferrals"]],
      [
        ["lead"],
        [
          "helfo",
          "informationRequests",
          "letters",
          "meetings",
          "openReferrals",
          "startsOfCare",
          "statisticsHref",
        ],
      ],
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

  it("lists the starts of care due or unconfirmed, soonest due first, each flagged and linked to its referral's page", async () => {
    const home = await readStaffHome(deps().deps, ["lead"], { limit: 25 });
    expect(
      home.startsOfCare?.items.map((item) => [
        item.referralId,
        item.plannedStart,
        item.workingDaysLeft,
        item.plannedStartPassed,
        item.deadlineNear,
        item.deadlinePassed,
      ]),
    ).toEqual([
      ["s-planned-passed", "2026-04-15", 48, true, false, false],
      ["s-deadline-passed", null, -2, false, false, true],
      ["s-planned-after-window", "2026-05-06", 7, false, true, false],
      ["s-near", null, 8, false, true, false],
      ["s-planned-ahead", "2026-05-05", 49, false, false, false],
    ]);
    expect(home.startsOfCare?.items[0]?.href).toBe("/staff/referrals/s-planned-passed");
    expect(home.startsOfCare?.nextCursor).toBeUndefined();
  });

  it("pages the starts of care by their own cursor, each page continuing where the last ended", async () => {
    const { deps: ports } = deps();
    const ids: string[] = [];
    let startsCursor: string | undefined;
    let pages = 0;
    do {
      const home = await readStaffHome(ports, ["lead"], {
        limit: 2,
        ...(startsCursor ? { startsCursor } : {}),
      });
      expect(home.startsOfCare?.items.length).toBeLessThanOrEqual(2);
      ids.push(...(home.startsOfCare?.items.map((item) => item.referralId) ?? []));
      startsCursor = home.startsOfCare?.nextCursor;
      pages += 1;
    } while (startsCursor);
    expect(pages).toBe(3);
    expect(ids).toEqual([
      "s-planned-passed",
      "s-deadline-passed",
      "s-planned-after-window",
      "s-near",
      "s-planned-ahead",
    ]);
    await expect(readStaffHome(ports, ["lead"], { limit: 2, startsCursor: "bm9wZQ" })).rejects.toSatisfy(
      (error) => error instanceof InvalidHomeCursor && error.param === "startsCursor",
    );
  });

  it("lists the information requests of open tasks awaiting an answer, oldest first, linked to the task's page", async () => {
    const { deps: ports } = deps();
    const first = await readStaffHome(ports, ["lead"], { limit: 2 });
    expect(first.informationRequests?.items).toEqual([
      {
        referralId: "ref-t-older",
        taskId: "t-older",
        requestedAt: "2026-04-08T09:00:00.000Z",
        workingDaysWaiting: 8,
        href: "/tasks/t-older",
      },
      {
        referralId: "ref-t-newer",
        taskId: "t-newer",
        requestedAt: "2026-04-17T12:00:00.000Z",
        workingDaysWaiting: 1,
        href: "/tasks/t-newer",
      },
    ]);
    const requestsCursor = first.informationRequests?.nextCursor;
    expect(requestsCursor).toBeDefined();
    const second = await readStaffHome(ports, ["lead"], {
      limit: 2,
      ...(requestsCursor ? { requestsCursor } : {}),
    });
    expect(second.informationRequests?.items.map((item) => [item.taskId, item.workingDaysWaiting])).toEqual([
      ["t-today", 0],
    ]);
    expect(second.informationRequests?.nextCursor).toBeUndefined();
  });

  it("flags a start of care by its deadline and planned start, for any dates", () => {
    const day = (offset: number) => new Date(Date.UTC(2026, 3, 20 + offset)).toISOString().slice(0, 10);
    fc.assert(
      fc.property(
        fc.integer({ min: -40, max: 80 }),
        fc.option(fc.integer({ min: -40, max: 80 }), { nil: undefined }),
        fc.integer({ min: 1, max: 20 }),
        (deadlineOffset, plannedOffset, window) => {
          const deadline = day(deadlineOffset);
          const plannedStart = plannedOffset === undefined ? undefined : day(plannedOffset);
          const line = homeStartOfCare(
            { referralId: "r", startOfCareDeadline: deadline, ...(plannedStart ? { plannedStart } : {}) },
            "2026-04-20",
            window,
            rules,
          );
          expect(line.deadlinePassed).toBe(deadline < "2026-04-20");
          expect(line.deadlineNear).toBe(!line.deadlinePassed && line.workingDaysLeft <= window);
          expect(line.plannedStartPassed).toBe(plannedStart !== undefined && plannedStart < "2026-04-20");
          // The home's window holds every deadline it calls near.
          if (line.deadlineNear)
            expect(deadline < startsOfCareDueBefore("2026-04-20", window, rules)).toBe(true);
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
    // Each open referral's assessment due date, in Norwegian.
    expect(page).toMatch(/r-soon<\/a><\/th>\s*<td>21\. april 2026<br>/);
    expect(page).toContain("Fristen er i fare");
    expect(page).toContain('href="/prod/staff/referrals/s-planned-passed"');
    expect(page).toContain("Planlagt oppstart er passert: bekreft oppstarten");
    expect(page).toContain("Fristen er passert: bekreft oppstart eller fristbrudd");
    expect(page).toContain('href="/prod/tasks/t-older"');
    expect(page).not.toContain(testReferral().submission.patient.name);
  });
});

describe("operations' section", () => {
  it("shows what the reconciler's last run found and did, each finding linked to its execution in the Step Functions console", async () => {
    // Act
    const home = await readStaffHome(deps().deps, ["operations"], { limit: 25 });
    const page = renderStaffHomePage({ home, basePath: "/prod" });

    // Assess: JSON keeps the failed list and adds the run.
    expect(home.operations?.failed.map((item) => item.referralId)).toEqual(["r-failed"]);
    expect(home.operations?.recovery).toEqual({
      ranAt: "2026-04-20T07:45:00.000Z",
      checked: 12,
      found: 2,
      findings: [
        {
          referralId: "r-stranded",
          finding: "stranded",
          action: "start",
          result: "done",
          executionName: "r-stranded-r1",
          href: `https://eu-north-1.console.aws.amazon.com/states/home?region=eu-north-1#/v2/executions/details/${encodeURIComponent(
            "arn:aws:states:eu-north-1:123456789012:execution:Frist-Workflow:r-stranded-r1",
          )}`,
        },
        {
          referralId: "r-gave-up",
          finding: "gave-up",
          action: "none",
          href: `https://eu-north-1.console.aws.amazon.com/states/home?region=eu-north-1#/v2/statemachines/view/${encodeURIComponent(STATE_MACHINE)}`,
        },
      ],
    });
    expect(page).toContain("Funn fra siste gjenoppretting");
    expect(page).toContain("Gjenopprettet med en ny kjøring");
    expect(page).toContain("Ga opp etter de automatiske forsøkene: må gjenopprettes for hånd");
    expect(page).toContain(
      `href="${home.operations?.recovery?.findings[0]?.href.replaceAll("&", "&amp;").replaceAll("=", "&#x3D;")}"`,
    );
  });

  it("says when no run of the reconciler is on record yet", async () => {
    const { deps: ports } = deps();
    const home = await readStaffHome(
      { ...ports, recoveryRuns: { latest: async () => undefined } },
      ["operations"],
      {
        limit: 25,
      },
    );
    expect(home.operations?.recovery).toBeNull();
    expect(renderStaffHomePage({ home, basePath: "/prod" })).toContain(
      "Gjenopprettingen har ikke kjørt ennå",
    );
  });

  it("lists the alarms in ALARM first, longest in that state first, with CloudWatch's reason and the description's what-to-do, then counts the rest", async () => {
    // Act
    const home = await readStaffHome(deps().deps, ["operations"], { limit: 25 });
    const page = renderStaffHomePage({ home, basePath: "/prod" });

    // Assess
    expect(home.operations?.alarms).toEqual({
      readable: true,
      inAlarm: [
        {
          name: "Frist-Workflow-Failed-Critical",
          since: "2026-04-20T06:30:00.000Z",
          reason:
            "Threshold Crossed: 1 datapoint [2.0 (20/04/26 06:25:00)] was greater than the threshold (0.0).",
          whatToDo: "Open the state machine's executions.",
        },
        {
          name: "Frist-Frist-DeadlineBreached-Critical",
          since: "2026-04-20T08:00:00.000Z",
          reason:
            "Threshold Crossed: 1 datapoint [1.0 (20/04/26 07:55:00)] was greater than or equal to the threshold (1.0).",
          whatToDo:
            "The clinic lead has the escalation email with the task link: make sure the referral is decided today; the breach counts in /statistics.",
        },
      ],
      ok: 1,
      insufficientData: 1,
    });
    expect(page).toContain("Alarmer");
    expect(page.indexOf("Frist-Workflow-Failed-Critical")).toBeLessThan(
      page.indexOf("Frist-Frist-DeadlineBreached-Critical"),
    );
    expect(page).toContain("make sure the referral is decided today");
    expect(page).toContain("20. april 2026 kl. 10.00");
    expect(page).toContain("1 alarm er OK, 1 har for lite data.");
    expect(page).not.toContain("Frist-Api-5XX-Critical");
  });

  it("still shows the home when CloudWatch cannot be read, its alarm section saying so", async () => {
    // Prepare
    const { deps: ports } = deps();
    const down = {
      ...ports,
      alarms: {
        list: async (): Promise<OperationsAlarm[]> => {
          throw new Error("CloudWatch unavailable");
        },
      },
    };

    // Act
    const home = await readStaffHome(down, ["operations"], { limit: 25 });
    const page = renderStaffHomePage({ home, basePath: "/prod" });

    // Assess
    expect(home.operations?.alarms).toEqual({ readable: false });
    expect(home.operations?.failed.map((item) => item.referralId)).toEqual(["r-failed"]);
    expect(page).toContain("Alarmene kunne ikke leses");
  });

  it("is read only for operations: the other roles' homes do not ask for the run or the alarms", async () => {
    let asked = 0;
    const { deps: ports } = deps();
    const counting = {
      ...ports,
      recoveryRuns: {
        latest: async () => {
          asked += 1;
          return LAST_RUN;
        },
      },
      alarms: {
        list: async () => {
          asked += 1;
          return ALARMS;
        },
      },
    };
    for (const roles of [["assessor"], ["lead"], ["clerk"]] as StaffRole[][]) {
      expect(await readStaffHome(counting, roles, { limit: 25 })).not.toHaveProperty("operations");
    }
    expect(asked).toBe(0);
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
