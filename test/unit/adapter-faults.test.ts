/**
 * The adapters name what failed and say nothing else: real SDK clients against small local servers
 * that reject, fail or never answer, as SES and DynamoDB do in an outage.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SESClient } from "@aws-sdk/client-ses";
import { afterEach, describe, expect, it } from "vitest";
import { documentClientOf, dynamoClient } from "../../functions/adapters/clients";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { mailFault, withNamedFaults } from "../../functions/adapters/faults";
import { failureResponse, RETRY_AFTER_SECONDS } from "../../functions/adapters/http";
import { SesMailer } from "../../functions/adapters/ses-mailer";
import {
  DynamoUnavailable,
  MailRejected,
  MailUnavailable,
  ReferralNotFound,
} from "../../functions/domain/errors";

const PATIENT_EMAIL = "kari.nordmann@pasient.example";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
let server: Server | undefined;

afterEach(async () => {
  const open = server;
  server = undefined;
  if (open) {
    open.closeAllConnections();
    await new Promise((resolve) => open.close(resolve));
  }
});

/** Serves every request with `answer`, or never answers when it is undefined. */
async function serve(answer?: { status: number; body: string; type: string }): Promise<string> {
  server = createServer((request, response) => {
    request.resume();
    if (!answer) return; // a paused service: the connection is accepted and nothing comes back
    response.writeHead(answer.status, { "content-type": answer.type });
    response.end(answer.body);
  });
  const listening = server;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

const sesError = (code: string, message: string) =>
  `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;

function mailerAt(endpoint: string): SesMailer {
  const client = withNamedFaults(
    new SESClient({ endpoint, region: "eu-north-1", credentials, maxAttempts: 1 }),
    mailFault,
  );
  return new SesMailer(client, "frist@smerteklinikk.example");
}

const email = { to: PATIENT_EMAIL, subject: "Svar", text: "brev", html: "<p>brev</p>" };

describe("the SES adapter's errors", () => {
  it("turns a rejection that names the recipient into MailRejected, with no address in its name, message or stack", async () => {
    // Prepare
    const endpoint = await serve({
      status: 400,
      type: "text/xml",
      body: sesError("MessageRejected", `Email address is not verified: ${PATIENT_EMAIL}`),
    });

    // Act
    const error = await mailerAt(endpoint)
      .send(email)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(MailRejected);
    const shown = `${(error as Error).name} ${(error as Error).message} ${(error as Error).stack}`;
    expect(shown).not.toContain(PATIENT_EMAIL);
    expect(shown).not.toContain("kari");
    expect(JSON.stringify(error)).not.toContain(PATIENT_EMAIL);
  });

  it("turns a 503 from SES into MailUnavailable (retried by the workflow)", async () => {
    // Prepare
    const endpoint = await serve({
      status: 503,
      type: "text/xml",
      body: sesError("ServiceUnavailable", "down"),
    });

    // Act
    const error = await mailerAt(endpoint)
      .send(email)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(MailUnavailable);
  });
});

describe("the DynamoDB adapter against a store that never answers", () => {
  it("fails fast with DynamoUnavailable, well inside the API's 10 s", async () => {
    // Prepare
    const endpoint = await serve();
    const store = new DynamoReferralStore(
      documentClientOf(dynamoClient({ endpoint, region: "eu-north-1", credentials })),
      "frist-test",
    );
    const started = Date.now();

    // Act
    const error = await store.getReferral("ref-1").catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DynamoUnavailable);
    expect((error as Error).message).not.toContain("ref-1");
    expect(Date.now() - started).toBeLessThan(9_000);
  }, 15_000);
});

describe("the API's answer to an error it did not handle", () => {
  it("is 503 with Retry-After when a dependency was unavailable", () => {
    const answer = failureResponse(new DynamoUnavailable());
    expect(answer.statusCode).toBe(503);
    expect(answer.headers?.["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
    expect(JSON.parse(answer.body)).toMatchObject({ error: "service_unavailable" });
  });

  it("is a 503 page with Retry-After for a staff page", () => {
    const answer = failureResponse(new MailUnavailable(), "html");
    expect(answer.statusCode).toBe(503);
    expect(answer.headers?.["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
    expect(answer.headers?.["content-type"]).toContain("text/html");
  });

  it("stays a bare 500 for a bug", () => {
    const answer = failureResponse(new ReferralNotFound());
    expect(answer.statusCode).toBe(500);
    expect(answer.body).toBe(JSON.stringify({ error: "internal_error" }));
  });
});
