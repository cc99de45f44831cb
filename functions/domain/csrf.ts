/**
 * Cross-site request forgery protection for the task page's forms. The task link is a capability,
 * but a page on another site could still make a clinician's browser post a decision to a link it
 * learned (a forwarded email, a leaked log). Each task therefore carries a random token that only its
 * own page shows, in a hidden field; a form post must bring it back. JSON posts need
 * `Content-Type: application/json`, which a cross-site HTML form cannot send, so they need no token.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new anti-forgery token: 256 random bits, URL-safe. */
export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Whether a posted token is the task's own, compared in constant time (both sides hashed first, so
 * neither the content nor the length of the expected token leaks through timing). A task without a
 * token accepts no form post.
 */
export function csrfTokenMatches(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== "string" || given === "") return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * Whether a form post's Origin header (when the browser sent one) names the host it was posted to.
 * `null` counts as absent: the staff pages send `Referrer-Policy: no-referrer`, and under that policy
 * browsers send `Origin: null` with their own same-site form posts; the token still has to match.
 */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || origin === "" || origin === "null") return true;
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
