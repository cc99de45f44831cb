/**
 * The store contract: one suite run against the in-memory store the unit tests use
 * (test/support/fakes.ts) and the DynamoDB store on DynamoDB Local with the synthesized table, so a
 * use case tested on the fake holds on DynamoDB. Each rule here is one the domain relies on:
 * once-only writes, conditional transitions that change nothing when refused, claims, and what a
 * reconciler reads.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { documentClientOf, dynamoClient } from "../../functions/adapters/clients";
import {
  DynamoReferralStore,
  STAFF_EMAIL_RETENTION_DAYS,
} from "../../functions/adapters/dynamo-referral-store";
import { TTL_ATTRIBUTE } from "../../functions/adapters/dynamo-sessions";
import type { Decision } from "../../functions/domain/decision";
import {
  IdempotencyKeyTaken,
  type IdempotencyRecord,
  type ReferralStore,
  StaleStateError,
  type StatisticsSource,
} from "../../functions/domain/ports";
import type { AuditEvent, LetterRecord, StaffEmailRecord, TaskRecord } from "../../functions/domain/records";
import type { Tally } from "../../functions/domain/statistics";
import { createFristApp } from "../../lib/app";
import { type DynamoDbLocal, LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import { type CfnTemplate, readTables } from "../../lib/local/template";
import { InMemoryReferralStore, testReferral } from "../support/fakes";
import { type OwnTables, tablesOfOwn } from "../support/worker-dynamodb";

// Only the tables are read here: the template tests validate the template.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
const tables = readTables(template);
let tableName: string;
let own: OwnTables | undefined;

let db: DynamoDbLocal | undefined;

beforeAll(async () => {
  own = await tablesOfOwn("store-contract", tables);
  db = own.db;
  tableName = own.names[0] as string;
}, 90_000);

afterAll(async () => {
  await own?.drop();
});

const stores: [string, () => ReferralStore & StatisticsSource][] = [
  ["the in-memory store", () => new InMemoryReferralStore()],
  [
    "the DynamoDB store on DynamoDB Local",
    () => {
      if (!db) throw new Error("DynamoDB Local did not start");
      // Generous timeouts: this suite checks the contract, not the outage behaviour.
      const client = dynamoClient({
        endpoint: db.endpoint,
        region: "eu-north-1",
        credentials: LOCAL_CREDENTIALS,
        requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
      });
      return new DynamoReferralStore(documentClientOf(client), tableName);
    },
  ],
];

/** A fresh referral id per test, so the DynamoDB table can be shared by every test. */
let n = 0;
const freshId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(n++).toString(36)}`;

const event = (type: AuditEvent["type"], at = "2025-03-03T09:00:00.000Z"): AuditEvent => ({
  type,
  at,
  actor: { kind: "system", id: "contract" },
});

const decision: Decision = {
  outcome: "refused",
  justification: "Ikke rett til helsehjelp.",
  advice: "Kontakt fastlegen.",
  assessedBy: "1234567",
} as unknown as Decision;

/**
 * Every method of every record port and of the statistics source. The object must name each one
 * (tsc fails on a method added to a port and not here), and the last test of each store checks that
 * this suite called each of them on that store.
 */
const PORT_METHODS = Object.keys({
  createReferral: true,
  getIdempotencyRecord: true,
  getReferral: true,
  getReferralFile: true,
  getReferralHistory: true,
  applyReferralMessage: true,
  changeStatus: true,
  flagReferral: true,
  appendEvent: true,
  changePriority: true,
  createTask: true,
  findTask: true,
  getTask: true,
  listTasks: true,
  rearmTask: true,
  answerTask: true,
  reopenTask: true,
  expireTask: true,
  reviveTask: true,
  recordDecision: true,
  listPendingDecisions: true,
  clearPendingDecision: true,
  takeSeat: true,
  getMeeting: true,
  meetingsStartingBetween: true,
  claimAgenda: true,
  releaseAgenda: true,
  completeAgenda: true,
  findMeetingByAgendaId: true,
  listMeetingReferrals: true,
  claimLetter: true,
  takeOverLetter: true,
  releaseLetter: true,
  completeLetter: true,
  markLetterPosted: true,
  claimStaffEmails: true,
  takeOverStaffEmail: true,
  releaseStaffEmail: true,
  completeStaffEmails: true,
  recordStartOfCare: true,
  recordStartOfCareBreach: true,
  recordExpectedBreach: true,
  listHelfoNotifications: true,
  markHelfoReported: true,
  markHelfoPatientInformed: true,
  holdInformationRequest: true,
  closeInformationRequest: true,
  openInformationRequests: true,
  startsOfCareToConfirm: true,
  claimOutgoingMessage: true,
  takeOverOutgoingMessage: true,
  completeOutgoingMessage: true,
  listAwaitingReceipt: true,
  recordMessageReceipt: true,
  flagReceiptOverdue: true,
  monthCounters: true,
} satisfies Record<keyof (ReferralStore & StatisticsSource), true>);

/** The store, noting the name of each method the suite calls on it (not the calls it makes itself). */
function noting<T extends object>(store: T, called: Set<string>): T {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || typeof name !== "string") return value;
      called.add(name);
      return value.bind(target);
    },
  });
}

describe.each(stores)("%s", (_name, makeStore) => {
  let store: ReferralStore & StatisticsSource;
  let referralId: string;
  const called = new Set<string>();

  beforeEach(async () => {
    store = noting(makeStore(), called);
    referralId = freshId("ref");
  });

  /** Creates the test referral, as receive-referral does. */
  async function received(id = referralId, tally?: Tally) {
    const referral = testReferral({ referralId: id });
    const idempotency: IdempotencyRecord = {
      scope: "portal",
      key: freshId("key"),
      bodyHash: "h",
      referralId: id,
      response: { referralId: id },
      createdAt: referral.receivedAt,
    };
    await store.createReferral(referral, idempotency, event("referral-received"), tally);
    return { referral, idempotency };
  }

  async function awaiting() {
    await received();
    await store.changeStatus(
      referralId,
      { from: ["received"], to: "awaiting-assessment" },
      event("intake-planned", "2025-03-03T09:00:01.000Z"),
    );
  }

  async function openTask(taskId = freshId("task")): Promise<TaskRecord> {
    const task: TaskRecord = {
      taskId,
      referralId,
      taskToken: "token-1",
      state: "open",
      createdAt: "2025-03-03T09:00:02.000Z",
    };
    await store.createTask(task, event("assessment-task-created", task.createdAt));
    return task;
  }

  const answer = { decision, answeredBy: "1234567", answeredAt: "2025-03-04T10:00:00.000Z" };

  describe("referrals", () => {
    it("appends events to the referral's trail, in the order of their time", async () => {
      await received();
      await store.appendEvent(referralId, event("assessors-notified", "2025-03-03T09:00:03.000Z"));
      await store.appendEvent(referralId, event("assessors-reminded", "2025-03-13T07:00:00.000Z"));

      const history = await store.getReferralHistory(referralId);
      expect(history?.events.map((e) => e.type)).toEqual([
        "referral-received",
        "assessors-notified",
        "assessors-reminded",
      ]);
      expect((await store.getReferralFile(referralId))?.events).toEqual(history?.events);
    });

    it("creates a referral once per idempotency key and writes nothing on a repeat", async () => {
      const { referral, idempotency } = await received();
      const again = { ...referral, referralId: freshId("ref") };
      await expect(
        store.createReferral(
          again,
          { ...idempotency, referralId: again.referralId },
          event("referral-received"),
        ),
      ).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      expect(await store.getReferral(again.referralId)).toBeUndefined();
      expect((await store.getIdempotencyRecord("portal", idempotency.key))?.referralId).toBe(referralId);
    });

    it("keeps a message referral's lookup by its sender's own id in its write, the later referral's over an earlier one's", async () => {
      // Prepare: two referrals from one sender under one id (sent again as new), each with its MsgId.
      const documentId = freshId("doc");
      const message = (msgId: string) => ({
        msgId,
        type: "HENVISNING",
        sender: { name: "Legesenteret", herId: "56704" },
        documentId,
      });
      const later = freshId("ref");
      const keyOf = (id: string): IdempotencyRecord => ({
        scope: "message",
        key: freshId("msg"),
        bodyHash: "h",
        referralId: id,
        response: {},
        createdAt: "2025-03-03T09:00:00.000Z",
      });

      // Act
      await store.createReferral(
        testReferral({ referralId, message: message("m-1") }),
        keyOf(referralId),
        event("referral-received"),
      );
      const first = await store.getIdempotencyRecord("document:56704", documentId);
      await store.createReferral(
        testReferral({ referralId: later, message: message("m-2") }),
        keyOf(later),
        event("referral-received"),
      );

      // Assess
      expect(first?.referralId).toBe(referralId);
      expect((await store.getIdempotencyRecord("document:56704", documentId))?.referralId).toBe(later);
      expect(await store.getIdempotencyRecord("document:56705", documentId)).toBeUndefined();
    });

    it("counts every referral received into its month's statistics, however many arrive at once, and a refused repeat not at all", async () => {
      // A month no other test counts into: the DynamoDB table is shared by the whole suite.
      const month = "2031-07";
      const tally = { month, add: { referrals: 1, "kind.new": 1 } };
      const created = await Promise.all(Array.from({ length: 24 }, () => received(freshId("ref"), tally)));
      const [first] = created;
      if (!first) throw new Error("no referral created");
      await expect(
        store.createReferral(first.referral, first.idempotency, event("referral-received"), tally),
      ).rejects.toBeInstanceOf(IdempotencyKeyTaken);

      const counters = await store.monthCounters([month, "2031-08"]);
      expect(counters.get(month)).toEqual({ referrals: 24, "kind.new": 24 });
      expect(counters.has("2031-08")).toBe(false);
    });

    it("refuses a status change from another status and writes no event with it", async () => {
      await received();
      await expect(
        store.changeStatus(
          referralId,
          { from: ["awaiting-assessment"], to: "decided" },
          event("decision-recorded"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
      const file = await store.getReferralFile(referralId);
      expect(file?.referral.status).toBe("received");
      expect(file?.events.map((e) => e.type)).toEqual(["referral-received"]);
    });

    it("refuses a status change of a referral that does not exist", async () => {
      await expect(
        store.changeStatus(referralId, { from: ["received"], to: "failed" }, event("workflow-failed")),
      ).rejects.toBeInstanceOf(StaleStateError);
      expect(await store.getReferral(referralId)).toBeUndefined();
    });

    it("sets a flag once: true and one event the first time, false and nothing after", async () => {
      await received();
      expect(await store.flagReferral(referralId, "deadlineBreached", event("deadline-breached"))).toBe(true);
      expect(await store.flagReferral(referralId, "deadlineBreached", event("deadline-breached"))).toBe(
        false,
      );
      const file = await store.getReferralFile(referralId);
      expect(file?.referral.deadlineBreached).toBe(true);
      expect(file?.events.filter((e) => e.type === "deadline-breached")).toHaveLength(1);
    });

    it("reads a referral's history as its file has it: the referral and its events in order", async () => {
      await received();
      await store.flagReferral(
        referralId,
        "startOfCareReminded",
        event("start-of-care-reminded", "2025-03-04T09:00:00.000Z"),
      );
      await store.appendEvent(referralId, event("start-confirmation-requested", "2025-03-05T09:00:00.000Z"));
      const [history, file] = await Promise.all([
        store.getReferralHistory(referralId),
        store.getReferralFile(referralId),
      ]);
      expect(history?.events.map((e) => e.type)).toEqual([
        "referral-received",
        "start-of-care-reminded",
        "start-confirmation-requested",
      ]);
      expect(history).toEqual({ referral: file?.referral, events: file?.events });
      expect(await store.getReferralHistory("r-nobody")).toBeUndefined();
    });
  });

  describe("priority changes", () => {
    const change = (from: "ordinary" | "urgent", to: "ordinary" | "urgent", at: string) => ({
      from,
      to,
      reason: `grunn ${at}`,
      by: "Ola Haugen, psychologist",
      at,
    });

    it("changes a waiting referral's priority from the one it has, keeping every change in order", async () => {
      await awaiting();
      await store.changePriority(
        referralId,
        change("ordinary", "urgent", "2025-03-04T08:00:00.000Z"),
        event("priority-changed"),
      );
      await store.changePriority(
        referralId,
        change("urgent", "ordinary", "2025-03-05T08:00:00.000Z"),
        event("priority-changed", "2025-03-05T08:00:00.000Z"),
      );
      const file = await store.getReferralFile(referralId);
      expect(file?.referral.priority).toBe("ordinary");
      expect(file?.referral.priorityChanges?.map((c) => [c.from, c.to, c.reason])).toEqual([
        ["ordinary", "urgent", "grunn 2025-03-04T08:00:00.000Z"],
        ["urgent", "ordinary", "grunn 2025-03-05T08:00:00.000Z"],
      ]);
      expect(file?.events.filter((e) => e.type === "priority-changed")).toHaveLength(2);
    });

    it("refuses a change from a priority it does not have, or of a decided referral, writing nothing", async () => {
      await awaiting();
      await expect(
        store.changePriority(
          referralId,
          change("urgent", "ordinary", "2025-03-04T08:00:00.000Z"),
          event("priority-changed"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
      await store.changeStatus(
        referralId,
        { from: ["awaiting-assessment"], to: "decided" },
        event("decision-recorded", "2025-03-04T09:00:00.000Z"),
      );
      await expect(
        store.changePriority(
          referralId,
          change("ordinary", "urgent", "2025-03-04T10:00:00.000Z"),
          event("priority-changed"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
      const file = await store.getReferralFile(referralId);
      expect(file?.referral.priority).toBe("ordinary");
      expect(file?.referral.priorityChanges).toBeUndefined();
      expect(file?.events.map((e) => e.type)).not.toContain("priority-changed");
    });
  });

  describe("the start of care", () => {
    async function decided() {
      await awaiting();
      await store.changeStatus(
        referralId,
        { from: ["awaiting-assessment"], to: "decided" },
        event("decision-recorded", "2025-03-04T09:00:00.000Z"),
      );
    }

    it("records a start with its count in one write, only while the record holds the start and breach it was read with", async () => {
      await decided();
      // A month no other test counts into: the DynamoDB table is shared by the whole suite.
      const month = "2031-09";
      const first = { month, add: { "startOfCare.started": 1, "startOfCare.waitDays.30": 1 } };
      await store.recordStartOfCare(
        referralId,
        { startedOn: "2025-04-03" },
        event("start-of-care-recorded"),
        {
          before: { startedOn: null, breached: false },
          tally: first,
        },
      );
      // Read before that start: refused, nothing written.
      await expect(
        store.recordStartOfCare(referralId, { startedOn: "2025-04-10" }, event("start-of-care-recorded"), {
          before: { startedOn: null, breached: false },
          tally: first,
        }),
      ).rejects.toBeInstanceOf(StaleStateError);
      // Read as breached when it is not: refused too.
      await expect(
        store.recordStartOfCare(referralId, { startedOn: "2025-04-10" }, event("start-of-care-recorded"), {
          before: { startedOn: "2025-04-03", breached: true },
        }),
      ).rejects.toBeInstanceOf(StaleStateError);
      // A correction read with the current start moves the count.
      const moved = { month, add: { "startOfCare.waitDays.30": -1, "startOfCare.waitDays.37": 1 } };
      await store.recordStartOfCare(
        referralId,
        { startedOn: "2025-04-10" },
        event("start-of-care-recorded"),
        {
          before: { startedOn: "2025-04-03", breached: false },
          tally: moved,
        },
      );

      expect((await store.getReferral(referralId))?.careStartedOn).toBe("2025-04-10");
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "start-of-care-recorded")).toHaveLength(2);
      expect((await store.monthCounters([month])).get(month)).toEqual({
        "startOfCare.started": 1,
        "startOfCare.waitDays.30": 0,
        "startOfCare.waitDays.37": 1,
      });
    });
  });

  describe("expected breaches", () => {
    const notice = (id: string) => ({
      referralId: id,
      breachedAt: "2025-05-02T10:00:00.000Z",
      expected: true,
      startOfCareDeadline: "2025-06-27",
      decidedOn: "2025-03-14",
      careForm: "team",
      patient: { nationalId: "15038512282", name: "Kari Nordmann", phone: "+47 912 34 567" },
      clinic: { name: "Smerteklinikken", department: "Smerte" },
      status: "to-report" as const,
    });
    const expected = {
      reason: "Behandleren er sykmeldt hele perioden",
      by: "lead",
      at: "2025-05-02T10:00:00.000Z",
    };

    it("records an expected breach once with its notice, its event and its count in one write; a second is refused writing nothing", async () => {
      await awaiting();
      await store.changeStatus(
        referralId,
        { from: ["awaiting-assessment"], to: "decided" },
        event("decision-recorded", "2025-03-14T09:00:00.000Z"),
      );
      // A month no other test counts into: the DynamoDB table is shared by the whole suite.
      const month = "2031-10";
      const tally = { month, add: { "startOfCare.expected": 1 } };

      const first = await store.recordExpectedBreach(
        referralId,
        expected,
        notice(referralId),
        event("start-of-care-breach-expected"),
        tally,
      );
      const second = await store.recordExpectedBreach(
        referralId,
        { ...expected, by: "other" },
        { ...notice(referralId), breachedAt: "2025-05-03T10:00:00.000Z" },
        event("start-of-care-breach-expected"),
        tally,
      );

      expect([first, second]).toEqual([true, false]);
      expect((await store.getReferral(referralId))?.startOfCareExpectedBreach).toEqual(expected);
      const listed = (await store.listHelfoNotifications()).filter((n) => n.referralId === referralId);
      expect(listed).toEqual([notice(referralId)]);
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "start-of-care-breach-expected")).toHaveLength(1);
      expect((await store.monthCounters([month])).get(month)).toEqual({ "startOfCare.expected": 1 });
    });

    it("refuses an expected breach, writing nothing, on a referral not decided, with a start recorded or a breach on record", async () => {
      const month = "2031-11";
      const tally = { month, add: { "startOfCare.expected": 1 } };
      const attempt = (id: string) =>
        store.recordExpectedBreach(id, expected, notice(id), event("start-of-care-breach-expected"), tally);
      const decided = async (id: string) => {
        await received(id);
        await store.changeStatus(id, { from: ["received"], to: "decided" }, event("decision-recorded"));
      };

      await received();
      const undecided = await attempt(referralId);
      const started = freshId("ref");
      await decided(started);
      await store.recordStartOfCare(started, { startedOn: "2025-04-01" }, event("start-of-care-recorded"));
      const withStart = await attempt(started);
      const breached = freshId("ref");
      await decided(breached);
      await store.recordStartOfCareBreach(
        breached,
        { basis: "confirmed", notification: { ...notice(breached), expected: undefined } },
        event("start-of-care-breached"),
      );
      const afterBreach = await attempt(breached);

      expect([undecided, withStart, afterBreach]).toEqual([false, false, false]);
      for (const id of [referralId, started, breached]) {
        expect((await store.getReferral(id))?.startOfCareExpectedBreach).toBeUndefined();
        const file = await store.getReferralFile(id);
        expect(file?.events.map((e) => e.type)).not.toContain("start-of-care-breach-expected");
      }
      const listed = await store.listHelfoNotifications();
      expect(listed.filter((n) => n.referralId === referralId || n.referralId === started)).toEqual([]);
      expect(listed.find((n) => n.referralId === breached)?.expected).toBeUndefined();
      expect((await store.monthCounters([month])).has(month)).toBe(false);
    });
  });

  describe("Helfo notifications", () => {
    it("marks a notification reported once: a second mark, or one of a notification not there, is refused", async () => {
      await awaiting();
      const notification = {
        referralId,
        breachedAt: "2025-06-27T22:00:00.000Z",
        startOfCareDeadline: "2025-06-27",
        decidedOn: "2025-03-14",
        careForm: "team",
        patient: { nationalId: "15038512282", name: "Kari Nordmann" },
        clinic: { name: "Smerteklinikken", department: "Smerte" },
        status: "to-report" as const,
      };
      await expect(
        store.markHelfoReported(
          notification,
          { reportedOn: "2025-06-30", reportedBy: "lead", reportedAt: "2025-06-30T08:00:00.000Z" },
          event("helfo-reported"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
      await store.recordStartOfCareBreach(
        referralId,
        { basis: "confirmed", notification },
        event("start-of-care-breached"),
      );
      const reported = {
        reportedOn: "2025-06-30",
        reportedBy: "lead",
        reportedAt: "2025-06-30T08:00:00.000Z",
      };
      await store.markHelfoReported(notification, reported, event("helfo-reported"));
      await expect(
        store.markHelfoReported(notification, { ...reported, reportedBy: "other" }, event("helfo-reported")),
      ).rejects.toBeInstanceOf(StaleStateError);
      const stored = (await store.listHelfoNotifications()).find((n) => n.referralId === referralId);
      expect(stored).toMatchObject({ status: "reported", ...reported });
      expect(stored?.patientInformedAt).toBeUndefined();
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "helfo-reported")).toHaveLength(1);
    });
  });

  describe("the patient informed of a reported breach", () => {
    it("records once, on a reported notification only, that its letters are out", async () => {
      await awaiting();
      const notification = {
        referralId,
        breachedAt: "2025-06-27T22:00:00.000Z",
        startOfCareDeadline: "2025-06-27",
        decidedOn: "2025-03-14",
        careForm: "team",
        patient: { nationalId: "15038512282", name: "Kari Nordmann" },
        clinic: { name: "Smerteklinikken", department: "Smerte" },
        status: "to-report" as const,
      };
      await expect(
        store.markHelfoPatientInformed(notification, "2025-06-30T08:00:00.000Z"),
      ).rejects.toBeInstanceOf(StaleStateError);
      await store.recordStartOfCareBreach(
        referralId,
        { basis: "default", notification },
        event("start-of-care-breached"),
      );
      await expect(
        store.markHelfoPatientInformed(notification, "2025-06-30T08:00:00.000Z"),
      ).rejects.toBeInstanceOf(StaleStateError);
      await store.markHelfoReported(
        notification,
        { reportedOn: "2025-06-30", reportedBy: "clerk", reportedAt: "2025-06-30T08:00:00.000Z" },
        event("helfo-reported"),
      );

      await store.markHelfoPatientInformed(notification, "2025-06-30T08:01:00.000Z");
      await store.markHelfoPatientInformed(notification, "2025-06-30T09:00:00.000Z");

      const stored = (await store.listHelfoNotifications()).find((n) => n.referralId === referralId);
      expect(stored).toMatchObject({ status: "reported", patientInformedAt: "2025-06-30T08:01:00.000Z" });
    });
  });

  describe("tasks and decisions", () => {
    it("answers an open task once, and files its decision as pending until it is recorded", async () => {
      await awaiting();
      const task = await openTask();
      await store.answerTask(task, answer, event("decision-submitted"));
      await expect(store.answerTask(task, answer, event("decision-submitted"))).rejects.toBeInstanceOf(
        StaleStateError,
      );
      expect((await store.getTask(referralId, task.taskId))?.state).toBe("answered");
      const pending = (await store.listPendingDecisions(new Date("2100-01-01"))).filter(
        (p) => p.referralId === referralId,
      );
      expect(pending).toEqual([
        { referralId, taskId: task.taskId, outcome: "refused", answeredAt: answer.answeredAt },
      ]);

      await store.recordDecision(
        referralId,
        { decision, taskId: task.taskId, decidedAt: answer.answeredAt },
        event("decision-recorded"),
      );
      expect((await store.getReferral(referralId))?.status).toBe("decided");
      const after = await store.listPendingDecisions(new Date("2100-01-01"));
      expect(after.filter((p) => p.referralId === referralId)).toEqual([]);
    });

    it("lists the granted rights with no start and no breach on record by due day (planned start, else deadline), page by page", async () => {
      /** A referral granted with this deadline and planned start (far ahead: the table is shared). */
      const granted = async (deadline: string, plannedStart?: string) => {
        const id = freshId("ref");
        await received(id);
        await store.changeStatus(
          id,
          { from: ["received"], to: "awaiting-assessment" },
          event("intake-planned"),
        );
        const grant = {
          outcome: "granted",
          startOfCareDeadline: deadline,
          ...(plannedStart ? { plannedStart } : {}),
          careForm: "team",
          assessedBy: "1234567",
        } as unknown as Decision;
        await store.recordDecision(
          id,
          { decision: grant, taskId: freshId("task"), decidedAt: answer.answeredAt },
          event("decision-recorded"),
        );
        return id;
      };
      const plannedFirst = await granted("2040-01-20", "2040-01-10");
      const replanned = await granted("2040-01-15");
      const started = await granted("2040-01-08");
      const breached = await granted("2040-01-09");
      const later = await granted("2040-03-01");
      await store.recordStartOfCare(
        replanned,
        { plannedStart: "2040-01-05" },
        event("start-of-care-recorded"),
      );
      await store.recordStartOfCare(started, { startedOn: "2040-01-07" }, event("start-of-care-recorded"));
      await store.recordStartOfCareBreach(breached, { basis: "confirmed" }, event("start-of-care-breached"));
      const ours = new Set([plannedFirst, replanned, started, breached, later]);

      const listed: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.startsOfCareToConfirm({
          dueBefore: "2040-02-01",
          limit: 1,
          ...(cursor ? { cursor } : {}),
        });
        expect(page.rows.length).toBeLessThanOrEqual(1);
        listed.push(...page.rows.filter((row) => ours.has(row.referralId)));
        cursor = page.nextCursor;
      } while (cursor);

      expect(listed).toEqual([
        { referralId: replanned, startOfCareDeadline: "2040-01-15", plannedStart: "2040-01-05" },
        { referralId: plannedFirst, startOfCareDeadline: "2040-01-20", plannedStart: "2040-01-10" },
      ]);
      await expect(
        store.startsOfCareToConfirm({ dueBefore: "2040-02-01", limit: 1, cursor: "bm90LWEtY3Vyc29y" }),
      ).rejects.toThrow(/cursor/);
    });

    it("clears a referral's pending decision: no longer listed, and the task keeps its answer", async () => {
      await awaiting();
      const task = await openTask();
      await store.answerTask(task, answer, event("decision-submitted"));
      const mine = async () =>
        (await store.listPendingDecisions(new Date("2100-01-01"))).filter((p) => p.referralId === referralId);
      expect(await mine()).toHaveLength(1);

      await store.clearPendingDecision(referralId);
      await store.clearPendingDecision(referralId);

      expect(await mine()).toEqual([]);
      expect((await store.getTask(referralId, task.taskId))?.state).toBe("answered");
    });

    it("lists pending decisions answered strictly before the given time", async () => {
      await awaiting();
      const task = await openTask();
      await store.answerTask(task, answer, event("decision-submitted"));
      const at = new Date(answer.answeredAt);
      const mine = async (before: Date) =>
        (await store.listPendingDecisions(before)).filter((p) => p.referralId === referralId);
      expect(await mine(at)).toEqual([]);
      expect(await mine(new Date(at.getTime() + 1))).toHaveLength(1);
    });

    it("reopens an answered task without its decision and drops its pending decision", async () => {
      await awaiting();
      const task = await openTask();
      await store.answerTask(task, answer, event("decision-submitted"));
      await store.reopenTask(task);
      const reopened = await store.getTask(referralId, task.taskId);
      expect(reopened?.state).toBe("open");
      expect(reopened?.decision).toBeUndefined();
      const pending = await store.listPendingDecisions(new Date("2100-01-01"));
      expect(pending.filter((p) => p.referralId === referralId)).toEqual([]);
    });

    it("records a decision once: a repeat for the same task is a no-op, another status is refused", async () => {
      await awaiting();
      const task = await openTask();
      const recorded = { decision, taskId: task.taskId, decidedAt: answer.answeredAt };
      await store.recordDecision(referralId, recorded, event("decision-recorded"));
      await store.recordDecision(referralId, recorded, event("decision-recorded"));
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "decision-recorded")).toHaveLength(1);

      const other = freshId("ref");
      await expect(
        store.recordDecision(other, { ...recorded, taskId: "another" }, event("decision-recorded")),
      ).rejects.toBeInstanceOf(StaleStateError);
    });

    it("re-arms an open or answered task with a new token, never an expired one", async () => {
      await awaiting();
      const task = await openTask();
      await store.rearmTask(
        task,
        { taskToken: "token-2", rearmedAt: "2025-03-05T07:00:00.000Z" },
        event("assessment-task-rearmed"),
      );
      expect((await store.findTask(task.taskId))?.taskToken).toBe("token-2");
      await store.expireTask(task);
      await expect(
        store.rearmTask(
          task,
          { taskToken: "token-3", rearmedAt: "2025-03-06T07:00:00.000Z" },
          event("assessment-task-rearmed"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
      expect((await store.findTask(task.taskId))?.taskToken).toBe("token-2");
    });

    it("revives only an expired task without a decision, with the new wait's token", async () => {
      await awaiting();
      const task = await openTask();
      const rearm = { taskToken: "token-r1", rearmedAt: "2025-03-06T07:00:00.000Z" };
      await expect(store.reviveTask(task, rearm, event("assessment-task-rearmed"))).rejects.toBeInstanceOf(
        StaleStateError,
      );
      await store.expireTask(task);
      await store.reviveTask(task, rearm, event("assessment-task-rearmed"));
      expect(await store.getTask(referralId, task.taskId)).toMatchObject({
        state: "open",
        taskToken: "token-r1",
      });

      await store.answerTask({ ...task, taskToken: "token-r1" }, answer, event("decision-submitted"));
      await store.expireTask(task);
      await expect(
        store.reviveTask(task, { ...rearm, taskToken: "token-r2" }, event("assessment-task-rearmed")),
      ).rejects.toBeInstanceOf(StaleStateError);
      expect((await store.getTask(referralId, task.taskId))?.taskToken).toBe("token-r1");
    });

    it("creates one task per place: a second task at the same place is refused and not stored", async () => {
      await awaiting();
      const first: TaskRecord = {
        taskId: freshId("task"),
        referralId,
        taskToken: "t-1",
        state: "open",
        createdAt: "2025-03-03T09:00:02.000Z",
      };
      const second: TaskRecord = { ...first, taskId: freshId("task"), taskToken: "t-2" };
      await store.createTask(first, event("assessment-task-created"), { ordinal: 0 });
      await expect(
        store.createTask(second, event("assessment-task-created"), { ordinal: 0 }),
      ).rejects.toBeInstanceOf(StaleStateError);
      expect((await store.listTasks(referralId)).map((t) => t.taskId)).toEqual([first.taskId]);
      // Found by its id as the task it is (the place is no second item under that id).
      expect(await store.findTask(first.taskId)).toMatchObject({
        referralId,
        state: "open",
        taskToken: "t-1",
      });
      await store.createTask(second, event("assessment-task-created"), { ordinal: 1 });
      expect(await store.listTasks(referralId)).toHaveLength(2);
    });

    it("finds a task by its id alone, and by referral and id only under its own referral", async () => {
      await awaiting();
      const task = await openTask();
      expect((await store.findTask(task.taskId))?.referralId).toBe(referralId);
      expect(await store.getTask(freshId("ref"), task.taskId)).toBeUndefined();
      expect(await store.findTask(freshId("task"))).toBeUndefined();
    });

    it("expiring a task that does not exist creates nothing", async () => {
      await awaiting();
      const ghost: TaskRecord = {
        taskId: freshId("task"),
        referralId,
        taskToken: "t",
        state: "open",
        createdAt: "2025-03-03T09:00:00.000Z",
      };
      await store.expireTask(ghost);
      expect(await store.getTask(referralId, ghost.taskId)).toBeUndefined();
      expect(await store.listTasks(referralId)).toEqual([]);
    });

    it("holds one open information request per task: the same request again, never another, until it is closed", async () => {
      await awaiting();
      const task = await openTask();
      const first = { requestId: "q-1", at: "2025-03-04T10:00:00.000Z" };

      expect(await store.holdInformationRequest(task, first)).toEqual({ held: true });
      expect(await store.holdInformationRequest(task, { ...first, at: "2025-03-04T11:00:00.000Z" })).toEqual({
        held: true,
      });
      const other = await store.holdInformationRequest(task, {
        requestId: "q-2",
        at: "2025-03-04T12:00:00.000Z",
      });
      expect(other.held).toBe(false);
      expect(other.held ? undefined : other.task).toMatchObject({
        openRequestId: "q-1",
        openRequestAt: "2025-03-04T10:00:00.000Z",
      });
      expect(await store.closeInformationRequest(task, "q-2")).toBe(false);
      expect(await store.closeInformationRequest(task, "q-1")).toBe(true);
      expect(await store.closeInformationRequest(task, "q-1")).toBe(false);
      expect(await store.holdInformationRequest(task, { requestId: "q-2", at: first.at })).toEqual({
        held: true,
      });
      expect((await store.getTask(referralId, task.taskId))?.openRequestId).toBe("q-2");
    });

    it("holds no information request on a task that is answered or not there", async () => {
      await awaiting();
      const task = await openTask();
      await store.answerTask(task, answer, event("decision-submitted"));
      const request = { requestId: "q-1", at: "2025-03-04T10:00:00.000Z" };

      const answered = await store.holdInformationRequest(task, request);
      const ghost = await store.holdInformationRequest({ referralId, taskId: freshId("task") }, request);

      expect(answered.held).toBe(false);
      expect(answered.held ? undefined : answered.task?.state).toBe("answered");
      expect(ghost).toEqual({ held: false });
      expect((await store.listTasks(referralId)).map((t) => t.taskId)).toEqual([task.taskId]);
    });

    it("lists the open information requests of open tasks oldest first, page by page, until closed, answered or expired", async () => {
      await awaiting();
      const [later, earlier, closed, answered, expired] = [
        await openTask(),
        await openTask(),
        await openTask(),
        await openTask(),
        await openTask(),
      ];
      await store.holdInformationRequest(later, { requestId: "q-later", at: "2025-03-05T10:00:00.000Z" });
      await store.holdInformationRequest(earlier, { requestId: "q-earlier", at: "2025-03-04T10:00:00.000Z" });
      for (const task of [closed, answered, expired]) {
        await store.holdInformationRequest(task, { requestId: "q-gone", at: "2025-03-03T10:00:00.000Z" });
      }
      await store.closeInformationRequest(closed, "q-gone");
      await store.answerTask(answered, answer, event("decision-submitted"));
      await store.expireTask(expired);

      // Other tests share the table: walk every page (one line each) and keep this referral's.
      const ours: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.openInformationRequests({ limit: 1, ...(cursor ? { cursor } : {}) });
        expect(page.rows.length).toBeLessThanOrEqual(1);
        ours.push(...page.rows.filter((row) => row.referralId === referralId));
        cursor = page.nextCursor;
      } while (cursor);

      expect(ours).toEqual([
        { referralId, taskId: earlier.taskId, requestedAt: "2025-03-04T10:00:00.000Z" },
        { referralId, taskId: later.taskId, requestedAt: "2025-03-05T10:00:00.000Z" },
      ]);
      await expect(store.openInformationRequests({ limit: 1, cursor: "bm90LWEtY3Vyc29y" })).rejects.toThrow(
        /cursor/,
      );
    });

    it("lists an information request again once its answered task is reopened or its expired task revived, but not one closed meanwhile", async () => {
      await awaiting();
      const [reopened, revived, closed] = [await openTask(), await openTask(), await openTask()];
      const at = "2025-03-04T10:00:00.000Z";
      for (const task of [reopened, revived, closed]) {
        await store.holdInformationRequest(task, { requestId: "q-1", at });
      }
      const asRead = async (task: TaskRecord) => (await store.getTask(referralId, task.taskId)) as TaskRecord;
      const [readReopened, readRevived, readClosed] = [
        await asRead(reopened),
        await asRead(revived),
        await asRead(closed),
      ];
      await store.answerTask(reopened, answer, event("decision-submitted"));
      await store.expireTask(revived);
      await store.answerTask(closed, answer, event("decision-submitted"));
      await store.closeInformationRequest(closed, "q-1");

      await store.reopenTask(readReopened);
      await store.reviveTask(
        readRevived,
        { taskToken: "token-r", rearmedAt: "2025-03-06T07:00:00.000Z" },
        event("assessment-task-rearmed"),
      );
      await store.reopenTask(readClosed);

      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.openInformationRequests({ limit: 50, ...(cursor ? { cursor } : {}) });
        listed.push(...page.rows.filter((row) => row.referralId === referralId).map((row) => row.taskId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(listed.sort()).toEqual([reopened.taskId, revived.taskId].sort());
    });

    it("lists a referral's tasks oldest first", async () => {
      await awaiting();
      const first = await openTask();
      const second: TaskRecord = { ...first, taskId: freshId("task"), createdAt: "2025-03-04T09:00:00.000Z" };
      await store.createTask(second, event("assessment-task-created"));
      expect((await store.listTasks(referralId)).map((t) => t.taskId)).toEqual([first.taskId, second.taskId]);
    });
  });

  describe("letter claims", () => {
    const letter = (overrides: Partial<LetterRecord> = {}): LetterRecord => ({
      referralId,
      letterKind: "decision",
      recipientRole: "referrer",
      channel: "email",
      to: "per.hansen@legesenter.example",
      status: "sending",
      subject: "Svar",
      html: "<p>brev</p>",
      text: "brev",
      createdAt: "2025-03-04T10:00:00.000Z",
      claimId: "claim-a",
      claimedAt: "2025-03-04T10:00:00.000Z",
      ...overrides,
    });

    it("claims a letter once per referral, kind, request and recipient, and shows a later claim the first", async () => {
      await received();
      expect(await store.claimLetter(letter())).toBeUndefined();
      expect((await store.claimLetter(letter({ claimId: "claim-b" })))?.claimId).toBe("claim-a");
      expect(
        await store.claimLetter(letter({ recipientRole: "patient", claimId: "claim-c" })),
      ).toBeUndefined();
      expect(
        await store.claimLetter(letter({ letterKind: "information-request", requestId: "r1", claimId: "d" })),
      ).toBeUndefined();
      expect(
        await store.claimLetter(letter({ letterKind: "information-request", requestId: "r2", claimId: "e" })),
      ).toBeUndefined();
    });

    it("lets a claim be taken over only from the claim it names", async () => {
      await received();
      await store.claimLetter(letter());
      expect(await store.takeOverLetter(letter({ claimId: "claim-b" }), "claim-x")).toBe(false);
      expect(await store.takeOverLetter(letter({ claimId: "claim-b" }), "claim-a")).toBe(true);
      expect(await store.takeOverLetter(letter({ claimId: "claim-c" }), "claim-a")).toBe(false);
      expect((await store.claimLetter(letter({ claimId: "claim-z" })))?.claimId).toBe("claim-b");
    });

    it("keeps a letter's link through a take-over, and gives a claim made without one the taker's", async () => {
      await received();
      await store.claimLetter(letter({ linkId: "first-link-0123456789ab" }));
      expect(
        await store.takeOverLetter(
          letter({ claimId: "claim-b", linkId: "second-link-0123456789a" }),
          "claim-a",
        ),
      ).toBe(true);
      const kept = (await store.getReferralFile(referralId))?.letters[0];
      expect(kept).toMatchObject({ claimId: "claim-b", linkId: "first-link-0123456789ab" });

      await store.claimLetter(letter({ recipientRole: "patient" }));
      await store.takeOverLetter(
        letter({ recipientRole: "patient", claimId: "claim-b", linkId: "patient-link-0123456789" }),
        "claim-a",
      );
      const patients = (await store.getReferralFile(referralId))?.letters.find(
        (l) => l.recipientRole === "patient",
      );
      expect(patients?.linkId).toBe("patient-link-0123456789");
    });

    it("releases a claim only for the attempt that holds it, and never a sent letter", async () => {
      await received();
      await store.claimLetter(letter());
      await store.releaseLetter(letter({ claimId: "claim-b" }));
      expect((await store.claimLetter(letter({ claimId: "claim-b" })))?.claimId).toBe("claim-a");
      await store.releaseLetter(letter());
      expect(await store.claimLetter(letter({ claimId: "claim-b" }))).toBeUndefined();

      await store.completeLetter(
        letter({ claimId: "claim-b" }),
        { status: "sent", sentAt: "2025-03-04T10:00:01.000Z", messageId: "m-1" },
        event("letter-sent"),
      );
      await store.releaseLetter(letter({ claimId: "claim-b" }));
      expect((await store.claimLetter(letter({ claimId: "claim-c" })))?.status).toBe("sent");
    });

    it("completes a counted letter once: a repeat is refused", async () => {
      await received();
      await store.claimLetter(letter());
      const sent = { status: "sent" as const, sentAt: "2025-03-04T10:00:01.000Z", messageId: "m-1" };
      const tally = { month: "2025-03", add: { patientInformed: 1 } };
      await store.completeLetter(letter(), sent, event("letter-sent"), tally);
      await expect(store.completeLetter(letter(), sent, event("letter-sent"), tally)).rejects.toBeInstanceOf(
        StaleStateError,
      );
    });

    it("marks only a letter awaiting post as posted", async () => {
      await received();
      await store.claimLetter(letter({ channel: "postal", to: undefined, status: "awaiting-postal" }));
      await expect(
        store.markLetterPosted(
          letter({ recipientRole: "patient" }),
          { sentAt: "2025-03-05T10:00:00.000Z", postedBy: "clerk" },
          event("letter-posted"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
      await store.markLetterPosted(
        letter(),
        { sentAt: "2025-03-05T10:00:00.000Z", postedBy: "clerk" },
        event("letter-posted"),
      );
      await expect(
        store.markLetterPosted(
          letter(),
          { sentAt: "2025-03-05T10:00:00.000Z", postedBy: "clerk" },
          event("letter-posted"),
        ),
      ).rejects.toBeInstanceOf(StaleStateError);
    });
  });

  describe("meetings", () => {
    it("takes seats up to the capacity and no more", async () => {
      const meetingId = `2031-${freshId("m")}`;
      const startsAt = new Date("2031-01-07T11:00:00.000Z");
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push(await store.takeSeat(meetingId, startsAt, 3));
      expect(taken).toEqual([true, true, true, false]);
      expect((await store.getMeeting(meetingId))?.seats).toBe(3);
    });

    it("gives a holder one seat however often it asks, and still no seat past the capacity", async () => {
      const meetingId = `2031-${freshId("m")}`;
      const startsAt = new Date("2031-01-07T11:00:00.000Z");
      expect(await store.takeSeat(meetingId, startsAt, 2, "ref-a")).toBe(true);
      expect(await store.takeSeat(meetingId, startsAt, 2, "ref-a")).toBe(true);
      expect((await store.getMeeting(meetingId))?.seats).toBe(1);
      expect(await store.takeSeat(meetingId, startsAt, 2, "ref-b")).toBe(true);
      expect(await store.takeSeat(meetingId, startsAt, 2, "ref-c")).toBe(false);
      expect(await store.takeSeat(meetingId, startsAt, 2, "ref-b")).toBe(true);
      expect((await store.getMeeting(meetingId))?.seats).toBe(2);
      // The meetings of a period show who holds their seats, so planning can tell a full meeting
      // from one where the referral already has its seat.
      const listed = await store.meetingsStartingBetween(
        new Date(startsAt.getTime() - 1),
        new Date(startsAt.getTime() + 1),
      );
      expect(listed.find((meeting) => meeting.meetingId === meetingId)?.holders).toEqual(["ref-a", "ref-b"]);
    });

    it("claims a meeting's agenda once, and again only after a release", async () => {
      const meetingId = `2031-${freshId("m")}`;
      await store.takeSeat(meetingId, new Date("2031-01-07T11:00:00.000Z"), 3);
      const meeting = await store.getMeeting(meetingId);
      if (!meeting) throw new Error("no meeting");
      expect(await store.claimAgenda(meeting, "2031-01-06T16:00:00.000Z")).toBe(true);
      expect(await store.claimAgenda(meeting, "2031-01-06T16:00:01.000Z")).toBe(false);
      await store.releaseAgenda(meeting, "2031-01-06T16:00:00.000Z");
      expect(await store.claimAgenda(meeting, "2031-01-06T16:00:02.000Z")).toBe(true);
    });

    it("finds a meeting by its agenda id only once its agenda is claimed", async () => {
      const meetingId = `2031-${freshId("m")}`;
      await store.takeSeat(meetingId, new Date("2031-01-07T11:00:00.000Z"), 3);
      const meeting = await store.getMeeting(meetingId);
      if (!meeting) throw new Error("no meeting");
      expect(await store.findMeetingByAgendaId(meeting.agendaId)).toBeUndefined();

      await store.claimAgenda(meeting, "2031-01-06T16:00:00.000Z");

      expect((await store.findMeetingByAgendaId(meeting.agendaId))?.meetingId).toBe(meetingId);
      expect(await store.findMeetingByAgendaId(`${meeting.agendaId}x`)).toBeUndefined();
    });

    it("lists the referrals a status change filed under a meeting, and only those", async () => {
      const meetingId = `2031-${freshId("m")}`;
      const other = freshId("ref");
      await received();
      await received(other);
      const assignment = {
        track: "intake-meeting" as const,
        assessors: [{ name: "Ola Haugen", role: "lege" }],
        meetingId,
        startsAt: "2031-01-07T11:00:00.000Z",
      };
      await store.changeStatus(
        referralId,
        { from: ["received"], to: "awaiting-assessment", assignment },
        event("intake-planned", "2025-03-03T09:00:01.000Z"),
      );
      await store.changeStatus(
        other,
        { from: ["received"], to: "awaiting-assessment" },
        event("intake-planned", "2025-03-03T09:00:01.000Z"),
      );

      const filed = await store.listMeetingReferrals(meetingId);

      expect(filed.map((referral) => referral.referralId)).toEqual([referralId]);
      expect(filed[0]).toMatchObject({ status: "awaiting-assessment", assignment });
      expect(await store.listMeetingReferrals(`2031-${freshId("m")}`)).toEqual([]);
    });

    it("marks an agenda delivered once, and shows it on the meeting", async () => {
      const meetingId = `2031-${freshId("m")}`;
      await store.takeSeat(meetingId, new Date("2031-01-07T11:00:00.000Z"), 3);
      const meeting = await store.getMeeting(meetingId);
      if (!meeting) throw new Error("no meeting");
      await store.claimAgenda(meeting, "2031-01-06T16:00:00.000Z");
      await store.completeAgenda(meeting, "2031-01-06T16:00:05.000Z");
      await store.completeAgenda(meeting, "2031-01-06T16:09:00.000Z");
      expect((await store.getMeeting(meetingId))?.agendaDeliveredAt).toBe("2031-01-06T16:00:05.000Z");
      const listed = await store.meetingsStartingBetween(
        new Date("2031-01-07T10:00:00.000Z"),
        new Date("2031-01-07T12:00:00.000Z"),
      );
      expect(listed.find((m) => m.meetingId === meetingId)?.agendaDeliveredAt).toBe(
        "2031-01-06T16:00:05.000Z",
      );
    });
  });

  describe("staff email claims", () => {
    const claim = (overrides: Partial<StaffEmailRecord> = {}): StaffEmailRecord => ({
      about: "referral",
      aboutId: referralId,
      kind: "task",
      occurrence: "task-1",
      to: "ola.haugen@smerteklinikk.example",
      status: "sending",
      createdAt: "2025-03-04T10:00:00.000Z",
      claimId: "claim-a",
      claimedAt: "2025-03-04T10:00:00.000Z",
      ...overrides,
    });
    const claimOne = async (email: StaffEmailRecord) => (await store.claimStaffEmails([email]))[0];
    const completeOne = (email: StaffEmailRecord, sent: { sentAt: string; messageId: string }) =>
      store.completeStaffEmails([{ email, ...sent }]);
    const team = ["a", "b", "c"].map((name) => `${name}@smerteklinikk.example`);

    it("claims a staff email once per subject, kind, occurrence and recipient (any letter case), and shows a later claim the first", async () => {
      await received();
      expect(await claimOne(claim())).toBeUndefined();
      expect((await claimOne(claim({ claimId: "claim-b" })))?.claimId).toBe("claim-a");
      expect((await claimOne(claim({ to: "Ola.Haugen@Smerteklinikk.example", claimId: "c" })))?.claimId).toBe(
        "claim-a",
      );
      expect(await claimOne(claim({ to: "sara.nilsen@smerteklinikk.example" }))).toBeUndefined();
      expect(await claimOne(claim({ occurrence: "task-2" }))).toBeUndefined();
      expect(await claimOne(claim({ kind: "reminder" }))).toBeUndefined();
      expect(await claimOne(claim({ about: "meeting", aboutId: referralId }))).toBeUndefined();
    });

    it("lets a staff email claim be taken over only from the claim it names, and released only by its holder", async () => {
      await received();
      await claimOne(claim());
      expect(await store.takeOverStaffEmail(claim({ claimId: "claim-b" }), "claim-x")).toBe(false);
      expect(await store.takeOverStaffEmail(claim({ claimId: "claim-b" }), "claim-a")).toBe(true);
      expect(await store.takeOverStaffEmail(claim({ claimId: "claim-c" }), "claim-a")).toBe(false);
      await store.releaseStaffEmail(claim({ claimId: "claim-a" }));
      expect((await claimOne(claim({ claimId: "claim-z" })))?.claimId).toBe("claim-b");
      await store.releaseStaffEmail(claim({ claimId: "claim-b" }));
      expect(await claimOne(claim({ claimId: "claim-d" }))).toBeUndefined();
    });

    it("records a staff email sent, after which it is neither released nor taken over", async () => {
      await received();
      await claimOne(claim());
      await completeOne(claim(), { sentAt: "2025-03-04T10:00:01.000Z", messageId: "m-1" });
      await store.releaseStaffEmail(claim());
      expect(await store.takeOverStaffEmail(claim({ claimId: "claim-b" }), "claim-a")).toBe(false);
      expect(await claimOne(claim({ claimId: "claim-c" }))).toMatchObject({
        status: "sent",
        sentAt: "2025-03-04T10:00:01.000Z",
        messageId: "m-1",
      });
    });

    it("does not bring back a released staff email claim when a late record arrives", async () => {
      await received();
      await claimOne(claim());
      await store.releaseStaffEmail(claim());
      await completeOne(claim(), { sentAt: "2025-03-04T10:00:01.000Z", messageId: "m-1" });
      expect(await claimOne(claim({ claimId: "claim-b" }))).toBeUndefined();
    });

    it("shows a later attempt the first claim exactly as it was made", async () => {
      await received();
      await claimOne(claim());
      expect(await claimOne(claim({ claimId: "claim-b" }))).toEqual(claim());
    });

    it("claims a team's email for every address at once, and when one address was claimed before, shows that claim and claims the others", async () => {
      await received();
      expect(await store.claimStaffEmails(team.map((to) => claim({ to })))).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(
        (await store.claimStaffEmails(team.map((to) => claim({ to, claimId: "claim-b" })))).map(
          (earlier) => earlier?.claimId,
        ),
      ).toEqual(["claim-a", "claim-a", "claim-a"]);

      await claimOne(claim({ to: team[1], occurrence: "task-2" }));
      const second = await store.claimStaffEmails(
        team.map((to) => claim({ to, occurrence: "task-2", claimId: "claim-c" })),
      );
      expect(second.map((earlier) => earlier?.claimId)).toEqual([undefined, "claim-a", undefined]);
      expect(
        (
          await store.claimStaffEmails(team.map((to) => claim({ to, occurrence: "task-2", claimId: "x" })))
        ).map((earlier) => earlier?.claimId),
      ).toEqual(["claim-c", "claim-a", "claim-c"]);
    });

    it("records a team's sends at once, and when one claim was released meanwhile, records the others", async () => {
      await received();
      await store.claimStaffEmails(team.map((to) => claim({ to })));
      await store.releaseStaffEmail(claim({ to: team[2] }));
      await store.completeStaffEmails(
        team.map((to, index) => ({
          email: claim({ to }),
          sentAt: "2025-03-04T10:00:01.000Z",
          messageId: `m-${index}`,
        })),
      );
      const after = await store.claimStaffEmails(team.map((to) => claim({ to, claimId: "claim-z" })));
      expect(after.map((earlier) => [earlier?.status, earlier?.messageId])).toEqual([
        ["sent", "m-0"],
        ["sent", "m-1"],
        [undefined, undefined],
      ]);
    });

    it("keeps staff emails out of the referral's file", async () => {
      await received();
      await claimOne(claim());
      const file = await store.getReferralFile(referralId);
      expect(file?.letters).toEqual([]);
      expect(file?.tasks).toEqual([]);
    });
  });

  describe("change and cancellation messages", () => {
    const messageKey = (key = freshId("msg")): IdempotencyRecord => ({
      scope: "message",
      key,
      bodyHash: "h",
      referralId,
      response: { referralId, at: "2025-03-04T09:00:00.000Z" },
      createdAt: "2025-03-04T09:00:00.000Z",
    });

    it("amends a referral waiting for its assessment once per message, with its event", async () => {
      // Prepare
      await awaiting();
      const referral = await store.getReferral(referralId);
      const submission = { ...referral?.submission, reason: "Endret begrunnelse" } as NonNullable<
        typeof referral
      >["submission"];
      const key = messageKey();

      // Act
      await store.applyReferralMessage(
        referralId,
        { kind: "amend", submission, missingContent: [] },
        key,
        event("referral-amended", "2025-03-04T09:00:00.000Z"),
      );
      const again = store.applyReferralMessage(
        referralId,
        { kind: "amend", submission, missingContent: [] },
        key,
        event("referral-amended", "2025-03-04T09:00:01.000Z"),
      );

      // Assess
      await expect(again).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      const stored = await store.getReferral(referralId);
      expect(stored?.submission.reason).toBe("Endret begrunnelse");
      expect(stored?.missingContent).toEqual([]);
      expect(stored?.status).toBe("awaiting-assessment");
      expect(stored?.messageChanges).toEqual([
        { kind: "amended", msgId: key.key, at: "2025-03-04T09:00:00.000Z" },
      ]);
      expect(await store.getIdempotencyRecord("message", key.key)).toMatchObject({ referralId });
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "referral-amended")).toHaveLength(1);
    });

    it("appends a message's attachments only while the referral has as many as it numbered after", async () => {
      // Prepare
      await awaiting();
      const attachment = (n: number) => ({
        n,
        name: `Vedlegg ${n}`,
        mimeType: "application/pdf" as const,
        size: 10,
        sha256: `sha-${n}`,
        key: `referrals/${referralId}/attachments/${n}`,
      });
      const submission = (await store.getReferral(referralId))?.submission;
      if (!submission) throw new Error("no referral");
      const amendment = { kind: "amend" as const, submission, missingContent: [] };

      // Act
      await store.applyReferralMessage(
        referralId,
        { ...amendment, attachments: { added: [attachment(1)], before: 0 } },
        messageKey(),
        event("referral-amended"),
      );
      const other = await store.getReferral(referralId);
      // The same number again: a message that read the referral before the first landed.
      const late = messageKey();
      const raced = store.applyReferralMessage(
        referralId,
        { ...amendment, attachments: { added: [attachment(1)], before: 0 } },
        late,
        event("referral-amended", "2025-03-04T09:00:00.000Z"),
      );

      // Assess
      expect(other?.attachments).toEqual([attachment(1)]);
      await expect(raced).rejects.toBeInstanceOf(StaleStateError);
      expect(await store.getIdempotencyRecord("message", late.key)).toBeUndefined();
      const after = await store.getReferral(referralId);
      expect(after?.attachments).toEqual([attachment(1)]);
      expect(after?.status).toBe("awaiting-assessment");
      expect(after?.messageChanges).toHaveLength(1);
    });

    it("appends to the attachments a referral came with, numbered after them", async () => {
      // Prepare
      await awaiting();
      const attachment = (n: number) => ({
        n,
        name: `Vedlegg ${n}`,
        mimeType: "image/png" as const,
        size: 10,
        sha256: `sha-${n}`,
        key: `referrals/${referralId}/attachments/${n}`,
      });
      await store.applyReferralMessage(
        referralId,
        {
          kind: "amend",
          submission: (await store.getReferral(referralId))?.submission as never,
          missingContent: [],
          attachments: { added: [attachment(1)], before: 0 },
        },
        messageKey(),
        event("referral-amended"),
      );

      // Act
      await store.applyReferralMessage(
        referralId,
        {
          kind: "amend",
          submission: (await store.getReferral(referralId))?.submission as never,
          missingContent: [],
          attachments: { added: [attachment(2), attachment(3)], before: 1 },
        },
        messageKey(),
        event("referral-amended", "2025-03-04T09:00:01.000Z"),
      );

      // Assess
      expect((await store.getReferral(referralId))?.attachments).toEqual([
        attachment(1),
        attachment(2),
        attachment(3),
      ]);
    });

    it("withdraws a referral waiting for its assessment (closed), and refuses a decided one, writing nothing", async () => {
      // Prepare
      await awaiting();
      const other = freshId("ref");
      await received(other);
      await store.changeStatus(other, { from: ["received"], to: "decided" }, event("decision-recorded"));

      // Act
      await store.applyReferralMessage(
        referralId,
        { kind: "withdraw" },
        messageKey(),
        event("referral-withdrawn"),
      );
      const refusedKey = { ...messageKey(), referralId: other };
      const refused = store.applyReferralMessage(
        other,
        { kind: "withdraw" },
        refusedKey,
        event("referral-withdrawn"),
      );

      // Assess
      await expect(refused).rejects.toBeInstanceOf(StaleStateError);
      expect(await store.getIdempotencyRecord("message", refusedKey.key)).toBeUndefined();
      const withdrawn = await store.getReferral(referralId);
      expect(withdrawn).toMatchObject({ status: "closed", withdrawnAt: "2025-03-03T09:00:00.000Z" });
      expect((await store.getReferral(other))?.status).toBe("decided");
    });
  });

  describe("outgoing messages", () => {
    const outgoing = (claimId = "claim-a") => ({
      referralId,
      msgId: "0b8c7c1e-9f1a-4d55-8d0e-2f6b1c3a4d5e",
      kind: "status-on-referral" as const,
      theme: "4",
      status: "sending" as const,
      xml: "<MsgHead/>",
      createdAt: "2025-03-04T09:00:00.000Z",
      claimId,
      claimedAt: "2025-03-04T09:00:00.000Z",
    });

    it("are claimed once, taken over only from the claim that holds them, and recorded sent once with their event", async () => {
      // Prepare
      await received();

      // Act
      const first = await store.claimOutgoingMessage(outgoing());
      const second = await store.claimOutgoingMessage(outgoing("claim-b"));
      const wrongTakeOver = await store.takeOverOutgoingMessage(outgoing("claim-c"), "claim-x");
      const takeOver = await store.takeOverOutgoingMessage(outgoing("claim-b"), "claim-a");
      await store.completeOutgoingMessage(
        outgoing(),
        { sentAt: "2025-03-04T09:00:01.000Z", transportId: "edi-1" },
        event("status-on-referral-sent"),
      );
      const completeAgain = store.completeOutgoingMessage(
        outgoing(),
        { sentAt: "2025-03-04T09:00:02.000Z", transportId: "edi-2" },
        event("status-on-referral-sent"),
      );

      // Assess
      expect(first).toBeUndefined();
      expect(second).toMatchObject({ claimId: "claim-a", status: "sending" });
      expect([wrongTakeOver, takeOver]).toEqual([false, true]);
      await expect(completeAgain).rejects.toBeInstanceOf(StaleStateError);
      expect(await store.claimOutgoingMessage(outgoing("claim-d"))).toMatchObject({
        status: "sent",
        transportId: "edi-1",
      });
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "status-on-referral-sent")).toHaveLength(1);
      expect(file?.letters).toEqual([]);
    });

    it("wait for their receipt once sent, oldest first: flagged overdue once, and no longer waiting once the receipt is recorded", async () => {
      // Prepare: this message, sent (the test above claimed it for this referral)
      await received();
      await store.claimOutgoingMessage(outgoing());
      await store.completeOutgoingMessage(
        outgoing(),
        { sentAt: "2025-03-04T09:00:01.000Z", transportId: "edi-1" },
        event("status-on-referral-sent"),
      );
      const mine = async () =>
        (await store.listAwaitingReceipt(100)).filter((m) => m.referralId === referralId);

      // Act
      const waiting = await mine();
      const firstFlag = await store.flagReceiptOverdue(
        outgoing(),
        "2025-03-08T09:00:01.000Z",
        event("message-receipt-overdue"),
      );
      const secondFlag = await store.flagReceiptOverdue(
        outgoing(),
        "2025-03-08T10:00:01.000Z",
        event("message-receipt-overdue"),
      );
      const stillWaiting = await mine();
      const receipt = {
        status: "rejected" as const,
        errors: [{ code: "E10", detail: "Ugyldig meldingsidentifikator" }],
        readAt: "2025-03-09T09:00:00.000Z",
      };
      await store.recordMessageReceipt(outgoing(), receipt, event("message-receipt-received"));
      const again = store.recordMessageReceipt(outgoing(), receipt, event("message-receipt-received"));

      // Assess
      expect(waiting).toHaveLength(1);
      expect(waiting[0]).toMatchObject({
        msgId: outgoing().msgId,
        transportId: "edi-1",
        sentAt: "2025-03-04T09:00:01.000Z",
      });
      expect([firstFlag, secondFlag]).toEqual([true, false]);
      expect(stillWaiting[0]?.receiptOverdueAt).toBe("2025-03-08T09:00:01.000Z");
      await expect(again).rejects.toBeInstanceOf(StaleStateError);
      expect(await mine()).toEqual([]);
      expect(await store.claimOutgoingMessage(outgoing("claim-e"))).toMatchObject({ receipt });
      const file = await store.getReferralFile(referralId);
      expect(file?.events.filter((e) => e.type === "message-receipt-overdue")).toHaveLength(1);
      expect(file?.events.filter((e) => e.type === "message-receipt-received")).toHaveLength(1);
    });
  });

  // Last in the file's order: the tests above run one after the other.
  it("calls every method of every port", () => {
    expect(PORT_METHODS.filter((method) => !called.has(method))).toEqual([]);
  });
});

describe("staff email claims on DynamoDB", () => {
  const DAY_S = 86_400;

  it("are removed by the table's TTL 400 days after their wall-clock claim, however the claim goes on", async () => {
    // Prepare: the attribute the synthesized table expires items by.
    const ttl = Object.values(template.Resources ?? {}).find((r) => r.Type === "AWS::DynamoDB::Table")
      ?.Properties?.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
    expect(ttl).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    if (!db) throw new Error("DynamoDB Local did not start");
    const client = documentClientOf(
      dynamoClient({ endpoint: db.endpoint, region: "eu-north-1", credentials: LOCAL_CREDENTIALS }),
    );
    const store = new DynamoReferralStore(client, tableName);
    const aboutId = freshId("ref");
    const email: StaffEmailRecord = {
      about: "referral",
      aboutId,
      kind: "reminder",
      occurrence: "2025-03-12T07:00:00.000Z",
      to: "Ola.Haugen@smerteklinikk.example",
      status: "sending",
      // The simulated clock's time; the TTL counts from the wall-clock claimedAt.
      createdAt: "2031-01-01T00:00:00.000Z",
      claimId: "claim-a",
      claimedAt: "2025-03-04T10:00:00.000Z",
    };
    const expiry = Date.parse("2025-03-04T10:00:00.000Z") / 1000 + 400 * DAY_S;
    const raw = async () =>
      (
        await client.send(
          new GetCommand({
            TableName: tableName,
            Key: {
              pk: `REFERRAL#${aboutId}`,
              sk: "STAFF_EMAIL#reminder#2025-03-12T07:00:00.000Z#ola.haugen@smerteklinikk.example",
            },
            ConsistentRead: true,
          }),
        )
      ).Item;

    // Act and assess: claimed, taken over a day later, sent.
    expect(await store.claimStaffEmails([email])).toEqual([undefined]);
    expect((await raw())?.[TTL_ATTRIBUTE]).toBe(expiry);
    expect(STAFF_EMAIL_RETENTION_DAYS * DAY_S).toBeGreaterThan(365 * DAY_S);
    expect(
      await store.takeOverStaffEmail(
        { ...email, claimId: "claim-b", claimedAt: "2025-03-05T10:00:00.000Z" },
        "claim-a",
      ),
    ).toBe(true);
    await store.completeStaffEmails([
      { email: { ...email, claimId: "claim-b" }, sentAt: "2025-03-05T10:00:01.000Z", messageId: "m-1" },
    ]);
    expect(await raw()).toMatchObject({ status: "sent", [TTL_ATTRIBUTE]: expiry });
  });
});
