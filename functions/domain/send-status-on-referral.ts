/**
 * SendStatusOnReferral: once a referral that came as a Henvisning message is decided, its answer goes
 * back to the sender as a Status på henvisning (statusOnReferral), validated against MsgHead 1.2 and
 * Dialogmelding 1.1 before it leaves, and sent once through the outbound port (EDI 2.0), with an
 * audit event. Its MsgId is made from the referral and the message's content: a retried step finds
 * its own claim and sends nothing more, and an answer whose content changed is a new message.
 *
 * The referrer's letter goes with it as a PDF, drawn from the same letter the referrer reads on the
 * letter page; the patient's GP, when another than the referrer and addressable, is a copy receiver
 * of this one message (status-pa-henvisning.ts), so a retry can no more send the GP a second copy
 * than it can send the referrer a second answer. A GP named without a HER-id is looked up in
 * Fastlegeregisteret once, and what it answered is kept in the audit trail ("gp-looked-up"): a retry
 * uses that answer, so the message (and its MsgId) stays the same.
 */
import { createHash } from "node:crypto";
import { appRecIdFor } from "./apprec";
import { mustGetReferral, workflowActor } from "./assessment";
import type { ClinicConfig } from "./clinic";
import { decisionLetterInputOf } from "./dispatch";
import { MessageInFlight, OutgoingMessageInvalid } from "./errors";
import type { Clock, GpRegister, OutboundMessages, ReferralStore, RegisteredGp } from "./ports";
import type { OutgoingMessageRecord, ReferralRecord } from "./records";
import type { DecisionLetterInput } from "./rendering";
import { claimSend, recordSend, withNewClaim } from "./send-once";
import { needsGpLookup, type StatusOnReferral, statusOnReferral } from "./status-pa-henvisning";

export interface SendStatusDeps {
  store: ReferralStore;
  clock: Clock;
  config: ClinicConfig;
  outbound: OutboundMessages;
  /** Renders the status as its MsgHead XML (views/status-pa-henvisning.ts). */
  render: (status: StatusOnReferral) => string;
  /** The letter as a PDF (views/letter-pdf.ts), from the same letter view as its page. */
  letterPdf: (input: DecisionLetterInput) => Promise<Uint8Array>;
  /** The schema's complaints about a document (none: valid); the XML adapter's MsgHead validator. */
  validate: (xml: string) => string[];
  /** Fastlegeregisteret, for a GP the referral names without a HER-id. */
  gpRegister: GpRegister;
}

/**
 * The GP Fastlegeregisteret has for the patient, when the copy needs it: asked once, its answer (a
 * GP or none) appended to the audit trail, and read from there by a retry.
 */
async function registeredGpOf(
  deps: SendStatusDeps,
  referral: ReferralRecord,
): Promise<RegisteredGp | undefined> {
  if (!needsGpLookup(referral) || !referral.decision) return undefined;
  // The events only when the register is needed: most referrals never read more than their item.
  const history = await deps.store.getReferralHistory(referral.referralId);
  const earlier = history?.events.find((event) => event.type === "gp-looked-up");
  if (earlier) {
    const herId = earlier.details?.gpHerId;
    return typeof herId === "string" ? { herId } : undefined;
  }
  const gp = await deps.gpRegister.gpOf(referral.submission.patient.nationalId);
  await deps.store.appendEvent(referral.referralId, {
    type: "gp-looked-up",
    at: deps.clock.now().toISOString(),
    actor: workflowActor("SendStatusOnReferral"),
    // The GP's HER-id is the address of a GP in Adresseregisteret; nothing of the patient.
    details: {
      register: "fastlegeregisteret",
      found: gp !== undefined,
      ...(gp ? { gpHerId: gp.herId } : {}),
    },
  });
  return gp;
}

/** What the step did: sent (now or before), or nothing to send (not a message's referral, or not decided). */
export interface SendStatusResult {
  referralId: string;
  sent: boolean;
  msgId?: string;
}

/** See the file comment. */
export async function sendStatusOnReferral(
  deps: SendStatusDeps,
  referralId: string,
): Promise<SendStatusResult> {
  const referral = await mustGetReferral(deps.store, referralId);
  const registeredGp = await registeredGpOf(deps, referral);
  const now = deps.clock.now();
  const draft = statusOnReferral(referral, deps.config, { msgId: "", at: now }, registeredGp);
  if (!draft) return { referralId, sent: false };
  // The content decides the MsgId (not the time it is made): the same answer is the same message.
  // A copy receiver is part of the content; the PDF is not (it is drawn from the same decision).
  const copyTo = draft.copyReceiver ? [draft.copyReceiver.herId] : [];
  const content = createHash("sha256")
    .update(JSON.stringify([draft.conversationRef, draft.theme, draft.text, draft.responsible, ...copyTo]))
    .digest("hex");
  const msgId = appRecIdFor(`status:${referralId}:${content}`);
  const letter = decisionLetterInputOf(referral, "referrer", deps.config);
  const pdf = await deps.letterPdf(letter);
  const status: StatusOnReferral = {
    ...draft,
    msgId,
    attachment: {
      description: "Svar på henvisning, brev til henviser",
      issueDate: referral.decision?.decidedAt ?? now.toISOString(),
      pdfBase64: Buffer.from(pdf).toString("base64"),
    },
  };
  const xml = deps.render(status);
  // Never send what does not validate: the problems name lines and elements, and stay out of logs.
  if (deps.validate(xml).length > 0) throw new OutgoingMessageInvalid();

  const record = withNewClaim<OutgoingMessageRecord>({
    referralId,
    msgId,
    kind: "status-on-referral",
    theme: status.theme,
    status: "sending",
    xml,
    createdAt: now.toISOString(),
    ...(copyTo.length > 0 ? { copyReceiverHerIds: copyTo } : {}),
  });
  const slots = {
    claim: (claim: OutgoingMessageRecord) => deps.store.claimOutgoingMessage(claim),
    takeOver: (claim: OutgoingMessageRecord, from: string | undefined) =>
      deps.store.takeOverOutgoingMessage(claim, from),
  };
  if ((await claimSend(slots, record, () => new MessageInFlight())) === "done") {
    return { referralId, sent: true, msgId };
  }
  const transportId = await deps.outbound.send(xml);
  const sentAt = deps.clock.now().toISOString();
  await recordSend(() =>
    deps.store.completeOutgoingMessage(
      record,
      { sentAt, transportId },
      {
        type: "status-on-referral-sent",
        at: sentAt,
        actor: workflowActor("SendStatusOnReferral"),
        // Ids and the code only: the text is the decision's, health data.
        details: {
          msgId,
          theme: status.theme,
          transportId,
          ...(copyTo.length > 0 ? { copyTo: copyTo.join(",") } : {}),
        },
      },
    ),
  );
  return { referralId, sent: true, msgId };
}
