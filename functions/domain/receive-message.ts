/**
 * Receiving a message as Norwegian record systems send it (POST /messages; the EDI 2.0 mailbox
 * later): read and validate it, turn a Henvisning into Frist's referral through the same
 * receiveReferral as POST /referrals (the same checks, deadline, workflow and task email), and answer
 * with exactly one AppRec: OK, or rejected with the standard's error codes. Nothing is written for a
 * rejected message; the MsgId is the idempotency key, so a message delivered twice makes one referral
 * and gets the same receipt.
 */
import { createHash } from "node:crypto";
import { type AppRec, type AppRecError, type AppRecParty, appRecIdFor } from "./apprec";
import { attachmentKey, describedAttachments, type ReceivedAttachment } from "./attachments";
import type { ClinicConfig } from "./clinic";
import {
  type ClinicAddress,
  ENVELOPE_TYPES,
  envelopeHeader,
  type HenvisningReading,
  type MessageHeader,
  messageHeader,
  originalOf,
  readHenvisning1x,
  readHenvisning20,
} from "./henvisning";
import type { AttachmentStore } from "./ports";
import { MESSAGE_ID_SCOPE, type ReceiveDeps, receiveReferral } from "./receive-referral";
import { applyReferralMessageChange, type MessageChangeDeps } from "./referral-message-changes";
import type { Issue } from "./validation";
import { child, children, type ReadXml, type XmlTree } from "./xml-tree";

/** The Henvisning 2.0 namespace: the only payload Frist takes in a MsgHead envelope. */
const HENVISNING_20 = "http://ehelse.no/xmlstds/henvisning/2017-11-30";

export interface ReceiveMessageDeps extends ReceiveDeps {
  /** Receiving's ports, and the tasks a change or cancellation looks at (see MessageChangeDeps). */
  store: MessageChangeDeps["store"];
  /** Reads and validates the text (the XML adapter). */
  readXml: (text: string) => ReadXml;
  /** Who the clinic is: the receipt's sender, and the HER-ids a message must be addressed to. */
  clinic: Pick<ClinicConfig["clinic"], "name" | "department"> & ClinicAddress;
  /** Where a referral's attachments are stored (S3). */
  attachments: AttachmentStore;
}

export interface MessageRequest {
  /** The message as received, as text. */
  text: string;
  /** The calling portal (IAM principal) that delivered it: it owns the referral, as with POST /referrals. */
  portal: string;
}

/** The receipt, and what became of the message (for the log line; the receipt says it to the sender). */
export interface MessageReceipt {
  appRec: AppRec;
  outcome: "accepted" | "replayed" | "rejected";
  referralId?: string;
  /** The error codes of a rejection. */
  codes?: string[];
}

const UNREADABLE_HEADER: MessageHeader = {
  type: { V: "UKJENT", DN: "Ukjent melding" },
  sender: {},
  receiver: {},
};

/** Handles one received message; see the file comment. Never throws for what the message holds. */
export async function receiveMessage(
  deps: ReceiveMessageDeps,
  request: MessageRequest,
): Promise<MessageReceipt> {
  const read = deps.readXml(request.text);
  if (read.kind === "not-xml") return reject(deps, request, UNREADABLE_HEADER, [{ code: "T01" }]);
  if (read.kind === "too-complex") {
    return reject(deps, request, UNREADABLE_HEADER, [
      { code: "T99", detail: `Meldingen har mer enn ${read.limit} elementer; en henvisning har langt færre` },
    ]);
  }

  const reading = readingOf(read, deps.clinic);
  if ("errors" in reading) return reject(deps, request, reading.header, reading.errors);

  const msgId = reading.header.msgId?.toLowerCase() ?? "";
  // A change's or cancellation's attachments are added to the referral it names (referral-message-changes.ts).
  if (reading.servType !== "N") return receiveChange(deps, request, reading, msgId);
  const { attachments } = reading;
  const result = await receiveReferral(deps, {
    idempotencyKey: msgId,
    idempotencyScope: MESSAGE_ID_SCOPE,
    portal: request.portal,
    body: reading.submission,
    diagnosesOptional: reading.header.type.V === "HENVISNING_VIDERE",
    message: {
      msgId: reading.header.msgId ?? msgId,
      type: reading.header.type.V,
      sender: reading.header.sender,
      ...(reading.documentId ? { documentId: reading.documentId } : {}),
    },
    ...(attachments.length > 0
      ? {
          attachments: describedAttachments(attachments),
          storeAttachments: (referralId: string) =>
            storeAttachments(deps.attachments, referralId, attachments),
        }
      : {}),
  });
  switch (result.outcome) {
    case "invalid":
      return reject(deps, request, reading.header, result.issues.map(errorOfIssue));
    case "conflict":
      return reject(deps, request, reading.header, [
        { code: "E10", detail: "MsgId er brukt før, for en annen melding" },
      ]);
    default: {
      const appRec = okAppRec(deps, reading.header, msgId, result.receipt.receivedAt);
      return { appRec, outcome: result.outcome, referralId: result.receipt.referralId };
    }
  }
}

/** Each attachment's content under the referral's id, one after the other (a message has few). */
async function storeAttachments(
  store: AttachmentStore,
  referralId: string,
  attachments: readonly ReceivedAttachment[],
): Promise<void> {
  for (const attachment of attachments) {
    await store.putIfAbsent(attachmentKey(referralId, attachment.n), attachment.content, attachment.mimeType);
  }
}

/** A change or cancellation (ServType M or C, Henvisning 2.0 or 1.x): acts on the referral it names. */
async function receiveChange(
  deps: ReceiveMessageDeps,
  request: MessageRequest,
  reading: Reading,
  msgId: string,
): Promise<MessageReceipt> {
  const result = await applyReferralMessageChange(
    deps,
    {
      kind: reading.servType === "C" ? "withdraw" : "amend",
      msgId,
      conversationRefs: reading.conversationRefs,
      ...(reading.documentId ? { documentId: reading.documentId } : {}),
      ...(reading.header.sender.herId ? { senderHerId: reading.header.sender.herId } : {}),
      portal: request.portal,
      submission: reading.submission,
      diagnosesOptional: reading.header.type.V === "HENVISNING_VIDERE",
      attachments: reading.attachments,
    },
    errorOfIssue,
  );
  if (result.outcome === "rejected") return reject(deps, request, reading.header, result.errors);
  const appRec = okAppRec(deps, reading.header, msgId, result.at);
  return { appRec, outcome: result.outcome, referralId: result.referralId };
}

/** The OK receipt: the same for a duplicate (its id from the MsgId, its time the first receipt's). */
function okAppRec(deps: ReceiveMessageDeps, header: MessageHeader, msgId: string, at: string): AppRec {
  return {
    id: appRecIdFor(`ok:${msgId}`),
    genDate: at,
    status: "ok",
    errors: [],
    sender: clinicParty(deps.clinic),
    receiver: header.sender,
    original: originalOf(header, at),
  };
}

/** A message read as a referral, a change or a cancellation. */
type Reading = Omit<Extract<HenvisningReading, { ok: true }>, "ok">;

/** The header and submission of a well-formed document, or the errors that reject it, in the standard's order. */
function readingOf(
  read: Extract<ReadXml, { kind: "xml" }>,
  clinic: ClinicAddress,
): Reading | { header: MessageHeader; errors: AppRecError[] } {
  const { root } = read;
  switch (read.schema) {
    case "msghead": {
      const header = envelopeHeader(root);
      // Another message type or payload is one Frist does not take (T10), whether or not it validates:
      // MsgHead validates its payload strictly, against schemas Frist does not hold.
      if (!isHenvisningEnvelope(root, header)) {
        return {
          header,
          errors: [
            {
              code: "T10",
              detail: "Frist tar imot Henvisning 2.0 (HENVISNING_NYTILSTAND, HENVISNING_VIDERE)",
            },
          ],
        };
      }
      if (read.problems.length > 0) return { header, errors: [schemaError(read.problems)] };
      return withoutOk(readHenvisning20(root, clinic));
    }
    case "henvisning-1.1":
    case "henvisning-1.0": {
      const header = messageHeader(root);
      if (read.problems.length > 0) return { header, errors: [schemaError(read.problems)] };
      return withoutOk(readHenvisning1x(root, clinic));
    }
    default:
      return {
        header: UNREADABLE_HEADER,
        errors: [
          { code: "T10", detail: "Frist tar imot Henvisning 2.0 i MsgHead 1.2, og Henvisning 1.1 og 1.0" },
        ],
      };
  }
}

function withoutOk(reading: HenvisningReading): Reading | { header: MessageHeader; errors: AppRecError[] } {
  if (!reading.ok) return reading;
  const { ok: _ok, ...read } = reading;
  return read;
}

function isHenvisningEnvelope(root: XmlTree, header: MessageHeader): boolean {
  const content = child(children(root, "Document")[0], "RefDoc", "Content");
  const payload = content?.children[0];
  return (
    ENVELOPE_TYPES.includes(header.type.V as never) &&
    payload?.name === "Henvisning" &&
    payload.ns === HENVISNING_20
  );
}

/** T02 with where the schema was broken (lines and elements, never values), within an OT's reasonable length. */
function schemaError(problems: string[]): AppRecError {
  return { code: "T02", detail: problems.join("; ").slice(0, 500) };
}

/** The AppRec error for a problem the referral schema found (its messages name rules, never values). */
export function errorOfIssue(issue: Issue): AppRecError {
  if (issue.path === "patient.nationalId") return { code: "E31", detail: issue.message };
  if (issue.path === "patient.name") return { code: "E32" };
  if (issue.path === "diagnoses") {
    return {
      code: "X99",
      detail: "Henvisningen mangler diagnose i ICPC-2 (kodeverk 7170) eller ICD-10 (kodeverk 7110)",
    };
  }
  const detail = `${issue.path}: ${issue.message}`;
  return issue.path.startsWith("patient.") ? { code: "E36", detail } : { code: "X99", detail };
}

function clinicParty(clinic: ReceiveMessageDeps["clinic"]): AppRecParty {
  return {
    name: clinic.name,
    ...(clinic.organisationHerId ? { herId: clinic.organisationHerId } : {}),
    unit: {
      kind: "department",
      name: clinic.department,
      ...(clinic.serviceHerId ? { herId: clinic.serviceHerId } : {}),
    },
  };
}

function reject(
  deps: ReceiveMessageDeps,
  request: MessageRequest,
  header: MessageHeader,
  errors: AppRecError[],
): MessageReceipt {
  const now = deps.clock.now().toISOString();
  // The same rejected message (byte for byte) gets a receipt with the same id.
  const basis = `rejected:${createHash("sha256").update(request.text).digest("hex")}`;
  const appRec: AppRec = {
    id: appRecIdFor(basis),
    genDate: now,
    status: "rejected",
    errors,
    sender: clinicParty(deps.clinic),
    receiver: header.sender,
    original: originalOf(header, now),
  };
  return { appRec, outcome: "rejected", codes: errors.map((error) => error.code) };
}
