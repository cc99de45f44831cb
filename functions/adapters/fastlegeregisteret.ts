/**
 * Fastlegeregisteret, Norsk Helsenett's register of GPs: its SOAP 1.2 web service
 * (`IFlrReadOperations.GetPatientGPDetails`, namespace http://schemas.nhn.no/reg/flr, with WS-Addressing
 * and HTTP Basic authentication, as NHN's published WSDL describes it), asked for the GP a patient is
 * listed with. Locally the stand-in in lib/local answers the same call.
 *
 * The patient's national ID is the request's only content and goes nowhere else: not into a log line,
 * not into an error (the response body is never quoted).
 */
import { randomUUID } from "node:crypto";
import * as z from "zod";
import { GpRegisterRejected, GpRegisterUnavailable } from "../domain/errors";
import type { GpRegister, RegisteredGp } from "../domain/ports";
import { textAt, type XmlTree } from "../domain/xml-tree";
import { requireEnv } from "./env";
import { readSecretJson } from "./secrets";
import { readXml } from "./xml";

/** The operation's SOAP action (the WSDL's soap12:operation). */
export const GET_PATIENT_GP_DETAILS_ACTION =
  "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetails";
const FLR_NS = "http://schemas.nhn.no/reg/flr";
const SOAP_NS = "http://www.w3.org/2003/05/soap-envelope";
const ADDRESSING_NS = "http://www.w3.org/2005/08/addressing";

/** Within the Lambda's own timeout, with room for the retry's next attempt. */
const REQUEST_TIMEOUT_MS = 10_000;

/** FASTLEGEREGISTERET's JSON (lib/constructs/function-uses.ts `gpRegister`). */
export const gpRegisterEnvSchema = z.object({
  url: z.url(),
  /** The secret's ARN: its SecretString is `{"username": …, "password": …}`. */
  credentialsSecretArn: z.string().min(1),
});

const credentialsSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

/** The user name and password NHN gave the clinic for its register services. */
export type RegisterCredentials = z.infer<typeof credentialsSchema>;

/** The request for the GP of `nationalId` (eleven digits, checked by the caller). */
export function getPatientGpDetailsRequest(url: string, nationalId: string, messageId: string): string {
  return [
    `<s:Envelope xmlns:s="${SOAP_NS}" xmlns:a="${ADDRESSING_NS}">`,
    "  <s:Header>",
    `    <a:Action s:mustUnderstand="1">${GET_PATIENT_GP_DETAILS_ACTION}</a:Action>`,
    `    <a:MessageID>urn:uuid:${messageId}</a:MessageID>`,
    `    <a:To s:mustUnderstand="1">${escapeXml(url)}</a:To>`,
    "  </s:Header>",
    "  <s:Body>",
    `    <GetPatientGPDetails xmlns="${FLR_NS}"><patientNin>${nationalId}</patientNin></GetPatientGPDetails>`,
    "  </s:Body>",
    "</s:Envelope>",
  ].join("\n");
}

/**
 * What the register answered: the GP's HER-id, none (a SOAP fault from the sender's side: the person
 * is listed with no GP, or not at all), or `undefined` for a body that is no answer of this operation.
 */
export function gpOfResponse(body: string): RegisteredGp | "none" | undefined {
  const read = readXml(body);
  if (read.kind !== "xml" || read.root.name !== "Envelope" || read.root.ns !== SOAP_NS) return undefined;
  const soapBody = read.root.children.find((node) => node.name === "Body" && node.ns === SOAP_NS);
  const fault = soapBody?.children.find((node) => node.name === "Fault" && node.ns === SOAP_NS);
  if (fault) return faultCode(fault) === "Sender" ? "none" : undefined;
  const result = soapBody?.children.find((node) => node.name === "GetPatientGPDetailsResponse");
  if (!result) return undefined;
  const herId = textAt(result, "GetPatientGPDetailsResult", "GPHerId");
  if (herId === undefined) return "none";
  return /^\d{1,9}$/.test(herId) ? { herId } : undefined;
}

/** A SOAP 1.2 fault's code without its prefix ("Sender", "Receiver"). */
function faultCode(fault: XmlTree): string | undefined {
  return textAt(fault, "Code", "Value")?.replace(/^.*:/, "");
}

/** Fastlegeregisteret at `url`, called with the clinic's credentials. */
export class FastlegeregisteretClient implements GpRegister {
  constructor(
    private readonly url: string,
    private readonly credentials: () => Promise<RegisterCredentials>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async gpOf(nationalId: string): Promise<RegisteredGp | undefined> {
    // Only a national ID or D-number is asked about: anything else is no one the register knows.
    if (!/^\d{11}$/.test(nationalId)) return undefined;
    const { username, password } = await this.credentials();
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: "POST",
        headers: {
          "content-type": `application/soap+xml; charset=utf-8; action="${GET_PATIENT_GP_DETAILS_ACTION}"`,
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
        },
        body: getPatientGpDetailsRequest(this.url, nationalId, randomUUID()),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      // A refused connection, a reset or a timeout: nothing the register said.
      throw new GpRegisterUnavailable();
    }
    if (response.status === 401 || response.status === 403) throw new GpRegisterRejected();
    // A SOAP 1.2 fault comes with 400 (Sender) or 500 (Receiver): read either.
    const answer = gpOfResponse(await response.text().catch(() => ""));
    if (answer === "none") return undefined;
    if (answer) return answer;
    if (response.status === 429 || response.status >= 500) throw new GpRegisterUnavailable();
    throw new GpRegisterRejected();
  }
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * The credentials in a Secrets Manager secret, read on the first call and kept for the execution
 * environment. A service that does not answer is GpRegisterUnavailable; a refusal or a value that is
 * not the credentials is GpRegisterRejected.
 */
export function secretsManagerCredentials(secretId: string): () => Promise<RegisterCredentials> {
  let read: Promise<RegisterCredentials> | undefined;
  return () => {
    read ??= readSecretJson(secretId, credentialsSchema, {
      unavailable: () => new GpRegisterUnavailable(),
      rejected: () => new GpRegisterRejected(),
    });
    // A failed read is not kept: the next call tries again.
    read.catch(() => {
      read = undefined;
    });
    return read;
  };
}

/** The register this function is given (FASTLEGEREGISTERET), with its credentials' secret. */
export function gpRegisterFromEnv(): FastlegeregisteretClient {
  const settings = gpRegisterEnvSchema.parse(JSON.parse(requireEnv("FASTLEGEREGISTERET")));
  return new FastlegeregisteretClient(settings.url, secretsManagerCredentials(settings.credentialsSecretArn));
}
