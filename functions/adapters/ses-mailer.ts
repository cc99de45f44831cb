import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import type { Mailer, OutgoingEmail } from "../domain/ports";

/**
 * Sends email through SES with a plain SendEmail (text and HTML bodies). Templated sending is avoided
 * on purpose: templates live in our code (one source for letters and their stored copies), and the
 * local SES emulator does not answer SendTemplatedEmail.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send(email: OutgoingEmail): Promise<string> {
    const { MessageId } = await this.client.send(
      new SendEmailCommand({
        Source: this.from,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: "UTF-8" },
          Body: {
            Text: { Data: email.text, Charset: "UTF-8" },
            Html: { Data: email.html, Charset: "UTF-8" },
          },
        },
        ConfigurationSetName: this.configurationSet,
      }),
    );
    return MessageId ?? "";
  }
}
