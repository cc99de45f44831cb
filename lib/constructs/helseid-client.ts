import { Stack } from "aws-cdk-lib";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { HelseIdClientConfig } from "../config";
import { EDI_ACTIONS } from "./function-uses";

/**
 * Frist's machine client at HelseID, with which the EDI functions call Norsk Helsenett's EDI 2.0 API
 * (functions/adapters/helseid.ts). Its private key stays in a Secrets Manager secret the clinic
 * creates before deploying (`frist:helseId.keySecretName`, the private JWK as HelseID's self-service
 * gives it): the template names the secret, the function reads it once per execution environment
 * (GetSecretValue on that secret only), and no key is ever in a template, an environment variable or
 * a log. The secret is imported, not made: the stack neither holds nor deletes the key.
 */
export class HelseIdClient extends Construct {
  /** The secret holding the client's private key. */
  readonly keySecret: ISecret;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: HelseIdClientConfig,
  ) {
    super(scope, id);
    this.keySecret = Secret.fromSecretNameV2(this, "KeySecret", config.keySecretName);
  }

  /** HELSEID_CLIENT: the settings as JSON (functions/adapters/helseid-env.ts), the secret by ARN. */
  environmentValue(): string {
    return Stack.of(this).toJsonString({
      issuer: this.config.issuer,
      tokenEndpoint: this.config.tokenEndpoint,
      clientId: this.config.clientId,
      scope: this.config.scope,
      keySecretArn: this.keySecret.secretArn,
    });
  }

  /**
   * GetSecretValue on the key's secret, nothing more (`grantRead` would add DescribeSecret). A secret
   * imported by name is matched with its six random characters, as AWS appends them to its ARN.
   */
  grantKeyRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...EDI_ACTIONS],
        resources: [this.keySecret.secretFullArn ?? `${this.keySecret.secretArn}-??????`],
      }),
    );
  }
}
