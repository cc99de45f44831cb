import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CalendarRules, defaultCalendarRules, isWorkingDay } from "../../functions/domain/calendar";
import type { ClinicConfig } from "../../functions/domain/clinic";
import {
  chooseTrack,
  type IntakePlanningConfig,
  IntakePlanningError,
  intakePlanningConfigSchema,
  type MeetingPlan,
  meetingId,
  meetingLead,
  meetingStartsAt,
  PLANNING_HORIZON_DAYS,
  planMeeting,
  planWithSeats,
  singleAssessorOf,
  upcomingMeetings,
} from "../../functions/domain/intake-planning";

/** Tuesday and Thursday 12:00, 20 seats: the example clinic. */
const tueThuNoon: IntakePlanningConfig = intakePlanningConfigSchema.parse({
  meetings: [
    { weekday: 2, time: "12:00" },
    { weekday: 4, time: "12:00" },
  ],
  capacityPerMeeting: 20,
});

const CLOSED_CHRISTMAS_EVE: CalendarRules = {
  workingWeekdays: [1, 2, 3, 4, 5],
  closures: ["2026-12-24", "2026-12-31"],
};

const nothingFull = () => false;
const ids = (meetings: { meetingId: string }[]) => meetings.map((meeting) => meeting.meetingId);

/** Oslo wall-clock "YYYY-MM-DD HH:MM" of an instant, via Intl rather than the module's own arithmetic. */
const osloWallClock = (instant: Date) =>
  new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Oslo",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(instant);

/** An in-memory seat counter whose take is atomic, like a DynamoDB conditional update. */
function atomicSeatCounter() {
  const seats = new Map<string, number>();
  let calls = 0;
  const tryTakeSeat = async (id: string, capacity: number): Promise<boolean> => {
    // Network latency: callers interleave here, as concurrent Lambdas do.
    for (let tick = (calls++ * 7) % 5; tick >= 0; tick--)
      await new Promise((resolve) => setImmediate(resolve));
    // Check and increment in one synchronous step: nothing can run in between.
    const taken = seats.get(id) ?? 0;
    if (taken >= capacity) return false;
    seats.set(id, taken + 1);
    return true;
  };
  return { seats, tryTakeSeat };
}

describe("intakePlanningConfigSchema", () => {
  it("defaults to Tuesday and Thursday 12:00 with 20 seats per meeting, agendas 24 hours ahead", () => {
    // Act
    const config = intakePlanningConfigSchema.parse({});

    // Assess
    expect(config).toEqual({
      meetings: [
        { weekday: 2, time: "12:00" },
        { weekday: 4, time: "12:00" },
      ],
      capacityPerMeeting: 20,
      agendaLeadHours: 24,
    });
  });

  it.each([
    ["a weekday outside 1-7", { meetings: [{ weekday: 8, time: "12:00" }] }],
    ["a time that is not HH:MM", { meetings: [{ weekday: 2, time: "12.00" }] }],
    ["an hour past 23", { meetings: [{ weekday: 2, time: "24:00" }] }],
    ["no meetings at all", { meetings: [] }],
    [
      "the same slot twice",
      {
        meetings: [
          { weekday: 2, time: "12:00" },
          { weekday: 2, time: "12:00" },
        ],
      },
    ],
    ["a capacity of zero", { capacityPerMeeting: 0 }],
    ["a fractional capacity", { capacityPerMeeting: 2.5 }],
    ["a single-assessor track that names nothing", { singleAssessorTrack: {} }],
    ["an unknown referral kind", { singleAssessorTrack: { kinds: ["internal"] } }],
  ])("rejects a configuration with %s", (_, input) => {
    // Act
    const result = intakePlanningConfigSchema.safeParse(input);

    // Assess
    expect(result.success).toBe(false);
  });
});

describe("meetingId and meetingStartsAt", () => {
  it("names a meeting by its Oslo date and time", () => {
    // Act
    const id = meetingId("2026-11-24", "12:00");

    // Assess
    expect(id).toBe("2026-11-24T12:00");
  });

  it.each([
    ["2026-02-30", "12:00"],
    ["2026-11-24", "7:00"],
    ["2026-11-24", "12:60"],
    ["24.11.2026", "12:00"],
  ])("rejects the date %s with the time %s", (date, time) => {
    // Act + Assess
    expect(() => meetingId(date, time)).toThrow(RangeError);
  });

  it("starts a 12:00 meeting after summer time began (2026-03-31) at 10:00Z", () => {
    // Act
    const startsAt = meetingStartsAt("2026-03-31T12:00");

    // Assess
    expect(startsAt.toISOString()).toBe("2026-03-31T10:00:00.000Z");
  });

  it("starts a 12:00 meeting before summer time began (2026-03-24) at 11:00Z", () => {
    // Act
    const startsAt = meetingStartsAt("2026-03-24T12:00");

    // Assess
    expect(startsAt.toISOString()).toBe("2026-03-24T11:00:00.000Z");
  });

  it("starts a meeting on the days the clocks change at the local time of that day", () => {
    // Act
    const springNoon = meetingStartsAt("2026-03-29T12:00");
    const autumnNoon = meetingStartsAt("2026-10-25T12:00");

    // Assess
    expect(springNoon.toISOString()).toBe("2026-03-29T10:00:00.000Z");
    expect(autumnNoon.toISOString()).toBe("2026-10-25T11:00:00.000Z");
  });

  it("moves a time inside the spring gap forward and takes the summer-time instant in the autumn overlap", () => {
    // Act
    const inGap = meetingStartsAt("2026-03-29T02:30");
    const inOverlap = meetingStartsAt("2026-10-25T02:30");

    // Assess
    expect(inGap.toISOString()).toBe("2026-03-29T01:30:00.000Z"); // 03:30 summer time
    expect(inOverlap.toISOString()).toBe("2026-10-25T00:30:00.000Z"); // the first 02:30
  });

  it("rejects a malformed meeting id", () => {
    // Act + Assess
    expect(() => meetingStartsAt("2026-11-24 12:00")).toThrow(RangeError);
    expect(() => meetingStartsAt("2026-13-01T12:00")).toThrow(RangeError);
  });

  it("starts every meeting when Oslo's clocks show its date and time (property)", () => {
    fc.assert(
      fc.property(
        fc
          .date({
            min: new Date("2024-01-01T00:00:00Z"),
            max: new Date("2027-12-31T00:00:00Z"),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString().slice(0, 10)),
        // Hour 2 is skipped: it does not exist or exists twice on the days the clocks change.
        fc.integer({ min: 0, max: 23 }).filter((hour) => hour !== 2),
        fc.integer({ min: 0, max: 59 }),
        (date, hour, minute) => {
          // Prepare
          const time = `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;

          // Act
          const startsAt = meetingStartsAt(meetingId(date, time));

          // Assess
          expect(osloWallClock(startsAt)).toBe(`${date} ${time}`);
        },
      ),
    );
  });
});

describe("upcomingMeetings", () => {
  it("lists the weekly meetings strictly after `from` and up to and including `until`", () => {
    // Prepare: from is the Tuesday meeting itself; until is the next Tuesday's meeting
    const from = meetingStartsAt("2026-11-24T12:00");
    const until = meetingStartsAt("2026-12-01T12:00");

    // Act
    const meetings = upcomingMeetings(tueThuNoon, from, until);

    // Assess
    expect(meetings).toEqual([
      { meetingId: "2026-11-26T12:00", startsAt: new Date("2026-11-26T11:00:00Z"), date: "2026-11-26" },
      { meetingId: "2026-12-01T12:00", startsAt: new Date("2026-12-01T11:00:00Z"), date: "2026-12-01" },
    ]);
  });

  it("skips meetings on public holidays (Ascension Day and Maundy Thursday 2026)", () => {
    // Act
    const may = upcomingMeetings(
      tueThuNoon,
      new Date("2026-05-11T00:00:00Z"),
      new Date("2026-05-22T00:00:00Z"),
    );
    const easter = upcomingMeetings(
      tueThuNoon,
      new Date("2026-03-30T00:00:00Z"),
      new Date("2026-04-08T00:00:00Z"),
    );

    // Assess
    expect(ids(may)).toEqual(["2026-05-12T12:00", "2026-05-19T12:00", "2026-05-21T12:00"]);
    expect(ids(easter)).toEqual(["2026-03-31T12:00", "2026-04-07T12:00"]);
  });

  it("holds the Christmas Eve meeting unless the clinic closes that day", () => {
    // Prepare
    const from = new Date("2026-12-21T00:00:00Z");
    const until = new Date("2027-01-02T00:00:00Z");

    // Act
    const ordinary = upcomingMeetings(tueThuNoon, from, until);
    const closed = upcomingMeetings(tueThuNoon, from, until, CLOSED_CHRISTMAS_EVE);

    // Assess
    expect(ids(ordinary)).toEqual([
      "2026-12-22T12:00",
      "2026-12-24T12:00",
      "2026-12-29T12:00",
      "2026-12-31T12:00",
    ]);
    expect(ids(closed)).toEqual(["2026-12-22T12:00", "2026-12-29T12:00"]);
  });

  it("orders meetings by time when a day has several slots", () => {
    // Prepare
    const config = intakePlanningConfigSchema.parse({
      meetings: [
        { weekday: 3, time: "14:30" },
        { weekday: 3, time: "08:15" },
      ],
    });

    // Act
    const meetings = upcomingMeetings(
      config,
      new Date("2026-11-23T00:00:00Z"),
      new Date("2026-11-26T00:00:00Z"),
    );

    // Assess
    expect(ids(meetings)).toEqual(["2026-11-25T08:15", "2026-11-25T14:30"]);
  });

  it("lists nothing when `until` is not after `from`", () => {
    // Prepare
    const instant = new Date("2026-11-23T00:00:00Z");

    // Act + Assess
    expect(upcomingMeetings(tueThuNoon, instant, instant)).toEqual([]);
  });
});

describe("planMeeting", () => {
  // Received Monday 23 November 2026, 09:00 Oslo; the reminder point is Thursday 3 December 00:00 Oslo.
  const receivedAt = new Date("2026-11-23T09:00:00+01:00");

  it("assigns the earliest meeting with room before the reminder point", () => {
    // Act
    const plan = planMeeting({ receivedAt, now: receivedAt, config: tueThuNoon, isFull: nothingFull });

    // Assess
    expect(plan).toEqual({
      kind: "meeting",
      meetingId: "2026-11-24T12:00",
      startsAt: new Date("2026-11-24T11:00:00Z"),
      atRisk: false,
    });
  });

  it("assigns the next meeting when the referral arrives after today's meeting has started", () => {
    // Prepare
    const lateArrival = new Date("2026-11-24T12:00:00+01:00");

    // Act
    const plan = planMeeting({
      receivedAt: lateArrival,
      now: lateArrival,
      config: tueThuNoon,
      isFull: nothingFull,
    });

    // Assess
    expect(plan.meetingId).toBe("2026-11-26T12:00");
    expect(plan.atRisk).toBe(false);
  });

  it("skips full meetings and asks about meetings in time order, no further than the one it picks", () => {
    // Prepare
    const asked: string[] = [];
    const isFull = (id: string) => {
      asked.push(id);
      return id === "2026-11-24T12:00" || id === "2026-11-26T12:00";
    };

    // Act
    const plan = planMeeting({ receivedAt, now: receivedAt, config: tueThuNoon, isFull });

    // Assess
    expect(plan.meetingId).toBe("2026-12-01T12:00");
    expect(plan.atRisk).toBe(false);
    expect(asked).toEqual(["2026-11-24T12:00", "2026-11-26T12:00", "2026-12-01T12:00"]);
  });

  it("skips the Thursday meeting on Ascension Day", () => {
    // Prepare: Tuesday 12 May 2026, after that day's meeting
    const tuesdayAfternoon = new Date("2026-05-12T13:00:00+02:00");

    // Act
    const plan = planMeeting({
      receivedAt: tuesdayAfternoon,
      now: tuesdayAfternoon,
      config: tueThuNoon,
      isFull: nothingFull,
    });

    // Assess
    expect(plan.meetingId).toBe("2026-05-19T12:00");
    expect(plan.startsAt.toISOString()).toBe("2026-05-19T10:00:00.000Z");
  });

  it("skips a meeting on a local closure day", () => {
    // Prepare: Tuesday 22 December 2026, after that day's meeting
    const tuesdayAfternoon = new Date("2026-12-22T13:00:00+01:00");

    // Act
    const plan = planMeeting({
      receivedAt: tuesdayAfternoon,
      now: tuesdayAfternoon,
      config: tueThuNoon,
      rules: CLOSED_CHRISTMAS_EVE,
      isFull: nothingFull,
    });

    // Assess
    expect(plan.meetingId).toBe("2026-12-29T12:00");
  });

  it("gives the earliest meeting with room and flags it at risk when every meeting before the reminder point is full", () => {
    // Prepare: the three meetings before Thursday 3 December 00:00 are full
    const full = new Set(["2026-11-24T12:00", "2026-11-26T12:00", "2026-12-01T12:00"]);

    // Act
    const plan = planMeeting({
      receivedAt,
      now: receivedAt,
      config: tueThuNoon,
      isFull: (id) => full.has(id),
    });

    // Assess
    expect(plan).toEqual({
      kind: "meeting",
      meetingId: "2026-12-03T12:00",
      startsAt: new Date("2026-12-03T11:00:00Z"),
      atRisk: true,
    });
  });

  it("flags the earliest meeting at risk when the reminder point has already passed (a late forwarded referral)", () => {
    // Prepare: the ansiennitetsdato is three weeks before our clinic got the referral
    const originalReceipt = new Date("2026-11-02T10:00:00+01:00");

    // Act
    const plan = planMeeting({
      receivedAt: originalReceipt,
      now: receivedAt,
      config: tueThuNoon,
      isFull: nothingFull,
    });

    // Assess
    expect(plan.meetingId).toBe("2026-11-24T12:00");
    expect(plan.atRisk).toBe(true);
  });

  it("uses an explicit reminder point instead of working day 8 when given one", () => {
    // Prepare
    const reminderAt = new Date("2026-11-24T00:00:00+01:00");

    // Act
    const plan = planMeeting({
      receivedAt,
      now: receivedAt,
      reminderAt,
      config: tueThuNoon,
      isFull: nothingFull,
    });

    // Assess
    expect(plan.meetingId).toBe("2026-11-24T12:00");
    expect(plan.atRisk).toBe(true);
  });

  it("refuses to plan when no meeting in the horizon has room", () => {
    // Act + Assess
    expect(() =>
      planMeeting({ receivedAt, now: receivedAt, config: tueThuNoon, isFull: () => true }),
    ).toThrow(IntakePlanningError);
  });

  it("always picks a meeting with room, with no earlier meeting with room before it (property)", () => {
    const slotArb = fc.record({
      weekday: fc.integer({ min: 1, max: 7 }),
      time: fc
        .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
        .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
    });
    const closureArb = fc
      .date({
        min: new Date("2026-01-01T00:00:00Z"),
        max: new Date("2027-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        fc.uniqueArray(slotArb, { minLength: 1, maxLength: 5, selector: (s) => `${s.weekday}@${s.time}` }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }),
        fc.date({
          min: new Date("2026-01-01T00:00:00Z"),
          max: new Date("2027-10-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 20 * 24 * 60 }),
        fc.array(closureArb, { maxLength: 10 }),
        (meetings, capacity, counterList, now, reminderMinutes, closures) => {
          // Prepare: the n-th upcoming meeting has counterList[n] seats taken (0 beyond the list)
          const config = intakePlanningConfigSchema.parse({ meetings, capacityPerMeeting: capacity });
          const rules: CalendarRules = { ...defaultCalendarRules, closures };
          const reminderAt = new Date(now.getTime() + reminderMinutes * 60_000);
          const horizonEnd = new Date(now.getTime() + PLANNING_HORIZON_DAYS * 86_400_000);
          const candidates = upcomingMeetings(config, now, horizonEnd, rules);
          const counters = new Map(candidates.map((m, index) => [m.meetingId, counterList[index] ?? 0]));
          const isFull = (id: string) => (counters.get(id) ?? 0) >= capacity;
          const anyRoom = candidates.some((m) => !isFull(m.meetingId));

          // Act
          const act = () => planMeeting({ receivedAt: now, now, reminderAt, config, rules, isFull });

          // Assess
          if (!anyRoom) {
            expect(act).toThrow(IntakePlanningError);
            return;
          }
          const plan = act();
          const chosen = candidates.find((m) => m.meetingId === plan.meetingId);
          expect(chosen).toBeDefined();
          expect(isFull(plan.meetingId)).toBe(false);
          expect(plan.startsAt.getTime()).toBeGreaterThan(now.getTime());
          const [date, time] = plan.meetingId.split("T") as [string, string];
          expect(isWorkingDay(date, rules)).toBe(true);
          expect(
            config.meetings.some((s) => s.time === time && s.weekday === (new Date(date).getUTCDay() || 7)),
          ).toBe(true);
          const earlier = candidates.filter((m) => m.startsAt.getTime() < plan.startsAt.getTime());
          expect(earlier.every((m) => isFull(m.meetingId))).toBe(true);
          expect(plan.atRisk).toBe(plan.startsAt.getTime() >= reminderAt.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("planWithSeats", () => {
  const receivedAt = new Date("2026-11-23T09:00:00+01:00");

  it("takes a seat in the earliest meeting with room", async () => {
    // Prepare
    const { seats, tryTakeSeat } = atomicSeatCounter();

    // Act
    const plan = await planWithSeats({ receivedAt, now: receivedAt, config: tueThuNoon }, tryTakeSeat);

    // Assess
    expect(plan.meetingId).toBe("2026-11-24T12:00");
    expect(seats.get("2026-11-24T12:00")).toBe(1);
  });

  it("moves on to the next meeting when a seat is refused, and never asks the refusing meeting again", async () => {
    // Prepare
    const asked: [string, number][] = [];
    const tryTakeSeat = async (id: string, capacity: number) => {
      asked.push([id, capacity]);
      return id !== "2026-11-24T12:00";
    };

    // Act
    const plan = await planWithSeats({ receivedAt, now: receivedAt, config: tueThuNoon }, tryTakeSeat);

    // Assess
    expect(plan.meetingId).toBe("2026-11-26T12:00");
    expect(asked).toEqual([
      ["2026-11-24T12:00", 20],
      ["2026-11-26T12:00", 20],
    ]);
  });

  it("skips meetings a counter snapshot already shows as full without trying them", async () => {
    // Prepare
    const { seats, tryTakeSeat } = atomicSeatCounter();

    // Act
    const plan = await planWithSeats(
      { receivedAt, now: receivedAt, config: tueThuNoon, isFull: (id) => id === "2026-11-24T12:00" },
      tryTakeSeat,
    );

    // Assess
    expect(plan.meetingId).toBe("2026-11-26T12:00");
    expect([...seats.keys()]).toEqual(["2026-11-26T12:00"]);
  });

  it("reads which meetings are full only after a refusal, once, and then tries the first meeting with room", async () => {
    // Prepare: the first three meetings are full; the snapshot read after the first refusal knows it.
    const full = new Set(["2026-11-24T12:00", "2026-11-26T12:00", "2026-12-01T12:00"]);
    const asked: string[] = [];
    const tryTakeSeat = async (id: string) => {
      asked.push(id);
      return !full.has(id);
    };
    let reads = 0;
    const loadFull = async () => {
      reads += 1;
      return (id: string) => full.has(id);
    };

    // Act
    const plan = await planWithSeats(
      { receivedAt, now: receivedAt, config: tueThuNoon, loadFull },
      tryTakeSeat,
    );

    // Assess
    expect(plan.meetingId).toBe("2026-12-03T12:00");
    expect(asked).toEqual(["2026-11-24T12:00", "2026-12-03T12:00"]);
    expect(reads).toBe(1);
  });

  it("reads no snapshot when the first meeting tried has room", async () => {
    // Prepare
    const { tryTakeSeat } = atomicSeatCounter();
    let reads = 0;
    const loadFull = async () => {
      reads += 1;
      return () => false;
    };

    // Act
    await planWithSeats({ receivedAt, now: receivedAt, config: tueThuNoon, loadFull }, tryTakeSeat);

    // Assess
    expect(reads).toBe(0);
  });

  it("gives up after trying every meeting in the horizon once when every seat is refused", async () => {
    // Prepare
    const asked: string[] = [];
    const tryTakeSeat = async (id: string) => {
      asked.push(id);
      return false;
    };
    const inHorizon = upcomingMeetings(
      tueThuNoon,
      receivedAt,
      new Date(receivedAt.getTime() + PLANNING_HORIZON_DAYS * 86_400_000),
    );

    // Act
    const planning = planWithSeats({ receivedAt, now: receivedAt, config: tueThuNoon }, tryTakeSeat);

    // Assess
    await expect(planning).rejects.toThrow(IntakePlanningError);
    expect(asked).toEqual(ids(inHorizon));
  });

  it("stops after maxAttempts refusals", async () => {
    // Prepare
    let attempts = 0;
    const tryTakeSeat = async () => {
      attempts += 1;
      return false;
    };

    // Act
    const planning = planWithSeats(
      { receivedAt, now: receivedAt, config: tueThuNoon, maxAttempts: 3 },
      tryTakeSeat,
    );

    // Assess
    await expect(planning).rejects.toThrow(/after 3 attempts/);
    expect(attempts).toBe(3);
  });

  it("seats exactly 20 of 200 simultaneous referrals in a meeting with capacity 20 and the rest in later meetings", async () => {
    // Prepare
    const { seats, tryTakeSeat } = atomicSeatCounter();
    const input = { receivedAt, now: receivedAt, config: tueThuNoon };

    // Act
    const plans: MeetingPlan[] = await Promise.all(
      Array.from({ length: 200 }, () => planWithSeats(input, tryTakeSeat)),
    );

    // Assess
    expect(seats.get("2026-11-24T12:00")).toBe(20);
    expect(Object.fromEntries(seats)).toEqual({
      "2026-11-24T12:00": 20,
      "2026-11-26T12:00": 20,
      "2026-12-01T12:00": 20,
      "2026-12-03T12:00": 20,
      "2026-12-08T12:00": 20,
      "2026-12-10T12:00": 20,
      "2026-12-15T12:00": 20,
      "2026-12-17T12:00": 20,
      "2026-12-22T12:00": 20,
      "2026-12-24T12:00": 20,
    });
    const perMeeting = new Map<string, number>();
    for (const plan of plans) perMeeting.set(plan.meetingId, (perMeeting.get(plan.meetingId) ?? 0) + 1);
    expect(perMeeting).toEqual(seats);
    // The three meetings before the reminder point (Thursday 3 December 00:00) take 60; the rest are at risk.
    expect(plans.filter((plan) => plan.atRisk)).toHaveLength(140);
  });

  it("would overbook with a read-then-write counter, so the concurrency test above can fail", async () => {
    // Prepare: the counter reads, waits for the network, then writes what it read plus one
    const seats = new Map<string, number>();
    const racyTryTakeSeat = async (id: string, capacity: number) => {
      const taken = seats.get(id) ?? 0;
      await new Promise((resolve) => setImmediate(resolve));
      if (taken >= capacity) return false;
      seats.set(id, taken + 1);
      return true;
    };
    const input = { receivedAt, now: receivedAt, config: tueThuNoon };

    // Act
    const plans = await Promise.all(Array.from({ length: 200 }, () => planWithSeats(input, racyTryTakeSeat)));

    // Assess: every caller believed it got a seat in the first meeting
    expect(plans.filter((plan) => plan.meetingId === "2026-11-24T12:00").length).toBeGreaterThan(20);
  });
});

describe("chooseTrack", () => {
  const secondaryToOne = intakePlanningConfigSchema.parse({ singleAssessorTrack: { kinds: ["secondary"] } });

  it("sends a secondary referral to a single assessor when the clinic configures that", () => {
    // Act
    const track = chooseTrack({ kind: "secondary", priority: "ordinary" }, secondaryToOne);

    // Assess
    expect(track).toBe("single-assessor");
  });

  it("sends new and forwarded referrals to the intake meeting", () => {
    // Act + Assess
    expect(chooseTrack({ kind: "new", priority: "ordinary" }, secondaryToOne)).toBe("intake-meeting");
    expect(chooseTrack({ kind: "forwarded", priority: "urgent" }, secondaryToOne)).toBe("intake-meeting");
  });

  it("sends every referral to the intake meeting when no single-assessor track is configured", () => {
    // Act
    const track = chooseTrack({ kind: "secondary", priority: "urgent" }, tueThuNoon);

    // Assess
    expect(track).toBe("intake-meeting");
  });

  it("requires a referral to match every list the track names", () => {
    // Prepare
    const config = intakePlanningConfigSchema.parse({
      singleAssessorTrack: { kinds: ["secondary"], priorities: ["ordinary"] },
    });

    // Act + Assess
    expect(chooseTrack({ kind: "secondary", priority: "ordinary" }, config)).toBe("single-assessor");
    expect(chooseTrack({ kind: "secondary", priority: "urgent" }, config)).toBe("intake-meeting");
    expect(chooseTrack({ kind: "new", priority: "ordinary" }, config)).toBe("intake-meeting");
  });

  it("matches any kind when the track names only priorities", () => {
    // Prepare
    const config = intakePlanningConfigSchema.parse({ singleAssessorTrack: { priorities: ["urgent"] } });

    // Act + Assess
    expect(chooseTrack({ kind: "new", priority: "urgent" }, config)).toBe("single-assessor");
    expect(chooseTrack({ kind: "new", priority: "ordinary" }, config)).toBe("intake-meeting");
  });
});

describe("meetingLead and singleAssessorOf", () => {
  const team: ClinicConfig["intakeTeam"] = [
    { name: "Kari Nordmann", role: "physician", email: "kari@klinikk.example" },
    { name: "Ola Hansen", role: "psychologist", email: "ola@klinikk.example", lead: true },
    { name: "Siri Berg", role: "physiotherapist", email: "siri@klinikk.example" },
  ];

  it("takes the member marked as lead, or the first member when nobody is", () => {
    // Act + Assess
    expect(meetingLead(team).name).toBe("Ola Hansen");
    expect(meetingLead(team.map(({ lead: _, ...member }) => member)).name).toBe("Kari Nordmann");
  });

  it("gives the single-assessor track to the lead unless a clinician is configured", () => {
    // Act + Assess
    expect(singleAssessorOf({}, team).name).toBe("Ola Hansen");
    expect(singleAssessorOf({ singleAssessor: "SIRI@klinikk.example" }, team).name).toBe("Siri Berg");
    expect(singleAssessorOf({ singleAssessor: "Kari Nordmann" }, team).name).toBe("Kari Nordmann");
  });

  it("refuses a configured single assessor who is not on the intake team", () => {
    // Act + Assess
    expect(() => singleAssessorOf({ singleAssessor: "nobody@klinikk.example" }, team)).toThrow(
      IntakePlanningError,
    );
  });
});
