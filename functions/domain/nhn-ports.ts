/**
 * The ports of Norsk Helsenett's services outside AWS: the EDI 2.0 API (sending a message, the
 * receipts of what was sent, the clinic's mailbox) and Fastlegeregisteret. Adapters implement them
 * over HTTP (functions/adapters/edi-client.ts, fastlegeregisteret.ts); tests implement them in memory.
 */
import type { MessageReceipt } from "./records";

/**
 * The way out to Norsk Helsenett (EDI 2.0 `POST /Messages`): sends one business document (a MsgHead
 * XML) and returns the transport's id for it. Throws EdiUnavailable when it may be tried again.
 */
export interface OutboundMessages {
  send(businessDocument: string): Promise<string>;
}

/** The patient's GP as Fastlegeregisteret has it: the GP's own HER-id (GPHerId). */
export interface RegisteredGp {
  herId: string;
}

/**
 * Fastlegeregisteret (Norsk Helsenett's register of GPs, `GetPatientGPDetails`): the GP a person is
 * listed with, or undefined for one listed with none. Throws GpRegisterUnavailable when it may be
 * tried again, GpRegisterRejected when it refused the call (credentials, access).
 */
export interface GpRegister {
  gpOf(nationalId: string): Promise<RegisteredGp | undefined>;
}

/** What a receiver of a sent message answered: its AppRec's status (none yet: undefined) and errors. */
export interface ReceiverReceipt {
  receiverHerId: string;
  status?: MessageReceipt["status"];
  errors: MessageReceipt["errors"];
}

/** The application receipts given for the messages Frist sent (EDI 2.0 `GET /Messages/{id}/apprec`). */
export interface SentMessageReceipts {
  /** One entry per receiver of sent message `transportId`. Throws EdiUnavailable when it may be tried again. */
  receipts(transportId: string): Promise<ReceiverReceipt[]>;
}

/**
 * The clinic's mailbox at Norsk Helsenett (EDI 2.0): the unread messages for its HER-ids, a
 * message's business document (the MsgHead XML), its AppRec, and marking it read. Throws
 * EdiUnavailable when it may be tried again.
 */
export interface EdiMailbox {
  unread(receiverHerIds: string[]): Promise<{ id: string; receiverHerId: string }[]>;
  businessDocument(id: string): Promise<string>;
  /** Posts the AppRec of message `id`, from the receiver `senderHerId`; false when it already has one. */
  sendAppRec(
    id: string,
    senderHerId: string,
    appRec: { status: "Ok" | "Rejected"; errors: { errorCode: string; details?: string }[] },
  ): Promise<boolean>;
  markRead(id: string, herId: string): Promise<void>;
}
