/**
 * A small stand-in for Norsk Helsenett's EDI 2.0 REST API (the meldingstjener, MSH API v2; its
 * public OpenAPI spec is in ks-no/fiks-nhn-client `msh-api-v2/spec/msh-api-v2.json`), on loopback,
 * for `npm start` and the tests: `POST /Messages` takes a business document as the spec says (JSON
 * with the XML base64-encoded, the `api-version` and `nhn-source-system` headers required) and
 * answers 201 with the message's id. What was sent is kept in memory and shown at `/` (a page) and
 * `/sent` (JSON), like the mailbox shows emails.
 *
 * As NHN's API, it takes a call of the API (`/Messages…`) only with a HelseID access token bound to
 * the caller's key with DPoP (RFC 9449 §7): `Authorization: DPoP <token>`, the token a JWT of the
 * HelseID stand-in (./helseid-local.ts: its signature by the published keys, its issuer, audience
 * `nhn:msh`, scope `nhn:msh/api`, not expired) and a `DPoP` proof of this very call (its signature by
 * the key in its header, whose thumbprint the token's `cnf.jkt` names; `htm`, `htu`, `ath` the
 * token's hash, `iat` within a minute, a `jti` not seen before). Anything else answers 401 with
 * `WWW-Authenticate: DPoP error=…`. The local routes (the pages, `/sent`, `/mailbox`) take any caller,
 * which is why the stand-in listens on loopback only.
 */
import { createHash, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyRequest } from "fastify";
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
} from "jose";
import { readXml } from "../../../functions/adapters/xml";
import { envelopeHeader } from "../../../functions/domain/henvisning";
import { attrAt, child, children, textAt, type XmlTree } from "../../../functions/domain/xml-tree";
import { escapeHtml } from "../../../functions/views/escape-html";
import { LOOPBACK } from "../ports";
import { EDI_API_RESOURCE } from "./helseid-local";

/** A message sent through the stand-in, as its page and `/sent` list it. */
export interface EdiSentMessage {
  /** The id the API answered with. */
  id: string;
  /** MsgHead MsgId, type and GenDate of the business document. */
  businessDocumentId?: string;
  messageType?: string;
  businessDocumentGenDate?: string;
  senderHerId?: string;
  receiverHerId?: string;
  /** ConversationRef/RefToConversation: the message it answers. */
  refToConversation?: string;
  /** The business document, decoded. */
  xml: string;
  receivedAt: string;
  /** The receiver's AppRec for it, once given ({@link EdiLocal.answer}), as `GET /Messages/{id}/apprec` shows it. */
  appRec?: EdiAppRec;
  /**
   * Its copy receivers' HER-ids (MsgHead `OtherReceiver`: the meldingstjener delivers the message to
   * each), and their AppRecs once given: each answers for itself, as the receiver does.
   */
  copyReceiverHerIds?: string[];
  copyAppRecs?: Record<string, EdiAppRec>;
}

/** An AppRec as the spec's ApprecInfo carries it. */
export interface EdiAppRec {
  appRecStatus: "Ok" | "Rejected" | "OkErrorInMessagePart";
  appRecErrorList?: { errorCode: string; details: string }[];
}

/** A message waiting in the clinic's mailbox (dropped in locally), as the poller finds it. */
export interface EdiMailboxMessage {
  id: string;
  receiverHerId: string;
  senderHerId?: string;
  businessDocumentId?: string;
  xml: string;
  read: boolean;
  /** The AppRec the receiver posted for it (`POST /Messages/{id}/apprec/{herId}`), as posted. */
  appRec?: { senderHerId: string; appRecStatus: unknown; appRecErrorList?: unknown };
}

/** A running EDI 2.0 stand-in. */
export interface EdiLocal {
  /** What EDI_API_URL is set to. */
  url: string;
  /** The page of messages sent. */
  pageUrl: string;
  /** Every message sent, as JSON: `{ messages: [...] }`. */
  sentJsonUrl: string;
  sent(): EdiSentMessage[];
  /** The clinic's mailbox: what was dropped in, and whether it was read and answered. */
  mailbox(): EdiMailboxMessage[];
  /**
   * Drops a business document into the mailbox of the receiver its MsgHead names (the organisation's
   * HER-id and its service's both find it), as another party sending it over Norsk Helsenett would.
   * Also `POST /mailbox` with the XML (application/xml). Returns the message's id.
   */
  drop(xml: string): string;
  /**
   * The receiver's AppRec for sent message `id`, as the receiving system would post it (also
   * `POST /sent/{id}/apprec` with the ApprecInfo's JSON); with `receiverHerId` a copy receiver's
   * (also `receiverHerId` in that JSON). False when there is no such message or receiver, or it has one.
   */
  answer(id: string, appRec: EdiAppRec, receiverHerId?: string): boolean;
  stop(): Promise<void>;
}

/** The spec's request body of `POST /Messages` (PostMessageRequest). */
interface PostMessageRequest {
  businessDocument?: unknown;
  contentType?: unknown;
  contentTransferEncoding?: unknown;
}

/**
 * The HER-ids of a message's copy receivers (`OtherReceiver`): each one's communication party, the
 * innermost HER-id it names (a GP as the person under the GP's office, AD2.8).
 */
function copyReceiversOf(root: XmlTree): string[] {
  const herOf = (party: XmlTree | undefined) =>
    children(party, "Ident").find((ident) => attrAt(ident, "V", "TypeId") === "HER");
  return children(child(root, "MsgInfo"), "OtherReceiver").flatMap((receiver) => {
    const organisation = child(receiver, "Organisation");
    const candidates = [
      child(organisation, "HealthcareProfessional"),
      child(organisation, "Organisation"),
      child(receiver, "HealthcareProfessional"),
      organisation,
    ];
    for (const party of candidates) {
      const herId = textAt(herOf(party), "Id");
      if (herId) return [herId];
    }
    return [];
  });
}

/** Options of {@link startEdiLocal}. */
export interface EdiLocalOptions {
  /** The HelseID whose tokens it takes (./helseid-local.ts): its issuer and its published keys. */
  helseId: { issuer: string; jwksUri: string };
  port?: number;
}

/** The algorithms of a DPoP proof it accepts (asymmetric only, as RFC 9449 requires). */
const DPOP_ALGORITHMS = ["ES256", "PS256", "RS256"];

/** How far a proof's `iat` may be from now (RFC 9449 §11.1: a short window). */
const PROOF_WINDOW_S = 60;

/** Why a call is refused: the error for `WWW-Authenticate` (RFC 6750, RFC 9449 §7.1) and a short text. */
interface AuthRefusal {
  error: "invalid_token" | "invalid_dpop_proof";
  description: string;
}

/**
 * The checks of RFC 9449 §4.3 and §7.1 on a call to `url` (the stand-in's own address and the path
 * called): the refusal, or undefined for a call to take. `seen` keeps the proofs' jti for replay.
 */
async function dpopRefusal(
  request: FastifyRequest,
  htu: string,
  helseId: EdiLocalOptions["helseId"],
  keys: ReturnType<typeof createRemoteJWKSet>,
  seen: Map<string, number>,
): Promise<AuthRefusal | undefined> {
  const authorization = String(request.headers.authorization ?? "");
  const match = /^DPoP ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
  if (!match?.[1]) return { error: "invalid_token", description: "a DPoP-bound access token is required" };
  const token = match[1];
  const proof = request.headers.dpop;
  if (typeof proof !== "string" || proof === "")
    return { error: "invalid_dpop_proof", description: "one DPoP proof is required" };
  let claims: { jti?: unknown; htm?: unknown; htu?: unknown; ath?: unknown; iat?: unknown };
  let thumbprint: string;
  try {
    const header = decodeProtectedHeader(proof);
    if (!header.jwk || "d" in header.jwk) throw new Error("no public key");
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: DPOP_ALGORITHMS });
    claims = verified.payload;
    thumbprint = await calculateJwkThumbprint(header.jwk, "sha256");
  } catch {
    return { error: "invalid_dpop_proof", description: "the DPoP proof is not valid" };
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== "number" || Math.abs(now - claims.iat) > PROOF_WINDOW_S)
    return { error: "invalid_dpop_proof", description: "the DPoP proof is not fresh" };
  if (claims.htm !== request.method || claims.htu !== htu)
    return { error: "invalid_dpop_proof", description: "the DPoP proof is for another request" };
  if (claims.ath !== createHash("sha256").update(token).digest("base64url"))
    return { error: "invalid_dpop_proof", description: "the DPoP proof is for another token" };
  if (typeof claims.jti !== "string" || claims.jti === "" || seen.has(claims.jti))
    return { error: "invalid_dpop_proof", description: "the DPoP proof was used before" };
  let jkt: unknown;
  let scope: unknown;
  try {
    const verified = await jwtVerify(token, keys, {
      issuer: helseId.issuer,
      audience: EDI_API_RESOURCE.audience,
      typ: "at+jwt",
    });
    jkt = (verified.payload.cnf as { jkt?: unknown } | undefined)?.jkt;
    scope = verified.payload.scope;
  } catch {
    return { error: "invalid_token", description: "the access token is not valid" };
  }
  if (typeof scope !== "string" || !scope.split(" ").includes(EDI_API_RESOURCE.scope))
    return { error: "invalid_token", description: "the access token lacks the API's scope" };
  if (jkt !== thumbprint)
    return { error: "invalid_token", description: "the access token is bound to another key" };
  // Kept as long as its iat is in the window; older proofs are refused as stale anyway.
  for (const [jti, until] of seen) if (until < now) seen.delete(jti);
  seen.set(claims.jti, claims.iat + PROOF_WINDOW_S);
  return undefined;
}

/** Starts the stand-in on a loopback port. */
export async function startEdiLocal(options: EdiLocalOptions): Promise<EdiLocal> {
  const sent: EdiSentMessage[] = [];
  const mailbox: EdiMailboxMessage[] = [];
  const app = Fastify({ logger: false, bodyLimit: 35 * 1024 * 1024 });
  /** Where it listens: known once it does, before any request. */
  let origin = "";
  const helseIdKeys = createRemoteJWKSet(new URL(options.helseId.jwksUri));
  const seenProofs = new Map<string, number>();

  const error = (requestId: string, message: string) => ({
    error: message,
    errorCode: 1000,
    validationErrors: [message],
    stackTrace: null,
    requestId,
  });

  // The API's calls need HelseID; the local pages and the mailbox drop do not (see the file comment).
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (!/^\/Messages(\/|$)/.test(path)) return;
    const refusal = await dpopRefusal(request, `${origin}${path}`, options.helseId, helseIdKeys, seenProofs);
    if (!refusal) return;
    return reply
      .code(401)
      .header("www-authenticate", `DPoP error="${refusal.error}", algs="${DPOP_ALGORITHMS.join(" ")}"`)
      .send(error(randomUUID(), refusal.description));
  });

  app.post("/Messages", async (request, reply) => {
    const requestId = randomUUID();
    if (!request.headers["api-version"] || !request.headers["nhn-source-system"]) {
      return reply.code(400).send(error(requestId, "api-version and nhn-source-system are required"));
    }
    const body = (request.body ?? {}) as PostMessageRequest;
    if (
      typeof body.businessDocument !== "string" ||
      body.contentType !== "application/xml" ||
      body.contentTransferEncoding !== "base64"
    ) {
      return reply.code(400).send(error(requestId, "a base64 application/xml businessDocument is required"));
    }
    const xml = Buffer.from(body.businessDocument, "base64").toString("utf8");
    const read = readXml(xml);
    if (read.kind !== "xml" || read.schema !== "msghead") {
      return reply.code(400).send(error(requestId, "the business document is not a MsgHead message"));
    }
    const header = envelopeHeader(read.root);
    const id = randomUUID();
    const copyReceiverHerIds = copyReceiversOf(read.root);
    sent.push({
      id,
      ...(header.msgId ? { businessDocumentId: header.msgId } : {}),
      ...(header.type.V ? { messageType: header.type.V } : {}),
      ...(header.genDate ? { businessDocumentGenDate: header.genDate } : {}),
      ...(header.sender.herId ? { senderHerId: header.sender.herId } : {}),
      ...(header.receiver.organisationHerId ? { receiverHerId: header.receiver.organisationHerId } : {}),
      ...refOf(read.root),
      ...(copyReceiverHerIds.length > 0 ? { copyReceiverHerIds } : {}),
      xml,
      receivedAt: new Date().toISOString(),
    });
    return reply.code(201).header("location", `/Messages/${id}`).send(JSON.stringify(id));
  });

  app.get("/sent", async () => ({ messages: sent }));

  // The sender's view of its receipts (the spec's ApprecInfo): one per receiver, null until it answered.
  app.get("/Messages/:id/apprec", async (request, reply) => {
    const message = sent.find((candidate) => candidate.id === (request.params as { id: string }).id);
    if (!message) return reply.code(404).send(error(randomUUID(), "Could not find database document"));
    const info = (receiverHerId: string | undefined, appRec: EdiAppRec | undefined) => ({
      receiverHerId: Number(receiverHerId),
      appRecStatus: appRec?.appRecStatus ?? null,
      appRecErrorList: appRec?.appRecErrorList ?? null,
    });
    return [
      info(message.receiverHerId, message.appRec),
      ...(message.copyReceiverHerIds ?? []).map((herId) => info(herId, message.copyAppRecs?.[herId])),
    ];
  });

  const answer = (id: string, appRec: EdiAppRec, receiverHerId?: string): boolean => {
    const message = sent.find((candidate) => candidate.id === id);
    if (!message) return false;
    if (receiverHerId === undefined || receiverHerId === message.receiverHerId) {
      if (message.appRec) return false;
      message.appRec = appRec;
      return true;
    }
    if (!message.copyReceiverHerIds?.includes(receiverHerId) || message.copyAppRecs?.[receiverHerId])
      return false;
    message.copyAppRecs = { ...message.copyAppRecs, [receiverHerId]: appRec };
    return true;
  };

  // Local only: the receiving system's AppRec for a sent message.
  app.post("/sent/:id/apprec", async (request, reply) => {
    const { receiverHerId, ...body } = (request.body ?? {}) as EdiAppRec & { receiverHerId?: unknown };
    if (!["Ok", "Rejected", "OkErrorInMessagePart"].includes(String(body.appRecStatus))) {
      return reply
        .code(400)
        .send(error(randomUUID(), "appRecStatus must be Ok, Rejected or OkErrorInMessagePart"));
    }
    const copyReceiver = receiverHerId == null ? undefined : String(receiverHerId);
    return answer((request.params as { id: string }).id, body, copyReceiver)
      ? reply.code(201).send()
      : reply.code(409).send(error(randomUUID(), "no such sent message, or it has its AppRec"));
  });

  const drop = (xml: string): string => {
    const read = readXml(xml);
    const header = read.kind === "xml" && read.schema === "msghead" ? envelopeHeader(read.root) : undefined;
    const receiverHerId = header?.receiver.serviceHerId ?? header?.receiver.organisationHerId;
    if (!header || !receiverHerId) throw new Error("not a MsgHead message with a receiver");
    const id = randomUUID();
    mailbox.push({
      id,
      receiverHerId,
      ...(header.sender.herId ? { senderHerId: header.sender.herId } : {}),
      ...(header.msgId ? { businessDocumentId: header.msgId } : {}),
      xml,
      read: false,
    });
    return id;
  };

  // Local only: another party's message into the clinic's mailbox.
  app.addContentTypeParser("application/xml", { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );
  app.post("/mailbox", async (request, reply) => {
    try {
      return reply.code(201).send({ id: drop(String(request.body ?? "")) });
    } catch {
      return reply.code(400).send(error(randomUUID(), "not a MsgHead message with a receiver"));
    }
  });
  app.get("/mailbox", async () => ({ messages: mailbox }));

  const inMailbox = (id: string) => mailbox.find((message) => message.id === id);
  const herIdsOf = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value]).flatMap((v) => String(v ?? "").split(",")).filter(Boolean);

  app.get("/Messages", async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const herIds = herIdsOf(query.ReceiverHerIds);
    if (herIds.length === 0) return reply.code(400).send(error(randomUUID(), "ReceiverHerIds is required"));
    const limit = Math.min(100, Math.max(1, Number(query.MessagesToFetch ?? 10) || 10));
    return mailbox
      .filter((message) => !message.read && herIds.includes(message.receiverHerId))
      .slice(0, limit)
      .map((message) => ({ id: message.id, receiverHerId: Number(message.receiverHerId) }));
  });

  app.get("/Messages/:id/business-document", async (request, reply) => {
    const message = inMailbox((request.params as { id: string }).id);
    if (!message) return reply.code(404).send(error(randomUUID(), "Could not find database document"));
    return {
      businessDocument: Buffer.from(message.xml, "utf8").toString("base64"),
      contentType: "application/xml",
      contentTransferEncoding: "base64",
    };
  });

  app.post("/Messages/:id/apprec/:herId", async (request, reply) => {
    const { id, herId } = request.params as { id: string; herId: string };
    const message = inMailbox(id);
    if (!message) return reply.code(404).send(error(randomUUID(), "Could not find database document"));
    const body = (request.body ?? {}) as { appRecStatus?: unknown; appRecErrorList?: unknown };
    if (body.appRecStatus === undefined)
      return reply.code(400).send(error(randomUUID(), "appRecStatus is required"));
    // An AppRec is final (HITS 1168): a second one for the same message is refused.
    if (message.appRec) return reply.code(400).send(error(randomUUID(), "An AppRec was already sent"));
    message.appRec = {
      senderHerId: herId,
      appRecStatus: body.appRecStatus,
      ...(body.appRecErrorList ? { appRecErrorList: body.appRecErrorList } : {}),
    };
    return reply.code(201).send();
  });

  app.put("/Messages/:id/read/:herId", async (request, reply) => {
    const message = inMailbox((request.params as { id: string }).id);
    if (!message) return reply.code(404).send(error(randomUUID(), "Could not find database document"));
    message.read = true;
    return reply.code(204).send();
  });

  app.get("/", async (_request, reply) => {
    const rows = sent
      .map(
        (message) =>
          `<tr><td>${escapeHtml(message.receivedAt)}</td><td>${escapeHtml(message.messageType ?? "")}</td><td>${escapeHtml(
            message.businessDocumentId ?? "",
          )}</td><td>${escapeHtml(message.receiverHerId ?? "")}</td><td>${escapeHtml(message.refToConversation ?? "")}</td></tr>`,
      )
      .join("");
    return reply
      .type("text/html; charset=utf-8")
      .send(
        `<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>EDI 2.0 (lokal)</title></head><body><h1>Meldinger sendt over EDI 2.0 (lokal stand-in)</h1><table><thead><tr><th>Mottatt</th><th>Type</th><th>MsgId</th><th>Mottaker (HER-id)</th><th>Svar på</th></tr></thead><tbody>${rows}</tbody></table></body></html>`,
      );
  });

  // The preferred port when it is free, else port 0, which the OS picks as it binds. Nothing is
  // probed first, so no other server or connection can take the port between a probe and the listen.
  try {
    await app.listen({ host: LOOPBACK, port: options.port ?? 0 });
  } catch (error) {
    if (!options.port || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    await app.listen({ host: LOOPBACK, port: 0 });
  }
  origin = `http://${LOOPBACK}:${(app.server.address() as AddressInfo).port}`;
  const url = `${origin}/`;
  return {
    url,
    pageUrl: url,
    sentJsonUrl: `${url}sent`,
    sent: () => [...sent],
    mailbox: () => [...mailbox],
    drop,
    answer,
    stop: () => app.close(),
  };
}

function refOf(root: Parameters<typeof envelopeHeader>[0]): { refToConversation?: string } {
  const ref = child(child(root, "MsgInfo"), "ConversationRef", "RefToConversation")?.text;
  return ref ? { refToConversation: ref } : {};
}
