import type { Node } from "constructs";
import * as z from "zod";
import { PRIORITY_GUIDE_DEFINE } from "../functions/adapters/priority-guide";
import {
  type ClinicConfigInput,
  clinicSchema,
  decisionConfigSchema,
  intakeTeamSchema,
  legalClockConfigSchema,
} from "../functions/domain/clinic";
import { intakePlanningConfigSchema } from "../functions/domain/intake-planning";
import { priorityGuideSchema } from "../functions/domain/priority-guide";
import { RECIPIENT_CLAIMS, STAFF_ROLES } from "../functions/domain/session";

/** Default region: Stockholm is the AWS region nearest Norway, and keeps health data inside the EU/EEA. */
export const DEFAULT_REGION = "eu-north-1";

const oidcIssuerSchema = z.object({
  issuer: z.url().refine((url) => url.startsWith("https://"), "an https issuer URL"),
  clientId: z.string().min(1).max(200),
});

/**
 * A letter recipients' issuer (ID-porten, HelseID): optionally the scopes to ask for, since each
 * names its own (ID-porten knows no `email`; HelseID gives the HPR number for a scope of its own).
 */
const recipientIssuerSchema = oidcIssuerSchema.extend({
  scope: z
    .string()
    .regex(/^openid( [\x21-\x7e]+)*$/, "space-separated scopes, the first of them openid")
    .max(500)
    .optional(),
});

/** Staff beside the intake team: clerks (postal letters), operations, or more leads and assessors. */
export const staffSchema = z
  .array(
    z.object({
      name: z.string().min(1).max(200),
      email: z.email().max(254),
      roles: z.array(z.enum(STAFF_ROLES)).min(1),
      hprNumber: z
        .string()
        .regex(/^\d{1,9}$/, "up to 9 digits")
        .optional(),
    }),
  )
  .default([]);

/** The hospital's own OpenID provider (HelseID, Entra ID), federated into the Cognito user pool. */
export const identityProviderSchema = z.object({
  /** The provider's name in Cognito (letters, digits, - and _). */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "1-32 letters, digits, '_' or '-'"),
  issuer: z.url().refine((url) => url.startsWith("https://"), "an https issuer URL"),
  clientId: z.string().min(1).max(200),
  /** The Secrets Manager secret holding the client secret (never the secret itself). */
  clientSecretName: z.string().min(1).max(512),
});

/** The name of the ID-token claim that identifies a recipient (a JWT claim name, URIs included). */
const claimNameSchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, "a claim name (1-200 printable characters)");

/**
 * The OpenID issuers letter recipients sign in with: ID-porten-style (patients), HelseID-style
 * (personnel). `claim` names the ID-token claim that identifies the person; it defaults to the real
 * providers' names (ID-porten `pid`, HelseID `helseid://claims/hpr/hpr_number`). The local stack
 * does not read this: it passes its local provider's names.
 */
export const recipientSignInSchema = z
  .object({
    patient: recipientIssuerSchema
      .extend({ claim: claimNameSchema.default(RECIPIENT_CLAIMS.cloud.patient) })
      .optional(),
    professional: recipientIssuerSchema
      .extend({ claim: claimNameSchema.default(RECIPIENT_CLAIMS.cloud.professional) })
      .optional(),
  })
  .default({});

/** The deploy-time configuration of Frist, as read from the CDK context keys `frist:*`. */
/** NHN's EDI 2.0 test environment (the meldingstjener's REST API), until a clinic is approved for production. */
export const DEFAULT_EDI_API_URL = "https://api.tjener.test.melding.nhn.no/";

/** HelseID's test environment (its issuer), until a clinic's client is approved for production. */
export const DEFAULT_HELSEID_ISSUER = "https://helseid-sts.test.nhn.no";

/**
 * Frist's machine client at HelseID, which authorizes its calls to the EDI 2.0 API: client
 * credentials, `private_key_jwt` with the key in a Secrets Manager secret the clinic creates (the
 * private JWK, as HelseID's self-service gives it), DPoP-bound tokens for the scope `nhn:msh/api`.
 */
export const helseIdClientSchema = z
  .object({
    issuer: z
      .url()
      .refine((url) => url.startsWith("https://"), "an https issuer URL")
      .transform((url) => url.replace(/\/+$/, ""))
      .default(DEFAULT_HELSEID_ISSUER),
    /** Default: the issuer's `/connect/token`, where HelseID has it. */
    tokenEndpoint: z
      .url()
      .refine((url) => url.startsWith("https://"), "an https token endpoint URL")
      .optional(),
    clientId: z.string().min(1).max(200),
    /** The Secrets Manager secret (its name) holding the client's private key as a JWK, never the key. */
    keySecretName: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "a Secrets Manager secret name")
      .default("frist/helseid-edi-client-key"),
    scope: z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, "space-separated scopes")
      .default("nhn:msh/api"),
  })
  .transform(({ tokenEndpoint, ...client }) => ({
    ...client,
    tokenEndpoint: tokenEndpoint ?? `${client.issuer}/connect/token`,
  }));

/** Frist's HelseID client, validated, its token endpoint filled in. */
export type HelseIdClientConfig = z.infer<typeof helseIdClientSchema>;

/** Fastlegeregisteret's web service in Norsk Helsenett's test environment (`/v2/flr`). */
export const DEFAULT_GP_REGISTER_URL = "https://ws-web.test.nhn.no/v2/flr";

/**
 * Fastlegeregisteret, where the GP of a patient is looked up for the copy of a Status på henvisning
 * when the referral names the GP without a HER-id: its web service, and the Secrets Manager secret
 * the clinic creates with the user name and password Norsk Helsenett gave it
 * (`{"username": …, "password": …}`), never the password itself.
 */
export const gpRegisterSchema = z.object({
  url: z
    .url()
    .refine((url) => url.startsWith("https://"), "an https URL")
    .default(DEFAULT_GP_REGISTER_URL),
  credentialsSecretName: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "a Secrets Manager secret name")
    .default("frist/fastlegeregisteret-credentials"),
});

/** Fastlegeregisteret's settings, validated. */
export type GpRegisterConfig = z.infer<typeof gpRegisterSchema>;

export const fristConfigSchema = z.object({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-north-1"),
  senderEmail: z.email(),
  sesConfigurationSet: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, '_' or '-' (SES configuration set name)"),
  // The same schemas the functions parse CLINIC_CONFIG with: a config that synthesizes also loads.
  clinic: clinicSchema,
  intakeTeam: intakeTeamSchema,
  legalClock: legalClockConfigSchema.prefault({}),
  intakePlanning: intakePlanningConfigSchema.prefault({}),
  decision: decisionConfigSchema.prefault({}),
  /**
   * The clinic's own priority guide table; absent, the functions use the one shipped with the code
   * (functions/domain/priority-guide.data.json). Compiled into the bundles, never into CLINIC_CONFIG.
   */
  priorityGuide: priorityGuideSchema.optional(),
  alarmEmail: z.email().optional(),
  staff: staffSchema,
  identityProvider: identityProviderSchema.optional(),
  recipientSignIn: recipientSignInSchema,
  publicBaseUrl: z
    .url()
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  /**
   * The base URL of Norsk Helsenett's EDI 2.0 REST API (the meldingstjener), where Status på
   * henvisning is sent. Default: NHN's test environment; a clinic sets production's once approved.
   */
  ediApiUrl: z.url().default(DEFAULT_EDI_API_URL),
  /** Frist's HelseID client for the EDI 2.0 API ({@link helseIdClientSchema}). */
  helseId: helseIdClientSchema,
  /** Fastlegeregisteret ({@link gpRegisterSchema}). */
  gpRegister: gpRegisterSchema.prefault({}),
});

/** Typed, validated Frist configuration. */
export type FristConfig = z.infer<typeof fristConfigSchema>;

/** The context keys this app reads, in the order FristConfig lists them. */
export const CONTEXT_KEYS = {
  region: "frist:region",
  senderEmail: "frist:senderEmail",
  sesConfigurationSet: "frist:sesConfigurationSet",
  clinic: "frist:clinic",
  intakeTeam: "frist:intakeTeam",
  legalClock: "frist:legalClock",
  intakePlanning: "frist:intakePlanning",
  decision: "frist:decision",
  priorityGuide: "frist:priorityGuide",
  alarmEmail: "frist:alarmEmail",
  staff: "frist:staff",
  identityProvider: "frist:identityProvider",
  recipientSignIn: "frist:recipientSignIn",
  publicBaseUrl: "frist:publicBaseUrl",
  ediApiUrl: "frist:ediApiUrl",
  helseId: "frist:helseId",
  gpRegister: "frist:gpRegister",
} as const satisfies Record<keyof FristConfig, string>;

/**
 * Parses raw `frist:*` context values into a FristConfig.
 * Throws one error listing every bad key (named by its context key), so a broken cdk.json fails
 * synth with a message that says what to fix rather than deploying half a configuration.
 */
export function parseFristConfig(read: (key: string) => unknown): FristConfig {
  const raw = {
    region: read(CONTEXT_KEYS.region) ?? DEFAULT_REGION,
    senderEmail: read(CONTEXT_KEYS.senderEmail),
    sesConfigurationSet: read(CONTEXT_KEYS.sesConfigurationSet),
    clinic: parseIfJson(read(CONTEXT_KEYS.clinic)),
    intakeTeam: parseIfJson(read(CONTEXT_KEYS.intakeTeam)),
    legalClock: parseIfJson(read(CONTEXT_KEYS.legalClock)) ?? {},
    intakePlanning: parseIfJson(read(CONTEXT_KEYS.intakePlanning)) ?? {},
    decision: parseIfJson(read(CONTEXT_KEYS.decision)) ?? {},
    priorityGuide: emptyToUndefined(parseIfJson(read(CONTEXT_KEYS.priorityGuide))),
    alarmEmail: emptyToUndefined(read(CONTEXT_KEYS.alarmEmail)),
    staff: parseIfJson(read(CONTEXT_KEYS.staff)) ?? [],
    identityProvider: emptyToUndefined(parseIfJson(read(CONTEXT_KEYS.identityProvider))),
    recipientSignIn: parseIfJson(read(CONTEXT_KEYS.recipientSignIn)) ?? {},
    publicBaseUrl: emptyToUndefined(read(CONTEXT_KEYS.publicBaseUrl)),
    ediApiUrl: emptyToUndefined(read(CONTEXT_KEYS.ediApiUrl)),
    helseId: parseIfJson(read(CONTEXT_KEYS.helseId)),
    gpRegister: parseIfJson(read(CONTEXT_KEYS.gpRegister)) ?? {},
  };
  const result = fristConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [first, ...rest] = issue.path.map(String);
      const key = first ? ((CONTEXT_KEYS as Record<string, string>)[first] ?? first) : "(context)";
      return `  ${[key, ...rest].join(".")}: ${issue.message}`;
    });
    throw new Error(`Invalid Frist configuration in the CDK context:\n${problems.join("\n")}`);
  }
  return result.data;
}

/** Reads the FristConfig from a construct node's context (the app's cdk.json context plus `-c` flags). */
export function loadFristConfig(node: Node): FristConfig {
  return parseFristConfig((key) => node.tryGetContext(key));
}

/**
 * The CLINIC_CONFIG environment value every function receives, as JSON: the clinic, its intake team,
 * its legal-clock rules and its intake planning. Only staff contact data travels here; no patient data
 * is ever configuration. Not the priority guide: it may be longer than Lambda's 4 KB of environment
 * allow, so it travels in the code ({@link bundleDefinesOfConfig}).
 */
export function clinicConfigJson(config: FristConfig): string {
  const clinicConfig: ClinicConfigInput = {
    clinic: config.clinic,
    intakeTeam: config.intakeTeam,
    legalClock: config.legalClock,
    intakePlanning: config.intakePlanning,
    decision: config.decision,
  };
  return JSON.stringify(clinicConfig);
}

/**
 * What the app compiles into every function's bundle (lib/constructs/bundle-defines.ts): the clinic's
 * own priority guide, validated, when `frist:priorityGuide` gives one; nothing otherwise (the bundles
 * then carry the shipped table).
 */
export function bundleDefinesOfConfig(config: Pick<FristConfig, "priorityGuide">): Record<string, unknown> {
  return config.priorityGuide ? { [PRIORITY_GUIDE_DEFINE]: config.priorityGuide } : {};
}

/** `-c frist:clinic='{"name":…}'` arrives as a string; cdk.json gives objects. Accept both. */
function parseIfJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function emptyToUndefined(value: unknown): unknown {
  return value === "" || value === null ? undefined : value;
}

/** A member of staff with the roles Frist gives them: a user (and group memberships) in the identity provider. */
export interface StaffAccount {
  name: string;
  email: string;
  roles: string[];
  hprNumber?: string;
}

/**
 * Every member of staff and their roles: the intake team are assessors (the lead also `lead`), then
 * `frist:staff` (clerks, operations). One person listed twice gets the union of the roles.
 */
export function staffAccountsOf(config: Pick<FristConfig, "intakeTeam" | "staff">): StaffAccount[] {
  const accounts = new Map<string, StaffAccount>();
  const add = (account: StaffAccount) => {
    const key = account.email.toLowerCase();
    const known = accounts.get(key);
    if (known) known.roles = [...new Set([...known.roles, ...account.roles])];
    else accounts.set(key, { ...account, roles: [...account.roles] });
  };
  for (const member of config.intakeTeam) {
    add({ name: member.name, email: member.email, roles: member.lead ? ["assessor", "lead"] : ["assessor"] });
  }
  for (const member of config.staff) add({ ...member });
  return [...accounts.values()];
}
