/**
 * POST /messages on the local stack: a Henvisning 2.0 addressed to the clinic's HER-ids (cdk.json),
 * delivered as a record system delivers it, signed as a portal signs; the AppRec comes back as the
 * answer, the referral follows the same path as one from POST /referrals (the task email and the
 * deadline), and a malformed, a wrongly addressed and a duplicated message each get their receipt and
 * write what they should: nothing, nothing, no second referral.
 */
import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { extractText, getDocumentProxy } from "unpdf";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { readXml, validateXml } from "../../functions/adapters/xml";
import { MESSAGE_ID_SCOPE } from "../../functions/domain/receive-referral";
import { child, children } from "../../functions/domain/xml-tree";
import { LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  awaitFile,
  emailsWithTask,
  eventTypes,
  intakeTeam,
  mailboxSize,
  notifiedTaskIdOf,
  postForm,
  signInAsAssessor,
} from "../support/e2e";
import { GP_HER_ID, withGpHerId } from "../support/henvisning-samples";
import { eventually, fetchAs, taskLinkIn } from "../support/http";
import { PORTAL_A, signedFetch } from "../support/portal";
import { sharedLocalStack } from "../support/shared-stack";

const clinic = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")).context[
  "frist:clinic"
];
const SAMPLE = readFileSync(
  new URL(
    "../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml",
    import.meta.url,
  ),
  "utf8",
);
/** The public sample, addressed to the clinic of cdk.json instead of the sample's hospital. */
const addressed = (msgId: string) =>
  SAMPLE.replace("<Id>59</Id>", `<Id>${clinic.organisationHerId}</Id>`)
    .replace("<Id>90998</Id>", `<Id>${clinic.serviceHerId}</Id>`)
    .replace("76665c90-3198-11e8-b566-0800200c9a66", msgId);

/** A referral (Henvisning ny tilstand, public sample), its change and its cancellation, in order. */
const CONVERSATION = ["Ny", "Endring", "Kansellering"].map((step) =>
  readFileSync(
    new URL(
      `../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Uten_rettighetsvurdering_${step}.xml`,
      import.meta.url,
    ),
    "utf8",
  ),
);
/** The conversation's MsgIds (new, change, cancellation), which the later messages refer to. */
const CONVERSATION_IDS = [
  "dc90b9b0-1f14-11e9-b56e-0800200c9a66",
  "c46d8582-77e3-4b52-8e87-78f9d10fe578",
  "785c119d-ebb4-4fdd-ad33-4ccf73561e3a",
];
/** A message of the conversation addressed to the clinic, with fresh MsgIds (the table outlives no run, but stay apart). */
const conversationMessage = (step: number, ids: string[]) =>
  CONVERSATION_IDS.reduce(
    (text, id, index) => text.replaceAll(id, ids[index] as string),
    (CONVERSATION[step] as string)
      .replace("<Id>111557</Id>", `<Id>${clinic.organisationHerId}</Id>`)
      .replace("<Id>999999</Id>", `<Id>${clinic.serviceHerId}</Id>`),
  );

let stack: LocalStack;
let store: DynamoReferralStore;

beforeAll(async () => {
  stack = await sharedLocalStack();
  store = new DynamoReferralStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.dynamodbEndpoint,
        region: stack.region,
        credentials: LOCAL_CREDENTIALS,
      }),
    ),
    stack.tableNames[0] as string,
  );
});

async function deliver(body: string, contentType = "application/xml") {
  const response = await signedFetch(`${stack.apiUrl}/messages`, PORTAL_A, {
    method: "POST",
    body,
    headers: { "content-type": contentType },
  });
  const text = await response.text();
  const read = readXml(text);
  const root = read.kind === "xml" ? read.root : undefined;
  const status = root?.children.find((c) => c.name === "Status")?.attrs.V;
  const codes = root?.children.filter((c) => c.name === "Error").map((c) => c.attrs.V);
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text,
    appRecStatus: status,
    codes,
  };
}

/** The referral a MsgId made, read from the table (the receipt names the message, not the referral). */
const referralOf = async (msgId: string) =>
  (await store.getIdempotencyRecord(MESSAGE_ID_SCOPE, msgId))?.referralId;

describe("POST /messages on the local stack", () => {
  it("receives a Henvisning addressed to the clinic: AppRec OK, and the intake team's task email as for POST /referrals", async () => {
    // Act
    const msgId = "0f6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f60";
    const answer = await deliver(addressed(msgId));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/xml/);
    expect(validateXml(answer.text, "apprec-1.1")).toEqual([]);
    expect(answer.appRecStatus).toBe("1");
    expect(answer.text).toContain(`<Id>${msgId}</Id>`);
    const referralId = await referralOf(msgId);
    expect(referralId).toBeDefined();
    const file = await awaitFile(
      stack,
      referralId as string,
      (f) => notifiedTaskIdOf(f) !== undefined,
      "the task email",
    );
    expect(file).toMatchObject({ status: "awaiting-assessment", kind: "new", priority: "ordinary" });
    const taskEmails = await emailsWithTask(stack, notifiedTaskIdOf(file) as string);
    expect(taskEmails.map((email) => email.destination.to[0]).sort()).toEqual([...intakeTeam].sort());
    // The email is a neutral notice: nothing of the patient.
    for (const email of taskEmails)
      expect(`${email.subject} ${email.body.text}`).not.toMatch(/Danser|13116900216/);
  });

  it("answers a message delivered twice with the same AppRec and makes one referral", async () => {
    const msgId = "1a6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f61";
    const first = await deliver(addressed(msgId));
    const second = await deliver(addressed(msgId));
    expect(second.text).toBe(first.text);
    expect(first.appRecStatus).toBe("1");
    expect(await referralOf(msgId)).toBeDefined();
  });

  it("answers text that is not XML with 200 and a rejecting AppRec (T01), and writes nothing", async () => {
    // The earlier tests' workflows have sent their emails: nothing runs.
    await stack.activity.settled();
    const before = await mailboxSize(stack);
    const answer = await deliver("<MsgHead><MsgInfo>");
    await stack.activity.settled();
    expect(answer).toMatchObject({ status: 200, appRecStatus: "2", codes: ["T01"] });
    expect(validateXml(answer.text, "apprec-1.1")).toEqual([]);
    expect(await mailboxSize(stack)).toBe(before);
  });

  it("rejects a message addressed to another receiver (E21) and writes nothing", async () => {
    const msgId = "2b6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f62";
    const answer = await deliver(SAMPLE.replace("76665c90-3198-11e8-b566-0800200c9a66", msgId));
    expect(answer).toMatchObject({ status: 200, appRecStatus: "2", codes: ["E21"] });
    expect(await referralOf(msgId)).toBeUndefined();
  });

  it("refuses another content type with 415, as every route does, before reading the body", async () => {
    const answer = await deliver(addressed("3c6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f63"), "application/json");
    expect(answer.status).toBe(415);
  });

  it("acts on change and cancellation messages: the content changed, then the referral withdrawn, its task link saying so and its workflow ended", async () => {
    // Prepare: the referral received, its task emailed.
    const ids = [
      "4d6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f64",
      "5e6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f65",
      "6f6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f66",
    ];
    expect((await deliver(conversationMessage(0, ids))).appRecStatus).toBe("1");
    const referralId = (await referralOf(ids[0] as string)) as string;
    const waiting = await awaitFile(stack, referralId, (f) => notifiedTaskIdOf(f) !== undefined, "the task");
    const [taskEmail] = await emailsWithTask(stack, notifiedTaskIdOf(waiting) as string);

    // Act: the change, then the cancellation.
    const change = await deliver(conversationMessage(1, ids));
    const changed = await awaitFile(
      stack,
      referralId,
      (f) => eventTypes(f).includes("referral-amended"),
      "the change",
    );
    const cancellation = await deliver(conversationMessage(2, ids));
    const again = await deliver(conversationMessage(2, ids));

    // Assess: each got its OK receipt (the same one twice), the change kept the deadline.
    expect(change).toMatchObject({ status: 200, appRecStatus: "1" });
    expect(validateXml(cancellation.text, "apprec-1.1")).toEqual([]);
    expect(cancellation).toMatchObject({ status: 200, appRecStatus: "1" });
    expect(again.text).toBe(cancellation.text);
    expect(changed.assessmentDueDate).toBe(waiting.assessmentDueDate);
    const closed = await awaitFile(stack, referralId, (f) => f.status === "closed", "the withdrawal");
    expect(eventTypes(closed).filter((type) => type === "referral-withdrawn")).toHaveLength(1);
    const execution = await eventually(async () => {
      const found = stack.stepFunctions.engine
        .listExecutions(stack.stateMachineArn)
        .find((candidate) => candidate.name === referralId);
      return found?.status === "RUNNING" ? undefined : found;
    }, "the workflow's end");
    expect(execution.status).toBe("SUCCEEDED");
    // The task email's link now says the referral was withdrawn.
    const page = await fetchAs(await signInAsAssessor(stack), taskLinkIn(taskEmail as never));
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("trukket tilbake");
  });

  it("answers a decided referral that came as a message with a Status på henvisning sent once through the EDI 2.0 stand-in, the referrer's letter attached as a PDF and the GP copied", async () => {
    // Prepare: a message naming the GP by HER-id received, its task emailed.
    const msgId = "7a6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f67";
    expect((await deliver(withGpHerId(addressed(msgId)))).appRecStatus).toBe("1");
    const referralId = (await referralOf(msgId)) as string;
    const waiting = await awaitFile(stack, referralId, (f) => notifiedTaskIdOf(f) !== undefined, "the task");
    const [taskEmail] = await emailsWithTask(stack, notifiedTaskIdOf(waiting) as string);

    // Act: the assessor refuses it on the task page.
    const decided = await postForm(
      taskLinkIn(taskEmail as never),
      {
        outcome: "refused",
        justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
        advice: "Fortsett med gradert trening; henvis på nytt ved forverring.",
      },
      await signInAsAssessor(stack),
    );

    // Assess: the answer went out once, valid, coded 4, answering the referral's MsgId.
    expect(decided.status).toBe(200);
    const file = await awaitFile(
      stack,
      referralId,
      (f) => eventTypes(f).includes("status-on-referral-sent"),
      "the Status på henvisning sent",
      // Three workflow steps after the decision, each a cold function on a busy machine.
      120_000,
    );
    const sent = (
      (await (await fetch(stack.edi.sentJsonUrl)).json()) as {
        messages: {
          refToConversation?: string;
          messageType?: string;
          xml: string;
          businessDocumentId?: string;
          copyReceiverHerIds?: string[];
        }[];
      }
    ).messages.filter((message) => message.refToConversation === msgId);
    expect(sent).toHaveLength(1);
    const [status] = sent;
    expect(status?.messageType).toBe("DIALOG_STATUS_HENVISNING");
    expect(validateXml(status?.xml ?? "", "msghead")).toEqual([]);
    expect(status?.xml).toMatch(/<TemaKodet[^>]*V="4"/);
    expect(status?.xml).toContain(`<RefToParent>${msgId}</RefToParent>`);
    // The GP is a copy receiver of that one message, which the meldingstjener delivers to the GP too.
    expect(status?.copyReceiverHerIds).toEqual([GP_HER_ID]);
    // The referrer's letter goes with it as a PDF, saying what the letter says.
    const read = readXml(status?.xml ?? "");
    const documents = read.kind === "xml" ? children(read.root, "Document") : [];
    expect(child(documents[1], "RefDoc", "MimeType")?.text).toBe("application/pdf");
    const base64 = child(documents[1], "RefDoc", "Content", "Base64Container")?.text ?? "";
    const pdf = new Uint8Array(Buffer.from(base64, "base64"));
    const { text } = await extractText(await getDocumentProxy(pdf), { mergePages: true });
    expect(text.replace(/\s+/g, " ")).toContain(
      "Begrunnelse Tilstanden kan følges opp i primærhelsetjenesten. Råd om videre oppfølging Fortsett med gradert trening; henvis på nytt ved forverring.",
    );
    expect(eventTypes(file).filter((type) => type === "status-on-referral-sent")).toHaveLength(1);
    // The stand-in's page lists it for a person to see.
    expect(await (await fetch(stack.edi.pageUrl)).text()).toContain(status?.businessDocumentId ?? "-");
  }, 180_000);

  it("reads a Henvisning dropped in the clinic's EDI 2.0 mailbox: received, answered with its AppRec, marked read, and its decision's Status på henvisning sent back, copied to the GP Fastlegeregisteret has", async () => {
    // Prepare: another party's message in the clinic's mailbox at the stand-in. It names the GP by
    // HPR number only; the Fastlegeregisteret stand-in lists the sample's (fictitious) patient.
    const msgId = "8b6c3f0e-6d2b-4d7e-9a4e-1c2b3d4e5f68";
    const registeredGpHerId = "4657988";
    stack.gpRegister.register("13116900216", registeredGpHerId);
    const dropped = await fetch(stack.edi.mailboxUrl, {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: addressed(msgId),
    });
    expect(dropped.status).toBe(201);
    const { id } = (await dropped.json()) as { id: string };

    // Act: the poller's minute passes (simulated time), then the assessor refuses the referral.
    stack.clock.advance(61_000);
    const referralId = await eventually(() => referralOf(msgId), "the referral from the mailbox", 60_000);
    const waiting = await awaitFile(
      stack,
      referralId,
      (f) => notifiedTaskIdOf(f) !== undefined,
      "the task",
      60_000,
    );
    const mailboxMessage = async () =>
      (
        (await (await fetch(stack.edi.mailboxUrl)).json()) as {
          messages: { id: string; read: boolean; appRec?: { appRecStatus: unknown } }[];
        }
      ).messages.find((message) => message.id === id);
    const answered = await eventually(
      async () => ((await mailboxMessage())?.read ? mailboxMessage() : undefined),
      "the message read",
    );
    const [taskEmail] = await emailsWithTask(stack, notifiedTaskIdOf(waiting) as string);
    await postForm(
      taskLinkIn(taskEmail as never),
      {
        outcome: "refused",
        justification: "Tilstanden kan følges opp i primærhelsetjenesten.",
        advice: "Fortsett med gradert trening; henvis på nytt ved forverring.",
      },
      await signInAsAssessor(stack),
    );

    // Assess: the AppRec OK went back through the API, and the answer after the decision.
    expect(answered?.appRec?.appRecStatus).toBe("Ok");
    const file = await awaitFile(
      stack,
      referralId,
      (f) => eventTypes(f).includes("status-on-referral-sent"),
      "the Status på henvisning sent",
      120_000,
    );
    const sent = (
      (await (await fetch(stack.edi.sentJsonUrl)).json()) as {
        messages: { refToConversation?: string; copyReceiverHerIds?: string[] }[];
      }
    ).messages.filter((message) => message.refToConversation === msgId);
    expect(sent).toHaveLength(1);
    // The GP the register has for the patient is the copy receiver, looked up once.
    expect(sent[0]?.copyReceiverHerIds).toEqual([registeredGpHerId]);
    expect(eventTypes(file).filter((type) => type === "gp-looked-up")).toHaveLength(1);
  }, 240_000);
});
