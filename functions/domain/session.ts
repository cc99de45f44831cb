/**
 * Who is signed in, and what they may do: the pure rules of sign-in. A session is server-side (the
 * browser holds only a random id), lasts 30 minutes from the last request and 10 hours at most, and
 * carries the identity the OpenID provider vouched for: a member of staff with roles, a patient by
 * national ID, or health personnel by HPR number.
 */

/** The staff roles of Frist, as groups in the identity provider. */
export const STAFF_ROLES = ["assessor", "lead", "clerk", "operations"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Where a person signs in: staff (Cognito), patients (ID-porten-style), health personnel (HelseID-style). */
export const SIGN_IN_AUDIENCES = ["staff", "patient", "professional"] as const;
export type SignInAudience = (typeof SIGN_IN_AUDIENCES)[number];

/** The person a session belongs to. */
export type Principal =
  | { kind: "staff"; subject: string; name: string; email?: string; roles: StaffRole[]; hprNumber?: string }
  | { kind: "patient"; subject: string; name?: string; nationalId: string }
  | { kind: "professional"; subject: string; name?: string; hprNumber: string };

/** A signed-in session, as stored (under a hash of its id, never the id itself). */
export interface Session {
  principal: Principal;
  /** Guards the session's own form posts (sign-out, the task page's forms). */
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  /** When the session ends unless used again (idle limit), capped by the absolute limit. */
  expiresAt: string;
}

/** The cookie that carries a session id (and nothing else) in the browser, and for scripts. */
export const SESSION_COOKIE = "frist_session";

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 10 * 60 * 60_000;
/** A session's last-seen time is written at most this often: a page view is not worth a write each. */
export const SESSION_TOUCH_MS = 60_000;

/** When a session used at `lastSeen` ends: 30 minutes idle, never past 10 hours from its start. */
export function sessionExpiry(createdAt: Date, lastSeen: Date): Date {
  return new Date(Math.min(lastSeen.getTime() + SESSION_IDLE_MS, createdAt.getTime() + SESSION_MAX_MS));
}

/** True while the session may be used at `now`. */
export function sessionLive(session: Pick<Session, "expiresAt">, now: Date): boolean {
  return now.getTime() < Date.parse(session.expiresAt);
}

/** The recipient audiences, each known by one identifying claim of its provider's ID token. */
export type RecipientAudience = Exclude<SignInAudience, "staff">;

/**
 * The claim that identifies a letter's recipient, by provider. ID-porten gives the national ID as
 * `pid`; HelseID gives the HPR number as `helseid://claims/hpr/hpr_number` (NHN's claim reference);
 * the local OpenID provider uses the short names `pid` and `hpr_number`, as HelseID's test tools show
 * them. The cloud configuration defaults to the real names, the local stack passes the local ones.
 */
export const RECIPIENT_CLAIMS = {
  cloud: { patient: "pid", professional: "helseid://claims/hpr/hpr_number" },
  local: { patient: "pid", professional: "hpr_number" },
} as const satisfies Record<"cloud" | "local", Record<RecipientAudience, string>>;

/**
 * The claims of an ID token, mapped to a principal for the audience it signed in for. Staff roles
 * come from `cognito:groups` (Cognito's groups; the local provider sends the same claim); a patient
 * is known by the national ID in `identityClaim`, health personnel by the HPR number in
 * `identityClaim` (default: the local provider's names, {@link RECIPIENT_CLAIMS}). Undefined when the
 * token does not identify someone of that audience.
 */
export function principalFromClaims(
  audience: SignInAudience,
  claims: Record<string, unknown>,
  identityClaim?: string,
): Principal | undefined {
  const subject = typeof claims.sub === "string" ? claims.sub : undefined;
  if (!subject) return undefined;
  const name = typeof claims.name === "string" && claims.name.trim() !== "" ? claims.name : undefined;
  switch (audience) {
    case "staff": {
      const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"] : [];
      const roles = STAFF_ROLES.filter((role) => groups.includes(role));
      const email = typeof claims.email === "string" ? claims.email : undefined;
      const hpr = hprOf(claims.hpr_number);
      return {
        kind: "staff",
        subject,
        name: name ?? email ?? subject,
        roles,
        ...(email ? { email } : {}),
        ...(hpr ? { hprNumber: hpr } : {}),
      };
    }
    case "patient": {
      const value = claims[identityClaim ?? RECIPIENT_CLAIMS.local.patient];
      const pid = typeof value === "string" && /^\d{11}$/.test(value) ? value : undefined;
      return pid ? { kind: "patient", subject, nationalId: pid, ...(name ? { name } : {}) } : undefined;
    }
    case "professional": {
      const hpr = hprOf(claims[identityClaim ?? RECIPIENT_CLAIMS.local.professional]);
      return hpr ? { kind: "professional", subject, hprNumber: hpr, ...(name ? { name } : {}) } : undefined;
    }
  }
}

function hprOf(value: unknown): string | undefined {
  const text = typeof value === "number" ? String(value) : value;
  return typeof text === "string" && /^\d{1,9}$/.test(text) ? text : undefined;
}

/** True when the principal is staff holding one of `roles`. */
export function hasRole(principal: Principal | undefined, roles: readonly StaffRole[]): boolean {
  return principal?.kind === "staff" && principal.roles.some((role) => roles.includes(role));
}

/**
 * The page to return to after sign-in: a path on this API only (starting with one "/", no scheme,
 * no host, no backslash), so the sign-in can never redirect elsewhere. Anything else returns the
 * signed-in page.
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== "string" || value.length > 512) return SIGNED_IN_PATH;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes("\\")) return SIGNED_IN_PATH;
  return value;
}

/** The page that says who is signed in (and offers sign-out): where a sign-in without a page lands. */
export const SIGNED_IN_PATH = "/auth/session";

/** How a principal appears in the audit trail and the access log: who, never a national ID. */
export function actorIdOf(principal: Principal): string {
  switch (principal.kind) {
    case "staff":
      return principal.email ?? principal.subject;
    case "patient":
      return "patient";
    case "professional":
      return `hpr:${principal.hprNumber}`;
  }
}

/**
 * A sign-in under way: what the callback checks the provider's answer against. Lives 10 minutes, in
 * a signed cookie of the browser that started it (adapters/sign-in-state.ts), never in the table.
 */
export interface PendingSignIn {
  audience: SignInAudience;
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  createdAt: string;
}

export const PENDING_SIGN_IN_MS = 10 * 60_000;

/** Where sessions are kept (DynamoDB, with a TTL). */
export interface SessionStore {
  create(sessionId: string, session: Session): Promise<void>;
  get(sessionId: string): Promise<Session | undefined>;
  /** Records use at `lastSeenAt` and the new expiry. */
  touch(sessionId: string, change: { lastSeenAt: string; expiresAt: string }): Promise<void>;
  /** Ends the session (sign-out): its id no longer opens anything. */
  delete(sessionId: string): Promise<void>;
}

/**
 * The author of a decision as the audit trail and the decision record name them: the signed-in
 * person's name, their clinical role when the intake team lists them (else their Frist roles), and
 * their HPR number when the identity carries one; at most 64 characters.
 */
export function authorOf(
  principal: Extract<Principal, { kind: "staff" }>,
  team: readonly { email: string; role: string }[],
): string {
  const member = team.find((m) => m.email.toLowerCase() === (principal.email ?? "").toLowerCase());
  const role = member?.role ?? principal.roles.join("/");
  const tail = `${role ? `, ${role}` : ""}${principal.hprNumber ? `, HPR ${principal.hprNumber}` : ""}`;
  return `${principal.name.slice(0, Math.max(1, 64 - tail.length))}${tail}`.slice(0, 64);
}
