/**
 * The Fastlegeregisteret adapter: `GetPatientGPDetails` as SOAP 1.2 with WS-Addressing and Basic
 * authentication, the GP's HER-id read from the answer, a person listed with no GP as none, and the
 * register's failures told apart (try again, or a configuration to fix), never quoting the patient.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  FastlegeregisteretClient,
  GET_PATIENT_GP_DETAILS_ACTION,
  secretsManagerCredentials,
} from "../../functions/adapters/fastlegeregisteret";
import { readXml } from "../../functions/adapters/xml";
import { GpRegisterRejected, GpRegisterUnavailable } from "../../functions/domain/errors";
import { child, textAt } from "../../functions/domain/xml-tree";

const URL_ = "https://flr.example/v2/flr";
const NATIONAL_ID = "13116900216";
const credentials = async () => ({ username: "frist-klinikk", password: "hemmelig" });

const answer = (gpHerId: string) => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">
  <s:Body><GetPatientGPDetailsResponse xmlns="http://schemas.nhn.no/reg/flr"><GetPatientGPDetailsResult>
    <GPHerId>${gpHerId}</GPHerId><PatientNIN>${NATIONAL_ID}</PatientNIN>
  </GetPatientGPDetailsResult></GetPatientGPDetailsResponse></s:Body></s:Envelope>`;

const fault = (
  code: "Sender" | "Receiver",
  text: string,
) => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">
  <s:Body><s:Fault><s:Code><s:Value>s:${code}</s:Value></s:Code>
    <s:Reason><s:Text xml:lang="nb-NO">${text}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`;

/** A fetch that answers `status` with `body` and keeps the requests it was given. */
function register(status: number, body: string) {
  const requests: { url: string; headers: Headers; body: string }[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response(body, { status, headers: { "content-type": "application/soap+xml" } });
  }) as typeof fetch;
  return { requests, client: new FastlegeregisteretClient(URL_, credentials, fetchImpl) };
}

describe("Fastlegeregisteret", () => {
  it("asks GetPatientGPDetails for the patient, as SOAP 1.2 with its action and Basic credentials, and reads the GP's HER-id", async () => {
    // Prepare
    const { requests, client } = register(200, answer("4657988"));

    // Act
    const gp = await client.gpOf(NATIONAL_ID);

    // Assess
    expect(gp).toEqual({ herId: "4657988" });
    const [request] = requests;
    expect(request?.url).toBe(URL_);
    expect(request?.headers.get("content-type")).toBe(
      `application/soap+xml; charset=utf-8; action="${GET_PATIENT_GP_DETAILS_ACTION}"`,
    );
    expect(request?.headers.get("authorization")).toBe(
      `Basic ${Buffer.from("frist-klinikk:hemmelig").toString("base64")}`,
    );
    const read = readXml(request?.body ?? "");
    if (read.kind !== "xml") throw new Error("the request is not XML");
    expect(textAt(read.root, "Header", "Action")).toBe(GET_PATIENT_GP_DETAILS_ACTION);
    expect(textAt(read.root, "Header", "To")).toBe(URL_);
    expect(textAt(read.root, "Header", "MessageID")).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(child(read.root, "Body", "GetPatientGPDetails")?.ns).toBe("http://schemas.nhn.no/reg/flr");
    expect(textAt(read.root, "Body", "GetPatientGPDetails", "patientNin")).toBe(NATIONAL_ID);
  });

  it("answers none for a person the register lists with no GP (a sender's fault), and asks nothing about what is no national ID", async () => {
    const { client } = register(
      400,
      fault("Sender", "ArgumentException: Personen er ikke tilknyttet fastlegekontrakt"),
    );
    expect(await client.gpOf(NATIONAL_ID)).toBeUndefined();

    const never = register(200, answer("4657988"));
    expect(await never.client.gpOf("1311690021")).toBeUndefined();
    expect(await never.client.gpOf("<x/>")).toBeUndefined();
    expect(never.requests).toEqual([]);
  });

  it("tells a register that may answer later (its fault, 5xx, no connection) from one that refused the call, quoting nothing", async () => {
    await expect(
      register(500, fault("Receiver", "SqlException")).client.gpOf(NATIONAL_ID),
    ).rejects.toBeInstanceOf(GpRegisterUnavailable);
    await expect(register(503, "").client.gpOf(NATIONAL_ID)).rejects.toBeInstanceOf(GpRegisterUnavailable);
    const unreachable = new FastlegeregisteretClient(URL_, credentials, (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch);
    await expect(unreachable.gpOf(NATIONAL_ID)).rejects.toBeInstanceOf(GpRegisterUnavailable);

    const refused = await register(401, "")
      .client.gpOf(NATIONAL_ID)
      .catch((error: Error) => error);
    expect(refused).toBeInstanceOf(GpRegisterRejected);
    expect((refused as Error).message).not.toContain(NATIONAL_ID);
    await expect(register(200, "<html>login</html>").client.gpOf(NATIONAL_ID)).rejects.toBeInstanceOf(
      GpRegisterRejected,
    );
  });

  describe("credentials from Secrets Manager", () => {
    const secrets = mockClient(SecretsManagerClient);
    afterEach(() => secrets.reset());

    it("reads the secret once per environment, again after a failed read, and refuses a value that is no credentials", async () => {
      // Prepare: the service fails once, then answers.
      secrets
        .on(GetSecretValueCommand, { SecretId: "arn:flr" })
        .rejectsOnce(Object.assign(new Error("busy"), { name: "ThrottlingException", $retryable: {} }))
        .resolves({ SecretString: JSON.stringify({ username: "u", password: "p" }) });
      const read = secretsManagerCredentials("arn:flr");

      // Act and assess
      await expect(read()).rejects.toBeInstanceOf(GpRegisterUnavailable);
      expect(await read()).toEqual({ username: "u", password: "p" });
      expect(await read()).toEqual({ username: "u", password: "p" });
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);

      secrets
        .on(GetSecretValueCommand, { SecretId: "arn:bad" })
        .resolves({ SecretString: '{"username":"u"}' });
      await expect(secretsManagerCredentials("arn:bad")()).rejects.toBeInstanceOf(GpRegisterRejected);
    });
  });
});
