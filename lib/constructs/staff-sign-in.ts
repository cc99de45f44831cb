import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack } from "aws-cdk-lib";
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolUser,
  CfnUserPoolUserToGroupAttachment,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  ProviderAttribute,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolGroup,
  UserPoolIdentityProviderOidc,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { STAFF_ROLES } from "../../functions/domain/session";
import type { FristConfig, StaffAccount } from "../config";

/** Props of {@link StaffSignIn}. */
export interface StaffSignInProps {
  /** The API's base URL: the app client's callback is `<publicBaseUrl>/auth/callback`. */
  readonly publicBaseUrl: string;
  /** The staff to create as users, with their groups (cdk.json's intake team and `frist:staff`). */
  readonly staff: StaffAccount[];
  /** Optional federation to the hospital's OpenID provider (`frist:identityProvider`). */
  readonly identityProvider?: FristConfig["identityProvider"];
  /** ID-porten-style and HelseID-style issuers for letter recipients (`frist:recipientSignIn`). */
  readonly recipientSignIn: FristConfig["recipientSignIn"];
}

/**
 * Staff sign-in on AWS: an Amazon Cognito user pool with MFA required (TOTP, no SMS), managed login,
 * one group per role (`assessor`, `lead`, `clerk`, `operations`: the ID token's `cognito:groups`),
 * no self sign-up, and one public app client (authorization code with PKCE, no secret, no implicit
 * flow) whose only callback is the API's `/auth/callback`. The staff listed in the configuration are
 * created as users (Cognito emails each a temporary password) and put in their groups; others are
 * added with the Cognito console or CLI. With `frist:identityProvider`, the hospital's own OpenID
 * provider is federated and offered on the managed login page.
 */
export class StaffSignIn extends Construct {
  public readonly userPool: UserPool;
  public readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: StaffSignInProps) {
    super(scope, id);

    this.userPool = new UserPool(this, "UserPool", {
      userPoolName: "frist-staff",
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: false },
      signInCaseSensitive: false,
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const groups = new Map<string, UserPoolGroup>();
    for (const role of STAFF_ROLES) {
      groups.set(
        role,
        new UserPoolGroup(this, `Group-${role}`, {
          userPool: this.userPool,
          groupName: role,
          description: `Frist role ${role}`,
        }),
      );
    }

    const providers = [UserPoolClientIdentityProvider.COGNITO];
    let hospital: UserPoolIdentityProviderOidc | undefined;
    if (props.identityProvider) {
      const idp = props.identityProvider;
      hospital = new UserPoolIdentityProviderOidc(this, "HospitalProvider", {
        userPool: this.userPool,
        name: idp.name,
        issuerUrl: idp.issuer,
        clientId: idp.clientId,
        // Resolved by CloudFormation at deploy time; the secret never sits in the template.
        clientSecret: SecretValue.secretsManager(idp.clientSecretName).unsafeUnwrap(),
        scopes: ["openid", "email", "profile"],
        attributeMapping: {
          email: ProviderAttribute.other("email"),
          fullname: ProviderAttribute.other("name"),
        },
      });
      providers.push(UserPoolClientIdentityProvider.custom(idp.name));
    }

    this.client = this.userPool.addClient("FristClient", {
      userPoolClientName: "frist",
      generateSecret: false,
      authFlows: { userSrp: false, userPassword: false, adminUserPassword: false, custom: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${props.publicBaseUrl}/auth/callback`],
        logoutUrls: [`${props.publicBaseUrl}/auth/session`],
      },
      supportedIdentityProviders: providers,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(10),
      enableTokenRevocation: true,
    });
    if (hospital) this.client.node.addDependency(hospital);

    const domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: `frist-${Stack.of(this).account}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const branding = new CfnManagedLoginBranding(this, "ManagedLogin", {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    branding.node.addDependency(domain);

    props.staff.forEach((member, index) => {
      const user = new CfnUserPoolUser(this, `User${index}`, {
        userPoolId: this.userPool.userPoolId,
        username: member.email,
        desiredDeliveryMediums: ["EMAIL"],
        userAttributes: [
          { name: "email", value: member.email },
          { name: "email_verified", value: "true" },
          { name: "name", value: member.name },
        ],
      });
      for (const role of member.roles) {
        const group = groups.get(role);
        if (!group) continue;
        const attachment = new CfnUserPoolUserToGroupAttachment(this, `User${index}-${role}`, {
          userPoolId: this.userPool.userPoolId,
          groupName: group.groupName,
          username: member.email,
        });
        attachment.node.addDependency(user);
        attachment.node.addDependency(group);
      }
    });

    new CfnOutput(this, "StaffIssuer", {
      description: "The OpenID issuer of staff sign-in (Cognito user pool)",
      value: this.issuer,
    });
    new CfnOutput(this, "UserPoolId", {
      description: "Add staff here: admin-create-user, then admin-add-user-to-group",
      value: this.userPool.userPoolId,
    });
  }

  /** The pool's OpenID issuer (Cognito's ProviderURL attribute has no scheme). */
  get issuer(): string {
    return `https://${this.userPool.userPoolProviderUrl}`;
  }

  /** SIGN_IN_PROVIDERS for the functions: Cognito for staff, the configured recipient issuers. */
  providersJson(recipientSignIn: FristConfig["recipientSignIn"]): string {
    return Stack.of(this).toJsonString({
      staff: { issuer: this.issuer, clientId: this.client.userPoolClientId },
      ...recipientSignIn,
    });
  }
}
