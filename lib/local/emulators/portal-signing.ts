/**
 * Portal identities on the local runtime: what API Gateway's IAM auth does on AWS, with local
 * credentials. A request to an AWS_IAM route that carries a SigV4 `Authorization` header is
 * verified (with @smithy/signature-v4, the AWS SDK's own signer) against the local portals'
 * secrets, and the portal becomes the request's identity, in the same `requestContext.identity`
 * fields API Gateway sets for an IAM user. A request with no signature at all is the one default
 * portal, so `curl` and the tests that need no second portal work unsigned.
 *
 * The credentials are local-only and no secret: they sign requests to this machine and nowhere else.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { APIGatewayEventIdentity } from "aws-lambda";

/** A portal the local API knows, with the access key it signs with. */
export interface LocalPortal {
  /** The IAM user name: the portal's ARN is `arn:aws:iam::000000000000:user/<name>`. */
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The account of every local principal (what DynamoDB Local and the other stand-ins use too). */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** The portal an unsigned request is. */
export const DEFAULT_PORTAL_NAME = "local-portal";

/** The local portals unless configured otherwise: two, so that scoping can be seen and tested. */
export const DEFAULT_LOCAL_PORTALS: readonly LocalPortal[] = [
  { name: "portal-a", accessKeyId: "AKIAFRISTLOCALPORTA", secretAccessKey: "frist-local-portal-a-secret" },
  { name: "portal-b", accessKeyId: "AKIAFRISTLOCALPORTB", secretAccessKey: "frist-local-portal-b-secret" },
];

/** The service and how far a signature's time may be from now, as API Gateway checks them. */
const SERVICE = "execute-api";
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The ARN a local portal's requests carry as `userArn`. */
export function localPortalArn(name: string): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${name}`;
}

/** The unique id IAM would give the user (`AIDA…`): `caller` and `user` in the identity. */
function userIdOf(name: string): string {
  return `AIDA${createHash("sha256").update(name).digest("hex").slice(0, 17).toUpperCase()}`;
}

/** The identity fields API Gateway sets for an IAM user's signed request. */
export function portalIdentityFields(
  name: string,
  accessKey: string | null,
): Pick<APIGatewayEventIdentity, "accessKey" | "accountId" | "caller" | "user" | "userArn"> {
  const userId = userIdOf(name);
  return {
    accessKey,
    accountId: LOCAL_ACCOUNT_ID,
    caller: userId,
    user: userId,
    userArn: localPortalArn(name),
  };
}

/** Checks a list of local portals: unique names and keys, names fit for an ARN. */
export function validateLocalPortals(portals: readonly LocalPortal[]): LocalPortal[] {
  if (!Array.isArray(portals)) throw new Error("the local portals must be a JSON array");
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const portal of portals) {
    if (!/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(portal.name ?? "")) {
      throw new Error(`local portal name ${JSON.stringify(portal.name)}: 1-64 of A-Z a-z 0-9 +=,.@_-`);
    }
    if (!/^[A-Z0-9]{16,128}$/.test(portal.accessKeyId ?? "")) {
      throw new Error(`local portal ${portal.name}: accessKeyId must be 16-128 of A-Z 0-9`);
    }
    if (typeof portal.secretAccessKey !== "string" || portal.secretAccessKey.length < 8) {
      throw new Error(`local portal ${portal.name}: secretAccessKey must have at least 8 characters`);
    }
    if (portal.name === DEFAULT_PORTAL_NAME || names.has(portal.name)) {
      throw new Error(`local portal name ${portal.name} is taken`);
    }
    if (keys.has(portal.accessKeyId)) throw new Error(`access key ${portal.accessKeyId} is used twice`);
    names.add(portal.name);
    keys.add(portal.accessKeyId);
  }
  return [...portals];
}

/** The request as the signature covers it. */
export interface SignedRequest {
  method: string;
  /** Path and query as received (still percent-encoded), e.g. "/referrals?status=received". */
  url: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: string[];
  body: string;
}

/** API Gateway's answer to a request IAM auth refuses. */
export interface AuthFailure {
  statusCode: 403;
  errorType: string;
  message: string;
}

/** Who the request is, or why it is refused. */
export type PortalAuthResult =
  | { ok: true; identity: ReturnType<typeof portalIdentityFields> }
  | { ok: false; failure: AuthFailure };

const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const refuse = (errorType: string, message: string): PortalAuthResult => ({
  ok: false,
  failure: { statusCode: 403, errorType, message },
});

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
function parseAuthorization(value: string) {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(value.trim());
  if (!match) return undefined;
  const parts = new Map<string, string>();
  for (const part of (match[1] as string).split(",")) {
    const [name, ...rest] = part.trim().split("=");
    if (name) parts.set(name, rest.join("="));
  }
  const credential = parts.get("Credential")?.split("/");
  const signedHeaders = parts.get("SignedHeaders")?.split(";");
  const signature = parts.get("Signature");
  if (credential?.length !== 5 || !signedHeaders || !signature) return undefined;
  const [accessKeyId, date, region, service, terminator] = credential as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, date, region, service, terminator, signedHeaders, signature };
}

/** `20261129T101500Z` as a Date, or undefined. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Who sent the request: the default portal when it carries no signature, else the local portal
 * whose key signed it, verified as API Gateway does (credential scope, time within 5 minutes, the
 * signature over method, path, query, the signed headers and the body). `now` is real time: clients
 * sign with their own clock, whatever the stack's simulated clock says.
 */
export async function authenticatePortal(
  request: SignedRequest,
  portals: readonly LocalPortal[],
  region: string,
  now: Date = new Date(),
): Promise<PortalAuthResult> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] as string).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), request.rawHeaders[i + 1] as string]);
  }
  const queryStart = request.url.indexOf("?");
  const rawQuery = queryStart >= 0 ? request.url.slice(queryStart + 1) : "";
  const authorization = headers.get("authorization")?.join(",");
  if (authorization === undefined) {
    if (/(^|&)X-Amz-Signature=/i.test(rawQuery)) {
      return refuse("IncompleteSignatureException", "Presigned URLs are not supported by the local API.");
    }
    return { ok: true, identity: portalIdentityFields(DEFAULT_PORTAL_NAME, null) };
  }

  const auth = parseAuthorization(authorization);
  if (!auth) {
    return refuse(
      "IncompleteSignatureException",
      `Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${authorization.split(" ")[0]}`,
    );
  }
  const portal = portals.find((candidate) => candidate.accessKeyId === auth.accessKeyId);
  if (!portal || headers.has("x-amz-security-token")) {
    return refuse("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  const amzDate = headers.get("x-amz-date")?.[0];
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt || !auth.signedHeaders.includes("host") || !auth.signedHeaders.includes("x-amz-date")) {
    return refuse(
      "IncompleteSignatureException",
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header, signed together with 'host'.",
    );
  }
  if (
    auth.date !== amzDate?.slice(0, 8) ||
    auth.service !== SERVICE ||
    auth.region !== region ||
    auth.terminator !== "aws4_request"
  ) {
    return refuse(
      "InvalidSignatureException",
      `Credential should be scoped to a valid region and service: ${auth.date}/${region}/${SERVICE}/aws4_request.`,
    );
  }
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    return refuse(
      "InvalidSignatureException",
      `Signature expired: ${amzDate} is now earlier than the allowed 5 minutes.`,
    );
  }
  const bodyHash = createHash("sha256").update(request.body, "utf8").digest("hex");
  const claimedHash = headers.get("x-amz-content-sha256")?.[0];
  if (claimedHash !== undefined && claimedHash !== bodyHash) {
    return refuse("InvalidSignatureException", SIGNATURE_MISMATCH);
  }

  // Re-sign exactly what the client says it signed, with the portal's secret, and compare.
  const signedHeaders: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const values = headers.get(name);
    if (values === undefined) return refuse("InvalidSignatureException", SIGNATURE_MISMATCH);
    signedHeaders[name] = values.join(",");
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const earlier = query[name];
    query[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: portal.accessKeyId, secretAccessKey: portal.secretAccessKey },
    region,
    service: SERVICE,
    sha256: Sha256,
    // Sign only the headers the client signed: no x-amz-content-sha256 of our own.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: "http:",
      hostname: (signedHeaders.host ?? "").split(":")[0] ?? "",
      path: queryStart >= 0 ? request.url.slice(0, queryStart) : request.url,
      query,
      headers: signedHeaders,
      body: request.body,
    },
    { signingDate: signedAt, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = parseAuthorization(String(signed.headers.authorization ?? signed.headers.Authorization));
  const same =
    expected !== undefined &&
    expected.signedHeaders.join(";") === auth.signedHeaders.join(";") &&
    expected.signature.length === auth.signature.length &&
    timingSafeEqual(Buffer.from(expected.signature), Buffer.from(auth.signature));
  if (!same) return refuse("InvalidSignatureException", SIGNATURE_MISMATCH);
  return { ok: true, identity: portalIdentityFields(portal.name, portal.accessKeyId) };
}
