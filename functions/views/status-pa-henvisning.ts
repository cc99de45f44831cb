/**
 * A Status på henvisning (domain/status-pa-henvisning.ts) as its XML: Dialogmelding 1.1 in a MsgHead
 * 1.2 envelope, valid against the official schemas; the GP as `OtherReceiver` (role COP, as HIS
 * 1206's worked example), and the referrer's letter as a PDF in a further `Document` (HIS 1036:
 * `MsgType` A, `MimeType` application/pdf, the bytes in a base64 container).
 */
import type { AppRecParty } from "../domain/apprec";
import {
  type CopyReceiver,
  STATUS_THEMES,
  type StatusAttachment,
  type StatusOnReferral,
} from "../domain/status-pa-henvisning";
import { escapeXml as x } from "./apprec";

const HER = '<TypeId V="HER" DN="HER-id" S="2.16.578.1.12.4.1.1.9051"/>';

/** "Given Family" as MsgHead's name parts (the last word the family name). */
function nameParts(name: string | undefined, indent: string): string[] {
  const words = (name ?? "").split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const family = words.length > 1 ? words.at(-1) : words[0];
  const given = words.length > 1 ? words.slice(0, -1).join(" ") : undefined;
  return [
    `${indent}<FamilyName>${x(family ?? "")}</FamilyName>`,
    ...(given ? [`${indent}<GivenName>${x(given)}</GivenName>`] : []),
  ];
}

function ident(herId: string | undefined, indent: string): string[] {
  return herId
    ? [`${indent}<Ident>`, `${indent}  <Id>${x(herId)}</Id>`, `${indent}  ${HER}`, `${indent}</Ident>`]
    : [];
}

/** A party as MsgHead's Organisation: the organisation, and its service or person under it. */
function organisation(party: AppRecParty, indent: string): string[] {
  const unit = party.unit;
  const inner = `${indent}  `;
  const unitLines =
    unit?.kind === "department"
      ? [
          `${inner}<Organisation>`,
          `${inner}  <OrganisationName>${x(unit.name ?? "")}</OrganisationName>`,
          ...ident(unit.herId, `${inner}  `),
          `${inner}</Organisation>`,
        ]
      : unit?.kind === "person"
        ? [
            `${inner}<HealthcareProfessional>`,
            ...nameParts(unit.name, `${inner}  `),
            ...ident(unit.herId, `${inner}  `),
            `${inner}</HealthcareProfessional>`,
          ]
        : [];
  return [
    `${indent}<Organisation>`,
    `${inner}<OrganisationName>${x(party.name ?? "")}</OrganisationName>`,
    ...ident(party.herId, inner),
    ...unitLines,
    `${indent}</Organisation>`,
  ];
}

/** The patient's GP as a copy receiver: a person communication party, by the GP's own HER-id. */
function copyReceiver(receiver: CopyReceiver): string[] {
  return [
    "    <OtherReceiver>",
    '      <RoleReceiver V="COP" DN="Kopimottaker"/>',
    "      <HealthcareProfessional>",
    '        <RoleToPatient V="6" DN="Fastlege" S="2.16.578.1.12.4.1.1.9034"/>',
    ...nameParts(receiver.name, "        "),
    ...ident(receiver.herId, "        "),
    "      </HealthcareProfessional>",
    "    </OtherReceiver>",
  ];
}

/** A PDF attachment (HIS 1036): its own Document after the status. */
function attachmentDocument(attachment: StatusAttachment): string[] {
  return [
    "  <Document>",
    "    <RefDoc>",
    `      <IssueDate V="${x(attachment.issueDate)}"/>`,
    '      <MsgType V="A" DN="Vedlegg"/>',
    "      <MimeType>application/pdf</MimeType>",
    `      <Description>${x(attachment.description)}</Description>`,
    "      <Content>",
    `        <Base64Container xmlns="http://www.kith.no/xmlstds/base64container">${attachment.pdfBase64}</Base64Container>`,
    "      </Content>",
    "    </RefDoc>",
    "  </Document>",
  ];
}

/** The message's XML (UTF-8). */
export function renderStatusOnReferral(status: StatusOnReferral): string {
  const { patient, responsible } = status;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24" xmlns:fk1="http://www.kith.no/xmlstds/felleskomponent1">',
    "  <MsgInfo>",
    '    <Type V="DIALOG_STATUS_HENVISNING" DN="Status på henvisning"/>',
    "    <MIGversion>v1.2 2006-05-24</MIGversion>",
    `    <GenDate>${x(status.genDate)}</GenDate>`,
    `    <MsgId>${x(status.msgId)}</MsgId>`,
    "    <ConversationRef>",
    `      <RefToParent>${x(status.conversationRef)}</RefToParent>`,
    `      <RefToConversation>${x(status.conversationRef)}</RefToConversation>`,
    "    </ConversationRef>",
    "    <Sender>",
    ...organisation(status.sender, "      "),
    "    </Sender>",
    "    <Receiver>",
    ...organisation(status.receiver, "      "),
    "    </Receiver>",
    ...(status.copyReceiver ? copyReceiver(status.copyReceiver) : []),
    "    <Patient>",
    `      <FamilyName>${x(patient.familyName)}</FamilyName>`,
    `      <GivenName>${x(patient.givenName)}</GivenName>`,
    "      <Ident>",
    `        <Id>${x(patient.nationalId)}</Id>`,
    `        <TypeId V="${patient.idType}" S="2.16.578.1.12.4.1.1.8116"/>`,
    "      </Ident>",
    "    </Patient>",
    "  </MsgInfo>",
    "  <Document>",
    "    <RefDoc>",
    '      <MsgType V="XML" DN="XML-instans"/>',
    "      <Content>",
    '        <Dialogmelding xmlns="http://www.kith.no/xmlstds/dialog/2013-01-23">',
    "          <Notat>",
    `            <TemaKodet V="${status.theme}" DN="${x(STATUS_THEMES[status.theme])}" S="2.16.578.1.12.4.1.1.9148"/>`,
    `            <TekstNotatInnhold>${x(status.text)}</TekstNotatInnhold>`,
    "            <RollerRelatertNotat>",
    '              <RoleToPatient V="21" DN="Helsefaglig kontakt" S="2.16.578.1.12.4.1.1.9034"/>',
    "              <HealthcareProfessional>",
    ...nameParts(responsible.name, "                "),
    ...(responsible.hprNumber
      ? [
          "                <Ident>",
          `                  <fk1:Id>${x(responsible.hprNumber)}</fk1:Id>`,
          '                  <fk1:TypeId V="HPR" DN="HPR-nummer" S="2.16.578.1.12.4.1.1.8116"/>',
          "                </Ident>",
        ]
      : []),
    "              </HealthcareProfessional>",
    "            </RollerRelatertNotat>",
    "          </Notat>",
    "        </Dialogmelding>",
    "      </Content>",
    "    </RefDoc>",
    "  </Document>",
    ...(status.attachment ? attachmentDocument(status.attachment) : []),
    "</MsgHead>",
    "",
  ].join("\n");
}
