/**
 * DispatchLetters with notices: each recipient's email carries a link to their own letter and none
 * of its words; a GP without an HPR number (nobody could sign in as them) gets the copy by post; a
 * letter taken over by a retry keeps the link its first attempt may have emailed.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { deliverLetter, dispatchDecisionLetters } from "../../functions/domain/dispatch";
import { letterOfLink } from "../../functions/domain/letter-reading";
import type { LetterRecord } from "../../functions/domain/records";
import { renderer } from "../../functions/views/renderer";
import {
  FakeClock,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
  testReferral,
  testSubmission,
} from "../support/fakes";

const BASE = "https://api.example/prod";
let store: InMemoryReferralStore;
let mailer: RecordingMailer;
const config = testClinicConfig();
const deps = () => ({
  store,
  mailer,
  render: renderer,
  clock: new FakeClock(new Date("2025-03-10T09:00:00Z")),
  config,
  publicBaseUrl: BASE,
});

function decidedReferral(gp: Record<string, unknown>) {
  store.seed(
    testReferral({
      status: "decided",
      submission: testSubmission({ gp }),
      decision: {
        decision: {
          outcome: "refused",
          justification: "Kan følges opp hos fastlegen.",
          advice: "Gradert aktivitet.",
          assessedBy: "ingrid.lie@example.no",
        },
        decidedAt: "2025-03-10T09:00:00.000Z",
        taskId: "task-1",
      } as never,
    }),
  );
}

beforeEach(() => {
  store = new InMemoryReferralStore();
  mailer = new RecordingMailer();
});

describe("the decision letters as notices", () => {
  it("emails each recipient a link to their own letter, which holds what the email does not", async () => {
    decidedReferral({ hprNumber: "7654321", name: "Gro Fastlege", email: "gp@example.org" });

    const { sent } = await dispatchDecisionLetters(deps(), "ref-1");

    expect(sent).toBe(3);
    for (const email of mailer.sent) {
      const link = new RegExp(`^${BASE}/inbox/(ref-1\\.[\\w-]+)$`, "m").exec(email.text)?.[1];
      const found = await letterOfLink(store, link);
      expect(found?.letter.to).toBe(email.to);
      expect(found?.letter.text).toContain("Kan følges opp hos fastlegen.");
      expect(found?.letter.text).toContain("Kari Nordmann");
      const everything = `${email.subject}${email.text}${email.html}`;
      expect(everything).not.toMatch(/Kari|Nordmann|fastlegen\.|Gradert|15038512282|1985|avslag/);
    }
    const links = mailer.sent.map((email) => /\/inbox\/(\S+)/.exec(email.text)?.[1]);
    expect(new Set(links).size).toBe(3);
  });

  it("posts the GP's copy when the GP has no HPR number to sign in with, and emails the others", async () => {
    decidedReferral({ name: "Gro Fastlege", email: "gp@example.org" });

    const { sent } = await dispatchDecisionLetters(deps(), "ref-1");

    expect(sent).toBe(2);
    expect(mailer.sent.map((email) => email.to)).not.toContain("gp@example.org");
    const gp = [...store.letters.values()].find((letter) => letter.recipientRole === "gp");
    expect(gp).toMatchObject({ channel: "postal", status: "awaiting-postal" });
    expect(gp?.text).toContain("Kopi til fastlege");
  });
});

describe("a letter's link across attempts", () => {
  it("keeps the link of the first claim when a retry takes a stale claim over", async () => {
    decidedReferral({ hprNumber: "7654321", name: "Gro Fastlege", email: "gp@example.org" });
    const stale: LetterRecord = {
      referralId: "ref-1",
      letterKind: "acknowledgement",
      recipientRole: "referrer",
      channel: "email",
      to: "per.hansen@legesenter.example",
      status: "sending",
      subject: "Bekreftelse på mottatt henvisning (ref. ref-1)",
      html: "<html><body><p>Brevet</p></body></html>",
      text: "Brevet",
      createdAt: "2025-03-10T08:00:00.000Z",
      linkId: "firstAttemptLinkId012345",
      claimId: "first",
      claimedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    };
    await store.claimLetter(stale);
    const { linkId: _linkId, claimId: _claimId, claimedAt: _claimedAt, ...fresh } = stale;

    const sent = await deliverLetter(deps(), fresh, { kind: "system", id: "test" });

    expect(sent).toBe(true);
    expect(mailer.sent[0]?.text).toContain(`${BASE}/inbox/ref-1.firstAttemptLinkId012345`);
    expect((await letterOfLink(store, "ref-1.firstAttemptLinkId012345"))?.letter.status).toBe("sent");
  });
});
