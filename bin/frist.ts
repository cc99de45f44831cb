import { addComplianceChecks, createFristApp } from "../lib/app";

const { app } = createFristApp();
// `cdk synth` fails on any cdk-nag finding (AwsSolutions, HIPAA.Security) not acknowledged with a reason.
addComplianceChecks(app);
