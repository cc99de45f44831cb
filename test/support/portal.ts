/**
 * A referral portal's HTTP client for tests: requests signed with SigV4 (service execute-api), as a
 * portal signs them for API Gateway, using the AWS SDK's own signer.
 */
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { DEFAULT_LOCAL_PORTALS, type LocalPortal } from "../../lib/local/emulators/portal-signing";

export const [PORTAL_A, PORTAL_B] = DEFAULT_LOCAL_PORTALS as [LocalPortal, LocalPortal];

/** Options of {@link signedFetch}. */
export interface SignedFetchOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  region?: string;
  /** When the request claims to be signed; default now. */
  signingDate?: Date;
  /** Sign with this secret instead of the portal's own (a forgery). */
  secretAccessKey?: string;
  service?: string;
}

/** The headers a signed request carries (Authorization, X-Amz-Date, host and the caller's own). */
export async function signedHeaders(
  url: string,
  portal: Pick<LocalPortal, "accessKeyId" | "secretAccessKey">,
  options: SignedFetchOptions = {},
): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: portal.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? portal.secretAccessKey,
    },
    region: options.region ?? "eu-north-1",
    service: options.service ?? "execute-api",
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [name, value] of target.searchParams) query[name] = value;
  const signed = await signer.sign(
    {
      method: options.method ?? "GET",
      protocol: target.protocol,
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      query,
      headers: { host: target.host, ...(options.headers ?? {}) },
      ...(options.body !== undefined ? { body: options.body } : {}),
    },
    { signingDate: options.signingDate ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}

/** fetch, signed as `portal`. */
export async function signedFetch(
  url: string,
  portal: Pick<LocalPortal, "accessKeyId" | "secretAccessKey">,
  options: SignedFetchOptions = {},
): Promise<Response> {
  const headers = await signedHeaders(url, portal, options);
  const { host: _host, ...sent } = headers;
  return fetch(url, {
    method: options.method ?? "GET",
    headers: sent,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}
