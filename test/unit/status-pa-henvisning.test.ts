/**
 * Status på henvisning: a decided referral that came as a Henvisning message gives the answer HIS
 * 1206 describes, valid against MsgHead 1.2 and Dialogmelding 1.1, coded in 9148 by the outcome,
 * with its conversation references pointing to the referral's MsgId, the referrer's letter attached
 * as a PDF, and the patient's GP (another than the referrer, by the HER-id the referral gives or
 * Fastlegeregisteret has) as its copy receiver.
 */
import { readFileSync } from "node:fs";
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it, vi } from "vitest";
import { readXml, validateXml } from "../../functions/adapters/xml";
import { legalClockConfigSchema } from "../../functions/domain/clinic";
import type { Decision } from "../../functions/domain/decision";
import { decisionLetterInputOf } from "../../functions/domain/dispatch";
import { EdiUnavailable, GpRegisterUnavailable } from "../../functions/domain/errors";
import type { GpRegister, OutboundMessages } from "../../functions/domain/ports";
import { receiveMessage } from "../../functions/domain/receive-message";
import type { ReferralRecord } from "../../functions/domain/records";
import { CLAIM_LEASE_MS } from "../../functions/domain/send-once";
import { sendStatusOnReferral } from "../../functions/domain/send-status-on-referral";
import { statusOnReferral } from "../../functions/domain/status-pa-henvisning";
import { child, children, type XmlTree } from "../../functions/domain/xml-tree";
import { renderDecisionLetterPdf } from "../../functions/views/letter-pdf";
import { renderDecisionLetter } from "../../functions/views/letters";
import { renderStatusOnReferral } from "../../functions/views/status-pa-henvisning";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryAttachmentStore,
  InMemoryReferralStore,
  testClinicConfig,
  testReferral,
} from "../support/fakes";
import { GP_HER_ID, withGpHerId } from "../support/henvisning-samples";

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
async function receivedSample(edit: (text: string) => string = (text) => text): Promise<ReferralRecord> {
  const store = new InMemoryReferralStore();
  const sample = readFileSync(
    new URL(
      "../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml",
      import.meta.url,
    ),
    "utf8",
  );
  const text = edit(sample);
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

  async function setUp(
    decision: Decision = DECISIONS.refused as Decision,
    edit: (text: string) => string = (text) => text,
  ) {
    const store = new InMemoryReferralStore();
    store.seed(decided(await receivedSample(edit), decision));
    const outbound = new RecordingOutbound();
    const register = new FakeGpRegister();
    const deps = {
      store,
      clock: new FakeClock(new Date("2026-03-05T10:05:00Z")),
      config,
      outbound,
      render: renderStatusOnReferral,
      letterPdf: renderDecisionLetterPdf,
      validate: (xml: string) => validateXml(xml, "msghead"),
      gpRegister: register,
    };
    return { store, outbound, register, deps };
  }

  /** Fastlegeregisteret as a map of national IDs to GPs' HER-ids; it records who was asked about. */
  class FakeGpRegister implements GpRegister {
    readonly gps = new Map<string, string>();
    readonly asked: string[] = [];
    failNext = false;
    async gpOf(nationalId: string) {
      this.asked.push(nationalId);
      if (this.failNext) {
        this.failNext = false;
        throw new GpRegisterUnavailable();
      }
      const herId = this.gps.get(nationalId);
      return herId ? { herId } : undefined;
    }
  }

  /** Runs `attempt` once the claims of earlier attempts have outlived their lease. */
  async function afterTheLease(attempt: () => Promise<void>): Promise<void> {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + CLAIM_LEASE_MS + 1_000 });
    try {
      await attempt();
    } finally {
      vi.useRealTimers();
    }
  }

  /**
   * The step as a crash leaves it to run: the message service fails once, the step runs again after
   * the claim's lease, and then is retried once more.
   */
  async function failOnceThenRunTwice(
    deps: Awaited<ReturnType<typeof setUp>>["deps"],
    outbound: RecordingOutbound,
  ) {
    outbound.failNext = true;
    await expect(sendStatusOnReferral(deps, "ref-1")).rejects.toBeInstanceOf(EdiUnavailable);
    await afterTheLease(async () => {
      await sendStatusOnReferral(deps, "ref-1");
      await sendStatusOnReferral(deps, "ref-1");
    });
  }

  /** The MsgInfo and the Documents of a sent message. */
  function partsOf(xml: string): { info?: XmlTree; documents: XmlTree[] } {
    const read = readXml(xml);
    if (read.kind !== "xml") throw new Error(`not XML: ${read.kind}`);
    return { info: child(read.root, "MsgInfo"), documents: children(read.root, "Document") };
  }

  /** The copy receivers (OtherReceiver) a sent message names: role and HER-id. */
  const copyReceiversOf = (info: XmlTree | undefined) =>
    children(info, "OtherReceiver").map((receiver) => ({
      role: child(receiver, "RoleReceiver")?.attrs.V,
      herId: child(receiver, "HealthcareProfessional", "Ident", "Id")?.text,
      fastlege: child(receiver, "HealthcareProfessional", "RoleToPatient")?.attrs.V === "6",
    }));

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
    await afterTheLease(async () => {
      await sendStatusOnReferral(deps, "ref-1");
    });
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

  it.each(Object.keys(DECISIONS))(
    "attaches the referrer's letter (%s) as a PDF that says word for word what the letter page says",
    async (name) => {
      // Prepare
      const { store, outbound, deps } = await setUp(DECISIONS[name] as Decision);

      // Act
      await sendStatusOnReferral(deps, "ref-1");

      // Assess: valid with the attachment, which is the second Document, a PDF (HIS 1206, HIS 1036).
      const xml = outbound.sent[0] as string;
      expect(validateXml(xml, "msghead")).toEqual([]);
      const attachment = child(partsOf(xml).documents[1], "RefDoc");
      expect(child(attachment, "MsgType")?.attrs.V).toBe("A");
      expect(child(attachment, "MimeType")?.text).toBe("application/pdf");
      const base64 = child(attachment, "Content", "Base64Container")?.text ?? "";
      const pdf = new Uint8Array(Buffer.from(base64, "base64"));
      const { text } = await extractText(await getDocumentProxy(pdf), { mergePages: true });
      const page = renderDecisionLetter(decisionLetterInputOf(store.mustGet("ref-1"), "referrer", config));
      const words = (t: string) => t.toLocaleLowerCase("nb-NO").split(/\s+/).filter(Boolean);
      const withoutFooters = text
        .split("\n")
        .filter((line) => !/– side \d+ av \d+$/.test(line))
        .join("\n");
      expect(words(withoutFooters)).toEqual(words(page.text));
      expect(text).toContain("Gjelder:");
    },
  );

  it("copies the GP named with a HER-id in the same message, once however often the step runs", async () => {
    // Prepare: the referral names the GP (not the referrer) by HPR number and HER-id.
    const { store, outbound, deps } = await setUp(DECISIONS.refused as Decision, withGpHerId);
    expect(store.mustGet("ref-1").submission.gp).toMatchObject({ hprNumber: "9144897", herId: GP_HER_ID });

    // Act: the step fails at the message service once, runs again after the claim's lease, then is retried.
    await failOnceThenRunTwice(deps, outbound);

    // Assess: one message, to the referrer with the GP as its copy receiver (COP, Fastlege).
    expect(outbound.sent).toHaveLength(1);
    const xml = outbound.sent[0] as string;
    expect(validateXml(xml, "msghead")).toEqual([]);
    const { info } = partsOf(xml);
    expect(children(child(info, "Receiver", "Organisation"), "Ident")[0]?.children[0]?.text).toBe("91096");
    expect(copyReceiversOf(info)).toEqual([{ role: "COP", herId: GP_HER_ID, fastlege: true }]);
    const [record] = await store.listAwaitingReceipt(10);
    expect(record).toMatchObject({ status: "sent", copyReceiverHerIds: [GP_HER_ID] });
    const events = store.eventsOf("ref-1").filter((event) => event.type === "status-on-referral-sent");
    expect(events).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ copyTo: GP_HER_ID }) }),
    ]);
  });

  it("looks up in Fastlegeregisteret, once, the GP the referral names without a HER-id, and copies that GP", async () => {
    // Prepare: the sample as sent names its GP by HPR number only; the register has the patient's GP.
    const { store, outbound, register, deps } = await setUp();
    const nationalId = store.mustGet("ref-1").submission.patient.nationalId;
    register.gps.set(nationalId, "4657988");

    // Act: the step fails at the message service once, runs again after the claim's lease, then is retried.
    await failOnceThenRunTwice(deps, outbound);

    // Assess: asked once; one valid message with the register's GP as its copy receiver; the lookup
    // in the audit trail with the GP's HER-id and nothing of the patient.
    expect(register.asked).toEqual([nationalId]);
    expect(outbound.sent).toHaveLength(1);
    const xml = outbound.sent[0] as string;
    expect(validateXml(xml, "msghead")).toEqual([]);
    expect(copyReceiversOf(partsOf(xml).info)).toEqual([{ role: "COP", herId: "4657988", fastlege: true }]);
    const lookups = store.eventsOf("ref-1").filter((event) => event.type === "gp-looked-up");
    expect(lookups).toEqual([
      expect.objectContaining({
        details: { register: "fastlegeregisteret", found: true, gpHerId: "4657988" },
      }),
    ]);
    expect(JSON.stringify(lookups)).not.toContain(nationalId);
  });

  it("sends nothing while Fastlegeregisteret does not answer, and sends once it does", async () => {
    const { store, outbound, register, deps } = await setUp();
    register.gps.set(store.mustGet("ref-1").submission.patient.nationalId, "4657988");
    register.failNext = true;

    await expect(sendStatusOnReferral(deps, "ref-1")).rejects.toBeInstanceOf(GpRegisterUnavailable);
    expect(outbound.sent).toEqual([]);
    expect(store.eventsOf("ref-1").map((event) => event.type)).not.toContain("gp-looked-up");

    await sendStatusOnReferral(deps, "ref-1");
    expect(copyReceiversOf(partsOf(outbound.sent[0] as string).info)).toEqual([
      { role: "COP", herId: "4657988", fastlege: true },
    ]);
  });

  it("copies no one when neither the referral nor Fastlegeregisteret gives the GP's HER-id, or the GP is the referrer", async () => {
    // The sample as sent: its GP is named by HPR number only, and the register lists the patient with none.
    const unknown = await setUp();
    await sendStatusOnReferral(unknown.deps, "ref-1");
    await sendStatusOnReferral(unknown.deps, "ref-1");
    expect(copyReceiversOf(partsOf(unknown.outbound.sent[0] as string).info)).toEqual([]);
    expect(unknown.register.asked).toHaveLength(1);
    expect(unknown.store.eventsOf("ref-1").filter((event) => event.type === "gp-looked-up")).toEqual([
      expect.objectContaining({ details: { register: "fastlegeregisteret", found: false } }),
    ]);

    // The GP is the referrer (the same HPR number): the referrer's answer is the GP's, one per person.
    const same = await setUp(DECISIONS.refused as Decision, withGpHerId);
    const referral = same.store.mustGet("ref-1");
    same.store.seed({
      ...referral,
      submission: {
        ...referral.submission,
        gp: { ...referral.submission.gp, hprNumber: referral.submission.referrer.hprNumber },
      },
    });
    await sendStatusOnReferral(same.deps, "ref-1");
    const xml = same.outbound.sent[0] as string;
    expect(validateXml(xml, "msghead")).toEqual([]);
    expect(copyReceiversOf(partsOf(xml).info)).toEqual([]);
    expect(same.register.asked).toEqual([]);
    expect((await same.store.listAwaitingReceipt(10))[0]?.copyReceiverHerIds).toBeUndefined();
  });
});
