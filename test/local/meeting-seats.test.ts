/**
 * Intake meeting seats on real DynamoDB Local, with the table as the synthesized template defines
 * it: the conditional counter holds under 200 concurrent referrals, meetings are found by start
 * time through the worklist index, and an agenda is claimed once.
 */
import { Agent } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import {
  intakePlanningConfigSchema,
  meetingStartsAt,
  planWithSeats,
} from "../../functions/domain/intake-planning";
import { createFristApp } from "../../lib/app";
import { type DynamoDbLocal, LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import { type CfnTemplate, readTables } from "../../lib/local/template";
import { testReferral } from "../support/fakes";
import { type OwnTables, tablesOfOwn } from "../support/worker-dynamodb";

// Only the tables are read here: the template tests validate the template.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const tables = readTables(app.synth().getStackByName(stack.stackName).template as CfnTemplate);
let tableName: string;
let own: OwnTables | undefined;

let db: DynamoDbLocal;
let store: DynamoReferralStore;

beforeAll(async () => {
  own = await tablesOfOwn("meeting-seats", tables);
  db = own.db;
  tableName = own.names[0] as string;
  // 200 requests in flight over up to 50 sockets at a time, as 50 Lambda containers would send them;
  // a JVM that accepts connections slowly on a busy machine gets time to.
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: "eu-north-1",
    credentials: LOCAL_CREDENTIALS,
    requestHandler: {
      httpAgent: new Agent({ keepAlive: true, maxSockets: 50 }),
      connectionTimeout: 10_000,
      requestTimeout: 30_000,
    },
  });
  store = new DynamoReferralStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
}, 90_000);

afterAll(async () => {
  await own?.drop();
});

describe("intake meeting seats on DynamoDB Local", () => {
  it("seats exactly 20 of 200 concurrent referrals in the first meeting and never overbooks any", async () => {
    // Prepare: Monday 1 June 2026, 10:00 in Oslo; meetings Tuesdays and Thursdays 12:00, 20 seats each.
    const config = intakePlanningConfigSchema.parse({ capacityPerMeeting: 20 });
    const now = new Date("2026-06-01T08:00:00Z");
    const reminderAt = new Date("2026-12-31T00:00:00Z");

    // Act
    const plans = await Promise.all(
      Array.from({ length: 200 }, () =>
        planWithSeats({ receivedAt: now, now, reminderAt, config }, (meetingId, capacity) =>
          store.takeSeat(meetingId, meetingStartsAt(meetingId), capacity),
        ),
      ),
    );

    // Assess
    const perMeeting = new Map<string, number>();
    for (const plan of plans) perMeeting.set(plan.meetingId, (perMeeting.get(plan.meetingId) ?? 0) + 1);
    const meetings = await store.meetingsStartingBetween(now, new Date("2026-08-01T00:00:00Z"));
    expect(perMeeting.get("2026-06-02T12:00")).toBe(20);
    expect((await store.getMeeting("2026-06-02T12:00"))?.seats).toBe(20);
    expect(meetings.reduce((sum, meeting) => sum + meeting.seats, 0)).toBe(200);
    for (const meeting of meetings) {
      expect(meeting.seats, meeting.meetingId).toBeLessThanOrEqual(meeting.capacity);
      expect(meeting.seats, meeting.meetingId).toBe(perMeeting.get(meeting.meetingId));
    }
    // The first ten meetings are full, in time order: 2, 4, 9, 11, 16, 18, 23, 25, 30 June, 2 July.
    expect(meetings.map((meeting) => meeting.meetingId)).toEqual([
      "2026-06-02T12:00",
      "2026-06-04T12:00",
      "2026-06-09T12:00",
      "2026-06-11T12:00",
      "2026-06-16T12:00",
      "2026-06-18T12:00",
      "2026-06-23T12:00",
      "2026-06-25T12:00",
      "2026-06-30T12:00",
      "2026-07-02T12:00",
    ]);
    expect(
      meetings.every((meeting) => meeting.seats === 20 && /^[A-Za-z0-9_-]{43}$/.test(meeting.agendaId)),
    ).toBe(true);
  }, 60_000);

  it("refuses a seat in a full meeting and changes nothing", async () => {
    // Act
    const taken = await store.takeSeat("2026-06-02T12:00", meetingStartsAt("2026-06-02T12:00"), 20);

    // Assess
    expect(taken).toBe(false);
    expect((await store.getMeeting("2026-06-02T12:00"))?.seats).toBe(20);
  });

  it("finds meetings by start time through the index, files referrals under them and claims an agenda once", async () => {
    // Prepare
    const meetingId = "2027-01-12T12:00";
    expect(await store.takeSeat(meetingId, meetingStartsAt(meetingId), 20)).toBe(true);
    const referral = testReferral({ referralId: "ref-seat-1" });
    await store.createReferral(
      referral,
      {
        scope: "test",
        key: "ref-seat-1",
        bodyHash: "x",
        referralId: referral.referralId,
        response: {},
        createdAt: referral.receivedAt,
      },
      { type: "referral-received", at: referral.receivedAt, actor: { kind: "portal", id: "p" } },
    );
    await store.changeStatus(
      "ref-seat-1",
      {
        from: ["received"],
        to: "awaiting-assessment",
        assignment: {
          track: "intake-meeting",
          assessors: [],
          meetingId,
          startsAt: "2027-01-12T11:00:00.000Z",
        },
      },
      { type: "intake-planned", at: referral.receivedAt, actor: { kind: "system", id: "test" } },
    );

    // Act
    const [found] = await store.meetingsStartingBetween(
      new Date("2027-01-11T11:00:00Z"),
      new Date("2027-01-12T11:00:00Z"),
    );
    const first = found ? await store.claimAgenda(found, "2027-01-11T11:05:00.000Z") : undefined;
    const second = found ? await store.claimAgenda(found, "2027-01-11T11:20:00.000Z") : undefined;
    const byAgenda = found ? await store.findMeetingByAgendaId(found.agendaId) : undefined;

    // Assess
    expect(found?.meetingId).toBe(meetingId);
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(byAgenda).toMatchObject({ meetingId, seats: 1, agendaSentAt: "2027-01-11T11:05:00.000Z" });
    expect((await store.listMeetingReferrals(meetingId)).map((r) => r.referralId)).toEqual(["ref-seat-1"]);
    expect(await store.findMeetingByAgendaId("no-such-agenda")).toBeUndefined();
  });
});
