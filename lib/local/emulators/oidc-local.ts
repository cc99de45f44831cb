/**
 * The local OpenID provider: a real one (`oidc-provider`), so that sign-in runs the same code path
 * locally as against Cognito, ID-porten and HelseID in the cloud. It knows
 * - every member of staff in the configuration (the email is the login; roles as Cognito groups in
 *   the `cognito:groups` claim: the intake team are assessors, the lead also `lead`, plus the clerks
 *   and operations people of `frist:staff`);
 * - any patient by national ID (11 digits; claim `pid`, as ID-porten's test users);
 * - any health personnel by HPR number (claim `hpr_number`, as HelseID's test users).
 * All share one local password, printed by `npm start`. The sign-in page is a plain HTML form (one
 * identifier, one password) that works without JavaScript; Frist's own client is never asked for
 * consent (the grant is made on sign-in). Keys and grants live in memory: a restart signs everyone out.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { escapeHtml } from "../../../functions/views/escape-html";
import { LOOPBACK } from "../ports";

/** A member of staff the local provider signs in by email. */
export interface LocalStaffAccount {
  email: string;
  name: string;
  roles: string[];
  hprNumber?: string;
}

/** Options of {@link startOidcLocal}. */
export interface OidcLocalOptions {
  staff: LocalStaffAccount[];
  /** Frist's callback, e.g. http://localhost:3000/auth/callback. */
  redirectUri: string;
  /** Default: random (printed by `npm start`). */
  password?: string;
  /** Default 0: a free port. */
  port?: number;
}

/** A running local provider. */
export interface OidcLocal {
  issuer: string;
  clientId: string;
  password: string;
  /** The staff accounts it knows (email, name, roles). */
  staff: LocalStaffAccount[];
  stop(): Promise<void>;
}

export const LOCAL_CLIENT_ID = "frist-local";

type Account = { sub: string; claims: Record<string, unknown> };

const NATIONAL_ID = /^\d{11}$/;
const HPR_NUMBER = /^\d{1,9}$/;

/** The account an identifier names: a staff email, a national ID, or an HPR number. */
export function localAccountFor(staff: LocalStaffAccount[], identifier: string): Account | undefined {
  const id = identifier.trim();
  const member = staff.find((s) => s.email.toLowerCase() === id.toLowerCase());
  if (member) {
    return {
      sub: `staff:${member.email.toLowerCase()}`,
      claims: {
        email: member.email,
        email_verified: true,
        name: member.name,
        "cognito:groups": member.roles,
        ...(member.hprNumber ? { hpr_number: member.hprNumber } : {}),
      },
    };
  }
  if (NATIONAL_ID.test(id)) return { sub: id, claims: { pid: id } };
  if (HPR_NUMBER.test(id))
    return { sub: `hpr:${id}`, claims: { hpr_number: id, name: `Helsepersonell ${id}` } };
  return undefined;
}

/**
 * oidc-provider's storage, in memory: what its own development adapter does, without the warning
 * that it is one (here, in memory is the point: local sign-ins end with the process).
 */
export class MemoryAdapter {
  private static readonly items = new Map<string, { payload: Record<string, unknown>; expiresAt?: number }>();
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
    MemoryAdapter.items.set(this.key(id), {
      payload,
      ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}),
    });
  }
  async find(id: string) {
    const item = MemoryAdapter.items.get(this.key(id));
    if (!item || (item.expiresAt !== undefined && item.expiresAt < Date.now())) return undefined;
    return item.payload;
  }
  async findByUid(uid: string) {
    for (const [key, item] of MemoryAdapter.items) {
      if (key.startsWith(`${this.model}:`) && item.payload.uid === uid) return item.payload;
    }
    return undefined;
  }
  async findByUserCode(userCode: string) {
    for (const [key, item] of MemoryAdapter.items) {
      if (key.startsWith(`${this.model}:`) && item.payload.userCode === userCode) return item.payload;
    }
    return undefined;
  }
  async consume(id: string) {
    const item = MemoryAdapter.items.get(this.key(id));
    if (item) item.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    MemoryAdapter.items.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    for (const [key, item] of MemoryAdapter.items)
      if (item.payload.grantId === grantId) MemoryAdapter.items.delete(key);
  }
}

/** A fresh signing key per start: ID tokens of an earlier run are worth nothing. */
function signingKeys() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    keys: [
      {
        ...privateKey.export({ format: "jwk" }),
        kid: randomBytes(8).toString("hex"),
        alg: "RS256",
        use: "sig",
      },
    ],
  };
}

function loginPage(uid: string, error?: string, identifier = ""): string {
  return `<!DOCTYPE html>
<html lang="nb">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Logg inn – lokal innlogging</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.4rem;font-size:1rem}button{margin-top:1.25rem;padding:.5rem 1.25rem;font-size:1rem}.error{color:#b3261e}</style></head>
<body><main>
<h1>Logg inn</h1>
<p>Lokal innlogging for Frist (erstatter Cognito, ID-porten og HelseID på denne maskinen).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
<label for="identifier">E-post (ansatt), fødselsnummer (pasient) eller HPR-nummer (helsepersonell)</label>
<input id="identifier" name="identifier" autocomplete="username" required value="${escapeHtml(identifier)}">
<label for="password">Passord</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Logg inn</button>
</form>
</main></body></html>`;
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) break;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
  });
  res.end(body);
}

/** Starts the local OpenID provider on loopback. */
export async function startOidcLocal(options: OidcLocalOptions): Promise<OidcLocal> {
  const password = options.password ?? randomBytes(9).toString("base64url");
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        token_endpoint_auth_method: "none",
        redirect_uris: [options.redirectUri],
        response_types: ["code"],
        grant_types: ["authorization_code"],
      },
    ],
    pkce: { required: () => true },
    adapter: MemoryAdapter,
    jwks: signingKeys() as never,
    // The ID token carries the claims (as Cognito's, ID-porten's and HelseID's do); no userinfo call.
    conformIdTokenClaims: false,
    claims: {
      openid: ["sub", "pid", "hpr_number", "cognito:groups"],
      profile: ["name"],
      email: ["email", "email_verified"],
    },
    scopes: ["openid", "profile", "email"],
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      const account = localAccountFor(options.staff, sub.replace(/^staff:|^hpr:/, "")) ?? undefined;
      if (!account || account.sub !== sub) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...account.claims }) };
    },
    // Frist's own client asks no consent: the grant is made when the person signs in.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const existing = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (existing) {
        const grant = await ctx.oidc.provider.Grant.find(existing);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope("openid profile email");
      await grant.save();
      return grant;
    },
    ttl: {
      Session: 600,
      Interaction: 600,
      Grant: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      AccessToken: 600,
    },
    renderError: async (ctx: KoaContextWithOIDC, out: { error?: string }) => {
      ctx.type = "html";
      ctx.body = `<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>Innloggingsfeil</title></head><body><h1>Innloggingen mislyktes</h1><p>${escapeHtml(String(out.error ?? "error"))}</p></body></html>`;
    },
  });
  provider.on("server_error", () => undefined);
  const callback = provider.callback();

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
    if (!match) {
      callback(req, res);
      return;
    }
    (async () => {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== match[1]) return send(res, 400, loginPage(details.uid, "Ugyldig innlogging."));
      if (!match[2] && req.method === "GET") return send(res, 200, loginPage(details.uid));
      if (match[2] && req.method === "POST") {
        const form = await formOf(req);
        const identifier = form.get("identifier") ?? "";
        const account = localAccountFor(options.staff, identifier);
        if (!account || form.get("password") !== password) {
          return send(res, 200, loginPage(details.uid, "Feil brukernavn eller passord.", identifier));
        }
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: account.sub } },
          { mergeWithLastSubmission: false },
        );
      }
      return send(res, 405, loginPage(details.uid));
    })().catch(() => {
      if (!res.headersSent)
        send(res, 400, "<!DOCTYPE html><p>Innloggingen er utløpt. Start på nytt fra Frist.</p>");
    });
  });

  let stopped: Promise<void> | undefined;
  return {
    issuer,
    clientId: LOCAL_CLIENT_ID,
    password,
    staff: options.staff,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
