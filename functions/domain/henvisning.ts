/**
 * A Henvisning message read into Frist's referral submission (the body POST /referrals takes, checked
 * by the same schema), or the AppRec errors that say why it cannot be. Henvisning 2.0 ("Henvisning
 * ny tilstand", HIS 1207:2018, and "Viderehenvisning", HIS 1208:2018) in its MsgHead 1.2 envelope;
 * Henvisning 1.1 and 1.0 with their own `Message` root. Works on the plain tree of a document the
 * XML adapter has already checked against the official schema, by element names alone (the versions
 * share them).
 */
import type { AppRecError, AppRecParty, OriginalMessage } from "./apprec";
import { type ReceivedAttachment, readAttachments } from "./attachments";
import { attrAt, child, children, textAt, type XmlTree } from "./xml-tree";

/** The formats Frist reads. */
export type HenvisningFormat = "henvisning-2.0" | "henvisning-1.1" | "henvisning-1.0";

/** The message types (MsgHead `MsgInfo/Type`, code system 8279) Frist takes in an envelope. */
export const ENVELOPE_TYPES = ["HENVISNING_NYTILSTAND", "HENVISNING_VIDERE"] as const;

/** What the header of a message says, as far as it could be read: enough to address a receipt. */
export interface MessageHeader {
  /** Its MsgId, as sent. */
  msgId?: string;
  type: { V: string; DN?: string };
  /** GenDate as sent. */
  genDate?: string;
  sender: AppRecParty;
  /** The HER-ids it is addressed to: the organisation and its communication party (service). */
  receiver: { organisationHerId?: string; serviceHerId?: string };
}

/** What a message read into: a submission for receiveReferral, or why not. */
export type HenvisningReading =
  | {
      ok: true;
      header: MessageHeader;
      /**
       * What the message does (`ServType`, code system 7309): N a new referral, M a change, C a
       * cancellation of the referral it names (2.0 by ConversationRef, 1.x by its own id).
       */
      servType: ServType;
      /** The referral's own id (2.0 `DocumentId`, 1.x `ServReq/Id`): the same in its changes. */
      documentId?: string;
      /**
       * The MsgIds a change or cancellation names (MsgHead `ConversationRef`: RefToConversation, then
       * RefToParent), which Frist looks the referral up by. None in 1.x, whose changes name their
       * referral by its own id (`documentId`) only.
       */
      conversationRefs: string[];
      submission: Record<string, unknown>;
      /** The attachments (pdf, jpg, png documents) that came with it, in order (attachments.ts). */
      attachments: ReceivedAttachment[];
    }
  | { ok: false; header: MessageHeader; errors: AppRecError[] };

/** `ServType` (code system 7309): a new referral, a change (endring) or a cancellation (kansellering). */
export type ServType = "N" | "M" | "C";

/** The clinic's HER-ids (cdk.json `frist:clinic`), which a message must be addressed to. */
export interface ClinicAddress {
  organisationHerId?: string;
  serviceHerId?: string;
}

/** xs:dateTime, as a receipt's IssueDate must be. */
const XS_DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
/** A MsgId is a UUID (HIS 80601: "unik identifikator", a GUID). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Id of the `Ident` (2.0) among `idents` whose TypeId is one of `types`. */
function identOf(idents: XmlTree[], types: readonly string[]): string | undefined {
  for (const ident of idents) {
    const type = attrAt(ident, "V", "TypeId");
    if (type && types.includes(type)) return textAt(ident, "Id");
  }
  return undefined;
}

/** "Given Middle Family" from a person's name parts (2.0: fk1 or MsgHead person). */
function personName(person: XmlTree | undefined): string | undefined {
  const parts = [textAt(person, "GivenName"), textAt(person, "MiddleName"), textAt(person, "FamilyName")];
  const name = parts.filter(Boolean).join(" ");
  return name || undefined;
}

/** A 1.x `Name` ("Family, Given" by convention) as "Given Family". */
function invertedName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const comma = name.indexOf(",");
  if (comma < 0) return name;
  return `${name.slice(comma + 1).trim()} ${name.slice(0, comma).trim()}`.trim();
}

/** The address behind a `mailto:` TeleAddress among `teleComs`. */
function emailOf(teleComs: XmlTree[]): string | undefined {
  for (const teleCom of teleComs) {
    const address = attrAt(teleCom, "V", "TeleAddress") ?? attrAt(teleCom, "V");
    if (address?.toLowerCase().startsWith("mailto:")) return address.slice("mailto:".length).trim();
  }
  return undefined;
}

/** A receipt's IssueDate for the message: its GenDate, or when it was received if that is unreadable. */
export function issueDateOf(header: MessageHeader, receivedAt: string): string {
  return header.genDate && XS_DATE_TIME.test(header.genDate) ? header.genDate : receivedAt;
}

/** The message a receipt answers, from its header. */
export function originalOf(header: MessageHeader, receivedAt: string): OriginalMessage {
  return { type: header.type, issueDate: issueDateOf(header, receivedAt), id: header.msgId ?? "" };
}

// ---------------------------------------------------------------------------------------------
// Headers

/** The header of a MsgHead envelope. */
export function envelopeHeader(root: XmlTree): MessageHeader {
  const info = child(root, "MsgInfo");
  const senderOrg = child(info, "Sender", "Organisation");
  const person = child(senderOrg, "HealthcareProfessional");
  const service = child(senderOrg, "Organisation");
  const receiverOrg = child(info, "Receiver", "Organisation");
  const unit: AppRecParty["unit"] = person
    ? { kind: "person", name: personName(person), herId: identOf(children(person, "Ident"), ["HER"]) }
    : service
      ? {
          kind: "department",
          name: textAt(service, "OrganisationName"),
          herId: identOf(children(service, "Ident"), ["HER"]),
        }
      : undefined;
  return compactHeader({
    msgId: textAt(info, "MsgId"),
    type: { V: attrAt(info, "V", "Type") ?? "", DN: attrAt(info, "DN", "Type") },
    genDate: textAt(info, "GenDate"),
    sender: {
      name: textAt(senderOrg, "OrganisationName"),
      herId: identOf(children(senderOrg, "Ident"), ["HER"]),
      ...(unit ? { unit } : {}),
    },
    receiver: {
      organisationHerId: identOf(children(receiverOrg, "Ident"), ["HER"]),
      serviceHerId: identOf(children(child(receiverOrg, "Organisation"), "Ident"), ["HER"]),
    },
  });
}

/** The header of a Henvisning 1.x `Message`. */
export function messageHeader(root: XmlTree): MessageHeader {
  const serv = child(root, "ServReq");
  const requester = child(serv, "Requester", "HCP", "Inst");
  const person = child(requester, "HCPerson");
  const provider = child(serv, "ServProvider", "HCP", "Inst");
  const her = (node: XmlTree | undefined) =>
    attrAt(node, "V", "TypeId") === "HER" ? textAt(node, "Id") : undefined;
  return compactHeader({
    msgId: textAt(root, "MsgId"),
    type: { V: attrAt(root, "V", "Type") ?? "", DN: attrAt(root, "DN", "Type") },
    genDate: attrAt(root, "V", "GenDate") ?? textAt(root, "GenDate"),
    sender: {
      name: textAt(requester, "Name"),
      herId: her(requester),
      ...(person
        ? {
            unit: { kind: "person" as const, name: invertedName(textAt(person, "Name")), herId: her(person) },
          }
        : {}),
    },
    receiver: { organisationHerId: her(provider), serviceHerId: her(child(provider, "Dept")) },
  });
}

/** Drops the absent fields (the receipt renders only what is there). */
function compactHeader(header: MessageHeader): MessageHeader {
  const drop = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return {
    ...drop({ msgId: header.msgId, genDate: header.genDate }),
    type: drop(header.type),
    sender: drop({ ...header.sender, ...(header.sender.unit ? { unit: drop(header.sender.unit) } : {}) }),
    receiver: drop(header.receiver),
  };
}

// ---------------------------------------------------------------------------------------------
// The referral

/** Headings (code system 8231) and information types (8233) that are one of Frist's content items. */
const CONTENT_OF: Record<string, string> = {
  FA: "psychosocial",
  UTRED: "expectations",
  MEDB: "medications",
  FUNN: "examinations",
  ART: "comorbidity",
};

/**
 * Hastegrad (code system 8306): "N" is ordinary; "3" urgent, "PK" a cancer pathway and "0" an
 * emergency are all urgent for the assessment (pbrl § 2-2: suspected serious illness is assessed
 * faster). An unknown code counts as urgent too: staff can lower a priority, with a reason, but a
 * referral assessed late because its code was not understood cannot be undone.
 */
function priorityOf(code: string | undefined): "ordinary" | "urgent" {
  return code === "N" ? "ordinary" : "urgent";
}

/** A diagnosis system by its code system OID's last part: 7170 ICPC-2, 7110 ICD-10. */
const DIAGNOSIS_SYSTEMS: Record<string, "ICPC-2" | "ICD-10"> = {
  "2.16.578.1.12.4.1.1.7170": "ICPC-2",
  "2.16.578.1.12.4.1.1.7110": "ICD-10",
};

/** The free texts and diagnoses shared by 1.x and 2.0: reason, content items, diagnoses, priority. */
function clinicalContent(henvisning: XmlTree | undefined, infItemsParent: XmlTree | undefined) {
  const content: Record<string, string> = {};
  const extra: string[] = [];
  const add = (code: string | undefined, heading: string | undefined, text: string | undefined) => {
    if (!text) return;
    const item = code ? CONTENT_OF[code] : undefined;
    if (item) content[item] = content[item] ? `${content[item]}\n\n${text}` : text;
    else extra.push(`${heading ?? code ?? "Opplysninger"}:\n${text}`);
  };
  let reason: string | undefined;
  for (const section of children(henvisning, "ReasonAsText")) {
    const code = attrAt(section, "V", "Heading");
    const text = textAt(section, "TextResultValue");
    if (code === "PROB" && text) reason = reason ? `${reason}\n\n${text}` : text;
    else add(code, attrAt(section, "DN", "Heading"), text);
  }
  for (const item of children(infItemsParent, "InfItem")) {
    add(attrAt(item, "V", "Type"), attrAt(item, "DN", "Type"), textAt(item, "Observation", "Description"));
  }
  const diagnoses = children(henvisning, "Diagnosis").flatMap((diagnosis) => {
    const codeSystem = attrAt(diagnosis, "S", "Concept");
    const system = DIAGNOSIS_SYSTEMS[codeSystem ?? ""];
    const code = attrAt(diagnosis, "V", "Concept");
    const text = attrAt(diagnosis, "DN", "Concept");
    if (system && code) return [{ system, code, ...(text ? { text } : {}) }];
    // Coded in a system Frist does not read (a sample codes C61 under ATC's 7180): kept as written,
    // with the reason, rather than dropped or guessed to be ICD-10.
    const written = [code, text].filter(Boolean).join(" ");
    if (written) add(undefined, `Diagnose (kodeverk ${codeSystem ?? "ikke oppgitt"})`, written);
    return [];
  });
  // Text Frist has no item for stays with the reason, under its own heading: the team reads it all.
  const fullReason = [reason, ...extra].filter(Boolean).join("\n\n") || undefined;
  return {
    reason: fullReason,
    content,
    diagnoses,
    priority: priorityOf(attrAt(henvisning, "V", "ReqServ", "Priority")),
  };
}

/** A postal address when all three parts are there. */
function postalAddressOf(address: XmlTree | undefined) {
  const line1 = textAt(address, "StreetAdr");
  const postalCode = textAt(address, "PostalCode");
  const city = textAt(address, "City");
  return line1 && postalCode && city ? { postalAddress: { line1, postalCode, city } } : {};
}

/** What every format checks before mapping: the id, the receiver, what kind of message it is. */
function headerErrors(
  header: MessageHeader,
  clinic: ClinicAddress,
  servType: string | undefined,
): AppRecError[] {
  if (!header.msgId || !UUID.test(header.msgId)) {
    return [{ code: "E10", detail: "MsgId må være en UUID" }];
  }
  const addressed =
    clinic.organisationHerId !== undefined &&
    header.receiver.organisationHerId === clinic.organisationHerId &&
    header.receiver.serviceHerId === clinic.serviceHerId;
  if (!addressed) {
    return [
      { code: "E21", detail: "Meldingen er ikke adressert til klinikkens HER-id (organisasjon og tjeneste)" },
    ];
  }
  if (servType !== "N" && servType !== "M" && servType !== "C") {
    return [{ code: "T10", detail: "ServType må være N (ny), M (endring) eller C (kansellering)" }];
  }
  return [];
}

/** Reads a validated Henvisning 2.0 in its MsgHead envelope. */
export function readHenvisning20(root: XmlTree, clinic: ClinicAddress): HenvisningReading {
  const header = envelopeHeader(root);
  const documents = children(root, "Document");
  const henvisning = child(documents[0], "RefDoc", "Content", "Henvisning");
  if (!ENVELOPE_TYPES.includes(header.type.V as never) || !henvisning) {
    return { ok: false, header, errors: [{ code: "T10", detail: "Meldingen er ikke en Henvisning 2.0" }] };
  }
  const servType = attrAt(henvisning, "V", "ServType");
  const errors = headerErrors(header, clinic, servType);
  if (errors.length > 0) return { ok: false, header, errors };

  const info = child(root, "MsgInfo");
  const conversation = child(info, "ConversationRef");
  const conversationRefs = [
    textAt(conversation, "RefToConversation"),
    textAt(conversation, "RefToParent"),
  ].filter((ref): ref is string => ref !== undefined);
  const patient = child(info, "Patient");
  const nationalId = identOf(children(patient, "Ident"), ["FNR", "DNR", "HNR"]);
  if (!nationalId) return { ok: false, header, errors: [{ code: "E30" }] };
  // Every Document after the first is an attachment (HIS 1036).
  const attachments = readAttachments(documents.slice(1).map((document) => child(document, "RefDoc")));
  if (!attachments.ok) return { ok: false, header, errors: attachments.errors };

  const responsible = children(henvisning, "AnsvarForRapport").find(
    (relation) => attrAt(relation, "V", "TypeRelasjon") === "HHE",
  );
  const referrer = child(responsible, "AnsvarligRapport");
  const referrerHpr = identOf(children(referrer, "Ident"), ["HPR"]);
  const gpPerson = children(henvisning, "KontaktpersonHelsepersonell")
    .map((contact) => child(contact, "Kontaktperson"))
    .find((person) => attrAt(person, "V", "RoleToPatient") === "6");
  const assisted = child(henvisning, "InfoAssistertKommunikasjon", "AssistertKommunikasjon");
  // An interpreter for the patient: the need is the patient's only when no other person is named.
  const interpreterLanguage =
    assisted && !child(assisted, "PersonTolkebehov") ? attrAt(assisted, "DN", "BehovTolkSprak") : undefined;

  const clinical = clinicalContent(henvisning, henvisning);
  const referrerPart = {
    hprNumber: referrerHpr ?? "",
    name: personName(referrer) ?? "",
    organisation: header.sender.name ?? "",
    ...optional("email", emailOf(children(referrer, "TeleCom"))),
    ...optional("herId", header.sender.unit?.herId ?? header.sender.herId),
  };
  const forwarded = header.type.V === "HENVISNING_VIDERE" ? forwardOf(henvisning, header) : {};
  return {
    ok: true,
    header,
    servType: servType as ServType,
    ...optional("documentId", textAt(henvisning, "DocumentId")),
    conversationRefs,
    attachments: attachments.attachments,
    submission: {
      kind: "new",
      ...forwarded,
      priority: clinical.priority,
      patient: {
        nationalId,
        name: personName(patient) ?? "",
        ...optional("email", emailOf(children(patient, "TeleCom"))),
        ...optional("interpreterLanguage", interpreterLanguage),
        ...postalAddressOf(child(patient, "Address")),
      },
      referrer: referrerPart,
      gp: gpPerson
        ? {
            name: personName(gpPerson) ?? "",
            ...optional("hprNumber", identOf(children(gpPerson, "Ident"), ["HPR"])),
            // The GP's own HER-id, when given beside the HPR number: the Status på henvisning's copy receiver.
            ...optional("herId", identOf(children(gpPerson, "Ident"), ["HER"])),
          }
        : // No GP named: the referrer stands in, so the GP gets no second copy.
          { name: referrerPart.name, hprNumber: referrerPart.hprNumber },
      diagnoses: clinical.diagnoses,
      reason: withChangeComment(clinical.reason, servType, textAt(henvisning, "ReqComment")) ?? "",
      content: clinical.content,
    },
  };
}

/** A change's own comment (`ReqComment`: why the referral was changed) follows the reason, headed as such. */
function withChangeComment(
  reason: string | undefined,
  servType: string | undefined,
  comment: string | undefined,
): string | undefined {
  if (servType !== "M" || !comment) return reason;
  return [reason, `Endring av henvisningen:\n${comment}`].filter(Boolean).join("\n\n");
}

/** A Viderehenvisning's ansiennitetsdato (code system 9147, 1) and where it came from. */
function forwardOf(henvisning: XmlTree, header: MessageHeader): Record<string, unknown> {
  const seniority = children(henvisning, "VurderingAvHenvisning", "DatoMottakOgVurdering").find(
    (date) => attrAt(date, "V", "TypeDato") === "1",
  );
  const date = textAt(seniority, "Dato");
  if (!date) return {};
  return {
    kind: "forwarded",
    originalReceivedDate: date.slice(0, 10),
    previousInstitution: header.sender.name ?? "",
  };
}

/** Reads a validated Henvisning 1.1 or 1.0 (`Message` root). */
export function readHenvisning1x(root: XmlTree, clinic: ClinicAddress): HenvisningReading {
  const header = messageHeader(root);
  const serv = child(root, "ServReq");
  // 1.1 says HENVISNING, 1.0 says H.
  if (!["HENVISNING", "H"].includes(header.type.V) || !serv) {
    return { ok: false, header, errors: [{ code: "T10", detail: "Meldingen er ikke en henvisning" }] };
  }
  const servType = attrAt(serv, "V", "ServType");
  const errors = headerErrors(header, clinic, servType);
  if (errors.length > 0) return { ok: false, header, errors };
  const patient = child(serv, "Patient");
  const idType = attrAt(patient, "V", "TypeOffId");
  const nationalId = idType && ["FNR", "DNR", "HNR"].includes(idType) ? textAt(patient, "OffId") : undefined;
  if (!nationalId) return { ok: false, header, errors: [{ code: "E30" }] };
  const attachments = readAttachments(children(serv, "RefDoc"));
  if (!attachments.ok) return { ok: false, header, errors: attachments.errors };
  const professionals = children(patient, "PatRelHCP");
  const byRelation = (relation: string) =>
    child(
      professionals.find((p) => attrAt(p, "V", "Relation") === relation),
      "HCP",
      "HCProf",
    );
  const hprOf = (prof: XmlTree | undefined) =>
    attrAt(prof, "V", "TypeId") === "HPR" ? textAt(prof, "Id") : undefined;
  const referrer = byRelation("HHE");
  const gp = byRelation("FLE");
  const clinical = clinicalContent(serv, patient);
  const referrerPart = {
    hprNumber: hprOf(referrer) ?? "",
    name: textAt(referrer, "Name") ?? "",
    organisation: header.sender.name ?? "",
    ...optional("herId", header.sender.unit?.herId ?? header.sender.herId),
  };
  return {
    ok: true,
    header,
    servType: servType as ServType,
    // A change or cancellation names its referral by this id, the same as in the referral
    // (receive-referral.ts keeps a lookup of it under the sender's HER-id).
    ...optional("documentId", textAt(serv, "Id")),
    conversationRefs: [],
    attachments: attachments.attachments,
    submission: {
      kind: "new",
      priority: clinical.priority,
      patient: {
        nationalId,
        name: invertedName(textAt(patient, "Name")) ?? "",
        ...postalAddressOf(child(patient, "Address")),
      },
      referrer: referrerPart,
      gp: gp
        ? { name: textAt(gp, "Name") ?? "", ...optional("hprNumber", hprOf(gp)) }
        : { name: referrerPart.name, hprNumber: referrerPart.hprNumber },
      diagnoses: clinical.diagnoses,
      reason: withChangeComment(clinical.reason, servType, textAt(serv, "ReqComment")) ?? "",
      content: clinical.content,
    },
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
