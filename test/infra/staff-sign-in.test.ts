/**
 * Staff sign-in in the synthesized template: a Cognito user pool with MFA required (TOTP only), no
 * self sign-up, managed login, one group per role, a public code+PKCE client whose only callback is
 * the API's, the configured staff as users in their groups, the session TTL on the table, and (with
 * `frist:identityProvider`) the hospital's OpenID provider federated with its secret kept out of the
 * template.
 */
import { describe, expect, it } from "vitest";
import { createFristApp } from "../../lib/app";
import { functionByEntry, type Json, ofType, type Resource, resources } from "../support/template";

const one = (type: string): Resource => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
};

describe("the staff user pool", () => {
  const pool = one("AWS::Cognito::UserPool").Properties;

  it("requires MFA with an authenticator app (no SMS) and lets no one sign up on their own", () => {
    expect(pool.MfaConfiguration).toBe("ON");
    expect(pool.EnabledMfas).toEqual(["SOFTWARE_TOKEN_MFA"]);
    expect(pool.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(pool.UsernameAttributes).toEqual(["email"]);
  });

  it("has one group per role", () => {
    const groups = ofType("AWS::Cognito::UserPoolGroup").map(([, g]) => g.Properties.GroupName);
    expect(groups.sort()).toEqual(["assessor", "clerk", "lead", "operations"]);
  });

  it("has one public client: authorization code (PKCE), no secret, callback only to the API", () => {
    const client = one("AWS::Cognito::UserPoolClient").Properties;
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlows).toEqual(["code"]);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.AllowedOAuthScopes).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(JSON.stringify(client.CallbackURLs)).toContain("/auth/callback");
    expect(client.CallbackURLs as Json[]).toHaveLength(1);
    expect(client.SupportedIdentityProviders).toEqual(["COGNITO"]);
  });

  it("serves the managed login pages on a Cognito domain", () => {
    expect(one("AWS::Cognito::UserPoolDomain").Properties.ManagedLoginVersion).toBe(2);
    expect(one("AWS::Cognito::ManagedLoginBranding").Properties.UseCognitoProvidedValues).toBe(true);
  });

  it("creates every configured member of staff as a user, in the groups of their roles", () => {
    const users = ofType("AWS::Cognito::UserPoolUser").map(([, u]) => u.Properties.Username);
    expect(users).toEqual(
      expect.arrayContaining([
        "ingrid.lie@smerteklinikk.example",
        "ola.haugen@smerteklinikk.example",
        "kari.dahl@smerteklinikk.example",
      ]),
    );
    const memberships = ofType("AWS::Cognito::UserPoolUserToGroupAttachment").map(
      ([, a]) =>
        `${a.Properties.Username} ${resources[(a.Properties.GroupName as { Ref: string }).Ref]?.Properties.GroupName}`,
    );
    expect(memberships).toEqual(
      expect.arrayContaining([
        "ingrid.lie@smerteklinikk.example assessor",
        "ingrid.lie@smerteklinikk.example lead",
        "ola.haugen@smerteklinikk.example assessor",
        "kari.dahl@smerteklinikk.example clerk",
        "per.berg@smerteklinikk.example operations",
      ]),
    );
    expect(memberships).not.toContain("ola.haugen@smerteklinikk.example lead");
  });

  it("names the pool as the staff issuer in SIGN_IN_PROVIDERS of the staff pages", () => {
    const [, taskPage] = functionByEntry("functions/handlers/task-page.ts");
    const variables = (taskPage.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const text = JSON.stringify(variables.SIGN_IN_PROVIDERS);
    expect(text).toContain('\\"issuer\\":\\"https://",{"Fn::GetAtt":["StaffSignInUserPool');
    expect(text).toContain("ProviderURL");
    expect(text).toContain("FristClient");
  });

  it("lets DynamoDB remove ended sessions by their TTL attribute", () => {
    expect(one("AWS::DynamoDB::Table").Properties.TimeToLiveSpecification).toEqual({
      AttributeName: "expiresAtEpoch",
      Enabled: true,
    });
  });
});

describe("federation to the hospital's provider", () => {
  const { app, stack } = createFristApp({
    bundling: false,
    validateTemplate: false,
    context: {
      "frist:identityProvider": {
        name: "HelseID",
        issuer: "https://helseid-sts.nhn.no",
        clientId: "frist-smerteklinikk",
        clientSecretName: "frist/helseid-client-secret",
      },
      "frist:recipientSignIn": {
        patient: { issuer: "https://idporten.no", clientId: "frist-pasient", scope: "openid profile" },
        professional: { issuer: "https://helseid-sts.nhn.no", clientId: "frist-helsepersonell" },
      },
    },
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, Resource>;
  };
  const of = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

  it("adds the provider to the pool and the client, with the secret resolved from Secrets Manager at deploy", () => {
    const [provider] = of("AWS::Cognito::UserPoolIdentityProvider");
    expect(provider?.Properties).toMatchObject({ ProviderName: "HelseID", ProviderType: "OIDC" });
    const details = provider?.Properties.ProviderDetails as Record<string, Json>;
    expect(details.oidc_issuer).toBe("https://helseid-sts.nhn.no");
    expect(JSON.stringify(details.client_secret)).toContain(
      "resolve:secretsmanager:frist/helseid-client-secret",
    );
    const [client] = of("AWS::Cognito::UserPoolClient");
    expect(client?.Properties.SupportedIdentityProviders).toEqual(["COGNITO", "HelseID"]);
  });

  it("passes the patients' and personnel's issuers to the functions beside the staff pool, each with its identifying claim", () => {
    const taskPage = Object.values(template.Resources).find(
      (r) => r.Metadata?.["frist:entry"] === "functions/handlers/task-page.ts",
    );
    const text = JSON.stringify(
      ((taskPage as Resource).Properties.Environment as { Variables: Record<string, Json> }).Variables
        .SIGN_IN_PROVIDERS,
    );
    expect(text).toContain("https://idporten.no");
    expect(text).toContain("frist-pasient");
    expect(text).toContain("openid profile");
    // Fn::Join parts: the claims are literal text in the JSON, ID-porten's and HelseID's defaults.
    expect(text).toContain('\\"claim\\":\\"pid\\"');
    expect(text).toContain('\\"claim\\":\\"helseid://claims/hpr/hpr_number\\"');
  });
});
