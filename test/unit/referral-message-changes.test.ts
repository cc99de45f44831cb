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
import { ReferralWithdrawn } from "../../functions/domain/errors";
import { envelopeHeader } from "../../functions/domain/henvisning";
import { type ReceiveMessageDeps, receiveMessage } from "../../functions/domain/receive-message";
import { renderAppRec } from "../../functions/views/apprec";
import { renderer } from "../../functions/views/renderer";
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

const sample = (file: string) => readFileSync(path.join(SAMPLES, file), "utf8");

let store: InMemoryReferralStore;
let workflow: FakeWorkflow;
let clock: FakeClock;
let mailer: RecordingMailer;
const config = testClinicConfig();

function receiveDeps(addressedAs = NY): ReceiveMessageDeps {
  const read = readXml(sample(addressedAs));
  if (read.kind !== "xml") throw new Error("sample is not XML");
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
      ...envelopeHeader(read.root).receiver,
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
  it.each([
    [UTEN, [NY, ENDRING, KANSELLERING]],
    // Its change names the referral by its DocumentId instead of a MsgId: not found, so refused.
    [
      "Henvisning_ny_tilstand_v2-0",
      [
        "Henvisning_ny_tilstand_v2-0_Ny.xml",
        "Henvisning_ny_tilstand_v2-0_Endring.xml",
        "Henvisning_ny_tilstand_v2-0_Kansellering.xml",
      ],
    ],
  ])("%s: new, changed, cancelled", async (name, files) => {
    // Prepare
    const deps = receiveDeps(files[0]);
    const steps: unknown[] = [];

    // Act
    for (const file of files) {
      clock.set(new Date(clock.now().getTime() + 60 * 60 * 1000));
      const receipt = await receive(deps, sample(file));
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
