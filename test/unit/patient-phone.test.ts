/**
 * The patient's optional phone number on a referral, for Helfo's call after a missed start of care:
 * accepted in the forms a portal sends it, refused by name when it is not a number (never echoed),
 * and shown where Helfo's call needs it (the clerk's Helfo list) and nowhere else: not to the
 * portal, not on the staff page of the referral, not in the patient's letter.
 */
import { describe, expect, it } from "vitest";
import type { Decision } from "../../functions/domain/decision";
import { markHelfoReported } from "../../functions/domain/helfo-notification";
import { portalReferralView } from "../../functions/domain/portal";
import { parseReferralSubmission, type ReferralSubmission } from "../../functions/domain/referral";
import { recordExpectedBreach } from "../../functions/domain/start-of-care-records";
import { referralPageHtml } from "../../functions/handlers/referral-page-view";
import { renderHelfoListPage } from "../../functions/views/helfo-pages";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  RecordingMetrics,
  testClinicConfig,
  testReferral,
} from "../support/fakes";
import { sampleReferral } from "../support/http";

const PHONE = "+47 912 34 567";

const withPhone = (phone: unknown) => {
  const body = sampleReferral();
  body.patient = { ...(body.patient as object), phone };
  return body;
};

describe("the patient's phone number on a referral", () => {
  it("is optional, and accepts digits with spaces and a leading +, spaces tidied", () => {
    const cases: [unknown, string | undefined][] = [
      [undefined, undefined],
      ["", undefined],
      [null, undefined],
      ["91234567", "91234567"],
      [" +47  912 34 567 ", PHONE],
    ];
    for (const [phone, stored] of cases) {
      const parsed = parseReferralSubmission(phone === undefined ? sampleReferral() : withPhone(phone));
      expect(parsed.ok, String(phone)).toBe(true);
      if (parsed.ok) expect(parsed.value.patient.phone).toBe(stored);
    }
  });

  it("refuses what is not a phone number, naming patient.phone and not echoing the value", () => {
    for (const phone of ["ring meg 9123", "12345", "+47-912-34-567", "9".repeat(25), 91234567]) {
      const parsed = parseReferralSubmission(withPhone(phone));

      expect(parsed.ok, String(phone)).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.issues.map((issue) => issue.path)).toEqual(["patient.phone"]);
      expect(JSON.stringify(parsed.issues)).not.toContain(String(phone));
    }
  });

  it("is on the clerk's Helfo list for the call, and not in the portal's view, the staff referral page or the patient's letter", async () => {
    // Prepare: a granted right whose start cannot be kept, reported to Helfo.
    const parsed = parseReferralSubmission(withPhone(PHONE));
    if (!parsed.ok) throw new Error("the sample does not parse");
    const submission: ReferralSubmission = parsed.value;
    const decision: Decision = {
      outcome: "granted",
      careForm: "team",
      startOfCareDeadline: "2025-06-27",
      assessedBy: "ingrid.lie@smerteklinikk.example",
    };
    const store = new InMemoryReferralStore();
    store.seed(
      testReferral({
        submission,
        status: "decided",
        decision: { decision, taskId: "task-1", decidedAt: "2025-03-14T10:00:00.000Z" },
      }),
    );
    const mailer = new RecordingMailer();
    const deps = {
      store,
      clock: new FakeClock(new Date("2025-05-02T10:00:00.000Z")),
      mailer,
      render: renderer,
      metrics: new RecordingMetrics(),
      config: testClinicConfig(),
      publicBaseUrl: "https://frist.example/prod",
    };
    const reason = "Behandleren er sykmeldt i hele perioden og ingen andre kan overta";
    const staff = { kind: "staff" as const, id: "ingrid.lie@smerteklinikk.example" };
    expect((await recordExpectedBreach(deps, "ref-1", { breach: "expected", reason }, staff)).kind).toBe(
      "recorded",
    );
    expect((await markHelfoReported(deps, "ref-1", {}, staff.id)).kind).toBe("reported");

    // Act
    const notifications = await store.listHelfoNotifications();
    const file = await store.getReferralFile("ref-1");
    if (!file) throw new Error("no file");

    // Assess
    expect(notifications[0]?.patient.phone).toBe(PHONE);
    expect(renderHelfoListPage(notifications, "token")).toContain(`<td>${PHONE}</td>`);
    expect(JSON.stringify(portalReferralView(file))).not.toContain("912 34");
    expect(referralPageHtml(file, { csrfToken: "t", formAction: "a" })).not.toContain("912 34");
    const letters = [...store.letters.values()].filter(
      (letter) => letter.letterKind === "start-of-care-breach",
    );
    expect(letters).not.toHaveLength(0);
    for (const letter of letters) expect(`${letter.html}${letter.text}`).not.toContain("912 34");
    expect(JSON.stringify(mailer.sent)).not.toContain("912 34");
  });
});
