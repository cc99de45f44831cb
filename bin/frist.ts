import { createDeployableApp } from "../lib/app";

// `cdk synth` fails on any cdk-nag finding (AwsSolutions, HIPAA.Security) not acknowledged with a reason.
createDeployableApp();
