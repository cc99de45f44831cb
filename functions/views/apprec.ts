/** The AppRec 1.1 XML of a receipt (domain/apprec.ts), valid against the official AppRec-v1.1.xsd. */
import {
  APPREC_ERROR_SYSTEM,
  APPREC_ERRORS,
  APPREC_STATUS,
  type AppRec,
  type AppRecParty,
} from "../domain/apprec";

const NAMESPACE = "http://www.kith.no/xmlstds/apprec/2012-02-15";
/** HER-id as an identifier type (code system 9051 names the kinds of id in Adresseregisteret). */
const HER_TYPE = '<TypeId V="HER" DN="HER-id"/>';

/** Text or attribute content with XML's special characters escaped. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A name for an XML element, dropping what XML 1.0 cannot carry (controls other than tab and newlines). */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters removed
  return escapeXml(value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ""));
}

function party(p: AppRecParty, indent: string): string {
  const lines = [`${indent}<HCP>`, `${indent}  <Inst>`];
  if (p.name) lines.push(`${indent}    <Name>${clean(p.name)}</Name>`);
  if (p.herId) lines.push(`${indent}    <Id>${clean(p.herId)}</Id>`, `${indent}    ${HER_TYPE}`);
  const unit = p.unit;
  if (unit && (unit.name || unit.herId)) {
    const tag = unit.kind === "department" ? "Dept" : "HCPerson";
    lines.push(`${indent}    <${tag}>`);
    if (unit.name) lines.push(`${indent}      <Name>${clean(unit.name)}</Name>`);
    if (unit.herId) lines.push(`${indent}      <Id>${clean(unit.herId)}</Id>`, `${indent}      ${HER_TYPE}`);
    lines.push(`${indent}    </${tag}>`);
  }
  lines.push(`${indent}  </Inst>`, `${indent}</HCP>`);
  return lines.join("\n");
}

/** The receipt as AppRec 1.1 XML (UTF-8). */
export function renderAppRec(appRec: AppRec): string {
  const status = APPREC_STATUS[appRec.status];
  const { original } = appRec;
  const errors = appRec.errors.map(
    (error) =>
      `  <Error V="${error.code}" S="${APPREC_ERROR_SYSTEM}" DN="${clean(APPREC_ERRORS[error.code])}"${
        error.detail ? ` OT="${clean(error.detail)}"` : ""
      }/>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<AppRec xmlns="${NAMESPACE}">`,
    '  <MsgType V="APPREC" DN="Applikasjonskvittering"/>',
    "  <MIGversion>v1.1 2012-02-15</MIGversion>",
    "  <SoftwareName>Frist</SoftwareName>",
    `  <GenDate>${clean(appRec.genDate)}</GenDate>`,
    `  <Id>${clean(appRec.id)}</Id>`,
    "  <Sender>",
    party(appRec.sender, "    "),
    "  </Sender>",
    "  <Receiver>",
    party(appRec.receiver, "    "),
    "  </Receiver>",
    `  <Status V="${status.V}" DN="${status.DN}"/>`,
    ...errors,
    "  <OriginalMsgId>",
    `    <MsgType V="${clean(original.type.V)}"${original.type.DN ? ` DN="${clean(original.type.DN)}"` : ""}/>`,
    `    <IssueDate>${clean(original.issueDate)}</IssueDate>`,
    `    <Id>${clean(original.id)}</Id>`,
    "  </OriginalMsgId>",
    "</AppRec>",
    "",
  ].join("\n");
}
