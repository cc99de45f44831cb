/**
 * A stand-in for Norsk Helsenett's Fastlegeregisteret on loopback, for the one call Frist makes:
 * `GetPatientGPDetails` over SOAP 1.2 with HTTP Basic authentication (the operation, namespace and
 * faults as NHN's published WSDL and service give them). It holds a register of fictitious patients
 * and their GPs' HER-ids: the local stack starts it empty, and a test or an operator lists a patient
 * with `register`. A person listed with no GP gets the service's sender fault ("Personen er ikke
 * tilknyttet fastlegekontrakt"); wrong credentials get 401, as a refused Basic login does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { GET_PATIENT_GP_DETAILS_ACTION } from "../../../functions/adapters/fastlegeregisteret";
import { readXml } from "../../../functions/adapters/xml";
import { child, textAt } from "../../../functions/domain/xml-tree";
import { LOOPBACK, listenOnFreePort } from "../ports";

/** A running Fastlegeregisteret stand-in. */
export interface FlrLocal {
  /** The service's URL: what FASTLEGEREGISTERET's `url` is set to for the functions. */
  url: string;
  /** Lists `nationalId` with the GP whose HER-id is `gpHerId`. */
  register(nationalId: string, gpHerId: string): void;
  stop(): Promise<void>;
}

const SOAP_NS = "http://www.w3.org/2003/05/soap-envelope";
const FLR_NS = "http://schemas.nhn.no/reg/flr";

function soap(response: ServerResponse, status: number, body: string): void {
  const text = `<s:Envelope xmlns:s="${SOAP_NS}"><s:Body>${body}</s:Body></s:Envelope>`;
  response.writeHead(status, {
    "content-type": "application/soap+xml; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function fault(response: ServerResponse, code: "Sender" | "Receiver", message: string): void {
  soap(
    response,
    code === "Sender" ? 400 : 500,
    `<s:Fault><s:Code><s:Value>s:${code}</s:Value></s:Code><s:Reason><s:Text xml:lang="nb-NO">${message}</s:Text></s:Reason>` +
      `<s:Detail><GenericFault xmlns="http://register.nhn.no/Common"><ErrorCode>Feil</ErrorCode><Message>${message}</Message></GenericFault></s:Detail></s:Fault>`,
  );
}

/** Starts the stand-in on a loopback port; it accepts only `credentials`. */
export async function startFlrLocal(options: {
  credentials: { username: string; password: string };
  port?: number;
}): Promise<FlrLocal> {
  const gps = new Map<string, string>();
  const expected = `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString("base64")}`;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { "www-authenticate": 'Basic realm="flr"' }).end();
        return;
      }
      const read = readXml(Buffer.concat(chunks).toString("utf8"));
      const action = textAt(read.kind === "xml" ? read.root : undefined, "Header", "Action");
      const asked = read.kind === "xml" ? child(read.root, "Body", "GetPatientGPDetails") : undefined;
      if (request.method !== "POST" || action !== GET_PATIENT_GP_DETAILS_ACTION || asked?.ns !== FLR_NS) {
        fault(response, "Sender", "Ukjent operasjon");
        return;
      }
      const nationalId = textAt(asked, "patientNin") ?? "";
      if (!/^\d{11}$/.test(nationalId)) {
        fault(response, "Sender", "ArgumentException: Ugyldig fødselsnummer");
        return;
      }
      const gpHerId = gps.get(nationalId);
      if (!gpHerId) {
        fault(response, "Sender", "ArgumentException: Personen er ikke tilknyttet fastlegekontrakt");
        return;
      }
      soap(
        response,
        200,
        `<GetPatientGPDetailsResponse xmlns="${FLR_NS}"><GetPatientGPDetailsResult>` +
          `<GPHerId>${gpHerId}</GPHerId><PatientNIN>${nationalId}</PatientNIN>` +
          "</GetPatientGPDetailsResult></GetPatientGPDetailsResponse>",
      );
    });
  });
  const port = await listenOnFreePort(server, LOOPBACK, options.port);
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${LOOPBACK}:${port}/v2/flr`,
    register(nationalId, gpHerId) {
      gps.set(nationalId, gpHerId);
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
