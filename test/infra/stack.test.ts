import { existsSync } from "node:fs";
import * as path from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createFristApp, readCdkJsonContext } from "../../lib/app";
import { REPO_ROOT } from "../../lib/constructs/frist-function";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = {
  Type: string;
  Properties: Record<string, Json>;
  Metadata?: Record<string, Json>;
  DependsOn?: string | string[];
};
type Statement = { Action: string | string[]; Resource?: Json; Condition?: Json };

// Synthesize once, in-process and without bundling, as the local runtime does.
const { app, stack } = createFristApp({ bundling: false, validateTemplate: false });
const templateJson = app.synth().getStackByName(stack.stackName).template as {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json }>;
};
const template = Template.fromJSON(templateJson);
const resources = templateJson.Resources;

function resourcesOfType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function onlyResourceOfType(type: string): [string, Resource] {
  const found = resourcesOfType(type);
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

/**
 * Turns a CloudFormation value holding a string (a literal or Fn::Join of literals and tokens) into
 * a plain string, replacing each token with a `<LogicalId>` / `<LogicalId.Attr>` placeholder (as cdk-nag
 * prints them), which keeps a tokenized JSON document such as DefinitionString parseable.
 */
function cfnString(value: Json): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if ("Ref" in value) return `<${value.Ref}>`;
    if ("Fn::GetAtt" in value) return `<${(value["Fn::GetAtt"] as string[]).join(".")}>`;
    if ("Fn::Join" in value) {
      const [separator, parts] = value["Fn::Join"] as [string, Json[]];
      return parts.map(cfnString).join(separator);
    }
  }
  throw new Error(`not a string-valued CloudFormation expression: ${JSON.stringify(value)}`);
}

type AslState = {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Parameters?: { FunctionName?: string; Payload?: Record<string, string> };
  ResultPath?: string | null;
  ResultSelector?: Record<string, string>;
  TimeoutSecondsPath?: string;
  TimeoutSeconds?: number;
  Retry?: {
    ErrorEquals: string[];
    MaxAttempts?: number;
    IntervalSeconds?: number;
    MaxDelaySeconds?: number;
    BackoffRate?: number;
    JitterStrategy?: string;
  }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Choices?: { Next: string }[];
  Default?: string;
};
type Asl = { StartAt: string; QueryLanguage?: string; States: Record<string, AslState> };

const [stateMachineId, stateMachine] = onlyResourceOfType("AWS::StepFunctions::StateMachine");
const definition = JSON.parse(cfnString(stateMachine.Properties.DefinitionString as Json)) as Asl;
const states = definition.States;
const taskStates = Object.entries(states).filter(([, s]) => s.Type === "Task");

/** The logical id an `{"Fn::GetAtt": [id, attr]}` points at. */
function getAttTarget(value: Json): string {
  return (value as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
}

/** Logical id of the Lambda function behind `<Id.Arn>`. */
function functionIdOf(functionName: string | undefined): string {
  const match = /^<(\w+)\.Arn>$/.exec(functionName ?? "");
  if (!match?.[1]) throw new Error(`FunctionName is not a function's Arn: ${functionName}`);
  return match[1];
}

function entryOf(functionId: string): Json | undefined {
  return resources[functionId]?.Metadata?.["frist:entry"];
}

/** Every statement of every identity-based policy in the template (managed, inline, role inline). */
function identityPolicyStatements(): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const docs: Json[] = [];
    if (r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::ManagedPolicy") {
      docs.push(r.Properties.PolicyDocument as Json);
    }
    if (r.Type === "AWS::IAM::Role") {
      for (const p of (r.Properties.Policies as { PolicyDocument: Json }[] | undefined) ?? []) {
        docs.push(p.PolicyDocument);
      }
    }
    for (const doc of docs) {
      for (const statement of (doc as { Statement: Statement[] }).Statement)
        out.push({ owner: id, statement });
    }
  }
  return out;
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Statements of the policies attached to the role of the function with the given entry file. */
function statementsOfFunction(entry: string): Statement[] {
  const [, fn] = functionByEntry(entry);
  const roleId = getAttTarget(fn.Properties.Role as Json);
  return identityPolicyStatements()
    .filter(({ owner }) => {
      const roles = resources[owner]?.Properties.Roles as { Ref: string }[] | undefined;
      return owner === roleId || roles?.some((r) => r.Ref === roleId);
    })
    .map(({ statement }) => statement);
}

function functionByEntry(entry: string): [string, Resource] {
  const found = resourcesOfType("AWS::Lambda::Function").find(
    ([, r]) => r.Metadata?.["frist:entry"] === entry,
  );
  if (!found) throw new Error(`no function with frist:entry ${entry}`);
  return found;
}

/** Logical ids a CloudFormation value refers to (Ref, Fn::GetAtt, Fn::Sub), pseudo parameters excluded. */
function referencesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, into);
  } else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (key === "Ref" && typeof v === "string") into.add(v);
      else if (key === "Fn::GetAtt") into.add((v as string[])[0] as string);
      else if (key === "Fn::Sub") {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([^}.!]+)[^}]*\}/g)) into.add(m[1] as string);
        referencesIn(Array.isArray(v) ? v[1] : undefined, into);
      } else referencesIn(v, into);
    }
  }
  for (const id of into) if (id.startsWith("AWS::")) into.delete(id);
  return into;
}

describe("the referral store", () => {
  const [, table] = onlyResourceOfType("AWS::DynamoDB::Table");
  const keyId = getAttTarget(
    (table.Properties.SSESpecification as Record<string, Json>).KMSMasterKeyId as Json,
  );

  it("encrypts the table with a customer-managed KMS key that rotates", () => {
    expect(table.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: "KMS",
      KMSMasterKeyId: { "Fn::GetAtt": [keyId, "Arn"] },
    });
    expect(resources[keyId]).toMatchObject({
      Type: "AWS::KMS::Key",
      Properties: { EnableKeyRotation: true },
    });
  });

  it("keeps the attachments under the table's key (SSE-KMS with an S3 Bucket Key), TLS only, no public access", () => {
    const [, bucket] = onlyResourceOfType("AWS::S3::Bucket");
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: "aws:kms",
            KMSMasterKeyID: { "Fn::GetAtt": [keyId, "Arn"] },
          },
        },
      ],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });

  it("keeps point-in-time recovery on and retains the table and its key when the stack is deleted", () => {
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    expect(resources[keyId]).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });

  it("bills on demand and keys items by pk and sk", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    });
  });

  it("indexes the worklist by status and due date, tasks by their task id, each portal's referrals by status and due date, and a patient's referrals by a hash of the national ID, keys only", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      GlobalSecondaryIndexes: Match.arrayEquals([
        {
          IndexName: "worklist",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
        {
          IndexName: "byTaskId",
          KeySchema: [{ AttributeName: "taskId", KeyType: "HASH" }],
          Projection: { ProjectionType: "ALL" },
        },
        {
          IndexName: "byPortal",
          KeySchema: [
            { AttributeName: "gsi2pk", KeyType: "HASH" },
            { AttributeName: "gsi2sk", KeyType: "RANGE" },
          ],
          // A worklist line only: the portal index holds no copy of the submission.
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: Match.arrayEquals([
              "referralId",
              "status",
              "kind",
              "priority",
              "receivedAt",
              "assessmentDueDate",
              "deadlineBreached",
              "atRisk",
            ]),
          },
        },
        {
          IndexName: "byPatient",
          KeySchema: [
            { AttributeName: "gsi3pk", KeyType: "HASH" },
            { AttributeName: "gsi3sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ]),
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: "gsi1pk", AttributeType: "S" },
        { AttributeName: "gsi1sk", AttributeType: "S" },
        { AttributeName: "taskId", AttributeType: "S" },
        { AttributeName: "gsi2pk", AttributeType: "S" },
        { AttributeName: "gsi2sk", AttributeType: "S" },
      ]),
    });
  });
});

describe("the referral workflow", () => {
  it("is a Standard state machine in JSONPath with the states of the referral's journey", () => {
    expect(stateMachine.Properties.StateMachineType).toBe("STANDARD");
    expect(definition.QueryLanguage).toBe("JSONPath");
    expect(definition.StartAt).toBe("RouteStart");
    expect(Object.keys(states).sort()).toEqual(
      [
        "RouteStart",
        "PlanIntake",
        "RouteKind",
        "AwaitSecondaryConfirmation",
        "RouteSecondary",
        "NoConfirmation",
        "AssessAsNew",
        "AcknowledgeSecondary",
        "AwaitAssessment",
        "RouteTimer",
        "RemindAssessors",
        "AwaitAfterReminder",
        "EscalateUrgentTarget",
        "AwaitAfterUrgentTarget",
        "RecordBreach",
        "AwaitAfterBreach",
        "RetimeAssessment",
        "AwaitAfterRetime",
        "RouteDecision",
        "RecordDecision",
        "DispatchLetters",
        "Complete",
        "RoutePatientInformed",
        "AwaitPostalDueDate",
        "EscalatePostalLetter",
        "RouteStartOfCare",
        "PlanStartOfCare",
        "AwaitStartOfCareReminder",
        "RemindStartOfCare",
        "RouteStartOfCareTimer",
        "AwaitPlannedStart",
        "ConfirmStartOfCare",
        "AwaitStartOfCareDeadline",
        "CheckStartOfCare",
        "AwaitBreachConfirmation",
        "ConfirmBreachByDefault",
        "SendStatusOnReferral",
        "Done",
        "Withdrawn",
        "FlagUnknownOutcome",
        "MarkFailed",
        "MarkFailedFailed",
        "Failed",
      ].sort(),
    );
  });

  it("runs PlanIntake, RouteKind, AwaitAssessment, RouteDecision, RecordDecision, DispatchLetters, Complete, Done in order", () => {
    expect(states.PlanIntake?.Next).toBe("RouteKind");
    expect(states.RouteKind?.Default).toBe("AwaitAssessment");
    expect(states.AwaitAssessment?.Next).toBe("RouteDecision");
    expect(states.RouteDecision?.Type).toBe("Choice");
    expect(states.RouteDecision?.Choices?.map((c) => c.Next)).toEqual(["RecordDecision"]);
    expect(JSON.stringify(states.RouteDecision?.Choices)).toContain('"StringEquals":"granted"');
    expect(JSON.stringify(states.RouteDecision?.Choices)).toContain('"StringEquals":"refused"');
    expect(JSON.stringify(states.RouteDecision?.Choices)).toContain('"StringEquals":"forwarded"');
    expect(states.RouteDecision?.Default).toBe("FlagUnknownOutcome");
    expect(states.FlagUnknownOutcome).toMatchObject({
      Type: "Pass",
      ResultPath: "$.error",
      Next: "MarkFailed",
    });
    expect(states.RecordDecision?.Next).toBe("DispatchLetters");
    // The answer to a message's sender goes between the letters and the end of the decision's path.
    expect(states.DispatchLetters?.Next).toBe("SendStatusOnReferral");
    expect(states.SendStatusOnReferral?.Next).toBe("Complete");
    // Refused by Norsk Helsenett, or invalid: the referral still completes (the function's alarm tells).
    expect(states.SendStatusOnReferral?.Catch?.[0]).toEqual({
      ErrorEquals: ["EdiRejected", "OutgoingMessageInvalid"],
      ResultPath: null,
      Next: "Complete",
    });
    expect(states.Complete?.Next).toBe("RoutePatientInformed");
    expect(states.Done?.Type).toBe("Succeed");
    expect(states.MarkFailed?.Next).toBe("Failed");
    expect(states.Failed?.Type).toBe("Fail");
  });

  it("follows a patient's copy waiting for post: Wait until the due date's morning, then escalate", () => {
    expect(states.DispatchLetters).toMatchObject({
      ResultPath: "$.letters",
      ResultSelector: {
        "patientAwaitingPostal.$": "$.Payload.patientAwaitingPostal",
        "escalateAt.$": "$.Payload.escalateAt",
      },
    });
    expect(states.RoutePatientInformed?.Choices).toEqual([
      { Variable: "$.letters.patientAwaitingPostal", BooleanEquals: true, Next: "AwaitPostalDueDate" },
    ]);
    expect(states.RoutePatientInformed?.Default).toBe("RouteStartOfCare");
    expect(states.AwaitPostalDueDate).toEqual({
      Type: "Wait",
      TimestampPath: "$.letters.escalateAt",
      Next: "EscalatePostalLetter",
    });
    expect(states.EscalatePostalLetter).toMatchObject({
      Next: "RouteStartOfCare",
      ResultPath: null,
      Parameters: { Payload: { "referralId.$": "$.referralId", step: "escalate-postal" } },
    });
  });

  it("follows a granted right's start of care in a loop: each step names the next and when, RouteStartOfCareTimer waits for it and runs it, until done", () => {
    expect(states.RouteStartOfCare?.Choices).toEqual([
      { Variable: "$.assessment.outcome", StringEquals: "granted", Next: "PlanStartOfCare" },
    ]);
    expect(states.RouteStartOfCare?.Default).toBe("Done");
    const steps = {
      PlanStartOfCare: "plan",
      RemindStartOfCare: "remind",
      ConfirmStartOfCare: "confirm-start",
      CheckStartOfCare: "check",
      ConfirmBreachByDefault: "grace",
    };
    for (const [name, step] of Object.entries(steps)) {
      expect(states[name], name).toMatchObject({
        Next: "RouteStartOfCareTimer",
        ResultPath: "$.startOfCare",
        ResultSelector: { "next.$": "$.Payload.next", "at.$": "$.Payload.at" },
        Parameters: { Payload: { "referralId.$": "$.referralId", step } },
      });
    }
    expect(states.RouteStartOfCareTimer?.Choices).toEqual([
      { Variable: "$.startOfCare.next", StringEquals: "remind", Next: "AwaitStartOfCareReminder" },
      { Variable: "$.startOfCare.next", StringEquals: "confirm-start", Next: "AwaitPlannedStart" },
      { Variable: "$.startOfCare.next", StringEquals: "deadline", Next: "AwaitStartOfCareDeadline" },
      { Variable: "$.startOfCare.next", StringEquals: "grace", Next: "AwaitBreachConfirmation" },
    ]);
    expect(states.RouteStartOfCareTimer?.Default).toBe("Done");
    const waits = {
      AwaitStartOfCareReminder: "RemindStartOfCare",
      AwaitPlannedStart: "ConfirmStartOfCare",
      AwaitStartOfCareDeadline: "CheckStartOfCare",
      AwaitBreachConfirmation: "ConfirmBreachByDefault",
    };
    for (const [name, next] of Object.entries(waits)) {
      expect(states[name], name).toEqual({ Type: "Wait", TimestampPath: "$.startOfCare.at", Next: next });
    }
  });

  it("routes granted, refused and forwarded alike to RecordDecision, and any other outcome to FlagUnknownOutcome", () => {
    expect(states.RouteDecision?.Choices).toEqual([
      {
        Or: ["granted", "refused", "forwarded"].map((outcome) => ({
          Variable: "$.assessment.outcome",
          StringEquals: outcome,
        })),
        Next: "RecordDecision",
      },
    ]);
    expect(states.RouteDecision?.Default).toBe("FlagUnknownOutcome");
    expect(JSON.stringify(states.RouteDecision)).not.toContain("information-requested");
  });

  it("has a secondary referral wait for staff to confirm the same condition: then AcknowledgeSecondary, else AssessAsNew", () => {
    expect(states.RouteKind?.Type).toBe("Choice");
    expect(states.RouteKind?.Choices).toEqual([
      { Variable: "$.plan.track", StringEquals: "secondary", Next: "AwaitSecondaryConfirmation" },
    ]);
    expect(states.AwaitSecondaryConfirmation?.Resource).toMatch(/:states:::lambda:invoke\.waitForTaskToken$/);
    expect(states.AwaitSecondaryConfirmation?.TimeoutSecondsPath).toBe("$.plan.untilConfirmationSeconds");
    expect(states.AwaitSecondaryConfirmation?.Next).toBe("RouteSecondary");
    expect(states.AwaitSecondaryConfirmation?.Catch?.[0]).toEqual({
      ErrorEquals: ["ReferralWithdrawn"],
      ResultPath: null,
      Next: "Withdrawn",
    });
    expect(states.AwaitSecondaryConfirmation?.Catch?.[1]).toEqual({
      ErrorEquals: ["States.Timeout"],
      ResultPath: null,
      Next: "NoConfirmation",
    });
    expect(states.RouteSecondary?.Choices).toEqual([
      { Variable: "$.assessment.outcome", StringEquals: "same-condition", Next: "AcknowledgeSecondary" },
    ]);
    expect(states.RouteSecondary?.Default).toBe("AssessAsNew");
    expect(states.NoConfirmation).toMatchObject({ Type: "Pass", Next: "AssessAsNew" });
    expect(states.AssessAsNew).toMatchObject({
      Next: "AwaitAssessment",
      ResultPath: "$.plan",
      Parameters: { Payload: { "referralId.$": "$.referralId", assessAsNew: true } },
    });
    expect(states.AcknowledgeSecondary).toMatchObject({
      Type: "Task",
      Next: "Done",
      ResultPath: null,
      Parameters: { Payload: { "referralId.$": "$.referralId" } },
    });
  });

  it("waits for the decision in five Await states, each a task-token wait with a timeout from the state", () => {
    const timeouts = {
      AwaitAssessment: ["$.plan.untilReminderSeconds", "initial"],
      AwaitAfterReminder: ["$.timer.seconds", "rearm"],
      AwaitAfterUrgentTarget: ["$.timer.seconds", "rearm"],
      AwaitAfterBreach: ["$.timer.seconds", "rearm"],
      AwaitAfterRetime: ["$.timer.seconds", "rearm"],
    };
    for (const [name, [path, phase]] of Object.entries(timeouts)) {
      const state = states[name];
      expect(state?.Resource, name).toMatch(/:states:::lambda:invoke\.waitForTaskToken$/);
      expect(state?.Parameters?.Payload, name).toEqual({
        "referralId.$": "$.referralId",
        "taskToken.$": "$$.Task.Token",
        phase,
      });
      expect(state?.TimeoutSecondsPath, name).toBe(path);
      expect(state?.TimeoutSeconds, name).toBeUndefined();
      expect(state?.ResultPath, name).toBe("$.assessment");
      expect(state?.Next, name).toBe("RouteDecision");
    }
  });

  it("catches each wait's timeout into RouteTimer and a priority change into RetimeAssessment", () => {
    for (const name of [
      "AwaitAssessment",
      "AwaitAfterReminder",
      "AwaitAfterUrgentTarget",
      "AwaitAfterBreach",
      "AwaitAfterRetime",
    ]) {
      const catches = states[name]?.Catch ?? [];
      expect(catches[0], name).toEqual({
        ErrorEquals: ["States.Timeout"],
        ResultPath: null,
        Next: "RouteTimer",
      });
      expect(catches[1], name).toEqual({
        ErrorEquals: ["Frist.Retime"],
        ResultPath: null,
        Next: "RetimeAssessment",
      });
      // A withdrawn referral (a cancellation message) ends the wait, and the workflow, cleanly.
      expect(catches[2], name).toEqual({
        ErrorEquals: ["ReferralWithdrawn"],
        ResultPath: null,
        Next: "Withdrawn",
      });
      expect(catches.at(-1), name).toEqual({
        ErrorEquals: ["States.ALL"],
        ResultPath: "$.error",
        Next: "MarkFailed",
      });
      expect(catches, name).toHaveLength(4);
    }
    expect(states.Withdrawn?.Type).toBe("Succeed");
    for (const name of ["PlanIntake", "AssessAsNew"]) {
      expect(states[name]?.Catch?.[0], name).toEqual({
        ErrorEquals: ["ReferralWithdrawn"],
        ResultPath: null,
        Next: "Withdrawn",
      });
    }
  });

  it("routes a timeout to the step the last timer step named: the urgent target, the breach, else the reminder", () => {
    const present = (next: string) => ({
      And: [
        { Variable: "$.timer.next", IsPresent: true },
        { Variable: "$.timer.next", StringEquals: next },
      ],
    });
    expect(states.RouteTimer?.Choices).toEqual([
      { ...present("urgent-target"), Next: "EscalateUrgentTarget" },
      { ...present("breach"), Next: "RecordBreach" },
    ]);
    expect(states.RouteTimer?.Default).toBe("RemindAssessors");
  });

  it("computes each next timeout and step at run time into $.timer, each timer step followed by its own wait", () => {
    const steps = {
      RemindAssessors: [{ "referralId.$": "$.referralId" }, "AwaitAfterReminder"],
      EscalateUrgentTarget: [
        { "referralId.$": "$.referralId", step: "urgent-target" },
        "AwaitAfterUrgentTarget",
      ],
      RecordBreach: [{ "referralId.$": "$.referralId" }, "AwaitAfterBreach"],
      RetimeAssessment: [{ "referralId.$": "$.referralId", step: "retime" }, "AwaitAfterRetime"],
    } as const;
    for (const [name, [payload, next]] of Object.entries(steps)) {
      expect(states[name]?.ResultSelector, name).toEqual({
        "seconds.$": "$.Payload.seconds",
        "next.$": "$.Payload.next",
      });
      expect(states[name]?.ResultPath, name).toBe("$.timer");
      expect(states[name]?.Parameters?.Payload, name).toEqual(payload);
      expect(states[name]?.Next, name).toBe(next);
    }
    // No timeout is written into the graph: every Task either waits on a path or has none.
    for (const [name, state] of taskStates) expect(state.TimeoutSeconds, name).toBeUndefined();
  });

  it("plans intake into $.plan (track and seconds until the reminder) and discards the later tasks' results", () => {
    expect(states.PlanIntake?.ResultSelector).toEqual({
      "track.$": "$.Payload.track",
      "untilReminderSeconds.$": "$.Payload.untilReminderSeconds",
      "untilConfirmationSeconds.$": "$.Payload.untilConfirmationSeconds",
    });
    expect(states.PlanIntake?.ResultPath).toBe("$.plan");
    for (const name of [
      "AcknowledgeSecondary",
      "RecordDecision",
      "Complete",
      "EscalatePostalLetter",
      "MarkFailed",
    ]) {
      expect(states[name]?.ResultPath, name).toBeNull();
    }
  });

  /** The longest a Retry rule can keep a Task going: the sum of its capped waits, in seconds. */
  function retryBudgetSeconds(rule: NonNullable<AslState["Retry"]>[number]): number {
    let total = 0;
    for (let attempt = 0; attempt < (rule.MaxAttempts ?? 3); attempt++) {
      const wait = (rule.IntervalSeconds ?? 1) * (rule.BackoffRate ?? 2) ** attempt;
      total += Math.min(wait, rule.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    }
    return total;
  }

  it("retries every plain Task on every error but the permanent ones, with jitter, for more than ten minutes", () => {
    expect(taskStates.map(([name]) => name).sort()).toEqual(
      [
        "AcknowledgeSecondary",
        "AssessAsNew",
        "AwaitSecondaryConfirmation",
        "AwaitAfterBreach",
        "AwaitAfterReminder",
        "AwaitAfterRetime",
        "AwaitAfterUrgentTarget",
        "AwaitAssessment",
        "CheckStartOfCare",
        "ConfirmBreachByDefault",
        "ConfirmStartOfCare",
        "EscalateUrgentTarget",
        "RetimeAssessment",
        "Complete",
        "DispatchLetters",
        "SendStatusOnReferral",
        "EscalatePostalLetter",
        "MarkFailed",
        "PlanIntake",
        "PlanStartOfCare",
        "RecordBreach",
        "RecordDecision",
        "RemindAssessors",
        "RemindStartOfCare",
      ].sort(),
    );
    for (const [name, state] of taskStates) {
      if (name.startsWith("Await")) continue;
      const [permanent, all, ...rest] = state.Retry ?? [];
      expect(rest, name).toEqual([]);
      // Permanent errors first, with no attempts: States.ALL must come last and would match them.
      expect(permanent, name).toEqual({
        ErrorEquals: [
          "ReferralNotFound",
          "DecisionMissing",
          "Frist.UnknownOutcome",
          "ReferralWithdrawn",
          "EdiRejected",
          "OutgoingMessageInvalid",
        ],
        MaxAttempts: 0,
      });
      expect(all?.ErrorEquals, name).toEqual(["States.ALL"]);
      expect(all?.JitterStrategy, name).toBe("FULL");
      expect(all?.MaxDelaySeconds, name).toBeLessThanOrEqual(60);
      if (!all) throw new Error(`${name} has no States.ALL retry`);
      expect(retryBudgetSeconds(all), name).toBeGreaterThan(600);
    }
  });

  it("retries the waits' Lambda on the transient errors by name, never on States.ALL or States.Timeout (the deadline timer)", () => {
    for (const name of ["AwaitAssessment", "AwaitAfterReminder", "AwaitAfterBreach"]) {
      const retries = states[name]?.Retry ?? [];
      expect(retries, name).toHaveLength(1);
      const [rule] = retries;
      if (!rule) throw new Error(`${name} has no retry`);
      expect(rule.ErrorEquals, name).toEqual(
        expect.arrayContaining([
          "DynamoUnavailable",
          "MailUnavailable",
          "Lambda.ServiceException",
          "Lambda.TooManyRequestsException",
          "ThrottlingException",
          "TransactionConflictException",
        ]),
      );
      for (const never of ["States.ALL", "States.Timeout", "States.TaskFailed"]) {
        expect(rule.ErrorEquals, name).not.toContain(never);
      }
      expect(rule.JitterStrategy, name).toBe("FULL");
      expect(retryBudgetSeconds(rule), name).toBeGreaterThan(600);
      expect(states[name]?.Catch?.[0], name).toMatchObject({ ErrorEquals: ["States.Timeout"] });
    }
  });

  it("sends every error a Task could not retry away to MarkFailed with the error at $.error", () => {
    for (const [name, state] of taskStates) {
      if (name === "MarkFailed") continue;
      expect(state.Catch?.at(-1), name).toEqual({
        ErrorEquals: ["States.ALL"],
        ResultPath: "$.error",
        Next: "MarkFailed",
      });
    }
    expect(states.MarkFailed?.Parameters?.Payload).toEqual({
      "referralId.$": "$.referralId",
      "error.$": "$.error",
    });
  });

  it("ends in a Fail state of its own when MarkFailed itself fails after its retries", () => {
    expect(states.MarkFailed?.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: null, Next: "MarkFailedFailed" },
    ]);
    expect(states.MarkFailedFailed).toMatchObject({ Type: "Fail", Error: "Frist.MarkFailedFailed" });
  });

  it("passes only ids between states", () => {
    // `phase` and `step` are constants of the graph ("initial" | "rearm", "plan" | "remind" | "check"), not data.
    const allowed = new Set([
      "referralId.$",
      "taskId.$",
      "taskToken.$",
      "error.$",
      "phase",
      "step",
      "assessAsNew",
    ]);
    for (const [name, state] of taskStates) {
      for (const key of Object.keys(state.Parameters?.Payload ?? {})) {
        expect(allowed.has(key), `${name}: ${key}`).toBe(true);
      }
    }
    expect(states.RecordDecision?.Parameters?.Payload).toEqual({
      "referralId.$": "$.referralId",
      "taskId.$": "$.assessment.taskId",
    });
  });

  it("invokes each step's own handler (FunctionName is the function's Arn)", () => {
    const entries = Object.fromEntries(
      taskStates.map(([name, s]) => [name, entryOf(functionIdOf(s.Parameters?.FunctionName))]),
    );

    expect(entries).toEqual({
      PlanIntake: "functions/handlers/plan-intake.ts",
      AcknowledgeSecondary: "functions/handlers/acknowledge-secondary.ts",
      AwaitSecondaryConfirmation: "functions/handlers/notify-assessors.ts",
      AssessAsNew: "functions/handlers/plan-intake.ts",
      AwaitAssessment: "functions/handlers/notify-assessors.ts",
      RemindAssessors: "functions/handlers/remind-assessors.ts",
      AwaitAfterReminder: "functions/handlers/notify-assessors.ts",
      EscalateUrgentTarget: "functions/handlers/record-breach.ts",
      AwaitAfterUrgentTarget: "functions/handlers/notify-assessors.ts",
      RecordBreach: "functions/handlers/record-breach.ts",
      AwaitAfterBreach: "functions/handlers/notify-assessors.ts",
      RetimeAssessment: "functions/handlers/record-breach.ts",
      AwaitAfterRetime: "functions/handlers/notify-assessors.ts",
      RecordDecision: "functions/handlers/record-decision.ts",
      DispatchLetters: "functions/handlers/dispatch-letters.ts",
      SendStatusOnReferral: "functions/handlers/send-status-on-referral.ts",
      Complete: "functions/handlers/complete-referral.ts",
      EscalatePostalLetter: "functions/handlers/dispatch-letters.ts",
      PlanStartOfCare: "functions/handlers/start-of-care-timer.ts",
      RemindStartOfCare: "functions/handlers/start-of-care-timer.ts",
      ConfirmStartOfCare: "functions/handlers/start-of-care-timer.ts",
      CheckStartOfCare: "functions/handlers/start-of-care-timer.ts",
      ConfirmBreachByDefault: "functions/handlers/start-of-care-timer.ts",
      MarkFailed: "functions/handlers/mark-failed.ts",
    });
  });

  it("logs every event without execution data (health data) and traces executions", () => {
    expect(stateMachine.Properties.LoggingConfiguration).toMatchObject({
      Level: "ALL",
      IncludeExecutionData: false,
    });
    const [destination] = (stateMachine.Properties.LoggingConfiguration as { Destinations: Json[] })
      .Destinations;
    const logGroupId = getAttTarget(
      (destination as { CloudWatchLogsLogGroup: { LogGroupArn: Json } }).CloudWatchLogsLogGroup.LogGroupArn,
    );
    expect(resources[logGroupId]?.Type).toBe("AWS::Logs::LogGroup");
    expect(stateMachine.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });
});

describe("the API", () => {
  const methods = resourcesOfType("AWS::ApiGateway::Method").map(([, m]) => m.Properties ?? {});
  const pathOf = (resourceRef: Json): string => {
    const parts: string[] = [];
    let ref = resourceRef as { Ref?: string } | { "Fn::GetAtt": string[] };
    while ("Ref" in ref && ref.Ref && resources[ref.Ref]?.Type === "AWS::ApiGateway::Resource") {
      const r = resources[ref.Ref]?.Properties ?? {};
      parts.unshift(r.PathPart as string);
      ref = r.ParentId as typeof ref;
    }
    return `/${parts.join("/")}`;
  };
  const routes = Object.fromEntries(
    methods.map((m) => [`${m.HttpMethod} ${pathOf(m.ResourceId as Json)}`, m.AuthorizationType]),
  );

  it("serves the routes of the contract, the portal routes with IAM auth and the staff routes without", () => {
    expect(routes).toEqual({
      "POST /referrals": "AWS_IAM",
      "POST /messages": "AWS_IAM",
      "GET /referrals": "AWS_IAM",
      "GET /referrals/{referralId}": "AWS_IAM",
      "GET /tasks/{taskId}": "NONE",
      "GET /tasks/{taskId}/attachments/{n}": "NONE",
      "POST /tasks/{taskId}/decision": "NONE",
      "POST /tasks/{taskId}/priority": "NONE",
      "POST /tasks/{taskId}/secondary": "NONE",
      "GET /openapi.json": "NONE",
      "GET /agendas/{agendaId}": "NONE",
      "GET /letters": "NONE",
      "GET /letters/{letterId}/print": "NONE",
      "GET /statistics": "NONE",
      "POST /letters/{letterId}/sent": "NONE",
      "POST /referrals/{referralId}/start-of-care": "NONE",
      "GET /staff": "NONE",
      "POST /staff/search": "NONE",
      "GET /staff/referrals/{referralId}": "NONE",
      "GET /helfo-notifications": "NONE",
      "POST /helfo-notifications/{referralId}/reported": "NONE",
      "GET /auth/login": "NONE",
      "GET /auth/callback": "NONE",
      "GET /auth/session": "NONE",
      "POST /auth/logout": "NONE",
      "GET /access-log/{referralId}": "NONE",
      "GET /inbox/{letterLink}": "NONE",
    });
  });

  it("serves a letter to its recipient at /inbox/{letterLink}: no IAM (the function requires the recipient's sign-in), no mail, a tight throttle", () => {
    expect(routes["GET /inbox/{letterLink}"]).toBe("NONE");
    const entry = "functions/handlers/letter-page.ts";
    const actions = statementsOfFunction(entry).flatMap(actionsOf);
    expect(actions.some((action) => action.startsWith("ses:"))).toBe(false);
    expect(actions.some((action) => action.startsWith("states:"))).toBe(false);
    expect(actions).toContain("dynamodb:Query");
    // The same providers as sign-in itself (staff, and the patients' and personnel's issuers).
    const variablesOf = (file: string) =>
      (functionByEntry(file)[1].Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(variablesOf(entry).SIGN_IN_PROVIDERS).toEqual(
      variablesOf("functions/handlers/auth.ts").SIGN_IN_PROVIDERS,
    );
    const [, stage] = resourcesOfType("AWS::ApiGateway::Stage")[0] ?? [];
    const settings = (stage?.Properties?.MethodSettings ?? []) as {
      ResourcePath: string;
      ThrottlingRateLimit?: number;
    }[];
    expect(settings.find((s) => s.ResourcePath === "/~1inbox~1{letterLink}")?.ThrottlingRateLimit).toBe(10);
  });

  it("serves the postal queue to a staff session, not IAM, with the sign-in settings and only the table", () => {
    const postal = [
      "functions/handlers/list-letters.ts",
      "functions/handlers/postal-letter.ts",
      "functions/handlers/mark-letter-posted.ts",
    ];
    for (const route of ["GET /letters", "GET /letters/{letterId}/print", "POST /letters/{letterId}/sent"]) {
      expect(routes[route], route).toBe("NONE");
    }
    for (const entry of postal) {
      const [, fn] = functionByEntry(entry);
      const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
      expect(Object.keys(variables), entry).toEqual(
        expect.arrayContaining(["SIGN_IN_PROVIDERS", "PUBLIC_BASE_URL", "TABLE_NAME"]),
      );
      const actions = statementsOfFunction(entry).flatMap(actionsOf);
      expect(
        actions.some((action) => action.startsWith("ses:")),
        entry,
      ).toBe(false);
      expect(
        actions.some((action) => action.startsWith("states:")),
        entry,
      ).toBe(false);
    }
  });

  it("puts every portal method under /referrals behind IAM auth, and nothing else there", () => {
    const referralMethods = Object.entries(routes).filter(
      ([route]) => route.split(" ")[1]?.startsWith("/referrals") && !route.endsWith("/start-of-care"),
    );

    expect(referralMethods.map(([route]) => route).sort()).toEqual([
      "GET /referrals",
      "GET /referrals/{referralId}",
      "POST /referrals",
    ]);
    for (const [route, auth] of referralMethods) expect(auth, route).toBe("AWS_IAM");
  });

  it("records the start of care with a staff session, not IAM: no portal's credentials reach it, and staff need none", () => {
    // API Gateway lets any IAM principal allowed on /referrals through an AWS_IAM method; a method
    // without it reaches the function, which requires a signed-in assessor or lead.
    expect(routes["POST /referrals/{referralId}/start-of-care"]).toBe("NONE");
    expect(routes["GET /staff/referrals/{referralId}"]).toBe("NONE");
    for (const entry of [
      "functions/handlers/record-start-of-care.ts",
      "functions/handlers/staff-referral-page.ts",
    ]) {
      const [, fn] = functionByEntry(entry);
      const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
      expect(Object.keys(variables), entry).toEqual(
        expect.arrayContaining(["SIGN_IN_PROVIDERS", "PUBLIC_BASE_URL"]),
      );
      const actions = statementsOfFunction(entry).flatMap(actionsOf);
      expect(
        actions.some((action) => action.startsWith("ses:") || action.startsWith("states:")),
        entry,
      ).toBe(false);
    }
  });

  it("serves the staff home to a staff session, not IAM, reading indexes only and writing nothing but its session and the access log", () => {
    expect(routes["GET /staff"]).toBe("NONE");
    const entry = "functions/handlers/staff-home.ts";
    const [, fn] = functionByEntry(entry);
    const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining(["SIGN_IN_PROVIDERS", "PUBLIC_BASE_URL", "TABLE_NAME", "CLINIC_CONFIG"]),
    );
    const actions = statementsOfFunction(entry).flatMap(actionsOf);
    expect(actions.some((action) => action.startsWith("ses:") || action.startsWith("states:"))).toBe(false);
    expect(actions).not.toContain("dynamodb:Scan");
    expect(actions).not.toContain("dynamodb:BatchGetItem");
  });

  it("serves the Helfo list to a staff session, not IAM: no portal's credentials read it", () => {
    expect(routes["GET /helfo-notifications"]).toBe("NONE");
    const [, fn] = functionByEntry("functions/handlers/helfo-notifications.ts");
    const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(["SIGN_IN_PROVIDERS", "PUBLIC_BASE_URL"]));
  });

  it("signs the sign-in state cookie with a generated Secrets Manager secret, resolved at deploy into the auth function alone", () => {
    const secrets = resourcesOfType("AWS::SecretsManager::Secret");
    expect(secrets).toHaveLength(1);
    const [secretId, secret] = secrets[0] ?? [];
    expect(secret?.Properties?.GenerateSecretString).toMatchObject({
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    const key = (
      functionByEntry("functions/handlers/auth.ts")[1].Properties.Environment as {
        Variables: Record<string, Json>;
      }
    ).Variables.SIGN_IN_STATE_KEY;
    // A dynamic reference: the template names the secret, never the key.
    expect(JSON.stringify(key)).toContain("{{resolve:secretsmanager:");
    expect(JSON.stringify(key)).toContain(String(secretId));
    const holders = resourcesOfType("AWS::Lambda::Function").filter(
      ([, fn]) =>
        (fn.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables
          ?.SIGN_IN_STATE_KEY,
    );
    expect(holders).toHaveLength(1);
  });

  it("integrates every route with its handler through the Lambda proxy", () => {
    for (const m of methods) {
      expect(m.Integration).toMatchObject({ Type: "AWS_PROXY", IntegrationHttpMethod: "POST" });
    }
  });

  it("deploys stage prod with JSON access logs without bodies or paths, throttling and metrics, and no data trace or stage tracing", () => {
    const [, stage] = onlyResourceOfType("AWS::ApiGateway::Stage");
    const accessLog = stage.Properties.AccessLogSetting as { Format: string; DestinationArn: Json };
    const format = JSON.parse(accessLog.Format) as Record<string, string>;
    const settings = stage.Properties.MethodSettings as Record<string, Json>[];

    expect(stage.Properties).toMatchObject({ StageName: "prod", TracingEnabled: false });
    expect(format.resourcePath).toBe("$context.resourcePath");
    expect(Object.values(format).join(" ")).not.toMatch(/requestBody|\$context\.path|\$input/);
    expect(settings[0]).toMatchObject({
      HttpMethod: "*",
      ResourcePath: "/*",
      DataTraceEnabled: false,
      MetricsEnabled: true,
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    for (const s of settings) expect(s.DataTraceEnabled).toBe(false);
  });

  it("gives notify-assessors the task-link base URL from the RestApi id, not from the stage", () => {
    const [, notify] = functionByEntry("functions/handlers/notify-assessors.ts");
    const variables = (notify.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const [restApiId] = onlyResourceOfType("AWS::ApiGateway::RestApi");

    expect(cfnString(variables.PUBLIC_BASE_URL as Json)).toBe(
      `https://<${restApiId}>.execute-api.eu-north-1.<AWS::URLSuffix>/prod`,
    );
  });
});

describe("permissions", () => {
  it("spells out every IAM action (no * in any action of any identity policy)", () => {
    const statements = identityPolicyStatements();

    expect(statements.length).toBeGreaterThan(0);
    for (const { owner, statement } of statements) {
      for (const action of actionsOf(statement)) expect(action, owner).not.toContain("*");
    }
  });

  it("lets only the decision and secondary-confirmation handlers and the reconciler resume waits, only the priority handler retime one, and only the two receiving handlers and the reconciler start executions", () => {
    const holders = (action: string) =>
      resourcesOfType("AWS::Lambda::Function")
        .map(([, fn]) => fn.Metadata?.["frist:entry"] as string)
        .filter((entry) => statementsOfFunction(entry).some((s) => actionsOf(s).includes(action)));

    expect(holders("states:SendTaskSuccess").sort()).toEqual([
      "functions/handlers/confirm-secondary.ts",
      "functions/handlers/reconcile-workflows.ts",
      "functions/handlers/submit-decision.ts",
    ]);
    // The priority handler retimes a wait; a cancellation message ends a withdrawn referral's wait.
    expect(holders("states:SendTaskFailure").sort()).toEqual([
      "functions/handlers/change-priority.ts",
      "functions/handlers/poll-edi-mailbox.ts",
      "functions/handlers/receive-message.ts",
    ]);
    expect(holders("states:SendTaskHeartbeat")).toEqual([]);
    expect(holders("states:StartExecution").sort()).toEqual([
      "functions/handlers/poll-edi-mailbox.ts",
      "functions/handlers/receive-message.ts",
      "functions/handlers/receive-referral.ts",
      "functions/handlers/reconcile-workflows.ts",
    ]);
    expect(holders("ses:SendEmail").sort()).toEqual([
      "functions/handlers/acknowledge-secondary.ts",
      "functions/handlers/dispatch-letters.ts",
      "functions/handlers/helfo-reported.ts",
      "functions/handlers/notify-assessors.ts",
      "functions/handlers/plan-intake.ts",
      "functions/handlers/record-breach.ts",
      "functions/handlers/remind-assessors.ts",
      "functions/handlers/send-agendas.ts",
      "functions/handlers/start-of-care-timer.ts",
      "functions/handlers/submit-decision.ts",
    ]);
    const taskResponse = statementsOfFunction("functions/handlers/submit-decision.ts").find((s) =>
      actionsOf(s).includes("states:SendTaskSuccess"),
    );
    expect(taskResponse?.Resource).toEqual({ Ref: stateMachineId });
  });

  it("lets the mailers send only as the sender address through the configuration set", () => {
    const send = statementsOfFunction("functions/handlers/dispatch-letters.ts").find((s) =>
      actionsOf(s).includes("ses:SendEmail"),
    );

    expect(actionsOf(send as Statement).sort()).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
    expect(send?.Condition).toEqual({
      StringEquals: { "ses:FromAddress": readCdkJsonContext()["frist:senderEmail"] },
    });
    expect(((send as Statement).Resource as Json[]).map(cfnString).sort()).toEqual([
      `arn:aws:ses:eu-north-1:<AWS::AccountId>:configuration-set/${readCdkJsonContext()["frist:sesConfigurationSet"]}`,
      "arn:aws:ses:eu-north-1:<AWS::AccountId>:identity/*",
    ]);
  });

  it("lets functions use the table's key only through DynamoDB, and through S3 only to write (GenerateDataKey) or read (Decrypt) attachments", () => {
    const kms = identityPolicyStatements().filter(({ statement }) =>
      actionsOf(statement).some((a) => a.startsWith("kms:")),
    );
    const via = (statement: Statement) =>
      cfnString(
        (statement.Condition as { StringEquals: Record<string, Json> }).StringEquals[
          "kms:ViaService"
        ] as Json,
      );

    expect(kms.length).toBeGreaterThan(0);
    const viaS3 = kms.filter(({ statement }) => via(statement) === "s3.eu-north-1.<AWS::URLSuffix>");
    expect(viaS3.length).toBeGreaterThan(0);
    for (const { statement } of kms) {
      expect(["dynamodb.eu-north-1.<AWS::URLSuffix>", "s3.eu-north-1.<AWS::URLSuffix>"]).toContain(
        via(statement),
      );
    }
    for (const { statement } of viaS3) {
      for (const action of actionsOf(statement))
        expect(["kms:GenerateDataKey", "kms:Decrypt"]).toContain(action);
    }
  });
});

describe("operations", () => {
  it("encrypts the alarm topic with a key CloudWatch may use", () => {
    const [, topic] = onlyResourceOfType("AWS::SNS::Topic");
    const keyId = getAttTarget(topic.Properties.KmsMasterKeyId as Json);
    const keyPolicy = JSON.stringify(resources[keyId]?.Properties.KeyPolicy);

    expect(resources[keyId]).toMatchObject({
      Type: "AWS::KMS::Key",
      Properties: { EnableKeyRotation: true },
    });
    expect(keyPolicy).toContain("cloudwatch.amazonaws.com");
  });
});

describe("the functions", () => {
  const functions = resourcesOfType("AWS::Lambda::Function");
  /** Set on every function by FristFunction. */
  const POWERTOOLS_VARIABLES = [
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_TRACER_CAPTURE_ERROR",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
    "POWERTOOLS_TRACE_ENABLED",
  ];

  it("are the thirty-nine handlers", () => {
    expect(functions).toHaveLength(39);
  });

  it("run Node.js 22 on arm64 with active tracing and 256 MB, without --enable-source-maps", () => {
    for (const [id, fn] of functions) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        MemorySize: 256,
        Handler: "index.handler",
      });
      const variables = (fn.Properties.Environment as { Variables?: Record<string, Json> } | undefined)
        ?.Variables;
      expect(variables?.NODE_OPTIONS, id).toBeUndefined();
    }
  });

  it("name Frist's service for Powertools and keep responses and error messages off their traces", () => {
    for (const [id, fn] of functions) {
      expect(fn.Properties, id).toMatchObject({
        Environment: {
          Variables: {
            POWERTOOLS_SERVICE_NAME: "frist",
            POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
            POWERTOOLS_TRACER_CAPTURE_ERROR: "false",
          },
        },
      });
    }
  });

  it("name their entry file, which exists, and the exported handler in metadata", () => {
    for (const [id, fn] of functions) {
      const entry = fn.Metadata?.["frist:entry"];

      expect(entry, id).toMatch(/^functions\/handlers\/[a-z-]+\.ts$/);
      expect(existsSync(path.join(REPO_ROOT, entry as string)), String(entry)).toBe(true);
      expect(fn.Metadata?.["frist:handler"], id).toBe("handler");
    }
  });

  it("log to their own log group, kept three months", () => {
    for (const [id, fn] of functions) {
      const logGroupRef = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[logGroupRef], id).toMatchObject({
        Type: "AWS::Logs::LogGroup",
        Properties: { RetentionInDays: 90 },
      });
    }
  });

  it("give the same value to the same variable name (the local runtime merges them into one env)", () => {
    const seen = new Map<string, string>();
    for (const [id, fn] of functions) {
      const variables = (fn.Properties.Environment as { Variables?: Record<string, Json> } | undefined)
        ?.Variables;
      for (const [name, value] of Object.entries(variables ?? {})) {
        const text = JSON.stringify(value);
        expect(seen.get(name) ?? text, `${id}: ${name}`).toBe(text);
        seen.set(name, text);
      }
    }
    expect([...seen.keys()].sort()).toEqual(
      [
        "ATTACHMENT_BUCKET",
        "CLINIC_CONFIG",
        "EDI_API_URL",
        "FASTLEGEREGISTERET",
        "HELSEID_CLIENT",
        "MAIL_FROM",
        ...POWERTOOLS_VARIABLES,
        "PUBLIC_BASE_URL",
        "SES_CONFIGURATION_SET",
        "SIGN_IN_PROVIDERS",
        "SIGN_IN_STATE_KEY",
        "STATE_MACHINE_ARN",
        "TABLE_NAME",
      ].sort(),
    );
  });

  it("receive the clinic and its intake team as CLINIC_CONFIG", () => {
    const [, planIntake] = functionByEntry("functions/handlers/plan-intake.ts");
    const variables = (planIntake.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const context = readCdkJsonContext();

    expect(JSON.parse(variables.CLINIC_CONFIG as string)).toMatchObject({
      clinic: context["frist:clinic"],
      intakeTeam: context["frist:intakeTeam"],
      legalClock: { reminderWorkingDay: 8 },
    });
  });
});

describe("the stack", () => {
  it("is named Frist, deploys to eu-north-1 and outputs the API URL, state machine and table", () => {
    expect(stack.stackName).toBe("Frist");
    expect(stack.region).toBe("eu-north-1");
    expect(Object.keys(templateJson.Outputs)).toEqual(
      expect.arrayContaining(["ApiUrl", "StateMachineArn", "TableName"]),
    );
    expect(templateJson.Outputs.StateMachineArn?.Value).toEqual({ Ref: stateMachineId });
  });

  it("has no dependency cycle between its resources", () => {
    const edges = new Map<string, Set<string>>();
    for (const [id, r] of Object.entries(resources)) {
      const deps = referencesIn(r.Properties);
      for (const d of [r.DependsOn ?? []].flat()) deps.add(d);
      edges.set(id, deps);
    }
    const state = new Map<string, "visiting" | "done">();
    const cycle: string[] = [];
    const visit = (id: string, trail: string[]): boolean => {
      if (state.get(id) === "done") return false;
      if (state.get(id) === "visiting") {
        cycle.push(...trail.slice(trail.indexOf(id)), id);
        return true;
      }
      state.set(id, "visiting");
      for (const dep of edges.get(id) ?? []) if (edges.has(dep) && visit(dep, [...trail, id])) return true;
      state.set(id, "done");
      return false;
    };

    for (const id of edges.keys()) if (visit(id, [])) break;

    expect(cycle).toEqual([]);
  });
});
