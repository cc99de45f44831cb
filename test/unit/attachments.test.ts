/**
 * A Henvisning's attachments: pdf, jpg and png read from the message and stored beside the referral
 * (under its id and the attachment's number, once), anything else answered with a negative AppRec
 * naming the attachment (HITS 1168: an unsupported attachment format is rejected, never dropped).
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readXml, validateXml } from "../../functions/adapters/xml";
import {
  attachmentFileName,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  readAttachments,
} from "../../functions/domain/attachments";
import { legalClockConfigSchema } from "../../functions/domain/clinic";
import { AttachmentsUnavailable } from "../../functions/domain/errors";
import { type ReceiveMessageDeps, receiveMessage } from "../../functions/domain/receive-message";
import { renderAppRec } from "../../functions/views/apprec";
import {
  attachmentDocument,
  jpegBytes,
  type MessageAttachment,
  pdfBytes,
  pngBytes,
  sampleWithAttachments,
} from "../support/attachments";
import { FakeClock, FakeWorkflow, InMemoryAttachmentStore, InMemoryReferralStore } from "../support/fakes";

const PORTAL = "arn:aws:iam::123456789012:user/edi-gateway";
const MSG_ID = "0b6a43c6-8f1e-4a57-9d2c-2f1c3f3a9e01";

function setUp() {
  const store = new InMemoryReferralStore();
  const workflow = new FakeWorkflow();
  const attachments = new InMemoryAttachmentStore();
  let n = 0;
  const deps: ReceiveMessageDeps = {
    store,
    workflow,
    clock: new FakeClock(new Date("2026-03-02T08:00:00.000Z")),
    newReferralId: () => `ref-${++n}`,
    legalClock: legalClockConfigSchema.parse({}),
    readXml,
    attachments,
    // The sample's receiver.
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig",
      organisationHerId: "59",
      serviceHerId: "90998",
    },
  };
  return { deps, store, workflow, attachments };
}

/** The RefDocs of attachments as the XML adapter reads them. */
function refDocsOf(attachments: readonly MessageAttachment[]) {
  const read = readXml(
    `<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">${attachments
      .map(attachmentDocument)
      .join("")}</MsgHead>`,
  );
  if (read.kind !== "xml") throw new Error("not XML");
  return read.root.children.map((document) => document.children[0]);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("reading a message's attachments", () => {
  it("reads a PDF, a JPEG and a PNG, each with its number, description, type, size and checksum", () => {
    const files = [pdfBytes(), jpegBytes(), pngBytes()];
    const read = readAttachments(
      refDocsOf([
        { mimeType: "application/pdf", description: "Epikrise", content: files[0] },
        { mimeType: "image/jpeg", description: "Bilde", content: files[1] },
        { mimeType: "IMAGE/PNG", content: files[2] },
      ]),
    );

    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.attachments.map(({ content: _content, ...description }) => description)).toEqual([
      {
        n: 1,
        name: "Epikrise",
        mimeType: "application/pdf",
        size: files[0]?.length,
        sha256: sha256(files[0] as Uint8Array),
      },
      {
        n: 2,
        name: "Bilde",
        mimeType: "image/jpeg",
        size: files[1]?.length,
        sha256: sha256(files[1] as Uint8Array),
      },
      {
        n: 3,
        name: "Vedlegg 3",
        mimeType: "image/png",
        size: files[2]?.length,
        sha256: sha256(files[2] as Uint8Array),
      },
    ]);
    expect(read.attachments.map((attachment) => Buffer.from(attachment.content))).toEqual(
      files.map((file) => Buffer.from(file)),
    );
  });

  it("decodes any PDF's content byte for byte, whatever the line breaks in its base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 120 }), (rest, width) => {
        const content = new Uint8Array([...pdfBytes().subarray(0, 8), ...rest]);
        const base64 = (
          Buffer.from(content)
            .toString("base64")
            .match(new RegExp(`.{1,${width}}`, "g")) ?? []
        ).join("\n");
        const read = readAttachments(refDocsOf([{ mimeType: "application/pdf", base64 }]));
        expect(read.ok && Buffer.from(read.attachments[0]?.content ?? []).equals(Buffer.from(content))).toBe(
          true,
        );
        expect(read.ok && read.attachments[0]?.sha256).toBe(sha256(content));
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ["another type", { mimeType: "application/msword" }, "X99", "Vedlegg 1: typen tas ikke imot"],
    ["no type", {}, "X99", "Vedlegg 1: MimeType mangler"],
    [
      "a file elsewhere",
      { mimeType: "application/pdf", extra: "<FileReference>https://epj.example/1</FileReference>" },
      "X99",
      "en referanse til en fil utenfor meldingen",
    ],
    [
      "compressed content",
      { mimeType: "application/pdf", extra: '<Compression V="DF"/>' },
      "X99",
      "komprimert",
    ],
    [
      "content that is not base64",
      { mimeType: "application/pdf", base64: "JVBER!!" },
      "T02",
      "ikke gyldig base64",
    ],
    ["a PNG said to be a PDF", { mimeType: "application/pdf", content: pngBytes() }, "X99", "ikke PDF"],
    ["a PDF said to be a JPEG", { mimeType: "image/jpeg", content: pdfBytes() }, "X99", "ikke JPEG"],
    ["empty content", { mimeType: "image/png", base64: "" }, "X99", "innholdet mangler"],
  ] as const)(
    "rejects %s with its code, naming the attachment by number",
    (_what, attachment, code, detail) => {
      const read = readAttachments(refDocsOf([attachment as MessageAttachment]));
      expect(read).toEqual({ ok: false, errors: [{ code, detail: expect.stringContaining(detail) }] });
    },
  );

  it("rejects an attachment larger than the limit, and more attachments than the limit", () => {
    const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 1);
    big.set(pdfBytes().subarray(0, 5));
    expect(readAttachments(refDocsOf([{ mimeType: "application/pdf", content: big }]))).toEqual({
      ok: false,
      errors: [{ code: "X99", detail: "Vedlegg 1: større enn 3 MiB" }],
    });
    const many = Array.from({ length: MAX_ATTACHMENTS + 1 }, () => ({
      mimeType: "image/png",
      content: pngBytes(),
    }));
    expect(readAttachments(refDocsOf(many))).toMatchObject({ ok: false, errors: [{ code: "X99" }] });
  });

  it("names the download after the description, in letters a header can carry", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom("application/pdf", "image/jpeg", "image/png" as const),
        (name, mimeType) => {
          const file = attachmentFileName({ n: 2, name, mimeType });
          expect(file).toMatch(/^[A-Za-z0-9-]{1,60}\.(pdf|jpg|png)$/);
        },
      ),
    );
    expect(
      attachmentFileName({ n: 1, name: "Røntgen av kne, høyre side", mimeType: "application/pdf" }),
    ).toBe("Rontgen-av-kne-hoyre-side.pdf");
  });
});

describe("receiving a Henvisning with attachments", () => {
  it("stores each attachment under the referral's id and records what describes it, not its content", async () => {
    // Prepare
    const { deps, store, attachments, workflow } = setUp();
    const pdf = pdfBytes();
    const text = sampleWithAttachments(
      [
        { mimeType: "application/pdf", description: "Epikrise", content: pdf },
        { mimeType: "image/png", content: pngBytes() },
      ],
      { msgId: MSG_ID },
    );
    expect(readXml(text)).toMatchObject({ kind: "xml", problems: [] });

    // Act
    const receipt = await receiveMessage(deps, { text, portal: PORTAL });

    // Assess
    expect(receipt.outcome).toBe("accepted");
    expect(validateXml(renderAppRec(receipt.appRec), "apprec-1.1")).toEqual([]);
    const referral = store.referrals.get("ref-1");
    expect(referral?.attachments).toEqual([
      {
        n: 1,
        name: "Epikrise",
        mimeType: "application/pdf",
        size: pdf.length,
        sha256: sha256(pdf),
        key: "referrals/ref-1/attachments/1",
      },
      expect.objectContaining({
        n: 2,
        name: "Vedlegg 2",
        mimeType: "image/png",
        key: "referrals/ref-1/attachments/2",
      }),
    ]);
    expect(JSON.stringify(referral)).not.toContain(Buffer.from(pdf).toString("base64").slice(0, 40));
    expect(
      Buffer.from(attachments.objects.get("referrals/ref-1/attachments/1")?.content ?? []).equals(
        Buffer.from(pdf),
      ),
    ).toBe(true);
    expect(workflow.started).toEqual(["ref-1"]);
  });

  it("makes one referral and one object per attachment when the same message comes twice", async () => {
    const { deps, store, attachments } = setUp();
    const text = sampleWithAttachments([{ mimeType: "application/pdf", content: pdfBytes() }], {
      msgId: MSG_ID,
    });

    const first = await receiveMessage(deps, { text, portal: PORTAL });
    const second = await receiveMessage(deps, { text, portal: PORTAL });

    expect([first.outcome, second.outcome]).toEqual(["accepted", "replayed"]);
    expect(renderAppRec(second.appRec)).toBe(renderAppRec(first.appRec));
    expect(store.referrals.size).toBe(1);
    expect([...attachments.objects.keys()]).toEqual(["referrals/ref-1/attachments/1"]);
  });

  it("rejects the same MsgId with another attachment (E10) and stores nothing of it", async () => {
    const { deps, store, attachments } = setUp();
    await receiveMessage(deps, {
      text: sampleWithAttachments([{ mimeType: "application/pdf", content: pdfBytes("one") }], {
        msgId: MSG_ID,
      }),
      portal: PORTAL,
    });

    const other = await receiveMessage(deps, {
      text: sampleWithAttachments([{ mimeType: "application/pdf", content: pdfBytes("two") }], {
        msgId: MSG_ID,
      }),
      portal: PORTAL,
    });

    expect(other.codes).toEqual(["E10"]);
    expect(store.referrals.size).toBe(1);
    expect(
      Buffer.from(attachments.objects.get("referrals/ref-1/attachments/1")?.content ?? []).toString("latin1"),
    ).toContain("one");
  });

  it("rejects a message with an attachment of another type (X99) and writes nothing", async () => {
    const { deps, store, attachments, workflow } = setUp();
    const text = sampleWithAttachments(
      [
        { mimeType: "application/pdf", content: pdfBytes() },
        { mimeType: "application/msword", base64: "0M8R4KGxGuE=" },
      ],
      { msgId: MSG_ID },
    );

    const receipt = await receiveMessage(deps, { text, portal: PORTAL });

    expect(receipt.appRec.status).toBe("rejected");
    expect(receipt.appRec.errors).toEqual([
      { code: "X99", detail: expect.stringMatching(/^Vedlegg 2: typen tas ikke imot/) },
    ]);
    expect(validateXml(renderAppRec(receipt.appRec), "apprec-1.1")).toEqual([]);
    expect(store.referrals.size + store.idempotency.size + attachments.objects.size).toBe(0);
    expect(workflow.started).toEqual([]);
  });

  it("starts no workflow while the attachment store is down, and the sender's retry finishes the referral", async () => {
    // Prepare
    const { deps, store, attachments, workflow } = setUp();
    const text = sampleWithAttachments([{ mimeType: "image/jpeg", content: jpegBytes() }], { msgId: MSG_ID });
    attachments.failing = true;

    // Act: the first delivery fails (the handler answers 503), the retry after the outage is taken.
    await expect(receiveMessage(deps, { text, portal: PORTAL })).rejects.toBeInstanceOf(
      AttachmentsUnavailable,
    );
    expect(workflow.started).toEqual([]);
    attachments.failing = false;
    const retry = await receiveMessage(deps, { text, portal: PORTAL });

    // Assess
    expect(retry.outcome).toBe("replayed");
    expect(store.referrals.size).toBe(1);
    expect([...attachments.objects.keys()]).toEqual(["referrals/ref-1/attachments/1"]);
    expect(workflow.started).toEqual(["ref-1"]);
  });
});
