/**
 * Status på henvisning: a decided referral that came as a Henvisning message gives the answer HIS
 * 1206 describes, valid against MsgHead 1.2 and Dialogmelding 1.1, coded in 9148 by the outcome,
 * with its conversation references pointing to the referral's MsgId.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { readXml, validateXml } from "../../functions/adapters/xml";
import { legalClockConfigSchema } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import { EdiUnavailable } from "../../functions/domain/errors";
import type { OutboundMessages } from "../../functions/domain/ports";
import { receiveMessage } from "../../functions/domain/receive-message";
import type { ReferralRecord } from "../../functions/domain/records";
import { CLAIM_LEASE_MS } from "../../functions/domain/send-once";
import { sendStatusOnReferral } from "../../functions/domain/send-status-on-referral";
import { statusOnReferral } from "../../functions/domain/status-pa-henvisning";
import { child, children } from "../../functions/domain/xml-tree";
import { renderStatusOnReferral } from "../../functions/views/status-pa-henvisning";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryAttachmentStore,
  InMemoryReferralStore,
  testClinicConfig,
  testReferral,
} from "../support/fakes";

const MSG_ID = "76665c90-3198-11e8-b566-0800200c9a66";
const config = testClinicConfig({
  clinic: { ...testClinicConfig().clinic, organisationHerId: "59", serviceHerId: "90998" },
  intakeTeam: [
    {
      name: "Ingrid Lie",
      role: "physician",
      email: "ingrid.lie@smerteklinikk.example",
      lead: true,
      hprNumber: "9144897",
    },
  ],
});

/** The public sample Henvisning 2.0, received, and the referral it made. */
async function receivedSample(): Promise<ReferralRecord> {
  const store = new InMemoryReferralStore();
  const text = readFileSync(
    new URL(
      "../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml",
      import.meta.url,
    ),
    "utf8",
  );
  await receiveMessage(
    {
      store,
      workflow: new FakeWorkflow(),
      clock: new FakeClock(new Date("2026-03-02T08:00:00Z")),
      newReferralId: () => "ref-1",
      legalClock: legalClockConfigSchema.parse({}),
      readXml,
      attachments: new InMemoryAttachmentStore(),
      clinic: config.clinic,
    },
    { text, portal: "arn:aws:iam::123456789012:user/edi-gateway" },
  );
  const referral = store.referrals.get("ref-1");
  if (!referral) throw new Error("the sample made no referral");
  return referral;
}

const decided = (referral: ReferralRecord, decision: Decision): ReferralRecord => ({
  ...referral,
  status: "decided",
  decision: { decision, taskId: "task-1", decidedAt: "2026-03-05T10:00:00.000Z" },
});

const DECISIONS: Record<string, Decision> = {
  "granted with a planned start": {
    outcome: "granted",
    careForm: "team",
    startOfCareDeadline: "2026-06-01",
    plannedStart: "2026-04-13",
    assessedBy: "ingrid.lie@smerteklinikk.example",
  },
  "granted, the time to follow": {
    outcome: "granted",
    careForm: "mapping-consultation",
    startOfCareDeadline: "2026-06-01",
    startNoticeBy: "2026-04-01",
    assessedBy: "ingrid.lie@smerteklinikk.example",
  },
  refused: {
    outcome: "refused",
    justification: "Tilstanden kan følges opp i primærhelsetjenesten med fysioterapi.",
    advice: "Fortsett med gradert trening og vurder henvisning på nytt ved forverring.",
    assessedBy: "ingrid.lie@smerteklinikk.example",
  },
  forwarded: {
    outcome: "forwarded",
    forwardTo: "Revmatologisk avdeling, St. Olavs hospital",
    forwardToContact: "73 86 80 00",
    justification: "Problemstillingen er i hovedsak revmatologisk og bør vurderes der først.",
    assessedBy: "ingrid.lie@smerteklinikk.example",
  },
};

const EXPECTED_THEME: Record<string, string> = {
  "granted with a planned start": "1",
  "granted, the time to follow": "2",
  refused: "4",
  forwarded: "3",
};

describe("Status på henvisning", () => {
  it.each(Object.keys(DECISIONS))(
    "answers a referral %s with its 9148 code, valid against MsgHead 1.2 and Dialogmelding 1.1",
    async (name) => {
      // Prepare
      const referral = decided(await receivedSample(), DECISIONS[name] as Decision);

      // Act
      const status = statusOnReferral(referral, config, {
        msgId: "0b8c7c1e-9f1a-4d55-8d0e-2f6b1c3a4d5e",
        at: new Date("2026-03-05T10:05:00Z"),
      });
      const xml = renderStatusOnReferral(status as NonNullable<typeof status>);

      // Assess
      expect(validateXml(xml, "msghead")).toEqual([]);
      const read = readXml(xml);
      const info = read.kind === "xml" ? child(read.root, "MsgInfo") : undefined;
      expect(child(info, "Type")?.attrs.V).toBe("DIALOG_STATUS_HENVISNING");
      expect(child(info, "ConversationRef", "RefToParent")?.text).toBe(MSG_ID);
      expect(child(info, "ConversationRef", "RefToConversation")?.text).toBe(MSG_ID);
      // Addressed back to the sender of the referral, from the clinic's HER-ids.
      expect(children(child(info, "Receiver", "Organisation"), "Ident")[0]?.children[0]?.text).toBe("91096");
      expect(children(child(info, "Sender", "Organisation"), "Ident")[0]?.children[0]?.text).toBe("59");
      const notat =
        read.kind === "xml"
          ? child(read.root, "Document", "RefDoc", "Content", "Dialogmelding", "Notat")
          : undefined;
      expect(child(notat, "TemaKodet")?.attrs).toMatchObject({
        V: EXPECTED_THEME[name],
        S: "2.16.578.1.12.4.1.1.9148",
      });
      expect(child(notat, "RollerRelatertNotat", "HealthcareProfessional", "FamilyName")?.text).toBe("Lie");
      if (name === "refused") {
        expect(child(notat, "TekstNotatInnhold")?.text).toContain("Begrunnelse: Tilstanden kan følges opp");
      }
      if (name === "granted with a planned start") {
        await expect(xml).toMatchFileSnapshot("./__golden__/messages/status-pa-henvisning.granted.xml");
      }
    },
  );

  it("is checked by the same validator that passes HIS 1206's own worked example", () => {
    const example = readFileSync(
      new URL(
        "../fixtures/messages/eksempel/Dialogmelding_v1-1/Status_paa_henvisning-InnkaltEtterViderehenvisning.xml",
        import.meta.url,
      ),
      "utf8",
    );
    expect(validateXml(example, "msghead")).toEqual([]);
    expect(
      validateXml(example.replace('S="2.16.578.1.12.4.1.1.9148"/>', 'S="9148"/><Tull/>'), "msghead"),
    ).not.toEqual([]);
  });

  it("is made only for a referral that came as a message and has a decision", async () => {
    const at = { msgId: "0b8c7c1e-9f1a-4d55-8d0e-2f6b1c3a4d5e", at: new Date() };
    expect(statusOnReferral(await receivedSample(), config, at)).toBeUndefined();
    expect(
      statusOnReferral(decided(testReferral(), DECISIONS.refused as Decision), config, at),
    ).toBeUndefined();
  });
});

describe("sending Status på henvisning (SendStatusOnReferral)", () => {
  /** An outbound port that records what it sent, and can fail once. */
  class RecordingOutbound implements OutboundMessages {
    readonly sent: string[] = [];
    failNext = false;
    async send(businessDocument: string) {
      if (this.failNext) {
        this.failNext = false;
        throw new EdiUnavailable();
      }
      this.sent.push(businessDocument);
      return `edi-${this.sent.length}`;
    }
  }

  async function setUp(decision: Decision = DECISIONS.refused as Decision) {
    const store = new InMemoryReferralStore();
    store.seed(decided(await receivedSample(), decision));
    const outbound = new RecordingOutbound();
    const deps = {
      store,
      clock: new FakeClock(new Date("2026-03-05T10:05:00Z")),
      config,
      outbound,
      render: renderStatusOnReferral,
      validate: (xml: string) => validateXml(xml, "msghead"),
    };
    return { store, outbound, deps };
  }

  it("sends the decided referral's answer once, valid, to the referral's sender, and audits it without health data", async () => {
    // Prepare
    const { store, outbound, deps } = await setUp();

    // Act: the step, then its retry.
    const first = await sendStatusOnReferral(deps, "ref-1");
    const retry = await sendStatusOnReferral(deps, "ref-1");

    // Assess
    expect(first).toMatchObject({ sent: true });
    expect(retry.msgId).toBe(first.msgId);
    expect(outbound.sent).toHaveLength(1);
    const xml = outbound.sent[0] as string;
    expect(validateXml(xml, "msghead")).toEqual([]);
    const read = readXml(xml);
    const info = read.kind === "xml" ? child(read.root, "MsgInfo") : undefined;
    expect(child(info, "MsgId")?.text).toBe(first.msgId);
    expect(child(info, "ConversationRef", "RefToConversation")?.text).toBe(MSG_ID);
    const events = store.eventsOf("ref-1").filter((event) => event.type === "status-on-referral-sent");
    expect(events).toEqual([
      expect.objectContaining({ details: { msgId: first.msgId, theme: "4", transportId: "edi-1" } }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/13116900216|Danser|primærhelsetjenesten/);
  });

  it("sends after the message service was unavailable once, still once", async () => {
    const { outbound, deps } = await setUp();
    outbound.failNext = true;
    await expect(sendStatusOnReferral(deps, "ref-1")).rejects.toBeInstanceOf(EdiUnavailable);
    // The failed attempt's claim is another attempt's to this one: taken over once its lease has run.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + CLAIM_LEASE_MS + 1_000 });
    try {
      await sendStatusOnReferral(deps, "ref-1");
    } finally {
      vi.useRealTimers();
    }
    expect(outbound.sent).toHaveLength(1);
  });

  it("sends a new message when the answer changed, and nothing for a referral that came otherwise", async () => {
    const { store, outbound, deps } = await setUp();
    const first = await sendStatusOnReferral(deps, "ref-1");
    store.seed(decided(store.mustGet("ref-1"), DECISIONS["granted with a planned start"] as Decision));
    const second = await sendStatusOnReferral(deps, "ref-1");
    expect(second.msgId).not.toBe(first.msgId);
    expect(outbound.sent).toHaveLength(2);

    store.seed(decided(testReferral({ referralId: "ref-json" }), DECISIONS.refused as Decision));
    expect(await sendStatusOnReferral(deps, "ref-json")).toEqual({ referralId: "ref-json", sent: false });
    expect(outbound.sent).toHaveLength(2);
  });
});
