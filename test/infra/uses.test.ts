/**
 * Each function's synthesized role policy against its declaration (FristFunction's `uses`,
 * lib/constructs/function-uses.ts): DynamoDB actions and key prefixes, indexes, the key, Step
 * Functions and SES, environment variables, and README.md's permissions table. The declarations
 * themselves follow the handlers' store calls; the end-to-end suite runs them under these policies.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ArnFormat, type CfnElement } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { AWAITING_POSTAL_PARTITION, MEETING_PARTITION } from "../../functions/adapters/dynamo-referral-store";
import {
  INFORMATION_REQUEST_PARTITION,
  START_OF_CARE_PARTITION,
} from "../../functions/adapters/dynamo-table";
import {
  ATTACHMENT_ACTIONS,
  ATTACHMENT_KEY_ACTIONS,
  ATTACHMENT_KEY_PATTERN,
} from "../../lib/constructs/attachment-bucket";
import { FristFunction, REPO_ROOT } from "../../lib/constructs/frist-function";
import {
  ALARMS_ACTIONS,
  ALARMS_RESOURCE_NAME,
  EDI_ACTIONS,
  environmentNamesOf,
  type FunctionUses,
  GP_REGISTER_ACTIONS,
  itemActionsOf,
  tableUseOf,
  usesTableMarkdown,
  WORKFLOW_ACTIONS,
  writesItems,
} from "../../lib/constructs/function-uses";
import {
  RECORD_FAMILIES,
  REFERRAL_INDEXES,
  type RecordFamily,
  WORKLIST_PARTITIONS,
} from "../../lib/constructs/referral-store";
import { type CfnTemplate, readFunctions } from "../../lib/local/template";
import { runDeploymentBundles } from "../support/bundles";
import {
  actionsOf,
  allowStatementsOf,
  fristStack,
  fristTemplate,
  type Json,
  type Resource,
  resources,
  type Statement,
} from "../support/template";

interface Declared {
  /** The construct id without "Function", as in README.md and the alarms. */
  name: string;
  logicalId: string;
  entry: string;
  uses: FunctionUses;
  resource: Resource;
  statements: Statement[];
}

const declared: Declared[] = fristStack.node
  .findAll()
  .filter((c): c is FristFunction => c instanceof FristFunction)
  .map((fn) => {
    const logicalId = fristStack.getLogicalId(fn.node.defaultChild as CfnElement);
    const resource = resources[logicalId] as Resource;
    return {
      name: fn.node.id.replace(/Function$/, ""),
      logicalId,
      entry: fn.entryPath,
      uses: fn.uses,
      resource,
      statements: allowStatementsOf(resource),
    };
  });

const tableId = Object.entries(resources).find(([, r]) => r.Type === "AWS::DynamoDB::Table")?.[0] as string;
const tableArn = { "Fn::GetAtt": [tableId, "Arn"] };
const indexArn = (name: string) => ({ "Fn::Join": ["", [tableArn, `/index/${name}`]] });
const same = (a: Json | undefined, b: Json) => JSON.stringify(a) === JSON.stringify(b);
const resourcesOf = (statement: Statement): Json[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource as Json];
const leadingKeysOf = (statement: Statement): string[] | undefined =>
  (
    statement.Condition as { "ForAllValues:StringLike"?: { "dynamodb:LeadingKeys"?: string[] } } | undefined
  )?.["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"];
const dynamoStatements = (fn: Declared) =>
  fn.statements.filter((s) => actionsOf(s).some((action) => action.startsWith("dynamodb:")));
const keyId = (
  (resources[tableId] as Resource).Properties.SSESpecification as {
    KMSMasterKeyId: { "Fn::GetAtt": [string, string] };
  }
).KMSMasterKeyId["Fn::GetAtt"][0];
/** The table's customer-managed key, which the attachment bucket shares. */
const keyArn = { "Fn::GetAtt": [keyId, "Arn"] };
/** A function's KMS statements, by the service they are limited to (`kms:ViaService`). */
const kmsStatementsVia = (fn: Declared, service: "dynamodb" | "s3") =>
  fn.statements.filter((s) => {
    if (!actionsOf(s).some((action) => action.startsWith("kms:"))) return false;
    const via = (s.Condition as { StringEquals?: { "kms:ViaService"?: Json } } | undefined)?.StringEquals?.[
      "kms:ViaService"
    ];
    return JSON.stringify(via ?? "").includes(`${service}.`);
  });
const prefixesOf = (families: readonly RecordFamily[]) =>
  families.flatMap((family) => [...RECORD_FAMILIES[family]]).sort();

/** Each table action the policy allows, with the key prefixes it is allowed on. */
function tableGrants(fn: Declared): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const statement of dynamoStatements(fn).filter((s) => resourcesOf(s).some((r) => same(r, tableArn)))) {
    for (const action of actionsOf(statement)) {
      grants[action] = [...(grants[action] ?? []), ...(leadingKeysOf(statement) ?? ["<any key>"])].sort();
    }
  }
  return grants;
}

/** The read-only pages: they may write only their session's last use and the access log. */
const READ_ONLY_PAGES = [
  "TaskPage",
  "TaskAttachment",
  "AgendaPage",
  "LetterPage",
  "StaffReferralPage",
  "Statistics",
  "ListLetters",
  "PostalLetter",
  "AccessLog",
  "HelfoNotifications",
  "StaffHome",
  "StaffSearch",
];
const WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

describe("each function's DynamoDB policy", () => {
  it("covers the thirty-nine functions", () => {
    expect(declared).toHaveLength(39);
  });

  it("allows on the table exactly the actions of its declaration, each on its families' key prefixes", () => {
    for (const fn of declared) {
      const expected = Object.fromEntries(
        Object.entries(itemActionsOf(fn.uses)).map(([action, families]) => [action, prefixesOf(families)]),
      );
      expect(tableGrants(fn), fn.name).toEqual(expected);
    }
  });

  it("queries exactly the indexes of its declaration: the worklist index by its partitions, the others by name", () => {
    for (const fn of declared) {
      const indexes = tableUseOf(fn.uses)?.indexes ?? {};
      const onIndex = (name: string) =>
        dynamoStatements(fn).filter((s) => resourcesOf(s).some((r) => same(r, indexArn(name))));
      const worklist = onIndex(REFERRAL_INDEXES.worklist.name);
      if (indexes.worklist) {
        expect(worklist.flatMap(actionsOf), fn.name).toEqual(["dynamodb:Query"]);
        expect(worklist.flatMap((s) => leadingKeysOf(s) ?? ["<any key>"]).sort(), fn.name).toEqual(
          indexes.worklist.flatMap((partition) => [...WORKLIST_PARTITIONS[partition]]).sort(),
        );
      } else {
        expect(worklist, fn.name).toEqual([]);
      }
      for (const [name, wanted] of [
        [REFERRAL_INDEXES.byTaskId.name, indexes.byTaskId],
        [REFERRAL_INDEXES.byPortal.name, indexes.byPortal],
        [REFERRAL_INDEXES.byPatient.name, indexes.byPatient],
      ] as const) {
        expect(onIndex(name).flatMap(actionsOf), `${fn.name} ${name}`).toEqual(
          wanted ? ["dynamodb:Query"] : [],
        );
      }
    }
  });

  it("grants nothing on the table without a LeadingKeys condition, and no table-wide or index-wide wildcard", () => {
    for (const fn of declared) {
      for (const statement of dynamoStatements(fn)) {
        const onTable = resourcesOf(statement).some((r) => same(r, tableArn));
        if (onTable) expect(leadingKeysOf(statement)?.length, fn.name).toBeGreaterThan(0);
        for (const resource of resourcesOf(statement)) {
          expect(JSON.stringify(resource), fn.name).not.toMatch(/\/index\/\*|\/\*"|^"\*"$/);
        }
      }
    }
  });

  it("never scans, batch-writes or reads a stream, and deletes only where declared (claims given back, a pending decision replaced, a sign-in taken)", () => {
    const holders = (action: string) =>
      declared
        .filter((fn) => dynamoStatements(fn).some((s) => actionsOf(s).includes(action)))
        .map((f) => f.name);

    for (const action of [
      "dynamodb:Scan",
      "dynamodb:BatchWriteItem",
      "dynamodb:GetRecords",
      "dynamodb:DeleteTable",
    ]) {
      expect(holders(action), action).toEqual([]);
    }
    expect(holders("dynamodb:DeleteItem").sort()).toEqual(
      [
        "AcknowledgeSecondary",
        "Auth",
        "DispatchLetters",
        "HelfoReported",
        "NotifyAssessors",
        "PlanIntake",
        "RecordBreach",
        "RecordDecision",
        "RemindAssessors",
        "SendAgendas",
        "StartOfCare",
        "SubmitDecision",
      ].sort(),
    );
  });

  it("lets the read-only pages write only their session's last use (SESSION#) and the access log (ACCESS#)", () => {
    for (const name of READ_ONLY_PAGES) {
      const fn = declared.find((f) => f.name === name) as Declared;
      const grants = tableGrants(fn);
      expect(grants["dynamodb:UpdateItem"], name).toEqual(["SESSION#*"]);
      expect(grants["dynamodb:PutItem"], name).toEqual(["ACCESS#*"]);
      expect(grants["dynamodb:DeleteItem"], name).toBeUndefined();
      expect(grants["dynamodb:BatchWriteItem"], name).toBeUndefined();
    }
  });

  it("lets sign-in write only sessions (a sign-in under way is a signed cookie), and the portals' and IAM routes write nothing", () => {
    const auth = tableGrants(declared.find((f) => f.name === "Auth") as Declared);
    for (const action of WRITE_ACTIONS.filter((a) => auth[a])) {
      for (const prefix of auth[action] ?? []) expect(["SESSION#*"], action).toContain(prefix);
    }
    for (const name of ["GetReferral", "ListReferrals", "OpenApi"]) {
      const grants = tableGrants(declared.find((f) => f.name === name) as Declared);
      for (const action of WRITE_ACTIONS) expect(grants[action], `${name} ${action}`).toBeUndefined();
    }
  });

  it("uses the table's key through DynamoDB as its table grants do: decrypt to read, encrypt too to write", () => {
    const read = ["kms:Decrypt", "kms:DescribeKey"];
    const write = [
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ];
    for (const fn of declared) {
      const kms = kmsStatementsVia(fn, "dynamodb").flatMap(actionsOf);
      const expected = tableUseOf(fn.uses) ? [...read, ...(writesItems(fn.uses) ? write : [])] : [];
      expect(kms.sort(), fn.name).toEqual(expected.sort());
      for (const statement of kmsStatementsVia(fn, "dynamodb")) {
        expect(resourcesOf(statement), fn.name).toEqual([keyArn]);
      }
    }
  });
});

describe("each function's other grants", () => {
  it("call Step Functions exactly as declared, and send email only when declared", () => {
    for (const fn of declared) {
      const actions = fn.statements.flatMap(actionsOf);
      expect(actions.filter((a) => a.startsWith("states:")).sort(), fn.name).toEqual(
        (fn.uses.workflow ?? []).flatMap((use) => WORKFLOW_ACTIONS[use]).sort(),
      );
      expect(
        actions.filter((a) => a.startsWith("ses:")),
        fn.name,
      ).toEqual(fn.uses.mailer ? ["ses:SendEmail", "ses:SendRawEmail"] : []);
    }
  });

  it("read a secret only where they use it, GetSecretValue on that one secret: the HelseID client's key where they call EDI 2.0, the register credentials where they look up a GP", () => {
    const keySecret = fristStack.resolve(`${fristStack.helseId.keySecret.secretArn}-??????`) as Json;
    const credentialsSecret = fristStack.resolve(
      `${fristStack.gpRegister.credentialsSecret.secretArn}-??????`,
    ) as Json;
    for (const fn of declared) {
      const statements = fn.statements.filter((s) =>
        actionsOf(s).some((a) => a.startsWith("secretsmanager:")),
      );
      // Pairs of action and secret: the synthesis merges statements of the same action.
      const pairs = (list: { actions: string[]; resources: Json[] }[]) =>
        list
          .flatMap(({ actions, resources }) =>
            actions.flatMap((action) => resources.map((resource) => `${action} ${JSON.stringify(resource)}`)),
          )
          .sort();
      const expected = [
        ...(fn.uses.edi ? [{ actions: [...EDI_ACTIONS], resources: [keySecret] }] : []),
        ...(fn.uses.gpRegister
          ? [{ actions: [...GP_REGISTER_ACTIONS], resources: [credentialsSecret] }]
          : []),
      ];
      expect(
        pairs(statements.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))),
        fn.name,
      ).toEqual(pairs(expected));
    }
    const using = (use: "edi" | "gpRegister") =>
      declared
        .filter((fn) => fn.uses[use])
        .map((fn) => fn.name)
        .sort();
    expect(using("edi")).toEqual(["PollEdiMailbox", "SendStatusOnReferral"]);
    expect(using("gpRegister")).toEqual(["SendStatusOnReferral"]);
  });
});

describe("each function's CloudWatch grants", () => {
  it("describe alarms only where declared (operations' home), on the stack's alarms named Frist… alone", () => {
    const alarmArn = fristStack.resolve(
      fristStack.formatArn({
        service: "cloudwatch",
        resource: "alarm",
        resourceName: ALARMS_RESOURCE_NAME,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ) as Json;
    for (const fn of declared) {
      const cloudwatch = fn.statements.filter((s) => actionsOf(s).some((a) => a.startsWith("cloudwatch:")));
      expect(cloudwatch.flatMap(actionsOf), fn.name).toEqual(fn.uses.alarms ? [...ALARMS_ACTIONS] : []);
      for (const statement of cloudwatch) expect(resourcesOf(statement), fn.name).toEqual([alarmArn]);
    }
    expect(declared.filter((fn) => fn.uses.alarms).map((fn) => fn.name)).toEqual(["StaffHome"]);
  });
});

describe("each function's attachment grants", () => {
  const bucketId = Object.entries(resources).find(([, r]) => r.Type === "AWS::S3::Bucket")?.[0] as string;
  const objectsArn = {
    "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, `/${ATTACHMENT_KEY_PATTERN}`]],
  };

  it("are exactly the declared S3 actions, on the attachment keys of the one bucket only", () => {
    for (const fn of declared) {
      const s3 = fn.statements.filter((s) => actionsOf(s).some((action) => action.startsWith("s3:")));
      const expected = [
        ...new Set((fn.uses.attachments ?? []).flatMap((use) => ATTACHMENT_ACTIONS[use])),
      ].sort();
      expect(s3.flatMap(actionsOf).sort(), fn.name).toEqual(expected);
      for (const statement of s3) expect(resourcesOf(statement), fn.name).toEqual([objectsArn]);
    }
  });

  it("use the bucket's key (the table's) through S3 only, exactly as they write or read: GenerateDataKey to write, Decrypt to read", () => {
    for (const fn of declared) {
      const kms = fn.statements.flatMap(actionsOf).filter((action) => action.startsWith("kms:"));
      const viaS3 = kmsStatementsVia(fn, "s3");
      const viaDynamoDb = kmsStatementsVia(fn, "dynamodb");
      // Every KMS action is limited to one of the two services: none may be used directly.
      expect([...viaS3, ...viaDynamoDb].flatMap(actionsOf).sort(), fn.name).toEqual(kms.sort());
      expect(viaS3.flatMap(actionsOf).sort(), fn.name).toEqual(
        [...new Set((fn.uses.attachments ?? []).flatMap((use) => ATTACHMENT_KEY_ACTIONS[use]))].sort(),
      );
      for (const statement of viaS3) expect(resourcesOf(statement), fn.name).toEqual([keyArn]);
    }
    const actionsOfFunction = (name: string) =>
      kmsStatementsVia(declared.find((fn) => fn.name === name) as Declared, "s3").flatMap(actionsOf);
    expect(actionsOfFunction("ReceiveMessage")).toEqual(["kms:GenerateDataKey"]);
    expect(actionsOfFunction("TaskAttachment")).toEqual(["kms:Decrypt"]);
  });

  it("let the message receivers write and the task's attachment route read, and no one else", () => {
    const holders = (use: "write" | "read") =>
      declared
        .filter((fn) => fn.uses.attachments?.includes(use))
        .map((fn) => fn.name)
        .sort();
    expect(holders("write")).toEqual(["PollEdiMailbox", "ReceiveMessage"]);
    expect(holders("read")).toEqual(["TaskAttachment"]);
  });
});

describe("the record families", () => {
  it("name the key prefixes and index partitions the adapters write", () => {
    const adapters = [
      "dynamo-table.ts",
      "dynamo-referral-store.ts",
      "dynamo-sessions.ts",
      "dynamo-access-log.ts",
      "dynamo-recovery-runs.ts",
    ]
      .map((file) => readFileSync(path.join(REPO_ROOT, "functions/adapters", file), "utf8"))
      .join("\n");
    for (const pattern of Object.values(RECORD_FAMILIES).flat()) {
      expect(adapters, pattern).toContain(pattern.replace(/\*$/, ""));
    }
    expect(WORKLIST_PARTITIONS.meetings).toEqual([MEETING_PARTITION]);
    expect(WORKLIST_PARTITIONS.postal).toEqual([AWAITING_POSTAL_PARTITION]);
    expect(WORKLIST_PARTITIONS.startsOfCare).toEqual([START_OF_CARE_PARTITION]);
    expect(WORKLIST_PARTITIONS.informationRequests).toEqual([INFORMATION_REQUEST_PARTITION]);
  });
});

/**
 * Frist's own variables, listed here rather than read off the declarations, so one no function is
 * given any more is still looked for in the bundles (a test below keeps the list complete).
 */
const FRIST_VARIABLES = [
  "ATTACHMENT_BUCKET",
  "CLINIC_CONFIG",
  "EDI_API_URL",
  "FASTLEGEREGISTERET",
  "HELSEID_CLIENT",
  "MAIL_FROM",
  "PUBLIC_BASE_URL",
  "SES_CONFIGURATION_SET",
  "SIGN_IN_PROVIDERS",
  "SIGN_IN_STATE_KEY",
  "STATE_MACHINE_ARN",
  "TABLE_NAME",
];

/**
 * The Frist variables each function's deployment bundle reads: the run's bundles of the template's
 * functions, built as a deployment builds them (test/local/function-contract.test.ts imports the
 * same ones). Minifying renames local names only: a variable's name is a property or a string.
 */
async function variablesReadBy(functions: readonly Declared[]): Promise<string[][]> {
  const bundles = await runDeploymentBundles(Object.values(readFunctions(fristTemplate as CfnTemplate)));
  return functions.map((fn) => {
    const bundle = bundles[fn.logicalId];
    if (!bundle) throw new Error(`no bundle for ${fn.logicalId}`);
    const code = readFileSync(bundle, "utf8");
    return FRIST_VARIABLES.filter((name) => new RegExp(`\\b${name}\\b`).test(code)).sort();
  });
}

describe("each function's environment", () => {
  const variablesOf = (fn: Declared) =>
    Object.keys((fn.resource.Properties.Environment as { Variables: Record<string, Json> }).Variables)
      .filter((name) => !name.startsWith("POWERTOOLS_"))
      .sort();

  it("is what its declaration gives, and nothing else of Frist's", () => {
    for (const fn of declared) expect(variablesOf(fn), fn.name).toEqual(environmentNamesOf(fn.uses));
  });

  it("is one of Frist's variables the bundles are searched for", () => {
    const given = new Set(declared.flatMap((fn) => environmentNamesOf(fn.uses)));
    expect(FRIST_VARIABLES).toEqual(expect.arrayContaining([...given]));
  });

  it("holds every variable its bundle reads (a missing one fails the function at cold start)", async () => {
    const read = await variablesReadBy(declared);
    declared.forEach((fn, index) => {
      expect(variablesOf(fn), fn.name).toEqual(expect.arrayContaining(read[index] as string[]));
    });
  }, 300_000);
});

describe("README.md's permissions table", () => {
  it("is the one the declarations produce", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = /<!-- permissions:start -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme)?.[1];
    const generated = usesTableMarkdown(declared, {
      prefixesOf: (family) => RECORD_FAMILIES[family],
      partitionsOf: (partition) => WORKLIST_PARTITIONS[partition],
    });
    // Cells compared trimmed: the formatter pads the columns. On a change of a declaration, paste
    // the expected table between the markers (and format).
    const cells = (table: string | undefined) =>
      (table ?? "").split("\n").map((line) =>
        line
          .split("|")
          .map((cell) => cell.trim().replace(/^-+$/, "-"))
          .join("|"),
      );
    expect(cells(section)).toEqual(cells(generated));
  });
});
