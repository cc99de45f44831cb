/**
 * Change (ServType M) and cancellation (ServType C) messages act on the referral they name: the public
 * Henvisning 2.0 samples received in order (golden files of what each step did), and the rules: a
 * change replaces the content of a referral not yet decided, a cancellation withdraws it and ends its
 * task and workflow, and both are refused with an AppRec for a referral decided, unknown, or sent by
 * someone else.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { readXml, validateXml } from "../../functions/adapters/xml";
import { notifyAssessors, planIntake } from "../../functions/domain/assessment";
import { viewTask } from "../../functions/domain/assessment-answer";
import { calendarRulesOf } from "../../functions/domain/clinic";
import { AttachmentsUnavailable, ReferralWithdrawn } from "../../functions/domain/errors";
import { envelopeHeader, messageHeader } from "../../functions/domain/henvisning";
import { type ReceiveMessageDeps, receiveMessage } from "../../functions/domain/receive-message";
import { renderAppRec } from "../../functions/views/apprec";
import { renderer } from "../../functions/views/renderer";
import { jpegBytes, pdfBytes, pngBytes, withAttachments } from "../support/attachments";
import {
  FakeClock,
  FakeWorkflow,
  InMemoryAttachmentStore,
  InMemoryReferralStore,
  RecordingMailer,
  testClinicConfig,
} from "../support/fakes";

const SAMPLES = fileURLToPath(new URL("../fixtures/messages/eksempel/Henvisning_v2-0/", import.meta.url));
const PORTAL = "arn:aws:iam::123456789012:user/edi-gateway";
/** A Monday morning in Oslo: day 0 of the legal clock. */
const RECEIVED = "2026-03-02T08:00:00.000Z";

const UTEN = "Henvisning_ny_tilstand_v2-0_Uten_rettighetsvurdering";
const NY = `${UTEN}_Ny.xml`;
const ENDRING = `${UTEN}_Endring.xml`;
const KANSELLERING = `${UTEN}_Kansellering.xml`;
/** What the samples' patient data look like: none of it may reach an audit event. */
const PATIENT_DATA = ["21016400952", "Dottno", "Apocillin", "Kuren varer", "hevelse"];

/** A Henvisning 2.0 sample by its file name, or another by its path under `eksempel/` (with a slash). */
const sample = (file: string) =>
  readFileSync(file.includes("/") ? path.join(SAMPLES, "..", file) : path.join(SAMPLES, file), "utf8");

let store: InMemoryReferralStore;
let workflow: FakeWorkflow;
let clock: FakeClock;
let mailer: RecordingMailer;
const config = testClinicConfig();

function receiveDeps(addressedAs = NY): ReceiveMessageDeps {
  const read = readXml(sample(addressedAs));
  if (read.kind !== "xml") throw new Error("sample is not XML");
  const header = read.schema === "msghead" ? envelopeHeader(read.root) : messageHeader(read.root);
  let n = 0;
  return {
    store,
    workflow,
    clock,
    newReferralId: () => `ref-${++n}`,
    legalClock: config.legalClock,
    readXml,
    attachments: new InMemoryAttachmentStore(),
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      ...header.receiver,
    },
  };
}

const stepDeps = () => ({
  store,
  clock,
  mailer,
  render: renderer,
  config,
  publicBaseUrl: "https://frist.example",
});

async function receive(deps: ReceiveMessageDeps, text: string, portal = PORTAL) {
  const receipt = await receiveMessage(deps, { text, portal });
  expect(validateXml(renderAppRec(receipt.appRec), "apprec-1.1")).toEqual([]);
  return receipt;
}

/** The referral received from NY, planned, with its task open and its workflow waiting on `token-1`. */
async function waitingOnItsTask(deps: ReceiveMessageDeps) {
  const receipt = await receive(deps, sample(NY));
  const referralId = receipt.referralId ?? "";
  await planIntake(stepDeps(), referralId);
  const { taskId } = await notifyAssessors(stepDeps(), {
    referralId,
    taskToken: "token-1",
    phase: "initial",
  });
  workflow.waiting.add("token-1");
  return { referralId, taskId };
}

beforeEach(() => {
  store = new InMemoryReferralStore();
  workflow = new FakeWorkflow();
  clock = new FakeClock(new Date(RECEIVED));
  mailer = new RecordingMailer();
});

describe("the public samples received in order", () => {
  const VIDERE = "Viderehenvisning_v2-0_Rettighetsvurdert_etter_ventetid_pakkeforlop";
  it.each([
    [UTEN, [NY, ENDRING, KANSELLERING]],
    // A forward whose change brings an attachment of its own (added to the referral's), received in
    // the weeks after its ansiennitetsdato (2017-12-20) so the forward itself is taken. Its diagnosis
    // is coded in 7180, which Frist does not read (it takes ICD-10 as 7110): read here as 7110.
    [
      VIDERE,
      [`${VIDERE}_Ny.xml`, `${VIDERE}_Endring.xml`, `${VIDERE}_Kansellering.xml`],
      "2018-01-08T08:00:00.000Z",
    ],
    // Henvisning 1.x: the public samples of 1.1 and 1.0, whose change and cancellation name the
    // referral by its own id (`ServReq/Id`) from the same sender (HER-id 56704).
    ...(["1-1", "1-0"] as const).map((version) => {
      const name = `Henvisning_v${version}/henvisning_v${version.replace("-", ".")}`;
      return [
        `henvisning_v${version.replace("-", ".")}`,
        [`${name}_n.xml`, `${name}_m.xml`, `${name}_c.xml`],
      ] as [string, string[]];
    }),
    // Its change names the referral by its DocumentId instead of a MsgId: found by that, from its sender.
    [
      "Henvisning_ny_tilstand_v2-0",
      [
        "Henvisning_ny_tilstand_v2-0_Ny.xml",
        "Henvisning_ny_tilstand_v2-0_Endring.xml",
        "Henvisning_ny_tilstand_v2-0_Kansellering.xml",
      ],
    ],
  ])("%s: new, changed, cancelled", async (name, files, start?: string) => {
    // Prepare
    const deps = receiveDeps(files[0]);
    if (start) clock.set(new Date(start));
    const steps: unknown[] = [];

    // Act
    for (const file of files) {
      clock.set(new Date(clock.now().getTime() + 60 * 60 * 1000));
      const text = sample(file).replaceAll("2.16.578.1.12.4.1.1.7180", "2.16.578.1.12.4.1.1.7110");
      const receipt = await receive(deps, text);
      const referral = [...store.referrals.values()][0];
      steps.push({
        file,
        outcome: receipt.outcome,
        codes: receipt.codes,
        detail: receipt.appRec.errors.map((error) => error.detail),
        referral: referral && {
          status: referral.status,
          clockStartDate: referral.clockStartDate,
          assessmentDueDate: referral.assessmentDueDate,
          withdrawnAt: referral.withdrawnAt,
          messageChanges: referral.messageChanges,
          missingContent: referral.missingContent,
          reason: referral.submission.reason,
          attachments: referral.attachments,
        },
        events: referral && store.eventTypesOf(referral.referralId),
      });
    }

    // Assess
    await expect(`${JSON.stringify(steps, null, 2)}\n`).toMatchFileSnapshot(
      `./__golden__/messages/conversations/${name}.json`,
    );
    expect(store.referrals.size).toBe(1);
  });
});

describe("a change message", () => {
  it("replaces the content of a referral not yet decided, keeps its deadline, and audits it without health data", async () => {
    // Prepare
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const before = store.mustGet(referralId);
    clock.set(new Date(clock.now().getTime() + 2 * 24 * 60 * 60 * 1000));

    // Act
    const receipt = await receive(deps, sample(ENDRING));

    // Assess
    expect(receipt).toMatchObject({ outcome: "accepted", referralId });
    expect(receipt.appRec.status).toBe("ok");
    const after = store.mustGet(referralId);
    expect(after.submission.reason).toContain("Kuren varer i 10 dager");
    expect(after.assessmentDueDate).toBe(before.assessmentDueDate);
    expect(after.clockStartDate).toBe(before.clockStartDate);
    expect(after.status).toBe("awaiting-assessment");
    const event = store.eventsOf(referralId).at(-1);
    expect(event).toMatchObject({
      type: "referral-amended",
      actor: { kind: "portal", id: PORTAL },
      details: { msgId: "c46d8582-77e3-4b52-8e87-78f9d10fe578" },
    });
    for (const datum of PATIENT_DATA) expect(JSON.stringify(store.eventsOf(referralId))).not.toContain(datum);
  });

  it("delivered twice changes once and answers both deliveries with the same AppRec", async () => {
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const first = await receive(deps, sample(ENDRING));
    clock.set(new Date(clock.now().getTime() + 60_000));
    const second = await receive(deps, sample(ENDRING));
    expect(second.outcome).toBe("replayed");
    expect(renderAppRec(second.appRec)).toBe(renderAppRec(first.appRec));
    expect(store.eventTypesOf(referralId).filter((type) => type === "referral-amended")).toHaveLength(1);
  });

  it("to a decided referral is refused (X99), changing nothing", async () => {
    // Prepare
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    store.mustGet(referralId).status = "decided";
    const events = store.eventsOf(referralId).length;

    // Act
    const receipt = await receive(deps, sample(ENDRING));

    // Assess
    expect(receipt.codes).toEqual(["X99"]);
    expect(receipt.appRec.errors[0]?.detail).toContain("allerede vurdert");
    expect(store.eventsOf(referralId)).toHaveLength(events);
    expect(store.mustGet(referralId).messageChanges).toBeUndefined();
  });

  it("while a decision is on its way (the task answered, not yet recorded) is refused", async () => {
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const [task] = await store.listTasks(referralId);
    if (!task) throw new Error("no task");
    store.tasks.set(task.taskId, { ...task, state: "answered" });
    const receipt = await receive(deps, sample(ENDRING));
    expect(receipt.codes).toEqual(["X99"]);
    expect(store.mustGet(referralId).messageChanges).toBeUndefined();
  });

  it("to a referral never received here is refused (X99), writing nothing", async () => {
    const deps = receiveDeps();
    const receipt = await receive(deps, sample(ENDRING));
    expect(receipt.codes).toEqual(["X99"]);
    expect(store.referrals.size + store.idempotency.size).toBe(0);
  });

  it("from another sender, or through another portal, is answered as for an unknown referral", async () => {
    // Prepare
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const otherSender = sample(ENDRING).replace("<Id>127731</Id>", "<Id>127732</Id>");

    // Act
    const bySender = await receive(deps, otherSender);
    const byPortal = await receive(deps, sample(ENDRING), "arn:aws:iam::123456789012:user/other-portal");

    // Assess
    expect(bySender.codes).toEqual(["X99"]);
    expect(byPortal.codes).toEqual(["X99"]);
    expect(bySender.appRec.errors[0]?.detail).toContain("ikke har mottatt fra denne avsenderen");
    expect(store.mustGet(referralId).messageChanges).toBeUndefined();
  });

  it("naming the referral by its document id in ConversationRef acts on it, from its own sender only", async () => {
    // Prepare: the public Henvisning_ny_tilstand change names the referral's DocumentId, not its MsgId.
    const named = "Henvisning_ny_tilstand_v2-0";
    const deps = receiveDeps(`${named}_Ny.xml`);
    const { referralId } = await receive(deps, sample(`${named}_Ny.xml`));
    const change = sample(`${named}_Endring.xml`);

    // Act
    const fromAnother = await receive(deps, change.replace("<Id>91096</Id>", "<Id>91097</Id>"));
    const fromItsSender = await receive(deps, change);

    // Assess
    expect(fromAnother.codes).toEqual(["X99"]);
    expect(fromItsSender.outcome).toBe("accepted");
    expect(store.mustGet(referralId ?? "").messageChanges).toEqual([
      expect.objectContaining({ kind: "amended", msgId: "0b28bfe4-c3a8-43b6-b915-7f11cfc6a093" }),
    ]);
  });

  it("for another patient is refused (E36)", async () => {
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    // Another valid national ID (the README's sample patient).
    const receipt = await receive(
      deps,
      sample(ENDRING).replace("<Id>21016400952</Id>", "<Id>15038512282</Id>"),
    );
    expect(receipt.codes).toEqual(["E36"]);
    expect(store.mustGet(referralId).messageChanges).toBeUndefined();
  });
});

describe("a cancellation message", () => {
  it("withdraws a referral waiting on its task: closed, the task link says withdrawn, the workflow's wait ended", async () => {
    // Prepare
    const deps = receiveDeps();
    const { referralId, taskId } = await waitingOnItsTask(deps);

    // Act
    const receipt = await receive(deps, sample(KANSELLERING));

    // Assess
    expect(receipt).toMatchObject({ outcome: "accepted", referralId });
    const referral = store.mustGet(referralId);
    expect(referral.status).toBe("closed");
    expect(referral.withdrawnAt).toBe(clock.now().toISOString());
    expect(workflow.withdrawn).toEqual(["token-1"]);
    expect(store.eventsOf(referralId).at(-1)).toMatchObject({
      type: "referral-withdrawn",
      actor: { kind: "portal", id: PORTAL },
      details: { msgId: "785c119d-ebb4-4fdd-ad33-4ccf73561e3a" },
    });
    const view = await viewTask({ store, clock, calendar: calendarRulesOf(config.legalClock) }, taskId);
    expect(view).toEqual({ kind: "gone", reason: "withdrawn" });
  });

  it("delivered again answers the same AppRec and withdraws nothing more", async () => {
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const first = await receive(deps, sample(KANSELLERING));
    const second = await receive(deps, sample(KANSELLERING));
    expect(second.outcome).toBe("replayed");
    expect(renderAppRec(second.appRec)).toBe(renderAppRec(first.appRec));
    expect(store.eventTypesOf(referralId).filter((type) => type === "referral-withdrawn")).toHaveLength(1);
    expect(workflow.withdrawn).toEqual(["token-1"]);
  });

  it("before the workflow waits ends it at its next step, which emails no one", async () => {
    // Prepare: received, not yet planned (the workflow has not reached its first wait).
    const deps = receiveDeps();
    const { referralId } = await receive(deps, sample(NY));

    // Act
    const receipt = await receive(deps, sample(KANSELLERING));

    // Assess
    expect(receipt.outcome).toBe("accepted");
    await expect(planIntake(stepDeps(), referralId ?? "")).rejects.toBeInstanceOf(ReferralWithdrawn);
    await expect(
      notifyAssessors(stepDeps(), { referralId: referralId ?? "", taskToken: "token-9", phase: "rearm" }),
    ).rejects.toBeInstanceOf(ReferralWithdrawn);
    expect(mailer.sent).toEqual([]);
    expect(await store.listTasks(referralId ?? "")).toEqual([]);
  });

  it("of a referral already withdrawn, by another message, is refused (X99)", async () => {
    const deps = receiveDeps();
    await waitingOnItsTask(deps);
    await receive(deps, sample(KANSELLERING));
    const again = await receive(
      deps,
      sample(KANSELLERING).replace(
        "785c119d-ebb4-4fdd-ad33-4ccf73561e3a",
        "785c119d-ebb4-4fdd-ad33-4ccf73561e3b",
      ),
    );
    expect(again.codes).toEqual(["X99"]);
    expect(again.appRec.errors[0]?.detail).toContain("allerede er trukket tilbake");
  });
});

describe("attachments on a change or cancellation", () => {
  const storeOf = (deps: ReceiveMessageDeps) => deps.attachments as InMemoryAttachmentStore;

  it("a change's are added to the referral's, numbered after them, stored once, and counted in the audit event", async () => {
    // Prepare: the referral came with one attachment.
    const deps = receiveDeps();
    const first = pdfBytes("first report");
    const referralId =
      (await receive(deps, withAttachments(sample(NY), [{ mimeType: "application/pdf", content: first }])))
        .referralId ?? "";
    const report = pdfBytes("updated report");
    const change = withAttachments(sample(ENDRING), [
      { mimeType: "application/pdf", description: "Oppdatert rapport", content: report },
      { mimeType: "image/png", content: pngBytes() },
    ]);

    // Act
    const receipt = await receive(deps, change);
    const again = await receive(deps, change);

    // Assess
    expect([receipt.outcome, again.outcome]).toEqual(["accepted", "replayed"]);
    expect(renderAppRec(again.appRec)).toBe(renderAppRec(receipt.appRec));
    const referral = store.mustGet(referralId);
    expect(referral.attachments?.map(({ n, name, key }) => ({ n, name, key }))).toEqual([
      { n: 1, name: "Vedlegg 1", key: `referrals/${referralId}/attachments/1` },
      { n: 2, name: "Oppdatert rapport", key: `referrals/${referralId}/attachments/2` },
      { n: 3, name: "Vedlegg 2", key: `referrals/${referralId}/attachments/3` },
    ]);
    const objects = storeOf(deps).objects;
    expect([...objects.keys()]).toHaveLength(3);
    expect(
      Buffer.from(objects.get(`referrals/${referralId}/attachments/2`)?.content ?? []).equals(
        Buffer.from(report),
      ),
    ).toBe(true);
    expect(store.eventsOf(referralId).at(-1)).toMatchObject({
      type: "referral-amended",
      details: { msgId: "c46d8582-77e3-4b52-8e87-78f9d10fe578", attachments: 2 },
    });
    expect(JSON.stringify(store.eventsOf(referralId))).not.toContain("Oppdatert rapport");
  });

  it("an attachment the referral already holds (the same content, repeated by a change) is not added twice", async () => {
    const deps = receiveDeps();
    const report = pdfBytes("report");
    const referralId =
      (await receive(deps, withAttachments(sample(NY), [{ mimeType: "application/pdf", content: report }])))
        .referralId ?? "";

    const receipt = await receive(
      deps,
      withAttachments(sample(ENDRING), [
        { mimeType: "application/pdf", content: report },
        { mimeType: "image/png", content: pngBytes() },
      ]),
    );

    expect(receipt.outcome).toBe("accepted");
    expect(store.mustGet(referralId).attachments?.map(({ n, mimeType }) => ({ n, mimeType }))).toEqual([
      { n: 1, mimeType: "application/pdf" },
      { n: 2, mimeType: "image/png" },
    ]);
    expect(store.eventsOf(referralId).at(-1)).toMatchObject({ details: { attachments: 1 } });
    expect(storeOf(deps).objects.size).toBe(2);
  });

  it("a cancellation's are kept with the referral it withdraws, not dropped", async () => {
    // Prepare
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const letter = pdfBytes("cancellation letter");

    // Act
    const receipt = await receive(
      deps,
      withAttachments(sample(KANSELLERING), [{ mimeType: "application/pdf", content: letter }]),
    );

    // Assess
    expect(receipt.outcome).toBe("accepted");
    const referral = store.mustGet(referralId);
    expect(referral.status).toBe("closed");
    expect(referral.attachments).toEqual([
      expect.objectContaining({
        n: 1,
        mimeType: "application/pdf",
        key: `referrals/${referralId}/attachments/1`,
      }),
    ]);
    expect(storeOf(deps).objects.has(`referrals/${referralId}/attachments/1`)).toBe(true);
    expect(store.eventsOf(referralId).at(-1)).toMatchObject({
      type: "referral-withdrawn",
      details: { attachments: 1 },
    });
    expect(workflow.withdrawn).toEqual(["token-1"]);
  });

  it("a change with an attachment of another type is rejected as a whole (X99), changing nothing", async () => {
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const before = store.mustGet(referralId);

    const receipt = await receive(
      deps,
      withAttachments(sample(ENDRING), [{ mimeType: "application/msword", base64: "0M8R4KGxGuE=" }]),
    );

    expect(receipt.codes).toEqual(["X99"]);
    expect(receipt.appRec.errors[0]?.detail).toMatch(/^Vedlegg 1: typen tas ikke imot/);
    expect(store.mustGet(referralId)).toEqual(before);
    expect(storeOf(deps).objects.size).toBe(0);
  });

  it("the same MsgId with other attachments is refused (E10), keeping the first change's", async () => {
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    await receive(
      deps,
      withAttachments(sample(ENDRING), [{ mimeType: "application/pdf", content: pdfBytes("one") }]),
    );

    const other = await receive(
      deps,
      withAttachments(sample(ENDRING), [{ mimeType: "application/pdf", content: pdfBytes("two") }]),
    );

    expect(other.codes).toEqual(["E10"]);
    expect(store.mustGet(referralId).attachments).toHaveLength(1);
    const stored = storeOf(deps).objects.get(`referrals/${referralId}/attachments/1`)?.content ?? [];
    expect(Buffer.from(stored).toString("latin1")).toContain("one");
  });

  it("while the attachment store is down the sender is answered 503, and its delivery again stores them", async () => {
    // Prepare
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const change = withAttachments(sample(ENDRING), [{ mimeType: "image/jpeg", content: jpegBytes() }]);
    storeOf(deps).failing = true;

    // Act
    await expect(receiveMessage(deps, { text: change, portal: PORTAL })).rejects.toBeInstanceOf(
      AttachmentsUnavailable,
    );
    storeOf(deps).failing = false;
    const retry = await receive(deps, change);

    // Assess
    expect(retry.outcome).toBe("replayed");
    expect(storeOf(deps).objects.has(`referrals/${referralId}/attachments/1`)).toBe(true);
    expect(store.eventTypesOf(referralId).filter((type) => type === "referral-amended")).toHaveLength(1);
  });

  it("are numbered after another message's that landed between the read and the write", async () => {
    // Prepare: the first write finds the referral with an attachment the change did not number after.
    const deps = receiveDeps();
    const { referralId } = await waitingOnItsTask(deps);
    const apply = store.applyReferralMessage.bind(store);
    let raced = false;
    store.applyReferralMessage = async (...args) => {
      if (!raced) {
        raced = true;
        const referral = store.mustGet(referralId);
        referral.attachments = [
          { n: 1, name: "Vedlegg 1", mimeType: "application/pdf", size: 1, sha256: "0", key: "elsewhere" },
        ];
      }
      return apply(...args);
    };

    // Act
    const receipt = await receive(
      deps,
      withAttachments(sample(ENDRING), [{ mimeType: "application/pdf", content: pdfBytes() }]),
    );

    // Assess
    expect(receipt.outcome).toBe("accepted");
    expect(store.mustGet(referralId).attachments?.map((attachment) => attachment.n)).toEqual([1, 2]);
    expect(storeOf(deps).objects.has(`referrals/${referralId}/attachments/2`)).toBe(true);
  });
});

describe("a Henvisning 1.x change or cancellation", () => {
  const V11 = "Henvisning_v1-1/henvisning_v1.1";

  it("naming a referral never received here is refused (X99) as a 2.0 one is, writing nothing", async () => {
    const deps = receiveDeps(`${V11}_n.xml`);
    const receipt = await receive(deps, sample(`${V11}_m.xml`));
    expect(receipt.codes).toEqual(["X99"]);
    expect(receipt.appRec.errors[0]?.detail).toBe(
      "Endringen gjelder en henvisning klinikken ikke har mottatt fra denne avsenderen (Id)",
    );
    expect(store.referrals.size + store.idempotency.size).toBe(0);
  });

  it("from another sender under the same id is answered as for an unknown referral", async () => {
    // Prepare: the referral from HER-id 56704; the change from 56705 with the same ServReq/Id.
    const deps = receiveDeps(`${V11}_n.xml`);
    const { referralId } = await receive(deps, sample(`${V11}_n.xml`));
    const otherSender = sample(`${V11}_c.xml`).replace("<Id>56704</Id>", "<Id>56705</Id>");

    // Act
    const receipt = await receive(deps, otherSender);

    // Assess
    expect(receipt.codes).toEqual(["X99"]);
    expect(store.mustGet(referralId ?? "").status).toBe("received");
  });

  it("for another patient is refused (E36)", async () => {
    const deps = receiveDeps(`${V11}_n.xml`);
    const { referralId } = await receive(deps, sample(`${V11}_n.xml`));
    const receipt = await receive(
      deps,
      sample(`${V11}_m.xml`).replace("<OffId>13116900216</OffId>", "<OffId>15038512282</OffId>"),
    );
    expect(receipt.codes).toEqual(["E36"]);
    expect(store.mustGet(referralId ?? "").messageChanges).toBeUndefined();
  });

  it("acts on the latest referral its sender sent under the id", async () => {
    // Prepare: the same referral sent again as new, under a new MsgId.
    const deps = receiveDeps(`${V11}_n.xml`);
    const first = await receive(deps, sample(`${V11}_n.xml`));
    const again = await receive(
      deps,
      sample(`${V11}_n.xml`).replace(
        "02a51109-7416-4822-9742-bcd6fdfd036f",
        "02a51109-7416-4822-9742-bcd6fdfd0370",
      ),
    );

    // Act
    const receipt = await receive(deps, sample(`${V11}_c.xml`));

    // Assess
    expect(receipt).toMatchObject({ outcome: "accepted", referralId: again.referralId });
    expect(store.mustGet(again.referralId ?? "").status).toBe("closed");
    expect(store.mustGet(first.referralId ?? "").status).toBe("received");
  });
});
