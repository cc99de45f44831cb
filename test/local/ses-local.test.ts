import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SesLocal, startSesLocal } from "../../lib/local/emulators/ses-local";

let ses: SesLocal;

beforeAll(async () => {
  ses = await startSesLocal();
});

afterAll(async () => {
  await ses?.stop();
});

describe("the SES emulator", () => {
  it("takes the SES client's SendEmail and lists the email as JSON and on its page", async () => {
    // Prepare
    const client = new SESClient({
      endpoint: ses.endpoint,
      region: "eu-north-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });

    // Act
    await client.send(
      new SendEmailCommand({
        Source: "henvisning@smerteklinikk.example",
        Destination: { ToAddresses: ["ingrid.lie@smerteklinikk.example"] },
        Message: { Subject: { Data: "En ny henvisning" }, Body: { Text: { Data: "Se oppgaven." } } },
      }),
    );
    const store = (await (await fetch(ses.mailboxJsonUrl)).json()) as {
      emails: Array<{ subject: string; destination: { to: string[] } }>;
    };
    const page = await fetch(ses.mailboxUrl);

    // Assess
    expect(store.emails).toMatchObject([
      { subject: "En ny henvisning", destination: { to: ["ingrid.lie@smerteklinikk.example"] } },
    ]);
    expect(page.status).toBe(200);
    await ses.clear();
    expect(((await (await fetch(ses.mailboxJsonUrl)).json()) as { emails: unknown[] }).emails).toEqual([]);
    client.destroy();
  });
});
