/**
 * What an AWS API request asks IAM for: the action(s), the resource ARN(s) and the condition keys,
 * read from the request as DynamoDB, Step Functions and SES read it. Pure functions over the parsed
 * body; the gateway in ./gateway.ts evaluates the result against the caller's policies.
 *
 * Nothing here keeps or returns request bodies beyond key values needed for `dynamodb:LeadingKeys`
 * and the sender address needed for `ses:FromAddress`.
 */
import { type CfnTemplate, LOCAL_ACCOUNT_ID } from "../template";

/** Context values of one check, as IAM condition keys see them. */
export type IamContext = Record<string, string | string[]>;

/**
 * One authorization IAM makes for a request: `action` on any one of `resources` (SES sends as an
 * address or its domain, whichever identity is verified, so either grant will do). A request is
 * allowed when every one of its checks is.
 */
export interface IamCheck {
  action: string;
  resources: string[];
  context: IamContext;
}

/** The partition key attribute of a table and of each of its secondary indexes. */
export interface TableKeys {
  partitionKey: string;
  indexes: Record<string, string>;
}

/** Where the ARNs a parser builds live. */
export interface ArnScope {
  region: string;
  accountId?: string;
}

type AttributeValue = Record<string, unknown>;

function hashKeyOf(schema: unknown): string | undefined {
  if (!Array.isArray(schema)) return undefined;
  const hash = schema.find((key) => (key as { KeyType?: string }).KeyType === "HASH") as
    | { AttributeName?: unknown }
    | undefined;
  return typeof hash?.AttributeName === "string" ? hash.AttributeName : undefined;
}

/**
 * The partition key attributes of every DynamoDB table of the template (named by logical id, as the
 * local runtime names them) and of its secondary indexes, from `KeySchema`.
 */
export function readTableKeys(template: CfnTemplate): Record<string, TableKeys> {
  const out: Record<string, TableKeys> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== "AWS::DynamoDB::Table" && resource.Type !== "AWS::DynamoDB::GlobalTable") continue;
    const props = resource.Properties ?? {};
    const partitionKey = hashKeyOf(props.KeySchema);
    if (!partitionKey) continue;
    const indexes: Record<string, string> = {};
    for (const list of [props.GlobalSecondaryIndexes, props.LocalSecondaryIndexes]) {
      for (const index of Array.isArray(list) ? list : []) {
        const { IndexName, KeySchema } = index as { IndexName?: unknown; KeySchema?: unknown };
        const key = hashKeyOf(KeySchema);
        if (typeof IndexName === "string" && key) indexes[IndexName] = key;
      }
    }
    out[logicalId] = { partitionKey, indexes };
  }
  return out;
}

/** A DynamoDB attribute value as the string IAM compares (S and N as written, B as its base64). */
function scalar(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const attribute = value as AttributeValue;
  for (const type of ["S", "N", "B"])
    if (typeof attribute[type] === "string") return attribute[type] as string;
  return undefined;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/**
 * The partition key value a Query's key condition names: `<key> = :v` (either side, the key possibly a
 * `#name` placeholder), or the legacy `KeyConditions` EQ.
 */
function queryKeyValue(body: Record<string, unknown>, keyName: string): string | undefined {
  const expression = body.KeyConditionExpression;
  if (typeof expression === "string") {
    const names = asRecord(body.ExpressionAttributeNames);
    const values = asRecord(body.ExpressionAttributeValues);
    const pattern = /([#:]?[\w.-]+)\s*=\s*([#:]?[\w.-]+)/g;
    for (const [, left = "", right = ""] of expression.matchAll(pattern)) {
      const nameOf = (token: string) => (token.startsWith("#") ? String(names[token]) : token);
      if (nameOf(left) === keyName && right.startsWith(":")) return scalar(values[right]);
      if (nameOf(right) === keyName && left.startsWith(":")) return scalar(values[left]);
    }
    return undefined;
  }
  const legacy = asRecord(asRecord(body.KeyConditions)[keyName]);
  const list = legacy.AttributeValueList;
  return legacy.ComparisonOperator === "EQ" && Array.isArray(list) ? scalar(list[0]) : undefined;
}

/** Table ARN as the local resolver builds them (tables are named by logical id). */
export function tableArn(table: string, scope: ArnScope): string {
  return `arn:aws:dynamodb:${scope.region}:${scope.accountId ?? LOCAL_ACCOUNT_ID}:table/${table}`;
}

/** The operations of a transaction and the item action IAM checks for each member. */
const TRANSACT_MEMBERS: Record<string, { action: string; keyField: "Item" | "Key" }> = {
  Put: { action: "dynamodb:PutItem", keyField: "Item" },
  Update: { action: "dynamodb:UpdateItem", keyField: "Key" },
  Delete: { action: "dynamodb:DeleteItem", keyField: "Key" },
  ConditionCheck: { action: "dynamodb:ConditionCheckItem", keyField: "Key" },
  Get: { action: "dynamodb:GetItem", keyField: "Key" },
};

/**
 * The checks of a DynamoDB JSON 1.0 call. `dynamodb:LeadingKeys` is the partition key values the call
 * touches; for a Query on an index it is the index's partition key value (the key that selects the
 * items there), and it is absent where no single key is named (Scan, a Query whose key condition this
 * reader cannot parse): a `ForAllValues` condition then passes, as on AWS for an absent key, and any
 * other operator fails closed. Transactions are checked member by member, with
 * `dynamodb:EnclosingOperation`; PartiQL (`ExecuteStatement`) is checked on `*`.
 */
export function dynamoDbChecks(
  operation: string,
  body: Record<string, unknown>,
  tables: Record<string, TableKeys>,
  scope: ArnScope,
): IamCheck[] {
  const keyOf = (table: string, item: unknown): string | undefined => {
    const key = tables[table]?.partitionKey;
    return key ? scalar(asRecord(item)[key]) : undefined;
  };
  /** LeadingKeys of items of a table: absent unless every item's partition key value is known. */
  const leading = (table: string, items: unknown[]): IamContext => {
    const values = items.map((item) => keyOf(table, item));
    const present = values.filter((value): value is string => value !== undefined);
    return present.length > 0 && present.length === values.length
      ? { "dynamodb:LeadingKeys": [...new Set(present)] }
      : {};
  };
  const table = typeof body.TableName === "string" ? body.TableName : undefined;
  switch (operation) {
    case "GetItem":
    case "DeleteItem":
    case "UpdateItem":
    case "PutItem": {
      if (!table) break;
      const item = operation === "PutItem" ? body.Item : body.Key;
      return [
        {
          action: `dynamodb:${operation}`,
          resources: [tableArn(table, scope)],
          context: leading(table, [item]),
        },
      ];
    }
    case "Query":
    case "Scan": {
      if (!table) break;
      const index = typeof body.IndexName === "string" ? body.IndexName : undefined;
      const resource = tableArn(table, scope) + (index ? `/index/${index}` : "");
      const keyName = index ? tables[table]?.indexes[index] : tables[table]?.partitionKey;
      const value = operation === "Query" && keyName ? queryKeyValue(body, keyName) : undefined;
      return [
        {
          action: `dynamodb:${operation}`,
          resources: [resource],
          context: value === undefined ? {} : { "dynamodb:LeadingKeys": [value] },
        },
      ];
    }
    case "BatchWriteItem":
    case "BatchGetItem":
      return Object.entries(asRecord(body.RequestItems)).map(([name, requests]) => {
        const items =
          operation === "BatchGetItem"
            ? ((asRecord(requests).Keys as unknown[] | undefined) ?? [])
            : (Array.isArray(requests) ? requests : []).map((request) => {
                const { PutRequest, DeleteRequest } = asRecord(request);
                return PutRequest ? asRecord(PutRequest).Item : asRecord(DeleteRequest).Key;
              });
        return {
          action: `dynamodb:${operation}`,
          resources: [tableArn(name, scope)],
          context: leading(name, items),
        };
      });
    case "TransactWriteItems":
    case "TransactGetItems":
      return (Array.isArray(body.TransactItems) ? body.TransactItems : []).flatMap((member) =>
        Object.entries(asRecord(member)).flatMap(([kind, request]) => {
          const known = TRANSACT_MEMBERS[kind];
          const name = asRecord(request).TableName;
          if (!known || typeof name !== "string") return [];
          return [
            {
              action: known.action,
              resources: [tableArn(name, scope)],
              context: {
                ...leading(name, [asRecord(request)[known.keyField]]),
                "dynamodb:EnclosingOperation": operation,
              },
            },
          ];
        }),
      );
  }
  return [
    { action: `dynamodb:${operation}`, resources: [table ? tableArn(table, scope) : "*"], context: {} },
  ];
}

const STATE_MACHINE_OPERATIONS = new Set([
  "StartExecution",
  "StartSyncExecution",
  "ListExecutions",
  "DescribeStateMachine",
  "UpdateStateMachine",
  "DeleteStateMachine",
]);
const EXECUTION_OPERATIONS = new Set([
  "DescribeExecution",
  "StopExecution",
  "GetExecutionHistory",
  "RedriveExecution",
  "DescribeStateMachineForExecution",
]);
const TASK_RESPONSES = new Set(["SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"]);

/**
 * The check of a Step Functions JSON 1.0 call. Task responses are authorized against the state machine
 * that issued the token (what CDK's grantTaskResponse grants); `stateMachineOfToken` finds it.
 */
export function stepFunctionsChecks(
  operation: string,
  body: Record<string, unknown>,
  stateMachineOfToken: (token: string) => string | undefined,
): IamCheck[] {
  const field = (name: string) => (typeof body[name] === "string" ? (body[name] as string) : undefined);
  let resource: string | undefined;
  if (STATE_MACHINE_OPERATIONS.has(operation)) resource = field("stateMachineArn");
  else if (EXECUTION_OPERATIONS.has(operation)) resource = field("executionArn");
  else if (TASK_RESPONSES.has(operation)) {
    const token = field("taskToken");
    resource = token === undefined ? undefined : stateMachineOfToken(token);
  }
  return [{ action: `states:${operation}`, resources: [resource ?? "*"], context: {} }];
}

/** The address in `Name <address>` or a bare address. */
function addressOf(value: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim();
}

/** The From address of a raw MIME message (base64, as SendRawEmail carries it). */
function rawFrom(base64: string): string | undefined {
  const head =
    Buffer.from(base64, "base64")
      .toString("utf8")
      .split(/\r?\n\r?\n/, 1)[0] ?? "";
  const line = /^From:\s*(.+)$/im.exec(head);
  return line?.[1] ? addressOf(line[1]) : undefined;
}

/** The checks of a send: the sender's identity (address or domain) and the configuration set, if named. */
function sesSendChecks(
  action: string,
  from: string | undefined,
  configurationSet: string | undefined,
  scope: ArnScope,
): IamCheck[] {
  const prefix = `arn:aws:ses:${scope.region}:${scope.accountId ?? LOCAL_ACCOUNT_ID}`;
  const context: IamContext = from ? { "ses:FromAddress": from } : {};
  const identities = from
    ? [`${prefix}:identity/${from}`, `${prefix}:identity/${from.slice(from.lastIndexOf("@") + 1)}`]
    : [`${prefix}:identity/*`];
  const checks: IamCheck[] = [{ action, resources: identities, context }];
  if (configurationSet) {
    checks.push({ action, resources: [`${prefix}:configuration-set/${configurationSet}`], context });
  }
  return checks;
}

/**
 * The checks of an SES query-protocol call (form body `Action=…`). Sends are checked on the sender's
 * identity (the address or its domain) and on the configuration set it names, with
 * `ses:FromAddress`; other actions on `*`. In the SES sandbox AWS also checks each recipient's
 * identity; the local gateway does not.
 */
export function sesQueryChecks(form: URLSearchParams, scope: ArnScope): IamCheck[] {
  const action = form.get("Action") ?? "";
  if (action === "SendEmail" || action === "SendRawEmail" || action === "SendTemplatedEmail") {
    const source = form.get("Source");
    const raw = form.get("RawMessage.Data");
    const from = source ? addressOf(source) : raw ? rawFrom(raw) : undefined;
    return sesSendChecks(`ses:${action}`, from, form.get("ConfigurationSetName") ?? undefined, scope);
  }
  return [{ action: `ses:${action}`, resources: ["*"], context: {} }];
}

/** The checks of an SESv2 send (`POST /v2/email/outbound-emails` or `outbound-bulk-emails`). */
export function sesV2Checks(path: string, body: Record<string, unknown>, scope: ArnScope): IamCheck[] {
  const from = typeof body.FromEmailAddress === "string" ? addressOf(body.FromEmailAddress) : undefined;
  const configurationSet =
    typeof body.ConfigurationSetName === "string" ? body.ConfigurationSetName : undefined;
  const action = path.endsWith("outbound-bulk-emails") ? "ses:SendBulkEmail" : "ses:SendEmail";
  return sesSendChecks(action, from, configurationSet, scope);
}

/** The random suffix AWS appends to a secret's name in its ARN; the local stand-in's is fixed. */
export const LOCAL_SECRET_SUFFIX = "-LOCAL0";

/**
 * The full ARN of a local secret (../emulators/secrets-local.ts) named by its name, its partial ARN (what an
 * imported secret's ARN is) or its full ARN, as Secrets Manager resolves a `SecretId`.
 */
export function localSecretArn(secretId: string, scope: { region: string; accountId?: string }): string {
  const prefix = `arn:aws:secretsmanager:${scope.region}:${scope.accountId ?? LOCAL_ACCOUNT_ID}:secret:`;
  const name = secretId.startsWith("arn:") ? secretId.slice(secretId.indexOf(":secret:") + 8) : secretId;
  return name.endsWith(LOCAL_SECRET_SUFFIX) ? `${prefix}${name}` : `${prefix}${name}${LOCAL_SECRET_SUFFIX}`;
}

/** The check of a Secrets Manager JSON 1.1 call: the action on the secret its `SecretId` names. */
export function secretsManagerChecks(
  operation: string,
  body: Record<string, unknown>,
  scope: { region: string; accountId?: string },
): IamCheck[] {
  const secretId = typeof body.SecretId === "string" ? body.SecretId : undefined;
  return [
    {
      action: `secretsmanager:${operation}`,
      resources: [secretId ? localSecretArn(secretId, scope) : "*"],
      context: {},
    },
  ];
}

/**
 * The check of a CloudWatch call (JSON 1.0, `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`):
 * DescribeAlarms on the alarms it asks for: each of `AlarmNames` by its ARN, or the ARN named by the
 * prefix itself (`alarm:<AlarmNamePrefix>`; no prefix: `alarm:`, a name no pattern but `*` admits).
 * A policy on `alarm:Frist*` then admits a prefix of "Frist" or longer and nothing wider. (A
 * wildcard in the request's resource would be read as a pattern by the evaluator and admit
 * anything.)
 */
export function cloudWatchChecks(
  operation: string,
  body: Record<string, unknown>,
  scope: { region: string; accountId?: string },
): IamCheck[] {
  const alarmArn = (name: string) =>
    `arn:aws:cloudwatch:${scope.region}:${scope.accountId ?? LOCAL_ACCOUNT_ID}:alarm:${name}`;
  const names = Array.isArray(body.AlarmNames)
    ? body.AlarmNames.filter((name): name is string => typeof name === "string")
    : [];
  const prefix = typeof body.AlarmNamePrefix === "string" ? body.AlarmNamePrefix : "";
  const action = `cloudwatch:${operation}`;
  if (names.length > 0) return names.map((name) => ({ action, resources: [alarmArn(name)], context: {} }));
  return [{ action, resources: [alarmArn(prefix)], context: {} }];
}

/**
 * The check of an S3 REST call in path style (`/<bucket>/<key>`, as the functions' client sends it
 * to a configured endpoint): the object actions on `arn:aws:s3:::<bucket>/<key>` (GET and HEAD
 * GetObject, PUT PutObject, DELETE DeleteObject), the bucket's on `arn:aws:s3:::<bucket>` (GET
 * ListBucket, PUT CreateBucket, DELETE DeleteBucket). Anything else (a POST, a sub-resource such as
 * `?acl` or `?versions`) is checked as `s3:<METHOD>` on the bucket, which no function is granted.
 */
export function s3Checks(method: string, url: string): IamCheck[] | undefined {
  const parsed = new URL(url, "http://local");
  const [bucket = "", ...keyParts] = parsed.pathname.replace(/^\/+/, "").split("/");
  if (!bucket) return undefined;
  const key = keyParts.map((part) => decodeURIComponent(part)).join("/");
  const subresource = [...parsed.searchParams.keys()].some((name) => !name.startsWith("x-id"));
  const bucketArn = `arn:aws:s3:::${decodeURIComponent(bucket)}`;
  const objectActions: Record<string, string> = {
    GET: "s3:GetObject",
    HEAD: "s3:GetObject",
    PUT: "s3:PutObject",
    DELETE: "s3:DeleteObject",
  };
  const bucketActions: Record<string, string> = {
    GET: "s3:ListBucket",
    HEAD: "s3:ListBucket",
    PUT: "s3:CreateBucket",
    DELETE: "s3:DeleteBucket",
  };
  const action = subresource ? undefined : (key ? objectActions : bucketActions)[method];
  if (!action) return [{ action: `s3:${method}`, resources: [bucketArn], context: {} }];
  return [{ action, resources: [key ? `${bucketArn}/${key}` : bucketArn], context: {} }];
}
