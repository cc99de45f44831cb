import { RemovalPolicy, Validations } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/**
 * Context key of a given sign-in state key. The local runtime passes a fresh random one at every
 * start, so no key is ever written in code or config; a deployment sets none and gets the secret.
 */
export const SIGN_IN_STATE_KEY_CONTEXT = "frist:signInStateKey";

/**
 * The key that signs the cookie of a sign-in under way (SIGN_IN_STATE_KEY of the auth function).
 *
 * On AWS a Secrets Manager secret holds a generated 64-character key; CloudFormation resolves it
 * into the function's environment at deploy (a dynamic reference: the template names the secret,
 * never the key), so the function needs no Secrets Manager client and no call at cold start.
 * Rotating it is a new secret value and a deploy; it ends only sign-ins under way (10 minutes), no
 * session. With the context value {@link SIGN_IN_STATE_KEY_CONTEXT} (the local runtime) that value
 * is used as it is and no secret is made.
 */
export class SignInStateKey extends Construct {
  /** The key, or on AWS the dynamic reference CloudFormation resolves to it at deploy. */
  readonly value: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const given = this.node.tryGetContext(SIGN_IN_STATE_KEY_CONTEXT) as unknown;
    if (typeof given === "string" && given.length > 0) {
      this.value = given;
      return;
    }
    const secret = new Secret(this, "Secret", {
      description: "Frist: HMAC key of the sign-in state cookie (the auth function reads it at deploy)",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.value = secret.secretValue.unsafeUnwrap();
    const reasons: Record<string, string> = {
      "AwsSolutions-SMG4":
        "The key signs 10-minute sign-in state cookies only; rotating it is a new value and a deploy (the function's environment holds it), which ends at most the sign-ins under way. A rotation Lambda would add a function with secret-write rights for no gain.",
      "HIPAA.Security-SecretsManagerRotationEnabled":
        "See AwsSolutions-SMG4: a signing key for 10-minute sign-in state, rotated by setting a new value and deploying.",
      "HIPAA.Security-SecretsManagerUsingKMSKey":
        "The key protects no health data (it signs a sign-in's state, nonce and return path); the AWS managed key of Secrets Manager is enough.",
    };
    for (const [rule, reason] of Object.entries(reasons))
      Validations.of(secret).acknowledge({ id: rule, reason });
  }
}
