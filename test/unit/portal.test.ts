/**
 * Portals: who a portal is (from the IAM principal API Gateway verified), which referrals are its
 * own, and what its view of one holds (no task ids, staff identities or internal events).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isOwnedBy,
  PORTAL_EVENT_TYPES,
  portalIdOf,
  portalReferralView,
  portalReferralViewSchema,
} from "../../functions/domain/portal";
import type { ReferralFile } from "../../functions/domain/ports";
import type { AuditEvent, AuditEventType } from "../../functions/domain/records";
import { testReferral } from "../support/fakes";

const TASK_ID = "tsk_9f2c1e7a4b5d6c8e0f1a2b3c4d5e6f70";
const PORTAL_A = "arn:aws:iam::123456789012:user/portal-a";

/** A decided referral's full file, with everything a portal must not see in it. */
function decidedFile(): ReferralFile {
  const at = (minute: number) => `2025-03-04T09:${String(minute).padStart(2, "0")}:00.000Z`;
  const staff = { kind: "staff" as const, id: "ingrid.lie@smerteklinikk.example" };
  const system = { kind: "system" as const, id: "workflow" };
  const event = (type: AuditEventType, minute: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
    type,
    at: at(minute),
    actor: system,
    details: { taskId: TASK_ID, assessor: "Ingrid Lie" },
    ...extra,
  });
  return {
    referral: testReferral({
      status: "decided",
      portal: PORTAL_A,
      assignment: {
        track: "single-assessor",
        assessors: [{ name: "Ingrid Lie", role: "physician" }],
        lead: "Ingrid Lie",
      },
      decision: {
        taskId: TASK_ID,
        decidedAt: at(30),
        decision: {
          outcome: "granted",
          careForm: "team",
          startOfCareDeadline: "2025-05-01",
          assessedBy: "Ingrid Lie",
        } as never,
      },
    }),
    events: [
      event("decision-recorded", 30, { actor: staff }),
      event("referral-received", 1, { actor: { kind: "portal", id: PORTAL_A }, details: {} }),
      event("intake-planned", 2),
      event("assessment-task-created", 3),
      event("assessors-notified", 4),
      event("decision-submitted", 29, { actor: staff }),
      event("letter-sent", 31),
      event("workflow-failed", 32),
    ],
    letters: [
      {
        referralId: "ref-1",
        letterKind: "decision",
        recipientRole: "referrer",
        channel: "email",
        to: "lege@legekontor.example",
        status: "sent",
        subject: "Svar på henvisning",
        html: "<p>Kari Nordmann har rett til helsehjelp</p>",
        text: "Kari Nordmann har rett til helsehjelp",
        createdAt: at(31),
        sentAt: at(31),
      },
    ],
    tasks: [
      {
        taskId: TASK_ID,
        referralId: "ref-1",
        taskToken: "token",
        state: "answered",
        createdAt: at(3),
        answeredBy: "Ingrid Lie",
      },
    ],
  };
}

describe("a portal's identity", () => {
  it("is the IAM user's or role's ARN as API Gateway gives it", () => {
    expect(portalIdOf({ userArn: PORTAL_A })).toBe(PORTAL_A);
    expect(portalIdOf({ userArn: "arn:aws:iam::123456789012:role/Portal" })).toBe(
      "arn:aws:iam::123456789012:role/Portal",
    );
  });

  it("counts every session of an assumed role as the role, in its own partition and account", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("aws", "aws-eu", "aws-us-gov"),
        fc.stringMatching(/^\d{12}$/),
        fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,64}$/),
        fc.stringMatching(/^[A-Za-z0-9=,.@_-]{2,64}$/),
        (partition, account, role, session) => {
          const arn = `arn:${partition}:sts::${account}:assumed-role/${role}/${session}`;
          expect(portalIdOf({ userArn: arn })).toBe(`arn:${partition}:iam::${account}:role/${role}`);
        },
      ),
    );
  });

  it("is nobody's without an IAM principal: no identity, an account alone or another kind of ARN", () => {
    for (const userArn of [
      undefined,
      null,
      "",
      "123456789012",
      "arn:aws:iam::123456789012:root",
      "arn:aws:sts::123456789012:federated-user/x",
      `${PORTAL_A}\n`,
    ]) {
      expect(portalIdOf({ userArn }), String(userArn)).toBeUndefined();
    }
    expect(portalIdOf(undefined)).toBeUndefined();
  });
});

describe("whose referral it is", () => {
  it("is the submitting portal's alone; a referral without an owner is no portal's", () => {
    expect(isOwnedBy({ portal: PORTAL_A }, PORTAL_A)).toBe(true);
    expect(isOwnedBy({ portal: PORTAL_A }, "arn:aws:iam::123456789012:user/portal-b")).toBe(false);
    expect(isOwnedBy({}, PORTAL_A)).toBe(false);
    expect(isOwnedBy({}, "")).toBe(false);
  });
});

describe("a portal's view of its referral", () => {
  it("holds no task id, no staff identity and no letter text anywhere", () => {
    const text = JSON.stringify(portalReferralView(decidedFile()));

    expect(text).not.toContain(TASK_ID);
    expect(text).not.toContain("Ingrid");
    expect(text).not.toContain("smerteklinikk.example");
    expect(text).not.toContain("Kari Nordmann");
    expect(text).not.toContain("lege@legekontor.example");
    expect(text).not.toContain("token");
  });

  it("shows the clock, the outcome, the letters and the milestones in order, without actors or details", () => {
    const view = portalReferralView(decidedFile());

    expect(view).toMatchObject({
      referralId: "ref-1",
      status: "decided",
      assignment: { track: "single-assessor" },
      decision: { outcome: "granted", careForm: "team", startOfCareDeadline: "2025-05-01" },
      startOfCare: { deadline: "2025-05-01", plannedStart: null, startedOn: null, breached: false },
      letters: [{ letterKind: "decision", recipientRole: "referrer", channel: "email", status: "sent" }],
    });
    expect(view.events).toEqual([
      { type: "referral-received", at: "2025-03-04T09:01:00.000Z" },
      { type: "decision-recorded", at: "2025-03-04T09:30:00.000Z" },
      { type: "letter-sent", at: "2025-03-04T09:31:00.000Z" },
    ]);
    expect(view).not.toHaveProperty("tasks");
    expect(view).not.toHaveProperty("failure");
  });

  it("shows only the milestone event types, whatever the trail holds", () => {
    const internal = ["intake-planned", "assessment-task-created", "assessors-notified", "escalated"];
    expect(PORTAL_EVENT_TYPES.some((type) => internal.includes(type))).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 30 }), { maxLength: 20 }), (types) => {
        const file = decidedFile();
        file.events = types.map((type, i) => ({
          type: type as AuditEventType,
          at: `2025-03-05T10:00:${String(i).padStart(2, "0")}.000Z`,
          actor: { kind: "staff", id: "someone" },
          details: { taskId: TASK_ID },
        }));
        const view = portalReferralView(file);
        expect(view.events.every((e) => (PORTAL_EVENT_TYPES as readonly string[]).includes(e.type))).toBe(
          true,
        );
        expect(JSON.stringify(view)).not.toContain(TASK_ID);
      }),
    );
  });

  it("is everything its schema allows and nothing more", () => {
    const view = portalReferralView(decidedFile());

    expect(portalReferralViewSchema.strict().safeParse(view).success).toBe(true);
  });
});
