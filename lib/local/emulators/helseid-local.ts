/**
 * A local stand-in for HelseID as Norsk Helsenett's machine clients meet it: a real OpenID provider
 * (`oidc-provider`, a second instance beside the sign-in one in ./oidc-local.ts) with one client,
 * Frist's EDI client, which gets access tokens with the client credentials grant only, authenticates
 * with `private_key_jwt` (its public key registered here, as in HelseID's self-service) and gets
 * DPoP-bound tokens only (`dpop_bound_access_tokens`, a server nonce required as HelseID requires
 * one). The token is a JWT for the EDI 2.0 API (audience `nhn:msh`, scope `nhn:msh/api`), signed
 * with a key made at each start and published at the provider's JWKS, which the EDI stand-in
 * (./edi-local.ts) verifies it with. The token endpoint is at HelseID's path, `/connect/token`.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import Provider, { errors } from "oidc-provider";
import { LOOPBACK } from "../ports";
import { MemoryAdapter } from "./oidc-local";

/** The EDI 2.0 API at HelseID: the audience its tokens carry and the scope a client asks for. */
export const EDI_API_RESOURCE = { audience: "nhn:msh", scope: "nhn:msh/api" } as const;

/** The local client id of Frist's EDI client. */
export const LOCAL_EDI_CLIENT_ID = "frist-edi-local";

/** HelseID's path of its token endpoint and of its keys. */
const TOKEN_PATH = "/connect/token";
const JWKS_PATH = "/.well-known/openid-configuration/jwks";

/** Options of {@link startHelseIdLocal}. */
export interface HelseIdLocalOptions {
  /** The public key of the client's key pair (its `kid` and `alg` included). */
  clientPublicKey: JWK;
  /** Default 0: a free port. */
  port?: number;
  /** Access token lifetime in seconds (default 600). */
  accessTokenTtl?: number;
}

/** A running HelseID stand-in. */
export interface HelseIdLocal {
  issuer: string;
  tokenEndpoint: string;
  /** Where its token signing keys are published (the EDI stand-in reads them). */
  jwksUri: string;
  clientId: string;
  stop(): Promise<void>;
}

/**
 * A key pair for Frist's local HelseID client, made at each start as a clinic makes one in HelseID's
 * self-service: the private JWK for the client (the local Secrets Manager's secret), the public one
 * registered with the stand-in.
 */
export function localClientKeyPair(): { privateJwk: JWK; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  return {
    privateJwk: { ...(privateKey.export({ format: "jwk" }) as JWK), kid, alg: "RS256" },
    publicJwk: { ...(publicKey.export({ format: "jwk" }) as JWK), kid, alg: "RS256", use: "sig" },
  };
}

/** Starts the HelseID stand-in on loopback. */
export async function startHelseIdLocal(options: HelseIdLocalOptions): Promise<HelseIdLocal> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${LOOPBACK}:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = {
    ...privateKey.export({ format: "jwk" }),
    kid: randomBytes(8).toString("hex"),
    alg: "RS256",
    use: "sig",
  };
  const { d: _d, ...clientPublicKey } = options.clientPublicKey as JWK & { d?: string };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_EDI_CLIENT_ID,
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [clientPublicKey as never] },
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        scope: EDI_API_RESOURCE.scope,
        dpop_bound_access_tokens: true,
      },
    ],
    adapter: MemoryAdapter,
    jwks: { keys: [signingKey as never] },
    routes: { token: TOKEN_PATH, jwks: JWKS_PATH },
    clientAuthMethods: ["private_key_jwt"],
    // HelseID: asymmetric algorithms only, for client assertions and DPoP proofs alike.
    enabledJWA: {
      clientAuthSigningAlgValues: ["RS256", "PS256", "ES256"],
      dPoPSigningAlgValues: ["ES256", "PS256", "RS256"],
    },
    scopes: [EDI_API_RESOURCE.scope],
    ttl: { ClientCredentials: options.accessTokenTtl ?? 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // HelseID answers a first token request without a nonce with `use_dpop_nonce`.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        // A client asks HelseID for a scope, not a resource: the API is the default.
        defaultResource: () => EDI_API_RESOURCE.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== EDI_API_RESOURCE.audience) throw new errors.InvalidTarget();
          return {
            audience: EDI_API_RESOURCE.audience,
            scope: EDI_API_RESOURCE.scope,
            accessTokenTTL: options.accessTokenTtl ?? 600,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
  });
  provider.on("server_error", () => undefined);
  server.on("request", provider.callback());

  let stopped: Promise<void> | undefined;
  return {
    issuer,
    tokenEndpoint: `${issuer}${TOKEN_PATH}`,
    jwksUri: `${issuer}${JWKS_PATH}`,
    clientId: LOCAL_EDI_CLIENT_ID,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
