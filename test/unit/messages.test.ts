/**
 * Henvisning in, AppRec out: every public sample message (Henvisning 1.0, 1.1 and 2.0, from the
 * fixtures folder's README) read, validated against the official schemas and turned into the referral
 * its content says, or rejected with the receipt the standard asks for. Golden files in
 * __golden__/messages/: the referral stored (or the rejection's codes) and the AppRec sent back.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readXml, validateXml } from "../../functions/adapters/xml";
import { legalClockConfigSchema, parseClinicConfig } from "../../functions/domain/clinic";
import { envelopeHeader, messageHeader } from "../../functions/domain/henvisning";
import { EDI_MAILBOX_PORTAL, pollMailbox } from "../../functions/domain/poll-mailbox";
import type { EdiMailbox } from "../../functions/domain/ports";
import { type ReceiveMessageDeps, receiveMessage } from "../../functions/domain/receive-message";
import { receiveReferral } from "../../functions/domain/receive-referral";
import { renderAppRec } from "../../functions/views/apprec";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryAttachmentStore,
  InMemoryReferralStore,
  testClinicConfig,
} from "../support/fakes";

const SAMPLES = fileURLToPath(new URL("../fixtures/messages/eksempel/", import.meta.url));
const PORTAL = "arn:aws:iam::123456789012:user/edi-gateway";
/** A Monday morning in Oslo: day 0 of the legal clock. */
const RECEIVED = "2026-03-02T08:00:00.000Z";
/**
 * Samples received on the day they were sent (their GenDate) instead of {@link RECEIVED}: a forward
 * carries its ansiennitetsdato, and this one's (2017-12-20) would be eight years old on the golden
 * day, which Frist refuses as a typing error (tested below). A clinic receives it the day it is sent.
 */
const RECEIVED_ON_ITS_DAY: Record<string, string> = {
  "Henvisning_v2-0/Viderehenvisning_v2-0_Rettighetsvurdert_etter_ventetid_pakkeforlop_Ny.xml":
    "2017-12-20T07:39:12.000Z",
};

const sampleFiles = ["Henvisning_v1-0", "Henvisning_v1-1", "Henvisning_v2-0"].flatMap((dir) =>
  readdirSync(path.join(SAMPLES, dir))
    .sort()
    .map((file) => path.join(dir, file)),
);

function sample(file: string): string {
  return readFileSync(path.join(SAMPLES, file), "utf8");
}

/** The receiver a sample is addressed to: the clinic each golden test plays. */
function addressOf(text: string) {
  const read = readXml(text);
  if (read.kind !== "xml") throw new Error("sample is not XML");
  const header = read.schema === "msghead" ? envelopeHeader(read.root) : messageHeader(read.root);
  return header.receiver;
}

function setUp(address: { organisationHerId?: string; serviceHerId?: string }, receivedAt = RECEIVED) {
  const store = new InMemoryReferralStore();
  const workflow = new FakeWorkflow();
  let n = 0;
  const deps: ReceiveMessageDeps = {
    store,
    workflow,
    clock: new FakeClock(new Date(receivedAt)),
    newReferralId: () => `ref-${++n}`,
    legalClock: legalClockConfigSchema.parse({}),
    readXml,
    attachments: new InMemoryAttachmentStore(),
    clinic: { name: "Smerteklinikken", department: "Tverrfaglig smerteklinikk", ...address },
  };
  return { deps, store, workflow };
}

describe("the public sample messages", () => {
  it("are all here: Henvisning 1.0, 1.1 and 2.0, new, change, cancellation and forwarded", () => {
    expect(sampleFiles.length).toBe(21);
  });

  it.each(sampleFiles)("%s validates against its official schema", (file) => {
    const read = readXml(sample(file));
    expect(read.kind).toBe("xml");
    expect(read.kind === "xml" && read.problems).toEqual([]);
  });

  it.each(sampleFiles)(
    "%s is received as its content says, with one AppRec valid against AppRec 1.1",
    async (file) => {
      // Prepare
      const text = sample(file);
      const { deps, store, workflow } = setUp(addressOf(text), RECEIVED_ON_ITS_DAY[file]);

      // Act
      const receipt = await receiveMessage(deps, { text, portal: PORTAL });

      // Assess
      const xml = renderAppRec(receipt.appRec);
      expect(validateXml(xml, "apprec-1.1")).toEqual([]);
      const stored = [...store.referrals.values()];
      const name = path.basename(file, ".xml");
      await expect(
        `${JSON.stringify(
          {
            outcome: receipt.outcome,
            codes: receipt.codes,
            referral: stored[0] && {
              kind: stored[0].kind,
              priority: stored[0].priority,
              clockStartDate: stored[0].clockStartDate,
              assessmentDueDate: stored[0].assessmentDueDate,
              missingContent: stored[0].missingContent,
              submission: stored[0].submission,
              attachments: stored[0].attachments,
            },
          },
          null,
          2,
        )}\n`,
      ).toMatchFileSnapshot(`./__golden__/messages/${name}.json`);
      await expect(xml).toMatchFileSnapshot(`./__golden__/messages/${name}.apprec.xml`);
      // Exactly one receipt; a referral and its workflow only when the receipt is OK.
      expect(stored).toHaveLength(receipt.outcome === "accepted" ? 1 : 0);
      expect(workflow.started).toHaveLength(receipt.outcome === "accepted" ? 1 : 0);
    },
  );
});

const NY_20 = "Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml";
const VIDERE_20 = "Henvisning_v2-0/Viderehenvisning_v2-0_Rettighetsvurdert_etter_ventetid_pakkeforlop_Ny.xml";

describe("receiving a message", () => {
  it("makes the same referral, deadline and content check as the same submission through POST /referrals", async () => {
    // Prepare
    const text = sample(NY_20);
    const viaMessage = setUp(addressOf(text));
    const viaJson = setUp(addressOf(text));

    // Act
    await receiveMessage(viaMessage.deps, { text, portal: PORTAL });
    const [fromMessage] = [...viaMessage.store.referrals.values()];
    const json = await receiveReferral(viaJson.deps, {
      idempotencyKey: "json-1",
      portal: PORTAL,
      body: JSON.parse(JSON.stringify(fromMessage?.submission)),
    });

    // Assess
    const [fromJson] = [...viaJson.store.referrals.values()];
    expect(json.outcome).toBe("accepted");
    // The same record, and the message it came as, for the answer to it.
    expect(fromMessage).toEqual({
      ...fromJson,
      referralId: fromMessage?.referralId,
      message: {
        msgId: "76665c90-3198-11e8-b566-0800200c9a66",
        type: "HENVISNING_NYTILSTAND",
        sender: expect.objectContaining({ herId: "91096" }),
        // Its changes and cancellation name it by this too.
        documentId: "cf4efb50-3198-11e8-b566-0800200c9a66",
      },
    });
    expect(fromMessage?.assessmentDueDate).toBe("2026-03-16");
    expect(viaMessage.workflow.started).toEqual([fromMessage?.referralId]);
  });

  it("makes one referral of a message delivered twice and answers both deliveries with the same AppRec", async () => {
    // Prepare
    const text = sample(NY_20);
    const { deps, store, workflow } = setUp(addressOf(text));

    // Act
    const first = await receiveMessage(deps, { text, portal: PORTAL });
    (deps.clock as FakeClock).set("2026-03-03T10:00:00Z");
    const second = await receiveMessage(deps, { text, portal: PORTAL });

    // Assess
    expect(first.outcome).toBe("accepted");
    expect(second.outcome).toBe("replayed");
    expect(renderAppRec(second.appRec)).toBe(renderAppRec(first.appRec));
    expect(store.referrals.size).toBe(1);
    // The replay starts the workflow again (a no-op for one that runs), as a portal's retry does.
    expect(new Set(workflow.started).size).toBe(1);
  });

  it("refuses a forward whose ansiennitetsdato is more than a year old, naming the field, and stores nothing", async () => {
    // Prepare: the public forward (ansiennitetsdato 2017-12-20) arriving on the golden day, 2026.
    const text = sample(VIDERE_20);
    const { deps, store, workflow } = setUp(addressOf(text));

    // Act
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });

    // Assess
    expect(receipt.outcome).toBe("rejected");
    expect(receipt.appRec.errors).toEqual([
      { code: "X99", detail: "originalReceivedDate: must be at most 1 year before today" },
    ]);
    expect(store.referrals.size).toBe(0);
    expect(workflow.started).toEqual([]);
  });

  it("takes a Viderehenvisning's ansiennitetsdato as a forwarded referral's original receipt date", async () => {
    // Prepare: the sample without its attachment, forwarded a few days ago (and its ICD-10 code under
    // ICD-10's code system: the sample names 7180).
    const documents = sample(VIDERE_20).split("<Document>");
    const text = `${documents.slice(0, 2).join("<Document>")}</MsgHead>`
      .replace(/<\/Document>\s*<\/MsgHead>/, "</Document>\n</MsgHead>")
      .replace("<Dato>2017-12-20</Dato>", "<Dato>2026-02-20</Dato>")
      .replace('V="C61" S="2.16.578.1.12.4.1.1.7180"', 'V="C61" S="2.16.578.1.12.4.1.1.7110"');
    const { deps, store } = setUp(addressOf(text));

    // Act
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });

    // Assess
    expect(receipt.appRec.errors).toEqual([]);
    const [referral] = [...store.referrals.values()];
    expect(referral?.kind).toBe("forwarded");
    expect(referral?.clockStartDate).toBe("2026-02-20");
    expect(referral?.submission).toMatchObject({
      originalReceivedDate: "2026-02-20",
      previousInstitution: "Sykehuset Telemark HF",
    });
    expect(referral?.priority).toBe("urgent");
  });

  it("rejects text that is not XML with T01, and writes nothing", async () => {
    const { deps, store } = setUp({ organisationHerId: "59", serviceHerId: "90998" });
    const receipt = await receiveMessage(deps, { text: "<MsgHead><unclosed>", portal: PORTAL });
    expect(receipt.appRec.status).toBe("rejected");
    expect(receipt.codes).toEqual(["T01"]);
    expect(validateXml(renderAppRec(receipt.appRec), "apprec-1.1")).toEqual([]);
    expect(store.referrals.size + store.idempotency.size).toBe(0);
  });

  it("rejects a message that breaks the schema with T02, naming the line and element but not the value", async () => {
    const text = sample(NY_20).replace(
      "<IssueDate>2018-03-30T09:15:00</IssueDate>",
      "<IssueDate>13116900216</IssueDate>",
    );
    const { deps, store } = setUp(addressOf(text));
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });
    expect(receipt.codes).toEqual(["T02"]);
    expect(receipt.appRec.errors[0]?.detail).toMatch(/line \d+: element IssueDate/);
    expect(renderAppRec(receipt.appRec)).not.toContain("13116900216</");
    expect(renderAppRec(receipt.appRec)).not.toMatch(/OT="[^"]*13116900216/);
    expect(store.referrals.size).toBe(0);
  });

  it("rejects a message addressed to another receiver with E21, and writes nothing", async () => {
    const text = sample(NY_20);
    const { deps, store, workflow } = setUp({ organisationHerId: "8100001", serviceHerId: "8100002" });
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });
    expect(receipt.codes).toEqual(["E21"]);
    expect(store.referrals.size + store.idempotency.size).toBe(0);
    expect(workflow.started).toEqual([]);
  });

  it("rejects every message with E21 when the clinic has no HER-ids configured", async () => {
    const { deps } = setUp({});
    const receipt = await receiveMessage(deps, { text: sample(NY_20), portal: PORTAL });
    expect(receipt.codes).toEqual(["E21"]);
  });

  it("rejects a patient whose national ID fails the check digits with E31", async () => {
    const text = sample(NY_20).replace("<Id>13116900216</Id>", "<Id>13116900217</Id>");
    const { deps, store } = setUp(addressOf(text));
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });
    expect(receipt.codes).toEqual(["E31"]);
    expect(store.referrals.size).toBe(0);
  });

  it("rejects a message whose MsgId is not a UUID with E10", async () => {
    const text = sample(NY_20).replace("76665c90-3198-11e8-b566-0800200c9a66", "melding-1");
    const { deps } = setUp(addressOf(text));
    expect((await receiveMessage(deps, { text, portal: PORTAL })).codes).toEqual(["E10"]);
  });

  it("rejects another message under a MsgId already received with E10, keeping the first referral", async () => {
    const text = sample(NY_20);
    const { deps, store } = setUp(addressOf(text));
    await receiveMessage(deps, { text, portal: PORTAL });
    const other = text.replace("Paracet, tablett 500mg", "Ibux, tablett 400mg");
    const receipt = await receiveMessage(deps, { text: other, portal: PORTAL });
    expect(receipt.codes).toEqual(["E10"]);
    expect(store.referrals.size).toBe(1);
  });

  it("rejects a referral without an ICPC-2 or ICD-10 diagnosis, saying which code systems it takes", async () => {
    const text = sample(NY_20).replace('S="2.16.578.1.12.4.1.1.7170"', 'S="2.16.578.1.12.4.1.1.7180"');
    const { deps, store } = setUp(addressOf(text));
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });
    expect(receipt.appRec.errors).toEqual([
      { code: "X99", detail: expect.stringContaining("ICPC-2 (kodeverk 7170)") },
    ]);
    expect(store.referrals.size).toBe(0);
  });

  it("rejects a document with more markup than any referral (T99) without parsing it, well within the function's timeout", async () => {
    const text = `<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">${"<x/>".repeat(1_000_000)}</MsgHead>`;
    const { deps } = setUp({ organisationHerId: "59", serviceHerId: "90998" });
    const started = Date.now();
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });
    expect(receipt.codes).toEqual(["T99"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("rejects entity expansion (a billion laughs) as not readable (T01), expanding nothing", async () => {
    const entities = Array.from(
      { length: 8 },
      (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`,
    ).join("");
    const text = `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">${entities}]><MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo>&l8;</MsgInfo></MsgHead>`;
    const { deps } = setUp({ organisationHerId: "59", serviceHerId: "90998" });
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });
    expect(receipt.codes).toEqual(["T01"]);
    expect(renderAppRec(receipt.appRec)).not.toContain("lollol");
  });

  it("rejects an XML document of another kind with T10", async () => {
    const text = readFileSync(path.join(SAMPLES, "AppRec/apprec-eksempel.xml"), "utf8");
    const { deps } = setUp({ organisationHerId: "59", serviceHerId: "90998" });
    expect((await receiveMessage(deps, { text, portal: PORTAL })).codes).toEqual(["T10"]);
  });
});

describe("the clinic's HER-ids in its configuration", () => {
  it("are taken in pairs, the organisation's and the service's; one without the other is refused, naming it", () => {
    const clinic = testClinicConfig().clinic;
    const config = (herIds: Record<string, string>) =>
      JSON.stringify({ ...testClinicConfig(), clinic: { ...clinic, ...herIds } });
    expect(
      parseClinicConfig(config({ organisationHerId: "8100001", serviceHerId: "8100002" })).clinic,
    ).toMatchObject({
      organisationHerId: "8100001",
      serviceHerId: "8100002",
    });
    expect(() => parseClinicConfig(config({ organisationHerId: "8100001" }))).toThrow(/clinic\.serviceHerId/);
    expect(() => parseClinicConfig(config({ organisationHerId: "HER-1", serviceHerId: "2" }))).toThrow(
      /clinic\.organisationHerId: a HER-id/,
    );
  });
});

describe("the EDI 2.0 mailbox (PollEdiMailbox)", () => {
  /** A mailbox holding the given documents, recording AppRecs and reads. */
  class FakeMailbox implements EdiMailbox {
    readonly appRecs: { id: string; herId: string; status: string; codes: string[] }[] = [];
    readonly read = new Set<string>();
    constructor(private readonly documents: Map<string, string>) {}
    async unread() {
      return [...this.documents.keys()]
        .filter((id) => !this.read.has(id))
        .map((id) => ({ id, receiverHerId: "90998" }));
    }
    async businessDocument(id: string) {
      return this.documents.get(id) as string;
    }
    async sendAppRec(id: string, herId: string, appRec: { status: string; errors: { errorCode: string }[] }) {
      if (this.appRecs.some((sent) => sent.id === id)) return false;
      this.appRecs.push({ id, herId, status: appRec.status, codes: appRec.errors.map((e) => e.errorCode) });
      return true;
    }
    async markRead(id: string) {
      this.read.add(id);
    }
  }

  it("receives each unread message, answers its AppRec (OK or rejected with its codes) and marks it read, once", async () => {
    // Prepare
    const text = sample(NY_20);
    const { deps, store } = setUp(addressOf(text));
    const mailbox = new FakeMailbox(
      new Map([
        ["m-1", text],
        ["m-2", "<MsgHead><unclosed>"],
      ]),
    );

    // Act: two runs (the second finds nothing unread).
    const first = await pollMailbox({ ...deps, mailbox });
    const second = await pollMailbox({ ...deps, mailbox });

    // Assess
    expect(first).toEqual({ fetched: 2, accepted: 1, replayed: 0, rejected: 1 });
    expect(second.fetched).toBe(0);
    expect(mailbox.appRecs).toEqual([
      { id: "m-1", herId: "90998", status: "Ok", codes: [] },
      { id: "m-2", herId: "90998", status: "Rejected", codes: ["T01"] },
    ]);
    expect([...mailbox.read].sort()).toEqual(["m-1", "m-2"]);
    expect([...store.referrals.values()].map((referral) => referral.portal)).toEqual([EDI_MAILBOX_PORTAL]);
  });
});
