/**
 * What a Frist function uses, declared once per function (FristFunction's `uses`): each need sets
 * the function's environment variables and its IAM grants together, so a function can neither be
 * granted a table without TABLE_NAME nor read CLINIC_CONFIG without being given it. The tests read
 * these declarations back and compare them with the synthesized policies (test/infra/uses.test.ts),
 * and README.md's permissions table is generated from them.
 */
import { ATTACHMENT_ACTIONS, ATTACHMENT_KEY_ACTIONS, type AttachmentUse } from "./attachment-bucket";
import type { RecordFamily, WorklistPartition } from "./referral-store";

/**
 * The DynamoDB calls a function makes, by the record families (key prefixes, RECORD_FAMILIES) each
 * touches. A TransactWriteItems needs the action of each of its members (a Put member PutItem, an
 * Update member UpdateItem, a Delete member DeleteItem). No function scans or batch-writes, so
 * neither can be declared.
 */
export interface TableUse {
  /** GetItem. */
  readonly get?: readonly RecordFamily[];
  /** Query on the table (a partition of one family). */
  readonly query?: readonly RecordFamily[];
  /** BatchGetItem. */
  readonly batchGet?: readonly RecordFamily[];
  /** PutItem, alone or in a transaction. */
  readonly put?: readonly RecordFamily[];
  /** UpdateItem, alone or in a transaction. */
  readonly update?: readonly RecordFamily[];
  /** DeleteItem, alone or in a transaction: only of records the function itself claims or owns. */
  readonly delete?: readonly RecordFamily[];
  /** Query on the indexes: the worklist index by the partitions queried, the others by name. */
  readonly indexes?: {
    readonly worklist?: readonly WorklistPartition[];
    readonly byTaskId?: true;
    readonly byPortal?: true;
    readonly byPatient?: true;
  };
}

/**
 * How a function uses sign-in. `route`: a route that admits signed-in people only (functions/adapters/
 * http.ts `access`): it reads the session and writes its last use, and logs a refused attempt to the
 * access log. `flow`: the sign-in itself (functions/handlers/auth.ts): it also creates and deletes
 * sessions, and signs the cookie of a sign-in under way (SIGN_IN_STATE_KEY).
 */
export type SignInUse = "route" | "flow";

/**
 * What a function asks of the workflow's state machine: `start` an execution (StartExecution),
 * `resume` a wait (SendTaskSuccess), `retime` a wait (SendTaskFailure), `inspect` its executions
 * (ListExecutions, DescribeExecution).
 */
export type WorkflowUse = "start" | "resume" | "retime" | "inspect";

/** What a function uses; see the file comment. */
export interface FunctionUses {
  /** The referral table: TABLE_NAME and the item-level grants of {@link TableUse}. */
  readonly table?: TableUse;
  /** CLINIC_CONFIG (the clinic, its team, its legal-clock and calendar rules). */
  readonly clinicConfig?: true;
  /** PUBLIC_BASE_URL (links in emails). */
  readonly publicBaseUrl?: true;
  /** SIGN_IN_PROVIDERS, PUBLIC_BASE_URL, TABLE_NAME and the session's records ({@link SignInUse}). */
  readonly signIn?: SignInUse;
  /** MAIL_FROM, SES_CONFIGURATION_SET, and sending as Frist. */
  readonly mailer?: true;
  /** STATE_MACHINE_ARN and these Step Functions calls. */
  readonly workflow?: readonly WorkflowUse[];
  /**
   * EDI_API_URL and HELSEID_CLIENT: calls Norsk Helsenett's EDI 2.0 API (outside AWS) with HelseID
   * tokens, its client's private key read from its Secrets Manager secret ({@link EDI_ACTIONS}).
   */
  readonly edi?: true;
  /**
   * FASTLEGEREGISTERET: asks Norsk Helsenett's Fastlegeregisteret (outside AWS) for a patient's GP,
   * with the clinic's credentials read from their Secrets Manager secret ({@link GP_REGISTER_ACTIONS}).
   */
  readonly gpRegister?: true;
  /**
   * ATTACHMENT_BUCKET and these S3 calls on the attachment keys, with the KMS calls S3 makes for them
   * on the bucket's key (attachment-bucket.ts).
   */
  readonly attachments?: readonly AttachmentUse[];
  /**
   * Reads the stack's CloudWatch alarms ({@link ALARMS_ACTIONS} on the alarms named "Frist…", the
   * prefix every alarm of the stack has): operations' home. No variable: the prefix is Frist's own.
   */
  readonly alarms?: true;
}

/** The DynamoDB actions of a {@link TableUse}'s item calls, in the order they are listed. */
export const TABLE_ACTIONS = {
  get: "dynamodb:GetItem",
  query: "dynamodb:Query",
  batchGet: "dynamodb:BatchGetItem",
  put: "dynamodb:PutItem",
  update: "dynamodb:UpdateItem",
  delete: "dynamodb:DeleteItem",
} as const;

type ItemCall = keyof typeof TABLE_ACTIONS;

/** What each {@link SignInUse} adds to the table use. */
const SIGN_IN_TABLE_USE: Record<SignInUse, TableUse> = {
  route: { get: ["session"], update: ["session"], put: ["access"] },
  flow: { get: ["session"], update: ["session"], put: ["session"], delete: ["session"] },
};

/** The table use of a function, its sign-in's records included (undefined: no table at all). */
export function tableUseOf(uses: FunctionUses): TableUse | undefined {
  const parts = [uses.table, uses.signIn ? SIGN_IN_TABLE_USE[uses.signIn] : undefined].filter(
    (part): part is TableUse => part !== undefined,
  );
  if (parts.length === 0) return undefined;
  const merged: Record<string, RecordFamily[]> = {};
  for (const call of Object.keys(TABLE_ACTIONS) as ItemCall[]) {
    const families = [...new Set(parts.flatMap((part) => part[call] ?? []))].sort();
    if (families.length > 0) merged[call] = families;
  }
  const indexes = parts.find((part) => part.indexes)?.indexes;
  return { ...merged, ...(indexes ? { indexes } : {}) };
}

/**
 * The table's item actions a function may use, each with the record families it may use it on
 * (the sign-in's included), e.g. `{"dynamodb:GetItem": ["referral", "session"]}`.
 */
export function itemActionsOf(uses: FunctionUses): Record<string, RecordFamily[]> {
  const table = tableUseOf(uses);
  const actions: Record<string, RecordFamily[]> = {};
  for (const [call, action] of Object.entries(TABLE_ACTIONS) as [ItemCall, string][]) {
    const families = table?.[call];
    if (families && families.length > 0) actions[action] = [...families];
  }
  return actions;
}

/** Whether a function writes items (PutItem or UpdateItem): it then encrypts with the table's key. */
export function writesItems(uses: FunctionUses): boolean {
  const table = tableUseOf(uses);
  return (table?.put?.length ?? 0) > 0 || (table?.update?.length ?? 0) > 0;
}

/** The Step Functions actions of each {@link WorkflowUse}. */
export const WORKFLOW_ACTIONS: Record<WorkflowUse, readonly string[]> = {
  start: ["states:StartExecution"],
  resume: ["states:SendTaskSuccess"],
  retime: ["states:SendTaskFailure"],
  inspect: ["states:ListExecutions", "states:DescribeExecution"],
};

/** What `edi` is granted: reading the HelseID client's key from its secret, nothing else. */
export const EDI_ACTIONS = ["secretsmanager:GetSecretValue"] as const;

/** What `gpRegister` is granted: reading the register credentials from their secret, nothing else. */
export const GP_REGISTER_ACTIONS = ["secretsmanager:GetSecretValue"] as const;

/** What `alarms` is granted: describing the stack's alarms (metric alarms, by name prefix), nothing else. */
export const ALARMS_ACTIONS = ["cloudwatch:DescribeAlarms"] as const;

/** The alarms `alarms` may describe, as the resource name in `arn:…:cloudwatch:<region>:<account>:alarm:<name>`. */
export const ALARMS_RESOURCE_NAME = "Frist*";

/** The names of the environment variables a function's uses give it, sorted. */
export function environmentNamesOf(uses: FunctionUses): string[] {
  const names = new Set<string>();
  if (tableUseOf(uses)) names.add("TABLE_NAME");
  if (uses.clinicConfig) names.add("CLINIC_CONFIG");
  if (uses.publicBaseUrl || uses.signIn) names.add("PUBLIC_BASE_URL");
  if (uses.signIn) names.add("SIGN_IN_PROVIDERS");
  // The flow keeps a sign-in under way in a signed cookie, not in the table.
  if (uses.signIn === "flow") names.add("SIGN_IN_STATE_KEY");
  if (uses.mailer) for (const name of ["MAIL_FROM", "SES_CONFIGURATION_SET"]) names.add(name);
  if ((uses.workflow?.length ?? 0) > 0) names.add("STATE_MACHINE_ARN");
  if (uses.edi) for (const name of ["EDI_API_URL", "HELSEID_CLIENT"]) names.add(name);
  if (uses.gpRegister) names.add("FASTLEGEREGISTERET");
  if ((uses.attachments?.length ?? 0) > 0) names.add("ATTACHMENT_BUCKET");
  return [...names].sort();
}

/**
 * One line of README.md's permissions table per function: its name, its DynamoDB actions with the
 * families (key prefixes) of each, its index queries, and its other AWS calls.
 */
export function usesTableMarkdown(
  functions: readonly { name: string; uses: FunctionUses }[],
  keys: {
    /** A family's key prefixes (RECORD_FAMILIES). */
    prefixesOf: (family: RecordFamily) => readonly string[];
    /** A worklist partition group's partition key values (WORKLIST_PARTITIONS). */
    partitionsOf: (partition: WorklistPartition) => readonly string[];
  },
): string {
  const code = (values: readonly string[]) => values.map((value) => `\`${value}\``).join(" ");
  const short = (action: string) => action.replace(/^[a-z0-9]+:/, "");
  const lines = [
    "| Function | Table items (action: key prefixes) | Index queries (index: partitions) | Other AWS calls |",
    "| --- | --- | --- | --- |",
  ];
  for (const { name, uses } of [...functions].sort((a, b) => a.name.localeCompare(b.name))) {
    const items = Object.entries(itemActionsOf(uses)).map(
      ([action, families]) =>
        `${short(action)}: ${code(families.flatMap((family) => keys.prefixesOf(family)))}`,
    );
    const indexes = tableUseOf(uses)?.indexes;
    const indexCells = [
      ...(indexes?.worklist
        ? [`worklist: ${code(indexes.worklist.flatMap((partition) => keys.partitionsOf(partition)))}`]
        : []),
      ...(indexes?.byTaskId ? ["byTaskId: any task id"] : []),
      ...(indexes?.byPortal ? ["byPortal: any portal"] : []),
      ...(indexes?.byPatient ? ["byPatient: any patient"] : []),
    ];
    const other = [
      ...(uses.workflow ?? []).flatMap((use) => WORKFLOW_ACTIONS[use].map(short)),
      ...(uses.mailer ? ["SendEmail"] : []),
      ...(uses.edi ? EDI_ACTIONS.map((action) => `${short(action)} (HelseID key)`) : []),
      ...(uses.gpRegister
        ? GP_REGISTER_ACTIONS.map((action) => `${short(action)} (Fastlegeregisteret credentials)`)
        : []),
      ...(uses.alarms
        ? ALARMS_ACTIONS.map((action) => `${short(action)} (alarms \`${ALARMS_RESOURCE_NAME}\`)`)
        : []),
      ...(uses.attachments ?? []).flatMap((use) => ATTACHMENT_ACTIONS[use].map(short)),
      // The bucket's key (the table's), through S3 only; the table's own use of it is not listed.
      ...(uses.attachments ?? []).flatMap((use) =>
        ATTACHMENT_KEY_ACTIONS[use].map((a) => `${short(a)} (via S3)`),
      ),
    ];
    const cell = (parts: string[]) => (parts.length > 0 ? parts.join("; ") : "—");
    lines.push(`| ${name} | ${cell(items)} | ${cell(indexCells)} | ${cell(other)} |`);
  }
  return lines.join("\n");
}
