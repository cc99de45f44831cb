/**
 * The sign-in under way, kept in the browser instead of the table: the OpenID state, the nonce, the
 * PKCE verifier, the audience and the return path, in one cookie value signed with HMAC-SHA256 and
 * valid for {@link PENDING_SIGN_IN_MS}. An anonymous `GET /auth/login` then writes nothing anywhere
 * (anyone may call it as often as they like), and the callback trusts only what this function
 * signed. The value is signed, not encrypted: it is readable in the browser that started the
 * sign-in (HttpOnly, so not by its scripts), and the verifier only proves that browser started it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { PENDING_SIGN_IN_MS, type PendingSignIn, SIGN_IN_AUDIENCES } from "../domain/session";

/** The shortest key accepted: 32 bytes, as many as the HMAC-SHA256 output. */
export const MIN_STATE_KEY_BYTES = 32;

/** A sign-in under way, with the state the provider returns on the callback. */
export interface SealedSignIn extends PendingSignIn {
  state: string;
}

/** Why a state cookie was refused. */
export type OpenFailure = "missing" | "forged" | "expired";

const mac = (key: Buffer, payload: string) => createHmac("sha256", key).update(payload).digest();

/** The cookie value for `pending`: base64url JSON, a dot, and its HMAC under `key`. */
export function sealSignIn(key: Buffer, pending: SealedSignIn): string {
  const payload = Buffer.from(JSON.stringify(pending), "utf8").toString("base64url");
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

/**
 * The sign-in a cookie value holds, if `key` signed it and it is not older than
 * {@link PENDING_SIGN_IN_MS} at `now` (nor dated in the future); else why not.
 */
export function openSignIn(
  key: Buffer,
  value: string | undefined,
  now: Date,
): { ok: true; pending: SealedSignIn } | { ok: false; reason: OpenFailure } {
  if (!value) return { ok: false, reason: "missing" };
  const [payload, signature, ...rest] = value.split(".");
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: "forged" };
  const expected = mac(key, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "forged" };
  let pending: SealedSignIn;
  try {
    pending = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SealedSignIn;
  } catch {
    return { ok: false, reason: "forged" };
  }
  const fields = [
    pending?.state,
    pending?.codeVerifier,
    pending?.nonce,
    pending?.returnTo,
    pending?.createdAt,
  ];
  if (fields.some((field) => typeof field !== "string") || !SIGN_IN_AUDIENCES.includes(pending.audience)) {
    return { ok: false, reason: "forged" };
  }
  const age = now.getTime() - Date.parse(pending.createdAt);
  if (!(age >= -60_000 && age <= PENDING_SIGN_IN_MS)) return { ok: false, reason: "expired" };
  return { ok: true, pending };
}

/**
 * The key from SIGN_IN_STATE_KEY: on AWS CloudFormation resolves it from a generated Secrets
 * Manager secret at deploy; locally each start of the stack passes a fresh random one. Too short a
 * key fails the cold start, with its name.
 */
export function stateKeyFromEnv(value: string | undefined): Buffer {
  const key = Buffer.from(value ?? "", "utf8");
  if (key.length < MIN_STATE_KEY_BYTES) {
    throw new Error(`SIGN_IN_STATE_KEY must be set, at least ${MIN_STATE_KEY_BYTES} bytes`);
  }
  return key;
}
