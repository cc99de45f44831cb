/**
 * A Henvisning's attachment on the local stack, end to end: delivered with the message (POST
 * /messages, signed as a portal signs), stored in the S3 stand-in through the IAM gateway under the
 * receiving function's policy, listed on the task page after sign-in, served byte for byte with the
 * headers of a download, and recorded in the access log; a second delivery writes nothing new, and
 * without a session no byte is served.
 */
import { readFileSync } from "node:fs";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { readXml } from "../../functions/adapters/xml";
import { S3_LOCAL_CREDENTIALS } from "../../lib/local/emulators/s3-local";
import type { LocalStack } from "../../lib/local/local-stack";
import { readBucketNames } from "../../lib/local/template";
import { pdfBytes, sampleWithAttachments, withAttachments } from "../support/attachments";
import { awaitFile, emailsWithTask, lead, notifiedTaskIdOf, signInAsAssessor } from "../support/e2e";
import { fetchAs, signIn, taskLinkIn } from "../support/http";
import { PORTAL_A, signedFetch } from "../support/portal";
import { sharedLocalStack } from "../support/shared-stack";

const clinic = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")).context[
  "frist:clinic"
];
const MSG_ID = "7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const PDF = pdfBytes("attachment end to end");

let stack: LocalStack;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  stack = await sharedLocalStack();
  // The stand-in itself (not through the gateway): what is stored, as an operator would list it.
  s3 = new S3Client({
    endpoint: stack.s3Endpoint,
    region: stack.region,
    credentials: S3_LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  bucket = readBucketNames(stack.template)[0] as string;
});

const message = sampleWithAttachments(
  [{ mimeType: "application/pdf", description: "Epikrise fra ortoped", content: PDF }],
  { msgId: MSG_ID, organisationHerId: clinic.organisationHerId, serviceHerId: clinic.serviceHerId },
);

/**
 * The public referral without attachments (Henvisning ny tilstand, uten rettighetsvurdering) or its
 * change, addressed to the clinic of cdk.json; the change names the referral by its MsgId.
 */
const conversation = (step: "Ny" | "Endring") =>
  readFileSync(
    new URL(
      `../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Uten_rettighetsvurdering_${step}.xml`,
      import.meta.url,
    ),
    "utf8",
  )
    .replace("<Id>111557</Id>", `<Id>${clinic.organisationHerId}</Id>`)
    .replace("<Id>999999</Id>", `<Id>${clinic.serviceHerId}</Id>`);
const REPORT = pdfBytes("updated report end to end");

async function deliver(body = message): Promise<{ status: number; appRecStatus: string | undefined }> {
  const response = await signedFetch(`${stack.apiUrl}/messages`, PORTAL_A, {
    method: "POST",
    body,
    headers: { "content-type": "application/xml" },
  });
  const read = readXml(await response.text());
  const root = read.kind === "xml" ? read.root : undefined;
  return { status: response.status, appRecStatus: root?.children.find((c) => c.name === "Status")?.attrs.V };
}

async function storedKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((object) => object.Key as string).sort();
}

describe("a Henvisning's attachment on the local stack", () => {
  it("is stored once, listed on the task page after sign-in, served byte for byte as a download, and its read access-logged", async () => {
    // Act: delivered twice (a sender's retry), then opened by an assessor from the task email.
    const first = await deliver();
    const second = await deliver();
    expect([first, second]).toEqual([
      { status: 200, appRecStatus: "1" },
      { status: 200, appRecStatus: "1" },
    ]);
    const keys = await storedKeys();
    expect(keys).toHaveLength(1);
    const referralId = /^referrals\/([^/]+)\/attachments\/1$/.exec(keys[0] as string)?.[1] as string;
    expect(referralId).toBeDefined();
    const file = await awaitFile(
      stack,
      referralId,
      (f) => notifiedTaskIdOf(f) !== undefined,
      "the task email",
    );
    const [taskEmail] = await emailsWithTask(stack, notifiedTaskIdOf(file) as string);
    const taskLink = taskLinkIn(taskEmail as NonNullable<typeof taskEmail>);
    const attachmentLink = `${taskLink}/attachments/1`;

    const anonymous = await fetch(attachmentLink, { redirect: "manual" });
    const session = await signInAsAssessor(stack);
    const page = await fetchAs(session, taskLink);
    const pageHtml = await page.text();
    const download = await fetchAs(session, attachmentLink);
    const bytes = new Uint8Array(await download.arrayBuffer());
    const missing = await fetchAs(session, `${taskLink}/attachments/2`);

    // Assess: one object (the second delivery wrote nothing new), the same bytes S3 holds.
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }));
    expect(
      Buffer.from(
        await (stored.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(Buffer.from(PDF)),
    ).toBe(true);
    // No session: sent to sign in, and not a byte of the file.
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toContain("/auth/login");
    expect(Buffer.from(await anonymous.arrayBuffer()).includes(Buffer.from("%PDF"))).toBe(false);
    // The page lists it by its description, linked relative to the task.
    expect(page.status).toBe(200);
    expect(pageHtml).toContain("Vedlegg");
    expect(pageHtml).toMatch(/<a href="[^"]+\/attachments\/1">Epikrise fra ortoped<\/a> \(PDF, 1 kB\)/);
    // The download: the very bytes, as a file that is neither cached nor sniffed.
    expect(download.status).toBe(200);
    expect(Buffer.from(bytes).equals(Buffer.from(PDF))).toBe(true);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(download.headers.get("content-disposition")).toBe(
      'attachment; filename="Epikrise-fra-ortoped.pdf"',
    );
    expect(download.headers.get("cache-control")).toBe("no-store");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(missing.status).toBe(404);
    // The read is in the referral's access log: who, which role, what.
    const leadSession = await signIn(stack, lead);
    const accessLog = (await (
      await fetchAs(leadSession, `${stack.apiUrl}/access-log/${referralId}`, {
        headers: { accept: "application/json" },
      })
    ).json()) as { events: { role: string; what: string; outcome: string }[] };
    expect(accessLog.events).toContainEqual(
      expect.objectContaining({ role: "assessor", what: "task-attachment 1", outcome: "viewed" }),
    );
    // Every call went through the IAM gateway under the caller's own policy: none refused.
    expect(await stack.iam.refusals()).toEqual([]);
  });

  it("of a change is added to the referral it names, listed on its task page after sign-in and served as a download", async () => {
    // Prepare: the referral (no attachment), its task emailed.
    const before = await storedKeys();
    expect(await deliver(conversation("Ny"))).toEqual({ status: 200, appRecStatus: "1" });

    // Act: the change with an updated report.
    const change = withAttachments(conversation("Endring"), [
      { mimeType: "application/pdf", description: "Oppdatert rapport", content: REPORT },
    ]);
    const answer = await deliver(change);

    // Assess: one new object, under the referral the change named, listed and served.
    expect(answer).toEqual({ status: 200, appRecStatus: "1" });
    const added = (await storedKeys()).filter((k) => !before.includes(k));
    expect(added).toHaveLength(1);
    const referralId = /^referrals\/([^/]+)\/attachments\/1$/.exec(added[0] as string)?.[1] as string;
    expect(referralId).toBeDefined();
    const file = await awaitFile(
      stack,
      referralId,
      (f) => notifiedTaskIdOf(f) !== undefined,
      "the task email",
    );
    const [taskEmail] = await emailsWithTask(stack, notifiedTaskIdOf(file) as string);
    const taskLink = taskLinkIn(taskEmail as NonNullable<typeof taskEmail>);
    const session = await signInAsAssessor(stack);
    const pageHtml = await (await fetchAs(session, taskLink)).text();
    const download = await fetchAs(session, `${taskLink}/attachments/1`);
    expect(pageHtml).toMatch(/<a href="[^"]+\/attachments\/1">Oppdatert rapport<\/a>/);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(REPORT))).toBe(true);
    expect(await stack.iam.refusals()).toEqual([]);
  });
});
