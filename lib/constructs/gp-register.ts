import { Stack } from "aws-cdk-lib";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { GpRegisterConfig } from "../config";
import { GP_REGISTER_ACTIONS } from "./function-uses";

/**
 * Fastlegeregisteret as Frist calls it (functions/adapters/fastlegeregisteret.ts): its web service and
 * the credentials Norsk Helsenett gave the clinic, kept in a Secrets Manager secret the clinic creates
 * before deploying (`frist:gpRegister.credentialsSecretName`). The secret is imported, not made: the
 * template names it, the function reads it once per execution environment (GetSecretValue on that
 * secret only), and no password is ever in a template, an environment variable or a log.
 */
export class GpRegister extends Construct {
  /** The secret holding the user name and password. */
  readonly credentialsSecret: ISecret;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: GpRegisterConfig,
  ) {
    super(scope, id);
    this.credentialsSecret = Secret.fromSecretNameV2(this, "CredentialsSecret", config.credentialsSecretName);
  }

  /** FASTLEGEREGISTERET: the service's URL and the credentials' secret by ARN, as JSON. */
  environmentValue(): string {
    return Stack.of(this).toJsonString({
      url: this.config.url,
      credentialsSecretArn: this.credentialsSecret.secretArn,
    });
  }

  /**
   * GetSecretValue on the credentials' secret, nothing more. A secret imported by name is matched
   * with its six random characters, as AWS appends them to its ARN.
   */
  grantCredentialsRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...GP_REGISTER_ACTIONS],
        resources: [this.credentialsSecret.secretFullArn ?? `${this.credentialsSecret.secretArn}-??????`],
      }),
    );
  }
}
