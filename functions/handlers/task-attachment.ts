/**
 * GET /tasks/{taskId}/attachments/{n}: one of the referral's attachments (pdf, jpg, png), for a
 * signed-in assessor or lead who may open the task; each read is recorded in the referral's access
 * log before a byte is served. The file is answered as a download, never cached, never sniffed.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { apiRoute, html } from "../adapters/http";
import { accessLog, attachments, calendar, clock, dependencies, store } from "../adapters/root";
import { accessEventOf } from "../domain/access-log";
import { viewTask } from "../domain/assessment-answer";
import { type AttachmentRecord, attachmentFileName } from "../domain/attachments";
import { renderMessagePage, renderTaskGonePage } from "../views/message-pages";
import { referralOfTask } from "./task-page-view";

const deps = dependencies(store, clock, calendar, accessLog, attachments);

/** What a read of an attachment is called in the access log. */
export const TASK_ATTACHMENT_VIEW = "task-attachment";

const notThere = (): APIGatewayProxyResult =>
  html(
    404,
    renderMessagePage({
      title: "Vedlegget finnes ikke",
      paragraphs: ["Henvisningen har ikke noe vedlegg med dette nummeret. Gå tilbake til oppgaven."],
    }),
  );

/** The file as a download: its type, a safe file name, no caching, no sniffing (API Gateway decodes the base64). */
function fileAnswer(attachment: AttachmentRecord, content: Uint8Array): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: {
      "content-type": attachment.mimeType,
      "content-disposition": `attachment; filename="${attachmentFileName(attachment)}"`,
      "content-length": String(content.length),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "referrer-policy": "no-referrer",
    },
    isBase64Encoded: true,
    body: Buffer.from(content).toString("base64"),
  };
}

export const handler = apiRoute(
  {
    name: "task-attachment",
    page: true,
    access: {
      roles: ["assessor", "lead"],
      referralOf: (event) => referralOfTask(deps.store, event.pathParameters?.taskId),
    },
  },
  async ({ event, session }) => {
    const view = await viewTask(deps, event.pathParameters?.taskId ?? "");
    if (view.kind === "unknown") return html(404, renderTaskGonePage({ reason: "unknown" }));
    if (view.kind === "gone") return html(410, renderTaskGonePage({ reason: view.reason }));
    const n = event.pathParameters?.n ?? "";
    const attachment = /^[1-9][0-9]{0,2}$/.test(n)
      ? view.referral.attachments?.find((candidate) => candidate.n === Number(n))
      : undefined;
    if (!attachment) return notThere();
    const principal = session?.principal;
    if (principal?.kind !== "staff") throw new Error("a staff route without a staff session");
    // Logged before the read: a file served is a read of the patient's record.
    await deps.accessLog.record(
      accessEventOf(principal, {
        referralId: view.referral.referralId,
        what: `${TASK_ATTACHMENT_VIEW} ${attachment.n}`,
        at: deps.clock.now(),
      }),
    );
    const content = await deps.attachments.get(attachment.key);
    // Described on the referral but not (yet) stored: the delivery that stores it is being retried.
    if (!content) return notThere();
    return fileAnswer(attachment, content);
  },
);
