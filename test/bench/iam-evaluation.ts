/**
 * `npx tsx test/bench/iam-evaluation.ts`: how many IAM decisions per second the local gateway's
 * evaluator makes, on the synthesized template's policies.
 *
 * - cached: the calls a year's simulation repeats (each function's DynamoDB item calls, Query on an
 *   index, SendTaskSuccess, SendEmail), over and over: after the first of each, a cache lookup;
 * - new keys: a policy testing `dynamodb:LeadingKeys` (as every Frist grant on the table does), with a
 *   new partition key value every call: the cache holds which of the policy's prefixes a key matches,
 *   so after the first key of each prefix these are lookups too;
 * - uncached: the same calls on an evaluator that forgets after every decision (a full evaluation
 *   each time: what each call cost before the cache knew prefixes).
 */
import { createFristApp } from "../../lib/app";
import { createIamEvaluator, type FunctionPolicy, readFunctionPolicies } from "../../lib/local/iam/policies";
import { dynamoDbChecks, type IamCheck, readTableKeys } from "../../lib/local/iam/requests";
import { type CfnTemplate, readStateMachine } from "../../lib/local/template";

const region = "eu-north-1";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const { app, stack } = createFristApp({ bundling: false });
const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
const policies = Object.values(readFunctionPolicies(template, { region }));
const tables = readTableKeys(template);
const table = Object.keys(tables)[0] ?? "";
const machine = readStateMachine(template, { region }).arn;
const scope = { region };

/** The checks of the calls a function typically makes, one list per call. */
const calls: IamCheck[][] = [
  dynamoDbChecks("GetItem", { TableName: table, Key: { pk: { S: "REFERRAL#1" } } }, tables, scope),
  dynamoDbChecks("PutItem", { TableName: table, Item: { pk: { S: "REFERRAL#2" } } }, tables, scope),
  dynamoDbChecks("UpdateItem", { TableName: table, Key: { pk: { S: "REFERRAL#3" } } }, tables, scope),
  dynamoDbChecks(
    "Query",
    {
      TableName: table,
      IndexName: "worklist",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": { S: "WORKLIST" } },
    },
    tables,
    scope,
  ),
  [{ action: "states:SendTaskSuccess", resources: [machine], context: {} }],
  [
    {
      action: "ses:SendEmail",
      resources: [`arn:aws:ses:${region}:000000000000:identity/henvisning@smerteklinikk.example`],
      context: { "ses:FromAddress": "henvisning@smerteklinikk.example" },
    },
  ],
];

function measure(label: string, decide: (i: number) => void): void {
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < SECONDS * 1000) {
    for (let j = 0; j < 100; j++) decide(i++);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${label}: ${Math.round(i / seconds).toLocaleString("en")} decisions/s (${i} in ${seconds.toFixed(1)} s)`,
  );
}

const cached = createIamEvaluator({ region });
measure("cached (template policies, repeated calls)", (i) => {
  const principal = policies[i % policies.length] as FunctionPolicy;
  for (const check of calls[i % calls.length] ?? []) {
    cached.isAllowed(principal, check.action, check.resources[0] ?? "*", check.context);
  }
});
console.log(`  of which evaluated: ${cached.stats().evaluations} of ${cached.stats().decisions}`);

const tableArn = `arn:aws:dynamodb:${region}:000000000000:table/${table}`;
const leadingKeys: FunctionPolicy = {
  ...(policies[0] as FunctionPolicy),
  documents: [
    {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
          Resource: tableArn,
          Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["REFERRAL#*"] } },
        },
      ],
    },
  ],
};
const newKeys = createIamEvaluator({ region });
measure("new keys (LeadingKeys condition, a new key each call)", (i) => {
  newKeys.isAllowed(leadingKeys, "dynamodb:PutItem", tableArn, {
    "dynamodb:LeadingKeys": [`REFERRAL#${i}`],
  });
});
console.log(`  of which evaluated: ${newKeys.stats().evaluations} of ${newKeys.stats().decisions}`);
const uncached = createIamEvaluator({ region, maxCachedPerPrincipal: 0 });
measure("uncached (every decision a full evaluation)", (i) => {
  uncached.isAllowed(leadingKeys, "dynamodb:PutItem", tableArn, {
    "dynamodb:LeadingKeys": [`REFERRAL#${i}`],
  });
});
console.log(`  of which evaluated: ${uncached.stats().evaluations} of ${uncached.stats().decisions}`);
