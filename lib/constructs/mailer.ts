import { Stack, Validations } from "aws-cdk-lib";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  Identity,
  SuppressionReasons,
} from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";
import { nagPseudo } from "./nag";

/** Props of the Mailer. */
export interface MailerProps {
  /** The From address of every Frist email (frist:senderEmail). */
  readonly senderEmail: string;
  /** Name of the SES configuration set (frist:sesConfigurationSet). */
  readonly configurationSetName: string;
}

/**
 * SES for Frist: the sender's email identity and a configuration set.
 *
 * The configuration set requires TLS for delivery (decision letters carry health data, so a
 * receiving server that cannot do TLS gets no letter rather than a cleartext one), keeps
 * reputation metrics, and suppresses addresses that bounced or complained. The identity uses the
 * configuration set by default, so even a send that forgets `ConfigurationSetName` is covered.
 */
export class Mailer extends Construct {
  public readonly identity: EmailIdentity;
  public readonly configurationSet: ConfigurationSet;
  public readonly senderEmail: string;
  /**
   * The configuration set's name, for SES_CONFIGURATION_SET: the configured literal rather than a
   * Ref, so the template carries the value itself (the local runtime reads it from there).
   */
  public readonly configurationSetName: string;

  constructor(scope: Construct, id: string, props: MailerProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    this.configurationSetName = props.configurationSetName;
    this.configurationSet = new ConfigurationSet(this, "ConfigurationSet", {
      configurationSetName: props.configurationSetName,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.identity = new EmailIdentity(this, "Sender", {
      identity: Identity.email(props.senderEmail),
      configurationSet: this.configurationSet,
    });
  }

  /** The variables a sending function needs: MAIL_FROM and SES_CONFIGURATION_SET. */
  get environment(): Record<string, string> {
    return { MAIL_FROM: this.senderEmail, SES_CONFIGURATION_SET: this.configurationSetName };
  }

  /**
   * Lets the grantee send email (ses:SendEmail and ses:SendRawEmail only) from the sender address
   * through the configuration set.
   *
   * The identity resource is `identity/*` of this account and region, narrowed by the
   * `ses:FromAddress` condition to the sender: while the account is in the SES sandbox, SES also
   * authorizes the call against each (verified) recipient's identity ARN, so a grant on the sender
   * ARN alone fails in exactly the setup a newcomer deploys first. Outside the sandbox the effect is
   * the same as a grant on the sender's ARN: the function can send only as Frist.
   */
  grantSend(grantee: IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["ses:SendEmail", "ses:SendRawEmail"],
        resources: [
          stack.formatArn({ service: "ses", resource: "identity", resourceName: "*" }),
          stack.formatArn({
            service: "ses",
            resource: "configuration-set",
            resourceName: this.configurationSetName,
          }),
        ],
        conditions: { StringEquals: { "ses:FromAddress": this.senderEmail } },
      }),
    );
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${nagPseudo(this, "Partition")}:ses:${nagPseudo(this, "Region")}:${nagPseudo(this, "AccountId")}:identity/*]`,
        reason:
          "SES authorizes sandbox sends against the recipients' identities too; the ses:FromAddress condition limits the grant to Frist's sender address.",
      });
    }
  }
}
